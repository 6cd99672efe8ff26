"""The pool benchmark's figure: the learning curves and the paired difference below them."""

from skpref.benchmark import plot_learning_curves


def test_figure_is_written(small_run, tmp_path):
    path = tmp_path / "curves.png"
    figure = plot_learning_curves(small_run.curves, path, reference=small_run.reference)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(figure.axes) == 2  # the curves, and the paired difference below them
    (legend,) = figure.legends  # one legend, outside the axes
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels == [
        "random", "ci-location", "design", "uncertainty", "whole pool", "random at the budget",
    ]
    assert all(ax.get_legend() is None for ax in figure.axes)
    assert "standard error" in figure.get_suptitle()
    assert "SE" in figure.axes[0].get_ylabel() and "paired" in figure.axes[1].get_ylabel()
