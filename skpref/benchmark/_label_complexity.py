"""The label-complexity study of Algorithm 1: many runs per cell, in parallel, and their statistics.

On synthetic instances with a known ``theta*`` (:mod:`._instances`) it checks what the theory
of Algorithm 1 claims: :class:`~skpref.design.PhasedElimination` is delta-correct (its error
rate over many runs stays below ``delta``), its label count divided by ``rho* log(1/delta)``
(:func:`~skpref.design.oracle_allocation`) stays roughly constant across instances whose
``rho*`` differ by orders of magnitude, and the G-optimal and uniform allocations, with the
same phases and decisions, need more labels where the gaps are uneven. It is an experiment on
the algorithm, not the algorithm: it lives beside the pool benchmark, and reports through the
same module (:mod:`._report`).
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError, Interval, StrOptions

from .._params import N_JOBS, SEED, count, validated
from .._stats import clopper_pearson_upper, standard_error
from ..design import PhasedElimination, oracle_allocation
from ._instances import BernoulliOracle, default_instances
from ._progress import with_progress

#: The allocations of :class:`~skpref.design.PhasedElimination` the study compares.
DESIGNS = ("gap", "g-optimal", "uniform")


def _run_cell(X, theta, design, delta, seeds, params):
    """All runs of one (instance, design, delta) cell: correctness and labels per run."""
    from threadpoolctl import threadpool_limits

    truth = np.sign(X @ theta).astype(np.int64)
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


def _checked_instances(instances):
    """``[(name, X, theta)]`` as float arrays, ``X`` of shape (K, d) and ``theta`` of (d,)."""
    checked = []
    for number, instance in enumerate(instances):
        if not isinstance(instance, (tuple, list)) or len(instance) != 3:
            raise ValueError(
                f"instances[{number}] must be a tuple (name, X, theta), got {instance!r:.80}."
            )
        name, X, theta = instance
        X, theta = np.asarray(X, dtype=np.float64), np.asarray(theta, dtype=np.float64)
        if X.ndim != 2 or theta.shape != (X.shape[1],):
            raise ValueError(
                f"instances[{number}] ({name!r}): X must have shape (K, d) and theta shape "
                f"(d,), got {X.shape} and {theta.shape}."
            )
        checked.append((name, X, theta))
    return checked


def _deltas_in_range(params, given):
    """Each target error probability must lie in ``(0, 1)``."""
    for delta in params["deltas"]:
        if not 0 < delta < 1:  # NaN too
            raise InvalidParameterError(
                "The 'deltas' parameter of label_complexity_study must be floats in the range "
                f"(0, 1). Got {delta!r} instead."
            )


@validated(
    {
        "instances": [list, None],
        "deltas": ["array-like"],
        "designs": ["array-like"],
        "n_runs": [count(1)],
        "n_jobs": [*N_JOBS, None],
        "random_state": [SEED],
        # A factor of 1000 makes every phase 250 times as long as Algorithm 1's 4: a study
        # that would not end; beyond it is a mistyped value.
        "budget_factor": [Interval(Real, 0, 1e3, closed="neither")],
        # A million burn-in labels per dimension is beyond any instance the study runs.
        "burn_in": [Interval(Integral, 0, 10**6, closed="both")],
        "union_over": [StrOptions({"arms", "undecided"})],
        "tail": [StrOptions({"sub-gaussian", "gaussian"})],
        "quick": ["boolean"],
        "progress": ["boolean"],
    },
    relations=_deltas_in_range,
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
    """Error rate and labels of Algorithm 1 against ``rho* log(1/delta)``, many runs per cell.

    Algorithm 1 is :class:`~skpref.design.PhasedElimination`. For every
    instance, design and ``delta``, ``n_runs`` independent runs (fresh
    labels, same arms and ``theta*``) report: the error rate (a run errs if
    any sign is wrong or undecided) with its one-sided 95% Clopper-Pearson
    upper bound (:func:`clopper_pearson_upper`) and the binomial p-value of
    "error rate exceeds delta"; the mean labels and their standard error
    (:func:`standard_error`); and the ratio

    .. math::

        \\text{ratio} = \\frac{\\text{mean labels}}{\\rho^* \\log(1/\\delta)} .

    Runs are spread over ``n_jobs`` processes (joblib), one task per cell;
    every cell has its own seed stream, so the rows do not depend on
    ``n_jobs``.

    Parameters
    ----------
    instances : list of (name, X, theta) or None, default=None
        ``None``: :func:`default_instances` (``quick`` for the reduced set).
    deltas : sequence of float, default=(0.1, 0.05, 0.01)
        Target error probabilities; one cell per instance, design and delta.
    designs : sequence of str, default=("gap", "g-optimal", "uniform")
        :class:`~skpref.design.PhasedElimination` allocations to compare.
    n_runs : int, default=100
        Runs per cell.
    n_jobs : int or None, default=2
        Processes for the cells (joblib; None or 1 runs in this process).
    random_state : int, default=0
        Seeds the instances and every run.
    budget_factor : float, default=4.0
        :class:`~skpref.design.PhasedElimination`'s ``budget_factor`` (to study the constant).
    burn_in : int, default=20
        :class:`~skpref.design.PhasedElimination`'s ``burn_in``.
    union_over : {"arms", "undecided"}, default="arms"
        :class:`~skpref.design.PhasedElimination`'s ``union_over``.
    tail : {"sub-gaussian", "gaussian"}, default="sub-gaussian"
        :class:`~skpref.design.PhasedElimination`'s ``tail``.
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

    See Also
    --------
    format_label_complexity : The rows as the study's text summary.
    plot_label_complexity : Labels used against ``rho* log(1/delta)``.

    Examples
    --------
    >>> from skpref.benchmark import label_complexity_study, make_gap_instance
    >>> X, theta = make_gap_instance(2, 5, min_gap=0.5, random_state=0)
    >>> rows = label_complexity_study([("tiny", X, theta)], deltas=[0.1],
    ...                               designs=["gap"], n_runs=3, n_jobs=1)
    >>> rows[0]["runs"], rows[0]["errors"]
    (3, 0)
    """
    from joblib import Parallel, delayed
    from scipy import stats

    if instances is None:
        instances = default_instances(quick=quick, random_state=random_state)
    deltas = [float(delta) for delta in deltas]
    designs = list(designs)
    for name, values in (("instances", instances), ("deltas", deltas), ("designs", designs)):
        if not values:
            raise ValueError(f"{name} is empty: the study needs at least one of each.")
    instances = _checked_instances(instances)
    unknown = set(designs) - set(DESIGNS)
    if unknown:
        raise ValueError(f"Unknown design(s) {sorted(unknown)}; choose from {DESIGNS}.")
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
    outcomes = list(
        with_progress(
            outcomes, len(cells), lambda index, _: names[index], unit="cell", progress=progress
        )
    )
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
                min_gap=float(np.abs(X @ theta).min()),
                rho=rhos[i],
                design=design,
                delta=delta,
                runs=n_runs,
                errors=errors,
                error_rate=errors / n_runs,
                error_ucb=clopper_pearson_upper(errors, n_runs),
                p_value=float(stats.binomtest(errors, n_runs, delta, alternative="greater").pvalue),
                capped=int(capped.sum()),
                labels_mean=float(labels.mean()),
                labels_se=standard_error(labels),
                rho_log=rho_log,
                ratio=float(labels.mean() / rho_log),
            )
        )
    return rows
