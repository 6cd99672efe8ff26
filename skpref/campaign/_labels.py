"""Label files: the only state of a campaign, read strictly and never written.

A label file is a regular UTF-8 CSV file with a header line naming at least
the columns ``pair_id`` and ``label`` (any order; other columns, such as an
annotator, a timestamp or a free-text note, are allowed and kept as they
are). Each further line labels one pair of the pool:

* ``label`` is ``first`` or ``1`` when the first item of the pair (as the
  pool orients it) was preferred, ``second`` or ``0`` when the second was,
  ``tie`` when the two are equally good, ``skip`` when the annotator cannot
  judge (any letter case). ``first`` is ``y = 1`` for the pool's row
  ``phi(first) - phi(second)``: the labels reach the model as numbers, never
  as strings;
* a **tie** counts as half a preference each way: the soft label ``y = 1/2``,
  fitted as the two rows ``(x, 1)`` and ``(x, 0)`` at weight 1/2 each, whose
  log-loss is exactly that of the soft label (see :meth:`Labels.training_set`);
* a **skip** is recorded and counted, never fitted, and the pair is never
  proposed again. A pair that is skipped on one line and answered on another
  counts as answered (the skip is named in a note): the answer is what was
  paid for;
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
labeled more than once with different answers (``first``, ``second`` and
``tie`` are three different answers). Any of them stops the
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

from .._text import plural
from ._errors import CampaignError, listing
from ._files import open_input, physical_lines, record_splitter

#: Accepted spellings of each answer (after stripping and lower-casing) and the answer they mean.
LABEL_VALUES = {
    "first": "first", "1": "first", "second": "second", "0": "second", "tie": "tie",
    "skip": "skip",
}

#: The answers, in the order messages list them.
ANSWER_ORDER = ("first", "second", "tie", "skip")

#: The soft label ``y`` of each answer that is fitted (``skip`` is not).
SOFT_LABELS = {"first": 1.0, "second": 0.0, "tie": 0.5}

#: The columns every label file must have.
REQUIRED_COLUMNS = ("pair_id", "label")


class Labels:
    """The answers of a campaign, one per answered pair, in file order.

    Parameters
    ----------
    path : str
    pair_ids : list of str
        Pairs answered ``first``, ``second`` or ``tie``, in the order of their
        first line.
    rows : ndarray of int
        Their rows in the pool.
    answers : sequence of str
        ``"first"``, ``"second"`` or ``"tie"`` for each of them.
    lines : ndarray of int
        The line that first answered each pair.
    repeats : list of (int, int)
        ``(line, first_line)`` of every repeated identical answer.
    columns : list of str
        The header of the file.
    extra : dict of str to list of str
        The other columns of each answered pair's first line.
    unfinished_line : int or None, default=None
    skipped : tuple (pair_ids, rows, lines), optional
        The pairs answered ``skip`` only (no other answer).
    overruled_skips : list of (int, int), optional
        ``(skip_line, answer_line)`` of skips of pairs that were also answered.

    Attributes
    ----------
    y : ndarray of float
        The soft label of every fitted pair: 1 (first preferred), 0 (second
        preferred) or 1/2 (a tie).
    skipped_ids : list of str
    skipped_rows, skipped_lines : ndarray of int
        The skipped pairs: recorded, never fitted, never proposed again.
    unfinished_line : int or None
        The last line, when it has no line break yet (it was not read as a
        label; see the module's docstring), else None.

    Examples
    --------
    >>> import numpy as np
    >>> labels = Labels("labels.csv", ["a", "b"], np.array([0, 1]), ["first", "tie"],
    ...                 np.array([2, 3]), [], ["pair_id", "label"], {})
    >>> labels.y.tolist(), labels.counts()
    ([1.0, 0.5], {'first': 1, 'second': 0, 'tie': 1, 'skip': 0})
    >>> X, y, weight = labels.training_set(np.array([[1.0, 0.0], [0.0, 2.0]]))
    >>> X.tolist(), y.tolist(), weight.tolist()
    ([[1.0, 0.0], [0.0, 2.0], [0.0, 2.0]], [1, 1, 0], [1.0, 0.5, 0.5])
    """

    def __init__(self, path, pair_ids, rows, answers, lines, repeats, columns, extra,
                 unfinished_line=None, skipped=None, overruled_skips=()):
        self.unfinished_line = unfinished_line
        self.path = path
        self.pair_ids = list(pair_ids)
        self.rows = np.asarray(rows, dtype=np.intp)
        self.answers = np.asarray(answers, dtype="<U6").reshape(-1)
        unknown = sorted(set(self.answers.tolist()) - set(SOFT_LABELS))
        if unknown:
            raise ValueError(f"answers must be first, second or tie, got {unknown}")
        self.y = np.array([SOFT_LABELS[a] for a in self.answers.tolist()], dtype=np.float64)
        self.lines = np.asarray(lines, dtype=np.int64)
        self.repeats = repeats
        self.columns = columns
        self.extra = extra
        ids, skipped_rows, skipped_lines = skipped if skipped is not None else ([], [], [])
        self.skipped_ids = list(ids)
        self.skipped_rows = np.asarray(skipped_rows, dtype=np.intp)
        self.skipped_lines = np.asarray(skipped_lines, dtype=np.int64)
        self.overruled_skips = list(overruled_skips)

    def __len__(self):
        """The number of fitted answers (``first``, ``second``, ``tie``); skips excluded."""
        return len(self.pair_ids)

    @property
    def answered_rows(self):
        """Pool rows of every answered pair, skipped ones included (never proposed again)."""
        return np.concatenate([self.rows, self.skipped_rows]).astype(np.intp)

    def counts(self):
        """``{"first": n, "second": n, "tie": n, "skip": n}``."""
        found = {answer: int(np.sum(self.answers == answer)) for answer in SOFT_LABELS}
        found["skip"] = len(self.skipped_ids)
        return found

    def training_set(self, X):
        """The rows the model is fitted on, with their labels and weights.

        A decisive answer is the row ``(x, y)`` at weight 1; a tie is the two
        rows ``(x, 1)`` and ``(x, 0)`` at weight 1/2 each, so that its
        contribution ``-(1/2) log sigma(z) - (1/2) log sigma(-z)`` is the
        log-loss of the soft label 1/2 (the model stays antisymmetric: the
        mirrored row ``(-x, 1 - y)`` of either is the other).

        Parameters
        ----------
        X : ndarray of shape (n_pool, n_features)
            The pool's comparison rows.

        Returns
        -------
        X_train : ndarray of shape (n_rows, n_features)
        y_train : ndarray of int, shape (n_rows,)
        sample_weight : ndarray of float, shape (n_rows,)
        """
        tie = self.answers == "tie"
        decisive = ~tie
        rows = np.concatenate([self.rows[decisive], self.rows[tie], self.rows[tie]])
        y = np.concatenate([
            (self.answers[decisive] == "first").astype(np.int64),
            np.ones(int(tie.sum()), dtype=np.int64), np.zeros(int(tie.sum()), dtype=np.int64),
        ])
        weight = np.concatenate([np.ones(int(decisive.sum())), np.full(2 * int(tie.sum()), 0.5)])
        return X[rows], y, weight

    def subset(self, keep):
        """The fitted answers at positions ``keep`` (an index array), without skips or notes."""
        keep = np.asarray(keep, dtype=np.intp)
        return Labels(
            self.path, [self.pair_ids[k] for k in keep], self.rows[keep], self.answers[keep],
            self.lines[keep], [], self.columns,
            {name: [values[k] for k in keep] for name, values in self.extra.items()},
        )

    def repeats_note(self):
        """A one-line note on repeated identical labels, or ``None``."""
        if not self.repeats:
            return None
        described = listing(f"line {line} repeats line {first}" for line, first in self.repeats)
        return (
            f"{self.path}: {plural(len(self.repeats), 'repeated label')} counted once "
            f"({described})."
        )

    def overruled_note(self):
        """A one-line note on skips of pairs that were also answered, or ``None``."""
        if not self.overruled_skips:
            return None
        described = listing(
            f"line {skip} (answered on line {answer})" for skip, answer in self.overruled_skips
        )
        return (
            f"{self.path}: {plural(len(self.overruled_skips), 'skip')} of pairs that were also "
            f"answered; the answer counts: {described}."
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
        """Every note on the file (repeats, overruled skips, an unfinished last line)."""
        notes = (self.repeats_note(), self.overruled_note(), self.unfinished_note())
        return [note for note in notes if note]


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
    >>> from skpref.campaign import Pool
    >>> pool = Pool(np.array(["p1", "p2", "p3"]), np.eye(3), "pool.npz")
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("pair_id,label,annotator\\np2,first,ann\\np1,0,bob\\np2,1,eve\\n")
    >>> labels = read_labels(path, pool)
    >>> labels.pair_ids, labels.y.tolist(), labels.repeats
    (['p2', 'p1'], [1.0, 0.0], [(4, 2)])
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
      line 7: label 'maybe' is not one of first, second, 1, 0, tie, skip
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
                    (line, f"expected {plural(len(columns), 'field')} ({','.join(columns)}), "
                           f"got {len(fields)}")
                )
                continue
            pair_id, label = stripped[id_at], stripped[label_at]
            if not pair_id:
                problems.append((line, "empty pair_id"))
                continue
            value = LABEL_VALUES.get(label.lower())
            if value is None:
                problems.append(
                    (line, f"label {label!r} is not one of first, second, 1, 0, tie, skip")
                )
                continue
            entries.append((line, pair_id, value))
            extra_rows.append([fields[k] for k in others])
    if columns is None:
        return _empty(path)

    rows = pool.positions([pair_id for _, pair_id, _ in entries])
    for (where, pair_id, _), row in zip(entries, rows):
        if row < 0:
            problems.append((where, f"unknown pair_id {pair_id!r} (not in the pool)"))

    # One answer per pair: identical repeats count once, different answers stop; a skip
    # gives way to an answer of the same pair.
    answers = {}
    for k, (where, pair_id, value) in enumerate(entries):
        if rows[k] >= 0:
            answers.setdefault(pair_id, {}).setdefault(value, []).append((where, k))
    repeats, kept, skipped, overruled = [], [], [], []
    for pair_id, by_value in answers.items():
        decided = [value for value in ANSWER_ORDER if value in by_value and value != "skip"]
        if len(decided) > 1:
            first_line = min(where for group in by_value.values() for where, _ in group)
            described = [
                f"{value} ({_lines([where for where, _ in by_value[value]])})"
                for value in decided
            ]
            joined = (
                f"both {described[0]} and {described[1]}" if len(described) == 2
                else ", ".join(described[:-1]) + f" and {described[-1]}"
            )
            problems.append((first_line, f"pair_id {pair_id!r} labeled {joined}"))
            continue
        value = decided[0] if decided else "skip"
        group = by_value[value]
        repeats.extend((where, group[0][0]) for where, _ in group[1:])
        (kept if decided else skipped).append(group[0][1])
        if decided and "skip" in by_value:
            overruled.extend((where, group[0][0]) for where, _ in by_value["skip"])
    if problems:
        problems.sort()
        shown = [f"  line {where}: {message}" for where, message in problems[:50]]
        if len(problems) > 50:
            shown.append(f"  ... and {len(problems) - 50} more")
        raise CampaignError(
            f"labels {path}: {plural(len(problems), 'problem')}, so no label was used:\n"
            + "\n".join(shown)
        )
    kept.sort()
    skipped.sort()
    return Labels(
        path,
        [entries[k][1] for k in kept],
        np.asarray(rows[kept], dtype=np.intp),
        [entries[k][2] for k in kept],
        np.array([entries[k][0] for k in kept], dtype=np.int64),
        sorted(repeats),
        columns,
        {columns[c]: [extra_rows[k][j] for k in kept] for j, c in enumerate(others)},
        unfinished_line=unfinished,
        skipped=(
            [entries[k][1] for k in skipped], np.asarray(rows[skipped], dtype=np.intp),
            np.array([entries[k][0] for k in skipped], dtype=np.int64),
        ),
        overruled_skips=sorted(overruled),
    )


def _lines(numbers):
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(map(str, numbers))


def _empty(path):
    return Labels(
        path, [], np.empty(0, dtype=np.intp), [], np.empty(0, dtype=np.int64), [],
        list(REQUIRED_COLUMNS), {},
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
