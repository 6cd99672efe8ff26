"""The label-complexity study of Algorithm 1 and the ``skpref label-complexity`` command.

On synthetic instances with a known ``theta*`` it checks what the theory of
Algorithm 1 claims: :class:`PhasedElimination` is delta-correct (its error rate over many
runs stays below ``delta``), its label count divided by
``rho* log(1/delta)`` (:func:`oracle_allocation`) stays roughly constant
across instances whose ``rho*`` differ by orders of magnitude, and the
G-optimal and uniform allocations, with the same phases and decisions, need
more labels where the gaps are uneven.
"""

import csv
import os
import sys
import time
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import stats
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._blas import matvec, norm
from .._cli_types import SEED, integer, n_jobs, number
from .._logistic import sigmoid
from ._elimination import PhasedElimination
from ._oracle import oracle_allocation

DESIGNS = ("gap", "g-optimal", "uniform")


# -- instances --------------------------------------------------------------


def make_gap_instance(n_features, n_arms, *, min_gap=0.05, max_gap=2.0, random_state=None):
    """Arms whose gaps ``|x_i^T theta*|`` spread log-uniformly over ``[min_gap, max_gap]``.

    ``theta*`` is a random unit vector; arm i is ``s_i g_i theta* + xi_i``
    with ``xi_i`` Gaussian orthogonal to ``theta*`` (variance ``1/d`` per
    coordinate), a random sign ``s_i`` and a gap ``g_i`` drawn log-uniformly
    (so a few near-ties and many easy arms); arm 0 has exactly ``min_gap``,
    arm 1 exactly ``max_gap``.

    Returns
    -------
    X : ndarray of shape (n_arms, n_features)
    theta : ndarray of shape (n_features,)
    """
    rng = np.random.default_rng(random_state)
    theta = rng.normal(size=n_features)
    theta /= norm(theta)
    gaps = np.exp(rng.uniform(np.log(min_gap), np.log(max_gap), size=n_arms))
    gaps[0], gaps[1 % n_arms] = min_gap, max_gap
    noise = rng.normal(size=(n_arms, n_features)) / np.sqrt(n_features)
    noise -= np.outer(matvec(noise, theta), theta)
    X = np.outer(gaps * rng.choice([-1.0, 1.0], size=n_arms), theta) + noise
    return X, theta


def make_rare_tie_instance(
    n_features, n_arms, *, tie_gap=0.05, min_gap=0.5, max_gap=2.0, random_state=None
):
    """A near-tie along a direction that only one arm of the pool explores.

    Arm 0 is ``e_1`` with gap ``tie_gap`` (``theta*_1 = tie_gap``); the other
    arms live in the span of ``e_2..e_d`` with gaps in ``[min_gap, max_gap]``
    (a :func:`make_gap_instance` there). The G-optimal design spreads its
    labels over all ``d`` directions (about ``1/d`` on arm 0) and uniform
    puts ``1/K`` there, although only arm 0 needs precision: where
    G-optimality is known to waste labels.
    """
    rest, theta_rest = make_gap_instance(
        n_features - 1, n_arms - 1, min_gap=min_gap, max_gap=max_gap, random_state=random_state
    )
    X = np.zeros((n_arms, n_features))
    X[0, 0] = 1.0
    X[1:, 1:] = rest
    return X, np.r_[tie_gap, theta_rest]


