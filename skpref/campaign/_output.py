"""The campaign's output files: checked before any work, written without losing a byte.

A campaign command writes one kind of file (the next batch, the scores, a model and its card)
and reads the others. The checks here come before any file is read, so that a problem with
``--out`` writes nothing and costs nothing; the writes go through :mod:`skpref._atomic`: a
regular file (or a new path) is replaced atomically, only once complete; a stream (``-``, a
FIFO, a device, ``/dev/stdout``) is written directly; nothing else is ever replaced. Every
problem is a :class:`~skpref.campaign.CampaignError` whose message names the option and the
path.
"""

import os
import sys

from .._atomic import (
    NotRegularFileError, atomic_write_bytes, resolve_output, same_file, write_stream,
)
from ._errors import CampaignError


def check_output(out, inputs=(), *, option="--out", what="batch"):
    """What the output path ``out`` is, checked before any work: a problem writes nothing.

    Parameters
    ----------
    out : str
        The path to write, or ``"-"`` for standard output.
    inputs : sequence of (str, str), default=()
        ``(option, path)`` of every file the command only reads, such as
        ``(("--labels", "labels.csv"), ("--pool", "pool.npz"))``: ``out`` may be
        none of them (nor a hard link to one).
    option : str, default="--out"
        The option that gave ``out``, for the messages.
    what : str, default="batch"
        What is written, for the messages.

    Returns
    -------
    kind : {"regular", "stream"}
        ``"regular"`` for a regular file or a new path (written atomically),
        ``"stream"`` for ``-``, a FIFO, a character device or an open file
        descriptor (written directly).

    Raises
    ------
    CampaignError
        ``out`` is an input, a directory, another kind of file (a socket, a
        symbolic link loop), empty, or in a directory that does not exist.

    Examples
    --------
    >>> check_output("-")
    'stream'
    >>> check_output("labels.csv", [("--labels", "labels.csv")])
    Traceback (most recent call last):
    ...
    skpref.campaign._errors.CampaignError: --out labels.csv is the labels file; the batch must \
go to another file (the labels is only ever read).
    """
    if out == "-":
        return "stream"
    inputs = tuple(inputs)
    for name, path in inputs:
        if same_file(out, path):
            raise CampaignError(
                f"{option} {out} is the {name[2:]} file; the {what} must go to another file "
                f"(the {' and the '.join(n[2:] for n, _ in inputs)} "
                f"{'is' if len(inputs) == 1 else 'are'} only ever read)."
            )
    try:
        kind, _ = resolve_output(out)
    except NotRegularFileError as error:
        if os.path.isdir(out):
            raise CampaignError(f"{option} {out} is a directory; give a file name.") from None
        raise CampaignError(
            f"{option} {out} {error.strerror}; give a regular file, a new path, a FIFO, a "
            "device or - (only a regular file is ever replaced)."
        ) from None
    except FileNotFoundError:
        if not out:
            raise CampaignError(f"{option} is empty; give a file name, or - for stdout.") from None
        real = os.path.realpath(out)
        raise CampaignError(
            f"{option} {out}: the directory {os.path.dirname(real)} does not exist."
        ) from None
    except OSError as error:
        raise CampaignError(f"{option} {out}: {error.strerror}.") from None
    return kind


def write_output(out, text, *, option="--out", what="batch"):
    """Write ``text`` to ``out``: atomically to a regular file, directly to a stream.

    The kind of ``out`` is resolved again (it may have changed while the text
    was computed): a regular file or a new path gets a temporary file that
    replaces it once complete and synced (a link stays a link), a stream
    (``-`` is standard output) is written in order; nothing else is replaced.

    Parameters
    ----------
    out : str
        The path checked by :func:`check_output`, or ``"-"``.
    text : str
        Written as UTF-8.
    option : str, default="--out"
        The option that gave ``out``, for the messages.
    what : str, default="batch"
        What is written, for the messages.

    Raises
    ------
    CampaignError
        The write failed (a full disk, a file size limit, a directory without
        write permission); the message names the path and says whether the
        old file was left as it was (a regular file always is) or part of the
        text may have reached the stream.
    BrokenPipeError
        Standard output's reader left (``| head``).

    Examples
    --------
    >>> import os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "next.csv")
    >>> write_output(out, "pair_id,rank\\n")
    >>> open(out).read()
    'pair_id,rank\\n'
    """
    if out == "-":
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise CampaignError(
                f"cannot write the {what} to stdout: {error.strerror or error}."
            ) from None
        return
    kind = "regular"
    try:
        kind, _ = resolve_output(out)
        if kind == "stream":
            write_stream(out, text.encode("utf-8"))
        else:
            atomic_write_bytes(out, text.encode("utf-8"))
    except NotRegularFileError as error:
        raise CampaignError(f"{option} {out} {error.strerror}; nothing was written.") from None
    except OSError as error:
        state = (
            f"part of the {what} may have reached it" if kind == "stream"
            else "the file was left as it was"
        )
        raise CampaignError(
            f"{option} {out}: cannot write the {what} to {error.filename or out}: "
            f"{error.strerror or error} ({state})."
        ) from None


def write_file(out, data, *, option="--out"):
    """Write the bytes ``data`` to the regular file (or new path) ``out``, atomically.

    For files that are no stream, such as a model and its card: a temporary
    file in the target's directory replaces ``out`` only once complete.

    Parameters
    ----------
    out : str
    data : bytes
    option : str, default="--out"
        The option that gave ``out``, for the messages.

    Raises
    ------
    CampaignError
        ``out`` is not a regular file or a new path, or the write failed (the
        file was left as it was).

    Examples
    --------
    >>> import os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> write_file(out, b"{}")
    >>> open(out).read()
    '{}'
    """
    try:
        atomic_write_bytes(out, data)
    except NotRegularFileError as error:
        raise CampaignError(f"{option} {out} {error.strerror}; nothing was written.") from None
    except OSError as error:
        raise CampaignError(
            f"{option} {out}: cannot write {error.filename or out}: {error.strerror or error} "
            "(the file was left as it was)."
        ) from None
