"""The refit process, the durability of each transaction, and the benchmark's bookkeeping."""

import importlib.util
import os
import signal
import time

import numpy as np
import pytest

from skpref.annotate import AnnotationStore, AssignmentQueue, Refitter
from skpref.annotate._refit import REFIT_NICENESS
from skpref.campaign import read_pool

from ._helpers import ROOT, texts_of, write_pool


def wait_for(condition, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def served(tmp_path):
    pool = read_pool(write_pool(str(tmp_path), n=40))
    store = AnnotationStore(str(tmp_path / "c.sqlite"), pool.ids.tolist())
    refitter = None
    queue = AssignmentQueue(store, texts_of, lease_seconds=600.0,
                            on_answer=lambda: refitter.answered())
    refitter = Refitter(pool, queue, strategy="uncertainty", batch_size=4, refit_every=2)
    yield pool, store, queue, refitter
    refitter.stop(timeout=30)
    store.close()


def answer_some(queue, n, annotator="ana"):
    for _ in range(n):
        pair = queue.next(annotator)
        queue.answer(pair["assignment"], "left")


def refits_of(store):
    with store.read() as db:
        return db.execute("SELECT n_labels, queued, error FROM refits ORDER BY id").fetchall()


def test_background_refits_run_in_another_process(served):
    pool, store, queue, refitter = served
    refitter.start()
    assert refitter.process.pid != os.getpid() and refitter.process.is_alive()
    answer_some(queue, 12)  # refit_every=2: refits are asked for, merged while one runs
    wait_for(lambda: refitter.count >= 1 and not refitter.running
             and refitter.last["n_labels"] == 12)
    assert refitter.last["error"] is None and refitter.last["accuracy"] is not None
    queued = list(queue._queue)
    assert len(queued) == 4
    with store.read() as db:
        answered = {row for (row,) in db.execute("SELECT row FROM answers")}
    assert not answered & set(queued)  # the queue the process computed, applied here
    assert refits_of(store)[-1] == (12, 4, None)
    if hasattr(os, "getpriority"):  # it yields the CPU to the requests
        assert os.getpriority(os.PRIO_PROCESS, refitter.process.pid) >= min(
            19, os.getpriority(os.PRIO_PROCESS, 0) + REFIT_NICENESS)
    process = refitter.process
    refitter.stop(timeout=30)
    assert not process.is_alive() and refitter.process is None


def test_a_killed_refit_process_is_restarted_and_no_answer_is_lost(served):
    pool, store, queue, refitter = served
    refitter.start()
    answer_some(queue, 2)
    wait_for(lambda: refitter.count >= 1 and not refitter.running)
    first = refitter.process
    os.kill(first.pid, signal.SIGKILL)  # between refits: found when the next one is asked
    first.join(30)
    answer_some(queue, 2)
    wait_for(lambda: refitter.deaths == 0 and refitter.process is not first
             and refitter.count >= 3 and not refitter.running)
    errors = [error for _, _, error in refits_of(store) if error]
    assert errors and "the refit process died (exit code -9)" in errors[0]
    assert refitter.last["n_labels"] == 4 and refitter.last["error"] is None
    for _ in range(3):  # killed in the middle of a refit (or just before or after it)
        second = refitter.process
        count = refitter.count
        answer_some(queue, 2)
        wait_for(lambda: refitter.running or refitter.count > count)
        os.kill(second.pid, signal.SIGKILL)
        second.join(30)
        answer_some(queue, 2)  # a refit to find the death if the killed one had ended
        wait_for(lambda: refitter.process is not second and refitter.count > count
                 and not refitter.running and refitter.last["error"] is None
                 and refitter.last["n_labels"] == queue.labeled)
    assert queue.labeled == 16
    with store.read() as db:  # every answer is in the store (the process never held one)
        assert db.execute("SELECT COUNT(*) FROM answers WHERE undone_at IS NULL"
                          ).fetchone()[0] == 16


def commit_modes(store, action):
    """``synchronous`` (1 NORMAL, 2 FULL) in effect at each ``COMMIT`` that ``action`` runs."""
    modes, current = [], [store.connection.execute("PRAGMA synchronous").fetchone()[0]]

    def trace(statement):
        text = statement.strip().upper()
        if text.startswith("PRAGMA SYNCHRONOUS ="):
            current[0] = {"FULL": 2, "NORMAL": 1}[text.split("=")[1].strip()]
        elif text == "COMMIT":
            modes.append(current[0])

    store.connection.set_trace_callback(trace)
    try:
        action()
    finally:
        store.connection.set_trace_callback(None)
    with store.read() as db:
        assert db.execute("PRAGMA synchronous").fetchone()[0] == current[0]
    return modes


def test_answers_are_durable_and_leases_need_not_be(served):
    pool, store, queue, refitter = served
    pair = {}
    assert commit_modes(store, lambda: pair.update(queue.next("ana"))) == [1]  # NORMAL
    assert commit_modes(store, lambda: queue.answer(pair["assignment"], "left")) == [2]  # FULL
    assert commit_modes(store, lambda: queue.undo("ana")) == [2]
    assert commit_modes(store, refitter.refit) == [1]  # the refit's record
    assert commit_modes(store, lambda: queue.answer(pair["assignment"], "tie")) == [2]


def test_a_lease_lost_in_a_power_cut_refuses_its_answer_and_frees_its_pair(served, tmp_path):
    # What a power cut may undo of a lease (synchronous=NORMAL), done by hand: the pair is
    # free again and an answer to the lost assignment is a 404, before anything is recorded.
    from skpref.annotate import RequestError

    pool, store, queue, refitter = served
    pair = queue.next("ana")
    with store.write() as db:
        db.execute("DELETE FROM assignments WHERE id = ?", (pair["assignment"],))
        db.execute("UPDATE pairs SET state = 'free' WHERE pair_id = ?", (pair["pair_id"],))
    with pytest.raises(RequestError) as refused:
        queue.answer(pair["assignment"], "left")
    assert refused.value.status == 404 and queue.labeled == 0
    with store.read() as db:
        assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0


def load_benchmark():
    path = os.path.join(ROOT, "benchmarks", "bench_annotate.py")
    spec = importlib.util.spec_from_file_location("bench_annotate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_busy_fraction_counts_only_the_measured_window():
    bench = load_benchmark()
    # Refits one after the other; the last one runs on 4 s after the clients stopped at 10 s,
    # one started before the window. A plain sum over the window's length gives 1.2.
    refits = [(-0.5, 0.5), (0.5, 3.0), (3.0, 6.0), (6.0, 9.0), (9.0, 14.0)]
    assert bench.busy_fraction(refits, 0.0, 10.0) == pytest.approx(1.0)
    assert bench.busy_fraction([(1.0, 2.0), (1.5, 3.0), (5.0, 6.0)], 0.0, 10.0) == \
        pytest.approx(0.3)  # overlapping intervals count once
    assert bench.busy_fraction([], 0.0, 10.0) == 0.0
    assert bench.busy_fraction([(11.0, 12.0), (-3.0, -1.0)], 0.0, 10.0) == 0.0
    rng = np.random.default_rng(0)
    for _ in range(200):
        starts = rng.uniform(-5, 15, size=8)
        intervals = list(zip(starts, starts + rng.uniform(0, 6, size=8)))
        grid = np.linspace(0, 10, 20001)[:-1] + 0.00025
        covered = np.zeros(grid.size, dtype=bool)
        for start, end in intervals:
            covered |= (grid >= start) & (grid < end)
        assert bench.busy_fraction(intervals, 0.0, 10.0) == pytest.approx(covered.mean(),
                                                                          abs=1e-3)
