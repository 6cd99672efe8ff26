"""The benchmark's summary: paired differences to random, labels saved, a verdict."""

import textwrap

import numpy as np

from .._stats import standard_error
from .._text import plural
from ._report import mean_curve

#: What each score of ``curves`` measures, as the summary and figure name it.
METRICS = {
    "accuracy": "test accuracy",
    "sign_accuracy": "test accuracy against the teacher's sign",
}

# A difference is marked when its mean exceeds this many standard errors.
_SIGNIFICANT = 2.0


def _normalised_area(n_labels, accuracy):
    """Mean accuracy along the curve: the trapezoid area over the label range."""
    if n_labels.size == 1:
        return float(accuracy[0])
    area = np.sum(np.diff(n_labels) * (accuracy[1:] + accuracy[:-1]) / 2.0)
    return float(area / (n_labels[-1] - n_labels[0]))


def _curves_by_seed(columns, mask, metric):
    """``{seed: (n_labels, score)}`` sorted by label count, for the rows in ``mask``."""
    seeds = columns["seed"][mask]
    n_labels = columns["n_labels"][mask].astype(float)
    score = columns[metric][mask].astype(float)
    loss = columns["log_loss"][mask].astype(float)
    out = {}
    for seed in dict.fromkeys(seeds.tolist()):
        rows = np.flatnonzero(seeds == seed)
        rows = rows[np.argsort(n_labels[rows], kind="stable")]
        out[seed] = (n_labels[rows], score[rows], loss[rows])
    return out


def paired_difference_curve(curves, strategy, *, dataset, labels, metric="accuracy",
                            baseline="random"):
    """The paired difference to the baseline along the curve, mean and standard error.

    For every seed both ran, ``d_s(n) = a_s(n) - a^{baseline}_s(n)`` at every
    checkpoint ``n`` both reached: the two loops share the split and the
    random start, so the noise of the test set and of the start cancels.

    Parameters
    ----------
    curves : dict of array-like
        The ``curves`` of :func:`run_benchmark`.
    strategy : str
        The strategy compared.
    dataset, labels : str
        The block: a dataset and its label mode (``"real"`` or ``"teacher"``).
    metric : {"accuracy", "sign_accuracy"}, default="accuracy"
        The score compared.
    baseline : str, default="random"
        The strategy subtracted.

    Returns
    -------
    grid, mean, se : ndarray
        Label counts, and the mean and standard error of ``d_s(n)`` over seeds
        (:func:`mean_curve`); empty when no seed ran both.
    """
    columns = {key: np.asarray(value) for key, value in curves.items()}
    group = (columns["dataset"] == dataset) & (columns["labels"] == labels)
    ours = _curves_by_seed(columns, group & (columns["strategy"] == strategy), metric)
    theirs = _curves_by_seed(columns, group & (columns["strategy"] == baseline), metric)
    n_labels, differences = [], []
    for seed in ours.keys() & theirs.keys():
        grid, score, _ = ours[seed]
        base_grid, base_score, _ = theirs[seed]
        common, i, j = np.intersect1d(grid, base_grid, return_indices=True)
        n_labels.append(common)
        differences.append(score[i] - base_score[j])
    if not n_labels:
        return np.empty(0), np.empty(0), np.empty(0)
    return mean_curve(np.concatenate(n_labels), np.concatenate(differences))


def labels_to_reach(grid, mean, target):
    """The first checkpoint from which the mean curve stays at or above ``target``.

    Not the first crossing: a noisy curve that touches the target early and
    falls back below it has not reached it.

    Parameters
    ----------
    grid : array-like of shape (n_checkpoints,)
        Label counts, increasing.
    mean : array-like of shape (n_checkpoints,)
        The mean score at each (:func:`mean_curve`).
    target : float
        The score to reach; a mean within 1e-12 below it counts as reaching it.

    Returns
    -------
    n_labels : int or None
        None if the curve ends below ``target``.

    Examples
    --------
    >>> from skpref.benchmark import labels_to_reach
    >>> labels_to_reach([10, 20, 30, 40], [0.6, 0.5, 0.62, 0.63], 0.6)
    30
    >>> labels_to_reach([10, 20], [0.7, 0.5], 0.6) is None
    True
    """
    above = np.asarray(mean) >= target - 1e-12
    if not above[-1]:
        return None
    below = np.flatnonzero(~above)
    return int(np.asarray(grid)[below[-1] + 1 if below.size else 0])


def _metrics_of(columns, group):
    metrics = ["accuracy"]
    signs = columns.get("sign_accuracy")
    if signs is not None and np.isfinite(signs[group].astype(float)).any():
        metrics.append("sign_accuracy")
    return metrics


