"""Exceptions that skpref raises beyond Python's and numpy's own."""

from numpy.linalg import LinAlgError

__all__ = ["AntisymmetryWarning", "InputError", "NotPositiveDefiniteError", "ParameterError"]


class NotPositiveDefiniteError(LinAlgError, ValueError):
    """A matrix that must be positive definite is not, in float64.

    Raised when a Hessian, an information matrix or a Newton system fails its
    Cholesky factorisation; the message says which matrix and why (usually a
    very large ``C`` with collinear or separable rows). It is a
    :class:`numpy.linalg.LinAlgError`, for code that catches those, and a
    :class:`ValueError` on every numpy (numpy's own ``LinAlgError`` became
    a ``ValueError`` only in numpy 2), like every other error skpref raises
    for data it cannot use.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import LaplacePosterior
    >>> from skpref.exceptions import NotPositiveDefiniteError
    >>> try:
    ...     LaplacePosterior.from_hessian(np.zeros(2), -np.eye(2))
    ... except ValueError as error:
    ...     print(type(error).__name__)
    NotPositiveDefiniteError
    """


class AntisymmetryWarning(UserWarning):
    """A Pipeline step before the model does not commute with swapping a pair.

    Swapping the two items of a pair maps a difference row ``x`` to ``-x``;
    the Bradley-Terry model is antisymmetric, ``f(-x) = -f(x)``, and a step
    ``T`` keeps that only if ``T(-x) = -T(x)``. ``StandardScaler()`` (with
    its default ``with_mean=True``) does not: use
    ``StandardScaler(with_mean=False)``. Issued by
    :func:`skpref.check_antisymmetric`, which names the step.
    """


class InputError(Exception):
    """A problem with the user's files or data that the message names in full.

    The base of the errors of the layers that read files:
    :class:`~skpref.campaign.CampaignError` (pool, labels and model files),
    :class:`~skpref.annotate.AnnotateError` (the annotation store and its
    options) and :class:`~skpref.embed.EmbedError` (text files and models).
    Its message names the file and the line, row or option at fault, so that
    the ``skpref`` command prints it as it is, after ``skpref <command>:
    error:``, and exits with status 1, without a traceback; nothing has been
    written when one is raised. It is not a :class:`ValueError`: an option
    outside its range raises scikit-learn's ``InvalidParameterError`` (a
    ``ValueError``), which the command reports with exit status 2.

    Examples
    --------
    >>> from skpref.campaign import CampaignError
    >>> from skpref.exceptions import InputError
    >>> issubclass(CampaignError, InputError), issubclass(InputError, ValueError)
    (True, False)
    """


class ParameterError(ValueError):
    """Parameters that are valid one by one but not together.

    A single parameter outside its range raises scikit-learn's
    ``InvalidParameterError``; this error is for a rule across parameters,
    such as ``random_state + n_seeds - 1`` beyond the largest seed. Its
    message is a template whose fields are parameter names, so that a caller
    can name them its own way: ``str(error)`` writes ``name=value``, and the
    ``skpref`` command writes its options (``--seed 4294967295``) through
    :meth:`render`.

    Parameters
    ----------
    template : str
        The message, with a field ``{name}`` where each parameter is named.
    **parameters
        The value of every parameter the template names.

    Examples
    --------
    >>> from skpref.exceptions import ParameterError
    >>> error = ParameterError("{random_state} with {n_seeds} runs seeds beyond 2**32 - 1.",
    ...                        random_state=4294967295, n_seeds=2)
    >>> str(error)
    'random_state=4294967295 with n_seeds=2 runs seeds beyond 2**32 - 1.'
    >>> error.render(lambda name, value: f"--{name.replace('_', '-')} {value}")
    '--random-state 4294967295 with --n-seeds 2 runs seeds beyond 2**32 - 1.'
    """

    def __init__(self, template, **parameters):
        self.template = template
        self.parameters = parameters
        super().__init__(self.render(lambda name, value: f"{name}={value!r}"))

    def render(self, name_value):
        """The message, each parameter written as ``name_value(name, value)``."""
        return self.template.format(
            **{name: name_value(name, value) for name, value in self.parameters.items()}
        )
