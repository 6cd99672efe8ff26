"""Frank-Wolfe over the simplex for experimental designs of a logistic model.

A design ``lambda`` spreads ``scale`` labels over support rows ``x_j`` with
Fisher weights ``c_j = mu'(m_j)``; the information it buys is

.. math::

    H(\\lambda) = H_0 + \\text{scale} \\sum_j \\lambda_j c_j x_j x_j^T .

A design objective is a convex function ``f(H(lambda))``; every objective here
has the form of a weighted sum of squared widths, so its gradient is

.. math::

    \\partial f / \\partial \\lambda_j = -\\text{scale} \\; c_j \\;
    x_j^T H^{-1} M H^{-1} x_j = -\\text{scale} \\; c_j \\; z_j^T W z_j,

with ``z_j = L^{-1} x_j`` (``H = L L^T``) and ``W = L^{-1} M L^{-T}``: an
objective returns its value and ``W``; the solver does the rest. Objectives:

* :class:`LinearObjective` ``f = tr(H^{-1} M)``: a weighted mean of squared
  widths (an L-optimal design);
* :class:`MinimaxObjective` ``f ~ max_i ||x_i||^2_{H^{-1}} / d_i^2``, the
  maximum smoothed by log-sum-exp (G-optimal for ``d = 1``; the oracle
  allocation of SPEC section 4 for ``d_i = |x_i^T theta|``).
"""

import numpy as np
from scipy.linalg import LinAlgError, cholesky, solve_triangular

from .._blas import gram, matmul
from .._random import tie_break_keys
from ..exceptions import NotPositiveDefiniteError


_OVERFLOW = (
    "The design objective overflows float64: it sums squared widths x^T H^-1 x, "
    "beyond float64's range for rows of this magnitude (up to {:.3g}); rescale the rows."
)


class LinearObjective:
    """``f(H) = tr(H^{-1} M)`` for a fixed positive semi-definite ``M``.

    With ``M = sum_i a_i x_i x_i^T`` this is ``sum_i a_i ||x_i||^2_{H^{-1}}``.
    """

    def __init__(self, M):
        self.M = np.asarray(M, dtype=np.float64)

    def __call__(self, factor):
        half = solve_triangular(factor, self.M, lower=True, check_finite=False)
        W = solve_triangular(factor, half.T, lower=True, check_finite=False)
        W = 0.5 * (W + W.T)
        return float(np.trace(W)), W

    def exact_value(self, factor):
        """The objective itself (no smoothing to undo)."""
        return self(factor)[0]


class MinimaxObjective:
    """``max_i ||x_i||^2_{H^{-1}} / d_i^2``, smoothed for Frank-Wolfe.

    The maximum is replaced by ``(1/t) log sum_i exp(t g_i)`` with
    ``t = sharpness / max_i g_i(H_start)``: at most ``log(n_rows) / t`` above
    the maximum, i.e. within ``log(n_rows) / sharpness`` of it relatively.

    Parameters
    ----------
    X_eval : ndarray of shape (n_rows, p)
        Rows whose normalised widths are maximised over.
    normalizer : ndarray of shape (n_rows,)
        Positive ``d_i``.
    sharpness : float
        Relative sharpness of the smoothed maximum.
    """

    def __init__(self, X_eval, normalizer, sharpness=200.0):
        self.X_eval = np.asarray(X_eval, dtype=np.float64)
        self.inverse_square = 1.0 / np.square(np.asarray(normalizer, dtype=np.float64))
        self.sharpness = float(sharpness)
        self.temperature = None

    def normalized_widths(self, factor):
        """``g_i = ||x_i||^2_{H^{-1}} / d_i^2`` and the whitened rows."""
        whitened = solve_triangular(factor, self.X_eval.T, lower=True, check_finite=False)
        return np.einsum("ij,ij->j", whitened, whitened) * self.inverse_square, whitened

    def __call__(self, factor):
        g, whitened = self.normalized_widths(factor)
        if not np.isfinite(g).all():
            raise ValueError(_OVERFLOW.format(np.abs(self.X_eval).max(initial=0.0)))
        top = g.max()
        if self.temperature is None:  # fixed at the first call: f stays one function
            # Rows of ~1e-160 make every g underflow to (nearly) 0, a constant no
            # design changes: any finite temperature smooths it alike.
            with np.errstate(divide="ignore", over="ignore"):
                temperature = self.sharpness / top
            self.temperature = temperature if np.isfinite(temperature) else 1.0
        exponent = np.exp(self.temperature * (g - top))
        total = exponent.sum()
        value = top + np.log(total) / self.temperature
        weights = exponent / total * self.inverse_square
        W = matmul(whitened * weights, whitened.T)
        return float(value), 0.5 * (W + W.T)

    def exact_value(self, factor):
        """The unsmoothed maximum ``max_i g_i``."""
        return float(self.normalized_widths(factor)[0].max())


