"""Active-learning loops around skpref estimators.

* :class:`ActivePreferenceClassifier`: a simulated loop (labels revealed only
  when queried) that is itself a classifier, for benchmarks and grid searches
  over query-strategy parameters.
* :class:`PreferenceLearner`: a ``modAL.models.ActiveLearner`` with skpref
  defaults that works on current scikit-learn, for real loops. modAL is an
  optional extra (``pip install "skpref[modal]"``) and is imported only when
  this name is used.
* :func:`fit_labeled`: fit a model on the labels so far, coping with a
  one-class start (what both loops do after every batch).
"""

from ._loop import ActivePreferenceClassifier, fit_labeled

__all__ = [  # noqa: F822 - PreferenceLearner is lazy, below
    "ActivePreferenceClassifier",
    "PreferenceLearner",
    "fit_labeled",
]


def __getattr__(name):
    if name == "PreferenceLearner":
        try:
            from ._modal import PreferenceLearner
        except ImportError as error:
            raise ImportError(
                "skpref.active.PreferenceLearner needs modAL: pip install 'skpref[modal]'."
            ) from error
        return PreferenceLearner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
