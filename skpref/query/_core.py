"""The shared core of every query strategy.

A strategy is a short function on top of five pieces that live here:

* :func:`resolve_classifier` unwraps a modAL learner, a fitted search, a
  fitted loop or a ``Pipeline`` into the final estimator and the pool rows as
  that estimator sees them (transformed lazily, chunk by chunk; a
  scipy.sparse pool is densified one chunk at a time);
* :func:`posterior_of` reads the Laplace posterior, or the prior
  ``N(0, C I)`` for a model that has not seen a label (cold start);
* :func:`pool_moments` computes the logit means and widths of every row (the
  posterior refuses, naming the row, what float64 cannot hold) and is the
  one place where a row whose variance ``w^2`` overflows stops the strategy
  with a ``ValueError`` naming the row;
  :func:`check_utility` does the same for the utilities built from them;
* :func:`select_top` takes the ``n`` best utilities, best first, with seeded
  tie-breaking;
* :func:`lazy_greedy` builds a batch greedily while conditioning the
  posterior on each pick by rank-one updates.
"""

import heapq
import numbers
import sys

import numpy as np
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.model_selection._search import BaseSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._blas import dot, matvec, rmatvec
from .._chunks import as_float_chunk, iter_chunks, release_pages
from .._logistic import logistic_variance
from .._posterior import LaplacePosterior
from .._random import tie_break_keys


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
       looked up only if modAL is loaded): its ``estimator``;
    5. an unfitted :class:`~skpref.active.ActivePreferenceClassifier`: the
       estimator its loop would refit (cold start from its prior).

    Anything else is the estimator itself.

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
    from .._loop import ActivePreferenceClassifier  # the loop imports this package

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
            if len(estimator.steps) > 1 and _is_fitted(estimator.steps[-1][1]):
                rows = TransformedPool(rows, estimator[:-1])
            elif len(estimator.steps) > 1:
                rows = _transform_unfitted(estimator[:-1], rows)
            estimator = estimator.steps[-1][1]
        elif base_learner is not None and isinstance(estimator, base_learner):
            estimator = estimator.estimator
        elif isinstance(estimator, ActivePreferenceClassifier):
            estimator = estimator._base_estimator()  # unfitted: rule 2 did not apply
        else:
            # pandas rows reach a pipeline's steps as they are; the model
            # itself sees positional numpy rows.
            return estimator, rows.to_numpy() if hasattr(rows, "iloc") else rows


def _transform_unfitted(transformer, rows):
    """Before the first fit, stateless steps (PairDifference) still apply."""
    try:
        return TransformedPool(rows, transformer)
    except NotFittedError as error:
        raise NotFittedError(
            "The pipeline's transformers are not fitted, so the pool cannot be "
            "mapped to the model's features for a cold start; fit the pipeline "
            "on a few labeled pairs first."
        ) from error


def _as_pool(X_pool):
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


def posterior_of(estimator, n_features, kind="posterior"):
    """The Laplace posterior of ``estimator``, or its prior if unfitted.

    Parameters
    ----------
    estimator : PairwiseLogisticRegression or compatible
        Anything with a ``posterior_`` attribute once fitted (and
        ``design_posterior_`` for ``kind="design"``) and a ``C`` parameter.
    n_features : int
        Features of the pool (for the prior of an unfitted model).
    kind : {"posterior", "design"}
        ``"design"`` is the unweighted design ``V = I / C + sum x x^T``.
    """
    attribute = "posterior_" if kind == "posterior" else "design_posterior_"
    if not _is_fitted(estimator):
        if not hasattr(estimator, "get_params") or "C" not in estimator.get_params():
            raise TypeError(
                f"{type(estimator).__name__} has no Laplace posterior: skpref "
                "strategies need a PairwiseLogisticRegression (or an estimator "
                f"with a {attribute} attribute and a C parameter)."
            )
        return LaplacePosterior.prior(n_features, C=estimator.get_params()["C"])
    if not hasattr(type(estimator), attribute) and not hasattr(estimator, attribute):
        raise TypeError(
            f"{type(estimator).__name__} has no {attribute}: skpref strategies "
            "need a PairwiseLogisticRegression (or a compatible estimator)."
        )
    posterior = getattr(estimator, attribute)
    if posterior.n_features != n_features:
        raise ValueError(
            f"X_pool has {n_features} features, but the model was fitted on "
            f"{posterior.n_features}."
        )
    return posterior


