"""Reading the user's text: pairs, hh-rlhf, UltraFeedback and single responses.

Every format is read into one :class:`TextPairs` (or, for single responses,
:class:`TextResponses`) with the source line of every record, so that every
message names the line (JSONL and CSV, the header being line 1) or row
(Parquet, from 0) at fault.

Formats (``--format``; ``auto`` picks one from the first record's keys):

``pairs``
    JSONL (``.jsonl``/``.json``, also ``.gz``), CSV (``.csv``, also ``.gz``;
    quoted fields may span lines) or Parquet with the columns ``prompt``,
    ``response_a``, ``response_b``, and optionally ``pair_id`` (unique; when
    absent, generated from the content, see :func:`content_id`) and
    ``label`` (``a``, ``b`` or ``tie``; empty for no label). The pool keeps
    the file's orientation: ``response_a`` is the first item.
``hh-rlhf``
    The Anthropic format: JSONL (or ``.jsonl.gz``) with ``chosen`` and
    ``rejected``, each a full dialogue. The prompt is everything before the
    last ``"\\n\\nAssistant:"``, the response everything after it, both
    stripped. A record whose two prompts differ, whose responses are
    identical or that has no assistant turn is dropped and reported.
``ultrafeedback``
    The binarized format: ``chosen`` and ``rejected`` as message lists
    (``{"role", "content"}``; the last is the assistant's response, the ones
    before it the prompt, which may also be given as ``prompt``: a string or
    a message list) or as flat strings with a string ``prompt``. Records
    whose prompts differ or whose responses are identical are dropped and
    reported.
``responses``
    Single responses, for scoring: ``prompt``, ``response`` and optionally
    ``response_id`` (generated from the content when absent).

For hh-rlhf and UltraFeedback the chosen response is first or second by a
seeded coin flip per pair (:func:`orientation`), and the known preference is
the pair's label (``first`` or ``second``).
"""

import csv
import gzip
import hashlib
import io
import json
import os

import numpy as np

from ..exceptions import InputError
from .._text import plural

#: The formats ``skpref embed`` reads.
FORMATS = ("pairs", "hh-rlhf", "ultrafeedback", "responses")

#: File extensions (after an optional ``.gz``) of each container.
_JSONL = (".jsonl", ".json", ".ndjson")
_CSV = (".csv",)
_PARQUET = (".parquet",)

#: The last assistant turn of an hh-rlhf dialogue starts here.
ASSISTANT_MARKER = "\n\nAssistant:"

#: Labels of the pairs format and the answer each means.
PAIR_LABELS = {"a": "first", "b": "second", "tie": "tie"}

#: Problems listed in one message, at most.
_SHOWN = 20


class EmbedError(InputError):
    """A problem with the input text, the options or the model (exit status 1)."""


def _where(container, number):
    return f"row {number}" if container == "parquet" else f"line {number}"


class TextPairs:
    """Pairs of responses to a prompt, as read from a file.

    Attributes
    ----------
    format : str
    ids, prompts, first, second : list of str
        One entry per kept pair, in file order; ``first`` and ``second`` in
        the pool's orientation.
    labels : list of str or None
        ``"first"``, ``"second"``, ``"tie"`` or None (no label) per pair.
    lines : list of int
        The source line (or row) of each pair.
    dropped : dict of str to list of int
        Why records were dropped, and their lines.
    repeated : int
        Pairs whose texts repeat an earlier pair's (kept; their generated
        ids get ``-2``, ``-3``, ...).
    where : str
        ``"line"`` or ``"row"``: what ``lines`` count.
    """

    kind = "pairs"

    def __init__(self, format, where="line"):
        self.format = format
        self.where = where
        self.ids, self.prompts, self.first, self.second = [], [], [], []
        self.labels, self.lines = [], []
        self.dropped = {}
        self.repeated = 0

    def __len__(self):
        return len(self.ids)

    def drop(self, reason, line):
        self.dropped.setdefault(reason, []).append(line)

    @property
    def n_labeled(self):
        """Pairs with a known preference."""
        return sum(label is not None for label in self.labels)


