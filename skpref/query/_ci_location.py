"""CI-location sampling (Algorithm 2): where an interval sits, against its width."""

from functools import partial
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..posterior import interval_contains_zero
from ._base import COMMON_CONSTRAINTS, QueryStrategy, with_common_parameters
from ._designs import DesignSampling, select_design_sampling
from ._pool import score_pool
from ._select import select_greedy


def ambiguity(means, widths, beta):
    """``a = beta w - |m|``: how far ``[m - beta w, m + beta w]`` reaches past 0.

    Positive exactly when the interval contains 0. ``beta = 0`` ranks like
    uncertainty sampling; a large ``beta`` ranks like maximal width.
    """
    return beta * widths - np.abs(means)


def ambiguous_share(means, widths, beta):
    """The share of the pool whose interval ``[m - beta w, m + beta w]`` contains 0.

    ``1`` while the posterior has decided no pair; it falls as labels decide
    pairs. A Dask pool's share is computed on its workers.

    Examples
    --------
    >>> import numpy as np
    >>> ambiguous_share(np.array([0.5, -2.0, 0.0, 3.0]), np.ones(4), beta=1.0)
    0.5
    """
    return float(np.mean(interval_contains_zero(means, widths, beta)))


def z_score(means, widths):
    """``-|m| / w``: minus the number of widths between the mean and 0.

    A row with ``w = 0`` (the zero row: identical items) scores ``-inf``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        score = -np.abs(means) / widths
    return np.where(widths > 0, score, -np.inf)


@validate_params(
    {
        **COMMON_CONSTRAINTS,
        "beta": [Interval(Real, 0, None, closed="left")],
        "criterion": [StrOptions({"ambiguity", "zscore"})],
        "burn_in_share": [Interval(Real, 0, 1, closed="both"), None],
    },
    prefer_skip_nested_validation=True,
)
@with_common_parameters
def ci_location_sampling(
    classifier,
    X_pool,
    n_instances=1,
    *,
    beta=1.0,
    criterion="ambiguity",
    burn_in_share=None,
    random_state=None,
):
    """Confidence-interval-location sampling (Algorithm 2), batch conditioned.

    To predict a preference only the sign of ``x^T theta*`` matters: a pair
    whose logit interval ``[m - beta w, m + beta w]`` already excludes 0 needs
    no more precision, a near-tie needs a lot, and that is also where a label
    carries the most Fisher information. The utility weighs location against
    width:

    * ``criterion="ambiguity"``: ``a = beta w - |m|``, the reach of the
      interval past zero;
    * ``criterion="zscore"``: ``-|m| / w`` (``beta`` unused), the interval's
      distance to zero in widths.

    A batch is built greedily: after each pick the posterior is conditioned
    on it (``H <- H + mu'(m) x x^T``, no label needed), which shrinks the
    widths of similar rows so the batch spreads out.

    With ``burn_in_share=q`` the batch is design sampling's
    (:func:`design_sampling`, its defaults) for as long as the share of the
    pool whose interval contains 0,

    .. math::

        s = \\frac{1}{N} \\#\\{i : |m_i| \\le \\beta w_i\\},

    is at least ``q``, and CI-location's once it falls below. While (nearly)
    every pair is undecided the means rest on a handful of labels in many
    dimensions, so ranking rows one by one by ``beta w - |m|`` mostly follows
    noise in ``m`` and the widest rows; a design spreads the batch over the
    whole undecided set instead. Once labels start deciding pairs the
    location is informative and the greedy rule targets the pairs still open.
    This is the burn-in of Algorithm 1 (a design before the estimate can
    decide anything), with the phase read off the posterior rather than a
    label count, so it behaves the same in every loop, modAL learner and
    campaign.

    Parameters
    ----------
    {common}
    beta : float, default=1.0
        Half-width of the interval in posterior standard deviations.
    criterion : {"ambiguity", "zscore"}, default="ambiguity"
        The utility: ``beta w - |m|`` or ``-|m| / w`` (``beta`` then only sets
        the intervals of ``burn_in_share``).
    burn_in_share : float in [0, 1] or None, default=None
        Use design sampling while at least this share of the pool's
        intervals ``[m - beta w, m + beta w]`` contain 0 (``None``: never;
        ``0``: always; ``1``: until the first pair is decided). The user
        guide's strategies page gives the evidence for ``1``.
    random_state : int, RandomState instance or None, default=None
        Seeds tie-breaking.

    Returns
    -------
    indices : ndarray of shape (min(n_instances, n_pool),)
        In the order picked.
    scores : ndarray
        Each pick's utility given the picks before it (during a burn-in:
        the design weights).

    See Also
    --------
    uncertainty_sampling : ``beta = 0``.
    design_sampling : Algorithm 1's design over the whole pool.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref.query import ci_location_sampling
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3))
    >>> model = PairwiseLogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    >>> indices, scores = ci_location_sampling(model, X, n_instances=3, beta=2.0)
    >>> bool(np.all(np.diff(scores) <= 0))  # utilities only fall as the batch grows
    True
    """
    pool, n = score_pool(classifier, X_pool, n_instances)
    share = None if burn_in_share is None else ambiguous_share(pool.means, pool.widths, beta)
    if share is not None and share >= burn_in_share:
        # design sampling with its defaults, on the pool scored above (one read of the pool)
        design = DesignSampling(random_state=random_state).get_params()
        return select_design_sampling(pool, n, **design)
    score = partial(ambiguity, beta=beta) if criterion == "ambiguity" else z_score
    return select_greedy(pool, score, n, random_state)


class CILocationSampling(QueryStrategy):
    """Object form of :func:`ci_location_sampling`.

    Examples
    --------
    >>> from sklearn.base import clone
    >>> from skpref.query import CILocationSampling
    >>> clone(CILocationSampling(beta=2.0)).beta
    2.0
    """

    _function = staticmethod(ci_location_sampling)

    def __init__(
        self, *, beta=1.0, criterion="ambiguity", burn_in_share=None, random_state=None
    ):
        self.beta = beta
        self.criterion = criterion
        self.burn_in_share = burn_in_share
        self.random_state = random_state
