"""The store, leases, sides, undo, import and export, in process (no HTTP)."""

import os
import sqlite3
import threading

import numpy as np
import pytest

from skpref.annotate import (
    AnnotateError, AnnotationStore, AssignmentQueue, Refitter, RequestError, export_labels,
    import_labels, label_of,
)
from skpref.campaign import read_labels, read_pool

from ._helpers import texts_of, write_pool


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def campaign(tmp_path):
    pool = read_pool(write_pool(str(tmp_path), n=30))
    store = AnnotationStore(str(tmp_path / "c.sqlite"), pool.ids.tolist())
    clock = Clock()
    queue = AssignmentQueue(store, texts_of, lease_seconds=60.0, clock=clock)
    yield pool, store, queue, clock
    store.close()


def test_durability_settings(campaign):
    _, store, _, _ = campaign
    with store.read() as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_sides_are_recorded_and_mapped_to_the_pool_orientation(campaign):
    _, store, queue, _ = campaign
    seen = set()
    for _ in range(30):
        pair = queue.next("ana")
        row = int(pair["pair_id"][1:])
        left_side = "first" if pair["left"].startswith("FIRST-") else "second"
        assert pair["left"] in texts_of(row)[1:] and pair["right"] in texts_of(row)[1:]
        assert pair["prompt"] == texts_of(row)[0]
        seen.add(left_side)
        queue.answer(pair["assignment"], "left")
        with store.read() as db:
            stored = db.execute("SELECT left_side, label, choice FROM answers WHERE assignment = ?",
                                (pair["assignment"],)).fetchone()
        assert stored == (left_side, left_side, "left")
    assert seen == {"first", "second"}  # 30 fair coins: both sides (fails with p = 2^-29)
    assert queue.next("ana") is None
    assert queue.labeled == 30


@pytest.mark.parametrize("choice, left, label", [
    ("left", "first", "first"), ("left", "second", "second"), ("right", "first", "second"),
    ("right", "second", "first"), ("tie", "second", "tie"), ("skip", "first", "skip"),
])
def test_label_of(choice, left, label):
    assert label_of(choice, left) == label


def test_a_pair_is_leased_to_one_annotator_at_a_time(campaign):
    _, _, queue, _ = campaign
    first = queue.next("ana")
    assert queue.next("ana") == first  # the same assignment again, no new lease
    served = [queue.next(f"bot{k}")["pair_id"] for k in range(29)]
    assert len(set(served + [first["pair_id"]])) == 30
    assert queue.next("zoe") is None  # everything leased


def test_an_expired_lease_returns_the_pair_and_cannot_be_answered(campaign):
    _, _, queue, clock = campaign
    held = [queue.next(f"a{k}") for k in range(30)]
    clock.now += 61.0
    with pytest.raises(RequestError) as error:
        queue.answer(held[0]["assignment"], "left")
    assert error.value.status == 410
    again = queue.next("zoe")
    assert again is not None and again["assignment"] != held[0]["assignment"]
    queue.answer(again["assignment"], "right")
    with pytest.raises(RequestError) as error:
        queue.answer(again["assignment"], "right")
    assert error.value.status == 409


@pytest.mark.parametrize("assignment, choice, status", [
    ("nope", "left", 404), ("x" * 65, "left", 400), (None, "left", 400), (3, "left", 400),
    ("ok", "LEFT", 400), ("ok", None, 400), ("ok", ["left"], 400), ("a\x00b", "left", 400),
])
def test_bad_answers_are_refused_with_a_4xx(campaign, assignment, choice, status):
    _, _, queue, _ = campaign
    with pytest.raises(RequestError) as error:
        queue.answer(assignment, choice)
    assert error.value.status == status


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "a\nb", "\ud800", None, 5])
def test_bad_annotator_names_are_refused(campaign, name):
    _, _, queue, _ = campaign
    with pytest.raises(RequestError) as error:
        queue.next(name)
    assert error.value.status == 400


def test_undo_within_the_window_serves_the_pair_again_and_keeps_the_row(campaign):
    _, store, queue, clock = campaign
    pair = queue.next("ana")
    queue.answer(pair["assignment"], "left")
    newer = queue.next("ana")
    again = queue.undo("ana")
    assert again == pair  # same assignment, same sides
    assert queue.labeled == 0
    assert queue.next("ana") == pair  # held again; the newer pair went back to the pool
    assert newer["pair_id"] in {queue.next(f"b{k}")["pair_id"] for k in range(29)}
    queue.answer(pair["assignment"], "tie")
    with store.read() as db:
        rows = db.execute("SELECT choice, undone_at IS NOT NULL FROM answers WHERE assignment = ?",
                          (pair["assignment"],)).fetchall()
    assert rows == [("left", 1), ("tie", 0)]  # the undone answer stays, marked undone
    assert queue.labeled == 1
    clock.now += 61.0
    with pytest.raises(RequestError) as error:
        queue.undo("ana")
    assert error.value.status == 409
    with pytest.raises(RequestError):
        queue.undo("nobody")


