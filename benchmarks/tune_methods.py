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
any checkpoint from 50 labels on. A second table reads the goal at one
checkpoint: each variant's score after 60% of B against random's after B,
paired by seed, beside the ceiling (a model fitted on the whole labeling
part, scored on the same validation pairs) and, for the blocks given to
``--oracle``, a label-aware oracle (``oracle_loop``).

Run (needs SKPREF_DATA; about 6 minutes on two cores):

    python benchmarks/tune_methods.py --seeds 20 --oracle hh-helpful:real \
        --compare ci-location design-beta0.5 > benchmarks/tune_methods.md

Variants are ``name:strategy:param=value,...``; ``--variants`` replaces the
default list. Besides the names of ``skpref.query.STRATEGIES`` a variant may
name ``ci-schedule`` (CI-location with a beta that depends on the number of
labels, ``BetaSchedule``) or ``hybrid`` (one strategy for the first labels,
another after, ``Hybrid``); the parameter ``random_share=f`` (not a strategy
parameter) takes a share ``f`` of each batch uniformly at random and the rest
by the strategy (``RandomShare``). These wrappers read the number of labels
off the loop (the rows it no longer passes), which a strategy of the package
cannot: they are for screening here, not for use.
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
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from skpref import PairwiseLogisticRegression
from skpref.active import ActivePreferenceClassifier
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
from skpref.query import ci_location_sampling, make_strategy

