"""The background refit: the model on every answer so far, and the next queue of pairs.

A refit reads the live answers from the store (its own SQLite connection:
WAL lets it read while the server writes), fits
:class:`~skpref.PairwiseLogisticRegression` on them and ranks the pool
with the campaign's strategy, exactly as ``skpref select`` would on the
exported labels (:func:`skpref.campaign.select_batch`: ties at half weight
each way, skips never fitted and never proposed), excluding also the pairs
under an open lease. Its ``batch_size`` best pairs become the queue that
``/api/next`` serves. It also estimates the model's accuracy by ``k``-fold
cross-validation over the fitted answers (:func:`skpref.campaign.cross_validate`,
the figure ``skpref status`` reports), shown on the page with its standard
error.

Refits run in one daemon thread, never in a request: a request that finds
the queue used up is served from the seeded fallback order (see
:mod:`skpref.annotate._queue`) and asks for a refit. A refit is asked for
every ``refit_every`` answers (undos count too) and whenever the queue runs
dry; requests that arrive while one runs are merged into the next. Each refit
is recorded in the ``refits`` table, with its error if it failed (the old
queue then stays in use).
"""

import sys
import threading
import time
import traceback

import numpy as np

from ..campaign import Labels, cross_validate, select_batch
from ._store import connect, live_answers


def labels_from_answers(answers, excluded_rows, ids, path="annotate"):
    """The live answers as :class:`skpref.campaign.Labels`, with ``excluded_rows`` as skipped.

    Parameters
    ----------
    answers : list of tuple
        ``(row, pair_id, label, ...)`` per live answer, in answer order.
    excluded_rows : iterable of int
        Pool rows that must not be proposed (pairs under an open lease):
        they join the skipped pairs, which are never fitted.
    ids : ndarray of str
        The pool's ids.

    Examples
    --------
    >>> import numpy as np
    >>> labels = labels_from_answers([(0, "a", "first", "ann"), (2, "c", "skip", "ann")], [1],
    ...                              np.array(["a", "b", "c"]))
    >>> labels.pair_ids, labels.skipped_ids, labels.answered_rows.tolist()
    (['a'], ['c', 'b'], [0, 2, 1])
    """
    fitted = [(row, pair_id, label) for row, pair_id, label, *_ in answers if label != "skip"]
    skipped = [(row, pair_id) for row, pair_id, label, *_ in answers if label == "skip"]
    skipped += [(int(row), str(ids[row])) for row in excluded_rows]
    n = len(fitted)
    return Labels(
        path, [pair_id for _, pair_id, _ in fitted],
        np.array([row for row, _, _ in fitted], dtype=np.intp),
        [label for _, _, label in fitted], np.arange(2, n + 2, dtype=np.int64), [],
        ["pair_id", "label"], {},
        skipped=([pair_id for _, pair_id in skipped],
                 np.array([row for row, _ in skipped], dtype=np.intp),
                 np.zeros(len(skipped), dtype=np.int64)),
    )


class Refitter:
    """Refits the model in a background thread and refreshes an :class:`AssignmentQueue`.

    Parameters
    ----------
    pool : skpref.campaign.Pool
    queue : AssignmentQueue
    strategy : str, default="ci-location"
        A name of :data:`skpref.query.STRATEGIES`, as ``skpref select --strategy`` takes.
    batch_size : int, default=20
        Pairs queued per refit.
    refit_every : int, default=10
        Answers between two refits.
    C : float, default=1.0
    beta : float or None
    seed : int, default=0
        Refit ``k`` seeds the strategy with ``seed + k``.
    n_folds : int, default=5

    Attributes
    ----------
    running : bool
        Whether a refit is under way.
    last : dict or None
        The last finished refit: ``n_labels``, ``accuracy``,
        ``accuracy_stderr`` (None with fewer than 10 fitted answers),
        ``finished``, ``error``.
    """

    def __init__(self, pool, queue, *, strategy="ci-location", batch_size=20, refit_every=10,
                 C=1.0, beta=None, seed=0, n_folds=5):
        self.pool = pool
        self.queue = queue
        self.strategy = strategy
        self.batch_size = int(batch_size)
        self.refit_every = int(refit_every)
        self.C = C
        self.beta = beta
        self.seed = int(seed)
        self.n_folds = n_folds
        self.running = False
        self.last = None
        self.count = 0
        self._since = 0
        self._wanted = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self._lock = threading.Lock()

    # Scheduling --------------------------------------------------------------------------
    def answered(self):
        """Count one answer (or undo); ask for a refit every ``refit_every`` of them."""
        with self._lock:
            self._since += 1
            if self._since >= self.refit_every:
                self._since = 0
                self._wanted.set()

    def drained(self):
        """The queue is used up: ask for a refit."""
        self._wanted.set()

    def start(self):
        """Start the background thread."""
        self._thread = threading.Thread(target=self._loop, name="skpref-refit", daemon=True)
        self._thread.start()

    def stop(self, timeout=None):
        """Stop the thread after the refit under way (if any)."""
        self._stop.set()
        self._wanted.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self):
        while True:
            self._wanted.wait()
            if self._stop.is_set():
                return
            self._wanted.clear()
            try:
                self.refit()
            except Exception:  # recorded by refit(); the server goes on with the old queue
                traceback.print_exc(file=sys.stderr)

    # One refit ---------------------------------------------------------------------------
    def refit(self):
        """Fit on every live answer, rank the pool, replace the queue; record it.

        Returns
        -------
        dict
            The record of this refit (see :attr:`last`).
        """
        store = self.queue.store
        self.running = True
        started = time.time()
        try:
            connection = connect(store.path)
            try:
                connection.execute("BEGIN")  # one snapshot for both reads
                answers = live_answers(connection)
                leased = [row for (row,) in connection.execute(
                    "SELECT row FROM assignments WHERE state = 'open' AND expires > ?",
                    (self.queue.clock(),),
                )]
                connection.execute("COMMIT")
            finally:
                connection.close()
            labels = labels_from_answers(answers, leased, self.pool.ids)
            with store.write() as db:
                refit_id = db.execute(
                    "INSERT INTO refits (started, n_labels) VALUES (?, ?)",
                    (started, len(labels)),
                ).lastrowid
            record = {"n_labels": len(labels), "accuracy": None, "accuracy_stderr": None,
                      "error": None, "queued": 0}
            try:
                batch = select_batch(
                    self.pool, labels, self.batch_size, self.strategy,
                    seed=self.seed + self.count, C=self.C, beta=self.beta, texts=False,
                )
                cv = cross_validate(self.pool.X, labels, C=self.C, n_folds=self.n_folds,
                                    seed=self.seed)
            except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:
                record["error"] = f"{type(error).__name__}: {error}"
            else:
                self.queue.replace_queue(batch.rows)
                record["queued"] = len(batch)
                if cv is not None:
                    record["accuracy"] = cv["accuracy"]
                    record["accuracy_stderr"] = cv["accuracy_stderr"]
            record["finished"] = time.time()
            with store.write() as db:
                db.execute(
                    "UPDATE refits SET finished = ?, accuracy = ?, accuracy_stderr = ?, "
                    "queued = ?, error = ? WHERE id = ?",
                    (record["finished"], record["accuracy"], record["accuracy_stderr"],
                     record["queued"], record["error"], refit_id),
                )
            self.count += 1
            if record["error"] is None or self.last is None:
                self.last = record
            else:
                self.last = {**self.last, "error": record["error"]}
            return record
        finally:
            self.running = False
