"""Margin-based strategies: they look at the point estimate ``m(x)`` only."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from ._base import COMMON_CONSTRAINTS, QueryStrategy
from ._core import pool_moments, prepare, select_top


@validate_params(COMMON_CONSTRAINTS, prefer_skip_nested_validation=True)
def uncertainty_sampling(classifier, X_pool, n_instances=1, *, random_state=None):
    """The rows closest to a tie under the point estimate: utility ``-|m(x)|``.

    For a Bradley-Terry model this is least-confidence, margin and entropy
    sampling at once (all are monotone in ``|m|`` for two outcomes). It
    ignores how sure the model is of ``m`` itself.

    Parameters
    ----------
    classifier : PairwiseLogisticRegression, Pipeline or modAL learner
        The model whose Laplace posterior scores the pool, fitted or not
        (unfitted: the prior ``N(0, C I)``); a ``Pipeline``, fitted search,
        active-learning loop or modAL learner is unwrapped to it.
    X_pool : array-like or sparse matrix of shape (n_pool, n_features)
        Candidate comparison rows (for a ``Pipeline``: in its input space).
    n_instances : int, default=1
        Number of rows to select (at most ``n_pool``).
    random_state : int, RandomState instance or None, default=None
        Seeds tie-breaking.

    Returns
    -------
    indices : ndarray of shape (min(n_instances, n_pool),)
        Best first.
    scores : ndarray
        Their utilities ``-|m|``.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref.query import uncertainty_sampling
    >>> X = np.array([[2.0, 0.0], [-2.0, 0.1], [0.1, 0.0], [1.0, 1.0]])
    >>> model = PairwiseLogisticRegression().fit(X, [1, 0, 1, 1])
    >>> indices, scores = uncertainty_sampling(model, X, n_instances=2)
    >>> indices.tolist()
    [2, 3]
    """
    posterior, rows, n = prepare(classifier, X_pool, n_instances)
    means, _ = pool_moments(posterior, rows, std=False)
    return select_top(-np.abs(means), n, random_state)


class UncertaintySampling(QueryStrategy):
    """Object form of :func:`uncertainty_sampling`.

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        As in :func:`uncertainty_sampling`.

    Examples
    --------
    >>> from skpref.query import UncertaintySampling
    >>> UncertaintySampling(random_state=0).get_params()
    {'random_state': 0}
    """

    _function = staticmethod(uncertainty_sampling)

    def __init__(self, *, random_state=None):
        self.random_state = random_state


@validate_params(
    {
        **COMMON_CONSTRAINTS,
        "b": [Interval(Real, 0, None, closed="neither")],
        "max_passes": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def selective_sampling(
    classifier, X_pool, n_instances=1, *, b=1.0, max_passes=1000, random_state=None
):
    """Randomised margin sampling (Cesa-Bianchi, Gentile and Zaniboni, 2006).

    Passes over the pool in a seeded random order and takes row ``i`` with
    probability ``p_i = b / (b + |m_i|)``; passes repeat over the rows not yet
    taken until ``n_instances`` are taken, or until ``max_passes`` passes are
    done. Small ``b`` concentrates on near-ties; large ``b`` approaches
    random sampling.

    The bound makes the strategy terminate for every input. Without it a
    pool whose acceptance probabilities all (nearly) vanish, ``b = 1e-300``
    or rows of scale ``1e200``, would be passed over for ever. Rows still
    missing after ``max_passes`` passes are the remaining rows of largest
    acceptance probability, i.e. of smallest ``|m_i|`` (compared on ``|m|``
    itself, so probabilities that underflow to 0 keep their order), best
    first, ties broken by the same seeded stream. The passes a missing row
    needs grow like ``1 / p_i``, so the bound is reached only when the rows
    still missing all have probabilities of about ``1 / max_passes`` or less;
    otherwise the draws are exactly those of the unbounded rule.

    Parameters
    ----------
    classifier : PairwiseLogisticRegression, Pipeline or modAL learner
        The model whose Laplace posterior scores the pool, fitted or not
        (unfitted: the prior ``N(0, C I)``); a ``Pipeline``, fitted search,
        active-learning loop or modAL learner is unwrapped to it.
    X_pool : array-like or sparse matrix of shape (n_pool, n_features)
        Candidate comparison rows (for a ``Pipeline``: in its input space).
    n_instances : int, default=1
        Number of rows to select (at most ``n_pool``).
    b : float, default=1.0
        Positive sampling scale on the logit ``|m|``.
    max_passes : int, default=1000
        Most passes over the pool before the rows still missing are taken by
        largest acceptance probability.
    random_state : int, RandomState instance or None, default=None
        Seeds the order of the passes, the acceptance draws and the
        tie-breaking of rows taken after the last pass.

    Returns
    -------
    indices : ndarray of shape (min(n_instances, n_pool),)
        In the order they were taken.
    scores : ndarray
        Their acceptance probabilities ``b / (b + |m|)``.

    References
    ----------
    N. Cesa-Bianchi, C. Gentile and L. Zaniboni, "Worst-case analysis of
    selective sampling for linear classification", JMLR 7 (2006).

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref.query import selective_sampling
    >>> X = np.random.default_rng(0).normal(size=(20, 2))
    >>> model = PairwiseLogisticRegression()
    >>> indices, probabilities = selective_sampling(model, X, 3, random_state=0)
    >>> probabilities.tolist()  # the prior puts every row at m = 0
    [1.0, 1.0, 1.0]
    """
    posterior, rows, n = prepare(classifier, X_pool, n_instances)
    means, _ = pool_moments(posterior, rows, std=False)
    probability = acceptance_probability(means, b)
    rng = check_random_state(random_state)
    remaining = np.ones(probability.size, dtype=bool)
    taken = []
    for _ in range(max_passes):
        if len(taken) == n:
            break
        order = rng.permutation(np.flatnonzero(remaining))
        accepted = order[rng.random_sample(order.size) < probability[order]]
        accepted = accepted[: n - len(taken)]
        taken.extend(accepted.tolist())
        remaining[accepted] = False
    if len(taken) < n:
        left = np.flatnonzero(remaining)
        best, _ = select_top(-np.abs(means[left]), n - len(taken), rng)
        taken.extend(left[best].tolist())
    indices = np.asarray(taken, dtype=np.intp)
    return indices, probability[indices]


def acceptance_probability(means, b):
    """``b / (b + |m|)``, the chance that selective sampling takes a row on a pass.

    Where ``b + |m|`` overflows (both near float64's maximum) the same value
    is computed as ``1 / (1 + |m| / b)``.
    """
    margin = np.abs(means)
    with np.errstate(over="ignore"):
        denominator = b + margin
    finite = np.isfinite(denominator)
    if finite.all():
        return b / denominator
    return np.where(finite, b / np.where(finite, denominator, 1.0), 1.0 / (1.0 + margin / b))


class SelectiveSampling(QueryStrategy):
    """Object form of :func:`selective_sampling`.

    Parameters
    ----------
    b : float, default=1.0
        As in :func:`selective_sampling`.
    max_passes : int, default=1000
        As in :func:`selective_sampling`.
    random_state : int, RandomState instance or None, default=None
        As in :func:`selective_sampling`.

    Examples
    --------
    >>> from skpref.query import SelectiveSampling
    >>> SelectiveSampling(b=0.5).b
    0.5
    """

    _function = staticmethod(selective_sampling)

    def __init__(self, *, b=1.0, max_passes=1000, random_state=None):
        self.b = b
        self.max_passes = max_passes
        self.random_state = random_state
