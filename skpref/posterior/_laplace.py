"""The Laplace posterior: every confidence interval in skpref comes from here.

Around the penalised maximum-likelihood estimate ``w_hat = (theta_hat, b)``
the posterior is approximated by ``N(w_hat, H^{-1})`` with

.. math::

    H = I / C + \\sum_j s_j \\mu'(x_j^T \\theta + b) \\, \\tilde x_j \\tilde x_j^T,
    \\qquad \\tilde x = (x, 1) \\text{ with an intercept, } x \\text{ otherwise}.

For a comparison row ``x`` the logit mean is ``m(x) = x^T theta_hat + b`` and
the logit width ``w(x) = sqrt(x~^T H^{-1} x~)``. Everything is computed from
the lower Cholesky factor ``H = L L^T``: the whitened row ``z = L^{-1} x~``
gives ``w(x) = ||z||`` and ``x_i~^T H^{-1} x_j~ = z_i^T z_j``. No pool is ever
held whole: rows are processed in chunks (:mod:`._whitening`).
"""

import numbers

import numpy as np
from scipy.linalg import LinAlgError, cholesky, solve_triangular

from .._blas import matmul, matvec
from .._chunks import as_float_chunk, is_dask_array, iter_chunks
from ..exceptions import NotPositiveDefiniteError
from ._checks import (
    finite_rows,
    not_positive_definite,
    raise_on_overflow,
    raise_on_overflowing_logits,
)
from ._conditioning import BatchConditioner
from ._information import HESSIAN_LIMIT, information_matrix
from ._intervals import SCALES, interval, resolve_beta
from ._whitening import Whitening


