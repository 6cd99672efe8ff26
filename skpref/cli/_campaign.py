"""``skpref select``, ``status``, ``fit`` and ``score``: the command-line side of a campaign.

The commands only read the pool and the label file. ``select`` writes the batch file
atomically when ``--out`` is a regular file or a new path, and directly when it is a stream
(``-``, a FIFO, a device, ``/dev/stdout``); it never replaces anything else
(:func:`skpref.campaign.write_output`). Each command first has its options checked by the
campaign function that owns them (``select_batch.check_params``, ...), then ``--out``
(:func:`skpref.campaign.check_output`), then reads the files: a problem found at any step
writes nothing. A problem with the files or the data prints ``skpref <command>: error: ...``
on stderr and exits with status 1, bad options exit with 2, a signal exits with 128 + its
number (:mod:`skpref.cli` maps them).
"""

import argparse
import contextlib
import sys

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError

from ..campaign import (
    MIN_CV_LABELS, CampaignError, campaign_status, card_json, card_path, check_compatible,
    check_output, fit_reward_model, format_status, load_model, model_bytes, read_labels,
    read_pool, read_responses, score_pairs, score_responses, select_batch, write_file,
    write_output,
)
from ..query import STRATEGIES
from ..utils import plural
from ._options import SCHEDULER_HELP, add_command, integer, number, report

#: ``--C`` of every campaign command: the estimator's default, chosen on held-out accuracy
#: and log-loss at 50 to 200 labels of the real datasets (``benchmarks/tune_campaign_C.md``).
CAMPAIGN_C = 1.0

#: The campaign functions' parameters that the options name otherwise.
_OPTIONS = {"n_folds": "--folds"}

_FILES_HELP = """\
pool file: .npz with 'ids' and 'X' (difference rows) or 'X_first'/'X_second';
  .csv or .parquet with an id column (--id-column, default pair_id) and numeric
  feature columns (difference rows, or first_<name>/second_<name> item features);
  or a pool directory DIR.zarr (skpref embed --out DIR.zarr, or
  skpref.campaign.write_pool), read lazily in row chunks with Dask.
labels file: CSV with a header naming pair_id and label (first/second or 1/0,
  tie, skip; other columns allowed), one label per line: a quote left open at the end of a
  line is an error at that line. The last line without its newline is not read
  as a label (it may still be being written): a note names it, exit status 0.
  An empty or header-only file means no labels yet; a missing file is an error.
  It is only ever read. Both files must be regular files.
exit status: 0 done, 1 a problem with the files or the data (nothing written),
  2 bad options, 128 + the signal's number when stopped by a signal (130
  SIGINT, 143 SIGTERM, 129 SIGHUP; no temporary file is left).
"""


