"""A run killed by SIGKILL mid-way continues where it stopped, to the same bytes."""

import json
import os
import signal
import subprocess
import sys
import time

from .conftest import model_path

_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}


def _command(source, out):
    return [sys.executable, "-m", "skpref.cli", "embed", "--input", source, "--out", out,
            "--model", model_path(), "--chunk-size", "4", "--batch-size", "4", "--no-progress"]


def test_kill_9_then_rerun_gives_the_bytes_of_an_uninterrupted_run(tmp_path):
    records = [{"prompt": f"Question number {i}?", "response_a": f"Answer {i} " * 12,
                "response_b": f"Reply {i}."} for i in range(40)]
    source = tmp_path / "pairs.jsonl"
    source.write_text("".join(json.dumps(record) + "\n" for record in records))
    killed, whole = str(tmp_path / "killed.npz"), str(tmp_path / "whole.npz")
    parts = killed + ".parts"
    child = subprocess.Popen(_command(str(source), killed), env=_ENV,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if os.path.isdir(parts) and any(n.startswith("chunk-") for n in os.listdir(parts)):
            break
        time.sleep(0.002)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert not os.path.exists(killed)  # the pool is never half written
    done = sorted(n for n in os.listdir(parts) if n.startswith("chunk-"))
    assert 1 <= len(done) < 20, done  # killed mid-run: 20 chunks of 4 distinct items

    again = subprocess.run(_command(str(source), killed), env=_ENV, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "chunks from an interrupted run" in again.stderr
    assert not os.path.exists(parts)
    fresh = subprocess.run(_command(str(source), whole), env=_ENV, capture_output=True,
                           text=True, timeout=300)
    assert fresh.returncode == 0, fresh.stderr
    with open(killed, "rb") as one, open(whole, "rb") as other:
        assert one.read() == other.read()
