"""
Learning curves of the query strategies
=======================================

The paper's experiment in miniature: simulated active-learning loops where a
label is revealed only when its pair is queried. Every strategy starts from
the same 10 random labels and labels batches of 10; the test accuracy after
each batch is averaged over seeds, and each strategy is compared with random
sampling *on the same seed* (same split, same start): that paired difference
is the quantity of interest.

The data are the Anthropic hh-rlhf helpful-base pairs (384-d sentence
embeddings of prompt + response) when ``SKPREF_DATA`` names the directory of
the real datasets (nothing is downloaded); without it, a generated
Bradley-Terry pool. The first line of output below says which data this page
was built with. ``skpref benchmark`` runs the full version: all eight
strategies, three datasets, 20 seeds, and ``--labels teacher`` for the
well-specified case.
"""

import matplotlib.pyplot as plt

from skpref.benchmark import (
    default_datasets,
    format_summary,
    plot_learning_curves,
    run_benchmark,
    summarize,
)

dataset = "hh-helpful" if "hh-helpful" in default_datasets() else "synthetic"
result = run_benchmark(
    [dataset],
    strategies=["random", "uncertainty", "d-optimal", "ci-location", "design"],
    budget=100,
    batch_size=10,
    n_seeds=4,
    n_jobs=2,
)
pool_pairs = int(result.reference["n_labels"][0])
if dataset == "synthetic":
    print("Data: a generated Bradley-Terry pool (no SKPREF_DATA directory was given), "
          f"{pool_pairs} pairs to label from in each loop.")
else:
    print(f"Data: the real {dataset} pairs, {pool_pairs} to label from in each loop.")

# %%
# Top: mean test accuracy with one standard error over seeds, random
# sampling in bold black, the two new methods in colour, the baselines in
# grey; the dashed line is what labeling the whole pool (its size is printed
# above) buys. Bottom: each strategy's paired difference to random, in points
# of accuracy, with one standard error of the paired mean. Four seeds give
# wide bands: a difference within them is not told from noise.
plot_learning_curves(result.curves, reference=result.reference)
plt.show()

# %%
# The summary table: the score at the budget, the paired differences to
# random at the budget and in area (marked ``*`` beyond two standard errors),
# the labels from which each strategy's mean curve stays at or above random's
# final accuracy, and a sentence that says which strategies save labels.
print(format_summary(summarize(result.curves), result.reference, legend=True))
