"""The shared core of every query strategy.

A strategy is a short function on top of four pieces that live here:

* :func:`resolve_classifier` unwraps a modAL learner, a fitted search or a
  ``Pipeline`` into the final estimator and the pool rows as that estimator
  sees them (transformed lazily, chunk by chunk);
* :func:`posterior_of` reads the Laplace posterior, or the prior
  ``N(0, C I)`` for a model that has not seen a label (cold start);
* :func:`select_top` takes the ``n`` best utilities, best first, with seeded
  tie-breaking;
* :func:`lazy_greedy` builds a batch greedily while conditioning the
  posterior on each pick by rank-one updates.
"""

import heapq
import numbers

import numpy as np
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._blas import dot, matvec, rmatvec
from .._chunks import release_pages
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


def resolve_classifier(classifier, X_pool):
    """The final estimator and the pool rows in its feature space.

    Unwraps, repeatedly: a modAL learner (``.estimator``), a fitted
    ``GridSearchCV``-like search (``.best_estimator_``) and a ``Pipeline``
    (the pool goes through every step but the last, lazily).

    Returns
    -------
    estimator : estimator
        The object whose posterior drives the strategy.
    rows : array-like of shape (n_pool, n_features)
        The pool in the estimator's feature space.
    """
    rows = _as_pool(X_pool)
    estimator = classifier
    while True:
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif isinstance(estimator, Pipeline):
            if len(estimator.steps) > 1 and _is_fitted(estimator.steps[-1][1]):
                rows = TransformedPool(rows, estimator[:-1])
            elif len(estimator.steps) > 1:
                rows = _transform_unfitted(estimator[:-1], rows)
            estimator = estimator.steps[-1][1]
        elif hasattr(estimator, "estimator") and hasattr(estimator, "query_strategy"):
            estimator = estimator.estimator  # a modAL learner
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
    except NotFittedError:
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
    utility = score(means, widths)
    utility = np.where(np.isnan(utility), -np.inf, utility)
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
