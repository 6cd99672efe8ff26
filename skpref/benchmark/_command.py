"""``skpref benchmark``: the paper's experiment from the command line."""

import argparse
import csv
import sys
from pathlib import Path

from .._cli_types import INVERSE_REGULARISATION, MAX_SEED, SEED, UsageError, integer, n_jobs
from ..datasets import DATASETS
from ..query import STRATEGIES
from ._figure import plot_learning_curves
from ._protocol import DEFAULT_C, SYNTHETIC, default_datasets, run_benchmark
from ._summary import format_summary, summarize


def add_commands(commands):
    """Add the ``benchmark`` parser to the ``skpref`` subcommands."""
    parser = commands.add_parser(
        "benchmark",
        help="simulated active-learning loops of every strategy on real preference data",
        description=(
            "Run every query strategy in simulated active-learning loops "
            "(labels revealed only when queried) on real preference datasets, "
            "or on a generated Bradley-Terry pool when no data directory is "
            "available, and report learning curves and a summary table."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--datasets", nargs="+", choices=[*DATASETS, SYNTHETIC], default=None,
        help="datasets to run (default: the three real ones if --data-home or "
        "SKPREF_DATA holds them, else the synthetic pool)",
    )
    parser.add_argument("--data-home", default=None, help="directory of the real datasets")
    parser.add_argument(
        "--strategies", nargs="+", choices=list(STRATEGIES), default=None,
        help="strategies to compare (default: all eight)",
    )
    parser.add_argument("--budget", type=integer(1), default=200, help="labels per loop")
    parser.add_argument(
        "--batch-size", type=integer(1), default=10, help="labels per query round"
    )
    parser.add_argument(
        "--n-initial", type=integer(1), default=10, help="random starting labels"
    )
    parser.add_argument("--seeds", type=integer(1), default=5, help="repetitions")
    parser.add_argument(
        "--labels", choices=["real", "teacher"], default="real",
        help="real labels, or labels redrawn from a Bradley-Terry teacher",
    )
    parser.add_argument(
        "--C", type=INVERSE_REGULARISATION, default=DEFAULT_C,
        help="inverse regularisation of the model, in [1e-100, 1e100]",
    )
    parser.add_argument(
        "--n-jobs", type=n_jobs, default=-1, help="parallel loops (-1: all cores, or 1 to 1024)"
    )
    parser.add_argument(
        "--seed", type=SEED, default=0,
        help="first seed (seeds are --seed to --seed + --seeds - 1, at most 2**32 - 1)",
    )
    parser.add_argument(
        "--out", default="skpref-benchmark", help="directory for the CSVs, table and figure"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=_run)


def _check_seeds(args):
    """Every loop's seed (``--seed`` + s) must be a valid seed: an error across two options."""
    if args.seed + args.seeds - 1 > MAX_SEED:
        raise UsageError(
            f"--seed {args.seed} with --seeds {args.seeds} runs seeds up to "
            f"{args.seed + args.seeds - 1}, above {MAX_SEED}; lower one of them."
        )


def _run(args):
    _check_seeds(args)
    datasets = args.datasets or default_datasets(args.data_home)
    try:
        result = run_benchmark(
            datasets,
            strategies=args.strategies,
            labels=args.labels,
            budget=args.budget,
            batch_size=args.batch_size,
            n_initial=args.n_initial,
            n_seeds=args.seeds,
            C=args.C,
            data_home=args.data_home,
            n_jobs=args.n_jobs,
            progress=not args.no_progress,
            random_state=args.seed,
        )
    except (ValueError, FileNotFoundError) as error:
        print(f"skpref benchmark: error: {error}", file=sys.stderr)
        return 2
    if datasets == [SYNTHETIC] and args.datasets is None:
        print(
            "No real datasets found (set SKPREF_DATA or pass --data-home): "
            "running on the generated Bradley-Terry pool.",
            file=sys.stderr,
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = summarize(result.curves)
    table = format_summary(rows, result.reference)
    _write_columns(out / "curves.csv", result.curves)
    _write_columns(out / "reference.csv", result.reference)
    _write_rows(out / "summary.csv", rows)
    (out / "summary.txt").write_text(table)
    print(table)
    written = ["curves.csv", "reference.csv", "summary.csv", "summary.txt"]
    try:
        plot_learning_curves(result.curves, out / "learning_curves.png", reference=result.reference)
        written.append("learning_curves.png")
    except ImportError as error:
        print(f"No figure: {error}", file=sys.stderr)
    seconds = sum(result.seconds["seconds"])
    print(
        f"{len(result.seconds['seconds'])} loops, {seconds:.0f} s of loop time. "
        f"Wrote {', '.join(written)} to {out}/"
    )
    return 0


def _write_columns(path, columns):
    keys = list(columns)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(keys)
        writer.writerows(zip(*(columns[key].tolist() for key in keys)))


def _write_rows(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
