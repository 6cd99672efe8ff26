"""``skpref select`` and ``skpref status``: the command-line side of a campaign.

Both commands only read the pool and the label file. ``select`` writes the
batch file atomically. A problem with the files or options prints
``skpref <command>: error: ...`` on stderr and exits with status 1 (usage
errors found by argparse exit with 2); nothing is written then.
"""

import argparse
import os
import sys
import textwrap
import warnings

from ..query import STRATEGIES
from ._atomic import atomic_write_text
from ._errors import CampaignError, plural
from ._labels import read_labels
from ._pool import read_pool
from ._select import select_batch
from ._status import MIN_CV_LABELS, campaign_status, format_status

_FILES_HELP = """\
pool file: .npz with 'ids' and 'X' (difference rows) or 'X_first'/'X_second';
  .csv or .parquet with an id column (--id-column, default pair_id) and numeric
  feature columns (difference rows, or first_<name>/second_<name> item features).
labels file: CSV with a header naming pair_id and label (first/second or 1/0;
  other columns allowed). An empty or header-only file means no labels yet; a
  missing file is an error. It is only ever read.
exit status: 0 done, 1 a problem with the files (nothing written), 2 bad options.
"""


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def _non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}") from None
    if not (value >= 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def _positive_float(text):
    value = _non_negative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def _add_common(parser):
    parser.add_argument("--pool", required=True, help="pool file (.npz, .csv or .parquet)")
    parser.add_argument("--labels", required=True, help="labels file (CSV: pair_id,label,...)")
    parser.add_argument(
        "--id-column", default="pair_id", help="id column of .csv/.parquet pools (default pair_id)"
    )
    parser.add_argument(
        "--C", type=_positive_float, default=1.0,
        help="inverse regularisation strength of the model (default 1)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def add_commands(subparsers):
    """Add ``select`` and ``status`` to the ``skpref`` command's subparsers.

    Each sets ``run``, a function of the parsed arguments that returns the
    exit status.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="skpref")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["select", "--pool", "pool.npz", "--labels", "labels.csv",
    ...                           "--batch-size", "20", "--out", "next.csv"])
    >>> args.strategy, args.seed, args.C, args.beta
    ('ci-location', 0, 1.0, None)
    """
    select = subparsers.add_parser(
        "select",
        help="the next batch of pairs to label, from a pool file and a labels file",
        description=textwrap.fill(
            "Fit a Bradley-Terry model on the labeled pairs, score the unlabeled "
            "ones with a query strategy and write the next batch (never a labeled "
            "pair) as CSV: pair_id,rank,utility,probability,lower,upper. utility is "
            "the strategy's score of the pair given the batch's earlier picks; "
            "probability is P(first preferred) under the current model and "
            "[lower, upper] its interval: the logit interval m +- beta*w of the "
            "Laplace posterior (the prior before any label) mapped through the "
            "logistic function. The same inputs and --seed give the same file, "
            "byte for byte.", width=78,
        ),
        epilog=_FILES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common(select)
    select.add_argument(
        "--batch-size", type=_positive_int, required=True, help="pairs in the next batch"
    )
    select.add_argument(
        "--strategy", choices=list(STRATEGIES), default="ci-location",
        help="query strategy (default ci-location)",
    )
    select.add_argument(
        "--beta", type=_non_negative_float, default=None,
        help=(
            "the strategy's beta (ci-location, design only; default 1) and the "
            "half-width of the reported intervals in logit standard deviations "
            "(1 for the other strategies)"
        ),
    )
    select.add_argument(
        "--out", required=True,
        help="batch file to write (atomically: replaced only when complete); - for stdout",
    )
    select.set_defaults(run=_run_select)

    status = subparsers.add_parser(
        "status",
        help="labels so far, class balance, ambiguous pairs, cross-validated accuracy",
        description=textwrap.fill(
            "Report the state of a campaign: labeled pairs (repeats counted once), "
            "class balance, how many pool pairs are still ambiguous (logit "
            "interval at --beta contains 0), a k-fold cross-validated accuracy "
            "with its standard error (at least "
            f"{MIN_CV_LABELS} labels), and its trend over the first n labels in "
            "file order (the last five batches with --batch-size, else quarters). "
            "Actively chosen pairs are the hard ones: the accuracy on them "
            "underestimates the accuracy on the whole pool; read it as a trend.",
            width=78,
        ),
        epilog=_FILES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common(status)
    status.add_argument(
        "--beta", type=_non_negative_float, default=1.0,
        help="interval half-width for ambiguity, in logit standard deviations (default 1)",
    )
    status.add_argument(
        "--folds", type=_positive_int, default=5, help="cross-validation folds (default 5)"
    )
    status.add_argument(
        "--batch-size", type=_positive_int, default=None,
        help="show the trend after each of the last five batches of this size",
    )
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    status.set_defaults(run=_run_status)


def _report(command, kind, message):
    print(f"skpref {command}: {kind}: {message}", file=sys.stderr)


def _guarded(command, body, args):
    """Run ``body(args)``; user errors become one message and status 1."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = body(args)
        except CampaignError as error:
            code = 1
            _report(command, "error", error)
        except BrokenPipeError:  # ``| head``: the reader left; nothing to report
            sys.stdout = open(os.devnull, "w")
            code = 1
        except OSError as error:
            code = 1
            where = f": {error.filename}" if error.filename else ""
            _report(command, "error", f"{error.strerror or error}{where}")
    for message in dict.fromkeys(str(w.message) for w in caught):
        _report(command, "warning", message)
    return code


def _check_out(args):
    if args.out == "-":
        return
    out = os.path.realpath(args.out)
    for option, path in (("--labels", args.labels), ("--pool", args.pool)):
        if out == os.path.realpath(path):
            raise CampaignError(
                f"--out {args.out} is the {option[2:]} file; the batch must go to another file "
                "(the labels and the pool are only ever read)."
            )
    if os.path.isdir(out):
        raise CampaignError(f"--out {args.out} is a directory; give a file name.")
    if not os.path.isdir(os.path.dirname(out)):
        raise CampaignError(
            f"--out {args.out}: the directory {os.path.dirname(out)} does not exist."
        )


def _select(args):
    _check_out(args)
    pool = read_pool(args.pool, args.id_column)
    labels = read_labels(args.labels, pool)
    note = labels.repeats_note()
    if note:
        _report("select", "note", note)
    batch = select_batch(
        pool, labels, args.batch_size, args.strategy, seed=args.seed, C=args.C, beta=args.beta
    )
    text = batch.to_csv()
    if args.out == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        atomic_write_text(args.out, text)
    if batch.n_unlabeled == 0:
        _report("select", "note", "every pool pair is labeled: the batch file has only its header.")
    elif len(batch) < args.batch_size:
        _report(
            "select", "note",
            f"only {plural(batch.n_unlabeled, 'unlabeled pair')} left: the batch has "
            f"{len(batch)}, not {args.batch_size}.",
        )
    print(
        f"skpref select: wrote {plural(len(batch), 'pair')} to "
        f"{'stdout' if args.out == '-' else args.out} ({args.strategy}, intervals at "
        f"beta={batch.beta:g}; {plural(len(labels), 'labeled pair')}, "
        f"{batch.n_unlabeled} unlabeled before this batch)",
        file=sys.stderr,
    )
    return 0


def _status(args):
    pool = read_pool(args.pool, args.id_column)
    labels = read_labels(args.labels, pool)
    status = campaign_status(
        pool, labels, C=args.C, beta=args.beta, seed=args.seed, n_folds=args.folds,
        batch_size=args.batch_size,
    )
    print(format_status(status, as_json=args.json))
    return 0


def _run_select(args):
    return _guarded("select", _select, args)


def _run_status(args):
    return _guarded("status", _status, args)
