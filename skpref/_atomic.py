"""Write an output file: atomically to a regular file, directly to a stream, over nothing else.

The campaign's batch file and the benchmark's reports are written here, one layer below both
(they are peers and import nothing from each other).

An output path is one of three kinds (:func:`resolve_output`):

* a **regular file**, or a symbolic link (chain) that ends at one: the new text
  goes to a temporary file in the final target's directory (same file system,
  so the rename is atomic), is flushed and ``fsync``-ed, then replaces the
  *target* with ``os.replace``, and the directory is ``fsync``-ed so the
  rename survives a power cut. A symbolic link stays a link: its target is
  replaced, not the link. A process killed at any moment (even by
  ``SIGKILL``) leaves the target untouched or complete;
* a **new path** (nothing there yet, or a link to a path that does not exist):
  written the same way, which creates it;
* a **stream**: a FIFO, a character device (``/dev/null``, a terminal), or a
  path through an open file descriptor (``/dev/stdout``, ``/proc/self/fd/N``,
  a link to one): written directly, in order, never renamed over. A FIFO's
  ``open`` waits for its reader, as the shell's ``> fifo`` does.

Anything else (a directory, a block device, a socket, a symbolic link loop) is
refused with :class:`NotRegularFileError`: nothing but a regular file is ever
replaced.

The temporary file is named ``.NAME.HOST.PID.TOKEN.tmp``. A writer that dies
without cleaning up (``SIGKILL``, a power cut) leaves one behind; the next
write to ``NAME`` removes those of its own pattern whose host is this one and
whose writer (``PID``) is no longer alive, and never one of a live writer.
Signals that Python turns into exceptions (``SIGINT``; ``SIGTERM`` and ``SIGHUP``
under :mod:`skpref.cli`) remove the temporary file on the way out.

This module imports nothing from skpref, so a test child process can load it
on its own and be killed mid-write cheaply.
"""

import copy
import errno
import os
import re
import secrets
import socket
import stat

#: Bytes written per ``write`` call (the kill test needs several calls).
_CHUNK = 1 << 16

#: The directory of a process's open file descriptors, as ``realpath`` spells it.
_FD_DIRECTORY = re.compile(r"/proc/(?:self|thread-self|\d+)(?:/task/\d+)?/fd")

#: Longest part of a target's name kept in its temporary name (names have at most 255 bytes).
_NAME_KEPT = 120


class NotRegularFileError(OSError):
    """The output path exists and is neither a regular file nor a stream."""


def describe_mode(mode):
    """What an ``st_mode`` is, in words: ``"a directory"``, ``"a FIFO (named pipe)"``, ...

    Examples
    --------
    >>> import stat
    >>> describe_mode(stat.S_IFDIR | 0o755), describe_mode(stat.S_IFCHR)
    ('a directory', 'a character device')
    """
    for test, words in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return words
    return "not a regular file"


def _through_descriptor(path):
    """Whether resolving ``path`` passes through ``/proc/<pid>/fd/<n>`` (or ``/dev/fd/<n>``).

    Such a path names an already open file (``/dev/stdout`` is a link to
    ``/proc/self/fd/1``): it is written as a stream, never renamed over,
    whatever the descriptor points to (a pipe, a terminal, or the file the
    shell opened with ``>>``).
    """
    current = os.path.abspath(path)
    for _ in range(64):
        parent = os.path.realpath(os.path.dirname(current))
        if _FD_DIRECTORY.fullmatch(parent):
            return True
        current = os.path.join(parent, os.path.basename(current))
        try:
            target = os.readlink(current)
        except OSError:  # not a link, or nothing there
            return False
        current = os.path.join(parent, target)
    return False


