"""The logistic link of the Bradley-Terry model, evaluated without overflow.

Every formula that involves ``sigma(z) = 1 / (1 + exp(-z))`` lives here, so
that the estimator, the posterior and the query strategies agree to the bit.
Each is written so that it keeps its relative precision for every finite
``z``: no term is the difference of two numbers that nearly cancel.
"""

import numpy as np
from scipy.special import expit


def sigmoid(z):
    """Probability that the first item is preferred, ``sigma(z)``."""
    return expit(z)


def log_sigmoid(z):
    """``log sigma(z) = -log(1 + exp(-z))``, finite for every finite ``z``."""
    return -np.logaddexp(0.0, -z)


def logistic_variance(z):
    """Bernoulli variance ``mu'(z) = sigma(z) (1 - sigma(z))``.

    Written as ``sigma(z) sigma(-z)`` so that it is symmetric in ``z`` to the
    bit and never cancels to zero for large ``|z|`` before underflow.
    """
    return expit(z) * expit(-z)


def log_loss_terms(y, z):
    """Per-row negative log-likelihood ``-log P(y | z)`` for ``y`` in [0, 1].

    .. math::

        \\ell(y, z) = y \\log(1 + e^{-z}) + (1 - y) \\log(1 + e^{z}),

    each term by ``logaddexp``. The shorter ``log(1 + e^z) - y z`` is the same
    function but, for ``y = 1`` and a large logit, the difference of two
    numbers of size ``z`` whose result is ``e^-z``: at ``z = 11`` it keeps 5
    of 16 digits, which is below the change of the objective in the last
    Newton steps of a nearly separable fit, so a line search on it sees only
    rounding noise.
    """
    y = np.asarray(y, dtype=np.float64)
    return y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)


def residual(y, z):
    """``sigma(z) - y`` for ``y`` in [0, 1], the derivative of :func:`log_loss_terms`.

    Computed as ``(1 - y) sigma(z) - y sigma(-z)`` (equal, since
    ``sigma(z) + sigma(-z) = 1``): for a label in {0, 1} one term vanishes
    and the other has full relative precision, where ``sigma(z) - 1`` would
    lose every digit below ``1e-16``.
    """
    y = np.asarray(y, dtype=np.float64)
    return (1.0 - y) * expit(z) - y * expit(-z)
