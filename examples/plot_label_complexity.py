"""
Algorithm 1: labels used against the oracle allocation rho* log(1/delta)
========================================================================

Sign identification: K arms ``x_i`` may be queried again and
again, each query returns a Bernoulli(``sigma(x_i^T theta*)``) label, and we
want the sign of every ``x_i^T theta*`` with probability at least
``1 - delta``. The instance's difficulty is the oracle allocation's value
``rho*`` (:func:`skpref.design.oracle_allocation`); any delta-correct
algorithm needs about ``rho* log(1/delta)`` labels.

:class:`skpref.design.PhasedElimination` with ``design="gap"`` is
Algorithm 1: phases of halving resolution, each with a design that weighs
every undecided arm's width against its distance to zero. The ``"g-optimal"``
and ``"uniform"`` designs keep the same phases and decisions and only
allocate labels differently. This is a reduced version of the study that
``skpref label-complexity`` runs (there: 10 instances, 3 deltas, 100 runs per
cell).
"""

# %%
# One instance and its oracle allocation
# --------------------------------------
# Gaps ``|x_i^T theta*|`` spread from 0.05 to 2 over 20 arms in 3 dimensions.
# The oracle design puts its mass where the near-ties need it.

import numpy as np

from skpref.benchmark import (
    BernoulliOracle,
    format_label_complexity,
    label_complexity_study,
    make_gap_instance,
    make_rare_tie_instance,
    plot_label_complexity,
)
from skpref.design import PhasedElimination, oracle_allocation

X, theta = make_gap_instance(3, 20, min_gap=0.05, max_gap=2.0, random_state=0)
weights, rho = oracle_allocation(X, theta)
gaps = np.abs(X @ theta)
print(f"rho* = {rho:.0f}")
for i in np.argsort(-weights)[:4]:
    print(f"arm {i:2d}: gap {gaps[i]:.3f}, oracle weight {weights[i]:.2f}")

# %%
# One run of Algorithm 1
# ----------------------
# The phase log shows the resolution, the confidence radius, the labels and
# how many arms each phase decided.

result = PhasedElimination(delta=0.05).run(
    X, BernoulliOracle(X, theta, random_state=0), random_state=0
)
for phase in result.phases:
    print(phase)
print(
    f"all signs right: {np.array_equal(result.signs, np.sign(X @ theta))}, "
    f"labels {result.n_labels}, rho* log(1/delta) = {rho * np.log(20):.0f}"
)

# %%
# A reduced study
# ---------------
# Three instances (random gaps in 2 and 5 dimensions, and a near-tie along a
# direction that only one arm explores), two deltas, 20 runs per cell, in one
# process (spawning workers would cost more than these runs).

instances = [
    ("gaps-d2-K20", *make_gap_instance(2, 20, random_state=1)),
    ("gaps-d5-K20", *make_gap_instance(5, 20, random_state=2)),
    ("rare-tie-d5-K20", *make_rare_tie_instance(5, 20, tie_gap=0.1, random_state=3)),
]
rows = label_complexity_study(instances, deltas=[0.1, 0.01], n_runs=20, n_jobs=1, random_state=0)
print(format_label_complexity(rows))

# %%
# Labels against ``rho* log(1/delta)``
# ------------------------------------
# Algorithm 1 ("gap") follows ``rho* log(1/delta)`` up to a constant; the
# G-optimal and uniform allocations need several times more labels, most of
# all on the rare-tie instance.

import matplotlib.pyplot as plt  # noqa: E402

ax = plot_label_complexity(rows)
ax.set_title("Sign identification: labels used per instance and delta")
plt.tight_layout()
plt.show()
