"""The ``skpref`` command."""

import argparse
import sys

import numpy as np


def _demo(args):
    """Fit on a generated Bradley-Terry pool and show the Laplace intervals."""
    from sklearn.model_selection import train_test_split

    from ._model import PairwiseLogisticRegression

    rng = np.random.default_rng(args.seed)
    theta = rng.normal(size=args.n_features)
    X = rng.normal(size=(args.n_samples, args.n_features)) / np.sqrt(args.n_features)
    y = (rng.random(args.n_samples) < 1 / (1 + np.exp(-3 * X @ theta))).astype(int)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=args.n_labels, random_state=args.seed
    )
    model = PairwiseLogisticRegression(C=args.C).fit(X_train, y_train)
    lower, upper = model.confidence_interval(X_test, beta=args.beta)
    ambiguous = (lower < 0) & (upper > 0)
    print(f"skpref demo: a generated Bradley-Terry pool, {args.n_features} features")
    print(f"  fitted on {len(y_train)} labels in {model.n_iter_} Newton iterations")
    print(f"  test accuracy on {len(y_test)} pairs: {model.score(X_test, y_test):.3f}")
    print(
        f"  pairs whose {args.beta:g}-sigma logit interval contains 0: "
        f"{ambiguous.mean():.1%} (accuracy there "
        f"{model.score(X_test[ambiguous], y_test[ambiguous]) if ambiguous.any() else float('nan'):.3f}, "
        f"elsewhere {model.score(X_test[~ambiguous], y_test[~ambiguous]) if (~ambiguous).any() else float('nan'):.3f})"
    )
    return 0


def build_parser():
    """The argument parser of the ``skpref`` command."""
    parser = argparse.ArgumentParser(
        prog="skpref", description="Active preference learning with Bradley-Terry models."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="fit on a generated pool and show intervals")
    demo.add_argument("--n-samples", type=int, default=5000)
    demo.add_argument("--n-features", type=int, default=20)
    demo.add_argument("--n-labels", type=int, default=200)
    demo.add_argument("--C", type=float, default=1.0)
    demo.add_argument("--beta", type=float, default=1.0)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(run=_demo)
    return parser


def main(argv=None):
    """Entry point of the ``skpref`` command."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