def prepare(classifier, X_pool, n_instances, kind="posterior"):
    """Everything a strategy starts from, in one call.

    Returns ``(posterior, rows, n)``: the posterior (or prior) of the
    unwrapped estimator, the pool in its feature space, and the batch size
    ``min(n_instances, n_pool)``.
    """
    estimator, rows = resolve_classifier(classifier, X_pool)
    n = check_n_instances(n_instances, rows.shape[0])
    return posterior_of(estimator, rows.shape[1], kind), rows, n


# -- what float64 can score ---------------------------------------------------


def pool_moments(posterior, rows, *, mean=True, std=True):
    """Logit means ``m_i`` and widths ``w_i`` of every pool row, checked.

    Every strategy reads the pool through this function. The posterior's
    chunked pass computes every mean and width float64 can hold to full
    precision (tiny and huge rows included) and refuses, naming the row, a
    NaN or infinite entry and a logit or width that overflows. What remains
    for the strategies is the square: their utilities use the variance
    ``w^2 = x~^T H^{-1} x~``, which overflows for widths above about
    ``1e154`` (for the prior ``w^2 = C ||x||^2``: entries above about
    ``1e154 / sqrt(C)``). Such a row stops every strategy here, with a
    ``ValueError`` naming the first one, instead of a utility of inf that
    would silently tie it at the top. Exact zero rows are fine: ``m = 0``,
    ``w = 0``.

    Parameters
    ----------
    posterior : LaplacePosterior
    rows : array-like of shape (n_pool, n_features)
        The pool in the posterior's feature space.
    mean, std : bool, default=True
        Which of the two to compute.

    Returns
    -------
    means, widths : ndarray of shape (n_pool,) or None
        As :meth:`~skpref.LaplacePosterior.mean_and_std`.
    """
    means, widths = posterior.mean_and_std(rows, mean=mean, std=std)
    if widths is not None:
        with np.errstate(over="ignore"):
            overflow = ~np.isfinite(np.square(widths))
        if overflow.any():
            _refuse_row(
                rows, np.flatnonzero(overflow)[0],
                "its posterior variance x^T H^-1 x overflows float64",
            )
    return means, widths


def check_utility(utility, rows, what="utility"):
    """``utility``, unchanged, if no row's utility is NaN or ``+inf``.

    Utilities are built from checked means and widths, but a product of
    several row-sized factors (a design's first-order gain) or a large
    strategy parameter can still overflow: a ``+inf`` would tie every such
    row at the top and a NaN would rank it last, both silently. ``-inf`` is
    a documented score (a zero row's z-score) and passes.

    Raises
    ------
    ValueError
        Naming the first pool row whose utility is NaN or ``+inf``.
    """
    bad = np.isnan(utility) | (utility == np.inf)
    if bad.any():
        index = np.flatnonzero(bad)[0]
        _refuse_row(rows, index, f"its {what} overflows float64 (got {utility[index]})")
    return utility


