"""The pool as every query strategy sees it.

* :func:`resolve_classifier` unwraps a modAL learner, a fitted search, a
  fitted loop or a ``Pipeline`` into the final estimator and the pool rows as
  that estimator sees them (transformed lazily, chunk by chunk; a
  scipy.sparse pool is densified one chunk at a time);
* :func:`posterior_of` asks that estimator for its posterior, fitted or not
  (``get_posterior``: the Laplace posterior, or the prior ``N(0, C I)`` at a
  cold start);
* :class:`ScoredPool` holds the rows with their logit means ``m_i`` and widths
  ``w_i`` from one chunked pass, refuses, naming the row, what float64 cannot
  score, and caches the whitened rows a greedy batch re-scores;
* :func:`score_pool` is all of that in one call, the first line of every
  strategy; :func:`check_utility` checks the utilities built from a pool.
"""

import numbers
import sys

import numpy as np
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.model_selection._search import BaseSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .. import check_antisymmetric
from .._chunks import as_float_chunk, is_dask_array, iter_chunks, release_pages
from .._logistic import logistic_variance


# -- unwrapping --------------------------------------------------------------


class TransformedPool:
    """Pool rows seen through a fitted transformer, transformed on access.

    Indexing with a slice or an index array transforms only those rows, so a
    memory-mapped or sparse pool passes through a ``Pipeline`` chunk by chunk.
    Each chunk is returned as a dense array, whatever the transformer outputs
    (a sparse matrix or, with ``set_output(transform="pandas")``, a DataFrame).
    """

    def __init__(self, X, transformer):
        self.X = X
        self.transformer = transformer
        first = self[:1]
        self.shape = (X.shape[0], first.shape[1])
        self.ndim = 2

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, rows):
        # DataFrames keep their columns so that name-based steps still work.
        selected = self.X.iloc[rows] if hasattr(self.X, "iloc") else self.X[rows]
        return _dense(self.transformer.transform(selected))


def _dense(rows):
    """A transformer's output as a numpy array (sparse and pandas outputs included)."""
    if sparse.issparse(rows):
        return rows.toarray()
    if hasattr(rows, "iloc"):
        return rows.to_numpy()
    return np.asarray(rows)


def _modal_base_learner():
    """modAL's ``BaseLearner`` class, or None when modAL is not loaded.

    modAL is optional. A modAL learner can only exist once its class's module
    has been imported, so modAL is looked up only if the ``modAL`` package is
    already in ``sys.modules``: skpref never imports it on its own account.
    """
    if "modAL" not in sys.modules:
        return None
    try:
        from modAL.models.base import BaseLearner
    except ImportError:  # a modAL without this module has no learner we know
        return None
    return BaseLearner


def _fitted_inner_estimator(estimator):
    """A meta-estimator's fitted ``estimator_``, or None.

    Only a fitted one counts: some meta-estimators (bagging) keep an unfitted
    template there, whose prior would silently stand in for the model.
    """
    inner = getattr(estimator, "estimator_", None)
    return inner if inner is not None and _is_fitted(inner) else None


def resolve_classifier(classifier, X_pool):
    """The final estimator and the pool rows in its feature space.

    Unwraps, repeatedly, by an explicit protocol, in this order:

    1. a fitted search's ``best_estimator_`` (``GridSearchCV`` and the other
       ``BaseSearchCV``; an unfitted one, or one fitted with ``refit=False``,
       has not chosen a model and raises ``NotFittedError``);
    2. a fitted meta-estimator's fitted ``estimator_`` (a fitted
       :class:`~skpref.active.ActivePreferenceClassifier`: the model its loop
       fitted, not its unfitted constructor argument);
    3. a ``Pipeline``: its last step, the pool going through every other step
       (lazily, chunk by chunk);
    4. a modAL learner (an instance of ``modAL.models.base.BaseLearner``,
       looked up only if modAL is loaded): its ``estimator``.

    5. an object with a ``query_estimator()`` method (an unfitted
       :class:`~skpref.active.ActivePreferenceClassifier`: the estimator its
       loop would refit, whose prior drives a cold start).

    Anything else is the estimator itself, which must give its posterior by
    ``get_posterior(n_features, kind=...)``.

    Parameters
    ----------
    classifier : estimator, Pipeline, search, loop or modAL learner
        What the strategy was given.
    X_pool : array-like or sparse matrix of shape (n_pool, n_features)
        The pool, in ``classifier``'s input space.

    Returns
    -------
    estimator : estimator
        The object whose posterior drives the strategy.
    rows : array-like of shape (n_pool, n_features)
        The pool in the estimator's feature space (a scipy.sparse pool stays
        sparse; every pass densifies one chunk at a time).
    """
    rows = _as_pool(X_pool)
    base_learner = _modal_base_learner()
    estimator = classifier
    while True:
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif isinstance(estimator, BaseSearchCV):
            state = (
                "was fitted with refit=False, so it kept no model"
                if hasattr(estimator, "cv_results_")
                else "is not fitted, so it has not chosen a model yet"
            )
            raise NotFittedError(
                f"This {type(estimator).__name__} {state}: there is no best_estimator_ to "
                "score the pool with. Fit it (with refit=True), or pass its estimator for a "
                "cold start."
            )
        elif _fitted_inner_estimator(estimator) is not None:
            estimator = _fitted_inner_estimator(estimator)
        elif isinstance(estimator, Pipeline):
            if len(estimator.steps) > 1 and is_dask_array(rows):
                # The steps run blockwise on the workers.
                from .._dask import transformed

                rows = _transform_unfitted(estimator[:-1], rows, transformed)
            elif len(estimator.steps) > 1 and _is_fitted(estimator.steps[-1][1]):
                rows = TransformedPool(rows, estimator[:-1])
            elif len(estimator.steps) > 1:
                rows = _transform_unfitted(estimator[:-1], rows)
            estimator = estimator.steps[-1][1]
        elif base_learner is not None and isinstance(estimator, base_learner):
            estimator = estimator.estimator
        elif callable(getattr(estimator, "query_estimator", None)):
            estimator = estimator.query_estimator()
        else:
            # pandas rows reach a pipeline's steps as they are; the model
            # itself sees positional numpy rows.
            return estimator, rows.to_numpy() if hasattr(rows, "iloc") else rows