def default_instances(quick=False, random_state=0):
    """``[(name, X, theta*)]``: the instances of the study.

    * ``gaps-d{d}-K{K}``: gaps from 0.05 to 2 (:func:`make_gap_instance`)
      for ``d in {2, 5, 10}`` and ``K in {20, 100}``;
    * ``easy-d2-K20`` and ``easy-d10-K100``: the same construction with the
      smallest gap at 0.5 and 0.25, so that ``rho*`` spans two orders of
      magnitude across the study;
    * ``rare-tie-d10-K20`` and ``rare-tie-d5-K100``: a 0.05 near-tie along
      a direction only one arm explores (:func:`make_rare_tie_instance`).

    ``quick``: ``gaps-d2-K20``, ``gaps-d5-K20``, ``easy-d2-K20`` and
    ``rare-tie-d5-K20``.
    """
    if quick:
        gaps = [(2, 20, 0.05), (5, 20, 0.05), (2, 20, 0.5)]
        rare = [(5, 20)]
    else:
        gaps = [(d, K, 0.05) for d in (2, 5, 10) for K in (20, 100)]
        gaps += [(2, 20, 0.5), (10, 100, 0.25)]
        rare = [(10, 20), (5, 100)]
    seeds = np.random.SeedSequence(random_state).generate_state(len(gaps) + len(rare))
    instances = []
    for seed, (d, K, min_gap) in zip(seeds, gaps):
        X, theta = make_gap_instance(d, K, min_gap=min_gap, random_state=int(seed))
        instances.append((f"{'gaps' if min_gap == 0.05 else 'easy'}-d{d}-K{K}", X, theta))
    for seed, (d, K) in zip(seeds[len(gaps) :], rare):
        X, theta = make_rare_tie_instance(d, K, random_state=int(seed))
        instances.append((f"rare-tie-d{d}-K{K}", X, theta))
    return instances


class BernoulliOracle:
    """``oracle(i, n)``: ``n`` Bernoulli(``sigma(x_i^T theta*)``) labels of arm i.

    :class:`PhasedElimination` only uses the number of ones per arm and
    phase, so the oracle draws that number, ``Binomial(n, p_i)``, and returns
    a label array holding that many ones (ones first): the algorithm sees
    exactly the distribution of ``n`` independent labels, at ``O(1)`` random
    draws instead of ``n`` (the G-optimal and uniform runs use millions).
    """

    def __init__(self, X, theta, random_state=None):
        X = np.ascontiguousarray(X, dtype=np.float64)
        self.probability = sigmoid(matvec(X, np.asarray(theta, dtype=np.float64)))
        self.rng = np.random.default_rng(random_state)

    def __call__(self, i, n):
        labels = np.zeros(n, dtype=bool)
        labels[: self.rng.binomial(n, self.probability[i])] = True
        return labels


# -- runs -------------------------------------------------------------------


def _run_cell(X, theta, design, delta, seeds, params):
    """All runs of one (instance, design, delta) cell: correctness and labels per run."""
    from threadpoolctl import threadpool_limits

    truth = np.sign(matvec(X, theta)).astype(np.int64)
    algorithm = PhasedElimination(delta=delta, design=design, **params)
    correct, labels, capped = [], [], []
    with threadpool_limits(limits=1):
        for seed in seeds:
            oracle = BernoulliOracle(X, theta, random_state=seed)
            with warnings.catch_warnings():
                # a safety cap is counted below (an undecided arm is an error)
                warnings.simplefilter("ignore", RuntimeWarning)
                result = algorithm.run(X, oracle, random_state=int(seed))
            correct.append(bool(np.array_equal(result.signs, truth)))
            labels.append(result.n_labels)
            capped.append(not result.converged)
    return np.array(correct), np.array(labels, dtype=np.float64), np.array(capped)


def _upper_confidence(errors, runs, level=0.95):
    """One-sided Clopper-Pearson upper bound on an error probability."""
    return 1.0 if errors == runs else float(stats.beta.ppf(level, errors + 1, runs - errors))


