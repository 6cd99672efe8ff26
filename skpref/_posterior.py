"""The Laplace posterior: every confidence interval in skpref comes from here.

Around the penalised maximum-likelihood estimate ``w_hat = (theta_hat, b)``
the posterior is approximated by ``N(w_hat, H^{-1})`` with

.. math::

    H = I / C + \\sum_j s_j \\mu'(x_j^T \\theta + b) \\, \\tilde x_j \\tilde x_j^T,
    \\qquad \\tilde x = (x, 1) \\text{ with an intercept, } x \\text{ otherwise}.

For a comparison row ``x`` the logit mean is ``m(x) = x^T theta_hat + b`` and
the logit width ``w(x) = sqrt(x~^T H^{-1} x~)``. Everything is computed from
the lower Cholesky factor ``H = L L^T``: the whitened row ``z = L^{-1} x~``
gives ``w(x) = ||z||`` and ``x_i~^T H^{-1} x_j~ = z_i^T z_j``. No inverse is
formed and no pool is ever held whole: rows are processed in chunks.

Every pass checks what it returns: a mean, a width or a whitened row that is
not finite although the rows are (an overflow of float64) raises a
``ValueError`` that names the row and the quantity, so that every query
strategy, which scores through this class, inherits a clear error. Widths
themselves are computed in a scaled form where the plain sum of squares would
overflow or lose its precision to underflow.
"""

import numbers

import numpy as np
from scipy.linalg import LinAlgError, cho_solve, cholesky, eigvalsh, solve_triangular

from ._blas import dot, gram, matmul, matvec
from ._chunks import as_float_chunk, check_finite_rows, iter_chunks
from ._linalg import cholesky_update
from ._logistic import logistic_variance
from ._objective import HESSIAN_LIMIT
from .exceptions import NotPositiveDefiniteError

#: Sums of squares below this lose relative precision: their largest terms
#: may be subnormal (squares of entries below ~1.5e-154).
_SQUARES_PRECISE_ABOVE = np.finfo(np.float64).tiny * 2.0**53


def _first_bad(values):
    """Index of the first entry of ``values`` that is not finite."""
    return int(np.flatnonzero(~np.isfinite(values))[0])


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
    bad = _first_bad(logits)
    raise ValueError(
        f"The logit x^T theta + b of row {start + bad} overflows float64 (its entries "
        f"reach {np.abs(X[bad]).max():.3g}); rescale the rows."
    )


def _raise_on_overflow(values, rows, quantity):
    """Raise ``ValueError`` naming the first row whose ``quantity`` is not finite."""
    if not np.isfinite(values).all():
        start = rows.start if isinstance(rows, slice) else 0
        raise ValueError(
            f"The {quantity} of row {start + _first_bad(values)} overflows float64; "
            "rescale the rows."
        )


def _finite_columns(A):
    """0 for every column of ``A`` whose entries are all finite, ``inf`` otherwise."""
    return np.where(np.isfinite(A).all(axis=0), 0.0, np.inf)


def _scaled_norms(columns):
    """``||c||`` of every column without overflow or underflow: ``m ||c / m||``.

    ``m`` is the power of two at each column's largest entry, so the scaling
    itself is exact.
    """
    peak = np.abs(columns).max(axis=0)
    _, exponent = np.frexp(np.where(peak > 0, peak, 1.0))
    scaled = np.ldexp(columns, -exponent)
    return np.ldexp(np.sqrt(np.einsum("ij,ij->j", scaled, scaled)), exponent)


_LARGE_C_ADVICE = (
    "the prior's I / C is lost in rounding against the curvature of the rows, which "
    "happens for a very large C (almost no prior) with collinear or (nearly) separable "
    "training rows; use a smaller C"
)


def _not_positive_definite(hessian, has_intercept, advice=_LARGE_C_ADVICE):
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


