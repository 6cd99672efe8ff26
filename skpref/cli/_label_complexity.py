"""``skpref label-complexity``: the label-complexity study from the command line.

Parsing only: the options become the arguments of
:func:`~skpref.benchmark.label_complexity_study` (which checks them before the output
directory is made), whose rows go to :func:`~skpref.benchmark.format_label_complexity` and
:func:`~skpref.benchmark.write_label_complexity_report`.
"""

import os
import sys
import time

from ..benchmark import (
    DESIGNS,
    format_label_complexity,
    label_complexity_study,
    write_label_complexity_report,
)
from ..utils import plural
from ._options import DefaultOnceFormatter, integer, number

#: label_complexity_study's parameters that the options name otherwise.
_OPTIONS = {"n_runs": "--runs", "random_state": "--seed"}


def _command(args):
    """``skpref label-complexity``: run the study, write CSV, summary and figure."""
    options = dict(
        deltas=args.deltas,
        designs=args.designs,
        n_runs=args.runs if args.runs is not None else (20 if args.quick else 100),
        n_jobs=args.n_jobs,
        random_state=args.seed,
        budget_factor=args.budget_factor,
        burn_in=args.burn_in,
        union_over=args.union_over,
        tail=args.tail,
        quick=args.quick,
        progress=not args.no_progress,
    )
    label_complexity_study.check_params(**options)  # bad options write nothing
    os.makedirs(args.out, exist_ok=True)  # a bad --out fails before the runs, not after
    start = time.perf_counter()
    rows = label_complexity_study(**options)
    elapsed = time.perf_counter() - start
    summary = format_label_complexity(rows)
    summary += (
        f"\n\n{plural(len(rows), 'cell')}, {plural(sum(row['runs'] for row in rows), 'run')} "
        f"in {elapsed:.1f} s "
        f"(n_jobs={args.n_jobs}, budget_factor={args.budget_factor:g}, burn_in={args.burn_in}, "
        f"union_over={args.union_over}, tail={args.tail})"
    )
    print(summary)
    report = write_label_complexity_report(rows, args.out, summary)
    if report.figure_error is not None:
        print(f"No figure: {report.figure_error}", file=sys.stderr)
    print(f"wrote {', '.join(report.written)} to {args.out}/")
    # A failing exit code when some cell's error rate is significantly above delta.
    return int(any(row["p_value"] < 0.01 for row in rows))


def add_commands(subparsers):
    """Add ``label-complexity`` to the ``skpref`` command."""
    parser = subparsers.add_parser(
        "label-complexity",
        help="Algorithm 1's error rate and labels against rho* log(1/delta) (sign identification)",
        description=(
            "Run PhasedElimination on synthetic instances (gap, g-optimal and uniform "
            "allocations) and compare its labels with rho* log(1/delta). Writes "
            "label_complexity.csv, summary.txt and label_complexity.png to --out."
        ),
        formatter_class=DefaultOnceFormatter,
    )
    parser.add_argument(
        "--runs", type=integer, default=None,
        help="runs per cell (default: 100; 20 with --quick)",
    )
    parser.add_argument(
        "--deltas", type=number, nargs="+",
        default=[0.1, 0.05, 0.01], help="target error probabilities, each in (0, 1)",
    )
    parser.add_argument(
        "--designs", nargs="+", default=list(DESIGNS), choices=DESIGNS,
        help="allocations of PhasedElimination to compare: gap (Algorithm 1), g-optimal, uniform",
    )
    parser.add_argument(
        "--out", default="label-complexity",
        help="directory for label_complexity.csv, summary.txt and label_complexity.png",
    )
    parser.add_argument("--seed", type=integer, default=0, help="random seed, in [0, 2**32 - 1]")
    parser.add_argument(
        "--quick", action="store_true", help="reduced instance set (4 instances of 20 arms)"
    )
    parser.add_argument(
        "--n-jobs", type=integer, default=2, help="processes (-1: all cores, or 1 to 1024)"
    )
    parser.add_argument(
        "--budget-factor", type=number, default=4.0,
        help="the 4 in n_l = ceil(4 beta^2 f), in (0, 1000)",
    )
    parser.add_argument(
        "--burn-in", type=integer, default=20,
        help="burn-in labels per dimension, in [0, 1000000]",
    )
    parser.add_argument(
        "--union-over",
        choices=["arms", "undecided"],
        default="arms",
        help="count of the union bound in beta_l: all K arms, or the undecided ones",
    )
    parser.add_argument(
        "--tail",
        choices=["sub-gaussian", "gaussian"],
        default="sub-gaussian",
        help="beta_l from the sub-Gaussian bound, or from the normal quantile",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=_command, options=_OPTIONS)