@validate_params(
    {
        "instances": [list, None],
        "deltas": ["array-like"],
        "designs": ["array-like"],
        "n_runs": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": [Interval(Integral, 0, None, closed="left")],
        "budget_factor": [Interval(Real, 0, None, closed="neither")],
        "burn_in": [Interval(Integral, 0, None, closed="left")],
        "union_over": [StrOptions({"arms", "undecided"})],
        "tail": [StrOptions({"sub-gaussian", "gaussian"})],
        "quick": ["boolean"],
        "progress": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def label_complexity_study(
    instances=None,
    deltas=(0.1, 0.05, 0.01),
    designs=DESIGNS,
    n_runs=100,
    *,
    n_jobs=2,
    random_state=0,
    budget_factor=4.0,
    burn_in=20,
    union_over="arms",
    tail="sub-gaussian",
    quick=False,
    progress=False,
):
    """Error rate and label count of :class:`PhasedElimination` against ``rho* log(1/delta)``.

    For every instance, design and ``delta``, ``n_runs`` independent runs
    (fresh labels, same arms and ``theta*``) report: the error rate (a run
    errs if any sign is wrong or undecided) with its one-sided 95%
    Clopper-Pearson upper bound and the binomial p-value of "error rate
    exceeds delta"; the mean labels and their standard error; and the ratio

    .. math::

        \\text{ratio} = \\frac{\\text{mean labels}}{\\rho^* \\log(1/\\delta)} .

    Runs are spread over ``n_jobs`` processes (joblib), one task per cell.

    Parameters
    ----------
    instances : list of (name, X, theta) or None, default=None
        ``None``: :func:`default_instances` (``quick`` for the reduced set).
    deltas : sequence of float, default=(0.1, 0.05, 0.01)
        Target error probabilities; one cell per instance, design and delta.
    designs : sequence of str, default=("gap", "g-optimal", "uniform")
        :class:`PhasedElimination` allocations to compare.
    n_runs : int, default=100
        Runs per cell.
    n_jobs : int or None, default=2
        Processes for the cells (joblib; None or 1 runs in this process).
    random_state : int, default=0
        Seeds the instances and every run.
    budget_factor : float, default=4.0
        :class:`PhasedElimination`'s ``budget_factor`` (to study the constant).
    burn_in : int, default=20
        :class:`PhasedElimination`'s ``burn_in``.
    union_over : {"arms", "undecided"}, default="arms"
        :class:`PhasedElimination`'s ``union_over``.
    tail : {"sub-gaussian", "gaussian"}, default="sub-gaussian"
        :class:`PhasedElimination`'s ``tail``.
    quick : bool, default=False
        With ``instances=None``, the reduced instance set.
    progress : bool, default=False
        Report each finished cell on standard error: a tqdm bar if tqdm is
        installed, else one plain line per cell.

    Returns
    -------
    list of dict
        One row per cell with keys ``instance, d, K, min_gap, rho, design,
        delta, runs, errors, error_rate, error_ucb, p_value, capped,
        labels_mean, labels_se, rho_log, ratio``.

    Examples
    --------
    >>> from skpref.design import label_complexity_study
    >>> from skpref.design._study import make_gap_instance
    >>> X, theta = make_gap_instance(2, 5, min_gap=0.5, random_state=0)
    >>> rows = label_complexity_study([("tiny", X, theta)], deltas=[0.1],
    ...                               designs=["gap"], n_runs=3, n_jobs=1)
    >>> rows[0]["runs"], rows[0]["errors"]
    (3, 0)
    """
    from joblib import Parallel, delayed

    if instances is None:
        instances = default_instances(quick=quick, random_state=random_state)
    deltas = [float(delta) for delta in deltas]
    designs = list(designs)
    unknown = set(designs) - set(DESIGNS)
    if unknown:
        raise ValueError(f"Unknown design(s) {sorted(unknown)}; choose from {DESIGNS}.")
    if not all(0 < delta < 1 for delta in deltas):
        raise ValueError(f"Every delta must lie in (0, 1), got {deltas}.")
    params = dict(budget_factor=budget_factor, burn_in=burn_in, union_over=union_over, tail=tail)
    rhos = [oracle_allocation(X, theta)[1] for _, X, theta in instances]
    cells = [
        (i, design, delta) for i in range(len(instances)) for design in designs for delta in deltas
    ]
    # one independent seed stream per cell
    seeds = [
        child.generate_state(n_runs)
        for child in np.random.SeedSequence(random_state).spawn(len(cells))
    ]
    outcomes = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_run_cell)(instances[i][1], instances[i][2], design, delta, cell_seeds, params)
        for (i, design, delta), cell_seeds in zip(cells, seeds)
    )
    names = [f"{instances[i][0]} {design} delta={delta:g}" for i, design, delta in cells]
    outcomes = list(_with_progress(outcomes, names, progress))
    rows = []
    for (i, design, delta), (correct, labels, capped) in zip(cells, outcomes):
        name, X, theta = instances[i]
        errors = int(np.sum(~correct))
        rho_log = rhos[i] * np.log(1.0 / delta)
        rows.append(
            dict(
                instance=name,
                d=X.shape[1],
                K=X.shape[0],
                min_gap=float(np.abs(matvec(X, theta)).min()),
                rho=rhos[i],
                design=design,
                delta=delta,
                runs=n_runs,
                errors=errors,
                error_rate=errors / n_runs,
                error_ucb=_upper_confidence(errors, n_runs),
                p_value=float(stats.binomtest(errors, n_runs, delta, alternative="greater").pvalue),
                capped=int(capped.sum()),
                labels_mean=float(labels.mean()),
                labels_se=float(labels.std(ddof=1) / np.sqrt(n_runs)) if n_runs > 1 else np.nan,
                rho_log=rho_log,
                ratio=float(labels.mean() / rho_log),
            )
        )
    return rows


