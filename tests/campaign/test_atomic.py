"""Atomic writes: a process killed mid-write leaves the old file or the new one.

The child processes load ``_atomic.py`` by path (it imports nothing from
skpref), so they start in a few tens of milliseconds.
"""

import errno
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest

import skpref._atomic as atomic
from skpref._atomic import atomic_write_bytes, atomic_write_text

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


# -- what may be replaced: regular files only (issue 16) -------------------------------


def test_a_symlink_to_a_regular_file_stays_a_symlink(tmp_path):
    real = tmp_path / "batches" / "next.csv"
    real.parent.mkdir()
    real.write_bytes(OLD)
    (tmp_path / "middle.csv").symlink_to(real)
    link = tmp_path / "next.csv"
    link.symlink_to("middle.csv")  # a chain of two links
    atomic_write_bytes(link, b"new\n")
    assert link.is_symlink() and os.readlink(link) == "middle.csv"
    assert (tmp_path / "middle.csv").is_symlink() and real.read_bytes() == b"new\n"
    assert sorted(os.listdir(real.parent)) == ["next.csv"]  # the temporary was beside the target
    dangling = tmp_path / "later.csv"
    dangling.symlink_to("batches/later.csv")  # a link to a file not written yet
    atomic_write_bytes(dangling, b"first\n")
    assert dangling.is_symlink() and (real.parent / "later.csv").read_bytes() == b"first\n"


def _reading(path):
    """Read a FIFO in a thread; returns the thread and the list its bytes land in."""
    received = []

    def read():
        with open(path, "rb") as handle:
            received.append(handle.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, received


def test_a_fifo_is_written_as_a_stream_never_replaced(tmp_path):
    fifo = tmp_path / "next.csv"
    os.mkfifo(fifo)
    with pytest.raises(atomic.NotRegularFileError, match="is a stream"):
        atomic_write_bytes(fifo, OLD)  # the old code renamed a file over the FIFO
    thread, received = _reading(fifo)
    assert atomic.write_output(fifo, OLD) == "stream"
    thread.join(10)
    assert received == [OLD] and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["next.csv"]


def device(tmp_path, name, system_path, major, minor):
    """A character device of our own in ``tmp_path`` (as root), else a link to ``system_path``.

    Never ``system_path`` itself: a regression (the old code renamed a file over
    its target) must not replace the machine's ``/dev/null`` or ``/dev/full``.
    """
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
    except (PermissionError, AttributeError):
        path.symlink_to(system_path)
    return path


def test_a_character_device_stays_a_device(tmp_path):
    node = device(tmp_path, "null.csv", os.devnull, 1, 3)
    link = tmp_path / "link.csv"
    link.symlink_to(node)
    before = os.lstat(node)
    for path in (node, link):
        assert atomic.write_output(path, OLD) == "stream"
        with pytest.raises(atomic.NotRegularFileError):
            atomic_write_bytes(path, OLD)
    after = os.lstat(node)
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)
    identity = ("st_dev", "st_ino", "st_rdev")
    assert [getattr(after, k) for k in identity] == [getattr(before, k) for k in identity]
    assert link.is_symlink() and sorted(os.listdir(tmp_path)) == ["link.csv", "null.csv"]
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_a_link_to_an_open_descriptor_is_written_through_it(tmp_path):
    # Issue 16: --out mystdout, mystdout -> /proc/self/fd/1, replaced the link by a file.
    read_end, write_end = os.pipe()
    try:
        link = tmp_path / "mystdout"
        link.symlink_to(f"/proc/self/fd/{write_end}")
        with pytest.raises(atomic.NotRegularFileError):
            atomic_write_bytes(link, OLD)
        assert atomic.write_output(link, OLD) == "stream"
        assert os.read(read_end, 1000) == OLD
        assert link.is_symlink() and os.listdir(tmp_path) == ["mystdout"]
        # A descriptor on a regular file (the shell's ``>> log``) is appended to, not replaced.
        log = tmp_path / "log.txt"
        log.write_bytes(b"earlier output\n")
        fd = os.open(log, os.O_WRONLY | os.O_APPEND)
        try:
            assert atomic.resolve_output(f"/proc/self/fd/{fd}")[0] == "stream"
            atomic.write_output(f"/proc/self/fd/{fd}", OLD)
        finally:
            os.close(fd)
        assert log.read_bytes() == b"earlier output\n" + OLD
    finally:
        os.close(read_end)
        os.close(write_end)


