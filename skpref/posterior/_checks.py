"""What float64 can hold: the checks every posterior computation ends with.

A mean, a width or a whitened row that is not finite although its row is (an
overflow of float64) raises a ``ValueError`` that names the row and the
quantity, so that every query strategy, which scores through the posterior,
inherits a clear error instead of an inf or a NaN that would rank silently.
"""

import numpy as np
from scipy.linalg import eigvalsh

from .._chunks import check_finite_rows

#: Sums of squares below this lose relative precision: their largest terms
#: may be subnormal (squares of entries below ~1.5e-154).
SQUARES_PRECISE_ABOVE = np.finfo(np.float64).tiny * 2.0**53

#: What usually makes a Hessian lose its positive definiteness in float64.
LARGE_C_ADVICE = (
    "the prior's I / C is lost in rounding against the curvature of the rows, which "
    "happens for a very large C (almost no prior) with collinear or (nearly) separable "
    "training rows; use a smaller C"
)


def first_bad(values):
    """Index of the first entry of ``values`` that is not finite."""
    return int(np.flatnonzero(~np.isfinite(values))[0])


def raise_on_overflow(values, rows, quantity):
    """Raise ``ValueError`` naming the first row whose ``quantity`` is not finite.

    Parameters
    ----------
    values : ndarray
        One value per row (or the 0/inf flags of :func:`finite_columns`).
    rows : slice or array-like
        Where ``values[0]`` is in the caller's rows (a slice's start), for the message.
    quantity : str
        What ``values`` are, in words and symbols.
    """
    if not np.isfinite(values).all():
        start = rows.start if isinstance(rows, slice) else 0
        raise ValueError(
            f"The {quantity} of row {start + first_bad(values)} overflows float64; "
            "rescale the rows."
        )


def raise_on_overflowing_logits(logits, X, start=0):
    """Raise ``ValueError`` for the first row of ``X`` whose logit is not finite.

    A row with NaN or infinity is reported as such; a finite row whose
    ``x^T theta + b`` overflows float64 is reported with its magnitude.

    Parameters
    ----------
    logits : ndarray of shape (n_rows,)
        ``x^T theta + b`` of the rows, at least one of them not finite.
    X : ndarray of shape (n_rows, n_features)
        The rows.
    start : int, default=0
        Index of ``X[0]`` in the caller's array, for the message.
    """
    check_finite_rows(X, slice(start, start + X.shape[0]))
    bad = first_bad(logits)
    raise ValueError(
        f"The logit x^T theta + b of row {start + bad} overflows float64 (its entries "
        f"reach {np.abs(X[bad]).max():.3g}); rescale the rows."
    )


def finite_rows(A):
    """0 for every row of ``A`` whose entries are all finite, ``inf`` otherwise."""
    return np.where(np.isfinite(A).all(axis=1), 0.0, np.inf)


def scaled_row_norms(A):
    """``||a||`` of every row of ``A`` without overflow or underflow: ``m ||a / m||``.

    ``m`` is the power of two at each row's largest entry, so the scaling
    itself is exact.
    """
    peak = np.abs(A).max(axis=1)
    _, exponent = np.frexp(np.where(peak > 0, peak, 1.0))
    scaled = np.ldexp(A, -exponent[:, None])
    return np.ldexp(np.sqrt(np.einsum("ij,ij->i", scaled, scaled)), exponent)


def not_positive_definite(hessian, has_intercept, advice=LARGE_C_ADVICE):
    """What made a Hessian fail its Cholesky factorisation, in words."""
    eigenvalues = eigvalsh(hessian, check_finite=False)
    smallest, largest = float(eigenvalues[0]), float(eigenvalues[-1])
    if has_intercept and hessian[-1, -1] <= np.finfo(float).eps * max(largest, 0.0):
        cause = (
            "the intercept, which has no prior, carries no curvature: the weights of "
            f"the training rows sum_j s_j mu'(z_j) are {hessian[-1, -1]:.3g}, because "
            "every weight is zero or every prediction is saturated (mu'(z) ~ 0)"
        )
    else:
        cause = (
            f"its eigenvalues run from {smallest:.3g} to {largest:.3g}, a spread beyond "
            f"float64's precision of 1e-16: {advice}"
        )
    return (
        "The Hessian is not positive definite in float64, so the Laplace posterior "
        f"N(w_hat, H^-1) is undefined: {cause}."
    )
