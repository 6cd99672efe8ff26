"""Write a file so that a crash leaves either the old file or the new one.

The text goes to a temporary file in the target's directory (same file
system, so the rename is atomic), is flushed and ``fsync``-ed, then replaces
the target with ``os.replace``; finally the directory is ``fsync``-ed so the
rename itself survives a power cut. A process killed at any moment (even by
``SIGKILL``, which runs no cleanup) leaves the target untouched or complete;
at worst a stray ``.NAME.*.tmp`` file remains beside it.

This module imports nothing from skpref, so a test child process can load it
on its own and be killed mid-write cheaply.
"""

import os
import tempfile

#: Bytes written per ``write`` call (the kill test needs several calls).
_CHUNK = 1 << 16


def _new_file_mode(path):
    """The target's current mode, or the default for a new file (0o666 & ~umask)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory):
    """Make a rename in ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems without directory fsync
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path, data, *, _after_chunk=None):
    """Replace ``path`` by ``data`` atomically.

    Parameters
    ----------
    path : str or path-like
        The target; its directory must exist. An existing target keeps its
        permission bits.
    data : bytes
        The complete new content.
    _after_chunk : callable, optional
        Testing hook, called with the number of bytes written so far after
        every chunk (before the rename).

    Examples
    --------
    >>> import os, tempfile
    >>> directory = tempfile.mkdtemp()
    >>> target = os.path.join(directory, "next.csv")
    >>> atomic_write_bytes(target, b"pair_id,rank\\n")
    >>> open(target, "rb").read()
    b'pair_id,rank\\n'
    >>> os.listdir(directory)  # no temporary file is left behind
    ['next.csv']
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    mode = _new_file_mode(path)
    fd, temporary = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            view = memoryview(data)
            for start in range(0, len(view), _CHUNK):
                handle.write(view[start : start + _CHUNK])
                if _after_chunk is not None:
                    handle.flush()
                    _after_chunk(min(start + _CHUNK, len(view)))
            handle.flush()
            if hasattr(os, "fchmod"):  # mkstemp creates 0o600; give the usual mode
                os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def atomic_write_text(path, text, *, _after_chunk=None):
    """Replace ``path`` by ``text`` (UTF-8, newlines as given) atomically.

    See :func:`atomic_write_bytes`.

    Examples
    --------
    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "next.csv")
    >>> atomic_write_text(target, "pair_id\\r\\np1\\r\\n")
    >>> open(target, "rb").read()
    b'pair_id\\r\\np1\\r\\n'
    """
    atomic_write_bytes(path, text.encode("utf-8"), _after_chunk=_after_chunk)
