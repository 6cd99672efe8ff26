"""The label-complexity study's text summary: per cell, then across instances and deltas."""

import numpy as np

from .._stats import clopper_pearson_upper
from .._text import nouns, plural


def format_label_complexity(rows):
    """The study's summary table, as text (what ``skpref label-complexity`` prints).

    Per cell: error rate, its upper bound, the p-value of "above delta", the
    runs stopped by the safety cap, mean labels (se) and the ratio to
    ``rho* log(1/delta)``; then, per design, how constant the ratio is
    across instances and deltas (mean, coefficient of variation
    ``cv = std / mean``, min, max) next to the spread of ``rho*`` itself;
    the errors pooled over instances per design and delta, with the
    Clopper-Pearson bound of the pooled rate (:func:`clopper_pearson_upper`:
    a hundred runs cannot bound a rate much below 0.03 on their own); and
    the label ratios of the comparisons to ``"gap"`` per instance.

    Parameters
    ----------
    rows : list of dict
        The rows of :func:`label_complexity_study`.

    Returns
    -------
    summary : str

    Examples
    --------
    >>> from skpref.benchmark import (
    ...     format_label_complexity, label_complexity_study, make_gap_instance)
    >>> X, theta = make_gap_instance(2, 5, min_gap=0.5, random_state=0)
    >>> rows = label_complexity_study([("tiny", X, theta)], deltas=[0.1],
    ...                               designs=["gap", "uniform"], n_runs=3, n_jobs=1)
    >>> format_label_complexity(rows).splitlines()[0].split()
    ['instance', 'rho*', 'design', 'delta', 'err', 'ucb95', 'p', 'cap', 'labels', 'se', 'ratio']
    """
    if not rows:
        raise ValueError("No rows to summarize: the study ran no cell.")
    lines = []
    header = (
        f"{'instance':<16}{'rho*':>10}{'design':>11}{'delta':>7}{'err':>7}{'ucb95':>7}"
        f"{'p':>7}{'cap':>5}{'labels':>12}{'se':>10}{'ratio':>8}"
    )
    lines += [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row['instance']:<16}{row['rho']:>10.4g}{row['design']:>11}{row['delta']:>7.3g}"
            f"{row['error_rate']:>7.3f}{row['error_ucb']:>7.3f}{row['p_value']:>7.3f}"
            f"{row['capped']:>5d}{row['labels_mean']:>12.4g}{row['labels_se']:>10.3g}"
            f"{row['ratio']:>8.2f}"
        )
    lines.append("")
    lines.append("labels / (rho* log(1/delta)) across instances (cv = std / mean):")
    rhos = np.array(sorted({row["rho"] for row in rows}))
    lines.append(
        f"  (rho* ranges over {rhos.min():.3g} .. {rhos.max():.3g}, "
        f"a factor {rhos.max() / rhos.min():.3g})"
    )
    groups = [(design, None) for design in dict.fromkeys(row["design"] for row in rows)]
    groups += [
        (design, delta) for design, _ in groups for delta in dict.fromkeys(r["delta"] for r in rows)
    ]
    for design, delta in groups:
        ratios = np.array(
            [
                row["ratio"]
                for row in rows
                if row["design"] == design and delta in (None, row["delta"])
            ]
        )
        cv = ratios.std(ddof=1) / ratios.mean() if ratios.size > 1 else np.nan
        label = "all deltas" if delta is None else f"delta={delta:g}"
        lines.append(
            f"  {design:<10} {label:<11} mean {ratios.mean():8.2f}  cv {cv:5.2f}  "
            f"min {ratios.min():8.2f}  max {ratios.max():8.2f}  "
            f"max/min {ratios.max() / ratios.min():6.2f}"
        )
    lines.append("errors pooled over instances (95% Clopper-Pearson upper bound):")
    for design, delta in groups:
        if delta is None:
            continue
        chosen = [row for row in rows if row["design"] == design and row["delta"] == delta]
        errors, runs = sum(row["errors"] for row in chosen), sum(row["runs"] for row in chosen)
        lines.append(
            f"  {design:<10} delta={delta:<6g} {errors:4d} / {runs:5d} {nouns(runs, 'run')}, "
            f"rate {errors / runs:.4f}, ucb95 {clopper_pearson_upper(errors, runs):.4f}"
        )
    worst = max(rows, key=lambda row: row["error_rate"] - row["delta"])
    failing = [row for row in rows if row["p_value"] < 0.05]
    lines.append(
        f"error rate vs delta: {plural(sum(row['errors'] for row in rows), 'error')} in "
        f"{plural(sum(row['runs'] for row in rows), 'run')}; cells significantly above delta "
        f"(binomial p < 0.05): {len(failing)}; largest excess: {worst['instance']} "
        f"{worst['design']} delta={worst['delta']:g} rate {worst['error_rate']:.3f}"
    )
    by_key = {(row["instance"], row["delta"], row["design"]): row for row in rows}
    for design in ("g-optimal", "uniform"):
        pairs = [
            (key[0], by_key[key]["labels_mean"] / by_key[(key[0], key[1], "gap")]["labels_mean"])
            for key in by_key
            if key[2] == design and (key[0], key[1], "gap") in by_key
        ]
        if not pairs:
            continue
        per_instance = {}
        for name, ratio in pairs:
            per_instance.setdefault(name, []).append(ratio)
        values = np.array([ratio for _, ratio in pairs])
        lines.append(
            f"{design}/gap labels: geometric mean {np.exp(np.log(values).mean()):.2f}, "
            f"min {values.min():.2f}, max {values.max():.2f}; per instance: "
            + ", ".join(f"{name} {np.mean(r):.2f}" for name, r in per_instance.items())
        )
    return "\n".join(lines)
