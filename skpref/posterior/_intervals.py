"""Confidence intervals of the logit, ``[m - beta w, m + beta w]``, and where they sit.

To predict a preference only the sign of ``x^T theta`` matters, so what a
strategy, a campaign report or sign identification asks of an interval is
whether it contains 0: the pair is then still *ambiguous* (undecided). The
interval, its half-width from a confidence level, its probability scale and
that test are written here and nowhere else.
"""

import numbers

import numpy as np
from scipy.special import expit, ndtri

from ._checks import raise_on_overflow

#: Scales of :func:`interval`: the logit ``x^T theta`` or ``P(first preferred)``.
SCALES = ("logit", "probability")


def beta_for_level(level):
    """Half-width ``beta = Phi^{-1}((1 + level) / 2)`` of a two-sided normal interval.

    Under the Laplace posterior the logit of a row is ``N(m, w^2)``, so
    ``[m - beta w, m + beta w]`` holds it with probability ``level``.

    Parameters
    ----------
    level : float
        Confidence level in ``(0, 1)``.

    Returns
    -------
    beta : float

    Examples
    --------
    >>> round(beta_for_level(0.95), 4)
    1.96
    """
    if (
        isinstance(level, bool)
        or not isinstance(level, numbers.Real)
        or not (0.0 < float(level) < 1.0)
    ):
        raise ValueError(f"level must be a number in (0, 1), e.g. 0.95; got {level!r}.")
    return float(ndtri((1.0 + float(level)) / 2.0))


def resolve_beta(beta=None, level=None):
    """The half-width asked for: ``beta``, or the one of ``level``, or 1.

    Parameters
    ----------
    beta : float, default=None
        Half-width in posterior standard deviations, ``>= 0``.
    level : float, default=None
        Confidence level in ``(0, 1)`` (:func:`beta_for_level`); not with ``beta``.

    Returns
    -------
    beta : float

    Examples
    --------
    >>> resolve_beta(), resolve_beta(beta=2.0), round(resolve_beta(level=0.9), 3)
    (1.0, 2.0, 1.645)
    """
    if beta is not None and level is not None:
        raise ValueError(
            f"Give beta (standard deviations) or level (a probability), not both; got "
            f"beta={beta!r} and level={level!r}."
        )
    if level is not None:
        return beta_for_level(level)
    if beta is None:
        return 1.0
    if (
        isinstance(beta, bool)
        or not isinstance(beta, numbers.Real)
        or not (np.isfinite(beta) and beta >= 0)
    ):
        raise ValueError(f"beta must be a non-negative finite number, got {beta!r}.")
    return float(beta)


def interval(means, widths, beta=None, *, level=None, scale="logit"):
    """The interval of every row, on the logit or the probability scale.

    ``[m - beta w, m + beta w]``, or with ``scale="probability"`` its image
    ``[sigma(m - beta w), sigma(m + beta w)]`` under the logistic function
    (monotone, so the probability that the first item is preferred lies in
    it with the same posterior probability).

    Parameters
    ----------
    means, widths : ndarray of shape (n_rows,)
        Logit means ``m`` and widths ``w``.
    beta : float, default=None
        Half-width in standard deviations (1 when neither it nor ``level`` is given).
    level : float, default=None
        Confidence level in ``(0, 1)``: ``beta = Phi^{-1}((1 + level) / 2)``.
    scale : {"logit", "probability"}, default="logit"

    Returns
    -------
    lower, upper : ndarray of shape (n_rows,)

    Examples
    --------
    >>> import numpy as np
    >>> lower, upper = interval(np.array([0.0]), np.array([1.0]), level=0.95,
    ...                         scale="probability")
    >>> round(float(lower[0]), 3), round(float(upper[0]), 3)
    (0.123, 0.877)
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}.")
    lower, upper = interval_bounds(means, widths, resolve_beta(beta, level))
    if scale == "probability":
        return expit(lower), expit(upper)
    return lower, upper


def interval_bounds(means, widths, beta):
    """``(m - beta w, m + beta w)`` for every row.

    Parameters
    ----------
    means, widths : ndarray of shape (n_rows,)
        Logit means ``m`` and widths ``w``.
    beta : float
        Half-width in posterior standard deviations, ``>= 0``.

    Returns
    -------
    lower, upper : ndarray of shape (n_rows,)

    Examples
    --------
    >>> import numpy as np
    >>> interval_bounds(np.array([0.5, -2.0]), np.array([1.0, 0.5]), beta=2.0)
    (array([-1.5, -3. ]), array([ 2.5, -1. ]))
    """
    beta = resolve_beta(beta)
    with np.errstate(over="ignore", invalid="ignore"):  # reported below
        lower, upper = means - beta * widths, means + beta * widths
    raise_on_overflow(lower, slice(0, lower.size), f"interval m - {beta:g} w")
    raise_on_overflow(upper, slice(0, upper.size), f"interval m + {beta:g} w")
    return lower, upper


def interval_contains_zero(means, widths, beta):
    """Whether ``[m - beta w, m + beta w]`` contains 0: ``|m| <= beta w``.

    A pair whose interval contains 0 is *ambiguous*: the posterior cannot yet
    say which item wins. Its complement, ``|m| > beta w``, is the decision
    rule of sign identification.

    Parameters
    ----------
    means, widths : ndarray of shape (n_rows,)
    beta : float

    Returns
    -------
    ndarray of bool, shape (n_rows,)

    Examples
    --------
    >>> import numpy as np
    >>> interval_contains_zero(np.array([0.5, -2.0, 0.0]), np.array([1.0, 0.5, 0.0]), 2.0)
    array([ True, False,  True])
    """
    return np.abs(means) <= beta * widths
