"""Label files: the only state of a campaign, read strictly and never written.

A label file is a regular UTF-8 CSV file with a header line naming at least
the columns ``pair_id`` and ``label`` (any order; other columns, such as an
annotator, a timestamp or a free-text note, are allowed and kept as they
are). Each further line labels one pair of the pool:

* ``label`` is ``first`` or ``1`` when the first item of the pair (as the
  pool orients it) was preferred, ``second`` or ``0`` otherwise; ``first``
  and ``second`` may be in any letter case. ``first`` is ``y = 1`` for the
  pool's row ``phi(first) - phi(second)``: the labels reach the model as the
  integers 1 and 0, never as strings;
* surrounding spaces in ``pair_id`` and ``label`` are ignored; blank lines
  are skipped (they hold no label).

**A label is one physical line.** Lines end at ``\\n``, ``\\r\\n`` or a lone
``\\r`` and are numbered from 1 (the header). A quoted field may hold commas
(``"Smith, J."``) but never a line break: a line that ends inside a quote
is an error at that line (the line where the quote opened), and the lines
after it are read on their own. A CSV reader that let the field run on
would swallow every later label into one free-text field.

**The last line without its line break is never read as a label.** An
annotator (or a tool) appending ``first,p12`` may have written only
``first,p1`` when a command reads the file; that is a valid label of another
pair. Such a line is ignored and named in a note on standard error, and the
command goes on (exit status 0): appending while ``select`` runs is normal,
and the pair is simply not labeled yet; it counts as soon as its line ends.
An error instead would make every command fail while annotators are at
work, and no choice can tell a finished line from a cut one. A file whose
last label is complete but lacks its final newline gets the same note: add
the newline.

No label is dropped silently. Every line is checked and all problems are
reported together, with file line numbers: a line that ends inside a quote
or has malformed quotes, a NUL byte (a damaged file), a line with the wrong
number of fields, a second header line (two files joined), an empty
``pair_id``, a ``pair_id`` not in the pool, a label outside the set, a pair
labeled more than once with different answers. Any of them stops the
command and nothing is written. A pair labeled more than once with the same
answer counts once; the repeats are reported.

An empty file (0 bytes) or a header line alone means no labels yet (a cold
start). A label file that does not exist is an error (a mistyped path must
not silently restart a campaign from nothing), and so is a path that is not
a regular file (a directory, a FIFO, a device, a broken link or a link loop),
named as what it is.
"""

import os

import numpy as np

from ._errors import CampaignError, listing, plural
from ._files import open_input, physical_lines, record_splitter

#: Accepted spellings of each answer (after stripping and lower-casing).
LABEL_VALUES = {"first": 1, "1": 1, "second": 0, "0": 0}

#: The columns every label file must have.
REQUIRED_COLUMNS = ("pair_id", "label")


class Labels:
    """The labels of a campaign, one per labeled pair, in file order.

    Attributes
    ----------
    pair_ids : list of str
        Labeled pairs, in the order of their first line.
    rows : ndarray of int
        Their rows in the pool.
    y : ndarray of int
        1 when the first item was preferred, else 0.
    lines : ndarray of int
        The line that first labeled each pair.
    repeats : list of (int, int)
        ``(line, first_line)`` of every repeated identical label.
    columns : list of str
        The header of the file.
    extra : dict of str to list of str
        The other columns of each labeled pair's first line.
    unfinished_line : int or None
        The last line, when it has no line break yet (it was not read as a
        label; see the module's docstring), else None.
    """

    def __init__(self, path, pair_ids, rows, y, lines, repeats, columns, extra,
                 unfinished_line=None):
        self.unfinished_line = unfinished_line
        self.path = path
        self.pair_ids = pair_ids
        self.rows = rows
        self.y = y
        self.lines = lines
        self.repeats = repeats
        self.columns = columns
        self.extra = extra

    def __len__(self):
        return len(self.pair_ids)

    def repeats_note(self):
        """A one-line note on repeated identical labels, or ``None``."""
        if not self.repeats:
            return None
        described = listing(f"line {line} repeats line {first}" for line, first in self.repeats)
        return (
            f"{self.path}: {plural(len(self.repeats), 'repeated label')} counted once "
            f"({described})."
        )

    def unfinished_note(self):
        """A one-line note on a last line without its line break, or ``None``."""
        if self.unfinished_line is None:
            return None
        return (
            f"{self.path}: line {self.unfinished_line}, the last, has no line break yet, so it "
            "was not read as a label (it may still be being written); if it is complete, "
            "end it with a newline."
        )

    def notes(self):
        """Every note on the file (repeats, an unfinished last line), in that order."""
        return [note for note in (self.repeats_note(), self.unfinished_note()) if note]


