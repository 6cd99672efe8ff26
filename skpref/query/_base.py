"""Strategy objects: sklearn-style parameter holders around one function.

Every strategy is implemented once, as a function
``f(classifier, X_pool, n_instances=1, **params) -> (indices, scores)``. Its
class only stores ``params`` (so ``get_params``, ``set_params``, ``clone`` and
nested grid-search names such as ``query_strategy__beta`` work) and calls the
function: the two can never drift apart. The class's parameter documentation
is the function's, copied into its docstring when the class is defined, so it
is written once too.
"""

import inspect
import re
import textwrap
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

#: The documentation of the arguments every strategy function shares.
COMMON_PARAMETERS_DOC = """\
classifier : PairwiseLogisticRegression, Pipeline, search, loop or modAL learner
    The model whose Laplace posterior scores the pool, fitted or not
    (unfitted: the prior ``N(0, C I)``); a ``Pipeline``, fitted search,
    active-learning loop or modAL learner is unwrapped to it.
X_pool : array-like or sparse matrix of shape (n_pool, n_features)
    Candidate comparison rows (for a ``Pipeline``: in its input space).
n_instances : int, default=1
    Number of rows to select (at most ``n_pool``)."""


def with_common_parameters(function):
    """Write :data:`COMMON_PARAMETERS_DOC` where ``function``'s docstring says ``{common}``.

    The placeholder is a line of its own in the ``Parameters`` section, so
    the shared arguments are documented once for every strategy.
    """
    block = textwrap.indent(COMMON_PARAMETERS_DOC, "    ")
    function.__doc__ = function.__doc__.replace("    {common}", block)
    return function


def keyword_parameters(function):
    """``{name: default}`` of the keyword-only parameters of ``function``."""
    return {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }


def parameter_entries(docstring, names):
    """The numpydoc ``Parameters`` entries of ``names`` in ``docstring``, in order.

    Examples
    --------
    >>> doc = '''Summary.
    ...
    ...     Parameters
    ...     ----------
    ...     a : int
    ...         First.
    ...     b : float, default=1.0
    ...         Second,
    ...         on two lines.
    ...
    ...     Returns
    ...     -------
    ...     x : int
    ...     '''
    >>> print(parameter_entries(doc, ["b"]))
    b : float, default=1.0
        Second,
        on two lines.
    """
    text = inspect.cleandoc(docstring)
    section = re.search(r"^Parameters\n-+\n(.*?)(?:\n\n[A-Z][^\n]*\n-+\n|\Z)", text, re.S | re.M)
    entries, name = {}, None
    for line in (section.group(1) if section else "").splitlines():
        match = re.match(r"^(\w+)\s*:", line)
        if match:
            name = match.group(1)
            entries[name] = [line]
        elif name is not None and line.strip():
            entries[name].append(line)
    missing = [name for name in names if name not in entries]
    if missing:
        raise TypeError(f"The docstring does not document the parameter(s) {missing}.")
    return "\n".join(line for name in names for line in entries[name])


class QueryStrategy(BaseEstimator):
    """Base class: a callable strategy whose parameters are estimator params.

    Subclasses set ``_function`` and declare the function's keyword
    parameters, with the same defaults, in ``__init__``; their docstring is
    a summary and examples, and gets the function's ``Parameters`` entries
    inserted after the summary.
    """

    _function = None

    def __call__(self, classifier, X_pool, n_instances=1, **params):
        """Select ``n_instances`` rows of ``X_pool``; ``params`` override the object's.

        Parameters
        ----------
        classifier : estimator, Pipeline, search, loop or modAL learner
            As in the strategy function.
        X_pool : array-like or sparse matrix of shape (n_pool, n_features)
            Candidate comparison rows.
        n_instances : int, default=1
            Number of rows to select.
        **params
            Overrides of the object's parameters for this call.

        Returns
        -------
        indices, scores : ndarray
            As the strategy function returns them.
        """
        return type(self)._function(
            classifier, X_pool, n_instances, **{**self.get_params(deep=False), **params}
        )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        function = cls.__dict__.get("_function")
        if function is None:
            return
        # One implementation: the class's parameters are exactly the function's.
        expected = keyword_parameters(function)
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
        # One documentation: the function's entries for those parameters.
        summary, _, rest = inspect.cleandoc(cls.__doc__ or "").partition("\n\n")
        parameters = parameter_entries(function.__doc__, list(expected))
        cls.__doc__ = (
            f"{summary}\n\nParameters\n----------\n{parameters}\n\n{rest}".rstrip() + "\n"
        )