def test_threads_never_share_a_pair(campaign):
    _, store, queue, _ = campaign
    got, errors = [], []

    def work(k):
        try:
            while True:
                pair = queue.next(f"t{k}")
                if pair is None:
                    return
                got.append(pair["pair_id"])
                queue.answer(pair["assignment"], "skip" if k % 2 else "left")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(got) == sorted(f"p{i}" for i in range(30))
    with store.read() as db:
        counts = db.execute("SELECT COUNT(DISTINCT row), COUNT(*) FROM answers").fetchone()
    assert counts == (30, 30)


def test_a_store_refuses_another_pool(tmp_path):
    path = str(tmp_path / "c.sqlite")
    AnnotationStore(path, ["a", "b"]).close()
    AnnotationStore(path, ["a", "b"]).close()  # the same pool: fine
    with pytest.raises(AnnotateError, match="made for another pool"):
        AnnotationStore(path, ["a", "c"])
    other = str(tmp_path / "other.sqlite")
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(AnnotateError, match="not a skpref annotation store"):
        AnnotationStore(other, ["a"])
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(AnnotateError, match="--db"):
        AnnotationStore(str(junk), ["a"])


def test_import_once_then_export_reads_back(tmp_path, campaign):
    pool, store, queue, _ = campaign
    labels = tmp_path / "labels.csv"
    labels.write_text("pair_id,label,annotator\np3,first,bob\np4,tie,\np5,skip,eve\n")
    before = labels.read_bytes()
    assert import_labels(store, str(labels), pool) == 3
    assert import_labels(store, str(labels), pool) == 0  # the same file: once
    assert labels.read_bytes() == before  # only read
    pair = queue.next("ana")
    queue.answer(pair["assignment"], "right")
    out = tmp_path / "out.csv"
    assert export_labels(store.path, str(out)) == 4
    exported = read_labels(str(out), pool)
    assert exported.pair_ids[:2] == ["p3", "p4"]
    assert exported.answers.tolist()[:2] == ["first", "tie"]
    assert exported.skipped_ids == ["p5"]
    expected = "second" if pair["left"].startswith("FIRST-") else "first"
    assert exported.answers.tolist()[2] == expected
    assert exported.extra["annotator"] == ["bob", "import", "ana"]
    conflicting = tmp_path / "conflict.csv"
    conflicting.write_text("pair_id,label\np3,second\np6,first\n")
    with pytest.raises(AnnotateError, match="p3 .second in the file, first in the store"):
        import_labels(store, str(conflicting), pool)
    with store.read() as db:  # nothing of the conflicting file was imported
        assert db.execute("SELECT COUNT(*) FROM answers WHERE pair_id = 'p6'").fetchone()[0] == 0


def test_export_refuses_what_it_must_not_replace(tmp_path, campaign):
    _, store, _, _ = campaign
    with pytest.raises(AnnotateError, match="is the --db file"):
        export_labels(store.path, store.path)
    with pytest.raises(AnnotateError, match="directory"):
        export_labels(store.path, str(tmp_path))
    with pytest.raises(AnnotateError, match="does not exist"):
        export_labels(str(tmp_path / "missing.sqlite"), str(tmp_path / "x.csv"))
    with pytest.raises(AnnotateError, match="does not exist"):
        export_labels(store.path, str(tmp_path / "no" / "x.csv"))
    assert not os.path.exists(tmp_path / "missing.sqlite")  # export never creates a store


def test_refit_queues_the_strategy_choice_and_reports_accuracy(campaign):
    pool, store, queue, _ = campaign
    refitter = Refitter(pool, queue, strategy="uncertainty", batch_size=5, refit_every=3)
    record = refitter.refit()
    assert record["queued"] == 5 and record["accuracy"] is None and record["error"] is None
    queued = list(queue._queue)
    pair = queue.next("ana")
    assert int(pair["pair_id"][1:]) == queued[0]  # served from the strategy's queue
    theta = np.array([1.0, -1.0, 0.5, 0.0])
    for _ in range(14):
        pair = pair or queue.next("ana")
        row = int(pair["pair_id"][1:])
        first_wins = pool.X[row] @ theta > 0
        left_is_first = pair["left"].startswith("FIRST-")
        queue.answer(pair["assignment"], "left" if first_wins == left_is_first else "right")
        pair = None
    record = refitter.refit()
    assert record["n_labels"] == 14
    assert 0.0 <= record["accuracy"] <= 1.0 and record["accuracy_stderr"] >= 0.0
    assert refitter.last == record
    with store.read() as db:
        refits = db.execute("SELECT COUNT(*), MIN(finished > started) FROM refits").fetchone()
    assert refits == (2, 1)
    for _ in range(3):
        refitter.answered()
    assert refitter._wanted.is_set()  # every refit_every answers


def test_refit_never_queues_a_leased_or_answered_pair(campaign):
    pool, _, queue, _ = campaign
    refitter = Refitter(pool, queue, strategy="random", batch_size=30)
    held = {queue.next(f"a{k}")["pair_id"] for k in range(10)}
    refitter.refit()
    queued = {f"p{row}" for row in queue._queue}
    assert len(queued) == 20 and not queued & held
