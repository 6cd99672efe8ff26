"""The SQLite store of an annotation campaign: every answer, assignment and refit.

One file (``--db``), opened with the standard library's :mod:`sqlite3` in
WAL mode with ``synchronous=FULL``: a transaction that returned from
``COMMIT`` is in the write-ahead log on disk, so it survives a ``SIGKILL``
of the server and a power cut. Every change is one transaction
(``BEGIN IMMEDIATE`` ... ``COMMIT``), and the server acknowledges an answer
only after its ``COMMIT`` returned. Leases and refit records, which no
acknowledged answer depends on, are committed with ``synchronous=NORMAL``
instead (see :meth:`AnnotationStore.write`). Every statement takes its values as
parameters, never by string formatting.

Tables
------
``meta(key, value)``
    ``schema`` (:data:`SCHEMA_VERSION`), ``n_pairs`` and ``ids_sha256``
    (the pool the store belongs to: a store refuses another pool), the
    imported label files (``import:<sha256>``).
``pairs(row, pair_id, state, shuffle)``
    One line per pool pair; ``state`` is ``free``, ``leased`` (an open
    assignment holds it) or ``answered`` (a live answer exists); ``shuffle``
    is a seeded random key, the order of the fallback queue.
``assignments(id, row, pair_id, annotator, left_side, created, expires, state, source)``
    A lease of one pair to one annotator until ``expires`` (seconds since
    the epoch). ``left_side`` is the side of the pool's pair shown on the
    left (``first`` or ``second``, drawn per assignment); ``state`` is
    ``open``, ``answered`` or ``expired``; ``source`` is ``strategy`` (from
    the model's queue) or ``fallback`` (the shuffled rest, served while the
    queue is empty). A unique index allows one ``open`` assignment per pair.
``answers(id, assignment, row, pair_id, annotator, choice, left_side, label, answered_at, ...)``
    (then ``undone_at``, ``source``)
    Every answer ever given, undone ones included (``undone_at`` is set,
    the row stays). ``choice`` is what the annotator pressed (``left``,
    ``right``, ``tie``, ``skip``), ``label`` the answer in the pool's
    orientation (``first``, ``second``, ``tie``, ``skip``); ``source`` is
    ``page`` (the API) or ``import`` (``--labels``). Unique indexes allow one
    live (not undone) answer per pair and per assignment.
``refits(id, started, finished, n_labels, accuracy, accuracy_stderr, queued, error)``
    Each background refit of the model: when, on how many fitted answers,
    the cross-validated accuracy with its standard error (None with fewer
    than 10 answers), how many pairs it queued, or the error it met.
"""

import contextlib
import hashlib
import os
import sqlite3
import threading

from ._errors import AnnotateError

#: Version of the schema below; a store of another version is refused.
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pairs (
    row INTEGER PRIMARY KEY,
    pair_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'free' CHECK (state IN ('free', 'leased', 'answered')),
    shuffle INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pairs_free ON pairs (state, shuffle);
CREATE TABLE IF NOT EXISTS assignments (
    id TEXT PRIMARY KEY,
    row INTEGER NOT NULL REFERENCES pairs (row),
    pair_id TEXT NOT NULL,
    annotator TEXT NOT NULL,
    left_side TEXT NOT NULL CHECK (left_side IN ('first', 'second')),
    created REAL NOT NULL,
    expires REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'answered', 'expired')),
    source TEXT NOT NULL CHECK (source IN ('strategy', 'fallback'))
);
CREATE UNIQUE INDEX IF NOT EXISTS one_open_lease ON assignments (row) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS open_by_annotator ON assignments (annotator) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS open_by_expiry ON assignments (expires) WHERE state = 'open';
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment TEXT REFERENCES assignments (id),
    row INTEGER NOT NULL REFERENCES pairs (row),
    pair_id TEXT NOT NULL,
    annotator TEXT NOT NULL,
    choice TEXT CHECK (choice IN ('left', 'right', 'tie', 'skip')),
    left_side TEXT CHECK (left_side IN ('first', 'second')),
    label TEXT NOT NULL CHECK (label IN ('first', 'second', 'tie', 'skip')),
    answered_at REAL NOT NULL,
    undone_at REAL,
    source TEXT NOT NULL CHECK (source IN ('page', 'import'))
);
CREATE UNIQUE INDEX IF NOT EXISTS one_live_answer ON answers (row) WHERE undone_at IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS one_live_answer_per_assignment ON answers (assignment)
    WHERE undone_at IS NULL;