def _transform_unfitted(transformer, rows, pool=TransformedPool):
    """Before the first fit, stateless steps (PairDifference) still apply."""
    try:
        return pool(rows, transformer)
    except NotFittedError as error:
        raise NotFittedError(
            "The pipeline's transformers are not fitted, so the pool cannot be "
            "mapped to the model's features for a cold start; fit the pipeline "
            "on a few labeled pairs first."
        ) from error


def _as_pool(X_pool):
    if is_dask_array(X_pool):
        if X_pool.ndim != 2:
            raise ValueError(
                f"X_pool must be a 2-D array of comparison rows, got {X_pool.ndim} dimension(s)."
            )
        from .._dask import as_row_chunked

        return as_row_chunked(X_pool)
    if sparse.issparse(X_pool):
        if X_pool.ndim != 2:
            raise ValueError(
                f"X_pool must be a 2-D array of comparison rows, got {X_pool.ndim} dimension(s)."
            )
        # Passes read row slices: CSR slices rows in O(rows read); other
        # formats (CSC, COO, ...) are converted once, sparse, never densified.
        return X_pool if X_pool.format == "csr" else X_pool.tocsr()
    if hasattr(X_pool, "shape") and len(X_pool.shape) == 2 and hasattr(X_pool, "__getitem__"):
        return X_pool
    pool = np.asarray(X_pool)
    if pool.ndim != 2:
        raise ValueError(
            f"X_pool must be a 2-D array of comparison rows, got {pool.ndim} dimension(s)."
        )
    return pool


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except (NotFittedError, TypeError):  # TypeError: not an estimator (no fit method)
        return False
    return True


def posterior_of(estimator, n_features, kind="laplace"):
    """The posterior of ``estimator`` over ``n_features``, fitted or not.

    Parameters
    ----------
    estimator : PairwiseLogisticRegression or compatible
        Anything with ``get_posterior(n_features, kind=...)`` (see
        :meth:`skpref.PairwiseLogisticRegression.get_posterior`).
    n_features : int
        Features of the pool (for the prior of an unfitted model).
    kind : {"laplace", "gram"}
        ``"gram"`` is the regularised Gram matrix ``V = I / C + sum x x^T`` (APO).

    Returns
    -------
    LaplacePosterior
    """
    get_posterior = getattr(estimator, "get_posterior", None)
    if get_posterior is None:
        raise TypeError(
            f"{type(estimator).__name__} has no Laplace posterior: skpref strategies need a "
            "PairwiseLogisticRegression, or an estimator with a "
            "get_posterior(n_features, kind=...) method."
        )
    return get_posterior(n_features, kind=kind)


