"""Dense linear algebra on Cholesky factors: updates, never inverses."""

import numpy as np


def cholesky_update(lower, x):
    """Cholesky factor of ``L L^T + x x^T`` from the lower factor ``L``.

    The classical rank-one update (Golub & Van Loan, section 6.5.4) by a
    sequence of Givens-like rotations: ``O(p^2)`` instead of the ``O(p^3)`` of
    a new factorisation. ``lower`` is not modified.

    Parameters
    ----------
    lower : ndarray of shape (p, p)
        Lower-triangular Cholesky factor with a positive diagonal.
    x : ndarray of shape (p,)
        The update vector.

    Returns
    -------
    ndarray of shape (p, p)
        Lower-triangular factor of the updated matrix.
    """
    # Work on the transpose (upper factor, C order) so that the k-th column of
    # ``L`` is a contiguous row.
    upper = np.array(lower.T, dtype=np.float64, order="C", copy=True)
    x = np.array(x, dtype=np.float64, copy=True)
    for k in range(upper.shape[0]):
        diagonal = upper[k, k]
        radius = np.hypot(diagonal, x[k])
        cos, sin = radius / diagonal, x[k] / diagonal
        upper[k, k] = radius
        tail = upper[k, k + 1 :]
        tail += sin * x[k + 1 :]
        tail /= cos
        x[k + 1 :] *= cos
        x[k + 1 :] -= sin * tail
    return upper.T
