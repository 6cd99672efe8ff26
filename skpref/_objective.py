"""The penalised Bradley-Terry log-likelihood, its gradient and its Hessian.

Parameters are stacked as ``w = (theta, b)`` when an intercept is fitted and
``w = theta`` otherwise. The objective (SPEC section 2) is

.. math::

    f(w) = \\sum_j s_j \\, \\ell(y_j, x_j^T \\theta + b)
           + \\frac{\\|\\theta\\|^2}{2C},

with ``l`` the logistic log-loss. The intercept is not penalised, as in
scikit-learn's ``LogisticRegression``.
"""

import numpy as np

from ._blas import dot, gram, matvec, norm, rmatvec
from ._chunks import iter_chunks, iter_row_slices
from ._logistic import log_loss_terms, logistic_variance, sigmoid


def penalized_hessian(X, curvature, C, fit_intercept):
    """``H = sum_j c_j x_j x_j^T + I / C`` (intercept block unpenalised).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Rows; read in chunks, so a memory map is never loaded whole.
    curvature : ndarray of shape (n_samples,)
        Non-negative weights ``c_j``, for the Laplace posterior
        ``c_j = s_j mu'(x_j^T theta + b)``.
    C : float
        Inverse regularisation strength.
    fit_intercept : bool
        Whether to append the intercept row and column ``[sum c x, sum c]``.

    Returns
    -------
    ndarray of shape (p, p)
        With ``p = n_features + fit_intercept``.
    """
    n_samples, n_features = X.shape
    n_params = n_features + int(fit_intercept)
    hessian = np.zeros((n_params, n_params))
    for rows, scaled in iter_chunks(X, n_features):
        root = np.sqrt(curvature[rows])
        scaled *= root[:, None]
        hessian[:n_features, :n_features] += gram(scaled)
        if fit_intercept:
            column = rmatvec(scaled, root)
            hessian[:n_features, -1] += column
            hessian[-1, :n_features] += column
            hessian[-1, -1] += curvature[rows].sum()
    hessian[np.arange(n_features), np.arange(n_features)] += 1.0 / C
    return hessian


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
        return matvec(self.X, theta) + intercept

    def value(self, w, z=None):
        """``f(w)``; pass ``z = logits(w)`` to skip the product with ``X``."""
        theta, _ = self.split(w)
        z = self.logits(w) if z is None else z
        loss = dot(self.sample_weight, log_loss_terms(self.y, z))
        return loss + dot(theta, theta) / (2.0 * self.C)

    def gradient(self, w, z=None):
        """``grad f(w) = [X^T r + theta / C, sum r]`` with ``r = s (sigma(z) - y)``."""
        theta, _ = self.split(w)
        z = self.logits(w) if z is None else z
        residual = self.sample_weight * (sigmoid(z) - self.y)
        gradient = np.empty(self.n_params)
        gradient[: self.n_features] = rmatvec(self.X, residual) + theta / self.C
        if self.fit_intercept:
            gradient[-1] = residual.sum()
        return gradient

    def newton_step_bound(self, gradient):
        """An upper bound on ``max |H^{-1} g|`` that needs no Hessian.

        Without an intercept ``H >= I / C``, so ``||H^{-1} g|| <= C ||g||``;
        with an (unpenalised) intercept there is no such bound: ``inf``.
        """
        if self.fit_intercept:
            return np.inf
        return self.C * norm(gradient)

    def curvature(self, z):
        """Per-row Hessian weights ``c_j = s_j mu'(z_j)``."""
        return self.sample_weight * logistic_variance(z)

    def hessian(self, w, z=None):
        """``H(w)``, the matrix of :func:`penalized_hessian` at ``w``."""
        z = self.logits(w) if z is None else z
        return penalized_hessian(
            self.X, self.curvature(z), self.C, self.fit_intercept
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
        u, a = self.split(v)
        weighted = curvature * (matvec(self.X, u) + a)
        product = np.empty(self.n_params)
        product[: self.n_features] = rmatvec(self.X, weighted) + u / self.C
        if self.fit_intercept:
            product[-1] = weighted.sum()
        return product
