"""Pairwise Frank-Wolfe over the capped simplex for batch designs of a logistic model.

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
(:meth:`skpref.LaplacePosterior.whiten`). Both design objectives are
functions of the squared widths ``g_k = y_k^T A^{-1} y_k`` of a fixed set of
*tracked* rows ``y_k``:

* :class:`LinearObjective` ``f = tr(A^{-1} M) = sum_k g_k`` for the rows of a
  factor ``M = Y^T Y`` (an L-optimal design: a weighted mean of squared
  widths);
* :class:`MinimaxObjective` ``f ~ max_i g_i / d_i^2`` over the rows
  maximised over, the maximum smoothed by log-sum-exp (G-optimal for
  ``d = 1``);

so ``f = F(g)`` and the gradient is
``-df/dlambda_j = scale c_j sum_k omega_k (z_j^T A^{-1} y_k)^2`` with
``omega_k = dF/dg_k``.

**The cross products a step needs, updated instead of recomputed.** The
solver holds, at the current design, ``C = Z_S A^{-1} Y^T`` (support x
tracked rows), ``G = Z_S A^{-1} Z_S^T`` (support x support) and ``g``. A
pairwise step (see :func:`frank_wolfe_design`) changes the weights of a few
rows ``R`` by ``delta`` (of either sign), ``A' = A + Z_R^T diag(delta) Z_R``,
and Woodbury's identity gives, with ``s = sqrt(|delta|)``, ``sigma =
sign(delta)`` and the ``r x r`` system ``K = diag(sigma) + s G_RR s``,

.. math::

    A'^{-1} = A^{-1} - A^{-1} Z_R^T \\, s K^{-1} s \\, Z_R A^{-1}, \\qquad
    C' = C - G_{SR} s K^{-1} s C_R, \\quad G' = G - G_{SR} s K^{-1} s G_{RS},

``O(n_support r (n_support + n_tracked))`` per step, and a trial step of
the line search, which only needs ``g``, ``O(r^2 n_tracked)``: no ``p x p``
factorisation, no pass over the rows in ``p`` dimensions.

Woodbury computes ``A^{-1}`` in the directions the design informs as a
difference, which loses digits when ``A`` has large eigenvalues: an update's
error is about ``eps (1 + lambda_max(A))`` (a downdate that removes a row's
weight divides by ``1 - d_j z_j^T A^{-1} z_j >= 1 / (1 + d_j ||z_j||^2)``).
While the design's information ``sum_j d_j ||z_j||^2`` (a bound on
``lambda_max(A) - 1``) is at most :data:`WOODBURY_LIMIT`, that error is below
``1e-10``; beyond it, every design the solver visits is evaluated from
scratch by factoring ``A = L_A L_A^T`` directly, which is backward stable
whatever its spread.
"""

import numpy as np
from scipy.linalg import cholesky, eigh, lu_factor, lu_solve, solve_triangular

from .._blas import matmul, matvec
from .._random import tie_break_keys

_OVERFLOW = (
    "The design objective overflows float64: it sums squared widths x^T H^-1 x, "
    "beyond float64's range for rows of this magnitude (up to {:.3g}); rescale the rows."
)


#: The cross products are updated by Woodbury's identity while the design's
#: information ``sum_j d_j ||z_j||^2``, a bound on ``lambda_max(A) - 1``, is at
#: most this: an update's error, about ``eps * lambda_max(A)``, is then below
#: ``1e-10``; beyond, each design is evaluated by factoring ``A``.
WOODBURY_LIMIT = 1e6

#: A minimax objective's gains are computed from the rows near its maximum,
#: each at most ``GAIN_ACCURACY * tol * f`` below the exact gain (see
#: :class:`MinimaxObjective`): the duality gap then moves by at most
#: ``GAIN_ACCURACY`` of its tolerance.
GAIN_ACCURACY = 1e-3


