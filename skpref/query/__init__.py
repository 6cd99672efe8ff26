"""Query strategies: which comparisons to label next.

Every strategy is a function ``f(classifier, X_pool, n_instances=1, **params)
-> (indices, scores)`` (modAL's signature; ``classifier`` may be a modAL
learner, a fitted or unfitted :class:`~skpref.PairwiseLogisticRegression`, a
``Pipeline`` ending in one, a fitted search or a fitted
:class:`~skpref.active.ActivePreferenceClassifier`; ``X_pool`` an array, a
memory map, a DataFrame or a scipy.sparse matrix) and a class of the same name
in CamelCase that holds ``params`` as sklearn parameters and is callable with
the same signature, for ``modAL.models.ActiveLearner(query_strategy=...)``
and grid searches over ``query_strategy__beta``.

The two new methods are :func:`ci_location_sampling` (Algorithm 2) and
:func:`design_sampling` (Algorithm 1, pool form); the others are the
baselines they are measured against.
"""

from ._ci_location import CILocationSampling, ci_location_sampling
from ._designs import DesignSampling, GOptimalSampling, design_sampling, g_optimal_sampling
from ._information import APOSampling, DOptimalSampling, apo_sampling, d_optimal_sampling
from ._random_sampling import RandomSampling, random_sampling
from ._pool import confidence_interval
from ._registry import STRATEGIES, make_strategy
from ._uncertainty import (
    SelectiveSampling,
    UncertaintySampling,
    selective_sampling,
    uncertainty_sampling,
)

__all__ = [
    "confidence_interval",
    "STRATEGIES",
    "APOSampling",
    "CILocationSampling",
    "DOptimalSampling",
    "DesignSampling",
    "GOptimalSampling",
    "RandomSampling",
    "SelectiveSampling",
    "UncertaintySampling",
    "apo_sampling",
    "ci_location_sampling",
    "d_optimal_sampling",
    "design_sampling",
    "g_optimal_sampling",
    "make_strategy",
    "random_sampling",
    "selective_sampling",
    "uncertainty_sampling",
]
