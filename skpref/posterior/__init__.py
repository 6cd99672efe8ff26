"""The Laplace posterior and everything computed from it.

This package is the one home of the posterior's mathematics; the estimator,
the query strategies, the designs and the campaign reports all go through it:

* :class:`LaplacePosterior`: ``N(w_hat, H^{-1})``, its prior, means, widths
  and intervals over a pool in one chunked pass;
* :class:`Whitening`: ``z = L^{-1} x~`` by one matrix product per chunk, and
  widths ``||z||`` to full precision;
* :class:`BatchConditioner`: the posterior after rows whose labels are not
  known yet (greedy batches);
* :func:`information_matrix`: ``H = P + sum_j w_j x~_j x~_j^T``, the Hessian,
  the Gram matrix of APO and the information after a design;
* :func:`interval`, :func:`interval_bounds`, :func:`beta_for_level` and
  :func:`interval_contains_zero`: the interval ``[m - beta w, m + beta w]``
  (from a half-width or a confidence level, on the logit or the probability
  scale) and whether a pair is still ambiguous.
"""

from ._conditioning import BatchConditioner
from ._information import HESSIAN_LIMIT, information_matrix
from ._intervals import (
    beta_for_level,
    interval,
    interval_bounds,
    interval_contains_zero,
    resolve_beta,
)
from ._checks import raise_on_overflowing_logits
from ._laplace import LaplacePosterior
from ._whitening import Whitening

__all__ = [
    "HESSIAN_LIMIT",
    "BatchConditioner",
    "LaplacePosterior",
    "Whitening",
    "beta_for_level",
    "information_matrix",
    "interval",
    "interval_bounds",
    "interval_contains_zero",
    "raise_on_overflowing_logits",
    "resolve_beta",
]
