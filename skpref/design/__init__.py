"""Experimental designs for logistic preference models, and sign identification.

A *design* is an allocation ``lambda`` of labels over rows, and the
information it buys, ``H(lambda) = H + n sum_j lambda_j mu'(m_j) x_j x_j^T``
(:mod:`skpref.posterior` computes it); the word means nothing else in skpref.

* :func:`frank_wolfe_design` minimises a batch design objective
  (:class:`LinearObjective`, :class:`MinimaxObjective`) over the capped
  simplex by pairwise steps, and :func:`round_to_distinct` rounds it to a
  batch: the solver of the design strategies
  :func:`skpref.query.g_optimal_sampling` and
  :func:`skpref.query.design_sampling`, which label the better, by
  :meth:`DesignResult.batch_value`, of that rounding and the Frank-Wolfe
  vertices the solver visited;
* :func:`oracle_allocation`: the design that identifies the sign of every
  ``x_i^T theta`` with the fewest labels, and its value ``rho*``, by the
  minimax solver :func:`minimax_design` (damped multiplicative updates with a
  duality certificate: Frank-Wolfe stalls on a maximum that several arms
  attain at once);
* :class:`PhasedElimination`: Algorithm 1, sign identification by phased
  elimination with a gap-aware allocation, and its G-optimal and uniform
  comparisons.

The study that checks Algorithm 1's error rate and label count against
``delta`` and ``rho* log(1/delta)`` is an experiment, not the algorithm: it is
:func:`skpref.benchmark.label_complexity_study`.
"""

from ._elimination import EliminationResult, Phase, PhasedElimination
from ._frank_wolfe import (
    DesignResult,
    LinearObjective,
    MinimaxObjective,
    frank_wolfe_design,
    round_to_distinct,
)
from ._oracle import minimax_design, oracle_allocation

__all__ = [
    "DesignResult",
    "EliminationResult",
    "LinearObjective",
    "MinimaxObjective",
    "Phase",
    "PhasedElimination",
    "frank_wolfe_design",
    "minimax_design",
    "oracle_allocation",
    "round_to_distinct",
]
