"""Atomic writes: a process killed mid-write leaves the old file or the new one.

The child processes load ``_atomic.py`` by path (it imports nothing from
skpref), so they start in a few tens of milliseconds.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

import skpref.campaign._atomic as atomic
from skpref.campaign._atomic import atomic_write_bytes, atomic_write_text

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

OLD = b"pair_id,rank\nold,1\n"

#: A child that writes CONTENT to TARGET and, half-way, touches MARKER and waits to be killed.
_CHILD = r"""
import importlib.util, os, sys, time
spec = importlib.util.spec_from_file_location("atomic", sys.argv[1])
atomic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(atomic)
mode, target, marker = sys.argv[2:5]
data = b"".join(b"%09d,a complete line of the new batch file\n" % i for i in range(40000))

def hook(written):
    if written >= len(data) // 2:
        open(marker, "w").close()
        time.sleep(60)

if mode == "atomic":
    atomic.atomic_write_bytes(target, data, _after_chunk=hook)
else:  # the naive write the atomic one replaces, as a control
    with open(target, "wb") as handle:
        for start in range(0, len(data), atomic._CHUNK):
            handle.write(data[start:start + atomic._CHUNK])
            handle.flush()
            hook(start + atomic._CHUNK)
"""

#: A child that rewrites TARGET forever with alternating complete contents.
_LOOP = r"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("atomic", sys.argv[1])
atomic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(atomic)
target = sys.argv[2]
contents = [b"".join(b"%d,%09d,filler filler filler\n" % (k, i) for i in range(20000)) + b"END\n"
            for k in range(2)]
open(sys.argv[3], "w").close()
k = 0
while True:
    atomic.atomic_write_bytes(target, contents[k % 2])
    k += 1
"""


def _kill_mid_write(tmp_path, mode):
    target, marker = tmp_path / "next.csv", tmp_path / "marker"
    target.write_bytes(OLD)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, atomic.__file__, mode, str(target), str(marker)]
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert child.poll() is None, "the child exited before reaching the middle"
            assert time.monotonic() < deadline, "the child never reached the middle"
            time.sleep(0.01)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    return target.read_bytes(), sorted(p.name for p in tmp_path.iterdir())


def test_killed_mid_write_leaves_the_old_file(tmp_path):
    content, names = _kill_mid_write(tmp_path, "atomic")
    assert content == OLD
    # The half-written temporary file is beside it (killed: no cleanup ran).
    temporary = [name for name in names if name.startswith(".next.csv.") and name.endswith(".tmp")]
    assert len(temporary) == 1
    assert 0 < (tmp_path / temporary[0]).stat().st_size < 40000 * 50


def test_the_kill_test_catches_a_naive_write(tmp_path):
    # Control: the same kill through a plain open-write leaves a partial file,
    # so the test above would fail on a non-atomic writer.
    content, _ = _kill_mid_write(tmp_path, "naive")
    assert content != OLD and 0 < len(content) < 40000 * 50


def test_killed_at_random_moments_the_file_is_always_complete(tmp_path):
    target, started = tmp_path / "next.csv", tmp_path / "started"
    target.write_bytes(OLD)
    seen = set()
    for delay in (0.0, 0.003, 0.011, 0.023, 0.037, 0.05):
        started.unlink(missing_ok=True)
        child = subprocess.Popen(
            [sys.executable, "-c", _LOOP, atomic.__file__, str(target), str(started)]
        )
        while not started.exists() and child.poll() is None:
            time.sleep(0.002)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        content = target.read_bytes()
        assert content == OLD or (content.endswith(b"END\n") and content.count(b"\n") == 20001)
        seen.add(content[:1])
    assert len(seen) >= 2  # the kills did land during rewrites


def test_an_exception_mid_write_leaves_nothing_behind(tmp_path):
    target = tmp_path / "next.csv"
    target.write_bytes(OLD)

    def fail(written):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(target, b"x" * (3 * atomic._CHUNK), _after_chunk=fail)
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["next.csv"]


def test_permissions_are_kept_or_default(tmp_path):
    target = tmp_path / "next.csv"
    target.write_bytes(OLD)
    os.chmod(target, 0o640)
    atomic_write_text(target, "new\n")
    assert target.read_text() == "new\n" and (target.stat().st_mode & 0o777) == 0o640
    fresh = tmp_path / "fresh.csv"
    atomic_write_text(fresh, "x\n")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
