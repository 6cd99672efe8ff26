"""Tune the two new methods on pool data only: paired learning curves against random.

Issue 14's question: which settings of CI-location sampling and design sampling
make them save labels over random sampling, in both label modes? For every
dataset, label mode and seed, the data are oriented and split exactly as
``skpref benchmark`` does (80/20, seeded) and the test split is set aside,
never read. The 80% pool is split again (75/25, stratified, seeded
differently): the loops label from the first part and are scored after every
batch on the second (the validation pairs), against their labels and, in
teacher mode, against the teacher's noise-free sign. Every variant starts
from the same random labels as random sampling on the same seed, so the
summary's paired differences and "labels to random@B" (see
``skpref.benchmark.summarize``) compare like with like.

On top of the benchmark's summary the script checks the issue's goal for
each variant and block: (a) labels to random@B at most 60% of B, and (b) the
paired mean difference to random never below minus one standard error at
any checkpoint from 50 labels on.

Run (needs SKPREF_DATA; about 5 minutes on two cores):

    python benchmarks/tune_methods.py --seeds 20 --compare design-beta1 ci-location \
        > benchmarks/tune_methods.md

Variants are ``name:strategy:param=value,...``; ``--variants`` replaces the
default list. The parameter ``random_share=f`` (not a strategy parameter)
takes a share ``f`` of each batch uniformly at random and the rest by the
strategy (``RandomShare``).
"""

import argparse
import csv
import os
import platform
import subprocess
import sys
import time

# First: puts this checkout on sys.path, so that its skpref is the one tuned.
import _harness  # noqa: F401

import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import train_test_split

from skpref.benchmark import (
    DEFAULT_C,
    DEFAULT_TEACHER_ACCURACY,
    fit_teacher,
    format_summary,
    load_comparisons,
    paired_difference_curve,
    score_loop,
    summarize,
)
from skpref.datasets import data_directory
from skpref.query import make_strategy

# Explicit betas, so that the names keep their meaning when a default changes.
DEFAULT_VARIANTS = [
    "random:random:",
    "ci-location:ci-location:beta=1.0",
    "ci-beta2:ci-location:beta=2.0",
    "design-beta1:design:beta=1.0",
    "design-beta0.5:design:beta=0.5",
]

# The validation split is seeded apart from the benchmark's own split.
_VALIDATION_STREAM = 104729


def parse_variant(text):
    """``"name:strategy:beta=2,criterion=zscore"`` -> (name, strategy, params)."""
    name, strategy, raw = (text.split(":", 2) + ["", ""])[:3]
    params = {}
    for item in filter(None, raw.split(",")):
        key, _, value = item.partition("=")
        for kind in (int, float, str):
            try:
                params[key] = kind(value)
                break
            except ValueError:
                continue
    return name, strategy, params


class RandomShare:
    """A strategy that takes a share of each batch at random, the rest by ``strategy``.

    ``ceil((1 - share) n)`` rows by the strategy on the unlabeled pool, then
    the others uniformly from the rows it left (seeded): a hedge against a
    misspecified model's sampling bias, tried as a variant here.
    """

    def __init__(self, strategy, share):
        self.strategy, self.share = strategy, share

    def __call__(self, classifier, X_pool, n_instances=1, random_state=None):
        n = min(n_instances, len(X_pool))
        n_active = int(np.ceil((1.0 - self.share) * n))
        rng = np.random.default_rng(random_state)
        picked = np.empty(0, dtype=np.intp)
        if n_active:
            picked = np.asarray(
                self.strategy(classifier, X_pool, n_active, random_state=random_state)[0]
            )
        rest = np.setdiff1d(np.arange(len(X_pool)), picked)
        drawn = rng.choice(rest, size=n - n_active, replace=False)
        indices = np.concatenate([picked, drawn]).astype(np.intp)
        return indices, np.zeros(indices.size)


def one_loop(dataset, labels, seed, variant, args):
    """Checkpoints of one variant's loop on the validation split of one seed's pool."""
    name, strategy, params = parse_variant(variant)
    X, y, sign = load_comparisons(
        dataset, seed=seed, labels=labels, C=args.C, teacher_accuracy=args.teacher_accuracy
    )
    parts = [X, y] + ([] if sign is None else [sign])
    split = train_test_split(*parts, test_size=0.2, random_state=seed, stratify=y)
    pool = split[0::2]  # X_pool, y_pool(, sign_pool): the test split is dropped here
    inner = train_test_split(
        *pool, test_size=0.25, random_state=seed + _VALIDATION_STREAM, stratify=pool[1]
    )
    X_train, X_val, y_train, y_val = inner[:4]
    sign_val = inner[5] if sign is not None else None
    share = params.pop("random_share", 0.0)
    if share:
        strategy = RandomShare(make_strategy(strategy, **params), share)
    rows, seconds = score_loop(
        X_train, y_train, X_val, y_val, sign_val, strategy=strategy, params=params, C=args.C,
        n_initial=args.n_initial, batch_size=args.batch_size, budget=args.budget, seed=seed,
    )
    return [
        {"dataset": dataset, "labels": labels, "strategy": name, "seed": seed, **row}
        for row in rows
    ], seconds


