"""The ``skpref`` command."""

import argparse
import sys

import numpy as np


def _demo(args):
    """A short simulated labeling campaign on a generated Bradley-Terry pool.

    Every strategy starts from the same random labels and labels batches from
    the same pool; the test accuracy after each batch is printed. (The real
    experiment on preference data is the benchmark's job.)
    """
    from ._model import PairwiseLogisticRegression
    from . import query

    rng = np.random.default_rng(args.seed)
    n_features = args.n_features
    theta = rng.normal(size=n_features) * 3.0 / np.sqrt(n_features)
    X = rng.normal(size=(args.n_samples, n_features))
    y = (rng.random(args.n_samples) < 1.0 / (1.0 + np.exp(-X @ theta))).astype(int)
    test = rng.permutation(args.n_samples)[: args.n_samples // 5]
    pool = np.setdiff1d(np.arange(args.n_samples), test)
    start = rng.choice(pool, size=args.batch_size, replace=False)
    strategies = {
        "random": query.random_sampling,
        "uncertainty": query.uncertainty_sampling,
        "d-optimal": query.d_optimal_sampling,
        "ci-location": query.ci_location_sampling,
        "design": query.design_sampling,
    }
    budgets = list(range(args.batch_size, args.budget + 1, args.batch_size))
    print(
        f"skpref demo: generated Bradley-Terry pool, {len(pool)} pairs x {n_features} "
        f"features, {len(test)} test pairs, batches of {args.batch_size}"
    )
    print("test accuracy by labels used")
    print(f"{'strategy':<12}" + "".join(f"{b:>7d}" for b in budgets))
    for name, strategy in strategies.items():
        labeled = list(start)
        accuracies = []
        model = PairwiseLogisticRegression(C=args.C, warm_start=True)
        while True:
            model.fit(X[labeled], y[labeled])
            accuracies.append(model.score(X[test], y[test]))
            if len(labeled) >= args.budget:
                break
            unlabeled = np.setdiff1d(pool, labeled)
            picked, _ = strategy(model, X[unlabeled], args.batch_size, random_state=args.seed)
            labeled.extend(unlabeled[picked].tolist())
        print(f"{name:<12}" + "".join(f"{a:>7.3f}" for a in accuracies))
    print("One seed only: differences of a few points are noise here.")
    return 0


# Each command lives beside the code it drives, in a module with an
# ``add_commands(subparsers)`` function that adds its parser(s) and sets
# ``run``; this file only dispatches.
_COMMAND_MODULES = (
    "skpref.benchmark._command",
    "skpref.campaign._command",
    "skpref.design._study",
)


def build_parser():
    """The argument parser of the ``skpref`` command."""
    import importlib

    parser = argparse.ArgumentParser(
        prog="skpref", description="Active preference learning with Bradley-Terry models."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="a short simulated labeling campaign on a generated pool"
    )
    demo.add_argument("--n-samples", type=int, default=5000)
    demo.add_argument("--n-features", type=int, default=20)
    demo.add_argument("--batch-size", type=int, default=20)
    demo.add_argument("--budget", type=int, default=200)
    demo.add_argument("--C", type=float, default=1.0)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(run=_demo)
    for name in _COMMAND_MODULES:
        importlib.import_module(name).add_commands(commands)
    return parser


def main(argv=None):
    """Entry point of the ``skpref`` command."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
