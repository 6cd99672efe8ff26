"""CI-location sampling (Algorithm 2): where an interval sits, against its width."""

from functools import partial
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._logistic import logistic_variance
from ._base import COMMON_CONSTRAINTS, QueryStrategy, with_common_parameters
from ._pool import score_pool
from ._select import select_greedy


def ambiguity(means, widths, beta):
    """``a = beta w - |m|``: how far ``[m - beta w, m + beta w]`` reaches past 0.

    Positive exactly when the interval contains 0. ``beta = 0`` ranks like
    uncertainty sampling; a large ``beta`` ranks like maximal width.
    """
    return beta * widths - np.abs(means)


def ambiguous_width(means, widths, beta):
    """``w`` on the ambiguous set ``|m| <= beta w`` (``w > 0``), else ``beta w - |m|`` (< 0)."""
    inside = (np.abs(means) <= beta * widths) & (widths > 0)
    return np.where(inside, widths, beta * widths - np.abs(means))


def ambiguous_information(means, widths, beta):
    """``mu'(m) w^2`` on the ambiguous set, else ``beta w - |m|``."""
    inside = (np.abs(means) <= beta * widths) & (widths > 0)
    return np.where(inside, logistic_variance(means) * widths**2, beta * widths - np.abs(means))


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
        "criterion": [
            StrOptions({"ambiguity", "zscore", "ambiguous-width", "ambiguous-information"})
        ],
    },
    prefer_skip_nested_validation=True,
)
@with_common_parameters
def ci_location_sampling(
    classifier, X_pool, n_instances=1, *, beta=1.0, criterion="ambiguity", random_state=None
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

    Parameters
    ----------
    {common}
    beta : float, default=1.0
        Half-width of the interval in posterior standard deviations.
    criterion : {"ambiguity", "zscore"}, default="ambiguity"
        The utility: ``beta w - |m|`` or ``-|m| / w`` (``beta`` unused).
    random_state : int, RandomState instance or None, default=None
        Seeds tie-breaking.

    Returns
    -------
    indices : ndarray of shape (min(n_instances, n_pool),)
        In the order picked.
    scores : ndarray
        Each pick's utility given the picks before it.

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
    score = {
        "ambiguity": partial(ambiguity, beta=beta),
        "zscore": z_score,
        "ambiguous-width": partial(ambiguous_width, beta=beta),
        "ambiguous-information": partial(ambiguous_information, beta=beta),
    }[criterion]
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

    def __init__(self, *, beta=1.0, criterion="ambiguity", random_state=None):
        self.beta = beta
        self.criterion = criterion
        self.random_state = random_state
