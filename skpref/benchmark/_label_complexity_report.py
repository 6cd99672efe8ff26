"""The label-complexity study's output directory: its table, its summary and its figure."""

from pathlib import Path

from sklearn.utils import Bunch

from ._label_complexity_figure import FIGSIZE, plot_label_complexity
from ._label_complexity_summary import format_label_complexity
from ._report import new_figure, require_matplotlib, save_figure, write_csv, write_text


def write_label_complexity_report(rows, directory, summary=None):
    """Write what ``skpref label-complexity`` writes for the rows of :func:`label_complexity_study`.

    ``directory`` (created with its parents if need be) receives
    ``label_complexity.csv`` (one line per cell), ``summary.txt`` and
    ``label_complexity.png`` (:func:`plot_label_complexity`) when matplotlib is
    installed. Each file is written whole, at once (:mod:`skpref._atomic`);
    nothing else in the directory is touched. The figure is drawn on a bare
    matplotlib figure: no pyplot, no GUI backend.

    Parameters
    ----------
    rows : list of dict
        The rows of :func:`label_complexity_study`.
    directory : str or path-like
        Where to write.
    summary : str, default=None
        The text of ``summary.txt`` (a newline is added); None writes
        :func:`format_label_complexity` of the rows.

    Returns
    -------
    report : :class:`~sklearn.utils.Bunch`
        ``summary`` (the text written), ``written`` (the file names, in the
        order written) and ``figure_error`` (why there is no figure, or None).

    Examples
    --------
    >>> import tempfile
    >>> from skpref.benchmark import (
    ...     label_complexity_study, make_gap_instance, write_label_complexity_report)
    >>> X, theta = make_gap_instance(2, 5, min_gap=0.5, random_state=0)
    >>> rows = label_complexity_study([("tiny", X, theta)], deltas=[0.1],
    ...                               designs=["gap"], n_runs=3, n_jobs=1)
    >>> write_label_complexity_report(rows, tempfile.mkdtemp()).written
    ['label_complexity.csv', 'summary.txt', 'label_complexity.png']
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    if summary is None:
        summary = format_label_complexity(rows)
    write_csv(out / "label_complexity.csv", rows)
    write_text(out / "summary.txt", summary + "\n")
    written = ["label_complexity.csv", "summary.txt"]
    figure_error = None
    try:
        require_matplotlib("The label-complexity figure")
    except ImportError as error:
        figure_error = str(error)
    else:
        figure = new_figure(FIGSIZE, pyplot=False)
        plot_label_complexity(rows, ax=figure.subplots())
        figure.tight_layout()
        save_figure(figure, out / "label_complexity.png")
        written.append("label_complexity.png")
    return Bunch(summary=summary, written=written, figure_error=figure_error)
