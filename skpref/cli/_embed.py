"""``skpref embed``: a text file of pairs (or responses) to a pool file."""

import argparse
import sys

from ..embed import DEFAULT_CHUNK_SIZE, DEFAULT_MODEL, FORMATS, embed_file
from ..utils import plural
from ._options import add_command, integer, report

_EPILOG = """\
formats (--format auto picks one from the first record):
  pairs          prompt, response_a, response_b [, pair_id] [, label: a|b|tie]
                 (.jsonl, .csv, .parquet; .jsonl.gz, .csv.gz)
  hh-rlhf        chosen, rejected: full dialogues (Anthropic; .jsonl, .jsonl.gz)
  ultrafeedback  chosen, rejected: message lists or strings [, prompt]
  responses      prompt, response [, response_id]: single responses, for score
item text: "{prompt}\\n\\nAssistant: {response}"; a prompt not starting with
  'Human:' is rendered 'Human: ' + prompt. When an item is longer than the
  model's maximum length the response keeps its first tokens and the prompt its
  last ones (at least 64 prompt tokens stay).
resuming: finished chunks are kept in OUT.parts/; a run stopped at any moment
  (even by kill -9) continues where it stopped when run again, and the pool is
  byte-identical to that of an uninterrupted run.
exit status: 0 done, 1 a problem with the input, the model or the files
  (nothing written), 2 bad options, 128 + n stopped by signal n.
"""


def add_commands(subparsers):
    """Add ``embed`` to the ``skpref`` command's subparsers.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="skpref")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["embed", "--input", "pairs.jsonl", "--out", "pool.npz"])
    >>> args.format, args.batch_size, args.device, args.chunk_size
    ('auto', 64, 'cpu', 1024)
    """
    embed = add_command(
        subparsers, "embed",
        help="embed prompts and responses into a pool file (sentence-transformers)",
        description=(
            "Read prompts with pairs of responses (or single responses), embed every "
            "item text with a sentence-transformers model and write a pool: ids, "
            "X_first, X_second (float32), the texts and the provenance (model and the "
            "sha256 of its weights, template, the input's sha256, counts, skpref "
            "version). Identical item texts are embedded once. The same inputs and "
            "--seed give the same file, byte for byte."
        ),
        epilog=_EPILOG,
    )
    embed.add_argument("--input", required=True, help="the text file (see formats below)")
    embed.add_argument(
        "--out", required=True,
        help="the pool to write: a .npz file, or a pool directory DIR.zarr (rows in zarr "
        "chunks, read lazily by skpref select/status/annotate; pairs only)",
    )
    embed.add_argument(
        "--model", default=DEFAULT_MODEL,
        help=f"sentence-transformers model name or local directory (default {DEFAULT_MODEL})",
    )
    embed.add_argument("--format", choices=("auto", *FORMATS), default="auto",
                       help="input format (default auto)")
    embed.add_argument(
        "--labels-out", default=None,
        help="write the known preferences (hh-rlhf, ultrafeedback, a label column) to this "
        "labels CSV; an existing file is never replaced by other labels",
    )
    embed.add_argument("--batch-size", type=integer, default=64,
                       help="items per forward pass, >= 1 (default 64)")
    embed.add_argument("--device", default="cpu", help="torch device (default cpu)")
    embed.add_argument(
        "--chunk-size", type=integer, default=DEFAULT_CHUNK_SIZE,
        help=f"distinct items per cached chunk, >= 1 (default {DEFAULT_CHUNK_SIZE})",
    )
    embed.add_argument(
        "--seed", type=integer, default=0,
        help="seeds which hh-rlhf/ultrafeedback pairs show the chosen response second "
        "(default 0)",
    )
    embed.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=None,
        help="show a progress bar with texts/s (default: when stderr is a terminal)",
    )
    embed.set_defaults(run=_embed, report_warnings=True)


def _note(message):
    report("embed", "note", message)


def _embed(args):
    embed_file.check_params(batch_size=args.batch_size, chunk_size=args.chunk_size, seed=args.seed)
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    try:  # the command has its own progress bar; transformers' "Loading weights" bar is noise
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    except (ImportError, AttributeError):
        pass
    result = embed_file(
        args.input, args.out, model=args.model, format=args.format,
        labels_out=args.labels_out, batch_size=args.batch_size, device=args.device,
        chunk_size=args.chunk_size, seed=args.seed, progress=progress,
    )
    for note in result.notes:
        _note(note)
    for reason, lines in sorted(result.dropped.items()):
        shown = ", ".join(str(line) for line in lines[:20])
        more = f" and {len(lines) - 20} more" if len(lines) > 20 else ""
        dropped = plural(len(lines), "record")
        _note(f"dropped {dropped}, {reason}: {result.where} {shown}{more}.")
    if result.repeated:
        _note(f"{plural(result.repeated, 'pair')} "
              f"{'repeats' if result.repeated == 1 else 'repeat'} an earlier pair's "
              "texts; kept, with ids ending in -2, -3, ...")
    if result.identical:
        _note(f"{plural(result.identical, 'pair')} "
              f"{'has' if result.identical == 1 else 'have'} two identical responses "
              "(a zero row).")
    if result.n_labels and result.labels_path is None:
        _note(f"the input holds {plural(result.n_labels, 'known preference')}; give "
              "--labels-out FILE to write them as a labels file.")
    truncated = result.truncated
    unit = "pair" if result.kind == "pairs" else "response"
    speed = (f", {result.embedded} embedded at {result.texts_per_second:.1f} texts/s"
             if result.embedded else "")
    print(
        f"skpref embed: wrote {plural(result.n_rows, unit)} to {result.path} ({result.format}; "
        f"{plural(result.n_items, 'distinct item text')}, {truncated['items']} truncated "
        f"({100 * truncated['share']:.1f}%: prompt cut in {truncated['prompt']}, response cut "
        f"in {truncated['response']}){speed}"
        + (f"; {result.resumed} of {plural(result.chunks, 'chunk')} from an interrupted run"
           if result.resumed else "")
        + (f"; {plural(result.n_labels, 'label')} to {result.labels_path}"
           if result.labels_path else "")
        + ")",
        file=sys.stderr,
    )
    return 0
