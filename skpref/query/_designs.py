"""Design strategies: a continuous design over the pool, rounded to a batch.

Both solve ``min_lambda f(H(lambda))`` on the simplex by Frank-Wolfe
(:mod:`skpref.design`), where

.. math::

    H(\\lambda) = H + n \\sum_j \\lambda_j \\mu'(m_j) x_j x_j^T

is the information after spreading the batch of ``n`` labels by ``lambda``
(``H`` is the current posterior's). A pool of 200,000 rows is handled in
passes, never whole: one pass for means and widths, then a design over a
few hundred candidate rows, rounded to a batch of ``n`` rows
(:func:`best_batch`: the ``n`` heaviest rows, or another batch, a
Frank-Wolfe vertex the solver visited say, where that one is better by the
exact objective). The candidates are where the objective lives: design
sampling ranks every row by its first-order gain ``-df/dlambda_j`` at
``lambda = 0`` (one more pass; a row outside the ``n_candidates`` best
would have to beat them all at the start); the G-optimal design uses the
widest rows, whose labels shrink the maximum most.

A batch labels ``n`` distinct rows, each once, so the design is constrained
to ``lambda_j <= 1 / n`` (the capped simplex, whose vertices are exactly the
batches). This is our reading of SPEC's "round to n distinct rows": without
the cap the continuous optimum spreads tiny weights over hundreds of rows
and its top-``n`` rounding changes from one Frank-Wolfe iteration to the next
while the objective does not.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._random import tie_break_keys
from ..design import (
    LinearObjective,
    MinimaxObjective,
    frank_wolfe_design,
    round_to_distinct,
)
from ..posterior import information_matrix, interval_contains_zero
from ._base import COMMON_CONSTRAINTS, QueryStrategy
from ._pool import check_utility, score_pool
from ._select import select_top, top_rows

_COMMON = {
    **COMMON_CONSTRAINTS,
    "n_candidates": [Interval(Integral, 1, None, closed="left")],
    "sharpness": [Interval(Real, 0, None, closed="neither")],
    "tol": [Interval(Real, 0, None, closed="neither")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
}


def select_design(pool, objective, n, *, n_candidates, tol, max_iter, random_state):
    """The design selector: rank the pool by first-order gain, solve on the best, round.

    One chunked pass ranks every row by its first-order gain ``-df/dlambda_j
    = n c_j z_j^T W z_j`` at ``lambda = 0``; the design is solved by
    Frank-Wolfe on the capped simplex over the ``n_candidates`` rows of
    largest gain, started at the batch of largest gain, and rounded to a
    batch by :func:`best_batch`.

    Parameters
    ----------
    pool : ScoredPool
    objective : LinearObjective or MinimaxObjective
        In the posterior's whitened coordinates.
    n : int
    n_candidates, tol, max_iter, random_state
        As in :func:`g_optimal_sampling`.

    Returns
    -------
    indices : ndarray of shape (n,)
        Heaviest design weight first.
    weights : ndarray of shape (n,)
        Their design weights.
    """
    rows, posterior = pool.rows, pool.posterior
    n_candidates = min(pool.n_rows, max(n_candidates, 4 * n))
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        gain = pool.logistic_variances * posterior.whitened_quadratic_form(
            rows, objective.initial_weight_matrix()
        )
    check_utility(gain, rows, "first-order design gain")
    support = top_rows(gain, n_candidates, random_state)
    # Start at the batch of largest first-order gain (np.asarray: a Dask
    # pool's entries, fetched; a numpy array is unchanged).
    start = np.argsort(-np.asarray(gain[support]), kind="stable")[:n]
    return solve_on_support(
        objective, support, posterior.whiten(rows[support]),
        np.asarray(pool.logistic_variances[support]), start, n,
        tol=tol, max_iter=max_iter, random_state=random_state,
    )


def solve_on_support(
    objective, support, whitened_support, logistic_variances, start, n, *, tol, max_iter,
    random_state, judge_start=False,
):
    """Frank-Wolfe on the capped simplex over ``support``, from a batch, rounded to a batch.

    A batch labels ``n`` distinct rows once each: the design lives on the
    capped simplex ``lambda_j <= 1/n``, whose vertices are batches. It starts
    at the batch ``start`` and is rounded by :func:`best_batch`.

    Parameters
    ----------
    objective : LinearObjective or MinimaxObjective
    support : ndarray of int of shape (n_support,)
        Pool rows the design may put weight on.
    whitened_support : ndarray of shape (n_support, p)
        Their whitened rows.
    logistic_variances : ndarray of shape (n_support,)
        Their ``mu'(m_j)``.
    start : ndarray of int of shape (n,)
        Positions in ``support`` of the starting batch.
    n : int
    tol, max_iter, random_state
        As in :func:`g_optimal_sampling`.
    judge_start : bool, default=False
        Also judge the starting batch in :func:`best_batch`.

    Returns
    -------
    indices, weights : ndarray of shape (n,)
        Pool rows, heaviest design weight first, and their design weights.
    """
    initial = np.zeros(support.size)
    initial[start] = 1.0 / n
    result = frank_wolfe_design(
        whitened_support,
        logistic_variances,
        objective,
        scale=n,
        tol=tol,
        max_iter=max_iter,
        initial=initial,
        max_weight=1.0 / n,
    )
    picked = best_batch(result, n, random_state, also=(start,) if judge_start else ())
    return support[picked].astype(np.intp), result.weights[picked]


def best_batch(result, n, random_state=None, also=()):
    """The batch to label: the best, by the exact objective, of the design's candidates.

    A continuous design is rounded to ``n`` distinct rows by taking its ``n``
    heaviest rows (:func:`skpref.design.round_to_distinct`); the Frank-Wolfe
    vertices the solver visited are batches too, each the ``n`` rows of
    largest first-order gain at an iterate. The batch returned is the one of
    least :meth:`~skpref.design.DesignResult.batch_value` (the objective after
    labelling each of its rows once, unsmoothed), the rounding on ties: a
    rounding loses the mass the design put beyond its ``n`` heaviest rows,
    and a maximum of widths can move a lot with one row (the pool's worst
    row, say, that only the dropped mass covered).

    Its rows are ordered by design weight, then first-order gain, then the
    seeded tie-breaking keys.

    Parameters
    ----------
    result : DesignResult
    n : int
    random_state : int, RandomState instance or None, default=None
    also : sequence of ndarray of int, default=()
        More batches (positions in the support) to judge alongside (a
        strategy's starting batch).

    Returns
    -------
    indices : ndarray of shape (min(n, n_support),)
        Positions in the design's support.
    """
    rounded = round_to_distinct(result.weights, n, result.gain, random_state)
    candidates = [*result.vertices, *(np.asarray(batch, dtype=np.intp) for batch in also)]
    if rounded.size < n or not candidates:
        return rounded
    best, best_value = rounded, result.batch_value(rounded)
    for vertex in candidates:
        value = result.batch_value(vertex)
        if value < best_value:
            best, best_value = vertex, value
    if best is rounded:
        return rounded
    keys = tie_break_keys(best.size, random_state)
    return best[np.lexsort((-keys, -result.gain[best], -result.weights[best]))]


@validate_params(
    {**_COMMON, "n_support": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def g_optimal_sampling(
    classifier,
    X_pool,
    n_instances=1,
    *,
    n_candidates=1000,
    n_support=100,
    sharpness=200.0,
    tol=1e-2,
    max_iter=100,
    random_state=None,
):
    """G-optimal design: minimise the largest width left after the batch.

    ``lambda* = argmin max_i ||x_i||^2_{H(lambda)^{-1}}`` over the capped
    simplex, rounded to ``n_instances`` distinct rows. The maximum runs over
    the ``n_candidates`` currently widest rows (widths only shrink: a row
    outside them stays below their smallest width) and is smoothed by
    log-sum-exp for Frank-Wolfe, within ``log(n_candidates) / sharpness`` of
    it relatively. It shrinks every width alike, wherever the interval sits.

    The design may put weight on the ``n_support`` widest rows (at least
    ``4 n``) and starts at the batch of the ``n`` widest: a label at row
    ``i`` divides its own squared width by ``1 + mu'(m_i) w_i^2``, more
    than it shrinks any other row's, so the maximum is lowered first by
    labelling the rows it is on. (Ranking rows by the first-order gain at
    ``lambda = 0``, as design sampling does, picks rows aligned with the
    single widest row under a sharp maximum, a poor support.) The batch
    returned is the best, by the exact unsmoothed maximum, of the design's
    rounding, the Frank-Wolfe vertices it visited and that starting batch
    (:func:`best_batch`): never worse than the ``n`` widest rows.

    Parameters
    ----------
    {common}
    n_candidates : int, default=1000
        Widest rows the maximum runs over.
    n_support : int, default=100
        Widest rows the design may put weight on (at least ``4 n_instances``,
        at most the pool).
    sharpness : float, default=200.0
        Relative sharpness of the smoothed maximum.
    tol : float, default=1e-2
        Relative duality-gap tolerance of Frank-Wolfe. The smoothed maximum
        is itself up to ``log(n_candidates) / sharpness`` (3.5% by default)
        above the maximum, and the batch is judged by the exact maximum, so
        solving it more finely buys nothing.
    max_iter : int, default=100
        Frank-Wolfe iterations.
    random_state : int, RandomState instance or None, default=None
        Seeds tie-breaking.

    Returns
    -------
    indices : ndarray of shape (min(n_instances, n_pool),)
        Heaviest design weight first.
    scores : ndarray
        Their design weights.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref.query import g_optimal_sampling
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [0.1, 0.1]])
    >>> sorted(g_optimal_sampling(PairwiseLogisticRegression(), X, 2)[0].tolist())
    [0, 1]
    """
    pool, n = score_pool(classifier, X_pool, n_instances)
    if not np.any(pool.widths > 0):
        raise ValueError("Every pool row is the zero vector: no pair carries information.")
    n_support = min(pool.n_rows, max(n_support, 4 * n))
    widest = top_rows(pool.widths, max(n_candidates, n_support), random_state)
    whitened = pool.posterior.whiten(pool.rows[widest])
    objective = MinimaxObjective(whitened, np.ones(widest.size), sharpness)
    # The support: positions in `widest`, widest first; the first n are the
    # starting batch.
    in_widest, _ = select_top(np.asarray(pool.widths[widest]), n_support, random_state)
    support, whitened_support = widest[in_widest], whitened[in_widest]
    logistic_variances = np.asarray(pool.logistic_variances[support])
    # Rows whose first-order gain n c_j z_j^T W z_j overflows are refused by
    # name, before Frank-Wolfe meets them (as design sampling's ranking does).
    with np.errstate(over="ignore", invalid="ignore"):
        products = whitened_support @ objective.initial_weight_matrix()
        gain = logistic_variances * np.einsum("ij,ij->i", products, whitened_support)
    check_utility(gain, pool.rows, "first-order design gain", positions=support)
    return solve_on_support(
        objective, support, whitened_support, logistic_variances, np.arange(n), n,
        tol=tol, max_iter=max_iter, random_state=random_state, judge_start=True,
    )


class GOptimalSampling(QueryStrategy):
    """Object form of :func:`g_optimal_sampling`.

    Examples
    --------
    >>> from skpref.query import GOptimalSampling
    >>> GOptimalSampling(n_candidates=200).n_candidates
    200
    """

    _function = staticmethod(g_optimal_sampling)

    def __init__(
        self,
        *,
        n_candidates=1000,
        n_support=100,
        sharpness=200.0,
        tol=1e-2,
        max_iter=100,
        random_state=None,
    ):
        self.n_candidates = n_candidates
        self.n_support = n_support
        self.sharpness = sharpness
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state


@validate_params(
    {
        **_COMMON,
        "beta": [Interval(Real, 0, None, closed="left")],
        "aggregate": [StrOptions({"mean", "max"})],
    },
    prefer_skip_nested_validation=True,
)
def design_sampling(
    classifier,
    X_pool,
    n_instances=1,
    *,
    beta=0.5,
    aggregate="mean",
    n_candidates=1000,
    sharpness=200.0,
    tol=1e-3,
    max_iter=100,
    random_state=None,
):
    """Design sampling (Algorithm 1, pool form): widths normalised by location.

    For every row the design objective weighs the width left after the
    batch against how far the current interval sits from zero,

    .. math::

        g_i(\\lambda) = \\frac{\\|x_i\\|^2_{H(\\lambda)^{-1}}}{(|m_i| + \\beta w_i)^2},

    over the rows ``T`` whose interval ``[m - beta w, m + beta w]`` contains
    0 (all rows if none does): a row already decided needs no precision, a
    near-tie needs a lot. ``aggregate="mean"`` minimises the mean of ``g``
    over ``T`` (an L-optimal design, exact over the whole of ``T``);
    ``aggregate="max"`` minimises the maximum (the form of the oracle
    allocation, :func:`skpref.design.oracle_allocation`) over the
    ``n_candidates`` rows of ``T`` with
    the largest ``g(0)``, smoothed by log-sum-exp. In a pool the maximum
    chases the single worst row, so the mean is the default.

    The denominator uses the current ``m`` and ``w``, fixed during the
    design rather than moving with ``lambda``: that keeps the objective
    convex. Rows with ``|m| + beta w = 0`` (zero rows)
    carry no information and are left out of ``T``.

    Parameters
    ----------
    {common}
    beta : float, default=0.5
        Interval half-width in posterior standard deviations (how the
        default was chosen: the user guide's benchmark page).
    aggregate : {"mean", "max"}, default="mean"
        How the normalised widths ``g_i`` over ``T`` are combined: their mean
        or their maximum.
    n_candidates : int, default=1000
        Rows the design may put mass on (by first-order gain), and for
        ``aggregate="max"`` rows the maximum runs over.
    sharpness : float, default=200.0
        Relative sharpness of the smoothed maximum (``aggregate="max"``).
    tol : float, default=1e-3
        Relative duality-gap tolerance of Frank-Wolfe.
    max_iter : int, default=100
        Frank-Wolfe iterations.
    random_state : int, RandomState instance or None, default=None
        Seeds tie-breaking.

    Returns
    -------
    indices : ndarray of shape (min(n_instances, n_pool),)
        Heaviest design weight first.
    scores : ndarray
        Their design weights.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref.query import design_sampling
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4))
    >>> model = PairwiseLogisticRegression().fit(X, (X @ [1, -1, 0, 0] > 0).astype(int))
    >>> indices, weights = design_sampling(model, X, n_instances=5, random_state=0)
    >>> len(set(indices.tolist())), bool(np.all(np.diff(weights) <= 0))
    (5, True)
    """
    pool, n = score_pool(classifier, X_pool, n_instances)
    return select_design_sampling(
        pool, n, beta=beta, aggregate=aggregate, n_candidates=n_candidates,
        sharpness=sharpness, tol=tol, max_iter=max_iter, random_state=random_state,
    )


def select_design_sampling(
    pool, n, *, beta, aggregate, n_candidates, sharpness, tol, max_iter, random_state
):
    """:func:`design_sampling` on a pool already scored (:func:`~skpref.query._pool.score_pool`).

    A strategy that has scored the pool for its own rule (CI-location's burn-in) hands the
    scored pool on, so the pool is read once.

    Parameters
    ----------
    pool : ScoredPool
    n : int
        The batch size (at most the pool's rows).
    beta, aggregate, n_candidates, sharpness, tol, max_iter, random_state
        As in :func:`design_sampling`.

    Returns
    -------
    indices, weights : ndarray
        As :func:`design_sampling` returns them.
    """
    posterior, rows = pool.posterior, pool.rows
    targets, location = design_targets(pool.means, pool.widths, beta)
    inverse_square = np.where(targets, 1.0 / np.where(targets, location, 1.0) ** 2, 0.0)
    if aggregate == "mean":
        # M = sum_{i in T} x~_i x~_i^T / (|T| (|m_i| + beta w_i)^2), whitened.
        moment = information_matrix(
            rows, inverse_square / targets.sum(), intercept=posterior.intercept is not None
        )
        objective = LinearObjective(posterior.whitened_matrix(moment))
    else:
        normalized = np.where(
            targets, location_normalized_widths(pool.means, pool.widths, beta), -np.inf
        )
        worst = top_rows(normalized, n_candidates, random_state)
        objective = MinimaxObjective(
            posterior.whiten(rows[worst]), np.asarray(location[worst]), sharpness
        )
    return select_design(
        pool, objective, n, n_candidates=n_candidates, tol=tol, max_iter=max_iter,
        random_state=random_state,
    )


def location_normalized_widths(means, widths, beta):
    """Design sampling's objective before any design: ``g_i(0) = w_i^2 / (|m_i| + beta w_i)^2``.

    The width against the interval's location: ``g_i(lambda) =
    ||x_i||^2_{H(lambda)^{-1}} / (|m_i| + beta w_i)^2``, the quantity the
    design shrinks, is this at ``lambda = 0``. It is at most ``1 / beta^2``,
    and largest for a near-tie (``|m_i|`` small against ``w_i``).

    Examples
    --------
    >>> import numpy as np
    >>> location_normalized_widths(np.array([0.0, 1.0]), np.array([1.0, 1.0]), beta=1.0)
    array([1.  , 0.25])
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return widths**2 * (1.0 / (np.abs(means) + beta * widths) ** 2)


def design_targets(means, widths, beta):
    """The rows design sampling shrinks, ``T``, and their locations ``|m_i| + beta w_i``.

    ``T`` is the rows whose interval ``[m - beta w, m + beta w]`` contains 0
    (the ambiguous ones), or every row if none does; rows whose squared
    location underflows (zero rows, for all purposes) carry no information
    and are never in ``T``.

    Returns
    -------
    targets : ndarray of bool, shape (n_pool,)
    location : ndarray of shape (n_pool,)

    Raises
    ------
    ValueError
        When every row is a zero row.
    """
    location = np.abs(means) + beta * widths
    with np.errstate(divide="ignore", over="ignore"):
        informative = np.isfinite(1.0 / location**2)
    ambiguous = informative & interval_contains_zero(means, widths, beta)
    targets = ambiguous if ambiguous.any() else informative
    if not targets.any():
        raise ValueError("Every pool row is the zero vector: no pair carries information.")
    return targets, location


class DesignSampling(QueryStrategy):
    """Object form of :func:`design_sampling`.

    Examples
    --------
    >>> from skpref.query import DesignSampling
    >>> DesignSampling(beta=2.0, aggregate="max").get_params()["aggregate"]
    'max'
    """

    _function = staticmethod(design_sampling)

    def __init__(
        self,
        *,
        beta=0.5,
        aggregate="mean",
        n_candidates=1000,
        sharpness=200.0,
        tol=1e-3,
        max_iter=100,
        random_state=None,
    ):
        self.beta = beta
        self.aggregate = aggregate
        self.n_candidates = n_candidates
        self.sharpness = sharpness
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
