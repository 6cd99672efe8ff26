"""Which C for a labeling campaign: held-out accuracy and log-loss at 50, 100 and 200 labels.

The campaign commands (``skpref select``, ``status``, ``fit``) fit
``PairwiseLogisticRegression(C)`` on the labels collected so far, a few
dozen to a few hundred. For each real dataset and seed the pairs are
oriented at random (seeded), 25% are held out for scoring, and the labels
come from the other 75% in two ways:

* ``random``: the first ``n`` pairs of a seeded permutation (what a campaign
  labeled at random, or a person who labels a given file in order, has);
* ``ci-location``: the campaign's default loop, 10 random labels and then
  batches of 10 chosen by ``ci_location_sampling`` from the unlabeled pairs,
  refitting with the same ``C`` after each batch (what ``skpref select``
  proposes, batch after batch).

At each label count the model fitted with each ``C`` on the same labels is
scored on the same held-out pairs, so differences between values of ``C``
are paired (same seed, same labels); the script prints the mean accuracy
and log-loss with their standard errors over seeds, and each ``C``'s paired
difference to ``--reference``.

Run:  python benchmarks/tune_campaign_C.py   (needs SKPREF_DATA; about ten minutes on one core)
"""

import argparse
import time

# First: puts this checkout on sys.path, so that its skpref is the one measured.
import _harness  # noqa: F401

import numpy as np

from skpref import PairwiseLogisticRegression
from skpref.datasets import load_preference_dataset
from skpref.query import ci_location_sampling


def scores(model, X, y):
    """Held-out accuracy and log-loss of a fitted model."""
    logits = model.decision_function(X)
    accuracy = np.mean((logits > 0) == (y == 1))
    loss = np.mean(np.where(y == 1, np.logaddexp(0.0, -logits), np.logaddexp(0.0, logits)))
    return accuracy, loss


def fit(X, y, C):
    return PairwiseLogisticRegression(C=C).fit(X, y)


def random_labels(X_pool, y_pool, sizes, Cs, X_test, y_test, rng):
    """{(C, n): (accuracy, log-loss)} for the first n pairs of a random permutation."""
    order = rng.permutation(len(y_pool))
    out = {}
    for n in sizes:
        rows = order[:n]
        if np.unique(y_pool[rows]).size < 2:
            raise RuntimeError("a one-class random start; use another seed")
        for C in Cs:
            out[C, n] = scores(fit(X_pool[rows], y_pool[rows], C), X_test, y_test)
    return out


def active_labels(X_pool, y_pool, sizes, Cs, X_test, y_test, rng, batch=10, start=10):
    """The same for the loop of 10 random labels and ci-location batches of 10, per C."""
    first = rng.permutation(len(y_pool))[:start]
    out = {}
    for C in Cs:
        labeled = list(first)
        while True:
            model = fit(X_pool[labeled], y_pool[labeled], C)
            if len(labeled) in sizes:
                out[C, len(labeled)] = scores(model, X_test, y_test)
            if len(labeled) >= max(sizes):
                break
            free = np.setdiff1d(np.arange(len(y_pool)), labeled)
            picked, _ = ci_location_sampling(model, X_pool[free], n_instances=batch,
                                             random_state=int(rng.integers(2**31)))
            labeled.extend(free[picked].tolist())
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+",
                        default=["hh-helpful", "hh-harmless", "ultrafeedback"])
    parser.add_argument("--C", type=float, nargs="+", default=[0.1, 0.3, 1.0, 3.0])
    parser.add_argument("--labels", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--active-seeds", type=int, default=10,
                        help="seeds of the ci-location loops (0 to skip them)")
    parser.add_argument("--reference", type=float, default=1.0)
    args = parser.parse_args()
    Cs, sizes = args.C, sorted(args.labels)
    started = time.perf_counter()
    for name in args.datasets:
        for mode, n_seeds in (("random", args.seeds), ("ci-location", args.active_seeds)):
            if n_seeds == 0:
                continue
            runs = []
            for seed in range(n_seeds):
                X, y = load_preference_dataset(name, return_X_y=True, random_state=seed)
                rng = np.random.default_rng(seed)
                test = rng.permutation(len(y))[: len(y) // 4]
                pool = np.setdiff1d(np.arange(len(y)), test)
                run = (random_labels if mode == "random" else active_labels)(
                    X[pool], y[pool], sizes, Cs, X[test], y[test], rng
                )
                runs.append(run)
            print(f"\n{name}, {mode} labels, {n_seeds} seeds (held-out 25%; mean +- standard "
                  f"error over seeds; diff: paired difference to C={args.reference:g})")
            print(f"{'labels':>6} {'C':>5} {'accuracy':>16} {'diff (points)':>15} "
                  f"{'log-loss':>16} {'diff':>15}")
            for n in sizes:
                for C in Cs:
                    acc = np.array([run[C, n][0] for run in runs])
                    loss = np.array([run[C, n][1] for run in runs])
                    ref_acc = np.array([run[args.reference, n][0] for run in runs])
                    ref_loss = np.array([run[args.reference, n][1] for run in runs])

                    def se(values):
                        return values.std(ddof=1) / np.sqrt(values.size)

                    d_acc, d_loss = 100 * (acc - ref_acc), loss - ref_loss
                    print(f"{n:>6} {C:>5g} {acc.mean():>8.4f} +- {se(acc):.4f} "
                          f"{d_acc.mean():>+6.2f} +- {se(d_acc):.2f} "
                          f"{loss.mean():>8.4f} +- {se(loss):.4f} "
                          f"{d_loss.mean():>+7.4f} +- {se(d_loss):.4f}")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