def _with_progress(outcomes, names, progress):
    """Yield ``outcomes`` (in cell order), reporting each on standard error if asked."""
    if not progress:
        yield from outcomes
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        started = time.perf_counter()
        for done, (name, outcome) in enumerate(zip(names, outcomes), start=1):
            print(
                f"[{done}/{len(names)}] {name} ({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
            yield outcome
        return
    with tqdm(total=len(names), unit="cell", file=sys.stderr) as bar:
        for name, outcome in zip(names, outcomes):
            bar.set_postfix_str(name, refresh=False)
            bar.update()
            yield outcome


# -- reporting ----------------------------------------------------------------


def summarize(rows):
    """The study's summary table, as text.

    Per cell: error rate, its upper bound, mean labels (se) and the ratio
    to ``rho* log(1/delta)``; then, per design, how constant the ratio is
    across instances and deltas (mean, coefficient of variation, min, max)
    next to the spread of ``rho*`` itself, and the label ratios of the
    comparisons to ``"gap"`` per instance.
    """
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
            f"{row['capped']:>5d}{row['labels_mean']:>12.4g}{row['labels_se']:>10.3g}{row['ratio']:>8.2f}"
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
            f"  {design:<10} delta={delta:<6g} {errors:4d} / {runs:5d} runs, "
            f"rate {errors / runs:.4f}, ucb95 {_upper_confidence(errors, runs):.4f}"
        )
    worst = max(rows, key=lambda row: row["error_rate"] - row["delta"])
    failing = [row for row in rows if row["p_value"] < 0.05]
    lines.append(
        f"error rate vs delta: {sum(row['errors'] for row in rows)} errors in "
        f"{sum(row['runs'] for row in rows)} runs; cells significantly above delta "
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


def write_csv(rows, path):
    """One line per cell."""
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def plot_label_complexity(rows, ax=None):
    """Labels used against ``rho* log(1/delta)``, log-log, one marker per design.

    Needs matplotlib (``pip install skpref[benchmark]``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "The label-complexity figure needs matplotlib: pip install 'skpref[benchmark]'."
        ) from error
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    markers = {"gap": "o", "g-optimal": "s", "uniform": "^"}
    for design in dict.fromkeys(row["design"] for row in rows):
        chosen = [row for row in rows if row["design"] == design]
        ax.errorbar(
            [row["rho_log"] for row in chosen],
            [row["labels_mean"] for row in chosen],
            yerr=[2 * row["labels_se"] for row in chosen],
            fmt=markers.get(design, "x"),
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


# -- the command --------------------------------------------------------------


def _command(args):
    """``skpref label-complexity``: run the study, write CSV, summary and figure."""
    os.makedirs(args.out, exist_ok=True)
    start = time.perf_counter()
    rows = label_complexity_study(
        deltas=args.deltas,
        designs=args.designs,
        n_runs=args.runs if args.runs is not None else (20 if args.quick else 100),
        n_jobs=args.n_jobs,
        random_state=args.seed,
        budget_factor=args.budget_factor,
        burn_in=args.burn_in,
        union_over=args.union_over,
        tail=args.tail,
        quick=args.quick,
        progress=not args.no_progress,
    )
    elapsed = time.perf_counter() - start
    summary = summarize(rows)
    summary += (
        f"\n\n{len(rows)} cells, {sum(row['runs'] for row in rows)} runs in {elapsed:.1f} s "
        f"(n_jobs={args.n_jobs}, budget_factor={args.budget_factor:g}, burn_in={args.burn_in}, "
        f"union_over={args.union_over}, tail={args.tail})"
    )
    print(summary)
    write_csv(rows, os.path.join(args.out, "label_complexity.csv"))
    with open(os.path.join(args.out, "summary.txt"), "w") as handle:
        handle.write(summary + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        ax = plot_label_complexity(rows)
        ax.figure.tight_layout()
        ax.figure.savefig(os.path.join(args.out, "label_complexity.png"), dpi=120)
    except ImportError as error:
        print(f"(no figure: {error})")
    print(f"wrote {args.out}/label_complexity.csv, summary.txt and label_complexity.png")
    # A failing exit code when some cell's error rate is significantly above delta.
    return int(any(row["p_value"] < 0.01 for row in rows))


def add_commands(subparsers):
    """Add ``label-complexity`` to the ``skpref`` command."""
    parser = subparsers.add_parser(
        "label-complexity",
        help="Algorithm 1's error rate and labels against rho* log(1/delta) (sign identification)",
        description=(
            "Run PhasedElimination on synthetic instances (gap, g-optimal and uniform "
            "allocations) and compare its labels with rho* log(1/delta). Writes "
            "label_complexity.csv, summary.txt and label_complexity.png to --out."
        ),
    )
    parser.add_argument(
        "--runs", type=integer(1), default=None,
        help="runs per cell (default 100; 20 with --quick)",
    )
    parser.add_argument(
        "--deltas", type=number(0.0, 1.0, exclusive=True), nargs="+",
        default=[0.1, 0.05, 0.01], help="target error probabilities, each in (0, 1)",
    )
    parser.add_argument("--designs", nargs="+", default=list(DESIGNS), choices=DESIGNS)
    parser.add_argument("--out", default="label-complexity", help="output directory")
    parser.add_argument("--seed", type=SEED, default=0, help="random seed, in [0, 2**32 - 1]")
    parser.add_argument(
        "--quick", action="store_true", help="reduced instance set (4 instances of 20 arms)"
    )
    parser.add_argument(
        "--n-jobs", type=n_jobs, default=2, help="processes (-1: all cores, or 1 to 1024)"
    )
    parser.add_argument(
        "--budget-factor", type=number(0.0, 1e3, exclusive=True), default=4.0,
        help="the 4 in n_l = ceil(4 beta^2 f), in (0, 1000)",
    )
    parser.add_argument(
        "--burn-in", type=integer(0, 10**6), default=20,
        help="burn-in labels per dimension, in [0, 1000000]",
    )
    parser.add_argument(
        "--union-over",
        choices=["arms", "undecided"],
        default="arms",
        help="count of the union bound in beta_l: all K arms (default) or the undecided ones",
    )
    parser.add_argument(
        "--tail",
        choices=["sub-gaussian", "gaussian"],
        default="sub-gaussian",
        help="beta_l from the sub-Gaussian bound (default) or the normal quantile",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=_command)
