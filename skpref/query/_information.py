"""Information-based baselines: APO and greedy D-optimal design.

Both look at widths only, not at where an interval sits relative to zero.
"""


from sklearn.utils._param_validation import validate_params

from .._logistic import logistic_variance
from ._base import COMMON_CONSTRAINTS, QueryStrategy, with_common_parameters
from ._pool import score_pool
from ._select import select_greedy, select_top


@validate_params(COMMON_CONSTRAINTS, prefer_skip_nested_validation=True)
@with_common_parameters
def apo_sampling(classifier, X_pool, n_instances=1, *, random_state=None):
    """Active Preference Optimization: utility ``x^T V^{-1} x`` (Das et al., 2024).

    ``V = I / C + sum_labeled x x^T`` is the unweighted design matrix of the
    labeled rows (a linear bandit's confidence ellipsoid; the model's
    ``gram_posterior_``). The batch is the top ``n`` rows with ``V`` held
    fixed, as APO's reference implementation does.

    Parameters
    ----------
    {common}
    random_state : int, RandomState instance or None, default=None
        Seeds tie-breaking.

    Returns
    -------
    indices : ndarray of shape (min(n_instances, n_pool),)
    scores : ndarray
        ``x^T V^{-1} x`` of the chosen rows.

    References
    ----------
    N. Das, S. Chakraborty, A. Pacchiano and S. R. Chowdhury, "Active
    Preference Optimization for Sample Efficient RLHF", 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref.query import apo_sampling
    >>> X = np.array([[1.0, 0.0], [0.0, 3.0], [0.5, 0.5]])
    >>> apo_sampling(PairwiseLogisticRegression(), X)[0].tolist()
    [1]
    """
    pool, n = score_pool(classifier, X_pool, n_instances, means=False, kind="gram")
    return select_top(pool.widths**2, n, random_state)


class APOSampling(QueryStrategy):
    """Object form of :func:`apo_sampling`.

    Examples
    --------
    >>> from skpref.query import APOSampling
    >>> APOSampling().get_params()
    {'random_state': None}
    """

    _function = staticmethod(apo_sampling)

    def __init__(self, *, random_state=None):
        self.random_state = random_state


def d_optimal_gain(means, widths):
    """``mu'(m) w^2``: the log-det gain of one label, ``log(1 + mu' w^2)``, ranks alike."""
    return logistic_variance(means) * widths**2


@validate_params(COMMON_CONSTRAINTS, prefer_skip_nested_validation=True)
@with_common_parameters
def d_optimal_sampling(classifier, X_pool, n_instances=1, *, random_state=None):
    """Greedy D-optimal design: utility ``mu'(m) w^2``, batch conditioned.

    Adding a label at ``x`` multiplies ``det H`` by ``1 + mu'(m) w(x)^2``; the
    greedy batch picks the best row, conditions ``H`` on it (rank-one, no
    label needed) and repeats, so a batch does not pile onto one direction.

    Parameters
    ----------
    {common}
    random_state : int, RandomState instance or None, default=None
        Seeds tie-breaking.

    Returns
    -------
    indices : ndarray of shape (min(n_instances, n_pool),)
        In the order picked.
    scores : ndarray
        Each pick's ``mu'(m) w^2`` given the picks before it.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref.query import d_optimal_sampling
    >>> X = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 0.9]])
    >>> d_optimal_sampling(PairwiseLogisticRegression(), X, 2, random_state=0)[0].tolist()
    [1, 2]
    """
    pool, n = score_pool(classifier, X_pool, n_instances)
    return select_greedy(pool, d_optimal_gain, n, random_state)


class DOptimalSampling(QueryStrategy):
    """Object form of :func:`d_optimal_sampling`.

    Examples
    --------
    >>> from skpref.query import DOptimalSampling
    >>> DOptimalSampling(random_state=1).random_state
    1
    """

    _function = staticmethod(d_optimal_sampling)

    def __init__(self, *, random_state=None):
        self.random_state = random_state
