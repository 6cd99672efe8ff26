"""Exceptions that skpref raises beyond Python's and numpy's own."""

from numpy.linalg import LinAlgError

__all__ = ["AntisymmetryWarning", "InputError", "NotPositiveDefiniteError"]


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
