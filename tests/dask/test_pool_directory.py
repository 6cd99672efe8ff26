"""Pool directories (``.zarr``): written, read lazily, the same campaign as the ``.npz`` pool."""

import json
import os
import shutil
import socket

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="skpref[dask] is not installed (dask.array)")
dask = pytest.importorskip("dask", reason="skpref[dask] is not installed (dask)")
zarr = pytest.importorskip("zarr", reason="skpref[dask] is not installed (zarr)")

from skpref._dask import Scheduler, SchedulerError, drop_rows, kept_rows  # noqa: E402
from skpref.annotate._refit import compute_refit  # noqa: E402
from skpref.annotate._serve import pair_texts  # noqa: E402
from skpref.annotate._store import AnnotationStore  # noqa: E402
from skpref.campaign import (  # noqa: E402
    CampaignError, PoolTexts, campaign_status, format_status, read_labels, read_pool,
    select_batch,
)
from skpref.campaign._pool_directory import (  # noqa: E402
    MANIFEST, PoolDirectoryWriter, PoolIds, write_pool,
)
from skpref.query import STRATEGIES  # noqa: E402

#: The design weights of design sampling are summed per block (see test_dask_pool.py).
SUMMED = {"design"}


def _texts(n):
    strings, index = [], {"prompt": [], "first": [], "second": []}
    for row in range(n):
        for column, text in (("prompt", f"Question {row // 3}?"), ("first", f"yes é {row}"),
                             ("second", f"no, \"{row}\"\n")):
            index[column].append(len(strings))
            strings.append(text.encode("utf-8"))
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in strings])]).astype(np.int64)
    return PoolTexts(b"".join(strings), offsets,
                     {name: np.array(rows, dtype=np.int64) for name, rows in index.items()})


@pytest.fixture(scope="module")
def pools(tmp_path_factory):
    """The same pairs as an ``.npz`` pool and as a pool directory of 7 chunks, with labels."""
    directory = tmp_path_factory.mktemp("pools")
    rng = np.random.default_rng(0)
    n, d = 1700, 6
    first = rng.normal(size=(n, d)).astype(np.float32)
    second = rng.normal(size=(n, d)).astype(np.float32)
    ids = np.array([f"pair-{i:05d}" for i in range(n)])
    texts = _texts(n)
    provenance = {"skpref": "test", "embedding": {"model": "none"}}
    npz = str(directory / "pool.npz")
    np.savez(npz, ids=ids, X_first=first, X_second=second, texts=np.frombuffer(
        texts.data, dtype=np.uint8), text_offsets=texts.offsets,
        provenance=np.array(json.dumps(provenance)),
        **{f"{name}_index": rows for name, rows in texts.index.items()})
    zarr_path = write_pool(str(directory / "pool.zarr"), ids, X_first=first, X_second=second,
                           texts=texts, provenance=provenance, chunk_rows=256)
    theta = rng.normal(size=d)
    labeled = rng.choice(n, 70, replace=False)
    lines = ["pair_id,label"]
    for k, row in enumerate(labeled):
        margin = (first[row].astype(float) - second[row]) @ theta
        answer = "skip" if k % 10 == 0 else ("first" if margin > 0 else "second")
        lines.append(f"{ids[row]},{answer}")
    labels = directory / "labels.csv"
    labels.write_text("\n".join(lines) + "\n")
    return npz, zarr_path, str(labels)