class _CrossProducts:
    """``C = Z_S A^{-1} Y^T``, ``G = Z_S A^{-1} Z_S^T`` and ``g = diag(Y A^{-1} Y^T)``.

    At the current design ``d`` (``d_j = scale lambda_j c_j``), updated by
    Woodbury's identity after each step (see the module's docstring), or
    recomputed from a direct factorisation of ``A`` when the design's
    information exceeds :data:`WOODBURY_LIMIT`. The products at ``A = I``
    are kept, to evaluate batches (vertices) from scratch.

    Parameters
    ----------
    support : ndarray of shape (n_support, p)
    tracked : ndarray of shape (n_tracked, p)
    """

    def __init__(self, support, tracked):
        self.support, self.tracked = support, tracked
        self.support_norms = np.einsum("ij,ij->i", support, support)  # ||z_j||^2
        self.d = np.zeros(support.shape[0])
        self.C = self.base_C = matmul(support, tracked.T)
        self.G = self.base_G = matmul(support, support.T)
        self.g = self.base_g = np.einsum("ij,ij->i", tracked, tracked)

    def information(self, d):
        """``sum_j d_j ||z_j||^2``: a bound on ``lambda_max(A) - 1``."""
        return float(d @ self.support_norms)

    def _incremental(self, d):
        return (
            self.information(self.d) <= WOODBURY_LIMIT and self.information(d) <= WOODBURY_LIMIT
        )

    @staticmethod
    def _middle(G_RR, delta):
        """``(s, K^{-1})`` with ``s = sqrt(|delta|)`` and ``K = diag(sign delta) + s G_RR s``.

        ``K`` is ``r x r`` and non-singular: congruent to ``Delta^{-1} + G_RR``,
        whose inverse Woodbury's identity needs, and for a design that stays
        ``>= I`` never close to singular below :data:`WOODBURY_LIMIT`.
        """
        s = np.sqrt(np.abs(delta))
        if s.size == 0:  # no row moves (every rate 0): scipy < 1.11's getrf refuses 0 x 0
            return s, np.empty((0, 0))
        K = np.outer(s, s) * G_RR
        K[np.diag_indices_from(K)] += np.sign(delta)
        return s, lu_solve(lu_factor(K, check_finite=False), np.eye(s.size), check_finite=False)

    def trial(self, rows, delta):
        """``g`` at the design ``d + delta`` on ``rows`` (the state is unchanged)."""
        d = self.d.copy()
        d[rows] += delta
        if not self._incremental(d):
            return self._direct(d, tracked_only=True)[2]
        s, middle = self._middle(self.G[np.ix_(rows, rows)], delta)
        X = s[:, None] * self.C[rows]
        return self.g - np.einsum("ij,ij->j", X, matmul(middle, X))

    def move(self, rows, delta):
        """Change the design by ``delta`` on ``rows`` and update every cross product."""
        d = self.d.copy()
        d[rows] += delta
        if not self._incremental(d):
            self.C, self.G, self.g = self._direct(d)
        else:
            s, middle = self._middle(self.G[np.ix_(rows, rows)], delta)
            X_C = s[:, None] * self.C[rows]
            X_G = s[:, None] * self.G[rows]  # = (G_SR S)^T: G is symmetric
            W = matmul(X_G.T, middle)  # G_SR S K^{-1}
            self.g = self.g - np.einsum("ij,ij->j", X_C, matmul(middle, X_C))
            if self.C is self.base_C:  # the products at A = I are kept
                self.C, self.G = self.C.copy(), self.G.copy()
            self.C -= matmul(W, X_C)
            self.G -= matmul(W, X_G)
        self.d = d

    def _direct(self, d, tracked_only=False):
        """``(C, G, g)`` at design ``d`` from ``A = L_A L_A^T`` (``g`` only if ``tracked_only``)."""
        active = np.flatnonzero(d > 0)
        Z = self.support[active]
        A = matmul(Z.T * d[active], Z)
        A[np.diag_indices_from(A)] += 1.0
        factor = cholesky(A, lower=True, check_finite=False)  # A >= I
        W_Y = solve_triangular(factor, self.tracked.T, lower=True, check_finite=False)
        g = np.einsum("ij,ij->j", W_Y, W_Y)
        if tracked_only:
            return None, None, g
        W_S = solve_triangular(factor, self.support.T, lower=True, check_finite=False)
        return matmul(W_S.T, W_Y), matmul(W_S.T, W_S), g

    def batch_widths(self, rows, d_rows):
        """``g`` at the design that puts ``d_rows`` on ``rows`` only (from ``A = I``)."""
        d = np.zeros_like(self.d)
        d[rows] = d_rows
        if self.information(d) > WOODBURY_LIMIT:
            return self._direct(d, tracked_only=True)[2]
        s, middle = self._middle(self.base_G[np.ix_(rows, rows)], d_rows)
        X = s[:, None] * self.base_C[rows]
        return self.base_g - np.einsum("ij,ij->j", X, matmul(middle, X))