def _add_common(parser):
    parser.add_argument(
        "--pool", required=True, help="pool file (.npz, .csv or .parquet) or directory (.zarr)"
    )
    parser.add_argument("--labels", required=True, help="labels file (CSV: pair_id,label,...)")
    parser.add_argument(
        "--id-column", default="pair_id", help="id column of .csv/.parquet pools (default pair_id)"
    )
    parser.add_argument(
        "--C", type=number, default=CAMPAIGN_C,
        help=(
            "the model's C: the prior variance of each coefficient, i.e. the inverse "
            "regularisation strength, in [1e-100, 1e100] (default 1: with 50 to 200 labels "
            "of the three real datasets no C in 0.1..10 had a held-out accuracy a point above "
            "C=1's, and smaller C had a worse log-loss; benchmarks/tune_campaign_C.md; "
            "skpref benchmark defaults to 0.3, its best accuracy at 200 labels)"
        ),
    )
    parser.add_argument(
        "--seed", type=integer, default=0, help="random seed, in [0, 2**32 - 1] (default 0)"
    )


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
    select = add_command(
        subparsers, "select",
        help="the next batch of pairs to label, from a pool file and a labels file",
        description=(
            "Fit a Bradley-Terry model on the labeled pairs, score the unlabeled "
            "ones with a query strategy and write the next batch (never a labeled "
            "pair) as CSV: pair_id,rank,utility,probability,lower,upper. utility is "
            "the strategy's score of the pair given the batch's earlier picks; "
            "probability is P(first preferred) under the current model and "
            "[lower, upper] its interval: the logit interval m +- beta*w of the "
            "Laplace posterior (the prior before any label) mapped through the "
            "logistic function. The same inputs and --seed give the same file, "
            "byte for byte."
        ),
        epilog=_FILES_HELP,
    )
    _add_common(select)
    select.add_argument(
        "--batch-size", type=integer, required=True, help="pairs in the next batch"
    )
    select.add_argument(
        "--strategy", choices=list(STRATEGIES), default="ci-location",
        help="query strategy (default ci-location)",
    )
    select.add_argument(
        "--beta", type=number, default=None,
        help=(
            "the strategy's beta (ci-location, design only; default 1) and the "
            "half-width of the reported intervals in logit standard deviations "
            "(1 for the other strategies), in [0, 100]"
        ),
    )
    select.add_argument(
        "--burn-in-share", type=number, default=None,
        help=(
            "ci-location only: design sampling while at least this share of the pool's "
            "intervals contain 0, CI-location after, in [0, 1] (1: the variant the user "
            "guide recommends, from 20 paired seeds in benchmarks/tune_methods.md; "
            "default: no burn-in)"
        ),
    )
    select.add_argument(
        "--scheduler", default=None, help=SCHEDULER_HELP,
    )
    select.add_argument(
        "--texts", action=argparse.BooleanOptionalAction, default=None,
        help="write the prompt, first and second texts after pair_id (default: when the "
        "pool carries texts, as a pool from skpref embed does)",
    )
    select.add_argument(
        "--out", required=True,
        help=(
            "batch file to write (a regular file or a new path: atomically, replaced only "
            "when complete; a link to one stays a link); - for stdout; a FIFO or a device "
            "is written directly"
        ),
    )
    select.set_defaults(run=_select, report_warnings=True, options=_OPTIONS)

    status = add_command(
        subparsers, "status",
        help="labels so far, the learning curve, and what the next batch should buy",
        description=(
            "Report the state of a campaign, to decide whether to keep labeling: "
            "labeled pairs (repeats counted once), class balance, a k-fold "
            f"cross-validated accuracy and log-loss with their standard errors (at least "
            f"{MIN_CV_LABELS} labels), the share of pool pairs already decided (logit "
            "interval m +- beta*w excludes 0) and the mean width w; the learning curve "
            "(the same at the first n labels in file order: after each of the last five "
            "batches with --batch-size, else at quarters); and estimates for the next "
            "batch (--batch-size, else the curve's last step): the curve's last step "
            "scaled to it, and the plug-in Laplace widths after that many random "
            "unlabeled pairs. Actively chosen pairs are the hard ones: the accuracy on "
            "them underestimates the accuracy on the whole pool; read it as a trend."
        ),
        epilog=_FILES_HELP,
    )
    _add_common(status)
    status.add_argument(
        "--beta", type=number, default=1.0,
        help="interval half-width for decided pairs, in logit standard deviations, in "
        "[0, 100] (default 1)",
    )
    status.add_argument(
        "--folds", type=integer, default=5, help="cross-validation folds, >= 2 (default 5)"
    )
    status.add_argument(
        "--batch-size", type=integer, default=None,
        help="the learning curve after each of the last five batches of this size, and "
        "the estimates for a next batch of this size",
    )
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    status.set_defaults(run=_status, report_warnings=True, options=_OPTIONS)

    fit = add_command(
        subparsers, "fit",
        help="fit the reward model on the labels; save it with a JSON card",
        description=(
            "Fit PairwiseLogisticRegression (no intercept) on every answer (a tie is "
            "half a preference each way, a skip is left out), save it with joblib to "
            "--out (*.joblib) and write its card beside it (*.json): coefficients, C, "
            "the number of labels, the pool's provenance and embedding model, the "
            "cross-validated accuracy and log-loss with their standard errors and "
            "per-fold values. The same inputs give the same bytes."
        ),
        epilog=_FILES_HELP,
    )
    _add_common(fit)
    fit.add_argument(
        "--folds", type=integer, default=5, help="cross-validation folds, >= 2 (default 5)"
    )
    fit.add_argument("--out", required=True, help="the model file to write (*.joblib)")
    fit.set_defaults(run=_fit, report_warnings=True, options=_OPTIONS)

    score = add_command(
        subparsers, "score",
        help="apply a fitted model: P(first preferred) per pair, or a reward per response",
        description=(
            "Write, for a pool of pairs, pair_id,probability,lower,upper: P(first "
            "preferred) and its interval sigma(m +- beta*w) from the Laplace posterior, "
            "and reward_first,reward_second (x^T theta of each item) when the pool "
            "holds the item embeddings; for a pool of single responses (skpref embed "
            "--format responses), response_id,reward,lower,upper: the reward x^T theta "
            "and its interval, which ranks the responses to a prompt."
        ),
    )
    score.add_argument("--model", required=True, help="model file from skpref fit (*.joblib)")
    score.add_argument("--pool", required=True, help="pool file (pairs or single responses)")
    score.add_argument(
        "--id-column", default="pair_id", help="id column of .csv/.parquet pools (default pair_id)"
    )
    score.add_argument(
        "--beta", type=number, default=1.0,
        help="interval half-width in logit standard deviations, in [0, 100] (default 1)",
    )
    score.add_argument("--out", required=True, help="scores CSV to write; - for stdout")
    score.set_defaults(run=_score, report_warnings=True)


@contextlib.contextmanager
def _numerics(what):
    """Numerical failures of the model or the strategy as one clear error (exit status 1).

    The pool's checks exclude what is known to break the arithmetic (NaN,
    infinite features, features whose squares overflow); what still fails
    (an ill-conditioned fit, an extreme ``--C``) is reported with its cause
    instead of a traceback from inside numpy or scipy.
    """
    try:
        yield
    except InvalidParameterError:  # an option's value: exit status 2, under the option's name
        raise
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:
        raise CampaignError(f"{what}: {error}") from None


