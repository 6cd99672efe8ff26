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
from scipy.linalg import LinAlgWarning, solve, svd
from sklearn.utils._param_validation import Interval, validate_params
from threadpoolctl import threadpool_limits

from .._blas import dot, gram, matmul, matvec, rmatvec
from .._logistic import logistic_variance
from ..posterior import LaplacePosterior, information_matrix

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


def whitened_arms(Z, curvature, weights):
    """The arms whitened by a design's information, ``H^{-1/2} z_i`` (K x r).

    ``H = sum_j weights_j c_j z_j z_j^T`` (:func:`skpref.posterior.information_matrix`,
    no prior) is the posterior precision of the design's labels at ``theta``:
    with it, ``||z_i||^2_{H^{-1}}`` is a squared row norm and ``z_i^T H^{-1}
    z_j`` a dot product of rows (the posterior package's whitening).

    Raises
    ------
    numpy.linalg.LinAlgError
        When ``H`` is singular (the design's support does not span the arms).
    """
    information = information_matrix(Z, np.asarray(weights) * curvature)
    posterior = LaplacePosterior.from_hessian(np.zeros(Z.shape[1]), information)
    return posterior.whiten(Z)


def normalized_widths(Z, curvature, weights, gaps):
    """``g_i = ||z_i||^2_{H^{-1}} / gaps_i^2`` at a design; ``inf`` when ``H`` is singular."""
    try:
        whitened = whitened_arms(Z, curvature, weights)
    except np.linalg.LinAlgError:
        return np.full(Z.shape[0], np.inf)
    return np.einsum("ij,ij->i", whitened, whitened) / np.square(gaps)


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
        whitened = whitened_arms(Z, curvature, weights).T
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
        ``"multiplicative"``, or ``"multiplicative+interior-point"`` when the
        interior-point solve ran and improved the design.
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
    whitened = whitened_arms(Z, curvature, weights)
    cross = matmul(whitened, whitened.T)
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
    from scipy.optimize import linprog  # loaded only where a certificate is asked for

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


def _barrier_terms(Z, curvature, gaps, weights, unit):
    """``G = g / unit``, its Jacobian and the cross matrix at a design (all arms).

    ``J_ij = dG_i / dlambda_j = -c_j X_ij^2 / (gap_i^2 unit)`` with ``X = Z H^-1 Z^T``.
    """
    g, cross = _widths_and_cross(Z, curvature, weights, gaps)
    scale = 1.0 / (np.square(gaps) * unit)
    return g / unit, -np.square(cross) * curvature[None, :] * scale[:, None], cross, scale


