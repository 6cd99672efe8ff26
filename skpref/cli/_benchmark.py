"""``skpref benchmark``: the paper's experiment from the command line.

Parsing only: the options become the arguments of :func:`~skpref.benchmark.run_benchmark`
(which checks them, ``run_benchmark.check_params``, before any data is read), whose result
goes to :func:`~skpref.benchmark.write_benchmark_report`.
"""

import sys
import time
from pathlib import Path

from ..benchmark import (
    DEFAULT_C,
    DEFAULT_MAX_SEEDS,
    DEFAULT_N_SEEDS,
    DEFAULT_TEACHER_ACCURACY,
    SYNTHETIC,
    default_datasets,
    run_benchmark,
    write_benchmark_report,
)
from ..datasets import DATASETS
from ..query import STRATEGIES
from ..utils import plural
from ._options import DefaultOnceFormatter, integer, number

#: run_benchmark's parameters that the options name otherwise.
_OPTIONS = {"n_seeds": "--seeds", "random_state": "--seed"}


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
        formatter_class=DefaultOnceFormatter,
    )
    parser.add_argument(
        "--datasets", nargs="+", choices=[*DATASETS, SYNTHETIC], default=None,
        help="datasets to run (default: the three real ones when --data-home or a non-empty "
        "SKPREF_DATA names a directory, which must then hold them; else the synthetic pool)",
    )
    parser.add_argument(
        "--data-home", default=None,
        help="directory of the real datasets (default: $SKPREF_DATA; an empty one counts as unset)",
    )
    parser.add_argument(
        "--strategies", nargs="+", choices=list(STRATEGIES), default=None,
        help="strategies to compare (default: all eight)",
    )
    parser.add_argument("--budget", type=integer, default=200, help="labels per loop")
    parser.add_argument(
        "--batch-size", type=integer, default=10, help="labels per query round"
    )
    parser.add_argument(
        "--n-initial", type=integer, default=10, help="random starting labels"
    )
    parser.add_argument(
        "--seeds", type=integer, default=DEFAULT_N_SEEDS, help="repetitions"
    )
    parser.add_argument(
        "--max-seeds", nargs="+", default=[], metavar="STRATEGY=N",
        help="run a costly strategy on its first N seeds only ('all': every seed) (default: "
        + " ".join(f"{name}={n}" for name, n in DEFAULT_MAX_SEEDS.items())
        + ")",
    )
    parser.add_argument(
        "--labels", choices=["real", "teacher"], default="real",
        help="real labels, or labels redrawn from a Bradley-Terry teacher",
    )
    parser.add_argument(
        "--teacher-accuracy", type=number,
        default=DEFAULT_TEACHER_ACCURACY,
        help="teacher mode: expected accuracy of the teacher's sign on its own noisy labels "
        "(the fitted teacher is scaled to it), in (0.5, 1)",
    )
    parser.add_argument(
        "--C", type=number, default=DEFAULT_C,
        help=(
            "the model's C: the prior variance of each coefficient, i.e. the inverse "
            "regularisation strength, in [1e-100, 1e100] (default 0.3: the best held-out "
            "accuracy at a budget of 200 in this benchmark's protocol, see the C grid in "
            "benchmarks/README.md; the campaign commands use C = 1, whose log-loss is better "
            "with 50 to 200 labels, benchmarks/tune_campaign_C.md)"
        ),
    )
    parser.add_argument(
        "--n-jobs", type=integer, default=-1, help="parallel loops (-1: all cores, or 1 to 1024)"
    )
    parser.add_argument(
        "--seed", type=integer, default=0,
        help="first seed (seeds are --seed to --seed + --seeds - 1, at most 2**32 - 1)",
    )
    parser.add_argument(
        "--out", default="skpref-benchmark", help="directory for the CSVs, table and figure"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=_run, options=_OPTIONS, usage_errors=(ValueError, FileNotFoundError))


def _max_seeds(values):
    """``["g-optimal=5", "design=all"]`` -> ``{"g-optimal": 5, "design": None}``."""
    caps = {}
    for value in values:
        name, _, count = value.partition("=")
        if name not in STRATEGIES or not count:
            raise ValueError(
                f"--max-seeds takes STRATEGY=N with a strategy from {', '.join(STRATEGIES)}, "
                f"got {value!r}."
            )
        try:
            caps[name] = None if count == "all" else int(count)
        except ValueError:
            raise ValueError(f"--max-seeds {value!r}: N must be an integer or 'all'.") from None
    return caps


def _run(args):
    # ValueError and FileNotFoundError (bad options, a data directory without the datasets)
    # exit with status 2 (usage_errors, mapped in skpref.cli._main).
    started = time.perf_counter()
    options = dict(
        strategies=args.strategies,
        labels=args.labels,
        teacher_accuracy=args.teacher_accuracy,
        budget=args.budget,
        batch_size=args.batch_size,
        n_initial=args.n_initial,
        n_seeds=args.seeds,
        C=args.C,
        max_seeds=_max_seeds(args.max_seeds),
        data_home=args.data_home,
        n_jobs=args.n_jobs,
        progress=not args.no_progress,
        random_state=args.seed,
    )
    run_benchmark.check_params(**options)
    datasets = args.datasets or default_datasets(args.data_home)
    if datasets == [SYNTHETIC] and args.datasets is None:
        print(
            "No data directory given (--data-home or SKPREF_DATA): running on the "
            "generated pool (synthetic, Bradley-Terry labels).",
            file=sys.stderr,
        )
    result = run_benchmark(datasets, **options)
    report = write_benchmark_report(result, args.out)
    print(report.table)
    if report.figure_error is not None:
        print(f"No figure: {report.figure_error}", file=sys.stderr)
    seconds = sum(result.seconds["seconds"])
    print(
        f"{plural(len(result.seconds['seconds']), 'loop')}, {seconds:.0f} s of loop time, "
        f"{time.perf_counter() - started:.0f} s wall. Wrote {', '.join(report.written)} to "
        f"{Path(args.out)}/"
    )
    return 0
