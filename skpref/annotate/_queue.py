"""Assignments: which pair an annotator sees next, under a lease, and what an answer records.

The request path never fits a model. It reads a precomputed queue (the
strategy's ranking of the unlabeled pool, replaced after every background
refit, see :mod:`skpref.annotate._refit`) and takes its first pair that is
still ``free`` in the store; when the queue is used up before the next refit
has finished, it serves the ``free`` pair with the smallest seeded
``shuffle`` key (a uniformly random order, recorded as ``source =
'fallback'``), so that nobody waits on a refit.

Leases. ``next`` gives an annotator one pair under an assignment that
expires after ``lease_seconds`` (30 minutes by default); until then nobody
else is served that pair (a unique index on open assignments enforces it in
the database itself). An annotator asking again while holding an open
assignment gets the same one back (a reloaded page leaks no lease). An
expired assignment returns its pair to the free pairs and can no longer be
answered (HTTP 410). Each change is one transaction; an answer is returned
as acknowledged only after its ``COMMIT``.

Durability. An answer (and an undo) is committed durably (``synchronous=FULL``:
on disk when acknowledged, through a power cut). A new lease is committed
with ``synchronous=NORMAL``, which spares the request that creates it a
sync of the log (milliseconds on a real disk, and the store's lock is held
meanwhile): it survives a ``SIGKILL`` of the server like any transaction,
and only a power cut or an operating-system crash can undo it, together
with the leases given after the last durable answer, and nothing else (the
answer's ``COMMIT`` synced every transaction before it). That is safe: the
pair of a lost lease is free again, and an answer sent to that assignment
is refused with a 404 (unknown assignment) before anything is recorded, so
the page asks for the next pair; no acknowledged answer depends on it.

Sides. Which of the pair's two responses is shown on the left is drawn per
assignment (a fair coin from :mod:`secrets`) and recorded; an answer
``left``/``right`` becomes ``first``/``second`` in the pool's orientation
through it: ``label = left_side`` for ``left``, the other side for
``right``; ``tie`` and ``skip`` stay as they are.

Undo. An annotator may undo its last answer while that answer's assignment
is within its lease window: the answer stays in the store, marked undone
(``undone_at``), the assignment is open again with the same sides, and the
pair is served to the same annotator.
"""

import collections
import re
import secrets
import threading
import time

from ._errors import RequestError
from ._store import live_answers

#: What an annotator may answer.
CHOICES = ("left", "right", "tie", "skip")

#: Default lease of an assignment, in seconds (30 minutes).
DEFAULT_LEASE_SECONDS = 30 * 60.0

#: Longest annotator name, in characters.
MAX_NAME = 100

#: What an assignment id looks like (``secrets.token_urlsafe(16)``); others are refused.
_ASSIGNMENT = re.compile(r"[A-Za-z0-9_-]{1,64}")

#: Open assignments are swept for expiry at most this often, in seconds.
_SWEEP_EVERY = 1.0


def check_annotator(name):
    """The annotator's name, stripped; :class:`RequestError` (400) unless it is a usable name.

    Examples
    --------
    >>> check_annotator("  ana ")
    'ana'
    >>> check_annotator("")
    Traceback (most recent call last):
    ...
    skpref.annotate._errors.RequestError: annotator: give a non-empty name (at most 100 characters)
    """
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise RequestError(
            400, f"annotator: give a non-empty name (at most {MAX_NAME} characters)"
        )
    name = name.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise RequestError(400, "annotator: the name holds a control character")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise RequestError(400, "annotator: the name is not valid Unicode text") from None
    return name


def label_of(choice, left_side):
    """The answer in the pool's orientation of ``choice`` made with ``left_side`` shown left.

    Examples
    --------
    >>> label_of("left", "second"), label_of("right", "second"), label_of("tie", "first")
    ('second', 'first', 'tie')
    """
    if choice == "left":
        return left_side
    if choice == "right":
        return "second" if left_side == "first" else "first"
    return choice