class TextResponses:
    """Single responses to prompts (``--format responses``).

    Attributes
    ----------
    ids, prompts, responses : list of str
    lines : list of int
    """

    kind = "responses"
    format = "responses"

    def __init__(self, where="line"):
        self.where = where
        self.ids, self.prompts, self.responses, self.lines = [], [], [], []
        self.dropped = {}
        self.labels = []
        self.repeated = 0

    def __len__(self):
        return len(self.ids)

    n_labeled = 0


def content_id(prefix, *texts):
    """A stable id from the content: ``prefix`` + the first 16 hex digits of a sha256.

    The digest is of the JSON list of the texts, so the id depends on the
    texts alone (not on their position in the file or on any seed).

    Examples
    --------
    >>> content_id("pair-", "Why?", "Because.", "No idea.")
    'pair-131277c657c6cccf'
    """
    digest = hashlib.sha256(json.dumps(list(texts), ensure_ascii=False).encode("utf-8"))
    return prefix + digest.hexdigest()[:16]


def orientation(pair_ids, seed):
    """Whether each pair is shown swapped (the chosen response second), by a seeded coin.

    The coin of a pair is the lowest bit of ``sha256(f"{seed}:{pair_id}")``,
    so a pair keeps its orientation when other records are added or
    removed, and about half the pairs are swapped (both labels occur, as
    the benchmark protocol asks).

    Examples
    --------
    >>> orientation(["pair-a", "pair-b", "pair-c", "pair-d"], seed=0).tolist()
    [False, False, True, False]
    """
    flips = [
        hashlib.sha256(f"{seed}:{pair_id}".encode("utf-8")).digest()[-1] & 1
        for pair_id in pair_ids
    ]
    return np.array(flips, dtype=bool)


# -- containers ------------------------------------------------------------------


def container_of(path):
    """``("jsonl" | "csv" | "parquet", compressed)`` from the file name.

    Examples
    --------
    >>> container_of("train.jsonl.gz"), container_of("pairs.CSV")
    (('jsonl', True), ('csv', False))
    """
    name = os.path.basename(os.fspath(path)).lower()
    compressed = name.endswith(".gz")
    if compressed:
        name = name[:-3]
    for container, extensions in (("jsonl", _JSONL), ("csv", _CSV), ("parquet", _PARQUET)):
        if name.endswith(extensions):
            if container == "parquet" and compressed:
                break
            return container, compressed
    raise EmbedError(
        f"input {path}: unknown file type; give a .jsonl, .csv or .parquet file "
        "(.jsonl.gz and .csv.gz too)."
    )


def _open_binary(path, compressed):
    from ..campaign._files import open_input

    try:
        handle = open_input(path, "input")
    except InputError as error:
        raise EmbedError(str(error)) from None
    if not compressed:
        return handle
    start = handle.read(2)
    handle.seek(0)
    if start and start != b"\x1f\x8b":
        handle.close()
        raise EmbedError(f"input {path}: named .gz but not gzip-compressed.")
    return gzip.GzipFile(fileobj=handle, mode="rb")


def _text_lines(path, handle):
    """``(line number, text)`` of a binary file, decoded strictly as UTF-8."""
    number = 0
    try:
        for raw in handle:
            number += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise EmbedError(
                    f"input {path}: line {number} is not UTF-8 text (byte "
                    f"{raw[error.start]:#04x} at column {error.start + 1}: {error.reason}); "
                    "save the file as UTF-8."
                ) from None
            if number == 1 and text.startswith("\ufeff"):
                text = text[1:]
            yield number, text
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        if isinstance(error, EmbedError):
            raise
        raise EmbedError(
            f"input {path}: cannot be read after line {number} ({error}); is it truncated?"
        ) from None


def _jsonl_records(path, handle):
    problems = []
    for number, text in _text_lines(path, handle):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except ValueError as error:
            problems.append((number, f"not JSON ({error.msg} at column {error.colno})"))
            continue
        if not isinstance(record, dict):
            problems.append((number, f"a JSON {type(record).__name__}, not an object"))
            continue
        yield number, record
    _raise_problems(path, problems, "line")


