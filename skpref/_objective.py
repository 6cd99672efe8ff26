"""The penalised Bradley-Terry log-likelihood, its gradient and its Hessian.

Parameters are stacked as ``w = (theta, b)`` when an intercept is fitted and
``w = theta`` otherwise. The objective (SPEC section 2) is

.. math::

    f(w) = \\sum_j s_j \\, \\ell(y_j, x_j^T \\theta + b)
           + \\frac{\\|\\theta\\|^2}{2C},

with ``l`` the logistic log-loss. The intercept is not penalised, as in
scikit-learn's ``LogisticRegression``.
"""

import math

import numpy as np

from ._blas import dot, matvec, rmatvec
from ._chunks import iter_row_slices
from ._logistic import log_loss_terms, logistic_variance, residual
from .posterior import HESSIAN_LIMIT, information_matrix


def check_representable(X, sample_weight, C, fit_intercept):
    """Raise ``ValueError`` if the fit's Hessian cannot be held in float64.

    At every ``w``, ``mu' <= 1/4`` bounds the trace of the Hessian:

    .. math::

        \\operatorname{tr} H \\le \\frac{d}{C} + \\frac14 \\sum_j s_j \\|\\tilde x_j\\|^2 .

    Both terms must stay below :data:`HESSIAN_LIMIT`: the first fails for a
    ``C`` so small that the prior precision ``1 / C`` overflows (``C = 1e-320``),
    the second for rows so large that their squares do (``|x|`` above about
    ``1e154``, less with many rows). The problem itself is scale-free, since
    fitting ``a X`` with ``C / a^2`` gives ``theta / a``, so the message says
    how to rescale. The sum is formed as ``peak^2 sum_j s_j ||x_j / peak||^2``,
    which never overflows.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite training rows.
    sample_weight : ndarray of shape (n_samples,)
        Finite non-negative weights.
    C : float
        Inverse regularisation strength.
    fit_intercept : bool
        Whether rows carry the intercept's constant 1.
    """
    n_samples, n_features = X.shape
    penalty = n_features / C
    if not penalty <= HESSIAN_LIMIT:
        raise ValueError(
            f"C={C!r} is too small for float64: the prior precision I / C has trace "
            f"{penalty:.3g}, beyond the {HESSIAN_LIMIT:.3g} that a Hessian may reach "
            "(float64's largest number, with a margin for the solver's sums); with "
            f"{n_features} features C must be at least {n_features / HESSIAN_LIMIT:.3g}. "
            "Use a larger C; the problem is the same after rescaling: fitting X / a "
            "with C * a**2 gives coef_ * a."
        )
    # The common case in one cheap pass: with every |x| at most `peak`,
    # sum_j s_j ||x~_j||^2 <= (sum_j s_j) (d peak^2 + 1).
    peak = 0.0
    for rows in iter_row_slices(n_samples, n_features):
        chunk = X[rows]
        if chunk.size:
            peak = max(peak, float(chunk.max()), -float(chunk.min()))
    total = float(sample_weight.sum())
    if 1e-150 < peak < 1e150 and 0.25 * total * (n_features * peak**2 + 1.0) + penalty <= (
        HESSIAN_LIMIT
    ):
        return
    # Otherwise the exact sum, rescaling it whenever the peak grows (as BLAS
    # dnrm2 does), so that no square is ever formed at the rows' own scale.
    peak, scaled, where = 0.0, 0.0, 0
    for rows in iter_row_slices(n_samples, n_features):
        chunk = np.abs(X[rows])
        top = float(chunk.max(initial=0.0))
        if top == 0.0:
            continue
        chunk /= top
        part = float(dot(sample_weight[rows], np.einsum("ij,ij->i", chunk, chunk)))
        if top > peak:
            scaled = scaled * (peak / top) ** 2 + part
            peak = top
            where = rows.start + int(np.argmax(chunk.max(axis=1)))
        else:
            scaled += part * (top / peak) ** 2
    # log of (1/4) sum_j s_j ||x~_j||^2 = (1/4) (peak^2 scaled + [sum_j s_j])
    logs = [2.0 * math.log(peak) + math.log(scaled)] if scaled > 0.0 else []
    if fit_intercept:
        logs.append(math.log(float(sample_weight.sum())))
    log_data = math.log(0.25) + float(np.logaddexp.reduce(logs)) if logs else -math.inf
    if log_data > math.log(HESSIAN_LIMIT - penalty):
        raise ValueError(
            f"X has entries up to {peak:.3g} in magnitude (row {where}; total sample "
            f"weight {float(sample_weight.sum()):.3g}): the Hessian of the fit, "
            "sum_j s_j mu'(z_j) x_j x_j^T + I / C, may reach a trace of "
            f"1e{log_data / math.log(10.0):.0f}, beyond the {HESSIAN_LIMIT:.3g} that "
            "float64 can hold with a margin for the solver's sums. Rescale the features "
            "(e.g. StandardScaler(with_mean=False)): fitting X / a with C * a**2 gives "
            "coef_ * a."
        )


