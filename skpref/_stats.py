"""Statistics of repeated experiments: the standard error of a mean and a binomial upper bound.

The lowest layer, beside the logistic link and the solvers: it imports nothing from skpref,
so every experiment (the pool benchmark, the label-complexity study) and the campaign's status
can share one formula of each. ``scipy.stats`` is imported by the one function that needs it,
only when it is called.
"""

from numbers import Integral

import numpy as np


def standard_error(values):
    r"""The standard error of the mean of ``values``.

    .. math::

        \operatorname{se}(v) = \frac{s}{\sqrt{n}}, \qquad
        s^2 = \frac{1}{n - 1} \sum_{i=1}^{n} (v_i - \bar v)^2 ,

    the sample standard deviation (the unbiased variance, ``ddof=1``) over the square root of
    the number of values: the standard deviation of the mean of ``n`` independent draws, as
    estimated from the draws themselves. Fewer than two values say nothing about their spread
    (``n - 1 = 0``), so the result is then NaN, never 0.

    Parameters
    ----------
    values : array-like of float
        Independent repetitions of one measurement (flattened), such as a score per seed.

    Returns
    -------
    se : float
        NaN when ``values`` holds fewer than two numbers.

    Examples
    --------
    >>> from skpref.benchmark import standard_error
    >>> round(standard_error([0.6, 0.7, 0.8]), 6)  # s = 0.1, n = 3: 0.1 / sqrt(3)
    0.057735
    >>> standard_error([0.6])
    nan
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size < 2:
        return float("nan")
    return float(values.std(ddof=1) / np.sqrt(values.size))


def clopper_pearson_upper(successes, trials, level=0.95):
    r"""One-sided Clopper-Pearson upper confidence bound on a binomial probability.

    After ``k`` successes in ``n`` independent trials, the bound is the largest ``p`` that a
    one-sided test at level ``1 - level`` does not reject, the ``p`` at which
    :math:`P(\operatorname{Binomial}(n, p) \le k) = 1 - \text{level}`; through the relation
    between the binomial and the beta distributions it is the beta quantile

    .. math:: \bar p = B^{-1}(\text{level};\ k + 1,\ n - k), \qquad \bar p = 1 \text{ if } k = n.

    Exact (Clopper and Pearson, 1934): the bound covers the true ``p`` with probability at least
    ``level`` for every ``p`` and ``n``, where a normal approximation fails for rare events,
    such as the error rate of a delta-correct algorithm over a hundred runs. With ``k = 0`` it
    is :math:`1 - (1 - \text{level})^{1/n}`.

    Parameters
    ----------
    successes : int
        ``k``, in ``[0, trials]``.
    trials : int
        ``n``, at least 1.
    level : float, default=0.95
        Confidence level, in (0, 1).

    Returns
    -------
    upper : float

    References
    ----------
    C. J. Clopper and E. S. Pearson, "The use of confidence or fiducial limits illustrated in
    the case of the binomial", Biometrika 26(4), 404-413, 1934.

    Examples
    --------
    >>> from skpref.benchmark import clopper_pearson_upper
    >>> round(clopper_pearson_upper(0, 12), 4)  # 1 - 0.05 ** (1 / 12)
    0.2209
    >>> clopper_pearson_upper(5, 5)
    1.0
    """
    for name, value in (("successes", successes), ("trials", trials)):
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise TypeError(f"{name} must be an integer, got {value!r}.")
    if not 0 <= successes <= trials or trials < 1:
        raise ValueError(
            f"successes must lie in [0, trials] with trials >= 1, got {successes} of {trials}."
        )
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level!r}.")
    if successes == trials:
        return 1.0
    from scipy import stats

    return float(stats.beta.ppf(level, successes + 1, trials - successes))