def confidence_interval(classifier, X, beta=None, *, level=None, scale="logit"):
    """The Laplace interval of every row of ``X``, through whatever wraps the model.

    ``[m - beta w, m + beta w]`` of :meth:`LaplacePosterior.confidence_interval`,
    with ``X`` in ``classifier``'s input space: a ``Pipeline`` ending in the
    model, a fitted search, a loop or a modAL learner is unwrapped exactly as
    the query strategies do (:func:`resolve_classifier`), so there is no
    ``pipe[-1].confidence_interval(pipe[:-1].transform(X))`` to write. An
    unfitted model gives the prior's intervals. A Pipeline whose steps break
    the pair swap (a centering ``StandardScaler()``) is named in an
    :class:`~skpref.exceptions.AntisymmetryWarning`.

    Parameters
    ----------
    classifier : estimator, Pipeline, search, loop or modAL learner
    X : array-like or sparse matrix of shape (n_rows, n_input_features)
        Rows in ``classifier``'s input space.
    beta : float, default=None
        Half-width in posterior standard deviations (1 when neither it nor
        ``level`` is given).
    level : float, default=None
        Confidence level in ``(0, 1)`` instead of ``beta`` (1.96 for 0.95).
    scale : {"logit", "probability"}, default="logit"
        ``"probability"``: the interval of ``P(first preferred)``.

    Returns
    -------
    lower, upper : ndarray of shape (n_rows,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref.query import confidence_interval
    >>> X = np.array([[1.0, 0.2], [-0.5, 1.0], [0.3, -1.0], [-1.0, -0.4]])
    >>> pipe = make_pipeline(StandardScaler(with_mean=False), PairwiseLogisticRegression())
    >>> pipe = pipe.fit(X, [1, 0, 1, 0])
    >>> lower, upper = confidence_interval(pipe, X, level=0.95, scale="probability")
    >>> bool(np.all((lower < pipe.predict_proba(X)[:, 1]) & (pipe.predict_proba(X)[:, 1] < upper)))
    True
    """
    if isinstance(classifier, Pipeline):
        check_antisymmetric(classifier, X)
    estimator, rows = resolve_classifier(classifier, X)
    posterior = posterior_of(estimator, rows.shape[1])
    return posterior.confidence_interval(rows, beta, level=level, scale=scale)


class ScoredPool:
    """A pool as a strategy sees it: its rows, their posterior and their scores.

    One chunked pass over the rows gives every logit mean ``m_i = x_i^T
    theta_hat + b`` and width ``w_i = sqrt(x_i~^T H^{-1} x_i~)``. A row that
    float64 cannot score stops every strategy here: the posterior's pass
    refuses, naming the row, a NaN or infinite entry and a logit or width
    that overflows; what remains is the square, since utilities use the
    variance ``w^2``, which overflows for widths above about ``1e154`` (for
    the prior ``w^2 = C ||x||^2``: entries above about ``1e154 / sqrt(C)``).
    Such a row is refused with a ``ValueError`` naming it, instead of a
    utility of inf that would silently tie it at the top. Exact zero rows are
    fine: ``m = 0``, ``w = 0``.

    Parameters
    ----------
    posterior : LaplacePosterior
    rows : array-like or sparse matrix of shape (n_pool, n_features)
        The pool in the posterior's feature space.
    means, widths : bool, default=True
        Which scores to compute (the others are None).

    Attributes
    ----------
    posterior : LaplacePosterior
    rows : array-like of shape (n_pool, n_features)
    means, widths : ndarray of shape (n_pool,) or None
    """

    #: Rows whitened at once when a greedy batch first needs one: the next
    #: candidates in rank order are likely to be needed too, and through a
    #: ``Pipeline`` one read transforms them all in one call.
    WHITEN_BLOCK = 64

    def __init__(self, posterior, rows, *, means=True, widths=True):
        self.posterior = posterior
        self.rows = rows
        self.means, self.widths = posterior.mean_and_std(rows, mean=means, std=widths)
        if is_dask_array(rows):  # the scores stay on the workers, computed once
            from .._dask import persist

            self.means, self.widths = persist(self.means, self.widths)
        if self.widths is not None:
            with np.errstate(over="ignore"):
                overflow = ~np.isfinite(np.square(self.widths))
            if overflow.any():
                refuse_row(
                    rows, np.flatnonzero(overflow)[0],
                    "its posterior variance x^T H^-1 x overflows float64",
                )
        self._logistic_variances = None
        self._whitened = {}

    @property
    def n_rows(self):
        """Number of pool rows."""
        return self.rows.shape[0]

    @property
    def logistic_variances(self):
        """``mu'(m_i)``: the curvature one label at each row would add to ``H``."""
        if self._logistic_variances is None:
            self._logistic_variances = logistic_variance(self.means)
        return self._logistic_variances

    def whitened_row(self, index, upcoming=()):
        """The whitened row ``z = L^{-1} x~`` of pool position ``index``, shape (p,).

        Computed once per row and cached. On a miss, the rows ``upcoming``
        (the next candidates, likely to be needed too) that are not cached yet
        are whitened with it, in one read: one ``transform`` call through a
        ``Pipeline``, one slice of a memory map (whose pages are then
        released).
        """
        index = int(index)
        if index not in self._whitened:
            self.whiten_rows([index, *upcoming])
        return self._whitened[index]

    def whiten_rows(self, indices):
        """Whiten and cache, in one read, the rows of ``indices`` not cached yet."""
        wanted = {int(i) for i in indices} - self._whitened.keys()
        if wanted:
            missing = np.array(sorted(wanted), dtype=np.intp)
            for position, row in zip(missing.tolist(), self.posterior.whiten(self.rows[missing])):
                self._whitened[position] = row
                release_pages(self.rows, slice(position, position + 1))


