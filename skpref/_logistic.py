"""The logistic link of the Bradley-Terry model, evaluated without overflow.

Every formula that involves ``sigma(z) = 1 / (1 + exp(-z))`` lives here, so
that the estimator, the posterior and the query strategies agree to the bit.
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

    ``y log(1 + e^-z) + (1 - y) log(1 + e^z) = log(1 + e^z) - y z``, with
    ``logaddexp`` so that logits of ``+-1e4`` give finite values.
    """
    return np.logaddexp(0.0, z) - y * z
