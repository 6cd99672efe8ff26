"""Parameters validated once, by their owner, and checkable before any work.

Every public function of skpref that takes options (a campaign's ``select_batch``, the
benchmark's ``run_benchmark``, ``embed_file``, the annotation ``Server``, ...) declares its
parameters' constraints once, in scikit-learn's vocabulary
(:class:`~sklearn.utils._param_validation.Interval`, ``StrOptions``), and is decorated with
:func:`validated`: a call checks them first (scikit-learn's ``validate_params``, raising its
``InvalidParameterError``, a ``ValueError`` whose message names the parameter), and
``function.check_params(**params)`` checks any of them without calling the function, so that a
caller that reads and writes files before the call (the ``skpref`` command) can refuse a bad
option before it touches any file.

The ranges shared by several owners live here, each with its reason.

Examples
--------
>>> from numbers import Integral
>>> from sklearn.utils._param_validation import Interval
>>> @validated({"n": [Interval(Integral, 1, None, closed="left")]})
... def repeat(text, n=2):
...     return text * n
>>> repeat("ab", n=3)
'ababab'
>>> repeat.check_params(n=0)
Traceback (most recent call last):
...
sklearn.utils._param_validation.InvalidParameterError: The 'n' parameter of repeat must be \
an int in the range [1, inf). Got 0 instead.
"""

import functools
import inspect
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, Options, validate_parameter_constraints

#: Largest seed: scikit-learn's ``random_state`` and numpy's legacy ``RandomState`` take seeds
#: in ``[0, 2**32 - 1]``.
MAX_SEED = 2**32 - 1

#: Largest count (batch sizes, folds, runs, chunks): numpy's and joblib's C integers.
MAX_COUNT = 2**31 - 1

#: A seed, as an integer (what a command line or a file can hold).
SEED = Interval(Integral, 0, MAX_SEED, closed="both")

#: ``C`` of the campaign's, the annotation page's and the benchmark's model: the prior variance
#: of each coefficient. The estimator itself takes any ``C > 0`` for which ``I / C`` is finite;
#: these functions fit it on rows they did not choose (embeddings of unknown scale), so they
#: keep ``C`` and ``1 / C`` a hundred orders of magnitude inside double precision, where the
#: prior can neither swamp every row nor vanish below the rounding of the Hessian.
C_RANGE = Interval(Real, 1e-100, 1e100, closed="both")

#: Largest ``beta``, in logit standard deviations: an interval of 100 standard deviations
#: already covers every logit a float64 model can report, so a larger one is a mistyped value.
MAX_BETA = 100.0

#: ``beta`` of a reported interval ``m +- beta w`` (and of the strategies that take one), in
#: logit standard deviations.
BETA = Interval(Real, 0, MAX_BETA, closed="both")

#: Parallel jobs: ``-1`` (every core) or a count of processes; joblib's other negative values
#: (``-2``: every core but one) are refused, so that a mistyped sign is not read as a count.
N_JOBS = [Options(Integral, {-1}), Interval(Integral, 1, 1024, closed="both")]


def count(minimum=1):
    """A count of at least ``minimum``, at most :data:`MAX_COUNT`.

    Examples
    --------
    >>> str(count(2))
    'an int in the range [2, 2147483647]'
    """
    return Interval(Integral, minimum, MAX_COUNT, closed="both")


def check_params(constraints, caller, params):
    """Check ``params`` (a dict) against ``constraints``, as ``caller``'s parameters.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        The first parameter that violates its constraint, named in the message:
        ``The 'C' parameter of select_batch must be ... Got 0.0 instead.``
    """
    validate_parameter_constraints(
        {name: rule for name, rule in constraints.items() if name in params}, params,
        caller_name=caller,
    )


def validated(constraints, relations=None):
    """Validate a function's parameters when it is called, and give it ``check_params``.

    A call first checks every parameter named in ``constraints``
    (scikit-learn's ``validate_parameter_constraints``, as ``validate_params``
    does), then ``relations`` (rules across parameters), then runs the
    function. ``function.check_params(**params)`` runs the same checks on the
    given parameters only (the others keep their defaults and are not looked
    at, a relation between given parameters included) without doing any of
    the function's work; a name the function does not take is a
    ``TypeError``, as in a call.

    Parameters
    ----------
    constraints : dict
        ``validate_params``'s constraints; a parameter missing from it is not
        validated.
    relations : callable or None, default=None
        ``relations(params, given)`` with ``params`` the call's arguments (the
        defaults filled in) and ``given`` the names the caller gave; raises
        :class:`~skpref.exceptions.ParameterError` for a combination that is
        refused.
    """

    def decorate(function):
        signature = inspect.signature(function)

        def check(**params):
            unknown = sorted(set(params) - set(signature.parameters))
            if unknown:
                raise TypeError(
                    f"{function.__qualname__}() got an unexpected keyword argument {unknown[0]!r}"
                )
            check_params(constraints, function.__qualname__, params)
            if relations is not None:
                relations(params, set(params))

        @functools.wraps(function)
        def call(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            given = set(bound.arguments)
            bound.apply_defaults()
            check_params(constraints, function.__qualname__, bound.arguments)
            if relations is not None:
                relations(bound.arguments, given)
            return function(*args, **kwargs)

        check.__doc__ = (
            f"Check parameters of ``{function.__qualname__}`` without calling it: the "
            "InvalidParameterError (or ParameterError) a call with them would raise."
        )
        call.check_params = check
        return call

    return decorate