class AssignmentQueue:
    """Leases pairs to annotators and records their answers in an :class:`AnnotationStore`.

    Parameters
    ----------
    store : AnnotationStore
    texts : callable
        ``texts(row) -> (prompt, first, second)``: the pair's texts in the
        pool's orientation.
    lease_seconds : float, default=1800
    clock : callable, default=time.time
        Seconds since the epoch (a test may pass its own).
    on_answer : callable or None
        Called with no argument after every committed answer or undo (the
        refit scheduler counts them).
    on_drained : callable or None
        Called with no argument when a pair had to come from the fallback
        order (the strategy's queue is used up: time for a refit).

    Attributes
    ----------
    n_pairs : int
    labeled : int
        Pairs with a live answer (skips included), kept equal to the store's count.
    skipped : int
    """

    def __init__(self, store, texts, *, lease_seconds=DEFAULT_LEASE_SECONDS, clock=time.time,
                 on_answer=None, on_drained=None):
        if not lease_seconds > 0:
            raise ValueError(f"lease_seconds must be > 0, got {lease_seconds!r}")
        self.store = store
        self.texts = texts
        self.lease_seconds = float(lease_seconds)
        self.clock = clock
        self.on_answer = on_answer
        self.on_drained = on_drained
        self._queue = collections.deque()
        self._queue_lock = threading.Lock()
        self._last_sweep = -float("inf")
        with store.read() as db:
            self.n_pairs = db.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
            self.labeled = db.execute(
                "SELECT COUNT(*) FROM pairs WHERE state = 'answered'"
            ).fetchone()[0]
            self.skipped = db.execute(
                "SELECT COUNT(*) FROM answers WHERE undone_at IS NULL AND label = 'skip'"
            ).fetchone()[0]

    # The queue ---------------------------------------------------------------------------
    def replace_queue(self, rows):
        """Serve ``rows`` (pool rows, best first) next, instead of the old queue."""
        with self._queue_lock:
            self._queue = collections.deque(int(row) for row in rows)

    def queue_length(self):
        """Pairs left in the strategy's queue (some may have been taken since it was made)."""
        with self._queue_lock:
            return len(self._queue)

    def _pop_queued(self, db):
        """The first queued row still free (dropping the taken ones), or None."""
        with self._queue_lock:
            while self._queue:
                row = self._queue.popleft()
                state = db.execute("SELECT state FROM pairs WHERE row = ?", (row,)).fetchone()
                if state is not None and state[0] == "free":
                    return row
        return None

    # Leases ------------------------------------------------------------------------------
    def _sweep(self, db, now, force=False):
        """Expire the open assignments whose lease has ended; their pairs become free."""
        if not force and now - self._last_sweep < _SWEEP_EVERY:
            return
        self._last_sweep = now
        db.execute(
            "UPDATE pairs SET state = 'free' WHERE state = 'leased' AND row IN (SELECT row FROM "
            "assignments WHERE state = 'open' AND expires <= ?)", (now,)
        )
        db.execute(
            "UPDATE assignments SET state = 'expired' WHERE state = 'open' AND expires <= ?",
            (now,),
        )

    def _payload(self, assignment, row, pair_id, left_side):
        prompt, first, second = self.texts(row)
        left, right = (first, second) if left_side == "first" else (second, first)
        return {"assignment": assignment, "pair_id": pair_id, "prompt": prompt,
                "left": left, "right": right}

    def next(self, annotator):
        """The annotator's current assignment, or a new one; None when no pair is left.

        Returns
        -------
        dict or None
            ``{"assignment", "pair_id", "prompt", "left", "right"}``.
        """
        annotator = check_annotator(annotator)
        with self.store.write(durable=False) as db:  # a lease: see "Durability" above
            now = self.clock()
            self._sweep(db, now)
            held = db.execute(
                "SELECT id, row, pair_id, left_side FROM assignments WHERE annotator = ? AND "
                "state = 'open' AND expires > ? ORDER BY created LIMIT 1", (annotator, now),
            ).fetchone()
            if held is not None:
                return self._payload(*held)
            row, source = self._pop_queued(db), "strategy"
            if row is None:
                self._sweep(db, now, force=True)
                found = db.execute(
                    "SELECT row FROM pairs WHERE state = 'free' ORDER BY shuffle LIMIT 1"
                ).fetchone()
                if found is None:
                    return None
                row, source = found[0], "fallback"
            pair_id = db.execute("SELECT pair_id FROM pairs WHERE row = ?", (row,)).fetchone()[0]
            assignment = secrets.token_urlsafe(16)
            left_side = "first" if secrets.randbelow(2) == 0 else "second"
            db.execute(
                "INSERT INTO assignments (id, row, pair_id, annotator, left_side, created, "
                "expires, state, source) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
                (assignment, row, pair_id, annotator, left_side, now, now + self.lease_seconds,
                 source),
            )
            db.execute("UPDATE pairs SET state = 'leased' WHERE row = ?", (row,))
        if source == "fallback" and self.on_drained is not None:
            self.on_drained()
        return self._payload(assignment, row, pair_id, left_side)

    def answer(self, assignment, choice):
        """Record ``choice`` for ``assignment``; returns the number of labeled pairs after it.

        Raises
        ------
        RequestError
            400 for a choice not in :data:`CHOICES` or a malformed assignment,
            404 for an unknown assignment, 409 for one answered already, 410
            for one whose lease expired.
        """
        if not isinstance(assignment, str) or not _ASSIGNMENT.fullmatch(assignment):
            raise RequestError(400, "assignment: give the assignment string /api/next returned")
        if not isinstance(choice, str) or choice not in CHOICES:
            raise RequestError(
                400, f"choice: must be one of {', '.join(CHOICES)}, got {str(choice)[:40]!r}"
            )
        expired = False
        with self.store.write() as db:
            now = self.clock()
            found = db.execute(
                "SELECT row, pair_id, annotator, left_side, expires, state FROM assignments "
                "WHERE id = ?", (assignment,),
            ).fetchone()
            if found is None:
                raise RequestError(404, "unknown assignment (ask /api/next for one)")
            row, pair_id, annotator, left_side, expires, state = found
            if state == "answered":
                raise RequestError(409, "this assignment was answered already")
            if state == "expired" or expires <= now:
                self._sweep(db, now, force=True)
                expired = True
            else:
                label = label_of(choice, left_side)
                db.execute(
                    "INSERT INTO answers (assignment, row, pair_id, annotator, choice, left_side, "
                    "label, answered_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'page')",
                    (assignment, row, pair_id, annotator, choice, left_side, label, now),
                )
                db.execute("UPDATE assignments SET state = 'answered' WHERE id = ?", (assignment,))
                db.execute("UPDATE pairs SET state = 'answered' WHERE row = ?", (row,))
                self.labeled += 1
                self.skipped += label == "skip"
                labeled = self.labeled
        if expired:  # committed: the pair is free again
            raise RequestError(
                410, "the lease of this assignment expired; its pair went back to the pool "
                "(ask /api/next for another)"
            )
        if self.on_answer is not None:
            self.on_answer()
        return labeled

    def undo(self, annotator):
        """Undo the annotator's last answer if its lease window is still open.

        Returns
        -------
        dict
            The assignment again (same sides), as :meth:`next` returns it.

        Raises
        ------
        RequestError
            409 when there is no answer to undo (none yet, the last one is
            undone already, its window has closed, or the annotator holds a
            newer open assignment).
        """
        annotator = check_annotator(annotator)
        with self.store.write() as db:
            now = self.clock()
            last = db.execute(
                "SELECT a.id, a.assignment, a.row, a.pair_id, a.left_side, a.label, a.undone_at, "
                "s.expires FROM answers a JOIN assignments s ON s.id = a.assignment "
                "WHERE a.annotator = ? AND a.source = 'page' ORDER BY a.id DESC LIMIT 1",
                (annotator,),
            ).fetchone()
            if last is None or last[6] is not None:
                raise RequestError(409, "nothing to undo")
            answer_id, assignment, row, pair_id, left_side, label, _, expires = last
            if expires <= now:
                raise RequestError(409, "the last answer's assignment window has closed")
            newer = db.execute(
                "SELECT id FROM assignments WHERE annotator = ? AND state = 'open' AND "
                "expires > ?", (annotator, now),
            ).fetchone()
            if newer is not None:  # give the newer pair back first
                db.execute("UPDATE assignments SET state = 'expired', expires = ? WHERE id = ?",
                           (now, newer[0]))
                db.execute(
                    "UPDATE pairs SET state = 'free' WHERE row = (SELECT row FROM assignments "
                    "WHERE id = ?)", (newer[0],),
                )
            db.execute("UPDATE answers SET undone_at = ? WHERE id = ?", (now, answer_id))
            db.execute("UPDATE assignments SET state = 'open' WHERE id = ?", (assignment,))
            db.execute("UPDATE pairs SET state = 'leased' WHERE row = ?", (row,))
            self.labeled -= 1
            self.skipped -= label == "skip"
        if self.on_answer is not None:
            self.on_answer()
        return self._payload(assignment, row, pair_id, left_side)

    # Progress ----------------------------------------------------------------------------
    def count_of(self, annotator):
        """Live answers of ``annotator``."""
        annotator = check_annotator(annotator)
        with self.store.read() as db:
            return db.execute(
                "SELECT COUNT(*) FROM answers WHERE annotator = ? AND undone_at IS NULL",
                (annotator,),
            ).fetchone()[0]

    def answers(self):
        """Every live answer (see :func:`~skpref.annotate._store.live_answers`)."""
        with self.store.read() as db:
            return live_answers(db)

    def leased_rows(self):
        """Rows under an open, unexpired lease."""
        with self.store.read() as db:
            return [row for (row,) in db.execute(
                "SELECT row FROM assignments WHERE state = 'open' AND expires > ?",
                (self.clock(),),
            )]