def summarize(curves, *, baseline="random"):
    """One summary row per dataset, label mode, score and strategy.

    Every comparison with the baseline is paired: over the seeds both
    strategies ran (same split, same random start), per seed the difference
    of the scores, then its mean and standard error. Teacher-mode curves get
    two sets of rows: scored against the teacher's noisy labels
    (``metric="accuracy"``) and against its noise-free sign
    (``metric="sign_accuracy"``).

    Parameters
    ----------
    curves : dict of array-like
        The ``curves`` of :func:`run_benchmark`: columns ``dataset``,
        ``labels``, ``strategy``, ``seed``, ``n_labels``, ``accuracy``,
        ``log_loss`` and optionally ``sign_accuracy``.
    baseline : str, default="random"
        The strategy the others are compared with.

    Returns
    -------
    rows : list of dict
        Per strategy: ``metric``; ``accuracy`` and ``accuracy_se`` (mean and
        standard error over seeds of the score at the budget B, the last
        checkpoint); ``auc`` and ``auc_se`` (the area under the curve divided
        by its label range, the mean score along the curve);
        ``difference``, ``difference_se`` and ``difference_significant``
        (the paired difference to the baseline at B, and whether it exceeds
        two standard errors); the same for the area as ``auc_difference``,
        ``auc_difference_se``, ``auc_difference_significant``;
        ``baseline_accuracy`` (the baseline's mean at B over the same seeds);
        ``labels_to_baseline`` (the first checkpoint from which the
        strategy's mean curve stays at or above ``baseline_accuracy``, see
        :func:`labels_to_reach`; None if it never does, and for the baseline
        itself); ``win_rate`` (the fraction of seeds in which the strategy's
        score at B beats the baseline's, ties counting half); ``log_loss``
        at B; ``n_seeds``. The baseline's own differences are NaN.

    Examples
    --------
    >>> from skpref.benchmark import summarize
    >>> curves = {
    ...     "dataset": ["d"] * 4, "labels": ["real"] * 4,
    ...     "strategy": ["random", "random", "new", "new"], "seed": [0, 0, 0, 0],
    ...     "n_labels": [10, 20, 10, 20], "accuracy": [0.5, 0.6, 0.5, 0.7],
    ...     "log_loss": [0.7, 0.6, 0.7, 0.5],
    ... }
    >>> [(row["strategy"], row["labels_to_baseline"], round(row["difference"], 2))
    ...  for row in summarize(curves)]
    [('random', None, nan), ('new', 20, 0.1)]
    """
    columns = {key: np.asarray(value) for key, value in curves.items()}
    rows = []
    groups = dict.fromkeys(zip(columns["dataset"].tolist(), columns["labels"].tolist()))
    for dataset, labels in groups:
        group = (columns["dataset"] == dataset) & (columns["labels"] == labels)
        strategies = list(dict.fromkeys(columns["strategy"][group].tolist()))
        if baseline not in strategies:
            raise ValueError(f"The baseline {baseline!r} is not among the strategies {strategies}.")
        for metric in _metrics_of(columns, group):
            per_strategy = {
                name: _curves_by_seed(columns, group & (columns["strategy"] == name), metric)
                for name in strategies
            }
            for name in strategies:
                rows.append(
                    _row(per_strategy[name], per_strategy[baseline], name == baseline)
                    | {"dataset": dataset, "labels": labels, "metric": metric, "strategy": name}
                )
    order = ["dataset", "labels", "metric", "strategy"]
    return [{key: row[key] for key in order} | {k: v for k, v in row.items() if k not in order}
            for row in rows]


def _row(ours, theirs, is_baseline):
    """The statistics of one strategy against the baseline (per-seed curves of both)."""
    final = np.array([score[-1] for _, score, _ in ours.values()])
    area = np.array([_normalised_area(grid, score) for grid, score, _ in ours.values()])
    common = [seed for seed in ours if seed in theirs]
    difference = np.array([ours[s][1][-1] - theirs[s][1][-1] for s in common])
    auc_difference = np.array(
        [_normalised_area(*ours[s][:2]) - _normalised_area(*theirs[s][:2]) for s in common]
    )
    target = float(np.mean([theirs[s][1][-1] for s in common])) if common else float("nan")
    reached = None
    if common and not is_baseline:
        grid, mean, _ = mean_curve(
            np.concatenate([ours[s][0] for s in common]),
            np.concatenate([ours[s][1] for s in common]),
        )
        reached = labels_to_reach(grid, mean, target)
    budget = int(max(grid[-1] for grid, _, _ in ours.values()))
    row = {
        "budget": budget,
        "n_seeds": int(final.size),
        "accuracy": float(final.mean()),
        "accuracy_se": standard_error(final),
        "auc": float(area.mean()),
        "auc_se": standard_error(area),
        "baseline_accuracy": target,
        "log_loss": float(np.mean([loss[-1] for _, _, loss in ours.values()])),
    }
    if is_baseline:
        nan = float("nan")
        return row | {
            "difference": nan, "difference_se": nan, "difference_significant": False,
            "auc_difference": nan, "auc_difference_se": nan, "auc_difference_significant": False,
            "labels_to_baseline": None, "win_rate": nan,
        }
    wins = np.where(difference > 0, 1.0, np.where(difference == 0, 0.5, 0.0))
    out = {}
    for key, values in (("difference", difference), ("auc_difference", auc_difference)):
        mean_value = float(values.mean()) if values.size else float("nan")
        se = standard_error(values)
        out[key] = mean_value
        out[f"{key}_se"] = se
        out[f"{key}_significant"] = bool(np.isfinite(se) and abs(mean_value) > _SIGNIFICANT * se)
    return row | out | {
        "labels_to_baseline": reached,
        "win_rate": float(wins.mean()) if wins.size else float("nan"),
    }


