"""Labels in and out of the store: ``--labels`` imported once, ``skpref export`` to a labels CSV.

The export is the labels file that ``skpref select``, ``status`` and
``fit`` read (:mod:`skpref.campaign._labels`): a header and one line per
live answer, in the order they were given, with the columns

``pair_id,label,annotator,answered_at,shown_left``

``label`` is ``first``, ``second``, ``tie`` or ``skip`` in the pool's
orientation (whatever side each response was shown on), ``answered_at`` is
UTC in ISO 8601 with microseconds, ``shown_left`` the pool side shown on the
left (empty for imported labels). Undone answers are not exported (the
store keeps them). The file is written atomically: a temporary file beside
it, ``fsync``, then a rename, so a reader never sees half a file and a crash
leaves the old file whole. Only a regular file or a new path is replaced.
"""

import csv
import datetime
import hashlib
import io
import os
import sqlite3
import time

from ..campaign import read_labels
# The campaign's atomic writer (a temporary file, fsync, rename, fsync of the directory);
# private to skpref.campaign, imported here only.
from .._atomic import NotRegularFileError, atomic_write_bytes, resolve_output
from ._errors import AnnotateError
from ._store import connect, live_answers

#: The columns of an exported labels file.
EXPORT_COLUMNS = ("pair_id", "label", "annotator", "answered_at", "shown_left")


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_labels(store, path, pool):
    """Import a labels CSV into the store once (keyed by its sha256); returns the count added.

    The file is only read (:func:`skpref.campaign.read_labels`, with its
    checks). Each label becomes an answer with ``source = 'import'`` and the
    file's ``annotator`` column (else ``import``). A pair that already has
    the same live answer is left as it is; a pair answered differently in the
    store stops the import (nothing is imported) with the list of conflicts.
    A file imported before (same content) is not imported again.
    """
    labels = read_labels(path, pool)
    key = f"import:{_sha256(path)}"
    entries = [(int(row), pair_id, answer, k) for k, (row, pair_id, answer) in enumerate(
        zip(labels.rows.tolist(), labels.pair_ids, labels.answers.tolist()))]
    entries += [(int(row), pair_id, "skip", None) for row, pair_id in zip(
        labels.skipped_rows.tolist(), labels.skipped_ids)]
    annotators = labels.extra.get("annotator")
    now = time.time()
    added = 0
    with store.write() as db:
        if db.execute("SELECT 1 FROM meta WHERE key = ?", (key,)).fetchone():
            return 0
        conflicts, rows = [], []
        for row, pair_id, answer, k in entries:
            found = db.execute(
                "SELECT label FROM answers WHERE row = ? AND undone_at IS NULL", (row,)
            ).fetchone()
            if found is not None:
                if found[0] != answer:
                    conflicts.append(f"{pair_id} ({answer} in the file, {found[0]} in the store)")
                continue
            leased = db.execute("SELECT state FROM pairs WHERE row = ?", (row,)).fetchone()[0]
            if leased == "leased":  # the import wins; the open lease is ended
                db.execute(
                    "UPDATE assignments SET state = 'expired', expires = ? WHERE row = ? AND "
                    "state = 'open'", (now, row),
                )
            who = annotators[k].strip() if annotators is not None and k is not None else ""
            rows.append((row, pair_id, who or "import", answer, now))
        if conflicts:
            shown = ", ".join(conflicts[:20]) + (
                f" and {len(conflicts) - 20} more" if len(conflicts) > 20 else "")
            raise AnnotateError(
                f"--labels {path}: {len(conflicts)} pair(s) answered otherwise in the store, so "
                f"nothing was imported: {shown}."
            )
        db.executemany(
            "INSERT INTO answers (row, pair_id, annotator, label, answered_at, source) "
            "VALUES (?, ?, ?, ?, ?, 'import')", rows,
        )
        db.executemany("UPDATE pairs SET state = 'answered' WHERE row = ?",
                       [(row,) for row, *_ in rows])
        db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, os.path.abspath(path)))
        added = len(rows)
    return added


def _iso(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat(
        timespec="microseconds")


def export_csv(answers):
    """The labels CSV of ``answers`` (:func:`~skpref.annotate._store.live_answers` rows).

    Examples
    --------
    >>> print(export_csv([(0, "p1", "first", "ana", 0.0, "second", "right")]), end="")
    pair_id,label,annotator,answered_at,shown_left
    p1,first,ana,1970-01-01T00:00:00.000000+00:00,second
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for _, pair_id, label, annotator, answered_at, left_side, _ in answers:
        writer.writerow([pair_id, label, annotator, _iso(answered_at), left_side or ""])
    return buffer.getvalue()


def export_labels(db_path, out):
    """Write the store's live answers as a labels CSV to ``out``, atomically.

    Parameters
    ----------
    db_path : str
        An annotation store (``skpref annotate --db``); only read, and it
        must exist.
    out : str
        A regular file (replaced) or a new path; ``-`` for standard output.

    Returns
    -------
    n_answers : int
    """
    db_path, out = os.fspath(db_path), os.fspath(out)
    if not os.path.isfile(db_path):
        what = "is not a regular file" if os.path.exists(db_path) else "does not exist"
        raise AnnotateError(f"--db {db_path} {what}.")
    if out != "-" and os.path.exists(out) and os.path.samefile(out, db_path):
        raise AnnotateError(f"--out {out} is the --db file; give another file.")
    if out != "-":
        try:
            kind, _ = resolve_output(out)
        except FileNotFoundError:
            raise AnnotateError(
                f"--out {out}: the directory {os.path.dirname(os.path.abspath(out))} does not "
                "exist.") from None
        except NotRegularFileError as error:
            raise AnnotateError(f"--out {out} {error.strerror}; give a regular file.") from None
        if kind == "stream":
            raise AnnotateError(f"--out {out} is not a regular file; give a file, or - for "
                                "standard output.")
    try:
        connection = connect(db_path)
        try:
            tables = {name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "answers" not in tables:
                raise AnnotateError(f"--db {db_path} is not a skpref annotation store.")
            answers = live_answers(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise AnnotateError(f"--db {db_path}: cannot read the store: {error}.") from None
    text = export_csv(answers)
    if out == "-":
        import sys

        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            atomic_write_bytes(out, text.encode("utf-8"))
        except NotRegularFileError as error:
            raise AnnotateError(f"--out {out} {error.strerror}; nothing was written.") from None
    return len(answers)
