"""Dense references the tests compare skpref's chunked, factored code against.

Each formula is the plain numpy transcription of SPEC, written once here:
the tests import these functions rather than keep their own copies. They
form full matrices and solve with ``numpy.linalg.solve``, so they are meant
for small problems only.
"""

import numpy as np
from scipy.special import expit


def logistic_variance(z):
    """``mu'(z) = sigma(z) sigma(-z)``, the logistic variance."""
    return expit(z) * expit(-z)


def augmented(X, intercept):
    """Rows ``x~ = (x, 1)`` when ``intercept`` is true, ``x`` otherwise."""
    X = np.asarray(X, dtype=np.float64)
    return np.hstack([X, np.ones((len(X), 1))]) if intercept else X


def information(X, weights, prior_precision, intercept=False):
    """``diag(p) + X~^T diag(w) X~``; the intercept's prior precision is 0 (unpenalised).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    weights : ndarray of shape (n,)
        The rows' weights ``w_j`` (``s_j mu'(z_j)`` for a Hessian).
    prior_precision : float
        ``1 / C``.
    intercept : bool
        Whether the rows get the intercept's constant column.
    """
    Xa = augmented(X, intercept)
    penalty = np.full(Xa.shape[1], float(prior_precision))
    if intercept:
        penalty[-1] = 0.0
    return Xa.T @ (np.asarray(weights, dtype=np.float64)[:, None] * Xa) + np.diag(penalty)


def squared_widths(H, rows):
    """``x_i^T H^{-1} x_i`` for every row, through a dense solve."""
    rows = np.asarray(rows, dtype=np.float64)
    return np.einsum("ij,ji->i", rows, np.linalg.solve(H, rows.T))


def widths(H, rows):
    """``sqrt(x_i^T H^{-1} x_i)`` for every row."""
    return np.sqrt(squared_widths(H, rows))


def design_information(H, rows, curvature, scale, weights):
    """``H(lambda) = H + scale sum_j lambda_j c_j x_j x_j^T`` (SPEC section 3; scale = n)."""
    return H + scale * (rows * (weights * curvature)[:, None]).T @ rows
