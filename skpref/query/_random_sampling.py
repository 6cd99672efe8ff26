"""Random sampling: the baseline every strategy must beat."""

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import validate_params

from ._base import COMMON_CONSTRAINTS, QueryStrategy
from ._pool import check_n_instances, check_pool_rows, resolve_classifier


@validate_params(
    {
        **COMMON_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def random_sampling(classifier, X_pool, n_instances=1, *, random_state=None):
    """Draw ``n_instances`` pool rows uniformly without replacement.

    The pool is validated as every other strategy validates it (2-D,
    non-empty, finite entries, as many features as a fitted model has), in one
    chunked pass, although the draw itself only needs its length.

    Parameters
    ----------
    classifier : estimator, Pipeline or modAL learner
        Unused apart from unwrapping (kept for the common signature) and, once
        fitted, checking the pool's number of features against it.
    X_pool : array-like or sparse matrix of shape (n_pool, n_features)
        Candidate comparison rows (for a ``Pipeline``: in its input space).
    n_instances : int, default=1
        Number of rows to select (at most ``n_pool``).
    random_state : int, RandomState instance or None, default=None
        Seeds the draw.

    Returns
    -------
    indices : ndarray of shape (min(n_instances, n_pool),)
    scores : ndarray of shape (min(n_instances, n_pool),)
        Zeros: random sampling has no utility.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref.query import random_sampling
    >>> X_pool = np.random.default_rng(0).normal(size=(10, 3))
    >>> indices, scores = random_sampling(PairwiseLogisticRegression(), X_pool, 3, random_state=0)
    >>> len(set(indices.tolist()))
    3
    """
    estimator, rows = resolve_classifier(classifier, X_pool)
    n = check_n_instances(n_instances, rows.shape[0])
    check_pool_rows(estimator, rows)
    indices = check_random_state(random_state).choice(rows.shape[0], size=n, replace=False)
    return indices.astype(np.intp), np.zeros(n)


class RandomSampling(QueryStrategy):
    """Object form of :func:`random_sampling`.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref.query import RandomSampling
    >>> X_pool = np.random.default_rng(0).normal(size=(10, 3))
    >>> indices, _ = RandomSampling(random_state=0)(PairwiseLogisticRegression(), X_pool, 2)
    >>> indices.shape
    (2,)
    """

    _function = staticmethod(random_sampling)

    def __init__(self, *, random_state=None):
        self.random_state = random_state