def test_a_pool_directory_reads_as_the_npz_pool(pools):
    npz, directory, _ = pools
    expected, found = read_pool(npz), read_pool(directory)
    assert found.lazy and not expected.lazy
    assert isinstance(found.X, da.Array) and found.X.chunks[0] == (256,) * 6 + (164,)
    assert np.array_equal(found.X.compute(), expected.X)  # first - second in float64
    assert found.X.dtype == np.float64
    assert np.array_equal(found.items[0].compute(), expected.items[0])
    assert isinstance(found.ids, PoolIds) and len(found.ids) == found.n_pairs == 1700
    assert found.ids[[5, 1699, 0]].tolist() == expected.ids[[5, 1699, 0]].tolist()
    assert found.ids[7] == "pair-00007" and found.ids.tolist() == expected.ids.tolist()
    rows = [3, 1600, 3]
    for name in ("prompt", "first", "second"):
        assert found.texts.column(name, rows) == expected.texts.column(name, rows)
    assert found.provenance == expected.provenance
    wanted = ["pair-01000", "nope", "pair-00000", "pair-01000", ""]
    assert found.positions(wanted).tolist() == expected.positions(wanted).tolist() == [
        1000, -1, 0, 1000, -1]
    assert np.array_equal(found.rows([1699, 2, 2]), expected.X[[1699, 2, 2]])


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_select_gives_the_batch_of_the_npz_pool(pools, name):
    npz, directory, labels_path = pools
    batches = []
    for path in (npz, directory):
        pool = read_pool(path)
        batches.append(select_batch(pool, read_labels(labels_path, pool), 12, name, seed=5))
    expected, found = batches
    assert found.rows.tolist() == expected.rows.tolist()
    assert list(found.pair_ids) == list(expected.pair_ids)
    if name in SUMMED:
        np.testing.assert_allclose(found.utility, expected.utility, rtol=1e-12)
    else:
        assert np.array_equal(found.utility, expected.utility)
    for field in ("probability", "lower", "upper"):
        assert np.array_equal(getattr(found, field), getattr(expected, field))
    assert found.n_unlabeled == expected.n_unlabeled
    assert found.to_csv() == expected.to_csv() or name in SUMMED


def test_select_on_a_local_cluster_gives_the_same_batch(pools):
    npz, directory, labels_path = pools
    pool = read_pool(npz)
    expected = select_batch(pool, read_labels(labels_path, pool), 10, seed=1)
    pool = read_pool(directory)
    found = select_batch(pool, read_labels(labels_path, pool), 10, seed=1, scheduler="local")
    assert found.to_csv() == expected.to_csv()


def test_status_of_a_pool_directory_is_the_npz_pools(pools):
    npz, directory, labels_path = pools
    reports = []
    for path in (npz, directory):
        pool = read_pool(path)
        status = campaign_status(pool, read_labels(labels_path, pool), batch_size=10)
        reports.append(json.loads(format_status(status, as_json=True)))
    expected, found = reports
    assert found["pool"]["path"] == directory and found["pool"]["pairs"] == 1700
    found["pool"]["path"] = expected["pool"]["path"]
    # A mean over the workers' blocks is summed in another order than numpy's.
    for a, b in zip(expected["trend"], found["trend"]):
        assert b.pop("mean_width") == pytest.approx(a.pop("mean_width"), rel=1e-14)
    assert found == expected


def test_the_annotate_refit_queues_the_npz_pools_rows(pools, tmp_path):
    npz, directory, _ = pools
    settings = {"strategy": "ci-location", "batch_size": 6, "C": 1.0, "beta": None,
                "n_folds": 5, "cv_seed": 0}
    records = []
    for k, path in enumerate((npz, directory)):
        pool = read_pool(path)
        store = AnnotationStore(str(tmp_path / f"s{k}.sqlite"), pool.ids.tolist())
        with store.write() as db:
            for row in range(0, 40, 2):
                db.execute("UPDATE pairs SET state = 'answered' WHERE row = ?", (row,))
                db.execute(
                    "INSERT INTO answers (row, pair_id, annotator, label, answered_at, source) "
                    "VALUES (?, ?, 'ann', ?, 0, 'import')",
                    (row, str(pool.ids[row]), "first" if row % 4 else "second"),
                )
        store.close()
        records.append(compute_refit(pool, store.path, 0.0, settings, seed=3))
        texts = pair_texts(pool)
        assert texts(17) == tuple(read_pool(npz).texts.column(c, [17])[0]
                                  for c in ("prompt", "first", "second"))
    assert records[0]["error"] is None
    assert records[1]["rows"].tolist() == records[0]["rows"].tolist()
    assert records[1]["accuracy"] == records[0]["accuracy"]