def score_pool(classifier, X_pool, n_instances, *, means=True, widths=True, kind="laplace"):
    """Everything a strategy starts from, in one call.

    Parameters
    ----------
    classifier : estimator, Pipeline, search, loop or modAL learner
    X_pool : array-like or sparse matrix of shape (n_pool, n_features)
    n_instances : int
    means, widths : bool, default=True
        Which scores the strategy needs.
    kind : {"laplace", "gram"}, default="laplace"
        Which posterior (see :func:`posterior_of`).

    Returns
    -------
    pool : ScoredPool
    n : int
        The batch size ``min(n_instances, n_pool)``.
    """
    estimator, rows = resolve_classifier(classifier, X_pool)
    n = check_n_instances(n_instances, rows.shape[0])
    posterior = posterior_of(estimator, rows.shape[1], kind)
    return ScoredPool(posterior, rows, means=means, widths=widths), n


def check_utility(utility, rows, what="utility", positions=None):
    """``utility``, unchanged, if no row's utility is NaN or ``+inf``.

    Utilities are built from checked means and widths, but a product of
    several row-sized factors (a design's first-order gain) or a large
    strategy parameter can still overflow: a ``+inf`` would tie every such
    row at the top and a NaN would rank it last, both silently. ``-inf`` is
    a documented score (a zero row's z-score) and passes.

    Parameters
    ----------
    utility : ndarray of shape (n_rows,)
    rows : array-like of shape (n_pool, n_features)
        The pool, to describe a refused row.
    what : str, default="utility"
        What ``utility`` is, for the message.
    positions : ndarray of int of shape (n_rows,), default=None
        The pool rows of ``utility`` when it scores a subset (None: every
        pool row, in order).

    Raises
    ------
    ValueError
        Naming the first pool row whose utility is NaN or ``+inf``.
    """
    if is_dask_array(utility):
        from .._dask import check_utility as check_dask_utility

        return check_dask_utility(utility, rows, what)
    bad = np.isnan(utility) | (utility == np.inf)
    if bad.any():
        index = np.flatnonzero(bad)[0]
        row = index if positions is None else positions[index]
        refuse_row(rows, row, f"its {what} overflows float64 (got {utility[index]})")
    return utility


def refuse_row(rows, index, cause):
    """Raise the ``ValueError`` of :class:`ScoredPool` for pool row ``index``."""
    index = int(index)
    row = as_float_chunk(rows, slice(index, index + 1), copy=False)[0]
    nonzero = np.abs(row[row != 0])
    scale = (
        f"its non-zero entries range from {nonzero.min():.3g} to {nonzero.max():.3g} in "
        "magnitude"
        if nonzero.size
        else "it is zero"
    )
    raise ValueError(
        f"X_pool row {index} cannot be scored: {cause}; {scale}. Rescale the comparison "
        "features to a moderate range (and refit the model on the rescaled rows)."
    )


def check_pool_rows(estimator, rows):
    """Validate a pool that no posterior pass will read (random sampling).

    The checks, and their messages, are those every other strategy gets from
    its passes: a fitted model's number of features (as in
    :meth:`~skpref.PairwiseLogisticRegression.get_posterior`), then finite
    entries, in one chunked pass that names the first bad row.
    """
    n_features = getattr(estimator, "n_features_in_", None)  # set by fit only
    if n_features is not None and n_features != rows.shape[1]:
        raise ValueError(
            f"X_pool has {rows.shape[1]} features, but the model was fitted on {n_features}."
        )
    if is_dask_array(rows):
        from .._dask import check_finite

        return check_finite(rows)
    for _ in iter_chunks(rows, rows.shape[1]):
        pass  # each chunk is checked for NaN and infinity as it is read


def check_n_instances(n_instances, n_pool):
    """Validate ``n_instances``; return ``min(n_instances, n_pool)``."""
    if isinstance(n_instances, bool) or not isinstance(n_instances, numbers.Integral):
        raise TypeError(f"n_instances must be an integer, got {n_instances!r}.")
    if n_instances < 1:
        raise ValueError(f"n_instances must be at least 1, got {n_instances}.")
    if n_pool < 1:
        raise ValueError("X_pool is empty: there is nothing left to query.")
    return min(int(n_instances), n_pool)