class LinearObjective:
    """``f(A) = tr(A^{-1} M)`` for a fixed positive semi-definite ``M`` (whitened).

    With ``M = sum_i a_i z_i z_i^T`` this is ``sum_i a_i ||z_i||^2_{A^{-1}}``:
    a weighted mean of the squared widths left after the design. The solver
    tracks the rows of a factor ``M = Y^T Y`` (``y_k = sqrt(mu_k) v_k`` from
    the eigenpairs of ``M``), so ``f = sum_k y_k^T A^{-1} y_k``; eigenvalues
    below ``p eps mu_max`` (round-off of a semi-definite ``M``) are left out,
    which changes ``f`` by at most ``p^2 eps mu_max`` (``A^{-1} <= I``).

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

    def tracked_rows(self):
        """Rows ``y_k`` of a factor ``M = Y^T Y``, shape (rank, p)."""
        M = 0.5 * (self.M + self.M.T)
        values, vectors = eigh(M, check_finite=False)
        keep = values > M.shape[0] * np.finfo(float).eps * max(values.max(initial=0.0), 0.0)
        return np.ascontiguousarray((vectors[:, keep] * np.sqrt(values[keep])).T)

    def value(self, g):
        """``f = sum_k g_k``."""
        return float(g.sum())

    exact_value = value

    def weights(self, g, tail=0.0):
        """``(kept, omega)``: every tracked row, each with ``dF/dg_k = 1``."""
        return np.arange(g.size), np.ones(g.size)


class MinimaxObjective:
    """``max_i z_i^T A^{-1} z_i / d_i^2`` (whitened rows), smoothed for Frank-Wolfe.

    The maximum is replaced by ``(1/t) log sum_i exp(t g_i)`` with
    ``t = sharpness / max_i g_i`` at the first evaluation: at most
    ``log(n_rows) / t`` above the maximum, i.e. within
    ``log(n_rows) / sharpness`` of it relatively. Its gradient weighs row
    ``i`` by ``pi_i = exp(t g_i) / sum_k exp(t g_k)``, negligible for every
    row not near the maximum (``pi_i <= exp(-t (g_max - g_i))``).

    **Truncated gradient.** The gain of support row ``j`` is a sum over the
    rows, ``scale c_j sum_i pi_i (z_j^T A^{-1} z_i)^2 / d_i^2``, and by
    Cauchy-Schwarz, ``(z_j^T A^{-1} z_i)^2 <= ||z_j||^2_{A^{-1}} d_i^2 g_i``,
    so row ``i``'s term is at most ``scale c_j ||z_j||^2 pi_i g_i``
    (``A >= I``). :meth:`weights` keeps the rows of largest ``pi_i g_i`` and
    leaves out a set ``D`` with ``sum_{i in D} pi_i g_i <= tail``: each gain
    summed over the kept rows is a lower bound of the exact one, short by at
    most ``scale c_j ||z_j||^2 tail``. The rows near the maximum, where the
    weight lies, are often few, so a gain costs ``O(n_support |kept|)``
    instead of ``O(n_support n_rows)``.

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
        """``(value, pi)``: the smoothed maximum of ``g`` and its softmax weights."""
        top = g.max()
        if self.temperature is None:  # fixed at the first call: f stays one function
            # Rows of ~1e-160 make every g underflow to (nearly) 0, a constant no
            # design changes: any finite temperature smooths it alike.
            with np.errstate(divide="ignore", over="ignore"):
                temperature = self.sharpness / top
            self.temperature = temperature if np.isfinite(temperature) else 1.0
        exponent = np.exp(self.temperature * (g - top))
        total = exponent.sum()
        return float(top + np.log(total) / self.temperature), exponent / total

    def _normalised_at_identity(self):
        g = self._norms * self.inverse_square
        if not np.isfinite(g).all():
            raise ValueError(_OVERFLOW.format(np.abs(self.X_eval).max(initial=0.0)))
        return g

    def initial_weight_matrix(self):
        """``W = sum_i pi_i z_i z_i^T / d_i^2`` at ``A = I`` (no design yet)."""
        _, pi = self._smoothed(self._normalised_at_identity())
        return matmul(self.X_eval.T * (pi * self.inverse_square), self.X_eval)

    def tracked_rows(self):
        """The rows maximised over."""
        return self.X_eval

    def value(self, g):
        """The smoothed maximum of ``g_i / d_i^2``."""
        return self._smoothed(g * self.inverse_square)[0]

    def exact_value(self, g):
        """The unsmoothed maximum ``max_i g_i / d_i^2``."""
        return float((g * self.inverse_square).max())

    def _kept(self, normalised, pi, tail):
        """``(kept, omega)`` for ``tail``: ``omega_i = pi_i / d_i^2`` on the kept rows.

        Leaves out the longest run ``D`` of the smallest ``pi_i g_i`` with
        ``sum_D pi_i g_i <= tail``; the kept rows are in increasing order.
        """
        contribution = pi * normalised
        if tail > 0:
            order = np.argsort(contribution, kind="stable")
            dropped = int(np.searchsorted(np.cumsum(contribution[order]), tail, side="right"))
            kept = np.sort(order[dropped:])
        else:
            kept = np.flatnonzero(contribution > 0)
        return kept, pi[kept] * self.inverse_square[kept]

    def weights(self, g, tail=0.0):
        """``(kept, omega)``: the rows the gains sum over and ``dF/dg_i = pi_i / d_i^2``."""
        normalised = g * self.inverse_square
        return self._kept(normalised, self._smoothed(normalised)[1], tail)