def _interior_point(Z, curvature, gaps, weights, tol, max_iter):
    """The minimax design by a barrier (interior-point) method on the epigraph.

    With ``G_i = g_i / u`` (``u`` the starting value, so the numbers are of
    order 1), the epigraph ``min s s.t. G_i(lambda) <= s, lambda in the
    simplex`` is convex (each ``g_i`` is convex in ``lambda``) and smooth
    inside its feasible set, and the barrier problems

    .. math::

        \\min_{\\lambda, s} \\; t s - \\sum_i \\log(s - G_i(\\lambda))
            - \\sum_j \\log \\lambda_j \\quad \\text{s.t.} \\; \\sum_j \\lambda_j = 1

    have minimisers within ``2K / t`` of the optimum (Boyd and Vandenberghe,
    11.2). Each is solved by Newton's method with exact derivatives,

    .. math::

        \\partial_j G_i = -c_j X_{ij}^2 / (\\mathrm{gap}_i^2 u), \\qquad
        \\partial_j \\partial_k G_i = 2 c_j c_k X_{ij} X_{ik} X_{jk} / (\\mathrm{gap}_i^2 u),

    ``X = Z H^{-1} Z^T`` (``O(K^3)`` per step), and a backtracking line search
    that keeps every iterate strictly feasible: no weight reaches 0, so
    ``H(lambda)`` stays invertible (a general-purpose SQP solver's trial
    points leave the simplex's interior, where it is singular and the
    ``g_i`` are not even defined). ``t`` grows tenfold per
    centring until the duality certificate of :func:`minimax_certificate`
    (computed at every centre, and kept at its best) is within ``tol * 1e-3``,
    or ``max_iter`` Newton steps. Not just ``tol``: a centre is not a vertex,
    and at a centre whose value is within ``tol`` the arms that tie for the
    maximum at the optimum are still spread by about ``tol``; two or three
    more cheap centrings make that active set sharp.

    Returns the best design found (by the exact value ``max_i g_i``), the
    best certified lower bound and the arm weights ``pi`` that certify it.
    """
    n_arms = weights.size
    sharp = max(tol * 1e-3, 1e-12)
    weights = np.asarray(weights, dtype=np.float64)
    weights = np.maximum(weights, 1e-9 / n_arms)
    weights = weights / weights.sum()
    unit = float(normalized_widths(Z, curvature, weights, gaps).max())
    rho, lower, dual = minimax_certificate(Z, curvature, weights, gaps)
    best_rho, best_weights, best_lower, best_dual = rho, weights, lower, dual
    G, _, _, _ = _barrier_terms(Z, curvature, gaps, weights, unit)
    s = 1.05 * G.max()
    t = 2.0 * n_arms / max((rho - lower) / unit, 1e-12)
    m = 2.0 * n_arms

    def barrier(lam, s_value):
        if np.any(lam <= 0):
            return np.inf
        try:
            G_trial = _barrier_terms(Z, curvature, gaps, lam, unit)[0]
        except np.linalg.LinAlgError:
            return np.inf
        slack = s_value - G_trial
        if np.any(slack <= 0) or not np.all(np.isfinite(slack)):
            return np.inf
        return t * s_value - np.log(slack).sum() - np.log(lam).sum()

    newton_steps = 0
    for _ in range(60):  # centrings; t grows tenfold each time
        for _ in range(100):  # Newton steps of one centring
            if newton_steps >= max_iter:
                break
            newton_steps += 1
            G, J, cross, scale = _barrier_terms(Z, curvature, gaps, weights, unit)
            d = 1.0 / (s - G)
            grad_lam = rmatvec(J, d) - 1.0 / weights
            grad_s = t - d.sum()
            curvature_terms = 2.0 * np.outer(curvature, curvature) * cross * matmul(
                cross, (d * scale)[:, None] * cross
            )
            H_lam = (
                gram(J * d[:, None]) + curvature_terms + np.diag(1.0 / np.square(weights))
            )
            h_ls = -rmatvec(J, np.square(d))
            h_ss = float(np.square(d).sum())
            # The KKT system of the equality-constrained Newton step, scaled by
            # D = diag(lambda) in the weights' block (lambda_j = D y_j): the
            # barrier's 1 / lambda_j^2 becomes 1, and the system stays well
            # conditioned while some weights shrink towards 0.
            kkt = np.zeros((n_arms + 2, n_arms + 2))
            kkt[:n_arms, :n_arms] = weights[:, None] * H_lam * weights[None, :]
            kkt[:n_arms, n_arms] = kkt[n_arms, :n_arms] = weights * h_ls
            kkt[n_arms, n_arms] = h_ss
            kkt[:n_arms, n_arms + 1] = kkt[n_arms + 1, :n_arms] = weights
            rhs = np.r_[-weights * grad_lam, -grad_s, 0.0]
            try:
                with warnings.catch_warnings():
                    # an ill-conditioned step is still checked by the line search and
                    # the certificate
                    warnings.simplefilter("ignore", LinAlgWarning)
                    step = solve(kkt, rhs, assume_a="sym", check_finite=False)
            except np.linalg.LinAlgError:
                break
            step[:n_arms] *= weights
            d_lam, d_s = step[:n_arms], step[n_arms]
            decrement = -(dot(grad_lam, d_lam) + grad_s * d_s)
            if not decrement > 1e-12:
                break
            current = barrier(weights, s)
            alpha = 1.0
            # largest step keeping every weight positive
            shrinking = d_lam < 0
            if shrinking.any():
                alpha = min(1.0, 0.99 * float(np.min(-weights[shrinking] / d_lam[shrinking])))
            while alpha > 1e-12:
                trial = barrier(weights + alpha * d_lam, s + alpha * d_s)
                if trial <= current - 0.25 * alpha * decrement:
                    break
                alpha *= 0.5
            else:
                break
            weights = weights + alpha * d_lam
            weights = np.maximum(weights, np.finfo(float).tiny)
            weights = weights / weights.sum()
            s = s + alpha * d_s
            if decrement < 1e-9:
                break
        rho, lower, dual = minimax_certificate(Z, curvature, weights, gaps)
        if rho < best_rho:
            best_rho, best_weights = rho, weights
        if lower > best_lower:
            best_lower, best_dual = lower, dual
        if best_rho - best_lower <= sharp * best_rho or newton_steps >= max_iter:
            break
        if m / t <= 1e-3 * sharp * s:  # the barrier is as sharp as float64 makes useful
            break
        t *= 10.0
    return best_weights, best_lower, best_dual


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
       softened maximum): often within a percent of ``rho*``, but it
       minimises the log-sum-exp of the ``g_i``, not their maximum, whose
       minimiser lies above ``rho*`` (by up to ``log(K) / sharpness``
       relatively) when several arms nearly tie.
    2. :func:`minimax_certificate` bounds ``rho*`` from below; if the bound
       is within ``tol`` of the design's value, stop.
    3. Otherwise solve the epigraph form ``min s s.t. g_i(lambda) <= s``
       by an interior-point method started from that design (see
       :func:`_interior_point`; ``O(K^3)`` per Newton step, so meant for K
       up to a few hundred arms), certify every centre, and keep the best
       design and the best bound.

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
        solved, solved_lower, solved_dual = _interior_point(
            Z, curvature, gaps, weights, tol, max_iter
        )
        solved_rho = float(normalized_widths(Z, curvature, solved, gaps).max())
        if solved_lower > lower:
            lower, dual = solved_lower, solved_dual
        if solved_rho < rho:
            weights, rho, method = solved, solved_rho, "multiplicative+interior-point"
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
    already certifies the value to ``tol``, by an interior-point (barrier)
    method on the epigraph form ``min s s.t. g_i(lambda) <= s``, certified
    at every centre: the lower bound
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
        Iterations of the multiplicative start, and Newton steps of the
        interior-point solve; if the certificate
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
