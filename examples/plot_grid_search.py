"""
Tuning a query strategy with GridSearchCV
=========================================

:class:`~skpref.active.ActivePreferenceClassifier` is a whole simulated
active-learning loop wrapped as a classifier: ``fit(X, y)`` treats ``X`` as
the unlabeled pool, reveals ``y[i]`` only when row ``i`` is queried, and
refits after every batch until the budget is spent; ``score`` evaluates the
final model. So ``GridSearchCV`` can choose a strategy's parameters (here
CI-location sampling's ``beta`` and the label budget) by cross-validation,
exactly as it chooses ``C`` for a plain classifier.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skpref import PairwiseLogisticRegression
from skpref.active import ActivePreferenceClassifier
from skpref.datasets import make_preference_pool
from skpref.query import CILocationSampling

X, y, theta = make_preference_pool(1500, 10, random_state=0)

loop = ActivePreferenceClassifier(
    PairwiseLogisticRegression(C=1.0, warm_start=True),
    CILocationSampling(),
    n_initial=10,
    batch_size=10,
    random_state=0,
)
grid = {"query_strategy__beta": [0.0, 0.5, 1.0, 2.0, 4.0], "budget": [40, 80]}
search = GridSearchCV(loop, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0))
search.fit(X, y)
print("best:", search.best_params_, f"accuracy {search.best_score_:.3f}")

# %%
# Cross-validated accuracy against ``beta`` for each budget, with one
# standard error over folds. ``beta = 0`` is uncertainty sampling; a large
# ``beta`` approaches maximal-width sampling.
results = search.cv_results_
fig, ax = plt.subplots(figsize=(5, 3.5))
for budget in grid["budget"]:
    rows = np.flatnonzero(results["param_budget"] == budget)
    betas = np.asarray(results["param_query_strategy__beta"][rows], dtype=float)
    mean = results["mean_test_score"][rows]
    se = results["std_test_score"][rows] / np.sqrt(search.n_splits_)
    ax.errorbar(betas, mean, yerr=se, marker="o", capsize=3, label=f"budget {budget}")
ax.set_xlabel("beta (CI-location sampling)")
ax.set_ylabel("cross-validated accuracy")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# The refitted best loop keeps its learning curve and the rows it queried.
best = search.best_estimator_
print("labels per refit:", best.learning_curve_["n_labels"])
print("first rows queried:", best.queried_indices_[:12])
