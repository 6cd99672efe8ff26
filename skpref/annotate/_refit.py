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

Where it runs. The background refits run in a separate *process* (the
``spawn`` start method: no state of the server's threads or of its SQLite
connection is inherited), started with the server and given a copy of the
pool's ids and rows once. A thread would share the server's global
interpreter lock, and a refit holds it most of its time (the Python parts
of the strategy and the cross-validation, and the LAPACK wrappers of SciPy,
which do not release it): every request would wait behind it. The process
only *reads* the store; it sends back the pool rows to queue and the
accuracy, and the server's refit thread (which only waits on a pipe) puts
them in the queue and records the refit. So no answer is ever in the refit
process: if it crashes or is killed, the refit under way is recorded with
the error, the process is started again (after a pause that doubles with
each death in a row, at most :data:`MAX_RESTART_DELAY` seconds), and the
refit is run again; meanwhile the old queue, then the fallback order, keep
serving. The process runs at a lower priority (:data:`REFIT_NICENESS`): on
a machine with few cores the requests still get one first. The server's
first refit, before it listens, runs in the server itself
(:meth:`Refitter.refit`), so that the first request already gets the
strategy's choice.

Scheduling. A request that finds the queue used up is served from the seeded
fallback order (see :mod:`skpref.annotate._queue`) and asks for a refit. A
refit is asked for every ``refit_every`` answers (undos count too) and
whenever the queue runs dry; requests that arrive while one runs are merged
into the next. Refits run one at a time. Each refit is recorded in the
``refits`` table when it ends (``started``: when it was asked of the
process, ``finished``: when its result was back), with its error if it
failed (the old queue then stays in use).
"""

import multiprocessing
import os
import sys
import threading
import time
import traceback

import numpy as np

from ..campaign import Labels, Pool, cross_validate, select_batch
from ._store import connect, live_answers

#: Niceness added to the refit process (POSIX): when the server and a refit both want a
#: core, the scheduler gives it to the server, whose requests someone is waiting for.
REFIT_NICENESS = 10

#: Longest pause, in seconds, before the refit process is started again after it died.
MAX_RESTART_DELAY = 30.0

#: The errors of a refit on bad data (recorded; the old queue stays): anything else is a bug.
_REFIT_ERRORS = (ValueError, ArithmeticError, np.linalg.LinAlgError)


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


def compute_refit(pool, store_path, now, settings, seed):
    """One refit's work, on a snapshot of the store: the rows to queue and the accuracy.

    Parameters
    ----------
    pool : skpref.campaign.Pool
    store_path : str
        The SQLite store; only read (one transaction: the answers and the
        leases of one snapshot).
    now : float
        Seconds since the epoch: the pairs whose lease ends after it are excluded.
    settings : dict
        ``strategy``, ``batch_size``, ``C``, ``beta``, ``n_folds``, ``cv_seed``
        and, optionally, ``burn_in_share``.
    seed : int
        The strategy's seed for this refit.

    Returns
    -------
    dict
        ``n_labels``, ``rows`` (an int array, best first; None after an
        error), ``accuracy``, ``accuracy_stderr`` (None with fewer than 10
        fitted answers) and ``error`` (None, or the message of a
        ``ValueError``, ``ArithmeticError`` or ``LinAlgError`` of the fit).
    """
    connection = connect(store_path)
    try:
        connection.execute("BEGIN")  # one snapshot for both reads
        answers = live_answers(connection)
        leased = [row for (row,) in connection.execute(
            "SELECT row FROM assignments WHERE state = 'open' AND expires > ?", (now,),
        )]
        connection.execute("COMMIT")
    finally:
        connection.close()
    labels = labels_from_answers(answers, leased, pool.ids)
    record = {"n_labels": len(labels), "rows": None, "accuracy": None, "accuracy_stderr": None,
              "error": None}
    try:
        batch = select_batch(
            pool, labels, settings["batch_size"], settings["strategy"], seed=seed,
            C=settings["C"], beta=settings["beta"], texts=False,
            burn_in_share=settings.get("burn_in_share"),
        )
        cv = cross_validate(pool.row_view(labels.rows), labels, C=settings["C"],
                            n_folds=settings["n_folds"], seed=settings["cv_seed"])
    except _REFIT_ERRORS as error:
        record["error"] = f"{type(error).__name__}: {error}"
    else:
        record["rows"] = np.asarray(batch.rows, dtype=np.intp)
        if cv is not None:
            record["accuracy"] = cv["accuracy"]
            record["accuracy_stderr"] = cv["accuracy_stderr"]
    return record


def _refit_process(connection, pool, store_path, settings, scheduler=None):
    """The refit process: ``(now, seed)`` in, ``("done", record)`` or ``("failed", text)`` out.

    Ends when the server closes its end of the pipe (or dies: the pipe
    reads end of file) or sends None. With a ``scheduler`` address (a pool
    directory on a Dask cluster), one client is connected for the process's
    life and closed when it ends.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    if scheduler is not None:
        from .._dask import Scheduler

        with Scheduler(scheduler):
            return _serve_refits(connection, pool, store_path, settings)
    return _serve_refits(connection, pool, store_path, settings)


