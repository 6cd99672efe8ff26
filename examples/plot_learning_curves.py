"""
Learning curves on real preference data
=======================================

The paper's experiment in miniature: simulated active-learning loops on the
Anthropic hh-rlhf helpful-base pairs (384-d sentence embeddings of prompt +
response), where a label is revealed only when its pair is queried. Every
strategy starts from the same 10 random labels and labels batches of 10; the
test accuracy after each batch is averaged over seeds.

The datasets are read from the directory named by ``SKPREF_DATA`` (nothing
is downloaded); without it this example falls back to a generated
Bradley-Terry pool. ``skpref benchmark`` runs the full version: all eight
strategies, three datasets, more seeds.
"""

import matplotlib.pyplot as plt

from skpref.benchmark import format_summary, plot_learning_curves, run_benchmark, summarize
from skpref.benchmark._protocol import default_datasets

dataset = "hh-helpful" if "hh-helpful" in default_datasets() else "synthetic"
result = run_benchmark(
    [dataset],
    strategies=["random", "uncertainty", "d-optimal", "ci-location", "design"],
    budget=100,
    batch_size=10,
    n_seeds=3,
    n_jobs=2,
)

# %%
# Mean test accuracy with one standard error over seeds. The dotted line is
# what labeling the whole pool (about 1900 pairs) buys. With these small
# sentence embeddings the signal is weak, so curves differ by a point or two
# and three seeds cannot separate them: read the standard errors.
plot_learning_curves(result.curves, reference=result.reference)
plt.show()

# %%
# The summary table: accuracy at the budget, the area under the curve, the
# labels each strategy needs to reach random sampling's final accuracy, and
# how often it beats random sampling seed by seed.
print(format_summary(summarize(result.curves), result.reference))
