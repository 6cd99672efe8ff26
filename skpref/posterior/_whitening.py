"""Whitening ``z = L^{-1} x~`` by one matrix product, and widths ``||z||`` to full precision.

With ``H = L L^T`` the posterior covariance of two rows is a dot product of
whitened rows, ``x_i~^T H^{-1} x_j~ = z_i^T z_j``, and a row's logit width is
``w(x) = ||z||``. The inverse ``T = L^{-1}`` of the triangular factor is formed
once (LAPACK ``trtri``) and a chunk of rows is whitened by one matrix product
``Z = X~ T^T``: a pass over a pool then costs one ``gemm`` of the pool's shape
(BLAS ``trsm``, a triangular solve of the same size, runs at a fraction of
``gemm``'s speed). The explicitly inverted triangle is as accurate for this use
as forward substitution: both give a computed ``z`` with a relative error of
order ``cond(L) u`` (Higham, *Accuracy and Stability of Numerical Algorithms*,
ch. 8 and 14); a test compares the two on ill-conditioned ``H``.

The logit means come out of the same product: the coefficients are the
product's last column.
"""

import numpy as np
from scipy.linalg import lapack

from .._blas import matmul
from ._checks import SQUARES_PRECISE_ABOVE, raise_on_overflow, scaled_row_norms


class Whitening:
    """The map ``x -> (z, m) = (L^{-1} x~, x^T theta + b)`` of one posterior.

    Parameters
    ----------
    factor : ndarray of shape (p, p)
        Lower-triangular ``L`` with ``H = L L^T``; ``p = n_features + 1`` with an
        intercept (the last coordinate, whose entry of ``x~`` is 1).
    coef : ndarray of shape (n_features,)
        ``theta``.
    intercept : float or None
        ``b``, or None without an intercept coordinate.
    """

    def __init__(self, factor, coef, intercept):
        self.factor = factor
        n_features, n_params = coef.size, factor.shape[0]
        self.n_params = n_params
        inverse, info = lapack.dtrtri(factor, lower=1)
        if info != 0 or not np.isfinite(inverse).all():  # pragma: no cover - L is a factor
            raise ValueError("The Cholesky factor of the posterior is singular in float64.")
        # [Z | m] = X [T[:, :d]^T | theta] + [T[:, d] | b]: one product per chunk.
        self.product = np.empty((n_features, n_params + 1))
        self.product[:, :n_params] = inverse[:, :n_features].T
        self.product[:, n_params] = coef
        self.offset = np.zeros(n_params + 1)
        if intercept is not None:
            self.offset[:n_params] = inverse[:, n_features]
            self.offset[n_params] = intercept
        self.has_offset = intercept is not None

    def whiten_and_mean(self, chunk):
        """``(Z, m)`` of a float64 chunk: whitened rows (n_rows, p) and logits (n_rows,)."""
        out = matmul(chunk, self.product)
        if self.has_offset:
            out += self.offset
        return out[:, : self.n_params], out[:, self.n_params]

    def whiten(self, chunk):
        """Whitened rows ``Z = X~ L^{-T}`` of a float64 chunk, shape (n_rows, p)."""
        return self.whiten_and_mean(chunk)[0]

    def whiten_scaled(self, chunk):
        """``(Z_s, e)``: the rows scaled by the power of two ``2^-e`` at their peak, whitened.

        ``L^{-1} (x~ 2^-e)`` with every entry of ``x~ 2^-e`` at most 1 in
        magnitude: never overflows, never loses precision to underflow, and
        ``z = 2^e z_s`` exactly (the map is linear and the scaling exact).
        """
        peak = np.abs(chunk).max(axis=1, initial=0.0)
        if self.has_offset:
            peak = np.maximum(peak, 1.0)
        _, exponent = np.frexp(np.where(peak > 0, peak, 1.0))
        scaled = np.ldexp(chunk, -exponent[:, None])
        out = matmul(scaled, self.product[:, : self.n_params])
        if self.has_offset:
            out += np.ldexp(self.offset[: self.n_params][None, :], -exponent[:, None])
        return out, exponent

    def norms(self, whitened, chunk, rows):
        """Widths ``||z||`` of every whitened row, to full precision.

        The plain sum of squares is kept where it is exact to rounding; a row
        whose sum overflowed, or fell below the range where squares keep their
        precision, is recomputed from its row scaled by a power of two
        (:meth:`whiten_scaled`), so a width is finite whenever float64 can
        hold it. A width beyond float64 raises ``ValueError`` naming the row.

        Parameters
        ----------
        whitened : ndarray of shape (n_rows, p)
        chunk : ndarray of shape (n_rows, n_features)
            The rows before whitening.
        rows : slice
            Where the chunk is in the caller's rows, for the message.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            squares = np.einsum("ij,ij->i", whitened, whitened)
        widths = np.sqrt(squares)
        redo = ~(np.isfinite(squares) & (squares >= SQUARES_PRECISE_ABOVE))
        if redo.any():
            scaled, exponent = self.whiten_scaled(chunk[redo])
            with np.errstate(over="ignore"):  # a width beyond float64 is reported below
                widths[redo] = np.ldexp(scaled_row_norms(scaled), exponent)
        raise_on_overflow(widths, rows, "logit width sqrt(x~^T H^-1 x~)")
        return widths
