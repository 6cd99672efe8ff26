"""The benchmark's summary table: accuracy at the budget, area, labels saved, wins."""

import numpy as np


def _standard_error(values):
    values = np.asarray(values, dtype=float)
    return float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")


def _normalised_area(n_labels, accuracy):
    """Mean accuracy along the curve: the trapezoid area over the label range."""
    if n_labels.size == 1:
        return float(accuracy[0])
    area = np.sum(np.diff(n_labels) * (accuracy[1:] + accuracy[:-1]) / 2.0)
    return float(area / (n_labels[-1] - n_labels[0]))


def mean_curve(n_labels, accuracy):
    """The seed-averaged curve: per distinct ``n_labels``, mean accuracy and its standard error.

    Returns
    -------
    grid, mean, se : ndarray
        Sorted label counts, and the mean and standard error over the
        checkpoints at each (``nan`` where only one seed reached it).
    """
    grid, inverse = np.unique(n_labels, return_inverse=True)
    count = np.bincount(inverse)
    mean = np.bincount(inverse, weights=accuracy) / count
    squares = np.bincount(inverse, weights=(accuracy - mean[inverse]) ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(squares / (count - 1) / count)
    return grid, mean, se


def summarize(curves, *, baseline="random"):
    """One summary row per dataset, label mode and strategy.

    Parameters
    ----------
    curves : dict of array-like
        The ``curves`` of :func:`run_benchmark`: columns ``dataset``,
        ``labels``, ``strategy``, ``seed``, ``n_labels``, ``accuracy``,
        ``log_loss``.
    baseline : str, default="random"
        The strategy the others are compared with.

    Returns
    -------
    rows : list of dict
        Per strategy, over seeds: ``accuracy`` and ``accuracy_se`` (mean and
        standard error of the test accuracy at the budget B, the last
        checkpoint); ``auc`` and ``auc_se`` (the area under the accuracy
        curve divided by its label range, i.e. the mean accuracy along the
        curve); ``labels_to_baseline`` (the first checkpoint at which the
        seed-averaged curve reaches the baseline's mean accuracy at B, None
        if it never does); ``win_rate`` (the fraction of seeds in which the
        strategy's accuracy at B beats the baseline's, ties counting half);
        ``log_loss`` at B; ``n_seeds``.

    Examples
    --------
    >>> from skpref.benchmark import summarize
    >>> curves = {
    ...     "dataset": ["d"] * 4, "labels": ["real"] * 4,
    ...     "strategy": ["random", "random", "new", "new"], "seed": [0, 0, 0, 0],
    ...     "n_labels": [10, 20, 10, 20], "accuracy": [0.5, 0.6, 0.5, 0.7],
    ...     "log_loss": [0.7, 0.6, 0.7, 0.5],
    ... }
    >>> [(row["strategy"], row["labels_to_baseline"], row["win_rate"])
    ...  for row in summarize(curves)]
    [('random', 20, 0.5), ('new', 20, 1.0)]
    """
    columns = {key: np.asarray(value) for key, value in curves.items()}
    rows = []
    groups = dict.fromkeys(zip(columns["dataset"].tolist(), columns["labels"].tolist()))
    for dataset, labels in groups:
        in_group = (columns["dataset"] == dataset) & (columns["labels"] == labels)
        strategies = list(dict.fromkeys(columns["strategy"][in_group].tolist()))
        per_strategy = {
            name: _per_seed(columns, in_group & (columns["strategy"] == name))
            for name in strategies
        }
        if baseline not in per_strategy:
            raise ValueError(f"The baseline {baseline!r} is not among the strategies {strategies}.")
        base_final = per_strategy[baseline]["final"]
        target = np.mean(list(base_final.values()))
        for name in strategies:
            seeds = per_strategy[name]
            finals = np.array(list(seeds["final"].values()))
            areas = np.array(list(seeds["area"].values()))
            common = sorted(set(seeds["final"]) & set(base_final))
            wins = [
                1.0 if seeds["final"][s] > base_final[s]
                else 0.5 if seeds["final"][s] == base_final[s] else 0.0
                for s in common
            ]
            grid, mean_curve = seeds["mean_curve"]
            reached = np.flatnonzero(mean_curve >= target - 1e-12)
            rows.append(
                {
                    "dataset": dataset,
                    "labels": labels,
                    "strategy": name,
                    "budget": int(grid[-1]),
                    "accuracy": float(finals.mean()),
                    "accuracy_se": _standard_error(finals),
                    "auc": float(areas.mean()),
                    "auc_se": _standard_error(areas),
                    "labels_to_baseline": int(grid[reached[0]]) if reached.size else None,
                    "win_rate": float(np.mean(wins)) if wins else float("nan"),
                    "log_loss": float(np.mean(list(seeds["final_loss"].values()))),
                    "n_seeds": int(finals.size),
                }
            )
    return rows


def _per_seed(columns, mask):
    """Final accuracy, area and loss per seed, and the seed-averaged curve."""
    seeds = columns["seed"][mask]
    n_labels = columns["n_labels"][mask].astype(float)
    accuracy = columns["accuracy"][mask].astype(float)
    loss = columns["log_loss"][mask].astype(float)
    final, area, final_loss = {}, {}, {}
    for seed in dict.fromkeys(seeds.tolist()):
        rows = np.flatnonzero(seeds == seed)
        rows = rows[np.argsort(n_labels[rows], kind="stable")]
        final[seed] = accuracy[rows[-1]]
        final_loss[seed] = loss[rows[-1]]
        area[seed] = _normalised_area(n_labels[rows], accuracy[rows])
    grid, mean, _ = mean_curve(n_labels, accuracy)
    return {"final": final, "area": area, "final_loss": final_loss, "mean_curve": (grid, mean)}


def format_summary(rows, reference=None):
    """The summary rows as a fixed-width text table (what ``skpref benchmark`` prints).

    Parameters
    ----------
    rows : list of dict
        Output of :func:`summarize`.
    reference : dict of array-like, default=None
        The ``reference`` of :func:`run_benchmark` (whole-pool fits), shown
        under each dataset's block.

    Returns
    -------
    table : str

    Examples
    --------
    >>> from skpref.benchmark import format_summary
    >>> row = {"dataset": "d", "labels": "real", "strategy": "random", "budget": 20,
    ...        "accuracy": 0.6, "accuracy_se": 0.01, "auc": 0.55, "auc_se": 0.01,
    ...        "labels_to_baseline": 20, "win_rate": 0.5, "log_loss": 0.68, "n_seeds": 5}
    >>> print(format_summary([row]).splitlines()[0])
    d, real labels, budget 20, 5 seeds
    """
    lines = []
    header = (
        f"{'strategy':<13}{'accuracy at B':>17}{'area (AUC)':>17}"
        f"{'labels to random@B':>20}{'wins vs random':>16}{'log-loss at B':>15}"
    )
    groups = dict.fromkeys((row["dataset"], row["labels"]) for row in rows)
    for dataset, labels in groups:
        block = [row for row in rows if (row["dataset"], row["labels"]) == (dataset, labels)]
        lines.append(
            f"{dataset}, {labels} labels, budget {block[0]['budget']}, "
            f"{block[0]['n_seeds']} seeds"
        )
        lines.append(header)
        for row in block:
            reached = row["labels_to_baseline"]
            lines.append(
                f"{row['strategy']:<13}"
                f"{_pm(row['accuracy'], row['accuracy_se']):>17}"
                f"{_pm(row['auc'], row['auc_se']):>17}"
                f"{(str(reached) if reached is not None else '> ' + str(row['budget'])):>20}"
                f"{row['win_rate']:>16.2f}"
                f"{row['log_loss']:>15.4f}"
            )
        if reference:
            ref = {key: np.asarray(value) for key, value in reference.items()}
            mask = (ref["dataset"] == dataset) & (ref["labels"] == labels)
            if mask.any():
                accuracy = ref["accuracy"][mask]
                lines.append(
                    f"whole pool ({int(ref['n_labels'][mask][0])} labels): accuracy "
                    f"{_pm(accuracy.mean(), _standard_error(accuracy))}"
                )
        lines.append("")
    return "\n".join(lines)


def _pm(mean, se):
    return f"{mean:.4f} ± {se:.4f}" if np.isfinite(se) else f"{mean:.4f}"