class LaplacePosterior:
    """Gaussian approximation ``N(w_hat, H^{-1})`` of a Bradley-Terry fit.

    Obtain one from a :class:`~skpref.PairwiseLogisticRegression`
    (:meth:`~skpref.PairwiseLogisticRegression.get_posterior`, fitted or
    not), from :meth:`prior` for a model that has seen no label, or from
    :meth:`from_hessian`.

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
        self._whitening = None

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
                not_positive_definite(hessian, intercept is not None)
            ) from error
        return cls(coef, factor, intercept)

    def with_information(self, X, weights):
        """The posterior with ``H + sum_j w_j x~_j x~_j^T`` (``theta_hat`` kept).

        The information after a design: ``w_j = n lambda_j mu'(m_j)`` spreads
        ``n`` labels over the rows by ``lambda``.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
        weights : array-like of shape (n_rows,)
            Non-negative ``w_j``.

        Returns
        -------
        LaplacePosterior
        """
        X = self.check_rows(X)
        hessian = self.precision() + information_matrix(
            X, weights, intercept=self.intercept is not None
        )
        return type(self).from_hessian(self.coef, hessian, self.intercept)

    # -- rows -----------------------------------------------------------------

    @property
    def n_params(self):
        """Dimension ``p`` of the parameter vector (features plus intercept)."""
        return self.cholesky_factor.shape[0]

    @property
    def whitening(self):
        """The :class:`~skpref.posterior.Whitening` map of this posterior (built once)."""
        if self._whitening is None:
            self._whitening = Whitening(self.cholesky_factor, self.coef, self.intercept)
        return self._whitening

    def precision(self):
        """``H = L L^T``, the posterior precision, shape (p, p)."""
        return matmul(self.cholesky_factor, self.cholesky_factor.T)

    def whitened_matrix(self, M):
        """``L^{-1} M L^{-T}``: a ``p x p`` matrix in whitened coordinates.

        If ``M = sum_i a_i x~_i x~_i^T`` then the result is ``sum_i a_i z_i
        z_i^T``, and ``tr(H^{-1} M)`` is its trace.

        Parameters
        ----------
        M : ndarray of shape (p, p)

        Returns
        -------
        ndarray of shape (p, p)
        """
        half = solve_triangular(self.cholesky_factor, M, lower=True, check_finite=False)
        whitened = solve_triangular(self.cholesky_factor, half.T, lower=True, check_finite=False)
        return 0.5 * (whitened + whitened.T)

    def check_rows(self, X):
        """``X`` as a 2-D array of rows over this posterior's features (``ValueError`` if not).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_rows, n_features)

        Returns
        -------
        array-like of shape (n_rows, n_features)
            ``X`` itself when it already is 2-D (a memory map is not read).
        """
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
        chunk = as_float_chunk(self.check_rows(X), slice(0, X.shape[0]))
        if self.intercept is None:
            return chunk
        return np.hstack([chunk, np.ones((chunk.shape[0], 1))])

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

        The norm of the whitened row, rescaled by a power of two where its sum
        of squares would overflow or underflow, so the width keeps its
        relative precision for rows of any magnitude; a width that float64
        cannot hold raises ``ValueError``.

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

        This is the one pass over a pool that every strategy, interval and
        report uses: per chunk, one matrix product gives the whitened rows and
        the means (:class:`~skpref.posterior.Whitening`).

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
        X = self.check_rows(X)
        if is_dask_array(X):  # blockwise on the workers, lazily
            from .._dask import mean_and_std

            return mean_and_std(self, X, mean=mean, std=std)
        n_rows = X.shape[0]
        means = np.empty(n_rows) if mean else None
        widths = np.empty(n_rows) if std else None
        # The pool is read where it lies (no copy of C-ordered float64 rows);
        # a NaN or infinity in a row makes its mean and its width non-finite,
        # and the row is then named.
        for rows, chunk in iter_chunks(X, self.n_params, copy=False):
            if std:
                whitened, chunk_means = self.whitening.whiten_and_mean(chunk)
                if not np.isfinite(chunk_means).all():
                    raise_on_overflowing_logits(chunk_means, chunk, rows.start)
                widths[rows] = self.whitening.norms(whitened, chunk, rows)
            else:
                chunk_means = matvec(chunk, self.coef) + (self.intercept or 0.0)
                if not np.isfinite(chunk_means).all():
                    raise_on_overflowing_logits(chunk_means, chunk, rows.start)
            if mean:
                means[rows] = chunk_means
        return means, widths

    def confidence_interval(self, X, beta=None, *, level=None, scale="logit"):
        """The interval of every row of ``X``: ``[m - beta w, m + beta w]``.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Comparison rows.
        beta : float, default=None
            Half-width in posterior standard deviations (1 when neither it
            nor ``level`` is given).
        level : float, default=None
            Confidence level in ``(0, 1)`` instead of ``beta``: ``beta =
            Phi^{-1}((1 + level) / 2)``, e.g. 1.96 for 0.95.
        scale : {"logit", "probability"}, default="logit"
            ``"probability"`` maps the ends through the logistic function:
            an interval for ``P(first preferred)``.

        Returns
        -------
        lower, upper : ndarray of shape (n_rows,)

        Examples
        --------
        >>> import numpy as np
        >>> prior = LaplacePosterior.prior(2, C=1.0)
        >>> prior.confidence_interval(np.array([[3.0, 4.0]]), beta=2.0)
        (array([-10.]), array([10.]))
        """
        beta = resolve_beta(beta, level)  # a bad beta, level or scale fails before the pass
        if scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES}, got {scale!r}.")
        if is_dask_array(X):  # blockwise on the workers, lazily
            from .._dask import confidence_interval

            return confidence_interval(self, self.check_rows(X), beta, scale=scale)
        return interval(*self.mean_and_std(X), beta, scale=scale)

    def whiten_and_mean(self, chunk):
        """Whitened rows and logit means of a float64 chunk (no checks; internal use)."""
        return self.whitening.whiten_and_mean(chunk)

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
        X = self.check_rows(X)
        rows = slice(0, X.shape[0])
        with np.errstate(over="ignore", invalid="ignore"):  # reported below
            whitened = np.ascontiguousarray(self.whitening.whiten(as_float_chunk(X, rows)))
        raise_on_overflow(finite_rows(whitened), rows, "whitened row L^-1 x~")
        return whitened

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
        X = self.check_rows(X)
        if is_dask_array(X):  # blockwise on the workers, kept there
            from .._dask import whitened_quadratic_form

            return whitened_quadratic_form(self, X, W)
        values = np.empty(X.shape[0])
        for rows, chunk in iter_chunks(X, self.n_params):
            with np.errstate(over="ignore", invalid="ignore"):  # reported below
                whitened = self.whitening.whiten(chunk)
                raise_on_overflow(finite_rows(whitened), rows, "whitened row L^-1 x~")
                values[rows] = np.einsum("ij,ij->i", whitened, matmul(whitened, W))
            raise_on_overflow(values[rows], rows, "quadratic form z^T W z")
        return values

    # -- conditioning (fantasy updates: no label, theta_hat unchanged) ---------

    def conditioner(self):
        """A :class:`~skpref.posterior.BatchConditioner` starting from this posterior.

        Returns
        -------
        BatchConditioner
        """
        return BatchConditioner(self)

    def condition(self, X, sample_weight=None):
        """The posterior after adding rows ``X`` to ``H`` (no label needed).

        ``H <- H + sum_j s_j mu'(m(x_j)) x_j~ x_j~^T`` with ``theta_hat`` kept:
        the Hessian a refit would have if the new labels left the estimate
        where it is (see :class:`~skpref.posterior.BatchConditioner`).

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
        return self.conditioner().add_rows(X, sample_weight).conditioned_posterior()

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_whitening"] = None  # rebuilt on first use
        return state

    def __repr__(self):
        intercept = "" if self.intercept is None else ", intercept"
        return f"LaplacePosterior(n_features={self.n_features}{intercept})"
