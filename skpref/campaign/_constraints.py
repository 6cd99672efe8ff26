"""The ranges of a campaign's parameters, declared once for every campaign function.

``select_batch``, ``campaign_status``, ``fit_reward_model``, ``score_pairs`` and
``score_responses`` (and the annotation server, which runs the same selection) validate
their parameters with these constraints when called; each has ``check_params`` to validate
them before any file is read (:func:`skpref._params.validated`).
"""

from sklearn.utils._param_validation import StrOptions

from .._params import BETA, C_RANGE, SEED, count
from ..query import STRATEGIES

#: The constraint of each campaign parameter, by name.
CONSTRAINTS = {
    "batch_size": [count(1)],
    "strategy": [StrOptions(set(STRATEGIES))],
    "seed": [SEED],
    "C": [C_RANGE],
    "beta": [BETA],
    "n_folds": [count(2)],
}


def constraints(*names, optional=()):
    """The constraints of ``names``; those in ``optional`` also take None."""
    return {
        name: CONSTRAINTS[name] + ([None] if name in optional else []) for name in names
    }
