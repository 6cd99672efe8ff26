"""Batch conditioning: the posterior after rows whose labels are not known yet.

A greedy batch picks a row, then scores the pool as if that row were labeled:
the "fantasy" update of SPEC section 3,

.. math::

    H \\leftarrow H + c \\, \\tilde x \\tilde x^T, \\qquad c = s \\, \\mu'(m(x)),

with ``theta_hat`` kept (no label is needed: it is the Hessian a refit would
have if the label left the estimate where it is). In whitened coordinates
``z = L^{-1} x~`` (``H = L L^T``) the conditioned precision is
``L A L^T`` with ``A = I + sum_k c_k z_k z_k^T``, and by Sherman-Morrison,
one term per pick,

.. math::

    A^{-1} = I - \\sum_k u_k u_k^T, \\quad
    u_k = \\sqrt{g_k} \\, A_{k-1}^{-1} z_k, \\quad
    g_k = \\frac{c_k}{1 + c_k z_k^T A_{k-1}^{-1} z_k},

so a row's conditioned variance is ``w^2 - ||U z||^2``: ``O(k p)`` for a row
whose whitened vector is known, and never a new factorisation.
"""

import numpy as np
from scipy.linalg import LinAlgError, cholesky

from .._blas import dot, gram, matmul, matvec, rmatvec
from .._chunks import as_float_chunk, iter_chunks
from .._linalg import cholesky_update
from .._logistic import logistic_variance
from ..exceptions import NotPositiveDefiniteError
from ._checks import (
    not_positive_definite,
    raise_on_overflow,
    raise_on_overflowing_logits,
    scaled_row_norms,
)


_OVERFLOW = (
    "Conditioning on these rows overflows float64: the information they add, "
    "sum_j s_j mu'(m_j) x_j~ x_j~^T, has entries beyond its range; rescale the rows."
)