def resolve_output(path):
    """The kind of an output path and the path to write.

    Returns
    -------
    kind : {"regular", "new", "stream"}
    target : str
        For ``"regular"`` and ``"new"``, the final target with every symbolic
        link resolved (the file that is replaced or created); for
        ``"stream"``, ``path`` itself.

    Raises
    ------
    NotRegularFileError
        A directory, a block device, a socket or a symbolic link loop.
    FileNotFoundError
        A new path whose directory does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> directory = os.path.realpath(tempfile.mkdtemp())
    >>> target = os.path.join(directory, "next.csv")
    >>> resolve_output(target) == ("new", target)
    True
    >>> resolve_output(os.devnull)
    ('stream', '/dev/null')
    >>> resolve_output(directory)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skpref._atomic.NotRegularFileError: [Errno 21] is a directory: '...'
    """
    path = os.fspath(path)
    if not path:
        raise FileNotFoundError(errno.ENOENT, "an empty path names no file", path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        target = os.path.realpath(path)
        parent = os.path.dirname(target)
        if not os.path.isdir(parent):
            raise FileNotFoundError(
                errno.ENOENT, f"the directory {parent} does not exist", path
            ) from None
        return "new", target
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise NotRegularFileError(errno.ELOOP, "is a symbolic link loop", path) from None
        raise
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise NotRegularFileError(errno.EISDIR, "is a directory", path)
    if _through_descriptor(path) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return "stream", path
    if stat.S_ISREG(mode):
        target = os.path.realpath(path)
        try:
            same = os.stat(target)
        except OSError:
            same = None
        if same is None or (same.st_dev, same.st_ino) != (info.st_dev, info.st_ino):
            raise NotRegularFileError(
                errno.EINVAL, f"resolves to a regular file that cannot be named ({target})", path
            )
        return "regular", target
    raise NotRegularFileError(errno.EINVAL, f"is {describe_mode(mode)}", path)


# -- temporary files -------------------------------------------------------------


def _host_tag():
    host = re.sub(r"[^A-Za-z0-9-]+", "-", socket.gethostname())[:32].strip("-")
    return host or "host"


def _temporary_name(name, pid=None, token=None):
    """``.NAME.HOST.PID.TOKEN.tmp`` (``NAME`` cut to :data:`_NAME_KEPT` characters)."""
    pid = os.getpid() if pid is None else pid
    token = secrets.token_hex(4) if token is None else token
    return f".{name[:_NAME_KEPT]}.{_host_tag()}.{pid}.{token}.tmp"


def _writer_of(entry, name):
    """``(host, pid)`` if ``entry`` is a temporary file of ``name``'s pattern, else None."""
    prefix = f".{name[:_NAME_KEPT]}."
    if not (entry.startswith(prefix) and entry.endswith(".tmp")):
        return None
    parts = entry[len(prefix): -len(".tmp")].split(".")
    if len(parts) != 3 or not parts[1].isdigit() or not re.fullmatch(r"[0-9a-f]{8}", parts[2]):
        return None
    return parts[0], int(parts[1])


def _alive(pid):
    """Whether process ``pid`` exists (on this host); True when it cannot be told."""
    if pid <= 0 or os.name == "nt":  # Windows' os.kill terminates; never guess there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    return True


def remove_stale_temporaries(directory, name):
    """Remove the temporary files of ``name`` left by dead writers of this host.

    Only files of the pattern ``.NAME.HOST.PID.TOKEN.tmp`` are considered, and
    one is removed only when ``HOST`` is this host and process ``PID`` no longer
    exists: the temporary file of a concurrent writer is never touched.

    Returns
    -------
    removed : list of str
        The names removed.

    Examples
    --------
    >>> import os, tempfile
    >>> directory = tempfile.mkdtemp()
    >>> mine = _temporary_name("next.csv")  # this process is alive: kept
    >>> open(os.path.join(directory, mine), "w").close()
    >>> remove_stale_temporaries(directory, "next.csv")
    []
    """
    try:
        entries = os.listdir(directory)
    except OSError:
        return []
    host, removed = _host_tag(), []
    for entry in entries:
        writer = _writer_of(entry, name)
        if writer is None or writer[0] != host or writer[1] == os.getpid():
            continue
        if not _alive(writer[1]):
            try:
                os.unlink(os.path.join(directory, entry))
            except OSError:
                continue
            removed.append(entry)
    return removed


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


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


def _named(error, path, context=""):
    """``error`` as an OSError naming ``path`` (ENOSPC, EFBIG and EIO name no file).

    Raised with ``raise _named(error, ...) from error``; a
    :class:`NotRegularFileError`, already worded, comes back as a copy.
    """
    if isinstance(error, NotRegularFileError) or error.errno is None:
        return copy.copy(error)
    return OSError(error.errno, f"{error.strerror}{context}", path)


def _create_temporary(directory, name):
    """Create the temporary file (exclusively, mode 0o600); returns ``(fd, path)``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temporary = os.path.join(directory, _temporary_name(name))
        try:
            return os.open(temporary, flags, 0o600), temporary
        except FileExistsError:  # another token; the name holds this pid, so it was ours
            continue
        except BaseException:  # interrupted right after the file was created
            _unlink_quietly(temporary)
            raise
    raise FileExistsError(errno.EEXIST, "no free temporary file name", directory)


def atomic_write_bytes(path, data, *, _after_chunk=None):
    """Replace the regular file ``path`` (or create it) by ``data`` atomically.

    Parameters
    ----------
    path : str or path-like
        A regular file, a new path in an existing directory, or a symbolic link
        to either (its final target is written; the link stays). An existing
        target keeps its permission bits.
    data : bytes
        The complete new content.
    _after_chunk : callable, optional
        Testing hook, called with the number of bytes written so far after
        every chunk (before the rename).

    Raises
    ------
    NotRegularFileError
        ``path`` is a stream, a directory or another non-regular file (see
        :func:`write_output` for streams).
    OSError
        A failed write (``ENOSPC``, ``EFBIG``, ...), with the target as its
        file name; the target is left as it was and no temporary file remains.

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
    view = memoryview(data)

    def fill(handle):
        for start in range(0, len(view), _CHUNK):
            handle.write(view[start: start + _CHUNK])
            if _after_chunk is not None:
                handle.flush()
                _after_chunk(min(start + _CHUNK, len(view)))

    atomic_write_with(path, fill)


def atomic_write_with(path, fill):
    """Replace the regular file ``path`` (or create it) by what ``fill(handle)`` writes.

    The same guarantees as :func:`atomic_write_bytes`, for content written
    piece by piece (an archive too large to build in memory first):
    ``fill`` writes to a temporary file beside the target (a binary,
    seekable file object), which is then flushed, ``fsync``-ed and renamed
    over the target; if ``fill`` raises (or a signal arrives), the temporary
    file is removed and the target is left as it was.

    Parameters
    ----------
    path : str or path-like
    fill : callable
        Called once with the open temporary file.

    Examples
    --------
    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "pool.npz")
    >>> atomic_write_with(target, lambda handle: handle.write(b"PK"))
    >>> open(target, "rb").read()
    b'PK'
    """
    kind, target = resolve_output(path)
    if kind == "stream":
        raise NotRegularFileError(
            errno.EINVAL, "is a stream (a FIFO, a device or an open descriptor), not a file "
            "that can be replaced", os.fspath(path)
        )
    directory, name = os.path.split(target)
    remove_stale_temporaries(directory, name)
    mode = _new_file_mode(target)
    try:
        fd, temporary = _create_temporary(directory, name)
    except OSError as error:
        raise _named(error, target, f" (creating a temporary file in {directory})") from error
    try:
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            handle.flush()
            if hasattr(os, "fchmod"):  # created 0o600; give the usual mode
                os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        try:  # the target may have changed since it was resolved: never replace a non-file
            now = os.lstat(target).st_mode
        except FileNotFoundError:
            now = None
        if now is not None and not stat.S_ISREG(now):
            raise NotRegularFileError(
                errno.EINVAL, f"became {describe_mode(now)} while the batch was written", target
            )
        os.replace(temporary, target)
    except BaseException as error:
        _unlink_quietly(temporary)
        if isinstance(error, OSError):
            raise _named(error, target) from error
        raise
    _fsync_directory(directory)


def write_stream(path, data):
    """Write ``data`` to the stream ``path`` (a FIFO, a device, an open descriptor).

    The stream is opened for appending (a file behind a descriptor, such as
    the one ``>>`` opened, keeps its content) and written in order; nothing
    is renamed. Errors name ``path``.

    Examples
    --------
    >>> import os
    >>> write_stream(os.devnull, b"pair_id,rank\\n")
    """
    path = os.fspath(path)
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise _named(error, path) from error
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode) and not _through_descriptor(path):
            raise NotRegularFileError(
                errno.EINVAL, "became a regular file while the batch was computed; run again",
                path,
            )
        view = memoryview(data)
        while view:
            written = os.write(fd, view[:_CHUNK])
            view = view[written:]
    except NotRegularFileError:
        raise
    except OSError as error:
        raise _named(error, path) from error
    finally:
        os.close(fd)


def write_output(path, data):
    """Write ``data`` to ``path`` as its kind asks (see :func:`resolve_output`).

    Returns
    -------
    kind : {"regular", "new", "stream"}

    Examples
    --------
    >>> import os, tempfile
    >>> write_output(os.path.join(tempfile.mkdtemp(), "next.csv"), b"x\\n")
    'new'
    """
    kind, _ = resolve_output(path)
    if kind == "stream":
        write_stream(path, data)
    else:
        atomic_write_bytes(path, data)
    return kind


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


def same_file(first, second):
    """Whether two paths name one file (the same path, or the same inode: a hard link).

    Examples
    --------
    >>> import os, tempfile
    >>> directory = tempfile.mkdtemp()
    >>> path = os.path.join(directory, "labels.csv")
    >>> open(path, "w").close()
    >>> os.link(path, os.path.join(directory, "linked.csv"))
    >>> same_file(path, os.path.join(directory, "linked.csv"))
    True
    >>> same_file(path, os.path.join(directory, "next.csv"))
    False
    """
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        one, other = os.stat(first), os.stat(second)
    except OSError:
        return False
    return (one.st_dev, one.st_ino) == (other.st_dev, other.st_ino)
