"""``skpref annotate`` and ``skpref export``: the command-line side of the labeling page.

Only argparse lives here; the work is done by :class:`skpref.annotate.Server`
(which checks its options, :meth:`~skpref.annotate.Server.check_params`) and
:func:`skpref.annotate.export_labels`. Starlette and uvicorn (``pip install
"skpref[annotate]"``) are imported only when ``annotate`` runs.
"""

import sys

from ..annotate import AnnotateError, export_labels
from ..query import STRATEGIES
from ._options import SCHEDULER_HELP, add_command, integer, number

#: The Server's parameters that the options name otherwise: the lease is given in minutes.
_OPTIONS = {"lease_seconds": ("--lease-minutes", 60)}

_EPILOG = """\
API (JSON; errors are {"error": message} with a 4xx status, never a 500):
  GET  /api/next?annotator=NAME   {"assignment", "pair_id", "prompt", "left", "right"}; 204 when
                                  no pair is left
  POST /api/answer                {"assignment", "choice": left|right|tie|skip} -> {"ok": true,
                                  "labeled": N}, after the commit
  POST /api/undo                  {"annotator"} -> the assignment of the undone answer
  GET  /api/status?annotator=NAME progress, cross-validated accuracy, whether a refit runs
keys on the page: 1 or left arrow, 2 or right arrow, t (tie), s (skip), u (undo).
security: bound to 127.0.0.1 by default; any other --host needs a token (--token, or one is
  generated and printed in the URL), checked on every request.
exit status: 0 stopped cleanly, 1 a problem with the files, 2 bad options, 128 + n on signal n.
"""


def add_commands(subparsers):
    """Add ``annotate`` and ``export`` to the ``skpref`` command's subparsers.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="skpref")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["annotate", "--pool", "pool.npz", "--db", "c.sqlite"])
    >>> args.strategy, args.batch_size, args.refit_every, args.host, args.port
    ('ci-location', 20, 10, '127.0.0.1', 8765)
    """
    annotate = add_command(
        subparsers, "annotate",
        help="a labeling web page driven by the active learner, on an SQLite store",
        description=(
            "Serve a page that shows a prompt and two responses side by side (which "
            "one is left is drawn per assignment and recorded) and records every "
            "answer in an SQLite store (WAL, synchronous=FULL, one transaction per "
            "answer, acknowledged after its commit). The next pairs come from the "
            "strategy over the unlabeled pool; every --refit-every answers the model "
            "is refitted in the background and the queue refreshed. Each pair is "
            "leased to one annotator at a time; a lease expires after --lease-minutes "
            "and returns the pair. skpref export writes the labels CSV."
        ),
        epilog=_EPILOG,
    )
    annotate.add_argument(
        "--pool", required=True, help="pool file (.npz, .csv or .parquet) or directory (.zarr)"
    )
    annotate.add_argument(
        "--scheduler", default=None, help=SCHEDULER_HELP,
    )
    annotate.add_argument("--db", required=True,
                          help="the campaign's SQLite store (created when missing)")
    annotate.add_argument(
        "--texts", default=None,
        help="JSONL/CSV/Parquet with pair_id, prompt, response_a (the first item), response_b, "
        "as skpref embed reads it (not needed when the pool carries its texts)",
    )
    annotate.add_argument(
        "--labels", default=None,
        help="a labels CSV to import once (only read; a file imported before is not imported "
        "again)",
    )
    annotate.add_argument("--strategy", choices=list(STRATEGIES), default="ci-location",
                          help="query strategy (default ci-location)")
    annotate.add_argument("--batch-size", type=integer, default=20,
                          help="pairs queued after each refit (default 20)")
    annotate.add_argument("--refit-every", type=integer, default=10,
                          help="answers between two background refits (default 10)")
    annotate.add_argument(
        "--lease-minutes", type=number, default=30.0,
        help="how long an assignment holds its pair (default 30)",
    )
    annotate.add_argument("--host", default="127.0.0.1",
                          help="address to listen on (default 127.0.0.1)")
    annotate.add_argument("--port", type=integer, default=8765,
                          help="port (default 8765; 0 picks a free one)")
    annotate.add_argument("--token", default=None,
                          help="token every request must carry (required, or generated, for a "
                          "host other than the loopback)")
    annotate.add_argument("--id-column", default="pair_id",
                          help="id column of .csv/.parquet pools (default pair_id)")
    annotate.add_argument("--C", type=number, default=1.0,
                          help="inverse regularisation strength of the model (default 1)")
    annotate.add_argument("--beta", type=number, default=None,
                          help="the strategy's beta (ci-location, design only)")
    annotate.add_argument(
        "--burn-in-share", type=number, default=None,
        help=(
            "ci-location only: design sampling while at least this share of the pool's "
            "intervals contain 0, CI-location after, in [0, 1] (as skpref select "
            "--burn-in-share; default: no burn-in)"
        ),
    )
    annotate.add_argument("--seed", type=integer, default=0, help="random seed (default 0)")
    annotate.set_defaults(run=_annotate, report_warnings=False, options=_OPTIONS)

    export = add_command(
        subparsers, "export",
        help="write the labels CSV of an annotation store",
        description=(
            "Write every live answer of the store (undone ones excluded) as the labels "
            "CSV that select, status and fit read: pair_id,label,annotator,answered_at,"
            "shown_left, labels first/second in the pool's orientation, tie and skip. "
            "Written atomically (a temporary file, then a rename); the store is only "
            "read, and may be in use by a running skpref annotate."
        ),
    )
    export.add_argument("--db", required=True, help="the SQLite store of skpref annotate")
    export.add_argument("--out", required=True, help="labels CSV to write; - for stdout")
    export.set_defaults(run=_export, report_warnings=False)


def _annotate(args):
    from ..annotate import Server

    options = dict(
        strategy=args.strategy, batch_size=args.batch_size, refit_every=args.refit_every,
        port=args.port, lease_seconds=args.lease_minutes * 60.0, C=args.C, beta=args.beta,
        seed=args.seed, burn_in_share=args.burn_in_share,
    )
    Server.check_params(**options)
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise AnnotateError(
            f"skpref annotate needs starlette and uvicorn ({error.name} is missing): "
            'pip install "skpref[annotate]"'
        ) from None
    server = Server(
        args.pool, args.db, texts=args.texts, labels=args.labels, host=args.host,
        token=args.token, id_column=args.id_column, scheduler=args.scheduler, **options,
    )
    server.run()
    print("skpref annotate: stopped; every acknowledged answer is in the store.",
          file=sys.stderr)
    return 0


def _export(args):
    count = export_labels(args.db, args.out)
    print(f"skpref export: wrote {count} label(s) to "
          f"{'stdout' if args.out == '-' else args.out}", file=sys.stderr)
    return 0