def goal_check(curves, rows, budget_fraction=0.6, after=50):
    """Per block and variant: labels to random@B within the fraction, never > 1 SE behind."""
    lines = []
    for row in rows:
        if row["strategy"] == "random":
            continue
        grid, mean, se = paired_difference_curve(
            curves, row["strategy"], dataset=row["dataset"], labels=row["labels"],
            metric=row["metric"],
        )
        behind = (grid >= after) & (mean < -se)
        reached = row["labels_to_baseline"]
        saves = reached is not None and reached <= budget_fraction * row["budget"]
        lines.append(
            f"| {row['dataset']} | {row['labels']} | {row['metric']} | {row['strategy']} | "
            f"{reached if reached is not None else '> ' + str(row['budget'])} | "
            f"{'yes' if saves else 'no'} | "
            f"{', '.join(str(int(n)) for n in grid[behind]) or 'never'} | "
            f"{'yes' if saves and not behind.any() else 'no'} |"
        )
    header = (
        "| dataset | labels | score | variant | labels to random@B | <= 60% of B | "
        f"more than 1 SE behind random at (n >= {after}) | goal met |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    return header + "\n" + "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["hh-helpful", "hh-harmless"])
    parser.add_argument("--labels", nargs="+", default=["real", "teacher"])
    parser.add_argument("--variants", nargs="+", default=DEFAULT_VARIANTS)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--n-initial", type=int, default=10)
    parser.add_argument("--C", type=float, default=DEFAULT_C)
    parser.add_argument("--teacher-accuracy", type=float, default=DEFAULT_TEACHER_ACCURACY)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--compare", nargs="+", default=[],
        help="also print the paired summary against these variants (as the baseline)",
    )
    parser.add_argument("--curves", default=None, help="write every checkpoint to this CSV")
    args = parser.parse_args()
    if data_directory() is None:
        sys.exit("tune_methods.py needs SKPREF_DATA (the real datasets).")
    if not any(parse_variant(v)[0] == "random" for v in args.variants):
        args.variants = ["random:random:", *args.variants]

    started = time.perf_counter()
    load = os.getloadavg()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    jobs = [
        (dataset, labels, seed, variant)
        for dataset in args.datasets for labels in args.labels
        for seed in seeds for variant in args.variants
    ]
    # The costly design loops first, so that the two workers finish together.
    jobs.sort(key=lambda job: parse_variant(job[3])[1] != "design")
    outputs = Parallel(n_jobs=args.n_jobs)(delayed(one_loop)(*job, args) for job in jobs)
    rows = [row for loop_rows, _ in outputs for row in loop_rows]
    order = {parse_variant(v)[0]: i for i, v in enumerate(args.variants)}
    rows.sort(key=lambda r: (args.datasets.index(r["dataset"]), args.labels.index(r["labels"]),
                             order[r["strategy"]], r["seed"], r["n_labels"]))
    curves = {key: np.asarray([row[key] for row in rows]) for key in rows[0]}
    summary = summarize(curves)
    teachers = {"dataset": [], "scale": [], "teacher_accuracy": [], "unscaled_accuracy": []}
    if "teacher" in args.labels:
        for dataset in args.datasets:
            _, scale, unscaled = fit_teacher(
                dataset, C=args.C, teacher_accuracy=args.teacher_accuracy
            )
            for key, value in zip(teachers, (dataset, scale, args.teacher_accuracy, unscaled)):
                teachers[key].append(value)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print("# Tuning the new methods on pool data (benchmarks/tune_methods.py)\n")
    print(f"Command: `python {' '.join(sys.argv)}`  ")
    print(f"Commit {commit}, Python {platform.python_version()}, {len(jobs)} loops, "
          f"{time.perf_counter() - started:.0f} s wall, load average at start "
          f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.  ")
    print(f"Seeds {seeds.start}..{seeds.stop - 1}; budget {args.budget}, batches of "
          f"{args.batch_size}, {args.n_initial} random starting labels, C = {args.C}; "
          "loops label from 75% of the benchmark's 80% pool and are scored on the other 25% "
          "(the benchmark's test split is never read).\n")
    print("Variants: " + ", ".join(f"`{v}`" for v in args.variants) + "\n")
    print("## Goal check\n")
    print(goal_check(curves, summary))
    print("\n## Paired summaries (validation pairs)\n")
    print("```")
    print(format_summary(summary, teachers=teachers, legend=True))
    print("```")
    for name in args.compare:
        print(f"\n## Paired against {name} instead of random\n")
        print("```")
        print(format_summary(summarize(curves, baseline=name), teachers=teachers,
                             baseline=name))
        print("```")
    if args.curves:
        with open(args.curves, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(curves)
            writer.writerows(zip(*(values.tolist() for values in curves.values())))


if __name__ == "__main__":
    main()