def read_labels(path, pool):
    """Read and check a label file against ``pool``.

    Parameters
    ----------
    path : str
    pool : Pool
        The pairs a label may refer to.

    Returns
    -------
    labels : Labels

    Raises
    ------
    CampaignError
        A missing or unreadable file, a bad header, or bad lines; the message
        lists every offending line.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skpref.campaign._pool import Pool
    >>> pool = Pool(np.array(["p1", "p2", "p3"]), np.eye(3), "pool.npz")
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("pair_id,label,annotator\\np2,first,ann\\np1,0,bob\\np2,1,eve\\n")
    >>> labels = read_labels(path, pool)
    >>> labels.pair_ids, labels.y.tolist(), labels.repeats
    (['p2', 'p1'], [1, 0], [(4, 2)])
    >>> with open(path, "a") as f:  # an annotator half-way through a line
    ...     _ = f.write("p3,fir")
    >>> labels = read_labels(path, pool)
    >>> labels.pair_ids, labels.unfinished_line
    (['p2', 'p1'], 5)
    >>> with open(path, "a") as f:
    ...     _ = f.write("st,ann\\np9,first,ann\\np1,maybe,ann\\n")
    >>> read_labels(path, pool)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skpref.campaign._errors.CampaignError: labels ...: 2 problems, so no label was used:
      line 6: unknown pair_id 'p9' (not in the pool)
      line 7: label 'maybe' is not one of first, second, 1, 0
    """
    path = os.fspath(path)
    handle = open_input(
        path, "labels",
        missing=" To start a campaign with no labels, create it with the header line: "
        "pair_id,label",
    )
    problems = []  # (line, message)
    entries = []  # (line, pair_id, value)
    extra_rows = []
    columns, unfinished = None, None
    split_record = record_splitter()
    with handle:
        for line, text, terminated in physical_lines(handle, f"labels {path}"):
            if columns is None:  # the header (a header is no label: it may lack its newline)
                try:
                    header = split_record(text)
                except ValueError as error:
                    raise CampaignError(f"labels {path}: line 1: {error}.") from None
                columns = [name.strip() for name in header]
                _check_header(path, columns)
                id_at, label_at = columns.index("pair_id"), columns.index("label")
                others = [k for k in range(len(columns)) if k not in (id_at, label_at)]
                continue
            if not terminated:  # the last line, perhaps still being written: never a label
                if text.strip():
                    unfinished = line
                continue
            try:
                fields = split_record(text)
            except ValueError as error:
                problems.append((line, str(error)))
                continue
            stripped = [field.strip() for field in fields]
            if not any(stripped):
                continue  # a blank line holds no label
            if len(fields) == len(columns) and sorted(stripped) == sorted(columns):
                problems.append(
                    (line, "a second header line (were two label files joined? keep one header)")
                )
                continue
            if len(fields) != len(columns):
                problems.append(
                    (line, f"expected {len(columns)} fields ({','.join(columns)}), "
                           f"got {len(fields)}")
                )
                continue
            pair_id, label = stripped[id_at], stripped[label_at]
            if not pair_id:
                problems.append((line, "empty pair_id"))
                continue
            value = LABEL_VALUES.get(label.lower())
            if value is None:
                problems.append((line, f"label {label!r} is not one of first, second, 1, 0"))
                continue
            entries.append((line, pair_id, value))
            extra_rows.append([fields[k] for k in others])
    if columns is None:
        return _empty(path)

    rows = pool.positions([pair_id for _, pair_id, _ in entries])
    for (where, pair_id, _), row in zip(entries, rows):
        if row < 0:
            problems.append((where, f"unknown pair_id {pair_id!r} (not in the pool)"))

    # One label per pair: identical repeats count once, different answers stop.
    first_entry, answers = {}, {}
    for k, (where, pair_id, value) in enumerate(entries):
        if rows[k] < 0:
            continue
        first_entry.setdefault(pair_id, k)
        answers.setdefault(pair_id, {}).setdefault(value, []).append(where)
    repeats = []
    for pair_id, by_value in answers.items():
        if len(by_value) > 1:
            lines = sorted(where for group in by_value.values() for where in group)
            problems.append(
                (lines[0], f"pair_id {pair_id!r} labeled both first ({_lines(by_value[1])}) "
                           f"and second ({_lines(by_value[0])})")
            )
        else:
            group = next(iter(by_value.values()))
            repeats.extend((where, group[0]) for where in group[1:])
    if problems:
        problems.sort()
        shown = [f"  line {where}: {message}" for where, message in problems[:50]]
        if len(problems) > 50:
            shown.append(f"  ... and {len(problems) - 50} more")
        raise CampaignError(
            f"labels {path}: {plural(len(problems), 'problem')}, so no label was used:\n"
            + "\n".join(shown)
        )
    kept = sorted(first_entry.values())
    labels = Labels(
        path,
        [entries[k][1] for k in kept],
        np.asarray(rows[kept], dtype=np.intp),
        np.array([entries[k][2] for k in kept], dtype=np.int64),
        np.array([entries[k][0] for k in kept], dtype=np.int64),
        sorted(repeats),
        columns,
        {columns[c]: [extra_rows[k][j] for k in kept] for j, c in enumerate(others)},
    )
    labels.unfinished_line = unfinished
    return labels


def _lines(numbers):
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(map(str, numbers))


def _empty(path):
    return Labels(
        path, [], np.empty(0, dtype=np.intp), np.empty(0, dtype=np.int64),
        np.empty(0, dtype=np.int64), [], list(REQUIRED_COLUMNS), {},
    )


def _check_header(path, columns):
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    if duplicated:
        raise CampaignError(
            f"labels {path}: line 1: duplicated column names: {listing(duplicated)}."
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise CampaignError(
            f"labels {path}: line 1: the header must name the columns pair_id and "
            f"label (missing: {', '.join(missing)}; got: {','.join(columns)})."
        )
