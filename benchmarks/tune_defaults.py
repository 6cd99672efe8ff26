"""Grid search of skpref's defaults with the loop estimator, on pool data only.

How the defaults of ``skpref benchmark`` (C) and of the new strategies
(CI-location's ``beta`` and ``criterion``, design sampling's ``beta``) were
chosen (issue 4). For each seed the dataset is oriented and split exactly as
the benchmark does (80/20, seeded); the test split is set aside and never
used. On the pool, ``GridSearchCV`` runs
:class:`~skpref.active.ActivePreferenceClassifier` loops (``budget`` labels,
batches of 10) on the training folds and scores the final model on the
held-out fold.

Run:  python benchmarks/tune_defaults.py --dataset hh-helpful
(needs SKPREF_DATA). Prints mean CV accuracy +- standard error per setting.
"""

import argparse
import time

# First: puts this checkout on sys.path, so that its skpref is the one tuned.
import _harness  # noqa: F401

import numpy as np
from sklearn.model_selection import (
    GridSearchCV,
    RepeatedStratifiedKFold,
    train_test_split,
)

from skpref import PairwiseLogisticRegression
from skpref.active import ActivePreferenceClassifier
from skpref.benchmark import load_comparisons, standard_error
from skpref.query import make_strategy


def search(X, y, strategy, grid, budget, n_jobs, seed, C):
    loop = ActivePreferenceClassifier(
        PairwiseLogisticRegression(C=C, warm_start=True),
        make_strategy(strategy),
        n_initial=10,
        batch_size=10,
        budget=budget,
        random_state=seed,
    )
    cv = RepeatedStratifiedKFold(n_splits=4, n_repeats=2, random_state=seed)
    return GridSearchCV(loop, grid, cv=cv, n_jobs=n_jobs).fit(X, y).cv_results_


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="hh-helpful")
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--C", type=float, nargs="+", default=[0.1, 0.3, 1.0, 3.0, 10.0])
    parser.add_argument(
        "--fixed-C", type=float, default=1.0, help="C of the stages that tune the strategies"
    )
    parser.add_argument(
        "--skip-C", action="store_true", help="only tune the strategies, at --fixed-C"
    )
    args = parser.parse_args()
    stages = [] if args.skip_C else [
        ("random", {"estimator__C": args.C}),
        ("ci-location", {"estimator__C": args.C}),
    ]
    stages += [
        ("ci-location", {"query_strategy__beta": [0.0, 0.5, 1.0, 2.0, 4.0]}),
        ("ci-location", {"query_strategy__criterion": ["zscore"]}),
        ("design", {"query_strategy__beta": [0.5, 1.0, 2.0, 4.0]}),
    ]
    print(
        f"{args.dataset}: budget {args.budget}, 4-fold x 2 CV on the pool, "
        f"seeds {args.seeds}, strategies at C={args.fixed_C}"
    )
    for strategy, grid in stages:
        started = time.perf_counter()
        results = []
        for seed in range(args.seeds):
            X, y, _ = load_comparisons(args.dataset, seed=seed)
            X_pool, _, y_pool, _ = train_test_split(
                X, y, test_size=0.2, random_state=seed, stratify=y
            )  # the test split is never looked at
            results.append(
                search(X_pool, y_pool, strategy, grid, args.budget, args.n_jobs, seed, args.fixed_C)
            )
        params = results[0]["params"]
        scores = np.array(
            [
                np.concatenate([[r[f"split{k}_test_score"][i] for k in range(8)] for r in results])
                for i in range(len(params))
            ]
        )
        best = scores.mean(axis=1).argmax()
        for i, setting in enumerate(params):
            # Folds are shared by all settings: the paired difference to the best
            # setting is far less noisy than either mean.
            difference = scores[i] - scores[best]
            print(
                f"  {strategy:<12} {setting}: {scores[i].mean():.4f} "
                f"+- {standard_error(scores[i]):.4f}; "
                f"vs best {difference.mean():+.4f} "
                f"+- {standard_error(difference):.4f} "
                f"({scores.shape[1]} folds)"
            )
        print(f"  ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
