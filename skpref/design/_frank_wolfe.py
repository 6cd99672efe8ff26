"""Frank-Wolfe over the (capped) simplex for batch designs of a logistic model.

A design ``lambda`` spreads ``scale`` labels over support rows with Fisher
weights ``c_j = mu'(m_j)``; the information it buys, on top of the
posterior's ``H = L L^T``, is

.. math::

    H(\\lambda) = H + \\text{scale} \\sum_j \\lambda_j c_j x_j x_j^T
                = L \\, A(\\lambda) \\, L^T, \\qquad
    A(\\lambda) = I + \\sum_j d_j z_j z_j^T, \\quad d_j = \\text{scale}\\,\\lambda_j c_j,

with the whitened rows ``z = L^{-1} x~``. Everything here works in those
whitened coordinates, where the information already held is the identity:
the caller whitens the support and the objective's rows once
(:meth:`skpref.LaplacePosterior.whiten`). A design objective is a convex
function ``f(A(lambda))``; both objectives here are sums of squared widths,

* :class:`LinearObjective` ``f = tr(A^{-1} M)``: a weighted mean of squared
  widths (an L-optimal design);
* :class:`MinimaxObjective` ``f ~ max_i z_i^T A^{-1} z_i / d_i^2``, the
  maximum smoothed by log-sum-exp (G-optimal for ``d = 1``),

so the gradient is ``-df/dlambda_j = scale c_j z_j^T A^{-1} W A^{-1} z_j``
for the objective's weight matrix ``W``.

A design puts mass on few rows: the capped simplex's vertices are batches of
``n`` rows, and a Frank-Wolfe iterate is a mixture of the vertices it visited.
So ``A(lambda)^{-1}`` is applied by the Woodbury identity over the *active*
rows ``a`` (``d_j > 0``), with ``s = sqrt(d_a)``:

.. math::

    A^{-1} = I - Z_a^T S K^{-1} S Z_a, \\qquad
    K = I + S Z_a Z_a^T S, \\quad S = \\operatorname{diag}(s),

a ``k_a x k_a`` system (``K >= I``: always positive definite) instead of a
``p x p`` one, on cross products of whitened rows computed once per call. An
iteration then costs ``O(k_a^2 k)`` for ``k`` support and objective rows,
instead of the ``O(k p^2)`` of whitening against a new ``H(lambda)``.

Woodbury computes ``A^{-1}`` in the directions the design informs as a
difference ``1 - (1 - 1/a)``, which loses the digits of ``1/a`` when ``a``
(an eigenvalue of ``A``) is large: its error is about ``eps * lambda_max(K)``
(:data:`WOODBURY_LIMIT`). When the design's information exceeds that, or when
``k_a >= p`` (Woodbury is then no cheaper), ``A = L_A L_A^T`` is factored
directly, which is backward stable whatever its spread.
"""

import numpy as np
from scipy.linalg import cholesky, solve_triangular

from .._blas import matmul
from .._random import tie_break_keys

_OVERFLOW = (
    "The design objective overflows float64: it sums squared widths x^T H^-1 x, "
    "beyond float64's range for rows of this magnitude (up to {:.3g}); rescale the rows."
)


#: Woodbury's ``A^{-1}`` is used while ``tr(S Z_a Z_a^T S) = sum_j d_j ||z_j||^2``,
#: a bound on ``lambda_max(K) - 1``, is at most this: its error, about
#: ``eps * lambda_max(K)``, is then below ``1e-10``; beyond, ``A`` is factored.
WOODBURY_LIMIT = 1e6


def _information_at(gram, d):
    """``A(lambda)`` at one design, by Woodbury or directly (see the module's docstring)."""
    active = np.flatnonzero(d > 0)
    information = float(d[active] @ gram.diagonal[active]) if active.size else 0.0
    if active.size < gram.support.shape[1] and information <= WOODBURY_LIMIT:
        return _ActiveInformation(gram, d)
    return _DenseInformation(gram, d)


class _DenseInformation:
    """``A(lambda) = L_A L_A^T`` factored directly (``p x p``) at one design.

    Attributes
    ----------
    direct : bool
        True: objectives work with :meth:`half_inverse` instead of Woodbury.
    factor : ndarray of shape (p, p)
        ``L_A``.
    """

    direct = True

    def __init__(self, gram, d):
        support = gram.support
        A = matmul(support.T * d, support)
        A[np.diag_indices_from(A)] += 1.0
        self.factor = cholesky(A, lower=True, check_finite=False)  # A >= I
        self._half = {}

    def half_inverse(self, Z, key=None):
        """``L_A^{-1} Z^T`` (``p x n``) for whitened rows ``Z``; cached under ``key``."""
        if key is not None and key in self._half:
            return self._half[key]
        half = solve_triangular(self.factor, Z.T, lower=True, check_finite=False)
        if key is not None:
            self._half[key] = half
        return half


