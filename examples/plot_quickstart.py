"""
Quickstart: fit, confidence intervals, and the next pairs to label
==================================================================

Build comparison rows from chosen/rejected items, fit the Bradley-Terry model,
read the Laplace confidence interval of each pair's logit, and ask
CI-location sampling (Algorithm 2) for the next batch to label.
"""

import numpy as np

from skpref import PairwiseLogisticRegression
from skpref.pairs import make_pairs
from skpref.query import ci_location_sampling, uncertainty_sampling

rng = np.random.default_rng(0)
n_pairs, n_features = 2000, 16
theta = rng.normal(size=n_features)
items_a = rng.normal(size=(n_pairs, n_features))
items_b = rng.normal(size=(n_pairs, n_features))
# The preferred item of each pair, drawn from the Bradley-Terry model.
a_wins = rng.random(n_pairs) < 1 / (1 + np.exp(-(items_a - items_b) @ theta / 4))
chosen = np.where(a_wins[:, None], items_a, items_b)
rejected = np.where(a_wins[:, None], items_b, items_a)

# One row per comparison, x = phi(first) - phi(second), with a random orientation.
X, y = make_pairs(chosen, rejected, random_state=0)
labeled, pool = np.arange(100), np.arange(100, n_pairs)

model = PairwiseLogisticRegression(C=1.0).fit(X[labeled], y[labeled])
lower, upper = model.confidence_interval(X[pool], beta=1.0)
ambiguous = (lower < 0) & (upper > 0)
print(f"pool pairs whose interval contains 0: {ambiguous.mean():.0%}")

# The next 10 pairs to label: near-ties whose interval is also wide.
indices, utilities = ci_location_sampling(model, X[pool], n_instances=10, beta=1.0)
print("CI-location picks:", pool[indices])
print("their utilities beta*w - |m|:", np.round(utilities, 2))

# Uncertainty sampling looks at |m| only.
indices, _ = uncertainty_sampling(model, X[pool], n_instances=10)
print("uncertainty picks:", pool[indices])

# %%
# The intervals of the first 40 pool pairs, sorted by their logit mean. A pair
# is decided when its interval excludes 0; CI-location prefers the undecided
# pairs whose interval reaches furthest past 0.

import matplotlib.pyplot as plt

shown = np.arange(40)
order = shown[np.argsort(model.decision_function(X[pool[shown]]))]
means = model.decision_function(X[pool[order]])
fig, ax = plt.subplots(figsize=(6, 4))
ax.errorbar(
    np.arange(order.size), means,
    yerr=[means - lower[order], upper[order] - means],
    fmt="none", ecolor=np.where(ambiguous[order], "C3", "0.6"),
)
ax.plot(np.arange(order.size), means, "k.", markersize=4)
ax.axhline(0.0, color="k", linewidth=0.8)
ax.set_xlabel("pool pair (sorted by logit mean)")
ax.set_ylabel("logit interval, beta = 1")
ax.set_title("red: interval contains 0 (undecided)")
fig.tight_layout()