class PenalizedLogLoss:
    """Value, gradient, Hessian and Hessian-vector products of ``f(w)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Comparison rows, float64.
    y : ndarray of shape (n_samples,)
        Targets in {0, 1} (1: the first item is preferred).
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights ``s_j``.
    C : float
        Inverse regularisation strength.
    fit_intercept : bool
        Whether ``w`` ends with an unpenalised intercept.
    """

    def __init__(self, X, y, sample_weight, C, fit_intercept):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.C = C
        self.fit_intercept = fit_intercept
        self.n_features = X.shape[1]
        self.n_params = self.n_features + int(fit_intercept)

    def split(self, w):
        """``(theta, b)`` from the stacked parameters (``b = 0.0`` if absent)."""
        if self.fit_intercept:
            return w[:-1], w[-1]
        return w, 0.0

    def logits(self, w):
        """``z_j = x_j^T theta + b`` for every training row."""
        theta, intercept = self.split(w)
        if not theta.any():  # a cold start: no pass over X for X 0 = 0
            return np.full(self.X.shape[0], float(intercept))
        return matvec(self.X, theta) + intercept

    def value(self, w, z=None):
        """``f(w)``; pass ``z = logits(w)`` to skip the product with ``X``."""
        theta, _ = self.split(w)
        z = self.logits(w) if z is None else z
        loss = dot(self.sample_weight, log_loss_terms(self.y, z))
        # ||theta / sqrt(C)||^2 / 2: theta^T theta itself underflows when C is
        # tiny (theta ~ C), and the penalty would vanish from f.
        scaled = theta / math.sqrt(self.C)
        return loss + 0.5 * dot(scaled, scaled)

    def residuals(self, z):
        """``r_j = s_j (sigma(z_j) - y_j)``, without cancellation (see :func:`residual`)."""
        return self.sample_weight * residual(self.y, z)

    def gradient(self, w, z=None):
        """``grad f(w) = [X^T r + theta / C, sum r]`` with ``r = s (sigma(z) - y)``."""
        theta, _ = self.split(w)
        z = self.logits(w) if z is None else z
        residuals = self.residuals(z)
        gradient = np.empty(self.n_params)
        gradient[: self.n_features] = rmatvec(self.X, residuals) + theta / self.C
        if self.fit_intercept:
            gradient[-1] = residuals.sum()
        return gradient

    def directional_derivative(self, w, z, step, step_logits):
        """``d/dt f(w + t p)`` at ``t = 0``: ``r^T (X p_theta + p_b) + theta^T p_theta / C``.

        ``O(n)`` given the logits ``z`` of ``w`` and ``step_logits = logits(p)``:
        a line search evaluates it at every trial point without touching ``X``.
        """
        theta, _ = self.split(w)
        step_theta, _ = self.split(step)
        return dot(self.residuals(z), step_logits) + dot(theta / self.C, step_theta)

    def curvature(self, z):
        """Per-row Hessian weights ``c_j = s_j mu'(z_j)``."""
        return self.sample_weight * logistic_variance(z)

    def hessian(self, w, z=None):
        """``H(w) = sum_j c_j x~_j x~_j^T + I / C`` (the intercept unpenalised)."""
        z = self.logits(w) if z is None else z
        return information_matrix(
            self.X, self.curvature(z), prior_precision=1.0 / self.C, intercept=self.fit_intercept
        )

    def hessian_diagonal(self, curvature):
        """``diag H`` in one chunked ``O(n d)`` pass (Newton-CG's preconditioner)."""
        diagonal = np.full(self.n_params, 1.0 / self.C)
        for rows in iter_row_slices(*self.X.shape):
            diagonal[: self.n_features] += rmatvec(np.square(self.X[rows]), curvature[rows])
        if self.fit_intercept:
            diagonal[-1] = curvature.sum()
        return diagonal

    def hessian_product(self, curvature, v):
        """``H v = [X^T (c * (X u + a)) + u / C, sum c (X u + a)]``, ``v = (u, a)``."""
        return self.hessian_product_and_logits(curvature, v)[0]

    def hessian_product_and_logits(self, curvature, v):
        """``(H v, z(v))``: the product and the logits ``z(v) = X u + a`` it passes through.

        Newton-CG sums the logits of its directions into those of the step
        ``p = sum_k alpha_k d_k`` (``z`` is linear), so that the line search
        needs no pass over ``X`` of its own.
        """
        u, a = self.split(v)
        logits = matvec(self.X, u) + a
        weighted = curvature * logits
        product = np.empty(self.n_params)
        product[: self.n_features] = rmatvec(self.X, weighted) + u / self.C
        if self.fit_intercept:
            product[-1] = weighted.sum()
        return product, logits