CREATE INDEX IF NOT EXISTS answers_by_assignment ON answers (assignment);
CREATE INDEX IF NOT EXISTS answers_by_annotator ON answers (annotator, id);
CREATE TABLE IF NOT EXISTS refits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    finished REAL,
    n_labels INTEGER NOT NULL,
    accuracy REAL,
    accuracy_stderr REAL,
    queued INTEGER,
    error TEXT
);
"""


def ids_digest(ids):
    """sha256 of the pool's ids, each UTF-8 encoded and ended by a NUL byte, in pool order.

    Examples
    --------
    >>> ids_digest(["a", "b"])[:12]
    '8fb20ef63ced'
    """
    digest = hashlib.sha256()
    for pair_id in ids:
        digest.update(str(pair_id).encode("utf-8") + b"\0")
    return digest.hexdigest()


def connect(path):
    """A connection in autocommit mode (transactions are explicit), WAL, ``synchronous=FULL``.

    ``check_same_thread=False``: the server's threads share one connection
    under :attr:`AnnotationStore.lock`; a refit thread opens its own.
    """
    connection = sqlite3.connect(
        os.fspath(path), timeout=60.0, isolation_level=None, check_same_thread=False
    )
    connection.execute("PRAGMA busy_timeout = 60000")
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        connection.close()
        raise AnnotateError(
            f"--db {path}: SQLite cannot use WAL mode here (got {mode!r}); put the store on a "
            "local file system."
        )
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


class AnnotationStore:
    """The campaign's SQLite file, bound to one pool.

    Parameters
    ----------
    path : str
        The database file; created (with its schema) when it does not exist.
    ids : sequence of str
        The pool's pair ids, in pool order. A new store records them; an
        existing one must have been made for the same ids (same order), else
        :class:`AnnotateError`.
    seed : int, default=0
        Seeds the fallback order of a new store (the ``shuffle`` keys).

    Attributes
    ----------
    path : str
    connection : sqlite3.Connection
        Shared by the server's threads; use it only inside :meth:`write` or
        :meth:`read`, which hold :attr:`lock`.
    lock : threading.Lock

    Examples
    --------
    >>> import os, tempfile
    >>> store = AnnotationStore(os.path.join(tempfile.mkdtemp(), "c.sqlite"), ["p1", "p2"])
    >>> with store.read() as db:
    ...     db.execute("SELECT pair_id, state FROM pairs ORDER BY row").fetchall()
    [('p1', 'free'), ('p2', 'free')]
    >>> store.close()
    """

    def __init__(self, path, ids, seed=0):
        import numpy as np

        self.path = os.fspath(path)
        if os.path.isdir(self.path):
            raise AnnotateError(f"--db {self.path}: is a directory, not a database file.")
        existed = os.path.exists(self.path) and os.path.getsize(self.path) > 0
        try:
            self.connection = connect(self.path)
        except sqlite3.Error as error:
            raise AnnotateError(f"--db {self.path}: cannot open the database: {error}.") from None
        self.lock = threading.Lock()
        self._durable = True  # connect() sets synchronous = FULL
        ids = [str(pair_id) for pair_id in ids]
        digest = ids_digest(ids)
        try:
            with self.write() as db:
                if existed:
                    self._check_existing(db, len(ids), digest)
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                found = dict(db.execute("SELECT key, value FROM meta").fetchall())
                if not found:
                    shuffle = np.random.default_rng(seed).permutation(len(ids))
                    db.executemany(
                        "INSERT INTO pairs (row, pair_id, state, shuffle) VALUES (?, ?, 'free', ?)",
                        ((row, pair_id, int(shuffle[row])) for row, pair_id in enumerate(ids)),
                    )
                    db.executemany(
                        "INSERT INTO meta (key, value) VALUES (?, ?)",
                        [("schema", SCHEMA_VERSION), ("n_pairs", str(len(ids))),
                         ("ids_sha256", digest)],
                    )
        except sqlite3.DatabaseError as error:
            self.connection.close()
            raise AnnotateError(
                f"--db {self.path}: not a usable skpref annotation store ({error})."
            ) from None

    def _check_existing(self, db, n_pairs, digest):
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        if "meta" not in tables:
            raise AnnotateError(
                f"--db {self.path}: an SQLite file that is not a skpref annotation store "
                "(no table meta); give a new path."
            )
        found = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if found.get("schema") != SCHEMA_VERSION:
            raise AnnotateError(
                f"--db {self.path}: store schema {found.get('schema')!r}, this skpref reads "
                f"{SCHEMA_VERSION!r}."
            )
        if found.get("ids_sha256") != digest:
            raise AnnotateError(
                f"--db {self.path}: made for another pool ({found.get('n_pairs')} pairs, ids "
                f"sha256 {found.get('ids_sha256', '?')[:12]}...; this pool: {n_pairs} pairs, "
                f"{digest[:12]}...). A store belongs to one pool; give the pool it was made "
                "for, or a new --db."
            )

    @contextlib.contextmanager
    def write(self, durable=True):
        """One write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``) under :attr:`lock`.

        An exception rolls the block's changes back and propagates.

        Parameters
        ----------
        durable : bool, default=True
            True: the changes are on disk when the ``with`` statement ends
            (``synchronous=FULL``: the ``COMMIT`` syncs the write-ahead log);
            they survive a ``SIGKILL`` and a power cut. False
            (``synchronous=NORMAL``, for a lease or a refit's record): they
            survive a ``SIGKILL`` of the server (the operating system holds
            them) but a power cut or an operating-system crash may undo
            them, together with the other non-durable transactions after the
            last durable one, never more: the log is synced in order, so a
            durable ``COMMIT`` also syncs every transaction before it. The
            store stays consistent either way.
        """
        with self.lock:
            db = self.connection
            if durable is not self._durable:
                db.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
                self._durable = durable
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @contextlib.contextmanager
    def read(self):
        """The shared connection under :attr:`lock`, for reads outside a transaction."""
        with self.lock:
            yield self.connection

    def close(self):
        """Close the shared connection."""
        with self.lock:
            self.connection.close()


def live_answers(db):
    """``[(row, pair_id, label, annotator, answered_at, left_side, choice)]``, answer order.

    The answers that count: every answer not undone, in the order given.
    """
    return db.execute(
        "SELECT row, pair_id, label, annotator, answered_at, left_side, choice FROM answers "
        "WHERE undone_at IS NULL ORDER BY id"
    ).fetchall()