class DesignResult:
    """Outcome of :func:`frank_wolfe_design`.

    Attributes
    ----------
    weights : ndarray of shape (n_support,)
        The design ``lambda`` (non-negative, sums to 1).
    value : float
        The objective at ``weights`` (unsmoothed for a minimax objective).
    gain : ndarray of shape (n_support,)
        ``-df/dlambda_j`` at ``weights`` (first-order value of each row).
    duality_gap : float
        ``<grad f, lambda> - min_j grad_j``, an upper bound on ``f - f*``
        for the (smoothed) objective.
    n_iter : int
    converged : bool
        Whether the duality gap reached ``tol * f``; False when the solver
        stopped on ``max_iter`` or on a stalled relative improvement.
    """

    def __init__(self, weights, value, gain, duality_gap, n_iter, converged):
        self.weights = weights
        self.value = value
        self.gain = gain
        self.duality_gap = duality_gap
        self.n_iter = n_iter
        self.converged = converged


def _design_information(support, curvature, scale, weights):
    """``scale * sum_j lambda_j c_j x_j x_j^T`` (without the base).

    ``weights`` may be negative (a difference of designs): the rows are
    scaled by ``sqrt(|lambda_j| c_j)`` and the negative part subtracted.
    """
    root = np.sqrt(scale * np.abs(weights) * curvature)
    positive = weights > 0
    information = gram(support[positive] * root[positive, None])
    if not positive.all():
        negative = ~positive
        information -= gram(support[negative] * root[negative, None])
    return information


def _first_order_gain(factor, W, support, curvature, scale):
    """``-df/dlambda_j = scale c_j x_j^T G x_j`` with ``G = L^{-T} W L^{-1} = H^{-1} M H^{-1}``."""
    half = solve_triangular(factor, W, lower=True, trans="T", check_finite=False)
    G = solve_triangular(factor, half.T, lower=True, trans="T", check_finite=False)
    return scale * curvature * np.einsum("ij,ij->i", matmul(support, G), support)


