"""The pool benchmark's figure: the learning curves, and below them the paired difference."""

import numpy as np

from .._text import plural
from ._report import mean_curve, new_figure, require_matplotlib, save_figure
from ._summary import METRICS, describe_block, paired_difference_curve

#: The two new methods, drawn in colour; random is the bold black baseline.
HIGHLIGHTED = {"ci-location": "tab:red", "design": "tab:blue"}

# The other strategies: thin grey lines, told apart by their dashes.
_GREY_STYLES = ["--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2))]


def _style(strategy, rank, baseline):
    if strategy == baseline:
        return {"color": "black", "linewidth": 2.6, "linestyle": "-", "zorder": 4}
    if strategy in HIGHLIGHTED:
        return {"color": HIGHLIGHTED[strategy], "linewidth": 2.0, "linestyle": "-", "zorder": 3}
    return {
        "color": "0.55", "linewidth": 1.0, "zorder": 2,
        "linestyle": _GREY_STYLES[rank % len(_GREY_STYLES)],
    }


def _panel_metric(columns, in_panel, metric):
    if metric is not None:
        return metric
    signs = columns.get("sign_accuracy")
    if signs is not None and np.isfinite(signs[in_panel].astype(float)).any():
        return "sign_accuracy"
    return "accuracy"


def plot_learning_curves(curves, path=None, *, reference=None, metric=None, baseline="random"):
    """Plot the learning curves and their paired difference to random, one column per dataset.

    Top row: the mean score over seeds against the number of labels, random
    sampling as the bold black baseline, the two new methods
    (``ci-location``, ``design``) in colour with a band of one standard
    error, the other strategies as thin grey lines; the whole-pool score (if
    given) is dashed, random's score at the budget dotted. Bottom row: the
    paired difference to random (per seed, on the seeds both ran: same split,
    same start) in points of accuracy, with bands of one standard error of the paired mean for the
    highlighted methods. The legend sits outside the axes, on the right.

    Parameters
    ----------
    curves : dict of array-like
        The ``curves`` of :func:`run_benchmark`.
    path : str or path-like, default=None
        Where to save the figure, in the format of its extension (PNG, PDF, SVG, ...), at once
        (a run stopped while saving leaves the old file); None only returns it.
    reference : dict of array-like, default=None
        The ``reference`` of :func:`run_benchmark`.
    metric : {"accuracy", "sign_accuracy"}, default=None
        The score to draw. None: against the teacher's sign for teacher-mode
        panels, else the test accuracy.
    baseline : str, default="random"
        The strategy the differences are taken to.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Made through pyplot when ``path`` is None, else a bare Figure.

    Examples
    --------
    >>> from skpref.benchmark import plot_learning_curves
    >>> curves = {"dataset": ["d"] * 8, "labels": ["real"] * 8,
    ...           "strategy": ["random"] * 4 + ["design"] * 4, "seed": [0, 0, 1, 1] * 2,
    ...           "n_labels": [10, 20] * 4, "accuracy": [0.5, 0.6, 0.55, 0.6] * 2,
    ...           "log_loss": [0.7, 0.6, 0.7, 0.6] * 2}
    >>> figure = plot_learning_curves(curves)
    >>> len(figure.axes)  # the curves, and the difference to random below them
    2
    """
    require_matplotlib("plot_learning_curves")
    from matplotlib.lines import Line2D

    columns = {key: np.asarray(value) for key, value in curves.items()}
    panels = list(dict.fromkeys(zip(columns["dataset"].tolist(), columns["labels"].tolist())))
    size = (0.8 + 4.2 * len(panels) + 1.8, 6.4)
    # Shown through pyplot (notebooks, the docs gallery) unless it is only saved.
    figure = new_figure(size, pyplot=path is None, layout="constrained")
    axes = figure.subplots(
        2, len(panels), squeeze=False, sharex="col", gridspec_kw={"height_ratios": [3, 2]}
    )
    handles = {}
    seeds_of = {}
    for column, (dataset, labels) in enumerate(panels):
        top, bottom = axes[0][column], axes[1][column]
        in_panel = (columns["dataset"] == dataset) & (columns["labels"] == labels)
        score = _panel_metric(columns, in_panel, metric)
        strategies = list(dict.fromkeys(columns["strategy"][in_panel].tolist()))
        if baseline in strategies:  # drawn last, on top
            strategies = [name for name in strategies if name != baseline] + [baseline]
        grey_rank = 0
        for strategy in strategies:
            rows = in_panel & (columns["strategy"] == strategy)
            n_seeds = np.unique(columns["seed"][rows]).size
            seeds_of[strategy] = max(seeds_of.get(strategy, 0), n_seeds)
            grid, mean, se = mean_curve(columns["n_labels"][rows], columns[score][rows])
            style = _style(strategy, grey_rank, baseline)
            grey_rank += strategy != baseline and strategy not in HIGHLIGHTED
            (line,) = top.plot(grid, mean, label=strategy, **style)
            handles.setdefault(strategy, line)
            banded = strategy == baseline or strategy in HIGHLIGHTED
            if banded:
                se = np.nan_to_num(se)  # one seed: no band
                top.fill_between(grid, mean - se, mean + se, color=style["color"],
                                 alpha=0.15, linewidth=0, zorder=1)
            if strategy == baseline:
                top.axhline(mean[-1], color="black", linestyle=":", linewidth=0.9)
                continue
            grid, difference, se = paired_difference_curve(
                curves, strategy, dataset=dataset, labels=labels, metric=score, baseline=baseline
            )
            bottom.plot(grid, 100 * difference, **style)
            if banded and grid.size:
                se = 100 * np.nan_to_num(se)
                bottom.fill_between(grid, 100 * difference - se, 100 * difference + se,
                                    color=style["color"], alpha=0.15, linewidth=0, zorder=1)
        if reference:
            ref = {key: np.asarray(value) for key, value in reference.items()}
            mask = (ref["dataset"] == dataset) & (ref["labels"] == labels)
            if mask.any() and score in ref:
                line = top.axhline(
                    ref[score][mask].astype(float).mean(), color="0.3", linestyle="--",
                    linewidth=1.0, label="whole pool",
                )
                handles.setdefault("whole pool", line)
        bottom.axhline(0.0, color="black", linewidth=1.2)
        top.set_title(f"{describe_block(dataset, labels)}", fontsize="medium")
        top.grid(alpha=0.3)
        bottom.grid(alpha=0.3)
        bottom.set_xlabel("labels")
        if column == 0:
            top.set_ylabel(f"{METRICS.get(score, score)}\n(mean ± 1 SE)")
            bottom.set_ylabel(f"Δ vs {baseline}, points\n(paired mean ± 1 SE)")
    # Legend order: the baseline, the new methods, the others, the reference lines.
    first = [baseline, *HIGHLIGHTED]
    legend_labels = [name for name in first if name in handles]
    legend_labels += [name for name in handles if name not in first and name != "whole pool"]
    legend_labels += ["whole pool"] if "whole pool" in handles else []
    legend_handles = [handles[name] for name in legend_labels]

    legend_handles.append(Line2D([], [], color="black", linestyle=":", linewidth=0.9))
    legend_labels.append(f"{baseline} at the budget")
    figure.legend(legend_handles, legend_labels, loc="outside right center", fontsize="small",
                  frameon=False)
    most = max(seeds_of.values())
    fewer = ", ".join(f"{name}: {n}" for name, n in seeds_of.items() if n < most)
    figure.suptitle(
        f"Bands: ± 1 standard error over {plural(most, 'seed')}{f' ({fewer})' if fewer else ''}. "
        f"Lower row: the paired difference to {baseline} (same seeds, same split, same start).",
        fontsize="small",
    )
    if path is not None:
        save_figure(figure, path)
    return figure