def test_drop_rows_is_np_delete_blockwise():
    X = np.arange(40.0).reshape(20, 2)
    pool = da.from_array(X, chunks=(6, 2))
    for dropped in ([], [0], [5, 6, 7, 8, 9, 10, 11], [0, 1, 2, 3, 4, 5, 19], list(range(20))):
        kept = drop_rows(pool, np.array(dropped, dtype=np.int64))
        assert kept.shape[0] == 20 - len(dropped)
        assert np.array_equal(kept.compute(), np.delete(X, dropped, axis=0))
        positions = np.arange(kept.shape[0])
        assert np.array_equal(kept_rows(positions, dropped),
                              np.delete(np.arange(20), dropped))


def test_every_pair_answered_gives_an_empty_batch(tmp_path):
    path = write_pool(str(tmp_path / "p.zarr"), ["a", "b"], np.eye(2))
    (tmp_path / "l.csv").write_text("pair_id,label\na,first\nb,skip\n")
    pool = read_pool(path)
    batch = select_batch(pool, read_labels(str(tmp_path / "l.csv"), pool), 5)
    assert len(batch) == 0 and batch.n_unlabeled == 0


# -- bad input -----------------------------------------------------------------------


def test_write_refuses_bad_ids_and_rows_naming_them(tmp_path):
    path = str(tmp_path / "p.zarr")
    with pytest.raises(CampaignError, match=r"duplicated pair id: 'b' \(rows 1, 2\)"):
        write_pool(path, ["a", "b", "b"], np.zeros((3, 2)))
    with pytest.raises(CampaignError, match="leading or trailing whitespace"):
        write_pool(path, ["a", " b"], np.zeros((2, 2)))
    with pytest.raises(CampaignError, match="NUL"):
        write_pool(path, ["a", "b\0c"], np.zeros((2, 2)))
    X = np.zeros((600, 2))
    X[517, 1] = np.nan
    with pytest.raises(CampaignError, match=r"pair 'p517' \(row 517\) has NaN"):
        write_pool(path, [f"p{i}" for i in range(600)], X, chunk_rows=256)
    X[517, 1] = 1e200
    with pytest.raises(CampaignError, match=r"\(row 517\) has features whose squares overflow"):
        write_pool(path, [f"p{i}" for i in range(600)], X, chunk_rows=256)
    assert not os.path.exists(path)  # nothing was put in place


def test_write_never_replaces_what_is_not_a_pool_directory(tmp_path):
    path = tmp_path / "p.zarr"
    path.mkdir()
    (path / "precious.txt").write_text("keep me")
    with pytest.raises(CampaignError, match="not a pool directory"):
        write_pool(str(path), ["a"], np.ones((1, 2)))
    assert (path / "precious.txt").read_text() == "keep me"
    other = tmp_path / "q.zarr"
    write_pool(str(other), ["a"], np.ones((1, 2)))
    write_pool(str(other), ["b", "c"], np.ones((2, 2)))  # a pool directory is replaced
    assert read_pool(str(other)).ids.tolist() == ["b", "c"]
    assert sorted(os.listdir(tmp_path)) == ["p.zarr", "q.zarr"]


def test_read_refuses_an_unfinished_or_damaged_directory(tmp_path):
    path = str(tmp_path / "p.zarr")
    with pytest.raises(CampaignError, match="no such directory"):
        read_pool(path)
    writer = PoolDirectoryWriter(path, ["a", "b"], 2, key="k")
    shutil.copytree(writer.partial, path)  # as if renamed before the manifest
    with pytest.raises(CampaignError, match="unfinished write"):
        read_pool(path)
    shutil.rmtree(path)
    write_pool(path, ["a", "b"], np.ones((2, 2)))
    ids = zarr.open_array(store=os.path.join(path, "ids"), mode="r+")
    ids[1, 0] = ord("c")
    with pytest.raises(CampaignError, match="ids are not those written"):
        read_pool(path)
    with open(os.path.join(path, MANIFEST)) as handle:
        manifest = json.load(handle)
    manifest["version"] = 99
    with open(os.path.join(path, MANIFEST), "w") as handle:
        json.dump(manifest, handle)
    with pytest.raises(CampaignError, match="version 99"):
        read_pool(path)
    shutil.rmtree(os.path.join(path, "X"))
    manifest["version"] = 1
    with open(os.path.join(path, MANIFEST), "w") as handle:
        json.dump(manifest, handle)
    with pytest.raises(CampaignError, match="'X' is missing or unreadable"):
        read_pool(path)
    (tmp_path / "f.zarr").write_text("not a directory")
    with pytest.raises(CampaignError, match="is a directory"):
        read_pool(str(tmp_path / "f.zarr"))