def _refuse_row(rows, index, cause):
    """Raise the ``ValueError`` of :func:`pool_moments` for pool row ``index``."""
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
    :func:`posterior_of`), then finite entries, in one chunked pass that names
    the first bad row.
    """
    n_features = getattr(estimator, "n_features_in_", None)  # set by fit only
    if n_features is not None and n_features != rows.shape[1]:
        raise ValueError(
            f"X_pool has {rows.shape[1]} features, but the model was fitted on {n_features}."
        )
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


# -- selection ---------------------------------------------------------------


def select_top(utility, n, random_state=None):
    """Indices of the ``n`` largest utilities, best first, ties seeded.

    ``O(N + n log n)``: a partition finds the ``n`` best, a sort orders them.
    NaN utilities rank last.
    """
    utility = np.where(np.isnan(utility), -np.inf, utility)
    keys = tie_break_keys(utility.size, random_state)
    if n < utility.size:
        threshold = np.partition(utility, utility.size - n)[utility.size - n]
        candidates = np.flatnonzero(utility >= threshold)
    else:
        candidates = np.arange(utility.size)
    order = np.lexsort((-keys[candidates], -utility[candidates]))[:n]
    chosen = candidates[order]
    return chosen, utility[chosen]


class _Conditioning:
    """Widths under ``H + sum_k c_k x_k x_k^T`` without refactorising.

    In whitened coordinates (``z = L^{-1} x``, ``H = L L^T``) the conditioned
    covariance is ``I - sum_k u_k u_k^T`` (Sherman-Morrison, one term per
    pick), so a row's conditioned variance is ``w^2 - ||U z||^2``: ``O(k p)``
    for a row whose width and whitened vector are known.
    """

    def __init__(self, n_params):
        self.updates = np.empty((0, n_params))

    def variance_drop(self, whitened):
        """``||U z||^2`` for one whitened row ``z``."""
        if not len(self.updates):
            return 0.0
        projected = matvec(self.updates, whitened)
        return dot(projected, projected)

    def add(self, whitened, curvature):
        """Condition on one row (whitened ``a``, curvature ``c = mu'(m)``)."""
        direction = whitened.copy()  # A_{k-1}^{-1} a = a - sum_j u_j (u_j . a)
        if len(self.updates):
            direction -= rmatvec(self.updates, matvec(self.updates, whitened))
        gain = curvature / (1.0 + curvature * dot(whitened, direction))
        self.updates = np.vstack([self.updates, np.sqrt(gain) * direction])


def _whiten_row(posterior, rows, index):
    """``L^{-1} x~`` of one pool row (a sparse row densified), releasing its pages if mapped."""
    whitened = posterior.whiten(rows[index : index + 1])[0]
    release_pages(rows, slice(index, index + 1))
    return whitened


def lazy_greedy(posterior, rows, n, score, means, widths, random_state=None):
    """Greedy batch with conditioning, re-scoring only the current best.

    Picks ``x* = argmax score(m, w)``, conditions the posterior on it
    (``H <- H + mu'(m(x*)) x* x*^T``: no label, ``theta_hat`` kept), and
    repeats. Conditioning only shrinks widths and every ``score`` here is
    non-decreasing in ``w`` for fixed ``m``, so a stale score is an upper
    bound: taking candidates best-first and re-scoring only the current top
    (Minoux's lazy greedy) picks exactly the batch of the full greedy without
    a pass over the pool per pick. Candidates enter the heap from the sorted
    pool only when they reach the top, so the Python work grows with the
    number of re-scored rows, not with the pool.

    Parameters
    ----------
    posterior : LaplacePosterior
    rows : array-like of shape (n_pool, n_features)
    n : int
        Batch size, at most ``n_pool``.
    score : callable
        ``score(means, widths) -> utilities``, vectorised, non-decreasing in
        ``widths``.
    means, widths : ndarray of shape (n_pool,)
        Current logit means and widths of the pool.
    random_state : int, RandomState instance or None
        Seeds tie-breaking.

    Returns
    -------
    indices : ndarray of shape (n,)
    utilities : ndarray of shape (n,)
        Each pick's utility under the posterior conditioned on the picks
        before it.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        utility = check_utility(score(means, widths), rows)
    keys = tie_break_keys(utility.size, random_state)
    order = np.lexsort((-keys, -utility))  # best first, ties by key
    conditioning = _Conditioning(posterior.n_params)
    heap, scored_at, whitened_rows = [], {}, {}
    chosen, chosen_utility = [], []
    position = 0
    while len(chosen) < n:
        head = order[position] if position < order.size else None
        if head is not None and (not heap or (-utility[head], -keys[head]) < heap[0][:2]):
            current, index, position = utility[head], head, position + 1
        else:
            negative, _, index = heapq.heappop(heap)
            current = -negative
        if scored_at.get(index, 0) == len(chosen):
            chosen.append(index)
            chosen_utility.append(current)
            if len(chosen) < n:
                whitened = whitened_rows.pop(index, None)
                if whitened is None:
                    whitened = _whiten_row(posterior, rows, index)
                conditioning.add(whitened, logistic_variance(means[index]))
            continue
        whitened = whitened_rows.get(index)
        if whitened is None:
            whitened = whitened_rows[index] = _whiten_row(posterior, rows, index)
        variance = widths[index] ** 2 - conditioning.variance_drop(whitened)
        rescored = score(means[index : index + 1], np.sqrt([max(variance, 0.0)]))[0]
        scored_at[index] = len(chosen)
        heapq.heappush(heap, (-(-np.inf if np.isnan(rescored) else rescored), -keys[index], index))
    return np.asarray(chosen, dtype=np.intp), np.asarray(chosen_utility, dtype=np.float64)
