"""Information matrices ``H = P + sum_j w_j x~_j x~_j^T``, and what float64 can hold.

Every positive semi-definite matrix that skpref factorises is of this form:

* the Laplace posterior's Hessian, ``w_j = s_j mu'(x_j^T theta + b)`` and
  ``P = I / C`` (the intercept, if any, unpenalised);
* APO's regularised Gram matrix, ``w_j = s_j`` and ``P = I / C``;
* the information after a design, ``H(lambda) = H + n sum_j lambda_j mu'(m_j)
  x_j x_j^T``, and the designs of sign identification, ``P = 0``;
* a design objective's moment ``M = sum_i a_i x_i x_i^T``.

``x~ = (x, 1)`` when the matrix has an intercept coordinate (the last one).
"""

import numpy as np

from .._blas import gram, rmatvec
from .._chunks import is_dask_array, iter_chunks

#: The largest trace of a Hessian that skpref accepts: float64's largest
#: number with a margin of 2^10 for the sums and products of a Newton
#: iteration (a Cholesky factor, conjugate-gradient inner products, ``H v``).
HESSIAN_LIMIT = np.finfo(np.float64).max * 2.0**-10


def information_matrix(X, weights, *, prior_precision=0.0, intercept=False):
    """``H = prior_precision I + sum_j w_j x~_j x~_j^T``, in one chunked pass.

    .. math::

        H = \\lambda_0 \\begin{pmatrix} I_d & 0 \\\\ 0 & 0 \\end{pmatrix}
            + \\sum_j w_j \\tilde x_j \\tilde x_j^T ,
        \\qquad \\tilde x_j = (x_j, 1) \\text{ with an intercept.}

    Each chunk of rows is scaled by ``sqrt(|w_j|)`` and added by a symmetric
    rank-k update (BLAS ``syrk``); negative weights (a difference of two
    designs) are subtracted the same way.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_rows, n_features)
        The rows ``x_j``; read in chunks, so a memory map is never loaded
        whole (and a sparse matrix is densified one chunk at a time).
    weights : array-like of shape (n_rows,)
        ``w_j``; may be negative.
    prior_precision : float, default=0.0
        ``lambda_0`` on the diagonal of the ``theta`` block (``1 / C``); the
        intercept's coordinate is never penalised.
    intercept : bool, default=False
        Whether ``H`` has the intercept's coordinate (``p = n_features + 1``).

    Returns
    -------
    ndarray of shape (p, p)
        Symmetric, both triangles filled.

    Examples
    --------
    >>> import numpy as np
    >>> information_matrix(np.array([[1.0, 0.0], [1.0, 2.0]]), [1.0, 0.5], prior_precision=2.0)
    array([[3.5, 1. ],
           [1. , 4. ]])
    """
    if is_dask_array(X):  # a sum of per-block matrices on the workers
        from .._dask import information_matrix as dask_information_matrix

        return dask_information_matrix(
            X, weights, prior_precision=prior_precision, intercept=intercept
        )
    n_features = X.shape[1]
    n_params = n_features + int(intercept)
    weights = np.asarray(weights, dtype=np.float64).ravel()
    if weights.shape != (X.shape[0],):
        raise ValueError(
            f"weights must hold one value per row of X ({X.shape[0]}), got shape "
            f"{weights.shape}."
        )
    signs = (1.0, -1.0) if np.any(weights < 0) else (1.0,)
    information = np.zeros((n_params, n_params))
    for rows, chunk in iter_chunks(X, n_features):
        for sign in signs:
            part = weights[rows] * sign
            root = np.sqrt(np.maximum(part, 0.0))
            scaled = chunk * root[:, None] if len(signs) > 1 else _scale_in_place(chunk, root)
            information[:n_features, :n_features] += sign * gram(scaled)
            if intercept:
                column = rmatvec(scaled, root)
                information[:n_features, -1] += sign * column
                information[-1, :n_features] += sign * column
                information[-1, -1] += sign * float(np.square(root).sum())
    diagonal = np.arange(n_features)
    information[diagonal, diagonal] += prior_precision
    return information


def _scale_in_place(chunk, root):
    """``chunk * root[:, None]``, written into ``chunk`` (a fresh copy of the rows)."""
    chunk *= root[:, None]
    return chunk