class DesignResult:
    """Outcome of :func:`frank_wolfe_design`.

    Attributes
    ----------
    weights : ndarray of shape (n_support,)
        The design ``lambda`` (non-negative, sums to 1).
    value : float
        The objective at ``weights`` (unsmoothed for a minimax objective).
    gain : ndarray of shape (n_support,)
        ``-df/dlambda_j`` at ``weights`` (first-order value of each row; for
        a minimax objective at most ``GAIN_ACCURACY * tol * f`` below it).
    duality_gap : float
        ``<gain, v> - <gain, lambda>`` for the best vertex ``v``, an upper
        bound on ``f - f*`` for the (smoothed) objective.
    n_iter : int
    converged : bool
        Whether the duality gap reached ``tol * f``; False when the solver
        stopped on ``max_iter`` or on a stalled relative improvement.
    vertices : list of ndarray of int
        The distinct Frank-Wolfe vertices (batches of ``n`` rows, sorted) the
        solver visited, in order.
    """

    def __init__(
        self, weights, value, gain, duality_gap, n_iter, converged, vertices=(), batch_value=None
    ):
        self.weights = weights
        self.value = value
        self.gain = gain
        self.duality_gap = duality_gap
        self.n_iter = n_iter
        self.converged = converged
        self.vertices = list(vertices)
        self._batch_value = batch_value

    def batch_value(self, rows):
        """The (unsmoothed) objective after labelling each of ``rows`` once.

        That is the design ``1/n`` on each of the ``n`` rows, a vertex of the
        capped simplex, evaluated from scratch.
        """
        return self._batch_value(np.asarray(rows, dtype=np.intp))


