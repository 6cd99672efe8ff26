"""Exceptions that skpref raises beyond Python's and numpy's own."""

from numpy.linalg import LinAlgError

__all__ = ["NotPositiveDefiniteError"]


class NotPositiveDefiniteError(LinAlgError, ValueError):
    """A matrix that must be positive definite is not, in float64.

    Raised when a Hessian, an information matrix or a Newton system fails its
    Cholesky factorisation; the message says which matrix and why (usually a
    very large ``C`` with collinear or separable rows). It is a
    :class:`numpy.linalg.LinAlgError`, for code that catches those, and a
    :class:`ValueError` on every numpy (numpy's own ``LinAlgError`` became
    a ``ValueError`` only in numpy 2), like every other error skpref raises
    for data it cannot use.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import LaplacePosterior
    >>> from skpref.exceptions import NotPositiveDefiniteError
    >>> try:
    ...     LaplacePosterior.from_hessian(np.zeros(2), -np.eye(2))
    ... except ValueError as error:
    ...     print(type(error).__name__)
    NotPositiveDefiniteError
    """