def test_directories_sockets_and_loops_are_refused(tmp_path):
    with pytest.raises(atomic.NotRegularFileError, match="is a directory"):
        atomic.write_output(tmp_path, OLD)
    (tmp_path / "to-dir").symlink_to(tmp_path)
    with pytest.raises(atomic.NotRegularFileError, match="is a directory"):
        atomic.write_output(tmp_path / "to-dir", OLD)
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock"))
        with pytest.raises(atomic.NotRegularFileError, match="is a socket"):
            atomic.write_output(tmp_path / "sock", OLD)
        assert stat.S_ISSOCK(os.lstat(tmp_path / "sock").st_mode)
    finally:
        server.close()
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(atomic.NotRegularFileError, match="is a symbolic link loop"):
        atomic.write_output(tmp_path / "loop", OLD)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic.write_output(tmp_path / "missing" / "next.csv", OLD)


# -- errors name the path (issue 16: ENOSPC and EFBIG named none) -------------------------


def test_a_full_disk_names_the_target_and_leaves_it_as_it_was(tmp_path, monkeypatch):
    target = tmp_path / "next.csv"
    target.write_bytes(OLD)

    def full(fd):  # what fsync reports when the blocks cannot be allocated
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError) as caught:
        atomic_write_bytes(target, b"new\n")
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(target)
    assert target.read_bytes() == OLD and os.listdir(tmp_path) == ["next.csv"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_stream_names_itself(tmp_path):
    full = device(tmp_path, "full.csv", "/dev/full", 1, 7)
    with pytest.raises(OSError) as caught:
        atomic.write_output(full, OLD)
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(full)


_TOO_BIG = r"""
import importlib.util, resource, sys
spec = importlib.util.spec_from_file_location("atomic", sys.argv[1])
atomic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(atomic)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # Python ignores SIGXFSZ: EFBIG
try:
    atomic.atomic_write_bytes(sys.argv[2], b"x" * 100000)
except OSError as error:
    print(error.errno, error.filename)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE semantics of Linux")
def test_a_file_size_limit_names_the_target(tmp_path):
    target = tmp_path / "next.csv"
    target.write_bytes(OLD)
    result = subprocess.run([sys.executable, "-c", _TOO_BIG, atomic.__file__, str(target)],
                            capture_output=True, text=True, timeout=60)
    assert result.stdout == f"{errno.EFBIG} {target}\n", result.stderr
    assert target.read_bytes() == OLD and os.listdir(tmp_path) == ["next.csv"]


# -- stale temporary files: removed when their writer is dead, never a live one's ---------


def test_a_later_write_removes_a_dead_writers_temporary_file_only(tmp_path):
    _kill_mid_write(tmp_path, "atomic")  # SIGKILL: no cleanup ran
    (stale,) = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    host = atomic._host_tag()
    others = [  # not of this writer's pattern, or not provably dead: kept
        ".next.csv.abcd1234.tmp",                                # mkstemp's names
        f".next.csv.other-host.{_dead_pid()}.0badcafe.tmp",     # another host
        f".other.csv.{host}.{_dead_pid()}.0badcafe.tmp",        # another target
        f".next.csv.{host}.1.0badcafe.tmp",                      # pid 1 is alive
    ]
    for name in others:
        (tmp_path / name).write_bytes(b"x")
    atomic_write_bytes(tmp_path / "next.csv", b"new\n")
    assert (tmp_path / "next.csv").read_bytes() == b"new\n"
    assert sorted(os.listdir(tmp_path)) == sorted(["next.csv", "marker", *others])
    assert stale not in os.listdir(tmp_path)


def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid  # reaped: no process has this pid (until it is reused, much later)


def test_a_concurrent_writers_temporary_file_is_never_removed(tmp_path):
    target, marker = tmp_path / "next.csv", tmp_path / "marker"
    target.write_bytes(OLD)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, atomic.__file__, "atomic", str(target), str(marker)]
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        (theirs,) = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
        atomic_write_bytes(target, b"mine\n")  # while the child is half-way through its write
        assert theirs in os.listdir(tmp_path) and target.read_bytes() == b"mine\n"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