def _serve_refits(connection, pool, store_path, settings):
    connection.send(("ready", None))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        now, seed = message
        try:
            reply = ("done", compute_refit(pool, store_path, now, settings, seed))
        except Exception:  # a bug, or a store that cannot be read: the server records it
            reply = ("failed", traceback.format_exc())
        try:
            connection.send(reply)
        except (BrokenPipeError, OSError):
            return


class RefitProcessDied(RuntimeError):
    """The refit process ended while the server waited on it (crashed, killed, out of memory)."""


class Refitter:
    """Refits the model in a background process and refreshes an :class:`AssignmentQueue`.

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
    burn_in_share : float in [0, 1] or None, default=None
        CI-location's design burn-in (as ``skpref select --burn-in-share``);
        None: the strategy's default, no burn-in.
    seed : int, default=0
        Refit ``k`` seeds the strategy with ``seed + k``.
    n_folds : int, default=5
    scheduler : str or None, default=None
        The address of the Dask scheduler the refit process connects to (a
        pool directory's passes run there); None: Dask's default.

    Attributes
    ----------
    running : bool
        Whether a refit is under way.
    last : dict or None
        The last finished refit: ``n_labels``, ``accuracy``,
        ``accuracy_stderr`` (None with fewer than 10 fitted answers),
        ``finished``, ``error``.
    count : int
        Refits finished (failed ones included).
    deaths : int
        Times the refit process died while the server waited on it.
    process : multiprocessing.Process or None
        The refit process, once :meth:`start` ran.
    """

    def __init__(self, pool, queue, *, strategy="ci-location", batch_size=20, refit_every=10,
                 C=1.0, beta=None, burn_in_share=None, seed=0, n_folds=5, scheduler=None):
        self.pool = pool
        self.scheduler = scheduler
        self.queue = queue
        self.strategy = strategy
        self.batch_size = int(batch_size)
        self.refit_every = int(refit_every)
        self.C = C
        self.beta = beta
        self.burn_in_share = burn_in_share
        self.seed = int(seed)
        self.n_folds = n_folds
        self.running = False
        self.last = None
        self.count = 0
        self.deaths = 0
        self.process = None
        self._connection = None
        self._ready = False
        self._since = 0
        self._wanted = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self._lock = threading.Lock()

    @property
    def settings(self):
        """What every refit is given besides its seed (see :func:`compute_refit`)."""
        return {"strategy": self.strategy, "batch_size": self.batch_size, "C": self.C,
                "beta": self.beta, "burn_in_share": self.burn_in_share,
                "n_folds": self.n_folds, "cv_seed": self.seed}

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
        """Start the refit process and the thread that hands it the refits."""
        self._spawn()
        self._thread = threading.Thread(target=self._loop, name="skpref-refit", daemon=True)
        self._thread.start()

    def stop(self, timeout=None):
        """Stop the thread and the process; a refit under way is abandoned (it only reads)."""
        self._stop.set()
        self._wanted.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._end_process()

    def _spawn(self):
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        slim = Pool(self.pool.ids, self.pool.X, self.pool.path)  # no texts: never needed
        process = context.Process(
            target=_refit_process,
            args=(theirs, slim, self.queue.store.path, self.settings, self.scheduler),
            name="skpref-refit", daemon=True,
        )
        process.start()
        theirs.close()
        if hasattr(os, "setpriority"):  # at once, so that its imports yield the CPU too
            try:
                os.setpriority(os.PRIO_PROCESS, process.pid,
                               min(19, os.getpriority(os.PRIO_PROCESS, 0) + REFIT_NICENESS))
            except OSError:
                pass
        self.process, self._connection, self._ready = process, ours, False

    def _end_process(self):
        process, connection = self.process, self._connection
        self.process = self._connection = None
        if connection is not None:
            try:
                connection.send(None)
            except (BrokenPipeError, OSError):
                pass
            connection.close()
        if process is not None:
            process.join(2.0)
            if process.is_alive():
                process.kill()
                process.join(5.0)

    def _receive(self):
        """The refit process's next message; :class:`RefitProcessDied` if it ends first."""
        while True:
            if self._stop.is_set():
                return None
            try:
                if self._connection.poll(0.2):
                    return self._connection.recv()
            except (EOFError, OSError):
                raise RefitProcessDied(self._death()) from None
            if not self.process.is_alive() and not self._connection.poll(0):
                raise RefitProcessDied(self._death())

    def _death(self):
        self.process.join(1.0)
        code = self.process.exitcode
        return (f"the refit process died (exit code {code}); it is started again and the "
                "refit run again")

    def _loop(self):
        while True:
            self._wanted.wait()
            if self._stop.is_set():
                return
            self._wanted.clear()
            try:
                self._refit_in_process()
                self.deaths = 0
            except RefitProcessDied as died:
                self.deaths += 1
                print(f"skpref annotate: {died}", file=sys.stderr, flush=True)
                self._end_process()
                if self._stop.wait(min(MAX_RESTART_DELAY, 0.5 * 2 ** (self.deaths - 1))):
                    return
                self._spawn()
                self._wanted.set()  # the refit it was doing
            except Exception:  # recorded; the server goes on with the old queue
                traceback.print_exc(file=sys.stderr)

    # One refit ---------------------------------------------------------------------------
    def _refit_in_process(self):
        """One refit in the refit process: ask, wait (never holding a lock), apply, record."""
        self.running = True
        started = time.time()
        try:
            if self.process is None:
                self._spawn()
            if not self._ready:  # a new process: it has read the pool when it says so
                if self._receive() is None:
                    return None  # stopping
                self._ready = True
            try:
                self._connection.send((self.queue.clock(), self.seed + self.count))
            except (BrokenPipeError, OSError):
                raise RefitProcessDied(self._death()) from None
            message = self._receive()
            if message is None:  # stopping
                return None
            kind, result = message
            if kind == "failed":
                result = {"n_labels": self._fitted(), "rows": None, "accuracy": None,
                          "accuracy_stderr": None,
                          "error": f"the refit failed: {result.strip().splitlines()[-1]}"}
                print(f"skpref annotate: {message[1]}", file=sys.stderr, flush=True)
            return self._apply(result, started)
        except RefitProcessDied as died:
            self._apply({"n_labels": self._fitted(), "rows": None, "accuracy": None,
                         "accuracy_stderr": None, "error": str(died)}, started)
            raise
        finally:
            self.running = False

    def _fitted(self):
        """Live answers that are not skips (what a refit fits), from the queue's counts."""
        return self.queue.labeled - self.queue.skipped

    def refit(self):
        """Fit on every live answer, rank the pool, replace the queue; record it (in this process).

        The server runs its first refit so, before it listens; the
        background ones run in the refit process (see :meth:`start`).

        Returns
        -------
        dict
            The record of this refit (see :attr:`last`).
        """
        self.running = True
        started = time.time()
        try:
            result = compute_refit(self.pool, self.queue.store.path, self.queue.clock(),
                                   self.settings, self.seed + self.count)
            return self._apply(result, started)
        finally:
            self.running = False

    def _apply(self, result, started):
        """Queue the result's rows and record the refit in the store; the record."""
        record = {"n_labels": result["n_labels"], "accuracy": result["accuracy"],
                  "accuracy_stderr": result["accuracy_stderr"], "error": result["error"],
                  "queued": 0}
        if result["rows"] is not None:
            self.queue.replace_queue(result["rows"])
            record["queued"] = len(result["rows"])
        record["finished"] = time.time()
        with self.queue.store.write(durable=False) as db:
            db.execute(
                "INSERT INTO refits (started, finished, n_labels, accuracy, accuracy_stderr, "
                "queued, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (started, record["finished"], record["n_labels"], record["accuracy"],
                 record["accuracy_stderr"], record["queued"], record["error"]),
            )
        self.count += 1
        if record["error"] is None or self.last is None:
            self.last = record
        else:
            self.last = {**self.last, "error": record["error"]}
        return record