class BatchConditioner:
    """A posterior conditioned on picked rows, kept in whitened form.

    Obtain one from :meth:`LaplacePosterior.conditioner`. Every batch
    conditioning in skpref goes through this class: the greedy batches of the
    query strategies (:meth:`add` and :meth:`variance_drop` on whitened
    rows), :meth:`LaplacePosterior.condition` (:meth:`add_rows`, then
    :meth:`conditioned_posterior`) and the conditioned widths of any rows
    (:meth:`std`).

    Parameters
    ----------
    posterior : LaplacePosterior
        The posterior before any pick.

    Attributes
    ----------
    updates : ndarray of shape (n_picked, p)
        The Sherman-Morrison vectors ``u_k``.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import LaplacePosterior
    >>> prior = LaplacePosterior.prior(n_features=2, C=1.0)
    >>> conditioner = prior.conditioner().add_rows(np.array([[1.0, 0.0]]))
    >>> conditioner.std(np.array([[1.0, 0.0], [0.0, 1.0]])).round(4)  # 1 / sqrt(1 + 1/4)
    array([0.8944, 1.    ])
    """

    def __init__(self, posterior):
        self.posterior = posterior
        self._updates = np.empty((0, posterior.n_params))
        self._picked = []  # (whitened row, weight)

    @property
    def updates(self):
        """The Sherman-Morrison vectors of every pick, computed when first needed.

        :meth:`conditioned_posterior` does not need them: a posterior
        conditioned on many rows at once never computes them (their
        recursion loses precision where the rows added dwarf the information
        held, which the refactorisation then explains).
        """
        for z, c in self._picked[len(self._updates):]:
            # u_k = sqrt(g_k) A_{k-1}^{-1} z_k, A_{k-1}^{-1} z = z - U^T U z
            direction = np.array(z)
            with np.errstate(over="ignore", invalid="ignore"):  # reported below
                if len(self._updates):
                    direction -= rmatvec(self._updates, matvec(self._updates, z))
                # z^T A^{-1} z >= 0; rounding can take it below 0 when the rows
                # added dwarf the information held.
                gain = c / (1.0 + c * max(dot(z, direction), 0.0))
                self._updates = np.vstack([self._updates, np.sqrt(gain) * direction])
        if not np.isfinite(self._updates).all():
            raise ValueError(
                "Conditioning on these rows overflows float64: the information they add, "
                "sum_j s_j mu'(m_j) x_j~ x_j~^T, has entries beyond its range (or swamps "
                "what the posterior holds beyond float64's precision); rescale the rows."
            )
        return self._updates

    def __len__(self):
        return len(self._picked)

    def variance_drop(self, whitened):
        """``||U z||^2``: how much the picks so far shrink the variance of a whitened row.

        Parameters
        ----------
        whitened : ndarray of shape (p,) or (n_rows, p)

        Returns
        -------
        float or ndarray of shape (n_rows,)
        """
        if whitened.ndim == 1:
            if not len(self.updates):
                return 0.0
            projected = matvec(self.updates, whitened)
            return dot(projected, projected)
        if not len(self.updates):
            return np.zeros(whitened.shape[0])
        projected = matmul(whitened, self.updates.T)
        return np.einsum("ij,ij->i", projected, projected)

    def add(self, whitened, weight):
        """Condition on one whitened row ``z`` with Fisher weight ``c`` (``c >= 0``).

        Returns
        -------
        self : BatchConditioner
        """
        self._picked.append((np.array(whitened, dtype=np.float64), float(weight)))
        return self

    def add_rows(self, X, sample_weight=None):
        """Condition on rows ``X`` (labels not needed), weights ``c_j = s_j mu'(m(x_j))``.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
        sample_weight : array-like of shape (n_rows,), default=None
            Weights ``s_j`` (1 each by default).

        Returns
        -------
        self : BatchConditioner
        """
        X = self.posterior.check_rows(X)
        rows = as_float_chunk(X, slice(0, X.shape[0]))
        with np.errstate(over="ignore", invalid="ignore"):  # reported just below
            whitened, means = self.posterior.whiten_and_mean(rows)
        if not np.isfinite(means).all():
            raise_on_overflowing_logits(means, rows)
        weights = logistic_variance(means)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64).ravel()
            if sample_weight.shape != weights.shape or np.any(sample_weight < 0):
                raise ValueError("sample_weight must hold one non-negative weight per row of X.")
            weights = weights * sample_weight
        for z, c in zip(whitened, weights):
            self.add(z, c)
        return self

    def std(self, X):
        """Logit widths of rows ``X`` under the conditioned posterior, to full precision.

        ``w'^2 = w^2 - ||U z||^2``, computed on each row scaled by the power of
        two at its peak (exact), so rows of any magnitude keep their precision.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        X = self.posterior.check_rows(X)
        widths = np.empty(X.shape[0])
        for rows, chunk in iter_chunks(X, self.posterior.n_params):
            scaled, exponent = self.posterior.whitening.whiten_scaled(chunk)
            norms = scaled_row_norms(scaled)
            drop = self.variance_drop(scaled)
            # In units of each row's norm, so the squares neither overflow nor underflow.
            with np.errstate(divide="ignore", invalid="ignore"):
                relative = np.where(norms > 0, drop / np.square(np.where(norms > 0, norms, 1.0)),
                                    0.0)
            conditioned = norms * np.sqrt(np.maximum(1.0 - relative, 0.0))
            with np.errstate(over="ignore"):
                widths[rows] = np.ldexp(conditioned, exponent)
            raise_on_overflow(widths[rows], rows, "conditioned logit width")
        return widths

    def conditioned_posterior(self):
        """The :class:`LaplacePosterior` with ``H + sum_k c_k x~_k x~_k^T``, ``theta_hat`` kept.

        Its factor is ``L M`` with ``M M^T = I + sum_k c_k z_k z_k^T``: a few
        picks are folded into ``M = I`` by rank-one Cholesky updates
        (``O(p^2)`` each), many by one factorisation of the ``p x p`` matrix.

        Returns
        -------
        LaplacePosterior
        """
        posterior = self.posterior
        n_params = posterior.n_params
        if not self._picked:
            return posterior
        with np.errstate(over="ignore", invalid="ignore"):  # reported below
            scaled = np.array([np.sqrt(c) * z for z, c in self._picked])
            precision = None
            if scaled.shape[0] > max(1, n_params // 8):
                precision = np.eye(n_params) + gram(scaled)
        if not (np.isfinite(scaled).all() and (precision is None or np.isfinite(precision).all())):
            raise ValueError(_OVERFLOW)
        if precision is None:
            inner = np.eye(n_params)
            with np.errstate(over="ignore", invalid="ignore"):  # reported below
                for row in scaled:
                    inner = cholesky_update(inner, row)
        else:
            try:
                inner = cholesky(precision, lower=True, check_finite=False)
            except LinAlgError as error:
                raise NotPositiveDefiniteError(
                    not_positive_definite(
                        precision,
                        False,
                        "the rows added dwarf the information already held in some "
                        "directions and are (nearly) collinear; rescale the rows",
                    )
                ) from error
        with np.errstate(over="ignore", invalid="ignore"):
            factor = np.tril(matmul(posterior.cholesky_factor, inner))
        if not np.isfinite(factor).all():
            raise ValueError(_OVERFLOW)
        return type(posterior)(posterior.coef, factor, posterior.intercept)