def _inputs(args):
    """The files a campaign command only reads, with the options that named them."""
    return (("--labels", args.labels), ("--pool", args.pool))


def _select(args):
    select_batch.check_params(
        batch_size=args.batch_size, strategy=args.strategy, seed=args.seed, C=args.C,
        beta=args.beta, texts=args.texts, burn_in_share=args.burn_in_share,
    )
    check_output(args.out, _inputs(args))
    pool = read_pool(args.pool, args.id_column)
    labels = read_labels(args.labels, pool)
    for note in labels.notes():
        report("select", "note", note)
    with _numerics(
        f"cannot fit the model on {plural(len(labels), 'labeled pair')} and score the pool "
        f"with {args.strategy} (--C {args.C:g})"
    ):
        batch = select_batch(
            pool, labels, args.batch_size, args.strategy, seed=args.seed, C=args.C,
            beta=args.beta, texts=args.texts, scheduler=args.scheduler,
            burn_in_share=args.burn_in_share,
        )
    write_output(args.out, batch.to_csv())
    if batch.n_unlabeled == 0:
        report("select", "note", "every pool pair is labeled: the batch file has only its header.")
    elif len(batch) < args.batch_size:
        report(
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
    campaign_status.check_params(
        C=args.C, beta=args.beta, seed=args.seed, n_folds=args.folds, batch_size=args.batch_size
    )
    pool = read_pool(args.pool, args.id_column)
    labels = read_labels(args.labels, pool)
    note = labels.unfinished_note()  # repeats are in the report itself
    if note:
        report("status", "note", note)
    with _numerics(
        f"cannot fit the model on {plural(len(labels), 'labeled pair')} (--C {args.C:g})"
    ):
        status = campaign_status(
            pool, labels, C=args.C, beta=args.beta, seed=args.seed, n_folds=args.folds,
            batch_size=args.batch_size,
        )
    print(format_status(status, as_json=args.json))
    return 0


def _fit(args):
    fit_reward_model.check_params(C=args.C, n_folds=args.folds, seed=args.seed)
    card_file = card_path(args.out)
    for option, path in (("--out", args.out), ("--out (its card)", card_file)):
        kind = path != "-" and check_output(path, _inputs(args), option=option, what="model")
        if kind == "stream":
            raise CampaignError(f"{option} {path} is a stream; give a file name (*.joblib).")
    if args.out == "-":
        raise CampaignError("--out -: a model is a file; give a file name (*.joblib).")
    pool = read_pool(args.pool, args.id_column)
    labels = read_labels(args.labels, pool)
    for note in labels.notes():
        report("fit", "note", note)
    with _numerics(
        f"cannot fit the model on {plural(len(labels), 'labeled pair')} (--C {args.C:g})"
    ):
        model, card = fit_reward_model(
            pool, labels, C=args.C, n_folds=args.folds, seed=args.seed
        )
    write_file(args.out, model_bytes(model))
    write_file(card_file, card_json(card).encode("utf-8"), option="--out (its card)")
    cv = card["cv"]

    def spread(stderr):  # None: fewer than two values (one decisive answer)
        return "-" if stderr is None else f"{stderr:.3f}"

    summary = (
        f"CV accuracy {cv['accuracy']:.3f} +- {spread(cv['accuracy_stderr'])}, log-loss "
        f"{cv['log_loss']:.3f} +- {spread(cv['log_loss_stderr'])} ({args.folds}-fold)"
        if cv.get("available") and cv.get("accuracy") is not None
        else f"no CV estimate: {cv.get('reason', 'every answer is a tie')}"
    )
    counts = card["labels"]
    print(
        f"skpref fit: wrote {args.out} and {card_file} ({plural(len(labels), 'answer')}: "
        f"{counts['first']} first, {counts['second']} second, {counts['tie']} tie; "
        f"{counts['skip']} skipped; C={args.C:g}; {summary})",
        file=sys.stderr,
    )
    return 0


def _score(args):
    score_pairs.check_params(beta=args.beta)  # score_responses takes the same beta
    inputs = (("--model", args.model), ("--pool", args.pool))
    check_output(args.out, inputs, what="scores")
    model, card = load_model(args.model)
    try:
        pool = read_pool(args.pool, args.id_column)
        responses = False
    except CampaignError as error:
        if "holds single responses" not in str(error):
            raise
        pool = read_responses(args.pool)
        responses = True
    check_compatible(model, card, pool)
    with _numerics("cannot score the pool"):
        text = (score_responses if responses else score_pairs)(model, pool, args.beta)
    write_output(args.out, text, what="scores")
    what = "responses" if responses else "pairs"
    print(
        f"skpref score: wrote {len(pool.ids)} {what} to "
        f"{'stdout' if args.out == '-' else args.out} (intervals at beta={args.beta:g})",
        file=sys.stderr,
    )
    return 0