def _points(mean, se, significant):
    """A difference of accuracies in points (0.01 = 1 point), with its standard error."""
    if not np.isfinite(mean):
        return "-"
    text = f"{100 * mean:+.2f}" + (f" ± {100 * se:.2f}" if np.isfinite(se) else "")
    return text + (" *" if significant else "  ")


def _labels_text(row, baseline):
    if row["strategy"] == baseline:
        return "-"
    reached = row["labels_to_baseline"]
    if reached is None:
        return f"> {row['budget']}"
    saving = 1.0 - reached / row["budget"]
    return f"{reached} ({-100 * saving:+.0f}%)" if saving > 0 else str(reached)


def describe_block(dataset, labels):
    """The words for one dataset and label mode: "synthetic, Bradley-Terry labels", ...."""
    if dataset == "synthetic" and labels == "real":
        return "synthetic, Bradley-Terry labels"
    return f"{dataset}, {labels} labels"


def describe_teacher(dataset, teachers):
    """One line on the scale found for a dataset's teacher ("" if there is none)."""
    found = np.flatnonzero(np.asarray(teachers["dataset"]) == dataset) if teachers else []
    if not len(found):
        return ""
    i = found[0]
    return (
        f"teacher: the fitted theta scaled x{float(teachers['scale'][i]):.3g}, so that its "
        f"sign's expected accuracy on its own labels is "
        f"{float(teachers['teacher_accuracy'][i]):.2f} (unscaled: "
        f"{float(teachers['unscaled_accuracy'][i]):.3f})"
    )


def verdict(rows, baseline="random"):
    """One sentence per block: which strategies save labels, and by how much, significantly.

    A strategy *saves labels* when its mean curve stays at or above the
    baseline's budget accuracy from fewer than B labels on (see
    :func:`labels_to_reach`) and its paired difference at B or in area
    exceeds two standard errors, with none significantly negative. It
    *trails* when a paired difference is significantly negative; it is
    *ahead without a saving* when it is significantly ahead but its mean
    curve does not stay above the target before B. The rest are within noise.

    Parameters
    ----------
    rows : list of dict
        The rows of one block (dataset, label mode, score) of :func:`summarize`.

    Returns
    -------
    str
    """
    others = [row for row in rows if row["strategy"] != baseline]
    if not others:
        return "Only the baseline ran: nothing to compare."
    budget = rows[0]["budget"]
    saves, ahead, trails, noise = [], [], [], []
    for row in others:
        keys = ("difference", "auc_difference")
        up = [row[key] > 0 and row[f"{key}_significant"] for key in keys]
        down = [row[key] < 0 and row[f"{key}_significant"] for key in keys]
        reached = row["labels_to_baseline"]
        at_budget, in_area = (_points(row[k], row[f"{k}_se"], False).strip() for k in keys)
        facts = f"{at_budget} points at {budget}, {in_area} in area"
        if any(up) and not any(down) and reached is not None and reached < budget:
            saves.append(
                f"{row['strategy']} with {plural(reached, 'label')} "
                f"({100 * (1 - reached / budget):.0f}% fewer; {facts})"
            )
        elif any(down):
            trails.append(f"{row['strategy']} ({facts})")
        elif any(up):
            ahead.append(f"{row['strategy']} ({facts})")
        else:
            noise.append(row["strategy"])
    target = others[0]["baseline_accuracy"]
    parts = [
        (f"Reach {baseline}'s {budget}-label score ({target:.3f}) with fewer labels, "
         "significantly: "
         + "; ".join(saves) + ".")
        if saves else "No strategy saves labels significantly."
    ]
    if ahead:
        parts.append(
            f"Ahead of {baseline}, but not staying above its budget accuracy before "
            f"{budget}: " + "; ".join(ahead) + "."
        )
    if trails:
        parts.append(f"Trails {baseline}: " + "; ".join(trails) + ".")
    if noise:
        parts.append(f"Within 2 standard errors of {baseline}: " + ", ".join(noise) + ".")
    return " ".join(parts)


