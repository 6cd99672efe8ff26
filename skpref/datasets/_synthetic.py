"""Synthetic Bradley-Terry pools with a known parameter."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from .._blas import matvec
from .._logistic import sigmoid


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "theta": ["array-like", None],
        "noise_scale": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_preference_pool(
    n_samples, n_features, *, theta=None, noise_scale=1.0, random_state=None
):
    """A pool of comparisons labeled by a Bradley-Terry model with known ``theta``.

    Rows are standard normal, ``x ~ N(0, I_d)`` (the difference of two items
    with independent ``N(0, I/2)`` features), and each label is an
    independent draw

    .. math:: P(y = 1 \\mid x) = \\sigma(x^\\top \\theta / s),

    the choice of a judge whose utility difference ``x^T theta`` is blurred
    by logistic noise of scale ``s = noise_scale`` (``s = 0``: a noiseless
    judge, ``y = 1[x^T theta > 0]``). This is the well-specified case for
    :class:`~skpref.PairwiseLogisticRegression`: the model is exact.

    Parameters
    ----------
    n_samples : int
        Number of comparisons.
    n_features : int
        Number of features.
    theta : array-like of shape (n_features,), default=None
        The judge's parameter. None draws ``theta ~ N(0, (9 / d) I)``, so a
        typical logit ``x^T theta`` has standard deviation about 3.
    noise_scale : float, default=1.0
        Scale of the logistic noise; larger means noisier labels.
    random_state : int, RandomState instance or None, default=None
        Seeds rows, ``theta`` and labels.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Comparison rows.
    y : ndarray of shape (n_samples,)
        1 where the first item is preferred, else 0.
    theta : ndarray of shape (n_features,)
        The parameter that generated the labels.

    Examples
    --------
    >>> from skpref.datasets import make_preference_pool
    >>> X, y, theta = make_preference_pool(1000, 5, random_state=0)
    >>> X.shape, y.shape, theta.shape
    ((1000, 5), (1000,), (5,))
    """
    rng = check_random_state(random_state)
    if theta is None:
        theta = rng.normal(scale=3.0 / np.sqrt(n_features), size=n_features)
    else:
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != (n_features,):
            raise ValueError(f"theta must have shape ({n_features},), got {theta.shape}.")
        if not np.isfinite(theta).all():
            raise ValueError("theta must be finite.")
        theta = theta.copy()
    X = rng.normal(size=(n_samples, n_features))
    logits = matvec(X, theta)
    uniform = rng.random_sample(n_samples)
    if noise_scale == 0:
        y = (logits > 0).astype(int)
    else:
        y = (uniform < sigmoid(logits / noise_scale)).astype(int)
    return X, y, theta