def _csv_records(path, handle):
    lines = _text_lines(path, handle)
    current = [0]

    def source():
        for number, text in lines:
            current[0] = number
            yield text

    reader = csv.reader(source(), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        header = [name.strip() for name in header]
        duplicated = sorted({name for name in header if header.count(name) > 1})
        if duplicated:
            raise EmbedError(f"input {path}: line 1: duplicated columns {', '.join(duplicated)}.")
        start = current[0] + 1
        for fields in reader:
            line = start
            start = current[0] + 1
            if not any(field.strip() for field in fields):
                continue
            if len(fields) != len(header):
                raise EmbedError(
                    f"input {path}: line {line}: {plural(len(fields), 'field')}, the header has "
                    f"{len(header)} ({','.join(header)})."
                )
            yield line, dict(zip(header, fields))
    except csv.Error as error:
        raise EmbedError(f"input {path}: line {current[0]}: malformed CSV ({error}).") from None


def _parquet_records(path, handle):
    try:
        import pandas as pd
    except ImportError:
        raise EmbedError(
            f"input {path}: reading Parquet needs pandas and pyarrow: "
            "pip install 'skpref[parquet]'."
        ) from None
    try:
        frame = pd.read_parquet(handle)
    except ImportError as error:
        raise EmbedError(f"input {path}: reading Parquet needs pyarrow ({error}).") from None
    except Exception as error:  # pyarrow raises its own types for damaged files
        raise EmbedError(f"input {path}: not a readable Parquet file ({error}).") from None
    columns = [str(name) for name in frame.columns]
    for number, values in enumerate(frame.itertuples(index=False, name=None)):
        record = {}
        for name, value in zip(columns, values):
            if isinstance(value, np.ndarray):  # a list column (UltraFeedback messages)
                value = value.tolist()
            elif np.ndim(value) == 0 and not isinstance(value, str) and pd.isna(value):
                value = None  # a missing value, NaN or None alike
            record[name] = value
        yield number, record


def _raise_problems(path, problems, where):
    if not problems:
        return
    shown = [f"  {where} {number}: {message}" for number, message in problems[:_SHOWN]]
    if len(problems) > _SHOWN:
        shown.append(f"  ... and {len(problems) - _SHOWN} more")
    raise EmbedError(
        f"input {path}: {len(problems)} bad record{'s' if len(problems) != 1 else ''}, so "
        "nothing was embedded:\n" + "\n".join(shown)
    )


def records(path):
    """The records of ``path`` (JSONL, CSV or Parquet, maybe gzipped), with their lines.

    Returns
    -------
    container : str
        ``"jsonl"``, ``"csv"`` or ``"parquet"``.
    handle : file object
        The open file; the caller closes it.
    records : iterator of (int, dict)
        ``(line, record)`` (``(row, record)`` for Parquet).
    """
    container, compressed = container_of(path)
    handle = _open_binary(path, compressed)
    reader = {"jsonl": _jsonl_records, "csv": _csv_records, "parquet": _parquet_records}
    return container, handle, reader[container](path, handle)


# -- formats ---------------------------------------------------------------------


def detect_format(record):
    """The format of a record, from its keys (``--format auto``).

    Examples
    --------
    >>> detect_format({"chosen": "\\n\\nHuman: Hi\\n\\nAssistant: Hello", "rejected": "..."})
    'hh-rlhf'
    >>> detect_format({"prompt": "Hi", "chosen": [{"role": "user", "content": "Hi"}],
    ...                "rejected": []})
    'ultrafeedback'
    >>> detect_format({"prompt": "Hi", "response_a": "Hello", "response_b": "Hey"})
    'pairs'
    """
    keys = set(record)
    if {"response_a", "response_b"} & keys:
        return "pairs"
    if {"chosen", "rejected"} <= keys:
        chosen = record["chosen"]
        if isinstance(chosen, str) and "prompt" not in keys:
            return "hh-rlhf"
        return "ultrafeedback"
    if "response" in keys:
        return "responses"
    return None


def _text_field(record, name, problems, number):
    value = record.get(name)
    if isinstance(value, str):
        return value
    if value is None and name not in record:
        problems.append((number, f"no {name!r}"))
    else:
        problems.append((number, f"{name!r} must be a string, got {_type_name(value)}"))
    return None


def _type_name(value):
    return "null" if value is None else type(value).__name__


def _missing_columns(path, container, first, needed, format):
    number, record = first
    missing = [name for name in needed if name not in record]
    if missing:
        raise EmbedError(
            f"input {path}: {_where(container, number)}: no column "
            f"{', '.join(repr(m) for m in missing)}; the {format} format needs "
            f"{', '.join(needed)} (found: {', '.join(sorted(record)) or 'none'})."
        )


def read_text(path, format="auto", *, seed=0):
    """Read a file of pairs (or single responses) in one of :data:`FORMATS`.

    Parameters
    ----------
    path : str
    format : {"auto", "pairs", "hh-rlhf", "ultrafeedback", "responses"}, default="auto"
    seed : int, default=0
        Seeds the orientation of hh-rlhf and UltraFeedback pairs
        (:func:`orientation`).

    Returns
    -------
    TextPairs or TextResponses

    Raises
    ------
    EmbedError
        An empty file, a missing column, a line that is not UTF-8 or not
        JSON, a value of the wrong type, a repeated or empty ``pair_id``, an
        unknown label: every message names its line (or row).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "pairs.jsonl")
    >>> with open(path, "w") as f:
    ...     _ = f.write('{"prompt": "Hi", "response_a": "Hello!", "response_b": "Go away."}\\n')
    >>> pairs = read_text(path)
    >>> pairs.format, pairs.ids, pairs.first, pairs.labels
    ('pairs', ['pair-7155d75f2887a561'], ['Hello!'], [None])
    """
    path = os.fspath(path)
    if format != "auto" and format not in FORMATS:
        raise EmbedError(f"unknown format {format!r}; choose auto or one of {', '.join(FORMATS)}.")
    container, handle, stream = records(path)
    with handle:
        first = next(stream, None)
        if first is None:
            raise EmbedError(f"input {path}: the file is empty (no records).")
        if format == "auto":
            format = detect_format(first[1])
            if format is None:
                raise EmbedError(
                    f"input {path}: {_where(container, first[0])}: cannot tell the format from "
                    f"the columns {', '.join(sorted(first[1])) or '(none)'}; pairs need prompt, "
                    "response_a, response_b; hh-rlhf chosen, rejected; responses prompt, "
                    "response (or give --format)."
                )
        needed = {
            "pairs": ("prompt", "response_a", "response_b"),
            "hh-rlhf": ("chosen", "rejected"),
            "ultrafeedback": ("chosen", "rejected"),
            "responses": ("prompt", "response"),
        }[format]
        _missing_columns(path, container, first, needed, format)
        stream = _chain(first, stream)
        where = "row" if container == "parquet" else "line"
        parse = {
            "pairs": _parse_pairs, "hh-rlhf": _parse_hh, "ultrafeedback": _parse_ultrafeedback,
            "responses": _parse_responses,
        }[format]
        table = parse(path, stream, where, seed)
    if not len(table):
        reasons = "; ".join(f"{reason}: {len(lines)}" for reason, lines in table.dropped.items())
        raise EmbedError(
            f"input {path}: no pair is left to embed ({reasons or 'no records'})."
        )
    return table


def _chain(first, rest):
    yield first
    yield from rest


def _unique_ids(path, table, given, where):
    """Check given ids; generate the others from the content, numbering repeats."""
    seen = {}
    problems = []
    for k, pair_id in enumerate(table.ids):
        if pair_id in seen:
            if given[k]:
                problems.append(
                    (table.lines[k], f"pair id {pair_id!r} repeats {where} {seen[pair_id]}")
                )
                continue
            count = 2
            while f"{pair_id}-{count}" in seen:
                count += 1
            table.ids[k] = f"{pair_id}-{count}"
            table.repeated += 1
        seen[table.ids[k]] = table.lines[k]
    _raise_problems(path, problems, where)


def _parse_pairs(path, stream, where, seed):
    table = TextPairs("pairs", where)
    problems, given = [], []
    for number, record in stream:
        texts = [_text_field(record, name, problems, number)
                 for name in ("prompt", "response_a", "response_b")]
        pair_id = record.get("pair_id")
        if pair_id is not None and not isinstance(pair_id, str):
            if isinstance(pair_id, (int, np.integer)) and not isinstance(pair_id, bool):
                pair_id = str(pair_id)
            else:
                problems.append((number, f"'pair_id' must be a string, got {_type_name(pair_id)}"))
                continue
        if pair_id is not None:
            pair_id = pair_id.strip()
            if not pair_id:
                pair_id = None if "pair_id" not in record else ""
        if pair_id == "":
            problems.append((number, "empty pair_id"))
            continue
        label = record.get("label")
        if label is not None and not isinstance(label, str):
            problems.append((number, f"'label' must be a, b or tie, got {label!r}"))
            continue
        label = (label or "").strip().lower()
        if label and label not in PAIR_LABELS:
            problems.append((number, f"label {label!r} is not a, b or tie (or empty)"))
            continue
        if any(text is None for text in texts):
            continue
        prompt, a, b = texts
        table.ids.append(pair_id if pair_id is not None else content_id("pair-", prompt, a, b))
        given.append(pair_id is not None)
        table.prompts.append(prompt)
        table.first.append(a)
        table.second.append(b)
        table.labels.append(PAIR_LABELS[label] if label else None)
        table.lines.append(number)
    _raise_problems(path, problems, where)
    _unique_ids(path, table, given, where)
    return table


def split_dialogue(dialogue):
    """``(prompt, response)`` of an hh-rlhf dialogue, or None without an assistant turn.

    The prompt is everything before the last ``"\\n\\nAssistant:"``, the
    response everything after it, both stripped.

    Examples
    --------
    >>> split_dialogue("\\n\\nHuman: Hi\\n\\nAssistant: Hello\\n\\nHuman: Bye\\n\\nAssistant: Bye!")
    ('Human: Hi\\n\\nAssistant: Hello\\n\\nHuman: Bye', 'Bye!')
    >>> split_dialogue("\\n\\nHuman: Hi") is None
    True
    """
    at = dialogue.rfind(ASSISTANT_MARKER)
    if at < 0:
        return None
    return dialogue[:at].strip(), dialogue[at + len(ASSISTANT_MARKER):].strip()


def _add_known(table, number, prompt, chosen, rejected):
    table.ids.append(content_id("pair-", prompt, chosen, rejected))
    table.prompts.append(prompt)
    table.first.append(chosen)
    table.second.append(rejected)
    table.labels.append("first")
    table.lines.append(number)


def _orient(table, seed):
    """Swap the chosen response to second place where :func:`orientation` says so."""
    for k in np.flatnonzero(orientation(table.ids, seed)).tolist():
        table.first[k], table.second[k] = table.second[k], table.first[k]
        table.labels[k] = "second"


def _parse_hh(path, stream, where, seed):
    table = TextPairs("hh-rlhf", where)
    problems = []
    for number, record in stream:
        chosen = _text_field(record, "chosen", problems, number)
        rejected = _text_field(record, "rejected", problems, number)
        if chosen is None or rejected is None:
            continue
        one, other = split_dialogue(chosen), split_dialogue(rejected)
        if one is None or other is None:
            table.drop("no assistant turn", number)
        elif one[0] != other[0]:
            table.drop("prompts differ", number)
        elif one[1] == other[1]:
            table.drop("identical responses", number)
        else:
            _add_known(table, number, one[0], one[1], other[1])
    _raise_problems(path, problems, where)
    _unique_ids(path, table, [False] * len(table), where)
    _orient(table, seed)
    return table


#: How the message roles of UltraFeedback are written in an hh-rlhf prompt.
_ROLES = {"user": "Human", "human": "Human", "assistant": "Assistant", "system": "System"}


def _messages(value):
    """A list of ``(role, content)``, or None if ``value`` is not a message list."""
    if not isinstance(value, list):
        return None
    messages = []
    for message in value:
        if not (isinstance(message, dict) and isinstance(message.get("content"), str)
                and isinstance(message.get("role"), str)):
            return None
        messages.append((message["role"].lower(), message["content"]))
    return messages


def _render_turns(turns):
    """hh-rlhf form of prompt turns; one user message stays as it is (see render_prompt)."""
    if len(turns) == 1 and turns[0][0] in ("user", "human"):
        return turns[0][1].strip()
    return "\n\n".join(f"{_ROLES.get(role, role.title())}: {text.strip()}" for role, text in turns)


def _ultrafeedback_side(record, name, prompt_turns, problems, number):
    """``(prompt turns, response)`` of one side of an UltraFeedback record."""
    value = record.get(name)
    if isinstance(value, str):
        if prompt_turns is None:
            problems.append((number, f"{name!r} is a string, so 'prompt' must be given"))
            return None
        return prompt_turns, value.strip()
    messages = _messages(value)
    if messages is None:
        problems.append(
            (number, f"{name!r} must be a list of {{role, content}} messages or a string")
        )
        return None
    if not messages or messages[-1][0] != "assistant":
        problems.append((number, f"the last message of {name!r} is not the assistant's"))
        return None
    turns = messages[:-1]  # a conversation that holds its prompt
    if not turns:
        if prompt_turns is None:
            problems.append((number, f"{name!r} has no prompt and 'prompt' is not given"))
            return None
        turns = prompt_turns
    return turns, messages[-1][1].strip()


def _parse_ultrafeedback(path, stream, where, seed):
    table = TextPairs("ultrafeedback", where)
    problems = []
    for number, record in stream:
        prompt = record.get("prompt")
        if isinstance(prompt, str):
            prompt_turns = [("user", prompt)]
        elif prompt is None:
            prompt_turns = None
        else:
            prompt_turns = _messages(prompt)
            if prompt_turns is None:
                problems.append((number, "'prompt' must be a string or a message list"))
                continue
        sides = [_ultrafeedback_side(record, name, prompt_turns, problems, number)
                 for name in ("chosen", "rejected")]
        if any(side is None for side in sides):
            continue
        (chosen_turns, chosen), (rejected_turns, rejected) = sides
        if [(r, t.strip()) for r, t in chosen_turns] != [(r, t.strip()) for r, t in rejected_turns]:
            table.drop("prompts differ", number)
        elif chosen == rejected:
            table.drop("identical responses", number)
        else:
            _add_known(table, number, _render_turns(chosen_turns), chosen, rejected)
    _raise_problems(path, problems, where)
    _unique_ids(path, table, [False] * len(table), where)
    _orient(table, seed)
    return table


def _parse_responses(path, stream, where, seed):
    table = TextResponses(where)
    problems, given = [], []
    for number, record in stream:
        prompt = _text_field(record, "prompt", problems, number)
        response = _text_field(record, "response", problems, number)
        response_id = record.get("response_id")
        if response_id is not None and not isinstance(response_id, str):
            if isinstance(response_id, (int, np.integer)) and not isinstance(response_id, bool):
                response_id = str(response_id)
            else:
                problems.append((number, "'response_id' must be a string"))
                continue
        if response_id is not None and not response_id.strip():
            problems.append((number, "empty response_id"))
            continue
        if prompt is None or response is None:
            continue
        table.ids.append(
            response_id.strip() if response_id is not None
            else content_id("response-", prompt, response)
        )
        given.append(response_id is not None)
        table.prompts.append(prompt)
        table.responses.append(response)
        table.lines.append(number)
    _raise_problems(path, problems, where)
    _unique_ids(path, table, given, where)
    return table


def labels_csv(table):
    """The labels file of the known preferences: ``pair_id,label`` (``first``/``second``/``tie``).

    Examples
    --------
    >>> table = TextPairs("pairs")
    >>> table.ids, table.labels = ["p1", "p2", "p3"], ["first", None, "tie"]
    >>> print(labels_csv(table), end="")
    pair_id,label
    p1,first
    p3,tie
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["pair_id", "label"])
    for pair_id, label in zip(table.ids, table.labels):
        if label is not None:
            writer.writerow([pair_id, label])
    return buffer.getvalue()
