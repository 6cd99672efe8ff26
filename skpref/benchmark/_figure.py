"""Learning-curve figure: mean test accuracy with standard-error bands."""

import numpy as np

from ._summary import mean_curve


def plot_learning_curves(curves, path=None, *, reference=None):
    """Plot mean accuracy against labels, one panel per dataset and label mode.

    Each strategy is a line (mean over seeds) with a band of one standard
    error; the whole-pool accuracy, if given, is a dashed horizontal line.

    Parameters
    ----------
    curves : dict of array-like
        The ``curves`` of :func:`run_benchmark`.
    path : str or path-like, default=None
        Where to save the figure (PNG by extension); None only returns it.
    reference : dict of array-like, default=None
        The ``reference`` of :func:`run_benchmark`.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Made through pyplot when ``path`` is None, else a bare Figure.

    Examples
    --------
    >>> from skpref.benchmark import plot_learning_curves
    >>> curves = {"dataset": ["d"] * 4, "labels": ["real"] * 4,
    ...           "strategy": ["random"] * 4, "seed": [0, 0, 1, 1],
    ...           "n_labels": [10, 20, 10, 20], "accuracy": [0.5, 0.6, 0.55, 0.6],
    ...           "log_loss": [0.7, 0.6, 0.7, 0.6]}
    >>> figure = plot_learning_curves(curves)
    >>> len(figure.axes)
    1
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "plot_learning_curves needs matplotlib: pip install 'skpref[benchmark]'."
        ) from error
    columns = {key: np.asarray(value) for key, value in curves.items()}
    panels = list(dict.fromkeys(zip(columns["dataset"].tolist(), columns["labels"].tolist())))
    size = (4.8 * len(panels), 4.0)
    if path is None:
        # Through pyplot, so that notebooks and the docs gallery show it.
        import matplotlib.pyplot as plt

        figure = plt.figure(figsize=size)
    else:
        # No pyplot and no GUI backend: saving works on a headless machine.
        figure = Figure(figsize=size)
    axes = figure.subplots(1, len(panels), squeeze=False)
    for ax, (dataset, labels) in zip(axes[0], panels):
        in_panel = (columns["dataset"] == dataset) & (columns["labels"] == labels)
        for strategy in dict.fromkeys(columns["strategy"][in_panel].tolist()):
            rows = in_panel & (columns["strategy"] == strategy)
            n_labels = columns["n_labels"][rows]
            accuracy = columns["accuracy"][rows].astype(float)
            grid, mean, se = mean_curve(n_labels, accuracy)
            se = np.nan_to_num(se)  # one seed: no band
            new_method = strategy in ("ci-location", "design")
            (line,) = ax.plot(
                grid, mean, label=strategy, linewidth=2.2 if new_method else 1.2,
                linestyle="-" if new_method else "--",
            )
            ax.fill_between(grid, mean - se, mean + se, color=line.get_color(), alpha=0.15)
        if reference:
            ref = {key: np.asarray(value) for key, value in reference.items()}
            mask = (ref["dataset"] == dataset) & (ref["labels"] == labels)
            if mask.any():
                ax.axhline(
                    ref["accuracy"][mask].mean(), color="black", linestyle=":", linewidth=1,
                    label="whole pool",
                )
        ax.set_title(f"{dataset} ({labels} labels)")
        ax.set_xlabel("labels")
        ax.set_ylabel("test accuracy")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize="small", loc="lower right")
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure
