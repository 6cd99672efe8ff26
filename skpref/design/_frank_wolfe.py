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
        top = g.max()
        if self.temperature is None:  # fixed at the first call: f stays one function
            self.temperature = self.sharpness / top
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
    """

    def __init__(self, weights, value, gain, duality_gap, n_iter, converged):
        self.weights = weights
        self.value = value
        self.gain = gain
        self.duality_gap = duality_gap
        self.n_iter = n_iter
        self.converged = converged


def _information(base, support, curvature, scale, weights):
    """``H(lambda) = H_0 + scale * sum_j lambda_j c_j x_j x_j^T``."""
    root = np.sqrt(scale * weights * curvature)
    information = gram(support * root[:, None])
    return information if base is None else information + base


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
):
    """Minimise a design objective over the simplex by Frank-Wolfe.

    Each iteration moves ``lambda <- (1 - gamma) lambda + gamma e_j`` towards
    the vertex of steepest descent ``j = argmax_j gain_j``, with the step
    ``gamma = 2 / (k + 2)`` halved until the objective decreases. It stops
    when the duality gap ``<grad, lambda - e_j>`` (which bounds the distance
    to the optimum) is at most ``tol * f``, or when an iteration improves
    ``f`` by less than ``tol * 1e-3`` relatively.

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

    Returns
    -------
    DesignResult
    """
    support = np.asarray(support, dtype=np.float64)
    curvature = np.asarray(curvature, dtype=np.float64)
    n_support = support.shape[0]
    weights = np.full(n_support, 1.0 / n_support) if initial is None else np.array(initial, dtype=np.float64)

    def evaluate(candidate):
        information = _information(base, support, curvature, scale, candidate)
        try:
            factor = cholesky(information, lower=True, check_finite=False)
        except LinAlgError as error:
            raise LinAlgError(
                "The design's information matrix is singular: with no base "
                "information the support rows must span the parameter space."
            ) from error
        value, W = objective(factor)
        return value, W, factor

    value, W, factor = evaluate(weights)
    converged = False
    for iteration in range(1, max_iter + 1):
        whitened = solve_triangular(factor, support.T, lower=True, check_finite=False)
        gain = scale * curvature * np.einsum("ij,ij->j", whitened, matmul(W, whitened))
        vertex = int(np.argmax(gain))
        gap = float(gain[vertex] - gain @ weights)
        if gap <= tol * abs(value):
            converged = True
            break
        step = 2.0 / (iteration + 2.0)
        for _ in range(8):
            candidate = (1.0 - step) * weights
            candidate[vertex] += step
            new_value, new_W, new_factor = evaluate(candidate)
            if new_value < value:
                break
            step *= 0.5
        else:  # no decrease along the best direction: numerically optimal
            converged = True
            break
        improvement = (value - new_value) / abs(value)
        weights, value, W, factor = candidate, new_value, new_W, new_factor
        if improvement < tol * 1e-3:
            converged = True
            break
    whitened = solve_triangular(factor, support.T, lower=True, check_finite=False)
    gain = scale * curvature * np.einsum("ij,ij->j", whitened, matmul(W, whitened))
    gap = float(gain.max() - gain @ weights)
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
