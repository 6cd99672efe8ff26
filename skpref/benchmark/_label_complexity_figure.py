"""The label-complexity study's figure: labels used against ``rho* log(1/delta)``, log-log."""

import numpy as np

from ._report import new_figure, require_matplotlib

#: One marker per allocation of :class:`~skpref.design.PhasedElimination`.
MARKERS = {"gap": "o", "g-optimal": "s", "uniform": "^"}

#: The figure's size in inches when it makes its own axes.
FIGSIZE = (6, 4.5)


def plot_label_complexity(rows, ax=None):
    """Labels used against ``rho* log(1/delta)``, log-log, one marker per design.

    Each cell is a point at ``(rho* log(1/delta), mean labels)`` with an error bar
    of two standard errors of the mean; the dashed line is ``c rho* log(1/delta)``
    with ``c`` the geometric mean of the ``"gap"`` design's ratios: an
    instance-dependent algorithm stays close to it while ``rho*`` varies by orders
    of magnitude. Needs matplotlib (``pip install skpref[benchmark]``).

    Parameters
    ----------
    rows : list of dict
        The rows of :func:`label_complexity_study`.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; None makes a figure through pyplot (shown by notebooks
        and the docs gallery).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from skpref.benchmark import (
    ...     label_complexity_study, make_gap_instance, plot_label_complexity)
    >>> X, theta = make_gap_instance(2, 5, min_gap=0.5, random_state=0)
    >>> rows = label_complexity_study([("tiny", X, theta)], deltas=[0.1, 0.01],
    ...                               designs=["gap"], n_runs=3, n_jobs=1)
    >>> ax = plot_label_complexity(rows)
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    """
    require_matplotlib("The label-complexity figure")
    if ax is None:
        ax = new_figure(FIGSIZE, pyplot=True).subplots()
    for design in dict.fromkeys(row["design"] for row in rows):
        chosen = [row for row in rows if row["design"] == design]
        ax.errorbar(
            [row["rho_log"] for row in chosen],
            [row["labels_mean"] for row in chosen],
            yerr=[2 * row["labels_se"] for row in chosen],
            fmt=MARKERS.get(design, "x"),
            label=design,
            alpha=0.8,
        )
    gap = np.array([row["ratio"] for row in rows if row["design"] == "gap"])
    if gap.size:
        span = np.array([min(row["rho_log"] for row in rows), max(row["rho_log"] for row in rows)])
        constant = float(np.exp(np.log(gap).mean()))
        ax.plot(span, constant * span, "k--", lw=1, label=f"{constant:.1f} x rho* log(1/delta)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rho* log(1/delta)")
    ax.set_ylabel("labels used (mean over runs)")
    ax.legend()
    return ax
