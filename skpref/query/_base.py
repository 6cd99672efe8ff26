"""Strategy objects: sklearn-style parameter holders around one function.

Every strategy is implemented once, as a function
``f(classifier, X_pool, n_instances=1, **params) -> (indices, scores)``. Its
class only stores ``params`` (so ``get_params``, ``set_params``, ``clone`` and
nested grid-search names such as ``query_strategy__beta`` work) and calls the
function: the two can never drift apart.
"""

import inspect
from numbers import Integral

from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

#: ``validate_params`` constraints of the arguments every strategy shares.
COMMON_CONSTRAINTS = {
    "classifier": "no_validation",
    "X_pool": "no_validation",
    "n_instances": [Interval(Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
}


class QueryStrategy(BaseEstimator):
    """Base class: a callable strategy whose parameters are estimator params.

    Subclasses set ``_function`` and declare the function's keyword
    parameters, with the same defaults, in ``__init__``.
    """

    _function = None

    def __call__(self, classifier, X_pool, n_instances=1, **params):
        """Select ``n_instances`` rows of ``X_pool``; ``params`` override the object's."""
        return type(self)._function(
            classifier, X_pool, n_instances, **{**self.get_params(deep=False), **params}
        )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        function = cls.__dict__.get("_function")
        if function is None:
            return
        # One implementation: the class's parameters are exactly the function's.
        expected = {
            name: parameter.default
            for name, parameter in inspect.signature(function).parameters.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY
        }
        declared = {
            name: parameter.default
            for name, parameter in inspect.signature(cls.__init__).parameters.items()
            if name != "self"
        }
        if expected != declared:
            raise TypeError(
                f"{cls.__name__}.__init__ must declare {expected}, the keyword "
                f"parameters of {function.__name__}, got {declared}."
            )
