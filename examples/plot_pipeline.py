"""
A pipeline from item features, queried as a whole
=================================================

Preference data often come as features of the two items of each pair, side
by side: ``[phi(a), phi(b)]``. A scikit-learn ``Pipeline`` can start there:
:class:`~skpref.pairs.PairDifference` forms the comparison row
``phi(a) - phi(b)``, a scaler evens out the feature scales, and
:class:`~skpref.PairwiseLogisticRegression` ends it. Query strategies accept
the pipeline itself and send the pool through its transforms.

The scaler must be ``StandardScaler(with_mean=False)``: centering the
difference rows breaks the model's symmetry under swapping the two items.
This example measures that, then asks CI-location sampling for the next pairs
through the pipeline.
"""

# %%
# Item-level data
# ---------------
# 12 item features on very different scales. The first item of each pair comes
# from one source (say, one model's responses) and the second from another, so
# the two sides differ on average: the difference rows have a non-zero mean.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skpref import PairwiseLogisticRegression
from skpref.pairs import PairDifference
from skpref.query import ci_location_sampling

rng = np.random.default_rng(0)
n_pairs, n_features = 3000, 12
scales = np.logspace(-1, 1, n_features)
theta_star = rng.normal(size=n_features) / scales
first = rng.normal(size=(n_pairs, n_features)) * scales + 0.5 * scales
second = rng.normal(size=(n_pairs, n_features)) * scales
y = (rng.random(n_pairs) < 1.0 / (1.0 + np.exp(-(first - second) @ theta_star))).astype(int)
pairs = np.hstack([first, second])  # columns [phi(a), phi(b)]
swapped = np.hstack([second, first])  # the same pairs, items written the other way

labeled, pool = np.arange(300), np.arange(300, n_pairs)

# %%
# Scaling, with and without centering
# -----------------------------------
# Swapping the items of a pair maps ``x`` to ``-x``; without an intercept the
# model gives ``P(first | -x) = 1 - P(first | x)``. We fit both pipelines on the
# same labeled pairs and measure how far each is from that identity on the pool.


def pipeline(with_mean):
    return make_pipeline(
        PairDifference(),
        StandardScaler(with_mean=with_mean),
        PairwiseLogisticRegression(C=1.0),
    )


for with_mean in (False, True):
    model = pipeline(with_mean).fit(pairs[labeled], y[labeled])
    p_first = model.predict_proba(pairs[pool])[:, 1]
    p_first_swapped = model.predict_proba(swapped[pool])[:, 1]
    gap = np.abs(p_first_swapped - (1.0 - p_first)).max()
    print(f"StandardScaler(with_mean={with_mean}): max |P(first | swapped) - "
          f"(1 - P(first))| = {gap:.2e}")

# %%
# Centering subtracts the mean difference ``x_bar`` from every row, so a
# swapped pair becomes ``-x - x_bar`` instead of ``-(x - x_bar)``: the model has
# acquired an intercept ``-x_bar^T theta`` that depends on which side each item
# was written on. Scaling alone is linear and keeps the symmetry (what is left
# above is the rounding of ``1 - P`` in floating point).
#
# Querying through the pipeline
# -----------------------------
# The strategy receives the pipeline and the pool in the pipeline's input space
# (item-pair columns); the returned indices are positions in that pool.

model = pipeline(with_mean=False).fit(pairs[labeled], y[labeled])
indices, utilities = ci_location_sampling(model, pairs[pool], n_instances=10, beta=1.0)
print("next pairs to label:", pool[indices])

# The same batch as scoring the transformed rows with the final estimator.
rows = model[:-1].transform(pairs[pool])
same, _ = ci_location_sampling(model[-1], rows, n_instances=10, beta=1.0)
print("identical to querying the transformed rows:", np.array_equal(indices, same))

# %%
# Where the picks sit
# -------------------
# Each pool pair is a point (logit mean ``m``, logit width ``w``). Its interval
# ``[m - w, m + w]`` contains 0 inside the wedge ``|m| < w``; CI-location ranks
# pairs by ``w - |m|``, how far the interval reaches past zero, and spreads the
# batch by conditioning on each pick.

posterior = model[-1].posterior_
means, widths = posterior.mean_and_std(rows)
fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(means, widths, s=4, alpha=0.3, color="0.5", label="pool pairs")
ax.scatter(means[indices], widths[indices], s=30, color="C3", label="CI-location batch")
edge = np.linspace(0, widths.max(), 2)
ax.plot(edge, edge, "k--", linewidth=1)
ax.plot(-edge, edge, "k--", linewidth=1, label="interval touches 0 (|m| = w)")
ax.set_xlim(-4 * widths.max(), 4 * widths.max())
ax.set_ylim(bottom=0)
ax.set_xlabel("logit mean m")
ax.set_ylabel("logit width w")
ax.legend(loc="upper right", fontsize="small")
fig.tight_layout()