# Explicit betas, so that the names keep their meaning when a default changes.
DEFAULT_VARIANTS = [
    "random:random:",
    "ci-location:ci-location:beta=1.0",
    "design-beta0.5:design:beta=0.5",
    "ci-burn-in:ci-location:beta=1.0,burn_in_share=1.0",
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


def labels_so_far(n_total, X_pool):
    """Labels the loop holds: it passes only the unlabeled rows of its ``n_total``."""
    return n_total - len(X_pool)


class BetaSchedule:
    """CI-location sampling whose ``beta`` depends on the number of labels ``t``.

    ``schedule``: ``"sqrt-log"`` ``beta sqrt(log(1 + t) / log(1 + t0))``;
    ``"uniform"`` ``sqrt(2 log(pi^2 t^2 / (6 delta)))`` (a union bound over
    rounds); ``"grow"`` ``beta sqrt(t / t0)``; ``"shrink"`` ``beta sqrt(t0 / t)``.
    """

    def __init__(self, n_total, t0, schedule, beta=1.0, delta=0.1, **params):
        self.n_total, self.t0, self.schedule = n_total, t0, schedule
        self.beta, self.delta, self.params = beta, delta, params

    def beta_at(self, t):
        t = max(t, 1)
        if self.schedule == "sqrt-log":
            return self.beta * np.sqrt(np.log1p(t) / np.log1p(self.t0))
        if self.schedule == "uniform":
            return np.sqrt(2 * np.log(np.pi**2 * t**2 / (6 * self.delta)))
        if self.schedule == "grow":
            return self.beta * np.sqrt(t / self.t0)
        if self.schedule == "shrink":
            return self.beta * np.sqrt(self.t0 / t)
        raise ValueError(f"unknown schedule {self.schedule!r}")

    def __call__(self, classifier, X_pool, n_instances=1, random_state=None):
        beta = self.beta_at(labels_so_far(self.n_total, X_pool))
        return ci_location_sampling(
            classifier, X_pool, n_instances, beta=float(beta), random_state=random_state,
            **self.params,
        )


class Hybrid:
    """One strategy while the loop holds fewer than ``switch`` labels, another after."""

    def __init__(self, n_total, switch, first, then):
        self.n_total, self.switch, self.first, self.then = n_total, switch, first, then

    def __call__(self, classifier, X_pool, n_instances=1, random_state=None):
        early = labels_so_far(self.n_total, X_pool) < self.switch
        strategy = self.first if early else self.then
        return strategy(classifier, X_pool, n_instances, random_state=random_state)


def build_strategy(strategy, params, n_total, t0):
    """A name of ``STRATEGIES`` with its params, or one of the wrappers above.

    ``ci-schedule:schedule=...,beta=...``; ``hybrid:switch=S,first=design,
    first_beta=0.5,then=ci-location,then_beta=1`` (each part a registered name).
    """
    share = params.pop("random_share", 0.0)
    if strategy == "ci-schedule":
        built = BetaSchedule(n_total, t0, **params)
    elif strategy == "hybrid":
        first = make_strategy(params.get("first", "design"), beta=params.get("first_beta", 0.5))
        then = make_strategy(params.get("then", "ci-location"), beta=params.get("then_beta", 1.0))
        built = Hybrid(n_total, params["switch"], first, then)
    else:
        built = make_strategy(strategy, **params)
    return RandomShare(built, share) if share else built


def oracle_loop(X_train, y_train, X_val, y_val, sign_val, *, candidates, C, n_initial,
                batch_size, budget, seed):
    """A label-aware greedy oracle: each batch the best of several, judged by every pool label.

    It starts from the loops' random labels (the same draw as
    :class:`~skpref.active.ActivePreferenceClassifier` on ``seed``). Each
    batch it refits on the labels held plus each of ``candidates`` random
    batches of the unlabeled rows and of the batches CI-location (beta 1) and
    design sampling (beta 0.5) would pick, and keeps the batch whose refit
    has the highest accuracy on the *whole labeling part*, whose labels it
    knows in advance (never the validation pairs). No strategy that sees only
    the labels it asked for can choose with that knowledge; the oracle is
    greedy, so it is a strong reference, not a proven upper bound.
    """
    n = len(y_train)
    rng = np.random.RandomState(seed)
    queried = list(rng.choice(n, size=min(n_initial, budget), replace=False))
    proposers = [make_strategy("ci-location", beta=1.0), make_strategy("design", beta=0.5)]
    model = PairwiseLogisticRegression(C=C)
    model.fit_labeled(X_train[queried], y_train[queried])
    rows = [{"n_labels": len(queried), **validation_scores(model, X_val, y_val, sign_val)}]
    while len(queried) < budget:
        size = min(batch_size, budget - len(queried))
        unlabeled = np.setdiff1d(np.arange(n), queried)
        batches = [unlabeled[rng.choice(unlabeled.size, size, replace=False)]
                   for _ in range(candidates)]
        batches += [unlabeled[np.asarray(proposer(model, X_train[unlabeled], size,
                                                  random_state=rng.randint(2**31 - 1))[0])]
                    for proposer in proposers]
        best, best_accuracy = None, -1.0
        for batch in batches:
            trial = PairwiseLogisticRegression(C=C)
            rows_in = np.concatenate([queried, batch])
            trial.fit_labeled(X_train[rows_in], y_train[rows_in])
            accuracy = np.mean(trial.predict(X_train) == y_train)
            if accuracy > best_accuracy:
                best, best_accuracy, best_model = batch, accuracy, trial
        queried.extend(best.tolist())
        model = best_model
        rows.append({"n_labels": len(queried), **validation_scores(model, X_val, y_val, sign_val)})
    return rows


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
    settings = dict(C=args.C, n_initial=args.n_initial, batch_size=args.batch_size,
                    budget=args.budget, seed=seed)
    started = time.perf_counter()
    if strategy == "oracle":
        rows = oracle_loop(X_train, y_train, X_val, y_val, sign_val,
                           candidates=params.get("candidates", 20), **settings)
        seconds = time.perf_counter() - started
    else:
        strategy = build_strategy(strategy, params, len(X_train), args.n_initial)
        rows, seconds = score_loop(X_train, y_train, X_val, y_val, sign_val,
                                   strategy=strategy, **settings)
    reference = None
    if name == "random":
        # What labeling the whole labeling part would buy: the ceiling of the curves.
        full = PairwiseLogisticRegression(C=args.C).fit(X_train, y_train)
        reference = {"dataset": dataset, "labels": labels, "seed": seed,
                     "n_labels": len(y_train), **validation_scores(full, X_val, y_val, sign_val)}
    return [
        {"dataset": dataset, "labels": labels, "strategy": name, "seed": seed, **row}
        for row in rows
    ], reference, seconds


def validation_scores(model, X, y, sign):
    """Accuracy, log-loss and (teacher mode) accuracy against the teacher's sign."""
    predicted = model.predict(X)
    scores = {
        "accuracy": float(np.mean(predicted == y)),
        "log_loss": float(log_loss(y, model.predict_proba(X), labels=model.classes_)),
        "sign_accuracy": float("nan"),
    }
    if sign is not None:
        signed = sign >= 0
        scores["sign_accuracy"] = float(np.mean(predicted[signed] == sign[signed]))
    return scores


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


def room_table(curves, references, budget, fraction=0.6):
    """Per block: the ceiling, random's curve, and every variant at ``fraction B`` against random@B.

    The issue's goal, read at one checkpoint: a variant saves 40% of the
    labels when its score after ``n = fraction B`` labels reaches random's
    after ``B``. ``v@n - random@B`` is paired by seed (mean ± standard error);
    the whole-pool fit is the ceiling of every curve, so ``whole pool -
    random@B`` is the room any strategy has.
    """
    checkpoints = np.unique(curves["n_labels"])
    n_short = int(checkpoints[checkpoints <= fraction * budget].max())
    lines = [
        f"| dataset | labels | score | whole pool | random@{n_short} | random@{budget} "
        f"| room: whole pool - random@{budget} | variant | variant@{n_short} "
        f"| variant@{n_short} - random@{budget} (paired) | variant@{budget} "
        f"| labels to random@{budget} |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ref = {key: np.asarray(value) for key, value in references.items()}
    blocks = dict.fromkeys(zip(curves["dataset"].tolist(), curves["labels"].tolist()))
    for dataset, labels in blocks:
        for metric in ("accuracy", "sign_accuracy") if labels == "teacher" else ("accuracy",):
            in_block = (curves["dataset"] == dataset) & (curves["labels"] == labels)

            def scores(strategy, n):
                mask = in_block & (curves["strategy"] == strategy) & (curves["n_labels"] == n)
                return dict(zip(curves["seed"][mask].tolist(), curves[metric][mask].tolist()))

            base = scores("random", budget)
            short = scores("random", n_short)
            seeds = sorted(base)
            whole = ref[metric][(ref["dataset"] == dataset) & (ref["labels"] == labels)]
            room = 100 * (whole.mean() - np.mean([base[s] for s in seeds]))
            head = (f"| {dataset} | {labels} | {metric} | {pm(whole)} | "
                    f"{pm([short[s] for s in seeds])} | {pm([base[s] for s in seeds])} | "
                    f"{room:+.2f} |")
            for strategy in dict.fromkeys(curves["strategy"][in_block].tolist()):
                if strategy == "random":
                    continue
                at_short, at_budget = scores(strategy, n_short), scores(strategy, budget)
                paired = [100 * (at_short[s] - base[s]) for s in seeds if s in at_short]
                # The summary's rule: the first checkpoint from which the mean curve stays
                # at or above random's mean at B (over the same seeds).
                target = np.mean([base[s] for s in at_budget])
                means = np.array([np.mean(list(scores(strategy, n).values()))
                                  for n in checkpoints])
                above = np.flatnonzero(np.minimum.accumulate((means >= target)[::-1])[::-1])
                reach = int(checkpoints[above[0]]) if above.size else f"> {budget}"
                lines.append(
                    f"{head} {strategy} | {pm(list(at_short.values()))} | "
                    f"{np.mean(paired):+.2f} ± {standard_error(paired):.2f} | "
                    f"{pm(list(at_budget.values()))} | {reach} |"
                )
                head = "| | | | | | | |"
    return "\n".join(lines)


def pm(values):
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.4f} ± {standard_error(values):.4f}"


def standard_error(values):
    values = np.asarray(values, dtype=float)
    return values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else float("nan")


def share_loop(dataset, labels, seed, args, beta=1.0, burn_in_share=1.0):
    """The share of the unlabeled pool whose interval contains 0, at every batch of a loop.

    The loop is the ``ci-burn-in`` variant's (``CILocationSampling(beta,
    burn_in_share)``) on the labeling part of ``seed``'s pool; each entry is
    ``(labels held, share, whether the batch was the design's)``.
    """
    X, y, sign = load_comparisons(
        dataset, seed=seed, labels=labels, C=args.C, teacher_accuracy=args.teacher_accuracy
    )
    parts = [X, y] + ([] if sign is None else [sign])
    pool = train_test_split(*parts, test_size=0.2, random_state=seed, stratify=y)[0::2]
    X_train, _, y_train, _ = train_test_split(
        *pool[:2], test_size=0.25, random_state=seed + _VALIDATION_STREAM, stratify=pool[1]
    )
    record = []

    def recording(classifier, X_pool, n_instances=1, random_state=None):
        posterior = classifier.get_posterior(X_pool.shape[1])
        means, widths = posterior.mean_and_std(X_pool)
        share = float(np.mean(np.abs(means) <= beta * widths))
        record.append((len(X_train) - len(X_pool), share, share >= burn_in_share))
        return ci_location_sampling(classifier, X_pool, n_instances, beta=beta,
                                    burn_in_share=burn_in_share, random_state=random_state)

    ActivePreferenceClassifier(
        PairwiseLogisticRegression(C=args.C, warm_start=True), recording,
        n_initial=args.n_initial, batch_size=args.batch_size, budget=args.budget,
        random_state=seed,
    ).fit(X_train, y_train)
    return dataset, labels, seed, record


def share_table(records):
    """Mean share per block and checkpoint, and the labels at which the burn-in ended."""
    blocks = dict.fromkeys((dataset, labels) for dataset, labels, _, _ in records)
    checkpoints = [n for n, _, _ in records[0][3]]
    shown = [n for n in checkpoints if n in (10, 20, 30, 40, 50, 60, 80, 100, 120, 150, 190)]
    lines = ["| dataset | labels | burn-in ended at (labels, per seed) | "
             + " | ".join(f"share at {n}" for n in shown) + " |",
             "|---|---|---|" + "---|" * len(shown)]
    for dataset, labels in blocks:
        block = [record for d, lab, _, record in records if (d, lab) == (dataset, labels)]
        shares = np.array([[share for _, share, _ in record] for record in block])
        ended = [next((n for n, _, design in record if not design), "never") for record in block]
        lines.append(
            f"| {dataset} | {labels} | {', '.join(map(str, ended))} | "
            + " | ".join(f"{shares[:, checkpoints.index(n)].mean():.3f}" for n in shown) + " |"
        )
    return "\n".join(lines)


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
    parser.add_argument(
        "--oracle", nargs="+", default=[], metavar="DATASET:LABELS",
        help="also run the label-aware oracle (oracle_loop) on these blocks, for the room table",
    )
    parser.add_argument("--oracle-candidates", type=int, default=20,
                        help="random candidate batches the oracle weighs per batch")
    parser.add_argument(
        "--shares", action="store_true",
        help="only print the ci-burn-in loop's ambiguous share at every batch, per block",
    )
    args = parser.parse_args()
    if data_directory() is None:
        sys.exit("tune_methods.py needs SKPREF_DATA (the real datasets).")
    if args.shares:
        load = os.getloadavg()
        seeds = range(args.first_seed, args.first_seed + args.seeds)
        records = Parallel(n_jobs=args.n_jobs)(
            delayed(share_loop)(dataset, labels, seed, args)
            for dataset in args.datasets for labels in args.labels for seed in seeds
        )
        print("\n## The share of undecided pairs along the ci-burn-in loop\n")
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
        print(f"Command: `python {' '.join(sys.argv)}`, commit {commit}, load average at start "
              f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; seeds {seeds.start}.."
              f"{seeds.stop - 1}. The share of the unlabeled labeling part whose interval "
              "`[m - w, m + w]` contains 0, before each batch (mean over the seeds), and the "
              "labels held at the first batch that was CI-location's rather than the design's.\n")
        print(share_table(records))
        return
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
    oracle = f"oracle:oracle:candidates={args.oracle_candidates}"
    jobs += [
        (*block.split(":", 1), seed, oracle) for block in args.oracle for seed in seeds
    ]
    # The costly oracle and design loops first, so that the two workers finish together.
    jobs.sort(key=lambda job: parse_variant(job[3])[1] not in ("oracle", "design", "hybrid"))
    outputs = Parallel(n_jobs=args.n_jobs)(delayed(one_loop)(*job, args) for job in jobs)
    every_row = [row for loop_rows, _, _ in outputs for row in loop_rows]
    rows = [row for row in every_row if row["strategy"] != "oracle"]
    oracle_rows = [row for row in every_row if row["strategy"] == "oracle"]
    references = [reference for _, reference, _ in outputs if reference is not None]
    reference = {key: [ref[key] for ref in references] for key in references[0]}
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
    every = {key: np.asarray([row[key] for row in rows + oracle_rows]) for key in rows[0]}
    print(f"\n## The goal at one checkpoint: 60% of the labels against random's {args.budget}\n")
    print("Points of validation score (0.01 = 1 point), mean ± standard error over the seeds; "
          "`oracle` (where run) is `oracle_loop`, which sees every label of the labeling part "
          "in advance.\n")
    print(room_table(every, reference, args.budget))
    print("\n## Paired summaries (validation pairs)\n")
    print("```")
    print(format_summary(summary, reference, teachers=teachers, legend=True))
    print("```")
    for name in args.compare:
        print(f"\n## Paired against {name} instead of random\n")
        print("```")
        print(format_summary(summarize(curves, baseline=name), reference, teachers=teachers,
                             baseline=name))
        print("```")
    if args.curves:
        with open(args.curves, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(every)
            writer.writerows(zip(*(values.tolist() for values in every.values())))


if __name__ == "__main__":
    main()
