"""Dense products on scipy's BLAS, so that skpref uses one OpenBLAS.

The numpy and scipy wheels each ship their own OpenBLAS with its own thread
pool. After a call, a pool's worker threads spin for a while before they
sleep, so code that alternates the two libraries has each one's spinning
workers take the cores the other needs. On two cores, a conjugate-gradient
loop of scipy ``dgemv`` products with one numpy ``np.dot`` of two vectors per
iteration ran 5x slower than the same loop with scipy's ``ddot`` (15.7 ms
against 3.3 ms per iteration, 20,000 x 384). skpref needs scipy's LAPACK
(Cholesky factors, triangular solves), so every BLAS call in its numerical
code goes through ``scipy.linalg.blas`` here, including dot products and
norms: never ``@``, ``np.dot`` or ``np.linalg.norm`` on the hot path.

All functions take float64 arrays and return new arrays or floats.
"""

import numpy as np
from scipy.linalg import blas


def _fortran_view(A):
    """``(F, transposed)``: a Fortran-ordered view of ``A`` or of ``A.T``."""
    if A.flags.f_contiguous:
        return A, False
    if A.flags.c_contiguous:
        return A.T, True
    return np.asfortranarray(A), False


def matvec(A, x):
    """``A @ x`` for a 2-D ``A`` and 1-D ``x``."""
    F, transposed = _fortran_view(A)
    return blas.dgemv(1.0, F, x, trans=int(transposed))


def rmatvec(A, y):
    """``A.T @ y`` for a 2-D ``A`` and 1-D ``y``."""
    F, transposed = _fortran_view(A)
    return blas.dgemv(1.0, F, y, trans=int(not transposed))


def matmul(A, B):
    """``A @ B`` for 2-D ``A`` and ``B``."""
    FA, ta = _fortran_view(A)
    FB, tb = _fortran_view(B)
    return blas.dgemm(1.0, FA, FB, trans_a=int(ta), trans_b=int(tb))


def gram(A):
    """``A.T @ A`` (symmetric, both triangles filled) by BLAS ``syrk``."""
    F, transposed = _fortran_view(A)
    # syrk with trans=0 gives F @ F.T; F is A.T when A is C-ordered.
    lower = blas.dsyrk(1.0, F, trans=int(not transposed), lower=1)
    return lower + np.tril(lower, -1).T


def dot(x, y):
    """``x @ y`` for two 1-D arrays."""
    return blas.ddot(x, y)


def norm(x):
    """Euclidean norm of a 1-D array."""
    return blas.dnrm2(x)