LEGEND = """\
Legend
  seeds               seeds the strategy ran; every comparison with random uses these seeds
                      (same seed: same orientation, split and random start)
  score at B          mean score after B labels (the budget) ± its standard error over seeds
  Δ at B              paired difference to random at B, in points (0.01 = 1 point), mean ± SE
  Δ area              the same for the area under the curve (the mean score along it)
  *                   the difference exceeds 2 standard errors
  labels to random@B  the first checkpoint from which the strategy's mean curve stays at or
                      above random's mean score at B (over the same seeds), with the saving;
                      "> B": never; "-": random itself
  wins                fraction of seeds in which the strategy beats random at B (ties: half)
  log-loss at B       mean test log-loss at B, against the test labels
  teacher labels      "test accuracy" scores the teacher's noisy labels, "... against the
                      teacher's sign" its noise-free sign (the teacher is scaled so that its
                      sign has the stated accuracy on its own labels)
  whole pool          a model fitted on every pool label: the ceiling of the curves
"""


def format_summary(rows, reference=None, *, teachers=None, legend=False, baseline="random"):
    """The summary rows as fixed-width text (what ``skpref benchmark`` prints).

    Parameters
    ----------
    rows : list of dict
        Output of :func:`summarize`.
    reference : dict of array-like, default=None
        The ``reference`` of :func:`run_benchmark` (whole-pool fits), shown
        under each block.
    teachers : dict of array-like, default=None
        The ``teachers`` of :func:`run_benchmark`: the scale of each teacher,
        shown in the block's title.
    legend : bool, default=False
        Append the legend of the columns.
    baseline : str, default="random"
        The strategy the rows were compared with.

    Returns
    -------
    table : str

    Examples
    --------
    >>> from skpref.benchmark import format_summary, summarize
    >>> curves = {"dataset": ["d"] * 4, "labels": ["real"] * 4,
    ...           "strategy": ["random", "random", "new", "new"], "seed": [0, 0, 0, 0],
    ...           "n_labels": [10, 20, 10, 20], "accuracy": [0.5, 0.6, 0.5, 0.7],
    ...           "log_loss": [0.7, 0.6, 0.7, 0.5]}
    >>> print(format_summary(summarize(curves)).splitlines()[0])
    d, real labels, budget 20; test accuracy
    """
    lines = []
    name_width = max([13, *(len(row["strategy"]) + 2 for row in rows)])
    reach = f"labels to {baseline}@B"
    reach_width = max(20, len(reach) + 2)
    header = (
        f"{'strategy':<{name_width}}{'seeds':>6}{'score at B':>18}{'Δ at B':>16}{'Δ area':>16}"
        f"{reach:>{reach_width}}{'wins':>7}{'log-loss at B':>15}"
    )
    groups = dict.fromkeys((row["dataset"], row["labels"], row["metric"]) for row in rows)
    for dataset, labels, metric in groups:
        block = [row for row in rows if (row["dataset"], row["labels"], row["metric"])
                 == (dataset, labels, metric)]
        lines.append(
            f"{describe_block(dataset, labels)}, budget {block[0]['budget']}; "
            f"{METRICS.get(metric, metric)}"
        )
        if labels == "teacher" and describe_teacher(dataset, teachers):
            lines.append(describe_teacher(dataset, teachers))
        lines.append(header)
        for row in block:
            at_budget, in_area = (
                _points(row[key], row[f"{key}_se"], row[f"{key}_significant"])
                for key in ("difference", "auc_difference")
            )
            lines.append(
                f"{row['strategy']:<{name_width}}{row['n_seeds']:>6}"
                f"{_pm(row['accuracy'], row['accuracy_se']):>18}{at_budget:>16}{in_area:>16}"
                f"{_labels_text(row, baseline):>{reach_width}}"
                f"{'-' if row['strategy'] == baseline else format(row['win_rate'], '.2f'):>7}"
                f"{row['log_loss']:>15.4f}"
            )
        if reference:
            ref = {key: np.asarray(value) for key, value in reference.items()}
            mask = (ref["dataset"] == dataset) & (ref["labels"] == labels)
            if mask.any() and metric in ref:
                score = ref[metric][mask].astype(float)
                lines.append(
                    f"whole pool ({plural(int(ref['n_labels'][mask][0]), 'label')}): "
                    f"{_pm(score.mean(), standard_error(score))}"
                )
        lines.extend(textwrap.wrap("In words: " + verdict(block, baseline), width=100))
        lines.append("")
    if legend:
        lines.append(LEGEND)
    return "\n".join(lines)


def _pm(mean, se):
    return f"{mean:.4f} ± {se:.4f}" if np.isfinite(se) else f"{mean:.4f}"
