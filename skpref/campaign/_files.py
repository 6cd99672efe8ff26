"""Opening the campaign's input files, and reading CSV one physical line at a time.

Pools and label files must be **regular files** (or symbolic links to one).
Anything else is refused with what it is (a directory, a FIFO, a device, a
socket, a broken link, a link loop), and a FIFO or a device is never opened
for reading, so no command waits forever on a pipe without a writer.

A CSV **record is one physical line**. Lines end at ``\\n``, ``\\r\\n`` or a
lone ``\\r`` (as in Python's universal newlines) and are numbered from 1 (the
header). A quoted field may hold commas but not a line break: a line that
ends inside a quote is an error at that line, and the next line is read on
its own. Python's :mod:`csv` module would instead read every later line into
the field opened by a stray quote, and a label file with a free-text column
would lose all of its later labels without a word.
"""

import csv
import errno
import os
import stat

from .._atomic import describe_mode
from ._errors import CampaignError


def open_input(path, role, missing=""):
    """Open the regular file ``path`` for reading (binary); refuse anything else.

    Parameters
    ----------
    path : str
    role : str
        ``"pool"`` or ``"labels"``: the first word of every message.
    missing : str, default=""
        Appended to the message of a path that does not exist.

    Returns
    -------
    handle : file object
        Opened in binary mode; the caller closes it.

    Raises
    ------
    CampaignError
        Naming what ``path`` is when it is not a readable regular file.

    Examples
    --------
    >>> import os, tempfile
    >>> directory = tempfile.mkdtemp()
    >>> open_input(directory, "pool")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skpref.campaign._errors.CampaignError: pool ... is a directory, not a regular file.
    >>> os.symlink("loop", os.path.join(directory, "loop"))
    >>> open_input(os.path.join(directory, "loop"), "labels")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skpref.campaign._errors.CampaignError: labels .../loop is a symbolic link loop ...
    """
    described = f"{role} {path}"
    try:
        info = os.stat(path)
    except OSError as error:
        raise CampaignError(_why_not_opened(path, described, error, missing)) from None
    if not stat.S_ISREG(info.st_mode):  # never open a FIFO or a device: it may block
        raise CampaignError(f"{described} is {describe_mode(info.st_mode)}, not a regular file.")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise CampaignError(_why_not_opened(path, described, error, missing)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # replaced between the stat and the open
            raise CampaignError(f"{described} is {describe_mode(mode)}, not a regular file.")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _why_not_opened(path, described, error, missing):
    if error.errno == errno.ENOENT:
        if os.path.islink(path):
            return (
                f"{described} is a broken symbolic link (to {os.readlink(path)!r}, which "
                "does not exist)."
            )
        return f"{described} does not exist.{missing}"
    if error.errno == errno.ELOOP:
        return f"{described} is a symbolic link loop (following its links never ends)."
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"{described} cannot be read: permission denied."
    if error.errno == errno.ENOTDIR:
        return f"{described}: a component of the path is not a directory."
    if error.errno == errno.ENXIO:
        return f"{described} is a socket or a device without a reader, not a regular file."
    return f"{described} cannot be opened: {error.strerror or error}."


def physical_lines(handle, described):
    """``(line number, text, terminated)`` for every physical line of a binary file.

    ``terminated`` is False only for a last line without its line break. A
    UTF-8 byte-order mark at the start is dropped.

    Raises
    ------
    CampaignError
        ``"<described>: not UTF-8 text: line N ..."``.

    Examples
    --------
    >>> import io
    >>> list(physical_lines(io.BytesIO(b"a,b\\r\\nc\\rd\\n\\ne"), "labels x.csv"))
    [(1, 'a,b', True), (2, 'c', True), (3, 'd', True), (4, '', True), (5, 'e', False)]
    """
    number = 0
    for chunk in handle:  # binary iteration ends a chunk at b"\n" only
        newline = chunk.endswith(b"\n")
        body = chunk[:-1] if newline else chunk
        if newline and body.endswith(b"\r"):
            body = body[:-1]
        pieces = body.split(b"\r")
        for k, piece in enumerate(pieces):
            last = k == len(pieces) - 1
            if last and not newline and not piece:
                break  # nothing after a final lone "\r": no further line
            number += 1
            try:
                text = piece.decode("utf-8")
            except UnicodeDecodeError as error:
                raise CampaignError(
                    f"{described}: not UTF-8 text: line {number}, byte "
                    f"{piece[error.start]:#04x} at column {error.start + 1} ({error.reason})."
                ) from None
            if number == 1 and text.startswith("\ufeff"):
                text = text[1:]
            yield number, text, newline or not last


#: Why a line with an unclosed quote is refused.
UNCLOSED_QUOTE = (
    "a quote opened on this line is not closed on it (a record is one line; "
    "no field may span lines)"
)


class _OneLine:
    """An iterator that hands the csv reader one line, then stops until given the next.

    A csv reader asks its source for the next line when a quoted field runs
    past the end of a line; this source has none, so the reader reports
    "unexpected end of data" instead of swallowing the following lines. The
    reader can be called again after that (it starts each record afresh), so
    one reader serves the whole file.
    """

    __slots__ = ("line",)

    def __init__(self):
        self.line = None

    def __iter__(self):
        return self

    def __next__(self):
        line, self.line = self.line, None
        if line is None:
            raise StopIteration
        return line


def record_splitter():
    """A function that splits one physical line of CSV into its fields (see :func:`split_record`).

    Examples
    --------
    >>> split = record_splitter()
    >>> split('p1,first,"Smith, J."'), split("p2,second,x")
    (['p1', 'first', 'Smith, J.'], ['p2', 'second', 'x'])
    """
    source = _OneLine()
    reader = csv.reader(source, strict=True)

    def split(text):
        if "\x00" in text:
            raise ValueError(
                "contains a NUL byte: the file is damaged (a crash while it was being "
                "written can leave zero-filled blocks)"
            )
        if '"' not in text:
            return text.split(",")  # what the csv module does with a line without quotes
        source.line = text
        try:
            return next(reader, [])
        except csv.Error as error:
            if "unexpected end of data" in str(error):
                raise ValueError(UNCLOSED_QUOTE) from None
            if "field limit" in str(error):
                raise ValueError(
                    f"a quoted field longer than {csv.field_size_limit()} characters"
                ) from None
            raise ValueError(f"malformed quoting ({error})") from None

    return split


def split_record(text):
    """The fields of one physical line of CSV (the excel dialect, strict quoting).

    Raises
    ------
    ValueError
        A line that ends inside a quote, malformed quoting (``"fir"st``), a
        quoted field longer than the csv module's limit, or a NUL byte.

    Examples
    --------
    >>> split_record('p1,first,"Smith, J."')
    ['p1', 'first', 'Smith, J.']
    >>> split_record('p1,first,"Smith')
    Traceback (most recent call last):
    ...
    ValueError: a quote opened on this line is not closed on it (a record is one line; \
no field may span lines)
    """
    return record_splitter()(text)