def test_a_labels_file_with_an_unknown_id_names_its_line(pools, tmp_path):
    _, directory, _ = pools
    (tmp_path / "l.csv").write_text("pair_id,label\npair-00001,first\npair-99999,first\n")
    with pytest.raises(CampaignError, match=r"line 3: unknown pair_id 'pair-99999'"):
        read_labels(str(tmp_path / "l.csv"), read_pool(directory))


def test_a_killed_write_goes_on_with_the_same_key(tmp_path):
    path = str(tmp_path / "p.zarr")
    ids = [f"p{i}" for i in range(1000)]
    X = np.random.default_rng(0).normal(size=(1000, 3))
    writer = PoolDirectoryWriter(path, ids, 3, dtype=np.float64, chunk_rows=256, key="run-1")
    writer.write(X[:512])
    del writer  # killed: no finish
    again = PoolDirectoryWriter(path, ids, 3, dtype=np.float64, chunk_rows=256, key="run-1")
    assert again.rows_done == 512
    again.write(X[512:])
    again.finish()
    assert np.array_equal(read_pool(path).X.compute(), X)
    other = PoolDirectoryWriter(path, ids, 3, dtype=np.float64, chunk_rows=256, key="run-2")
    assert other.rows_done == 0  # another run's rows are never reused
    with pytest.raises(ValueError, match="whole number of chunks"):
        other.write(X[:100])


# -- the scheduler option ------------------------------------------------------------


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_scheduler_errors_are_clear(pools):
    npz, directory, labels_path = pools
    with pytest.raises(SchedulerError, match="give 'local'"):
        Scheduler("localhost:8786")
    with pytest.raises(TypeError, match="scheduler must be"):
        Scheduler(8786)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    with pytest.raises(SchedulerError, match=f"scheduler {address}: no Dask scheduler"), \
            Scheduler(address, timeout=1):
        pass
    pool = read_pool(directory)
    labels = read_labels(labels_path, pool)
    with pytest.raises(CampaignError, match="--scheduler: scheduler 'nowhere'"):
        select_batch(pool, labels, 3, scheduler="nowhere")
    pool = read_pool(npz)
    with pytest.raises(CampaignError, match="--scheduler: pool .* is read into memory"):
        select_batch(pool, read_labels(labels_path, pool), 3, scheduler="local")


# -- how often a greedy batch reads the pool -------------------------------------------


def test_a_greedy_batch_short_of_candidates_reads_one_more_set_not_three(monkeypatch):
    """Each candidate set is a read of the chunks its rows lie in (all of them, on a pool on
    disk): the set after the first is sized from the greedy over the rows fetched, so this
    batch, which needs about 6,700 candidates, reads two sets (144, then 10,030) where growing
    eight-fold read three (144, 1,152, 9,216)."""
    import skpref._dask
    from skpref import PairwiseLogisticRegression
    from skpref.query import ci_location_sampling

    sizes = []
    ranked = skpref._dask.ranked_candidates

    def counted(utility, k, states):
        sizes.append(k)
        return ranked(utility, k, states)

    monkeypatch.setattr(skpref._dask, "ranked_candidates", counted)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50_000, 20))
    model = PairwiseLogisticRegression().fit(X[:50], (X[:50, 0] > 0).astype(int))
    with dask.config.set(scheduler="threads"):
        indices, scores = ci_location_sampling(model, da.from_array(X, chunks=(2000, 20)), 20,
                                               random_state=0)
    expected = ci_location_sampling(model, X, 20, random_state=0)
    assert np.array_equal(indices, expected[0]) and np.array_equal(scores, expected[1])
    assert len(sizes) == 2 and sizes[0] == 4 * 20 + 64, sizes


