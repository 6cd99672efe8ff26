"""
An active-learning loop with modAL
==================================

:class:`skpref.active.PreferenceLearner` is a ``modAL.models.ActiveLearner``
with skpref's defaults (a :class:`~skpref.PairwiseLogisticRegression` and
CI-location sampling) that works on current scikit-learn. This example runs
the usual modAL loop, ``query`` then ``teach``, on a simulated pool in which
the true preference model is known, so the annotator can be played by a
random draw, and compares three query strategies with the same starting
labels.

The pool is generated here; its accuracies say how the loop works, not which
strategy is better on real data (see the user guide's strategy page).
"""

# %%
# A simulated pool
# ----------------
# Comparison rows ``x = phi(a) - phi(b)`` of 20 features, with labels drawn
# from a Bradley-Terry model ``P(first preferred) = sigma(x^T theta*)``. The
# annotator answers queries from these hidden labels.

import matplotlib.pyplot as plt
import numpy as np

from skpref.active import PreferenceLearner
from skpref.query import CILocationSampling, RandomSampling, UncertaintySampling

rng = np.random.default_rng(0)
n_features = 20
theta_star = rng.normal(size=n_features) * 3.0 / np.sqrt(n_features)
X = rng.normal(size=(4000, n_features))
y = (rng.random(len(X)) < 1.0 / (1.0 + np.exp(-X @ theta_star))).astype(int)

test = rng.permutation(len(X))[:1000]
pool = np.setdiff1d(np.arange(len(X)), test)
start = rng.choice(pool, size=10, replace=False)  # shared by every strategy
print(f"pool: {len(pool)} pairs, test: {len(test)} pairs, {n_features} features")

# %%
# The loop
# --------
# ``query`` returns the chosen positions in the array it was given and the rows
# themselves; ``teach`` adds the labeled rows and refits on all labels so far.
# Batches of 10 up to 200 labels.


def run_loop(strategy, batch_size=10, budget=200):
    learner = PreferenceLearner(
        query_strategy=strategy, X_training=X[start], y_training=y[start]
    )
    unlabeled = np.setdiff1d(pool, start)
    n_labels, accuracy = [len(start)], [learner.score(X[test], y[test])]
    while n_labels[-1] < budget:
        picked, rows = learner.query(X[unlabeled], n_instances=batch_size)
        learner.teach(rows, y[unlabeled[picked]])  # the annotator's answers
        unlabeled = np.delete(unlabeled, picked)
        n_labels.append(n_labels[-1] + len(picked))
        accuracy.append(learner.score(X[test], y[test]))
    return np.array(n_labels), np.array(accuracy)


strategies = {
    "random": RandomSampling(random_state=0),
    "uncertainty": UncertaintySampling(random_state=0),
    "CI-location (beta=1)": CILocationSampling(beta=1.0, random_state=0),
}
curves = {name: run_loop(strategy) for name, strategy in strategies.items()}
for name, (n_labels, accuracy) in curves.items():
    print(f"{name:<22} test accuracy at {n_labels[-1]} labels: {accuracy[-1]:.3f}")

# %%
# The learning curves. One pool and one seed: differences of a point or two
# are noise at this scale.

fig, ax = plt.subplots(figsize=(6, 4))
for name, (n_labels, accuracy) in curves.items():
    ax.plot(n_labels, accuracy, marker="o", markersize=3, label=name)
ax.set_xlabel("labels")
ax.set_ylabel("test accuracy")
ax.set_title("modAL loop with PreferenceLearner, simulated pool")
ax.legend()
fig.tight_layout()

# %%
# The strategy's scores
# ---------------------
# ``return_metrics=True`` returns the strategy's scores as modAL's query
# metrics: for CI-location, each pick's ``beta * w - |m|`` given the picks
# before it (positive while the pick's interval still contains 0).

learner = PreferenceLearner(X_training=X[start], y_training=y[start])
unlabeled = np.setdiff1d(pool, start)
picked, rows, scores = learner.query(X[unlabeled], n_instances=5, return_metrics=True)
print("picks:", unlabeled[picked], "scores:", np.round(scores, 2))
