"""Margin-based strategies: they look at the point estimate ``m(x)`` only."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from ._base import COMMON_CONSTRAINTS, QueryStrategy, with_common_parameters
from ._pool import score_pool
from ._select import select_by_acceptance, select_top


@validate_params(COMMON_CONSTRAINTS, prefer_skip_nested_validation=True)
@with_common_parameters
def uncertainty_sampling(classifier, X_pool, n_instances=1, *, random_state=None):
    """The rows closest to a tie under the point estimate: utility ``-|m(x)|``.

    For a Bradley-Terry model this is least-confidence, margin and entropy
    sampling at once (all are monotone in ``|m|`` for two outcomes). It
    ignores how sure the model is of ``m`` itself.

    Parameters
    ----------
    {common}
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
    pool, n = score_pool(classifier, X_pool, n_instances, widths=False)
    return select_top(-np.abs(pool.means), n, random_state)


class UncertaintySampling(QueryStrategy):
    """Object form of :func:`uncertainty_sampling`.

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
@with_common_parameters
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
    {common}
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
    pool, n = score_pool(classifier, X_pool, n_instances, widths=False)
    probability = acceptance_probability(pool.means, b)
    indices = select_by_acceptance(
        probability, n, random_state, max_passes=max_passes, fallback=-np.abs(pool.means)
    )
    return indices, np.asarray(probability[indices])  # a Dask pool's: fetched


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
