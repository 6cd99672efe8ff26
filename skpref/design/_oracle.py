"""The oracle allocation ``rho*`` of sign identification .

K arms ``x_i`` may be queried repeatedly; a query of arm i returns a
Bernoulli(``sigma(x_i^T theta)``) label. A design ``lambda`` over the arms
buys the Fisher information ``H_lambda(theta) = sum_j lambda_j mu'(x_j^T
theta) x_j x_j^T`` per label, and the sign of ``x_i^T theta`` is resolved
once its width is a fraction of its distance to zero. The instance's
difficulty is

.. math::

    \\rho^* = \\min_{\\lambda \\in \\Delta_K} \\max_i
        \\frac{\\|x_i\\|^2_{H_\\lambda(\\theta)^{-1}}}{(x_i^T \\theta)^2},

and any delta-correct algorithm needs about ``rho* log(1/delta)`` labels.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.linalg import cholesky, solve_triangular, svd
from scipy.optimize import linprog, minimize
from sklearn.utils._param_validation import Interval, validate_params
from threadpoolctl import threadpool_limits

from .._blas import dot, gram, matmul, matvec
from .._logistic import logistic_variance

#: Relative tolerance below which singular values of the arm matrix count as zero.
_RANK_RTOL = 1e-10


def single_threaded_blas():
    """A context in which BLAS runs on one thread.

    The designs here work on ``r x K`` matrices with ``r`` up to a few dozen,
    where BLAS threads only add hand-off latency; on a busy two-core machine
    a 2 x 20 triangular solve took 7 ms with OpenBLAS threads and 20 us
    without, which made :func:`oracle_allocation` 100x slower.
    """
    return threadpool_limits(limits=1, user_api="blas")


def span_coordinates(X):
    """Coordinates of the arms in an orthonormal basis of their span.

    ``X = Z U^T`` with ``U`` (d x r) orthonormal and ``r = rank(X)``. Every
    quantity of sign identification, ``x_i^T theta = z_i^T (U^T theta)`` and
    ``x_i^T H^{-1} x_j`` for ``H = sum_j c_j x_j x_j^T``, lives in the span:
    the component of ``theta`` orthogonal to it is never observed, and there
    ``H`` is invertible for every design whose support spans it. Working in
    ``r`` coordinates is therefore exact; it is also what the pseudo-inverse
    would compute, without its rank decisions inside every solve.

    Returns
    -------
    Z : ndarray of shape (K, r)
    basis : ndarray of shape (d, r)
        ``U``.
    """
    X = np.asarray(X, dtype=np.float64)
    _, singular, vt = svd(X, full_matrices=False, check_finite=True)
    rank = int(np.sum(singular > _RANK_RTOL * max(singular.max(initial=0.0), np.finfo(float).tiny)))
    if rank == 0:
        raise ValueError("Every arm is the zero vector: there is no sign to identify.")
    basis = vt[:rank].T
    return np.ascontiguousarray(matmul(X, basis)), basis


def normalized_widths(Z, curvature, weights, gaps):
    """``g_i = ||z_i||^2_{H^{-1}} / gaps_i^2`` with ``H = sum_j weights_j curvature_j z_j z_j^T``.

    Small dense helper (``r <= K`` coordinates); ``inf`` when ``H`` is singular.
    """
    root = np.sqrt(np.asarray(weights) * curvature)
    try:
        factor = cholesky(gram(Z * root[:, None]), lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return np.full(Z.shape[0], np.inf)
    whitened = solve_triangular(factor, Z.T, lower=True, check_finite=False)
    return np.einsum("ij,ij->j", whitened, whitened) / np.square(gaps)


def minimax_design(
    Z,
    curvature,
    targets,
    normalizer,
    initial=None,
    *,
    sharpness=10.0,
    power=0.25,
    mix=1e-3,
    tol=1e-2,
    max_iter=200,
):
    """A design ``lambda`` minimising ``max_{i in targets} ||z_i||^2_{H^{-1}} / normalizer_i^2``.

    ``H = sum_j lambda_j c_j z_j z_j^T`` over all rows. A damped
    multiplicative algorithm on the softened maximum:

    .. math::

        \\pi_i \\propto e^{s (g_i / \\max g - 1)}, \\quad
        G_j = c_j \\sum_i \\pi_i (z_j^T H^{-1} z_i)^2 / n_i^2, \\quad
        \\lambda_j \\leftarrow \\lambda_j (G_j / \\textstyle\\sum_i \\pi_i g_i)^{p},

    mixed with ``mix`` of the uniform design so that no row is lost for
    good; ``sum_j lambda_j G_j = sum_i pi_i g_i``, so the update is a fixed
    point exactly where the equivalence theorem holds. Every iterate also
    certifies ``rho >= 2 sum_i pi_i g_i - max_j G_j`` (see
    :func:`minimax_certificate`); the best design seen is returned once its
    value is within ``tol`` of the best bound, or after ``max_iter``.

    Why not :func:`~skpref.design._frank_wolfe.frank_wolfe_design` with a
    :class:`~skpref.design._frank_wolfe.MinimaxObjective`: near the optimum
    several ``g_i`` tie for the maximum and a pairwise step between two rows
    raises one of them, so it stalls (on the study's rare-tie instances, at
    1.6 and 49 times ``rho*`` from the uniform start; this solver gets within
    2% there in 200 iterations).

    Returns
    -------
    weights : ndarray of shape (K,)
    value : float
        ``max_{i in targets} g_i(weights)`` (exact, unsmoothed).
    lower_bound : float
        A certified lower bound on the minimum.
    """
    n_rows = Z.shape[0]
    weights = (
        np.full(n_rows, 1.0 / n_rows) if initial is None else np.asarray(initial, dtype=np.float64)
    )
    weights = weights / weights.sum()
    inverse_square = 1.0 / np.square(np.asarray(normalizer, dtype=np.float64))
    best_value, best_weights, lower = np.inf, weights, -np.inf
    for _ in range(max_iter):
        root = np.sqrt(weights * curvature)
        factor = cholesky(gram(Z * root[:, None]), lower=True, check_finite=False)
        whitened = solve_triangular(factor, Z.T, lower=True, check_finite=False)
        target_rows = whitened[:, targets]
        g = np.einsum("ij,ij->j", target_rows, target_rows) * inverse_square
        top = g.max()
        if top < best_value:
            best_value, best_weights = float(top), weights
        softened = np.exp(sharpness * (g / top - 1.0))
        softened /= softened.sum()
        gains = curvature * matvec(
            np.square(matmul(whitened.T, target_rows)), softened * inverse_square
        )
        average = float(dot(softened, g))
        lower = max(lower, 2.0 * average - float(gains.max()))
        if best_value - lower <= tol * best_value:
            break
        weights = weights * (gains / average) ** power
        weights = (1.0 - mix) * weights / weights.sum() + mix / n_rows
    return best_weights, best_value, lower


class OracleResult:
    """Outcome of :func:`oracle_design`: the design and its certificate.

    Attributes
    ----------
    weights : ndarray of shape (K,)
        The design ``lambda``.
    rho : float
        ``max_i g_i(lambda)``: the design's value, an upper bound on ``rho*``.
    lower_bound : float
        A certified lower bound on ``rho*`` (see :func:`oracle_design`).
    dual : ndarray of shape (K,)
        The arm weights ``pi`` that certify ``lower_bound``.
    method : str
        ``"multiplicative"`` or ``"multiplicative+slsqp"``: whether the polish ran.
    converged : bool
        ``rho - lower_bound <= tol * rho``.
    """

    def __init__(self, weights, rho, lower_bound, dual, method, converged):
        self.weights = weights
        self.rho = rho
        self.lower_bound = lower_bound
        self.dual = dual
        self.method = method
        self.converged = converged


def _widths_and_cross(Z, curvature, weights, gaps):
    """``g`` and the cross products ``z_i^T H^{-1} z_j`` (K x K) at a design."""
    root = np.sqrt(weights * curvature)
    factor = cholesky(gram(Z * root[:, None]), lower=True, check_finite=False)
    whitened = solve_triangular(factor, Z.T, lower=True, check_finite=False)
    cross = gram(whitened)
    return np.diag(cross) / np.square(gaps), cross


def minimax_certificate(Z, curvature, weights, gaps):
    """The best lower bound on ``rho*`` that the design ``weights`` certifies.

    For arm weights ``pi`` on the simplex, ``phi(lambda) = sum_i pi_i
    g_i(lambda)`` is convex with ``-d phi / d lambda_j = G_j(pi) = c_j sum_i
    pi_i (z_j^T H^{-1} z_i)^2 / gap_i^2`` and ``sum_j lambda_j G_j = phi``, so
    ``rho* >= min phi >= phi(lambda) - (max_j G_j - phi(lambda))``. ``G`` is
    linear in ``pi``: the best ``pi`` solves the linear program

    .. math::

        \\max_{\\pi \\in \\Delta_K,\\, u} \\; 2 \\sum_i \\pi_i g_i(\\lambda) - u
        \\quad \\text{s.t.} \\quad G_j(\\pi) \\le u \\;\\; \\forall j .

    At an optimal design the bound equals ``max_i g_i``, with ``pi`` on the
    arms that attain the maximum (the equivalence theorem).

    Returns
    -------
    rho : float
        ``max_i g_i(weights)``.
    lower_bound : float
    dual : ndarray of shape (K,)
    """
    g, cross = _widths_and_cross(Z, curvature, weights, gaps)
    n_arms = g.size
    gains = curvature[:, None] * np.square(cross) / np.square(gaps)[None, :]
    scale = g.max()  # solve in units of rho: HiGHS tolerances are absolute
    result = linprog(
        np.r_[-2.0 * g / scale, 1.0],
        A_ub=np.c_[gains / scale, -np.ones(n_arms)],
        b_ub=np.zeros(n_arms),
        A_eq=np.r_[np.ones(n_arms), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0.0, None)] * n_arms + [(None, None)],
        method="highs",
    )
    dual = np.maximum(result.x[:n_arms], 0.0)
    dual /= dual.sum()
    # Recompute the bound from pi itself (not from the solver's objective).
    lower = 2.0 * float(dot(dual, g)) - float(matvec(gains, dual).max())
    return float(g.max()), lower, dual


def _polish(Z, curvature, gaps, weights, max_iter):
    """SLSQP on the epigraph ``min s  s.t.  g_i(lambda) <= s``, from ``weights``.

    Smooth constraints with exact Jacobians ``d g_i / d lambda_j = -c_j
    (z_j^T H^{-1} z_i)^2 / gap_i^2``; ``s`` is measured in units of the
    starting value. A design whose information is singular (a trial point
    that empties a direction) violates every constraint.
    """
    n_arms = weights.size
    unit = normalized_widths(Z, curvature, weights, gaps).max()

    def constraints(v):
        try:
            g, _ = _widths_and_cross(Z, curvature, np.maximum(v[:n_arms], 0.0), gaps)
        except np.linalg.LinAlgError:
            return np.full(n_arms, -1e6)
        return v[n_arms] - g / unit

    def jacobian(v):
        jac = np.empty((n_arms, n_arms + 1))
        jac[:, n_arms] = 1.0
        try:
            _, cross = _widths_and_cross(Z, curvature, np.maximum(v[:n_arms], 0.0), gaps)
        except np.linalg.LinAlgError:
            jac[:, :n_arms] = 0.0
            return jac
        jac[:, :n_arms] = curvature[None, :] * np.square(cross) / np.square(gaps)[:, None] / unit
        return jac

    objective_gradient = np.r_[np.zeros(n_arms), 1.0]
    result = minimize(
        lambda v: (v[n_arms], objective_gradient),
        np.r_[weights, 1.0],
        jac=True,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * n_arms + [(0.0, None)],
        constraints=[
            {"type": "ineq", "fun": constraints, "jac": jacobian},
            {
                "type": "eq",
                "fun": lambda v: v[:n_arms].sum() - 1.0,
                "jac": lambda v: np.r_[np.ones(n_arms), 0.0][None, :],
            },
        ],
        options={"ftol": 1e-12, "maxiter": max_iter},
    )
    polished = np.maximum(result.x[:n_arms], 0.0)
    return polished / polished.sum()


def _check_instance(X, theta):
    X = np.asarray(X, dtype=np.float64)
    theta = np.asarray(theta, dtype=np.float64).ravel()
    if X.ndim != 2 or theta.shape != (X.shape[1],):
        raise ValueError(
            f"X must be 2-D with one column per coordinate of theta; got X of shape "
            f"{X.shape} and theta of shape {theta.shape}."
        )
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(theta))):
        raise ValueError("X and theta must be finite.")
    margins = matvec(np.ascontiguousarray(X), theta)
    ties = np.flatnonzero(np.abs(margins) <= 1e-12 * max(1.0, np.abs(margins).max()))
    if ties.size:
        raise ValueError(
            f"rho* is infinite: arm(s) {ties[:10].tolist()} have x_i^T theta = 0 (a tie), "
            "whose sign no finite number of labels identifies."
        )
    return X, margins


def oracle_design(X, theta, *, tol=1e-3, sharpness=10.0, max_iter=300):
    """:func:`oracle_allocation` with its optimality certificate.

    1. :func:`minimax_design` (damped multiplicative updates on the
       softened maximum): a design within about a percent of ``rho*``.
    2. :func:`minimax_certificate` bounds ``rho*`` from below; if the bound
       is within ``tol`` of the design's value, stop.
    3. Otherwise polish by SLSQP on the smooth epigraph form ``min s s.t.
       g_i(lambda) <= s`` started from that design (superlinear
       near the optimum; ``O(K^2 r)`` per iteration, so meant for K up to a
       few hundred arms), keep the better design and certify it again.

    Returns
    -------
    OracleResult
    """
    X, margins = _check_instance(X, theta)
    Z, _ = span_coordinates(X)
    curvature = logistic_variance(margins)
    gaps = np.abs(margins)
    weights, _, _ = minimax_design(
        Z, curvature, np.arange(Z.shape[0]), gaps, sharpness=sharpness, tol=tol, max_iter=max_iter
    )
    method = "multiplicative"
    rho, lower, dual = minimax_certificate(Z, curvature, weights, gaps)
    if rho - lower > tol * rho:
        polished = _polish(Z, curvature, gaps, weights, max_iter)
        if normalized_widths(Z, curvature, polished, gaps).max() < rho:
            weights, method = polished, "multiplicative+slsqp"
            rho, lower, dual = minimax_certificate(Z, curvature, weights, gaps)
    return OracleResult(weights, rho, lower, dual, method, rho - lower <= tol * rho)


@validate_params(
    {
        "X": ["array-like"],
        "theta": ["array-like"],
        "tol": [Interval(Real, 0, 1, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def oracle_allocation(X, theta, *, tol=1e-3, max_iter=300):
    """The oracle allocation of sign identification and its value ``rho*``.

    .. math::

        \\rho^* = \\min_{\\lambda \\in \\Delta_K} \\max_i
            \\frac{\\|x_i\\|^2_{H_\\lambda(\\theta)^{-1}}}{(x_i^T \\theta)^2},
        \\qquad H_\\lambda(\\theta) = \\sum_j \\lambda_j \\mu'(x_j^T \\theta) x_j x_j^T,

    with ``mu'(z) = sigma(z)(1 - sigma(z))``: the number of labels per unit of
    ``log(1/delta)`` that any delta-correct algorithm needs to identify the
    sign of every ``x_i^T theta``. Solved by damped
    multiplicative updates on a softened maximum, then, unless a duality bound
    already certifies the value to ``tol``, polished by SLSQP on the epigraph
    form ``min s s.t. g_i(lambda) <= s`` and certified again: the lower bound
    comes from a linear program over arm weights ``pi`` (the equivalence
    theorem: at the optimum ``max_j c_j sum_i pi_i (x_j^T H^{-1} x_i)^2 /
    (x_i^T theta)^2 = rho*`` with ``pi`` on the arms attaining the maximum).
    :func:`skpref.design._oracle.oracle_design` returns the certificate too.

    Arms that do not span ``R^d`` are handled exactly: the problem only
    involves ``theta`` through its projection on the arms' span, where it is
    solved (this is the pseudo-inverse of ``H`` on that span).

    Parameters
    ----------
    X : array-like of shape (K, d)
        The arms.
    theta : array-like of shape (d,)
        The parameter (``theta*`` for the oracle).
    tol : float, default=1e-3
        Certified relative accuracy of ``rho``.
    max_iter : int, default=300
        Iterations of the multiplicative start and of the SLSQP polish; if the certificate
        has not reached ``tol`` a ``UserWarning`` says how far it got.

    Returns
    -------
    weights : ndarray of shape (K,)
        The design ``lambda*`` (non-negative, sums to 1).
    rho : float
        ``max_i g_i(lambda*)``, within ``tol`` of ``rho*``.

    Raises
    ------
    ValueError
        If some arm has ``x_i^T theta = 0``: a tie has no sign, ``rho* = inf``.

    See Also
    --------
    PhasedElimination : An algorithm whose label count tracks ``rho* log(1/delta)``.

    Examples
    --------
    One dimension: all mass goes to the arm with the largest ``mu'(x theta) x^2``
    and ``rho* = 1 / (theta^2 max_j mu'(x_j theta) x_j^2)``.

    >>> import numpy as np
    >>> from skpref.design import oracle_allocation
    >>> weights, rho = oracle_allocation([[0.5], [2.0]], [1.0])
    >>> weights.round(3)
    array([0., 1.])
    >>> print(f"{rho:.3f}")
    2.381

    A near-tie needs many more labels than an easy arm:

    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> weights, rho = oracle_allocation(X, [2.0, 0.1])
    >>> bool(weights[1] > 0.9), bool(400 < rho < 405)
    (True, True)
    """
    with single_threaded_blas():
        result = oracle_design(X, theta, tol=tol, max_iter=max_iter)
    if not result.converged:
        warnings.warn(
            f"oracle_allocation: rho = {result.rho:.6g} is certified only to within "
            f"{result.rho - result.lower_bound:.3g} of rho* (tol asks for "
            f"{tol * result.rho:.3g}); increase max_iter.",
            UserWarning,
        )
    return result.weights, result.rho
