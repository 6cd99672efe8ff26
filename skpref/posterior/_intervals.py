"""Confidence intervals of the logit, ``[m - beta w, m + beta w]``, and where they sit.

To predict a preference only the sign of ``x^T theta`` matters, so what a
strategy, a campaign report or sign identification asks of an interval is
whether it contains 0: the pair is then still *ambiguous* (undecided). These
two functions are the only place where the interval and that test are written.
"""

import numpy as np

from ._checks import raise_on_overflow


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
    if not (np.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta must be a non-negative finite number, got {beta!r}.")
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
