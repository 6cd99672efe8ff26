"""The label-complexity study's problems: arms with a known ``theta*``, and their label oracle.

A sign-identification instance is ``(X, theta*)``: ``K`` arms ``x_i`` (rows of ``X``) whose
signs ``sign(x_i^T theta*)`` are to be found, each query of arm ``i`` answered by a
Bernoulli(``sigma(x_i^T theta*)``) label (:class:`BernoulliOracle`).
"""

import numpy as np
from scipy.special import expit


def make_gap_instance(n_features, n_arms, *, min_gap=0.05, max_gap=2.0, random_state=None):
    """Arms whose gaps ``|x_i^T theta*|`` spread log-uniformly over ``[min_gap, max_gap]``.

    ``theta*`` is a random unit vector; arm i is ``s_i g_i theta* + xi_i``
    with ``xi_i`` Gaussian orthogonal to ``theta*`` (variance ``1/d`` per
    coordinate), a random sign ``s_i`` and a gap ``g_i`` drawn log-uniformly
    (so a few near-ties and many easy arms); arm 0 has exactly ``min_gap``,
    arm 1 exactly ``max_gap``.

    Parameters
    ----------
    n_features : int
        The dimension ``d``.
    n_arms : int
        The number of arms ``K``.
    min_gap, max_gap : float, default=0.05, 2.0
        The range of the gaps, ``0 < min_gap <= max_gap``.
    random_state : int, Generator or None, default=None
        Seeds ``theta*``, the gaps, the signs and the noise (:func:`numpy.random.default_rng`).

    Returns
    -------
    X : ndarray of shape (n_arms, n_features)
    theta : ndarray of shape (n_features,)

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.benchmark import make_gap_instance
    >>> X, theta = make_gap_instance(3, 10, min_gap=0.1, max_gap=1.0, random_state=0)
    >>> gaps = np.abs(X @ theta)
    >>> X.shape, round(float(gaps.min()), 6), round(float(gaps.max()), 6)
    ((10, 3), 0.1, 1.0)
    """
    rng = np.random.default_rng(random_state)
    theta = rng.normal(size=n_features)
    theta /= np.linalg.norm(theta)
    gaps = np.exp(rng.uniform(np.log(min_gap), np.log(max_gap), size=n_arms))
    gaps[0], gaps[1 % n_arms] = min_gap, max_gap
    noise = rng.normal(size=(n_arms, n_features)) / np.sqrt(n_features)
    noise -= np.outer(noise @ theta, theta)
    X = np.outer(gaps * rng.choice([-1.0, 1.0], size=n_arms), theta) + noise
    return X, theta


def make_rare_tie_instance(
    n_features, n_arms, *, tie_gap=0.05, min_gap=0.5, max_gap=2.0, random_state=None
):
    """A near-tie along a direction that only one arm of the pool explores.

    Arm 0 is ``e_1`` with gap ``tie_gap`` (``theta*_1 = tie_gap``); the other
    arms live in the span of ``e_2..e_d`` with gaps in ``[min_gap, max_gap]``
    (a :func:`make_gap_instance` there). The G-optimal design spreads its
    labels over all ``d`` directions (about ``1/d`` on arm 0) and uniform
    puts ``1/K`` there, although only arm 0 needs precision: where
    G-optimality is known to waste labels.

    Parameters
    ----------
    n_features : int
        The dimension ``d``, at least 2.
    n_arms : int
        The number of arms ``K``, at least 2.
    tie_gap : float, default=0.05
        The gap of arm 0.
    min_gap, max_gap : float, default=0.5, 2.0
        The range of the other arms' gaps.
    random_state : int, Generator or None, default=None
        Seeds the other arms (:func:`make_gap_instance`).

    Returns
    -------
    X : ndarray of shape (n_arms, n_features)
    theta : ndarray of shape (n_features,)
        ``theta*``; its first coordinate is ``tie_gap`` and the rest has norm 1.

    Examples
    --------
    >>> from skpref.benchmark import make_rare_tie_instance
    >>> X, theta = make_rare_tie_instance(4, 6, tie_gap=0.1, random_state=0)
    >>> X[0].tolist(), float(X[0] @ theta)
    ([1.0, 0.0, 0.0, 0.0], 0.1)
    """
    rest, theta_rest = make_gap_instance(
        n_features - 1, n_arms - 1, min_gap=min_gap, max_gap=max_gap, random_state=random_state
    )
    X = np.zeros((n_arms, n_features))
    X[0, 0] = 1.0
    X[1:, 1:] = rest
    return X, np.r_[tie_gap, theta_rest]


