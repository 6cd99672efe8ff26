"""``skpref embed`` writing a pool directory (``.zarr``): the .npz pool's rows, resumable."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("zarr", reason="skpref[dask] is not installed (zarr)")
pytest.importorskip("dask.array", reason="skpref[dask] is not installed (dask.array)")

from skpref.campaign import read_pool  # noqa: E402
from skpref.embed import EmbedError, embed_file  # noqa: E402

from .conftest import model_path  # noqa: E402

RECORDS = [{"pair_id": f"q{i}", "prompt": f"Question number {i % 7}?",
            "response_a": f"Answer {i} " * (1 + i % 5), "response_b": f"Reply {i % 11}."}
           for i in range(40)]


def _source(directory):
    path = directory / "pairs.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in RECORDS))
    return str(path)


def test_a_pool_directory_holds_the_npz_pools_rows_texts_and_provenance(tmp_path, encoder):
    source = _source(tmp_path)
    npz, directory = str(tmp_path / "pool.npz"), str(tmp_path / "pool.zarr")
    embed_file(source, npz, encoder=encoder, chunk_size=8)
    report = embed_file(source, directory, encoder=encoder, chunk_size=8, pool_chunk_rows=16)
    assert report.path == directory and report.n_rows == 40
    assert not os.path.exists(directory + ".parts") and not os.path.exists(directory + ".partial")
    expected, found = read_pool(npz), read_pool(directory)
    assert found.lazy and found.X.chunks[0] == (16, 16, 8)
    assert found.ids.tolist() == expected.ids.tolist()
    for stored, kept in zip(found.items, expected.items):
        assert np.array_equal(stored.compute(), kept)
    assert np.array_equal(found.X.compute(), expected.X)
    rows = list(range(40))
    for name in ("prompt", "first", "second"):
        assert found.texts.column(name, rows) == expected.texts.column(name, rows)
    assert found.provenance == expected.provenance == report.provenance


def test_a_write_killed_by_sigkill_goes_on_from_the_last_block(tmp_path):
    source = _source(tmp_path)
    killed, whole = str(tmp_path / "killed.zarr"), str(tmp_path / "whole.zarr")
    run = (
        "import os, signal, sys\n"
        "import skpref.embed._embed as embed\n"
        "from skpref.campaign._pool_directory import PoolDirectoryWriter\n"
        "embed._WRITE_BLOCK = 8\n"
        "kill_after = int(sys.argv[3])\n"
        "write = PoolDirectoryWriter.write\n"
        "def dying(self, *blocks):\n"
        "    write(self, *blocks)\n"
        "    if kill_after and self.rows_done >= kill_after:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "PoolDirectoryWriter.write = dying\n"
        "start = PoolDirectoryWriter.__init__\n"
        "def noting(self, *args, **options):\n"
        "    start(self, *args, **options)\n"
        "    print('rows done', self.rows_done, flush=True)\n"
        "PoolDirectoryWriter.__init__ = noting\n"
        "embed.embed_file(sys.argv[1], sys.argv[2], model=sys.argv[4], chunk_size=8,\n"
        "                 batch_size=4, pool_chunk_rows=8)\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}

    def embed(out, kill_after):
        return subprocess.run([sys.executable, "-c", run, source, out, str(kill_after),
                               model_path()], env=env, capture_output=True, text=True,
                              timeout=300, check=False)

    first = embed(killed, 16)
    assert first.returncode == -9, first.stderr
    assert not os.path.exists(killed)  # never a half pool under the name
    with open(os.path.join(killed + ".partial", "progress.json")) as handle:
        assert json.load(handle)["rows"] == 16
    assert os.path.isdir(killed + ".parts")  # the embeddings wait there
    again = embed(killed, 0)
    assert again.returncode == 0, again.stderr
    assert "rows done 16" in again.stdout  # went on after the blocks recorded
    fresh = embed(whole, 0)
    assert fresh.returncode == 0, fresh.stderr
    one, other = read_pool(killed), read_pool(whole)
    assert np.array_equal(one.X.compute(), other.X.compute())
    assert one.ids.tolist() == other.ids.tolist() and one.provenance == other.provenance
    assert not os.path.exists(killed + ".partial") and not os.path.exists(killed + ".parts")


def test_bad_directory_outputs_are_refused_before_any_work(tmp_path, encoder):
    source = _source(tmp_path)
    taken = tmp_path / "taken.zarr"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    with pytest.raises(EmbedError, match="not a pool directory"):
        embed_file(source, str(taken), encoder=encoder)
    assert os.listdir(taken) == ["notes.txt"]
    with pytest.raises(EmbedError, match="does not exist"):
        embed_file(source, str(tmp_path / "missing" / "p.zarr"), encoder=encoder)
    responses = tmp_path / "responses.jsonl"
    responses.write_text(json.dumps({"prompt": "Hi?", "response": "Hello."}) + "\n")
    with pytest.raises(EmbedError, match="single responses is an .npz file"):
        embed_file(str(responses), str(tmp_path / "r.zarr"), encoder=encoder)