class LaplacePosterior:
    """Gaussian approximation ``N(w_hat, H^{-1})`` of a Bradley-Terry fit.

    Obtain one from a fitted :class:`~skpref.PairwiseLogisticRegression`
    (its ``posterior_`` attribute), from :meth:`prior` for a model that has
    seen no label, or from :meth:`from_hessian`.

    Parameters
    ----------
    coef : array-like of shape (n_features,)
        Posterior mean of ``theta``.
    cholesky_factor : ndarray of shape (p, p)
        Lower-triangular ``L`` with ``H = L L^T``; ``p = n_features + 1`` when
        ``intercept`` is not None (the intercept is the last coordinate).
    intercept : float or None, default=None
        Posterior mean of the intercept, or None for a model without one.

    Attributes
    ----------
    coef : ndarray of shape (n_features,)
    intercept : float or None
    cholesky_factor : ndarray of shape (p, p)
    n_features : int

    See Also
    --------
    PairwiseLogisticRegression.logit_std : Widths of a fitted model.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import LaplacePosterior
    >>> prior = LaplacePosterior.prior(n_features=2, C=4.0)
    >>> prior.std(np.array([[1.0, 0.0], [3.0, 4.0]]))
    array([ 2., 10.])
    >>> tighter = prior.condition(np.array([[1.0, 0.0]]))
    >>> bool(tighter.std(np.array([[1.0, 0.0]]))[0] < 2.0)
    True
    """

    def __init__(self, coef, cholesky_factor, intercept=None):
        self.coef = np.asarray(coef, dtype=np.float64).ravel()
        self.intercept = None if intercept is None else float(intercept)
        self.cholesky_factor = np.asarray(cholesky_factor, dtype=np.float64)
        self.n_features = self.coef.size
        n_params = self.n_features + (self.intercept is not None)
        if self.cholesky_factor.shape != (n_params, n_params):
            raise ValueError(
                f"cholesky_factor must have shape {(n_params, n_params)} for "
                f"{self.n_features} features"
                + (" and an intercept" if self.intercept is not None else "")
                + f", got {self.cholesky_factor.shape}."
            )
        if not (np.isfinite(self.cholesky_factor).all() and np.isfinite(self.coef).all()):
            raise ValueError("coef and cholesky_factor must be finite.")

    # -- construction ---------------------------------------------------------

    @classmethod
    def prior(cls, n_features, C=1.0):
        """The posterior before any label: ``theta = 0``, ``H = I / C``.

        A model with an intercept has no prior on it (it is not penalised), so
        the prior posterior treats the intercept as known and zero.

        Parameters
        ----------
        n_features : int
            Dimension of ``theta``.
        C : float, default=1.0
            Prior variance of each coefficient (``LogisticRegression``'s ``C``).

        Returns
        -------
        LaplacePosterior
        """
        if not isinstance(n_features, numbers.Integral) or n_features < 1:
            raise ValueError(f"n_features must be a positive integer, got {n_features!r}.")
        if not (np.isfinite(C) and C > 0):
            raise ValueError(f"C must be a positive finite number, got {C!r}.")
        if not n_features / C <= HESSIAN_LIMIT:
            raise ValueError(
                f"C={C!r} is too small for float64: the prior precision I / C has trace "
                f"{n_features / C:.3g}, beyond the {HESSIAN_LIMIT:.3g} that a Hessian may "
                f"reach; with {n_features} features C must be at least "
                f"{n_features / HESSIAN_LIMIT:.3g}."
            )
        factor = np.eye(n_features) / np.sqrt(C)
        return cls(np.zeros(n_features), factor)

    @classmethod
    def from_hessian(cls, coef, hessian, intercept=None):
        """Factorise a symmetric positive definite Hessian ``H``.

        Parameters
        ----------
        coef : array-like of shape (n_features,)
            Posterior mean of ``theta``.
        hessian : ndarray of shape (p, p)
            ``H``; the intercept, if any, is the last coordinate.
        intercept : float or None, default=None
            Posterior mean of the intercept, or None for a model without one.

        Returns
        -------
        LaplacePosterior
        """
        hessian = np.asarray(hessian, dtype=np.float64)
        if not np.isfinite(hessian).all():
            raise ValueError(
                "The Hessian has NaN or infinite entries, so the Laplace posterior is "
                "undefined: the training rows or the prior precision 1 / C overflow "
                "float64; rescale the rows or use a larger C."
            )
        try:
            factor = cholesky(hessian, lower=True, check_finite=False)
        except LinAlgError as error:
            raise NotPositiveDefiniteError(
                _not_positive_definite(hessian, intercept is not None)
            ) from error
        return cls(coef, factor, intercept)

    # -- rows -----------------------------------------------------------------

    @property
    def n_params(self):
        """Dimension ``p`` of the parameter vector (features plus intercept)."""
        return self.cholesky_factor.shape[0]

    def _check_rows(self, X):
        if getattr(X, "ndim", None) != 2:
            X = np.asarray(X, dtype=np.float64)
            if X.ndim == 1:
                raise ValueError(
                    "Expected a 2-D array of comparison rows, got a 1-D array; "
                    "reshape a single row with x.reshape(1, -1)."
                )
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(
                f"X has {X.shape[-1]} features, but the posterior is over "
                f"{self.n_features} features."
            )
        return X

    def augment(self, X):
        """Rows ``x~`` in parameter space: ``(x, 1)`` with an intercept, else ``x``.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Comparison rows.

        Returns
        -------
        ndarray of shape (n_rows, p)
        """
        chunk = as_float_chunk(self._check_rows(X), slice(0, X.shape[0]))
        return self._augment(chunk)

    def _augment(self, chunk):
        if self.intercept is None:
            return chunk
        return np.hstack([chunk, np.ones((chunk.shape[0], 1))])

    def _whiten_chunk(self, chunk):
        """``Z^T = L^{-1} X~^T`` for a float64 chunk, shape (p, n_rows)."""
        return solve_triangular(
            self.cholesky_factor,
            self._augment(chunk).T,
            lower=True,
            overwrite_b=True,
            check_finite=False,
        )

    def _widths(self, whitened, read_rows, rows):
        """``||z||`` for every column of ``whitened = L^{-1} X~^T``, to full precision.

        The plain sum of squares is kept where it is exact to rounding; a
        column whose sum overflowed, or fell below the range where squares
        keep their precision, is recomputed from its row (``read_rows()``, the
        chunk before whitening) scaled by a power of two ``m`` (``w(x~) = m
        w(x~ / m)``, the whitening being linear), so a width is finite
        whenever float64 can hold it.
        """
        squares = np.einsum("ij,ij->j", whitened, whitened)
        widths = np.sqrt(squares)
        redo = ~(np.isfinite(squares) & (squares >= _SQUARES_PRECISE_ABOVE))
        if redo.any():
            augmented = self._augment(read_rows()[redo])
            _, exponent = np.frexp(np.abs(augmented).max(axis=1))
            scaled = solve_triangular(
                self.cholesky_factor,
                np.ldexp(augmented, -exponent[:, None]).T,
                lower=True,
                check_finite=False,
            )
            with np.errstate(over="ignore"):  # a width beyond float64 is reported below
                widths[redo] = np.ldexp(_scaled_norms(scaled), exponent)
        _raise_on_overflow(widths, rows, "logit width sqrt(x~^T H^-1 x~)")
        return widths

    def mean(self, X):
        """Logit means ``m(x) = x^T theta_hat + b``.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Comparison rows.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        return self.mean_and_std(X, std=False)[0]

    def std(self, X):
        """Logit widths ``w(x) = sqrt(x~^T H^{-1} x~)``, shape (n_rows,).

        Computed as the norm of the whitened row, rescaled by a power of two
        where its sum of squares would overflow or underflow, so the width
        keeps its relative precision for rows of any magnitude; a width that
        float64 cannot hold raises ``ValueError``.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Comparison rows.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        return self.mean_and_std(X, mean=False)[1]

    def mean_and_std(self, X, *, mean=True, std=True):
        """Means and widths of every row in one chunked pass.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Comparison rows.
        mean, std : bool, default=True
            Which of the two to compute.

        Returns
        -------
        means, widths : ndarray of shape (n_rows,) or None
            ``m`` and ``w``; an output that was not asked for is ``None``.
        """
        X = self._check_rows(X)
        n_rows = X.shape[0]
        means = np.empty(n_rows) if mean else None
        widths = np.empty(n_rows) if std else None
        # Widths need a writable copy (solved in place); means alone read the
        # pool where it lies and check their outputs: a NaN or infinity in a
        # row always makes its mean non-finite.
        for rows, chunk in iter_chunks(X, self.n_params, copy=std):
            if mean:
                means[rows] = matvec(chunk, self.coef) + (self.intercept or 0.0)
                if not np.isfinite(means[rows]).all():
                    raise_on_overflowing_logits(means[rows], chunk, rows.start)
            if std:
                # (the whitening overwrites the chunk; the rare rows whose
                # widths need rescaling are read again)
                widths[rows] = self._widths(
                    self._whiten_chunk(chunk), lambda rows=rows: as_float_chunk(X, rows), rows
                )
        return means, widths

    def confidence_interval(self, X, beta=1.0):
        """``(m - beta w, m + beta w)`` for every row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Comparison rows.
        beta : float, default=1.0
            Half-width in posterior standard deviations.

        Returns
        -------
        lower, upper : ndarray of shape (n_rows,)
        """
        if not (np.isfinite(beta) and beta >= 0):
            raise ValueError(f"beta must be a non-negative finite number, got {beta!r}.")
        means, widths = self.mean_and_std(X)
        lower, upper = means - beta * widths, means + beta * widths
        _raise_on_overflow(lower, slice(0, lower.size), f"interval m - {beta:g} w")
        _raise_on_overflow(upper, slice(0, upper.size), f"interval m + {beta:g} w")
        return lower, upper

    def whitened_quadratic_form(self, X, W):
        """``z^T W z`` with ``z = L^{-1} x~`` for every row, in one chunked pass.

        With ``W = L^{-1} M L^{-T}`` this is ``x~^T H^{-1} M H^{-1} x~``, the
        first-order gain of a design objective ``tr(H^{-1} M)`` (see
        :mod:`skpref.design`).

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Comparison rows.
        W : ndarray of shape (p, p)
            Symmetric matrix in whitened coordinates.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        X = self._check_rows(X)
        values = np.empty(X.shape[0])
        for rows, chunk in iter_chunks(X, self.n_params):
            whitened = self._whiten_chunk(chunk)
            _raise_on_overflow(_finite_columns(whitened), rows, "whitened row L^-1 x~")
            values[rows] = np.einsum("ij,ij->j", whitened, matmul(W, whitened))
            _raise_on_overflow(values[rows], rows, "quadratic form z^T W z")
        return values

    def whiten(self, X):
        """Whitened rows ``z = L^{-1} x~``, shape (n_rows, p).

        ``z_i^T z_j = x_i~^T H^{-1} x_j~``: inner products under the posterior
        covariance become plain dot products. Holds ``n_rows * p`` floats, so
        call it on candidates, not on a whole pool.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Comparison rows.

        Returns
        -------
        ndarray of shape (n_rows, p)
        """
        X = self._check_rows(X)
        rows = slice(0, X.shape[0])
        whitened = self._whiten_chunk(as_float_chunk(X, rows))
        _raise_on_overflow(_finite_columns(whitened), rows, "whitened row L^-1 x~")
        return whitened.T.copy()

    def solve(self, X):
        """``H^{-1} x~`` for every row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Comparison rows.

        Returns
        -------
        ndarray of shape (n_rows, p)
        """
        X = self._check_rows(X)
        augmented = self._augment(as_float_chunk(X, slice(0, X.shape[0])))
        solved = cho_solve((self.cholesky_factor, True), augmented.T, check_finite=False).T
        _raise_on_overflow(_finite_columns(solved.T), slice(0, X.shape[0]), "solve H^-1 x~")
        return solved

    # -- conditioning (fantasy updates: no label, theta_hat unchanged) ---------

    def fisher_weight(self, X):
        """``mu'(m(x))``: the curvature one label at ``x`` adds to ``H``.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Comparison rows.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        return logistic_variance(self.mean(X))

    def condition(self, X, sample_weight=None):
        """The posterior after adding rows ``X`` to ``H`` (no label needed).

        ``H <- H + sum_j s_j mu'(m(x_j)) x_j~ x_j~^T`` with ``theta_hat`` kept:
        the Hessian a refit would have if the new labels left the estimate
        where it is. Few rows are folded in by rank-one Cholesky updates
        (``O(p^2)`` each); many by one new factorisation.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Rows to add (their labels are not needed).
        sample_weight : array-like of shape (n_rows,), default=None
            Weights ``s_j`` (1 each by default).

        Returns
        -------
        LaplacePosterior
            A new posterior; ``self`` is not modified.
        """
        X = self._check_rows(X)
        rows = as_float_chunk(X, slice(0, X.shape[0]))
        weights = self.fisher_weight(rows)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64).ravel()
            if sample_weight.shape != weights.shape or np.any(sample_weight < 0):
                raise ValueError(
                    "sample_weight must hold one non-negative weight per row of X."
                )
            weights = weights * sample_weight
        scaled = self._augment(rows) * np.sqrt(weights)[:, None]
        factor = self.cholesky_factor
        if scaled.shape[0] <= max(1, self.n_params // 8):
            with np.errstate(over="ignore", invalid="ignore"):  # reported below
                for row in scaled:
                    factor = cholesky_update(factor, row)
        else:
            hessian = matmul(factor, factor.T) + gram(scaled)
            if not np.isfinite(hessian).all():
                factor = hessian  # reported below
            else:
                try:
                    factor = cholesky(hessian, lower=True, check_finite=False)
                except LinAlgError as error:
                    raise NotPositiveDefiniteError(
                        _not_positive_definite(
                            hessian,
                            self.intercept is not None,
                            "the rows added dwarf the information already held in some "
                            "directions and are (nearly) collinear; rescale the rows",
                        )
                    ) from error
        if not np.isfinite(factor).all():
            raise ValueError(
                "Conditioning on these rows overflows float64: the information they add, "
                "sum_j s_j mu'(m_j) x_j~ x_j~^T, has entries beyond its range (rows reach "
                f"{np.abs(rows).max(initial=0.0):.3g}); rescale the rows."
            )
        return type(self)(self.coef, factor, self.intercept)

    def conditioned_std(self, X, x_new, std=None, sample_weight=1.0):
        """Widths of the rows ``X`` after conditioning on one new row.

        Sherman-Morrison on the width of every row, without refactorising:

        .. math::

            w_i'^2 = w_i^2 - \\frac{c \\, (x_i~^T v)^2}{1 + c \\, x~^T v},
            \\qquad v = H^{-1} x~, \\quad c = s \\, \\mu'(m(x)).

        ``O(n_rows p)`` given the current widths ``std`` (computed if None).

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Rows whose widths are updated.
        x_new : array-like of shape (n_features,)
            The row conditioned on.
        std : array-like of shape (n_rows,), default=None
            Current widths of ``X``.
        sample_weight : float, default=1.0
            Weight ``s`` of the new row.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        X = self._check_rows(X)
        x_new = self._check_rows(np.asarray(x_new, dtype=np.float64).reshape(1, -1))
        weight = float(sample_weight) * self.fisher_weight(x_new)[0]
        v = self.solve(x_new)[0]
        gain = weight / (1.0 + weight * dot(self._augment(x_new)[0], v))
        widths = self.std(X) if std is None else np.asarray(std, dtype=np.float64)
        # In units of the largest width (a power of two), so that squares of
        # widths up to float64's maximum neither overflow nor lose precision.
        _, exponent = np.frexp(max(float(np.abs(widths).max(initial=0.0)), 1.0))
        variance = np.square(np.ldexp(widths, -exponent))
        theta_part, intercept_part = v[: self.n_features], v[self.n_features :]
        for rows, chunk in iter_chunks(X, self.n_params):
            cross = matvec(chunk, theta_part) + intercept_part.sum()
            _raise_on_overflow(cross, rows, "cross term x_i~^T H^-1 x~")
            variance[rows] -= gain * np.square(np.ldexp(cross, -exponent))
        conditioned = np.ldexp(np.sqrt(np.maximum(variance, 0.0)), exponent)
        _raise_on_overflow(conditioned, slice(0, conditioned.size), "conditioned logit width")
        return conditioned

    def __repr__(self):
        intercept = "" if self.intercept is None else ", intercept"
        return f"LaplacePosterior(n_features={self.n_features}{intercept})"


__all__ = ["LaplacePosterior"]
