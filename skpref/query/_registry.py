"""Strategy names for command lines and benchmarks.

One table maps the short names used by ``skpref benchmark`` and
``skpref select`` to the strategy classes, so every command accepts the same
names and a new strategy is added in one place.
"""

from ._ci_location import CILocationSampling
from ._designs import DesignSampling, GOptimalSampling
from ._information import APOSampling, DOptimalSampling
from ._random_sampling import RandomSampling
from ._uncertainty import SelectiveSampling, UncertaintySampling

#: Short name -> strategy class, baselines first, the two new methods last.
STRATEGIES = {
    "random": RandomSampling,
    "uncertainty": UncertaintySampling,
    "apo": APOSampling,
    "d-optimal": DOptimalSampling,
    "g-optimal": GOptimalSampling,
    "selective": SelectiveSampling,
    "ci-location": CILocationSampling,
    "design": DesignSampling,
}


def make_strategy(name, **params):
    """The strategy object registered under ``name``, with ``params`` set.

    Parameters
    ----------
    name : str
        One of ``STRATEGIES``: ``"random"``, ``"uncertainty"``, ``"apo"``,
        ``"d-optimal"``, ``"g-optimal"``, ``"selective"``, ``"ci-location"``,
        ``"design"``.
    **params
        Parameters of that strategy (``beta=...``); a parameter the strategy
        does not have raises ``ValueError``.

    Returns
    -------
    strategy : QueryStrategy
        A callable ``strategy(classifier, X_pool, n_instances) -> (indices, scores)``.

    Examples
    --------
    >>> from skpref.query import make_strategy
    >>> make_strategy("ci-location", beta=2.0)
    CILocationSampling(beta=2.0)
    """
    try:
        cls = STRATEGIES[name]
    except KeyError:
        raise ValueError(
            f"Unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}."
        ) from None
    return cls().set_params(**params)