#: Weights within this fraction of the cap of a bound (0 or the cap) are put
#: on it: only round-off leaves a weight there, and a row a hair off its bound
#: would otherwise limit the next pairwise step to a step of that size.
_SNAP = 1e-14


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
    """Minimise a design objective over the capped simplex by pairwise Frank-Wolfe.

    The feasible set is the capped simplex ``{0 <= lambda_j <= 1/n, sum_j
    lambda_j = 1}`` (``n = 1``: the simplex), whose vertices are the batches
    of ``n`` rows with ``1/n`` each. With ``gain_j = -df/dlambda_j``:

    * the Frank-Wolfe vertex ``v`` is the batch of the ``n`` largest gains;
    * the away vertex ``u`` is the batch of least gain on the smallest face of
      the polytope that holds ``lambda``: every row at the cap, and the rows
      of least gain among those strictly between 0 and the cap;
    * the rows of ``v`` not in ``u``, best first, are paired with the rows of
      ``u`` not in ``v``, worst first, and the step moves mass ``min(gamma/n,
      room_p)`` from the second row of each pair ``p`` to the first, where
      ``room_p`` is what keeps both weights in ``[0, 1/n]``.

    For ``gamma`` up to the smallest room this is the decomposition-invariant
    pairwise direction ``v - u`` of Garber and Meshi (2016, "Linear-memory and
    decomposition-invariant linearly convergent conditional gradient
    algorithm for structured polytopes"); beyond it, a pair that reached its
    bound stops there (its row's weight exactly 0, or the cap) and the others
    go on. Their step would end at the first bound, which is often tiny: the
    away rows are the design's least useful, and so often its lightest.

    Why pairwise, not classical Frank-Wolfe stepping from ``lambda`` towards
    ``v``: a classical step changes every weight of the design, so
    ``A(lambda)`` has to be refactored (``O(p^3)``, and ``O(p^2)`` for each
    row whose width is needed) at every trial of every iteration, and the
    design keeps every row it ever visited with a vanishing weight. A pairwise
    step changes only the ``r <= 2n`` rows of its pairs, so the cross
    products the objective needs are updated in ``O(n_support r (n_support +
    n_tracked))`` (see the module's docstring), a trial of the line search
    costs ``O(r^2 n_tracked)``, and rows the design stops using leave it.

    The step minimises a quadratic model of ``f`` along the path (slope
    ``<gain, v - u>`` at 0, one trial value at the longest step) and is
    halved until ``f`` decreases. It stops when the duality gap ``<gain, v -
    lambda>`` (an upper bound on ``f - f*``) is at most ``tol * f``, or when
    an iteration that took no row to a bound improves ``f`` by less than
    ``tol * 1e-3`` relatively.

    A minimax objective's gains are computed from the rows near its maximum
    only (:class:`MinimaxObjective`), each at most
    ``GAIN_ACCURACY * tol * f`` below the exact gain: the duality gap, and so
    the stopping test, moves by at most that.

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
        Starting design on the capped simplex; uniform by default.
    max_weight : float or None, default=None
        Cap every ``lambda_j`` at ``1 / n`` with ``n = round(1 / max_weight)``
        (None: ``n = 1``, the simplex). A batch labels ``n`` distinct rows,
        each once, so its design lives on the capped simplex
        ``0 <= lambda_j <= 1 / n``, whose vertices are exactly the batches
        (``1 / n`` on each of ``n`` rows).

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
    batch = 1 if max_weight is None else max(1, int(round(1.0 / max_weight)))
    batch = min(batch, n_support)
    cap = 1.0 / batch
    rate = scale * logistic_variances  # d_j = rate_j lambda_j

    def overflow():
        return ValueError(_OVERFLOW.format(np.abs(support).max(initial=0.0)))

    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        tracked = np.ascontiguousarray(objective.tracked_rows(), dtype=np.float64)
        cross = _CrossProducts(support, tracked)
        # Dropped terms of a minimax gain are bounded by scale c_j ||z_j||^2 tail.
        reach = float(np.max(rate * cross.support_norms, initial=0.0))
        start = np.flatnonzero(weights * rate > 0)
        if start.size and np.isfinite(reach):
            cross.move(start, rate[start] * weights[start])
        value = objective.value(cross.g)
    if not np.isfinite(value) or not np.isfinite(reach):
        raise overflow()

    def gains():
        tail = GAIN_ACCURACY * tol * abs(value) / reach if reach > 0 else 0.0
        kept, omega = objective.weights(cross.g, tail)
        if not kept.size:  # every term underflowed to zero
            return np.zeros(n_support)
        with np.errstate(over="ignore", invalid="ignore"):
            gain = rate * matvec(np.square(cross.C[:, kept]), omega)
        if not np.isfinite(gain).all():
            raise overflow()
        return gain

    converged = False
    iteration = 0
    vertices = {}
    for iteration in range(1, max_iter + 1):
        gain = gains()
        vertex = np.zeros(n_support)
        best_rows = _largest(gain, batch)
        vertex[best_rows] = cap
        key = np.sort(best_rows).tobytes()
        if key not in vertices:
            vertices[key] = np.sort(best_rows)
        gap = float(gain @ vertex - gain @ weights)
        if gap <= tol * abs(value):
            converged = True
            break
        # Pairs: the best rows of v (not at the cap) against the worst of u.
        away = _away_vertex(weights, gain, batch, cap)
        rising = np.flatnonzero((vertex > 0) & (away == 0))
        falling = np.flatnonzero((away > 0) & (vertex == 0))
        rising = rising[np.argsort(-gain[rising], kind="stable")]
        falling = falling[np.argsort(gain[falling], kind="stable")]
        pairs = min(rising.size, falling.size)
        rising, falling = rising[:pairs], falling[:pairs]
        room = np.minimum(cap - weights[rising], weights[falling])
        slope = float(cap * (gain[rising] - gain[falling]).sum())
        max_step = float(room.max(initial=0.0)) / cap
        if not (max_step > 0 and slope > 0):  # round-off floor
            break

        def design_at(step):
            amount = np.minimum(step * cap, room)
            design = weights.copy()
            design[rising] += amount
            design[falling] -= amount
            full = amount == room  # pairs that reach a bound, exactly on it
            design[rising[full & (room == cap - weights[rising])]] = cap
            design[falling[full & (room == weights[falling])]] = 0.0
            design = np.clip(design, 0.0, cap)
            design[design < cap * _SNAP] = 0.0
            design[design > cap * (1.0 - _SNAP)] = cap
            return design

        def change(design):
            delta = rate * (design - weights)
            rows = np.flatnonzero(delta)
            return rows, delta[rows]

        def trial(step):
            with np.errstate(over="ignore", invalid="ignore"):
                return objective.value(cross.trial(*change(design_at(step))))

        # The minimiser of a quadratic model of f along the move (slope
        # -slope at 0, one trial value at the full step), halved until f
        # decreases.
        step = max_step
        trial_value = trial(step)
        curvature_along = (trial_value - value + slope * step) / step**2
        if (
            np.isfinite(curvature_along)
            and curvature_along > 0
            and slope / (2.0 * curvature_along) < step
        ):
            step = slope / (2.0 * curvature_along)
            trial_value = trial(step)
        for _ in range(30):
            if trial_value < value:
                break
            step *= 0.5
            trial_value = trial(step)
        else:  # no decrease along a direction of positive slope: round-off floor
            break
        design = design_at(step)
        with np.errstate(over="ignore", invalid="ignore"):
            cross.move(*change(design))
            new_value = objective.value(cross.g)
        improvement = (value - new_value) / abs(value)
        reached_bound = bool(np.any(np.minimum(step * cap, room) == room))
        weights, value = design, new_value
        # stalled: stop, converged only if the gap says so; a step that took a
        # row to a bound changed the design's support and is no stall
        if improvement < tol * 1e-3 and not reached_bound:
            break
    gain = gains()
    gap = float(np.sort(gain)[-batch:].sum() * cap - gain @ weights)
    converged = converged or gap <= tol * abs(value)

    def batch_value(rows):
        rows = rows[rate[rows] > 0]
        with np.errstate(over="ignore", invalid="ignore"):
            return objective.exact_value(cross.batch_widths(rows, rate[rows] * cap))

    return DesignResult(
        weights, objective.exact_value(cross.g), gain, gap, iteration, converged,
        vertices=vertices.values(), batch_value=batch_value,
    )


def _largest(values, k):
    """Indices of the ``k`` largest ``values`` (in no particular order)."""
    if k >= values.size:
        return np.arange(values.size)
    return np.argpartition(-values, k - 1)[:k]


def _away_vertex(weights, gain, batch, cap):
    """The batch of least gain on the smallest face of the capped simplex holding ``weights``.

    That face fixes the rows at 0 and at the cap; its vertices put the cap on
    every capped row and on ``batch - n_capped`` of the rows in between.
    """
    at_cap = weights >= cap
    free = np.flatnonzero((weights > 0) & ~at_cap)
    away = np.where(at_cap, cap, 0.0)
    needed = min(batch - int(at_cap.sum()), free.size)
    if needed > 0:
        away[free[_largest(-gain[free], needed)]] = cap
    return away


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
