"""Design strategies: a continuous design over the pool, rounded to a batch.

Both solve ``min_lambda f(H(lambda))`` on the simplex by Frank-Wolfe
(:mod:`skpref.design`), where

.. math::

    H(\\lambda) = H + n \\sum_j \\lambda_j \\mu'(m_j) x_j x_j^T

is the information after spreading the batch of ``n`` labels by ``lambda``
(``H`` is the current posterior's). A pool of 200,000 rows is handled in
passes, never whole: one pass for means and widths, one for the objective,
one to rank every row by its first-order gain ``-df/dlambda_j`` at
``lambda = 0``. The design is then solved over the ``n_candidates`` rows of
largest gain (the rows a design can put mass on in its first steps; a row
outside them would have to beat them all at the start), and rounded to the
``n`` heaviest rows.

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

from .._blas import matmul
from .._logistic import logistic_variance
from .._objective import penalized_hessian
from ..design._frank_wolfe import (
    LinearObjective,
    MinimaxObjective,
    frank_wolfe_design,
    round_to_distinct,
)
from ._base import COMMON_CONSTRAINTS, QueryStrategy
from ._core import check_utility, pool_moments, prepare, select_top

_COMMON = {
    **COMMON_CONSTRAINTS,
    "n_candidates": [Interval(Integral, 1, None, closed="left")],
    "sharpness": [Interval(Real, 0, None, closed="neither")],
    "tol": [Interval(Real, 0, None, closed="neither")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
}


def _solve_pool_design(posterior, rows, n, curvature, objective, settings):
    """Rank the pool by first-order gain, solve on the best, round to ``n``."""
    n_candidates = min(rows.shape[0], max(settings["n_candidates"], 4 * n))
    factor = posterior.cholesky_factor
    _, W = objective(factor)
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        gain = curvature * posterior.whitened_quadratic_form(rows, W)
    check_utility(gain, rows, "first-order design gain")
    support = _top_rows(gain, n_candidates, settings["random_state"])
    # A batch labels n distinct rows once each: the design lives on the
    # capped simplex lambda_j <= 1/n, whose vertices are batches. Start at the
    # batch of largest first-order gain.
    initial = np.zeros(support.size)
    initial[np.argsort(-gain[support], kind="stable")[:n]] = 1.0 / n
    result = frank_wolfe_design(
        posterior.augment(rows[support]),
        curvature[support],
        objective,
        base=matmul(factor, factor.T),
        scale=n,
        tol=settings["tol"],
        max_iter=settings["max_iter"],
        initial=initial,
        max_weight=1.0 / n,
    )
    picked = round_to_distinct(result.weights, n, result.gain, settings["random_state"])
    return support[picked].astype(np.intp), result.weights[picked]


def _top_rows(utility, k, random_state):
    """Sorted indices of the ``k`` best finite utilities."""
    indices, _ = select_top(utility, min(k, utility.size), random_state)
    return np.sort(indices[np.isfinite(utility[indices])])


@validate_params(_COMMON, prefer_skip_nested_validation=True)
def g_optimal_sampling(
    classifier,
    X_pool,
    n_instances=1,
    *,
    n_candidates=1000,
    sharpness=200.0,
    tol=1e-3,
    max_iter=100,
    random_state=None,
):
    """G-optimal design: minimise the largest width left after the batch.

    ``lambda* = argmin max_i ||x_i||^2_{H(lambda)^{-1}}`` over the simplex,
    rounded to the ``n_instances`` heaviest rows. The maximum runs over the
    ``n_candidates`` currently widest rows (where the maximum lives; widths
    only shrink) and is smoothed by log-sum-exp for Frank-Wolfe, within
    ``log(n_candidates) / sharpness`` of it relatively. It shrinks every
    width alike, wherever the interval sits.

    Parameters
    ----------
    classifier : PairwiseLogisticRegression, Pipeline or modAL learner
        The model whose Laplace posterior scores the pool, fitted or not
        (unfitted: the prior ``N(0, C I)``); a ``Pipeline``, fitted search,
        active-learning loop or modAL learner is unwrapped to it.
    X_pool : array-like or sparse matrix of shape (n_pool, n_features)
        Candidate comparison rows (for a ``Pipeline``: in its input space).
    n_instances : int, default=1
        Number of rows to select (at most ``n_pool``).
    n_candidates : int, default=1000
        Rows the design may use, and rows the maximum runs over.
    sharpness : float, default=200.0
        Relative sharpness of the smoothed maximum.
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
    >>> from skpref.query import g_optimal_sampling
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [0.1, 0.1]])
    >>> sorted(g_optimal_sampling(PairwiseLogisticRegression(), X, 2)[0].tolist())
    [0, 1]
    """
    posterior, rows, n = prepare(classifier, X_pool, n_instances)
    means, widths = pool_moments(posterior, rows)
    if not np.any(widths > 0):
        raise ValueError("Every pool row is the zero vector: no pair carries information.")
    settings = {
        "n_candidates": n_candidates,
        "tol": tol,
        "max_iter": max_iter,
        "random_state": random_state,
    }
    widest = _top_rows(widths, n_candidates, random_state)
    objective = MinimaxObjective(posterior.augment(rows[widest]), np.ones(widest.size), sharpness)
    return _solve_pool_design(posterior, rows, n, logistic_variance(means), objective, settings)


class GOptimalSampling(QueryStrategy):
    """Object form of :func:`g_optimal_sampling`.

    Parameters
    ----------
    n_candidates : int, default=1000
        As in :func:`g_optimal_sampling`.
    sharpness : float, default=200.0
        As in :func:`g_optimal_sampling`.
    tol : float, default=1e-3
        As in :func:`g_optimal_sampling`.
    max_iter : int, default=100
        As in :func:`g_optimal_sampling`.
    random_state : int, RandomState instance or None, default=None
        As in :func:`g_optimal_sampling`.

    Examples
    --------
    >>> from skpref.query import GOptimalSampling
    >>> GOptimalSampling(n_candidates=200).n_candidates
    200
    """

    _function = staticmethod(g_optimal_sampling)

    def __init__(
        self, *, n_candidates=1000, sharpness=200.0, tol=1e-3, max_iter=100, random_state=None
    ):
        self.n_candidates = n_candidates
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
    classifier : PairwiseLogisticRegression, Pipeline or modAL learner
        The model whose Laplace posterior scores the pool, fitted or not
        (unfitted: the prior ``N(0, C I)``); a ``Pipeline``, fitted search,
        active-learning loop or modAL learner is unwrapped to it.
    X_pool : array-like or sparse matrix of shape (n_pool, n_features)
        Candidate comparison rows (for a ``Pipeline``: in its input space).
    n_instances : int, default=1
        Number of rows to select (at most ``n_pool``).
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
    posterior, rows, n = prepare(classifier, X_pool, n_instances)
    means, widths = pool_moments(posterior, rows)
    settings = {
        "n_candidates": n_candidates,
        "tol": tol,
        "max_iter": max_iter,
        "random_state": random_state,
    }
    location = np.abs(means) + beta * widths
    with np.errstate(divide="ignore", over="ignore"):
        # Rows whose squared location underflows are zero rows for all purposes.
        informative = np.isfinite(1.0 / location**2)
    ambiguous = informative & (np.abs(means) <= beta * widths)
    targets = ambiguous if ambiguous.any() else informative
    if not targets.any():
        raise ValueError("Every pool row is the zero vector: no pair carries information.")
    inverse_square = np.where(targets, 1.0 / np.where(targets, location, 1.0) ** 2, 0.0)
    if aggregate == "mean":
        weights = inverse_square / targets.sum()
        # M = sum_i a_i x~_i x~_i^T: the chunked weighted Gram of the Hessian
        # builder, with C = inf so that it adds no I / C term.
        moment = penalized_hessian(rows, weights, np.inf, posterior.intercept is not None)
        objective = LinearObjective(moment)
    else:
        normalized = np.where(targets, widths**2 * inverse_square, -np.inf)  # g_i(0)
        worst = _top_rows(normalized, n_candidates, random_state)
        objective = MinimaxObjective(posterior.augment(rows[worst]), location[worst], sharpness)
    return _solve_pool_design(posterior, rows, n, logistic_variance(means), objective, settings)


class DesignSampling(QueryStrategy):
    """Object form of :func:`design_sampling`.

    Parameters
    ----------
    beta : float, default=0.5
        As in :func:`design_sampling`.
    aggregate : {"mean", "max"}, default="mean"
        As in :func:`design_sampling`.
    n_candidates : int, default=1000
        As in :func:`design_sampling`.
    sharpness : float, default=200.0
        As in :func:`design_sampling`.
    tol : float, default=1e-3
        As in :func:`design_sampling`.
    max_iter : int, default=100
        As in :func:`design_sampling`.
    random_state : int, RandomState instance or None, default=None
        As in :func:`design_sampling`.

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