class _ActiveInformation:
    """``A(lambda) = I + sum_j d_j z_j z_j^T`` at one design, by its active rows.

    Attributes
    ----------
    active : ndarray of int
        Support rows with ``d_j > 0``.
    scale_root : ndarray of shape (k_a,)
        ``s = sqrt(d_a)``.
    gram_rows : ndarray of shape (k_a, n_support)
        ``Z_a Z_S^T``.
    """

    direct = False

    def __init__(self, gram, d):
        self.active = np.flatnonzero(d > 0)
        self.scale_root = np.sqrt(d[self.active])
        self.gram_rows = gram.rows(self.active)
        s = self.scale_root
        K = np.eye(s.size) + np.outer(s, s) * self.gram_rows[:, self.active]
        self.factor = cholesky(K, lower=True, check_finite=False) if s.size else K
        self._P = None

    def half_solve(self, B):
        """``L_K^{-1} S B`` for rows ``B`` indexed like the active set."""
        if not self.active.size:
            return np.zeros((0, B.shape[1]))
        return solve_triangular(
            self.factor, self.scale_root[:, None] * B, lower=True, check_finite=False
        )

    @property
    def P(self):
        """``P = L_K^{-1} S Z_a Z_S^T``.

        With it ``z_j^T A^{-1} v = z_j^T v - P_j^T (L_K^{-1} S Z_a v)``.
        """
        if self._P is None:
            self._P = self.half_solve(self.gram_rows)
        return self._P


class _GramRows:
    """Rows of the support's Gram matrix ``Z_S Z_S^T``, computed when first needed."""

    def __init__(self, support):
        self.support = support
        self.diagonal = np.einsum("ij,ij->i", support, support)  # ||z_j||^2
        self._rows = {}

    def rows(self, indices):
        missing = [int(j) for j in indices if int(j) not in self._rows]
        if missing:
            for j, row in zip(missing, matmul(self.support[missing], self.support.T)):
                self._rows[j] = row
        if not len(indices):
            return np.zeros((0, self.support.shape[0]))
        return np.array([self._rows[int(j)] for j in indices])


class LinearObjective:
    """``f(A) = tr(A^{-1} M)`` for a fixed positive semi-definite ``M`` (whitened).

    With ``M = sum_i a_i z_i z_i^T`` this is ``sum_i a_i ||z_i||^2_{A^{-1}}``:
    a weighted mean of the squared widths left after the design.

    Parameters
    ----------
    M : ndarray of shape (p, p)
        The moment in whitened coordinates, ``L^{-1} M_x L^{-T}``.
    """

    def __init__(self, M):
        self.M = np.asarray(M, dtype=np.float64)

    def initial_weight_matrix(self):
        """``W`` at ``A = I`` (no design yet): ``M``."""
        return self.M

    def prepare(self, support):
        """Cross products with the support rows, computed once per solve."""
        self._support = support
        self._support_M = matmul(support, self.M)
        self._diagonal = np.einsum("ij,ij->i", self._support_M, support)  # z_j^T M z_j
        self._trace = float(np.trace(self.M))
        self._M_rows = {}

    def _moment_rows(self, active):
        """``Z_a M Z_S^T`` (``k_a x n_support``), computed when first needed."""
        missing = [int(j) for j in active if int(j) not in self._M_rows]
        if missing:
            for j, row in zip(missing, matmul(self._support_M[missing], self._support.T)):
                self._M_rows[j] = row
        if not len(active):
            return np.zeros((0, self._support.shape[0]))
        return np.array([self._M_rows[int(j)] for j in active])

    def value(self, state):
        """``tr(M) - tr(K^{-1} S Z_a M Z_a^T S)`` (Woodbury) or ``tr(L_A^{-1} M L_A^{-T})``."""
        if state.direct:
            return float(np.trace(self._whitened_moment(state)))
        if not state.active.size:
            return self._trace
        inner = self._moment_rows(state.active)[:, state.active]
        half = state.half_solve(inner)  # L_K^{-1} S B_aa
        twice = state.half_solve(half.T)  # L_K^{-1} S (L_K^{-1} S B_aa)^T
        return self._trace - float(np.trace(twice))

    exact_value = value

    def _whitened_moment(self, state):
        """``L_A^{-1} M L_A^{-T}`` of a directly factored state."""
        half = solve_triangular(state.factor, self.M, lower=True, check_finite=False)
        return solve_triangular(state.factor, half.T, lower=True, check_finite=False)

    def gains(self, state, scale, logistic_variances):
        """``scale c_j z_j^T A^{-1} M A^{-1} z_j`` for every support row."""
        if state.direct:  # y_j = L_A^{-1} z_j: y_j^T (L_A^{-1} M L_A^{-T}) y_j
            Y = state.half_inverse(self._support, "support")
            quadratic = np.einsum("ij,ij->j", Y, matmul(self._whitened_moment(state), Y))
            return scale * logistic_variances * quadratic
        if not state.active.size:
            return scale * logistic_variances * self._diagonal
        # A^{-1} z_j = z_j - Z_a^T r_j with r_j = S K^{-1} S Z_a z_j.
        r = state.scale_root[:, None] * solve_triangular(
            state.factor, state.P, lower=True, trans="T", check_finite=False
        )
        rows = self._moment_rows(state.active)
        inner = rows[:, state.active]
        quadratic = (
            self._diagonal
            - 2.0 * np.einsum("ij,ij->j", r, rows)
            + np.einsum("ij,ij->j", r, matmul(inner, r))
        )
        return scale * logistic_variances * quadratic