def frank_wolfe_design(
    support,
    curvature,
    objective,
    *,
    base=None,
    scale=1.0,
    tol=1e-3,
    max_iter=200,
    initial=None,
    max_weight=None,
):
    """Minimise a design objective over the simplex by Frank-Wolfe.

    With ``gain_j = -df/dlambda_j``, the linear minimisation oracle is the
    vertex ``v`` of largest gain: ``e_j`` on the simplex, or the best batch on
    the capped simplex (``max_weight``). On the simplex the solver takes
    pairwise steps (Lacoste-Julien and Jaggi, 2015), moving mass from the
    design row of smallest gain to ``j``, which converges linearly where
    plain Frank-Wolfe zig-zags; on the capped simplex it steps towards ``v``.
    The step minimises a quadratic model of ``f`` along the move (capped at
    the largest feasible step) and is halved until ``f`` decreases. It stops
    when the duality gap ``<gain, v - lambda>`` (an upper bound on
    ``f - f*``) is at most ``tol * f``, or when an iteration improves ``f``
    by less than ``tol * 1e-3`` relatively. Each iteration costs one
    ``O(n_support p^2)`` product for the gains, the objective, and one
    Cholesky factorisation per trial step.

    Parameters
    ----------
    support : ndarray of shape (n_support, p)
        Candidate rows ``x_j`` (intercept column included if any).
    curvature : ndarray of shape (n_support,)
        Fisher weights ``c_j >= 0``.
    objective : LinearObjective or MinimaxObjective
        ``objective(L) -> (f, W)`` for the lower Cholesky factor ``L``.
    base : ndarray of shape (p, p) or None
        Information already held, ``H_0`` (the posterior's Hessian); None for
        none, in which case the support must span the parameter space.
    scale : float, default=1.0
        Number of labels the design spreads (the batch size).
    tol : float, default=1e-3
        Relative duality-gap tolerance.
    max_iter : int, default=200
    initial : ndarray of shape (n_support,) or None
        Starting design; uniform by default.
    max_weight : float or None, default=None
        Cap every ``lambda_j`` at ``max_weight``. A batch labels ``n``
        distinct rows, each once, so its design lives on the capped simplex
        ``0 <= lambda_j <= 1 / n``, whose vertices are exactly the batches
        (``1 / n`` on each of ``n`` rows). With a cap, the solver takes
        classical Frank-Wolfe steps towards the best batch (the ``n`` rows of
        largest gain) instead of pairwise steps.

    Returns
    -------
    DesignResult
    """
    support = np.ascontiguousarray(support, dtype=np.float64)
    curvature = np.asarray(curvature, dtype=np.float64)
    n_support = support.shape[0]
    weights = np.full(n_support, 1.0 / n_support) if initial is None else np.array(initial, dtype=np.float64)
    base = 0.0 if base is None else np.asarray(base, dtype=np.float64)

    def evaluate(design, trial=True):
        """``(f, W, L)`` at a design; a singular trial design counts as ``f = inf``."""
        try:
            factor = cholesky(base + design, lower=True, check_finite=False)
        except LinAlgError as error:
            if trial:  # e.g. a step that empties a row with no base: halve it
                return np.inf, None, None
            raise NotPositiveDefiniteError(
                "The starting design's information matrix is singular: with no "
                "base information the support rows must span the parameter space."
            ) from error
        value, W = objective(factor)
        return value, W, factor

    design = _design_information(support, curvature, scale, weights)
    value, W, factor = evaluate(design, trial=False)
    if not (np.isfinite(value) and np.isfinite(W).all()):
        raise ValueError(_OVERFLOW.format(np.abs(support).max(initial=0.0)))
    batch = None if max_weight is None else max(1, int(round(1.0 / max_weight)))
    converged = False
    for iteration in range(1, max_iter + 1):
        gain = _first_order_gain(factor, W, support, curvature, scale)
        if batch is None:
            vertex = np.zeros(n_support)
            vertex[int(np.argmax(gain))] = 1.0
        else:  # the best batch: 1/n on the n rows of largest gain
            vertex = np.zeros(n_support)
            vertex[np.argpartition(-gain, batch - 1)[:batch]] = 1.0 / batch
        gap = float(gain @ vertex - gain @ weights)
        if gap <= tol * abs(value):
            converged = True
            break
        if batch is None:
            # Pairwise step (Lacoste-Julien and Jaggi, 2015): move mass from
            # the design row of smallest gain to the row of largest gain;
            # plain Frank-Wolfe zig-zags at O(1/k) on the simplex.
            active = np.flatnonzero(weights > 0)
            away = np.zeros(n_support)
            away[active[np.argmin(gain[active])]] = 1.0
            move = vertex - away
            max_step = float(weights @ away)
        else:
            move = vertex - weights
            max_step = 1.0
        slope = float(gain @ move)
        changed = np.flatnonzero(move)
        direction = _design_information(
            support[changed], curvature[changed] * np.abs(move[changed]), scale, np.sign(move[changed])
        )
        # The minimiser of a quadratic model of f along the move (slope
        # -slope at 0, one trial value at the full step), halved until f
        # decreases.
        step = max_step
        trial_value, trial_W, trial_factor = evaluate(design + step * direction)
        curvature_along = (trial_value - value + slope * step) / step**2
        if np.isfinite(curvature_along) and curvature_along > 0 and slope / (2.0 * curvature_along) < step:
            step = slope / (2.0 * curvature_along)
            trial_value, trial_W, trial_factor = evaluate(design + step * direction)
        for _ in range(30):
            if trial_value < value:
                break
            step *= 0.5
            trial_value, trial_W, trial_factor = evaluate(design + step * direction)
        else:  # no decrease along a direction of positive slope: round-off floor
            break
        improvement = (value - trial_value) / abs(value)
        weights = np.maximum(weights + step * move, 0.0)
        design = design + step * direction
        value, W, factor = trial_value, trial_W, trial_factor
        if improvement < tol * 1e-3:  # stalled: stop, converged only if the gap says so
            break
    gain = _first_order_gain(factor, W, support, curvature, scale)
    best = gain.max() if batch is None else np.sort(gain)[-batch:].mean()
    gap = float(best - gain @ weights)
    converged = converged or gap <= tol * abs(value)
    return DesignResult(weights, objective.exact_value(factor), gain, gap, iteration, converged)


def round_to_distinct(weights, n, gain=None, random_state=None):
    """The ``n`` rows of a design to label, best first.

    A batch labels distinct rows, so a continuous design is rounded by taking
    the ``n`` heaviest rows; rows the design leaves at (near) zero weight are
    ordered by their first-order ``gain`` (what one more label there is worth
    to the objective), remaining ties by seeded random keys.

    Returns
    -------
    indices : ndarray of shape (min(n, n_support),)
    """
    weights = np.asarray(weights, dtype=np.float64)
    gain = np.zeros_like(weights) if gain is None else np.asarray(gain, dtype=np.float64)
    keys = tie_break_keys(weights.size, random_state)
    # Rows Frank-Wolfe never moved towards keep equal shares of the uniform
    # start; rounding makes those shares compare equal so gain decides.
    share = np.round(weights / weights.max(), 9)
    order = np.lexsort((-keys, -gain, -share))
    return order[: min(n, weights.size)]