# -- skpref annotate on a pool directory ---------------------------------------------


def _wait(condition, timeout=180.0):
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_annotate_serves_a_pool_directory_on_a_local_cluster(pools, tmp_path):
    from skpref.annotate import AnnotateError
    from skpref.annotate._serve import Server

    npz, directory, labels_path = pools
    with pytest.raises(AnnotateError, match="--scheduler: pool .* is read into memory"):
        Server(npz, str(tmp_path / "n.sqlite"), port=0, scheduler="local")
    with pytest.raises(AnnotateError, match="--scheduler: scheduler 'here'"):
        Server(directory, str(tmp_path / "h.sqlite"), port=0, scheduler="here")
    server = Server(directory, str(tmp_path / "c.sqlite"), labels=labels_path, port=0,
                    batch_size=5, refit_every=2, scheduler="local")
    try:
        assert server.refitter.scheduler == server.scheduler.address
        first = server.refitter.refit()  # in the server, on the cluster it started
        assert first["error"] is None and first["queued"] == 5
        pool = read_pool(npz)
        expected = select_batch(pool, read_labels(labels_path, pool), 5, seed=0)
        assert list(server.queue._queue) == expected.rows.tolist()
        pair = server.queue.next("ana")
        assert pair["pair_id"] == expected.pair_ids[0]
        assert {pair["left"], pair["right"]} == set(
            pool.texts.column(c, [expected.rows[0]])[0] for c in ("first", "second"))
        server.refitter.start()  # the refit process connects to the same cluster
        server.queue.answer(pair["assignment"], "left")
        for _ in range(3):
            assignment = server.queue.next("ana")["assignment"]
            server.queue.answer(assignment, "tie")
        _wait(lambda: server.refitter.count >= 2 and not server.refitter.running)
        assert server.refitter.last["error"] is None
        assert server.refitter.last["n_labels"] > first["n_labels"]
    finally:
        server.refitter.stop(timeout=60)
        server.store.close()
        server.socket.close()
        server.close_scheduler()
    assert server.scheduler is None


# -- the command line ------------------------------------------------------------------------


def test_skpref_select_on_a_pool_directory_writes_the_npz_pools_batch(pools, tmp_path, capsys):
    """``--pool DIR.zarr`` (threads, then ``--scheduler local``) gives the .npz pool's file."""
    from skpref.cli import main

    npz, directory, labels = pools
    written = []
    for pool, scheduler in ((npz, None), (directory, None), (directory, "local")):
        out = tmp_path / f"batch-{len(written)}.csv"
        argv = ["select", "--pool", pool, "--labels", labels, "--batch-size", "5",
                "--out", str(out)]
        if scheduler is not None:
            argv += ["--scheduler", scheduler]
        assert main(argv) == 0, capsys.readouterr().err
        written.append(out.read_bytes())
    assert written[0] == written[1] == written[2]


@pytest.mark.parametrize(
    "pool_kind, scheduler, message",
    [
        ("directory", "localhost:8786", "--scheduler"),  # no scheme: not an address
        ("npz", "local", "--scheduler: pool"),  # a pool read into memory runs no cluster
    ],
)
def test_skpref_select_refuses_a_scheduler_it_cannot_use(
    pools, tmp_path, capsys, pool_kind, scheduler, message
):
    from skpref.cli import main

    npz, directory, labels = pools
    out = tmp_path / "batch.csv"
    argv = ["select", "--pool", directory if pool_kind == "directory" else npz,
            "--labels", labels, "--batch-size", "5", "--out", str(out),
            "--scheduler", scheduler]
    assert main(argv) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()
