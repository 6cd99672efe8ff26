"""skpref: active preference learning with scikit-learn estimators.

A Bradley-Terry estimator with a Laplace posterior
(:class:`PairwiseLogisticRegression`), pair helpers (:mod:`skpref.pairs`) and
query strategies that choose which comparisons to label next.
"""

from ._model import PairwiseLogisticRegression
from ._pipeline import check_antisymmetric
from .posterior import LaplacePosterior

__version__ = "0.1.0.dev0"

__all__ = ["LaplacePosterior", "PairwiseLogisticRegression", "__version__", "check_antisymmetric"]