def default_instances(quick=False, random_state=0):
    """``[(name, X, theta*)]``: the instances of the study.

    * ``gaps-d{d}-K{K}``: gaps from 0.05 to 2 (:func:`make_gap_instance`)
      for ``d in {2, 5, 10}`` and ``K in {20, 100}``;
    * ``easy-d2-K20`` and ``easy-d10-K100``: the same construction with the
      smallest gap at 0.5 and 0.25, so that ``rho*`` spans two orders of
      magnitude across the study;
    * ``rare-tie-d10-K20`` and ``rare-tie-d5-K100``: a 0.05 near-tie along
      a direction only one arm explores (:func:`make_rare_tie_instance`).

    Parameters
    ----------
    quick : bool, default=False
        The reduced set instead: ``gaps-d2-K20``, ``gaps-d5-K20``,
        ``easy-d2-K20`` and ``rare-tie-d5-K20``.
    random_state : int, default=0
        Seeds every instance (one independent stream each).

    Returns
    -------
    instances : list of (str, ndarray, ndarray)
        Ten instances (four with ``quick``), as :func:`label_complexity_study` takes them.

    Examples
    --------
    >>> from skpref.benchmark import default_instances
    >>> [name for name, X, theta in default_instances(quick=True)]
    ['gaps-d2-K20', 'gaps-d5-K20', 'easy-d2-K20', 'rare-tie-d5-K20']
    """
    if quick:
        gaps = [(2, 20, 0.05), (5, 20, 0.05), (2, 20, 0.5)]
        rare = [(5, 20)]
    else:
        gaps = [(d, K, 0.05) for d in (2, 5, 10) for K in (20, 100)]
        gaps += [(2, 20, 0.5), (10, 100, 0.25)]
        rare = [(10, 20), (5, 100)]
    seeds = np.random.SeedSequence(random_state).generate_state(len(gaps) + len(rare))
    instances = []
    for seed, (d, K, min_gap) in zip(seeds, gaps):
        X, theta = make_gap_instance(d, K, min_gap=min_gap, random_state=int(seed))
        instances.append((f"{'gaps' if min_gap == 0.05 else 'easy'}-d{d}-K{K}", X, theta))
    for seed, (d, K) in zip(seeds[len(gaps) :], rare):
        X, theta = make_rare_tie_instance(d, K, random_state=int(seed))
        instances.append((f"rare-tie-d{d}-K{K}", X, theta))
    return instances


class BernoulliOracle:
    """``oracle(i, n)``: ``n`` Bernoulli(``sigma(x_i^T theta*)``) labels of arm i.

    :class:`~skpref.design.PhasedElimination` only uses the number of ones per arm and
    phase, so the oracle draws that number, ``Binomial(n, p_i)``, and returns
    a label array holding that many ones (ones first): the algorithm sees
    exactly the distribution of ``n`` independent labels, at ``O(1)`` random
    draws instead of ``n`` (the G-optimal and uniform runs use millions).

    Parameters
    ----------
    X : array-like of shape (n_arms, n_features)
        The arms.
    theta : array-like of shape (n_features,)
        ``theta*``.
    random_state : int, Generator or None, default=None
        Seeds the labels (:func:`numpy.random.default_rng`).

    Attributes
    ----------
    probability : ndarray of shape (n_arms,)
        ``sigma(x_i^T theta*)``, the probability of a one.
    rng : numpy.random.Generator
        The labels' random stream.

    Examples
    --------
    >>> from skpref.benchmark import BernoulliOracle
    >>> oracle = BernoulliOracle([[1.0], [-1.0]], [50.0], random_state=0)
    >>> oracle(0, 3).tolist(), oracle(1, 3).tolist()  # sigma(50) = 1, sigma(-50) ~ 0
    ([True, True, True], [False, False, False])
    """

    def __init__(self, X, theta, random_state=None):
        X = np.ascontiguousarray(X, dtype=np.float64)
        self.probability = expit(X @ np.asarray(theta, dtype=np.float64))
        self.rng = np.random.default_rng(random_state)

    def __call__(self, i, n):
        """``n`` labels of arm ``i``: a boolean array, ``Binomial(n, p_i)`` ones first."""
        labels = np.zeros(n, dtype=bool)
        labels[: self.rng.binomial(n, self.probability[i])] = True
        return labels