class MinimaxObjective:
    """``max_i z_i^T A^{-1} z_i / d_i^2`` (whitened rows), smoothed for Frank-Wolfe.

    The maximum is replaced by ``(1/t) log sum_i exp(t g_i)`` with
    ``t = sharpness / max_i g_i`` at the first evaluation: at most
    ``log(n_rows) / t`` above the maximum, i.e. within
    ``log(n_rows) / sharpness`` of it relatively.

    Parameters
    ----------
    X_eval : ndarray of shape (n_rows, p)
        Whitened rows whose normalised widths are maximised over.
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
        with np.errstate(over="ignore"):  # an overflow is reported by the first value
            self._norms = np.einsum("ij,ij->i", self.X_eval, self.X_eval)

    def _smoothed(self, g):
        """``(value, weights)``: the smoothed maximum and its gradient weights ``pi_i / d_i^2``."""
        top = g.max()
        if self.temperature is None:  # fixed at the first call: f stays one function
            # Rows of ~1e-160 make every g underflow to (nearly) 0, a constant no
            # design changes: any finite temperature smooths it alike.
            with np.errstate(divide="ignore", over="ignore"):
                temperature = self.sharpness / top
            self.temperature = temperature if np.isfinite(temperature) else 1.0
        exponent = np.exp(self.temperature * (g - top))
        total = exponent.sum()
        return float(top + np.log(total) / self.temperature), exponent / total * self.inverse_square

    def initial_weight_matrix(self):
        """``W = sum_i pi_i z_i z_i^T / d_i^2`` at ``A = I`` (no design yet)."""
        g = self._norms * self.inverse_square
        if not np.isfinite(g).all():
            raise ValueError(_OVERFLOW.format(np.abs(self.X_eval).max(initial=0.0)))
        _, weights = self._smoothed(g)
        return matmul(self.X_eval.T * weights, self.X_eval)

    def prepare(self, support):
        """Cross products of the support with the rows maximised over, once per solve."""
        self._support = support
        self._cross = matmul(support, self.X_eval.T)  # Z_S Z_E^T
        self._state = None

    def _evaluate(self, state):
        if state.direct:  # V = L_A^{-1} Z_E^T: g_i = ||v_i||^2 / d_i^2
            projected = state.half_inverse(self.X_eval, "eval")
            return np.einsum("ij,ij->j", projected, projected) * self.inverse_square, projected
        projected = state.half_solve(self._cross[state.active])  # L_K^{-1} S Z_a Z_E^T
        g = (self._norms - np.einsum("ij,ij->j", projected, projected)) * self.inverse_square
        return g, projected

    def value(self, state):
        """The smoothed maximum at ``state`` (its weights are kept for :meth:`gains`)."""
        g, self._projected = self._evaluate(state)
        value, self._weights = self._smoothed(g)
        self._state = state
        return value

    def exact_value(self, state):
        """The unsmoothed maximum ``max_i g_i``."""
        return float(self._evaluate(state)[0].max())

    def gains(self, state, scale, logistic_variances):
        """``scale c_j sum_i pi_i (z_j^T A^{-1} z_i)^2 / d_i^2`` for every support row."""
        if self._state is not state:
            self.value(state)
        cross = self._cross  # z_j^T A^{-1} z_i
        if state.direct:
            cross = matmul(state.half_inverse(self._support, "support").T, self._projected)
        elif state.active.size:
            cross = cross - matmul(state.P.T, self._projected)
        return scale * logistic_variances * matmul(np.square(cross), self._weights[:, None])[:, 0]


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


def frank_wolfe_design(
    support,
    logistic_variances,
    objective,
    *,
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
    by less than ``tol * 1e-3`` relatively.

    Parameters
    ----------
    support : ndarray of shape (n_support, p)
        Whitened candidate rows ``z_j = L^{-1} x_j~`` (the information already
        held is then the identity).
    logistic_variances : ndarray of shape (n_support,)
        ``c_j = mu'(m_j) >= 0``.
    objective : LinearObjective or MinimaxObjective
        In the same whitened coordinates.
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
    logistic_variances = np.asarray(logistic_variances, dtype=np.float64)
    n_support = support.shape[0]
    weights = (
        np.full(n_support, 1.0 / n_support)
        if initial is None
        else np.array(initial, dtype=np.float64)
    )
    gram = _GramRows(support)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        objective.prepare(support)

    def evaluate(design):
        """``(f, state)`` at a design."""
        with np.errstate(over="ignore", invalid="ignore"):
            state = _information_at(gram, scale * design * logistic_variances)
            return objective.value(state), state

    def gains(state):
        with np.errstate(over="ignore", invalid="ignore"):
            return objective.gains(state, scale, logistic_variances)

    value, state = evaluate(weights)
    if not np.isfinite(value):
        raise ValueError(_OVERFLOW.format(np.abs(support).max(initial=0.0)))
    batch = None if max_weight is None else max(1, int(round(1.0 / max_weight)))
    converged = False
    iteration = 0
    for iteration in range(1, max_iter + 1):
        gain = gains(state)
        if not np.isfinite(gain).all():
            raise ValueError(_OVERFLOW.format(np.abs(support).max(initial=0.0)))
        vertex = np.zeros(n_support)
        if batch is None:
            vertex[int(np.argmax(gain))] = 1.0
        else:  # the best batch: 1/n on the n rows of largest gain
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

        def trial(step):
            return evaluate(np.maximum(weights + step * move, 0.0))

        # The minimiser of a quadratic model of f along the move (slope
        # -slope at 0, one trial value at the full step), halved until f
        # decreases.
        step = max_step
        trial_value, trial_state = trial(step)
        curvature_along = (trial_value - value + slope * step) / step**2
        if (
            np.isfinite(curvature_along)
            and curvature_along > 0
            and slope / (2.0 * curvature_along) < step
        ):
            step = slope / (2.0 * curvature_along)
            trial_value, trial_state = trial(step)
        for _ in range(30):
            if trial_value < value:
                break
            step *= 0.5
            trial_value, trial_state = trial(step)
        else:  # no decrease along a direction of positive slope: round-off floor
            break
        improvement = (value - trial_value) / abs(value)
        weights = np.maximum(weights + step * move, 0.0)
        value, state = trial_value, trial_state
        if improvement < tol * 1e-3:  # stalled: stop, converged only if the gap says so
            break
    gain = gains(state)
    best = gain.max() if batch is None else np.sort(gain)[-batch:].mean()
    gap = float(best - gain @ weights)
    converged = converged or gap <= tol * abs(value)
    return DesignResult(weights, objective.exact_value(state), gain, gap, iteration, converged)


def round_to_distinct(weights, n, gain=None, random_state=None):
    """The ``n`` rows of a design to label, best first.

    A batch labels distinct rows, so a continuous design is rounded by taking
    the ``n`` heaviest rows; rows the design leaves at (near) zero weight are
    ordered by their first-order ``gain`` (what one more label there is worth
    to the objective), remaining ties by seeded random keys.

    Parameters
    ----------
    weights : ndarray of shape (n_support,)
        A design.
    n : int
        Batch size.
    gain : ndarray of shape (n_support,), default=None
        First-order gains, the second key.
    random_state : int, RandomState instance or None, default=None
        Seeds the last key.

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
