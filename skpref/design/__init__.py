"""Experimental designs for logistic preference models, and sign identification.

* :func:`oracle_allocation`: the design that identifies the sign of every
  ``x_i^T theta`` with the fewest labels, and its value ``rho*``;
* :class:`PhasedElimination`: Algorithm 1, sign identification by phased
  elimination with a gap-aware design, and its G-optimal and uniform
  comparisons.

The study that checks Algorithm 1's error rate and label count against
``delta`` and ``rho* log(1/delta)`` is an experiment, not the algorithm: it is
:func:`skpref.benchmark.label_complexity_study`.

The Frank-Wolfe solver and rounding used by the design-based query
strategies (:func:`skpref.query.g_optimal_sampling`,
:func:`skpref.query.design_sampling`) live in ``_frank_wolfe``. The minimax
designs of sign identification are solved in ``_oracle`` instead (damped
multiplicative updates with a duality certificate; Frank-Wolfe stalls on a
maximum that several arms attain at once).
"""

from ._elimination import EliminationResult, Phase, PhasedElimination
from ._oracle import oracle_allocation

__all__ = [
    "EliminationResult",
    "Phase",
    "PhasedElimination",
    "oracle_allocation",
]
