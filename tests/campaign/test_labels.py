"""The label file: every bad line is reported by its line number, nothing is dropped."""

import os

import numpy as np
import pytest

from skpref.campaign._errors import CampaignError
from skpref.campaign._labels import read_labels
from skpref.campaign._pool import Pool

from ._helpers import write_labels


@pytest.fixture
def pool():
    ids = np.array(["a", "b", "c", "d", "e"])
    return Pool(ids, np.arange(10.0).reshape(5, 2), "pool.npz")


def error_of(path, pool):
    with pytest.raises(CampaignError) as caught:
        read_labels(path, pool)
    return str(caught.value)


def test_labels_in_file_order_extras_kept(tmp_path, pool):
    path = write_labels(
        tmp_path / "labels.csv",
        ["c,first,ann,2026-01-01", " a , SECOND ,bob,2026-01-02", "", "e,1,eve,x", "b,0,eve,y"],
        header="pair_id,label,annotator,time",
    )
    labels = read_labels(path, pool)
    assert labels.pair_ids == ["c", "a", "e", "b"]
    assert labels.rows.tolist() == [2, 0, 4, 1]
    assert labels.y.tolist() == [1, 0, 1, 0]
    assert labels.lines.tolist() == [2, 3, 5, 6]  # the blank line 4 holds no label
    assert labels.extra == {
        "annotator": ["ann", "bob", "eve", "eve"],
        "time": ["2026-01-01", "2026-01-02", "x", "y"],
    }
    assert labels.repeats == [] and labels.repeats_note() is None


def test_columns_in_any_order_crlf_and_bom(tmp_path, pool):
    path = tmp_path / "labels.csv"
    path.write_bytes("\ufefflabel,who,pair_id\r\nfirst,x,b\r\n0,y,d\r\n".encode("utf-8"))
    labels = read_labels(str(path), pool)
    assert labels.pair_ids == ["b", "d"] and labels.y.tolist() == [1, 0]


@pytest.mark.parametrize("content", ["", "pair_id,label\n", "pair_id,label,annotator\n\n\n"])
def test_empty_or_header_only_is_a_cold_start(tmp_path, pool, content):
    path = tmp_path / "labels.csv"
    path.write_text(content)
    labels = read_labels(str(path), pool)
    assert len(labels) == 0 and labels.rows.dtype == np.intp


def test_missing_file_is_an_error_with_a_hint(tmp_path, pool):
    path = str(tmp_path / "labels.csv")
    assert error_of(path, pool) == (
        f"labels {path} does not exist. To start a campaign with no labels, "
        "create it with the header line: pair_id,label"
    )


def test_identical_repeats_count_once_and_are_reported(tmp_path, pool):
    lines = ["a,first", "b,second", "a,1", "c,first", "a,FIRST", "b,0"]
    path = write_labels(tmp_path / "l.csv", lines)
    labels = read_labels(path, pool)
    assert labels.pair_ids == ["a", "b", "c"] and labels.y.tolist() == [1, 0, 1]
    assert labels.repeats == [(4, 2), (6, 2), (7, 3)]
    assert labels.repeats_note() == (
        f"{path}: 3 repeated labels counted once (line 4 repeats line 2, "
        "line 6 repeats line 2, line 7 repeats line 3)."
    )


def test_every_bad_line_is_listed_with_its_line_number(tmp_path, pool):
    path = write_labels(
        tmp_path / "labels.csv",
        [
            "a,first,ann",        # 2 fine
            "zz,first,ann",       # 3 unknown pair
            "b,maybe,ann",        # 4 label outside the set
            "c,first",            # 5 too few fields
            "d,second,ann,extra",  # 6 too many fields
            ",first,ann",         # 7 empty pair id
            "a,second,bob",       # 8 conflicts with line 2
            "e,2,ann",            # 9 label outside the set
            "e,1.0,ann",          # 10 label outside the set
            "a,first,eve",        # 11 same as line 2 (part of the conflict)
        ],
        header="pair_id,label,annotator",
    )
    assert error_of(path, pool) == (
        f"labels {path}: 8 problems, so no label was used:\n"
        "  line 2: pair_id 'a' labeled both first (lines 2, 11) and second (line 8)\n"
        "  line 3: unknown pair_id 'zz' (not in the pool)\n"
        "  line 4: label 'maybe' is not one of first, second, 1, 0, tie, skip\n"
        "  line 5: expected 3 fields (pair_id,label,annotator), got 2\n"
        "  line 6: expected 3 fields (pair_id,label,annotator), got 4\n"
        "  line 7: empty pair_id\n"
        "  line 9: label '2' is not one of first, second, 1, 0, tie, skip\n"
        "  line 10: label '1.0' is not one of first, second, 1, 0, tie, skip"
    )


def test_a_quoted_field_cannot_span_lines(tmp_path, pool):
    # A label is one physical line: a field running over a line break is an error at the
    # line where its quote opened, and the next line is read on its own (its line numbers
    # still match the file).
    path = tmp_path / "labels.csv"
    path.write_text('pair_id,label,note\na,first,"two\nlines"\nb,sideways,x\n')
    assert error_of(str(path), pool) == (
        f"labels {path}: 3 problems, so no label was used:\n"
        "  line 2: a quote opened on this line is not closed on it (a record is one line; "
        "no field may span lines)\n"
        "  line 3: expected 3 fields (pair_id,label,note), got 1\n"
        "  line 4: label 'sideways' is not one of first, second, 1, 0, tie, skip"
    )


def test_a_stray_quote_does_not_swallow_the_later_labels(tmp_path, pool):
    # Issue 16: the csv module read every line after an unclosed quote into the note
    # field; the record had the right number of fields, so 1 label was used instead of 5.
    path = tmp_path / "labels.csv"
    path.write_text(
        'pair_id,label,note\na,first,"Smith\nb,second,x\nc,first,y\nd,second,z\ne,first,w\n'
    )
    assert error_of(str(path), pool) == (
        f"labels {path}: 1 problem, so no label was used:\n"
        "  line 2: a quote opened on this line is not closed on it (a record is one line; "
        "no field may span lines)"
    )
    path.write_text('pair_id,label,note\na,first,"Smith, J."\nb,second,"x ""y"""\n')
    labels = read_labels(str(path), pool)  # commas and doubled quotes inside one line are fine
    assert labels.pair_ids == ["a", "b"] and labels.extra["note"] == ["Smith, J.", 'x "y"']


@pytest.mark.parametrize("header, complete, cut, rest", [
    ("label,pair_id", "second,b", "first,c", "\n"),   # issue 16: 'first,p1' of 'first,p12'
    ("pair_id,label", "b,second", "c,fir", "st\n"),
    ("pair_id,label,annotator", "b,second,ann", "c,first", ",ann\n"),
    ("annotator,label,pair_id", "ann,second,b", "ann,first,c", "\r\n"),
])
def test_a_last_line_without_its_newline_is_never_a_label(tmp_path, pool, header, complete,
                                                          cut, rest):
    path = tmp_path / "labels.csv"
    path.write_text(f"{header}\n{complete}\n{cut}")
    labels = read_labels(str(path), pool)
    assert labels.pair_ids == ["b"] and labels.y.tolist() == [0]
    assert labels.unfinished_line == 3
    assert labels.unfinished_note() == (
        f"{path}: line 3, the last, has no line break yet, so it was not read as a label "
        "(it may still be being written); if it is complete, end it with a newline."
    )
    with open(path, "a", newline="") as handle:  # the annotator finishes the line
        handle.write(rest)
    finished = read_labels(str(path), pool)
    assert finished.pair_ids == ["b", "c"] and finished.y.tolist() == [0, 1]
    assert finished.unfinished_line is None and finished.notes() == []


def test_a_cut_line_that_would_be_invalid_is_not_an_error_yet(tmp_path, pool):
    path = tmp_path / "labels.csv"
    path.write_bytes(b"pair_id,label\r\nb,second\r\nc,fir")
    assert read_labels(str(path), pool).pair_ids == ["b"]
    path.write_bytes(b"pair_id,label\r\nb,second\r\nc,fir\r\n")
    assert error_of(str(path), pool).endswith("line 3: label 'fir' is not one of first, second, "
                                              "1, 0, tie, skip")
    path.write_bytes(b"pair_id,label\nb,second\nc,first\r")  # a lone CR ends a line too
    assert read_labels(str(path), pool).pair_ids == ["b", "c"]


def test_a_header_without_its_newline_is_a_cold_start(tmp_path, pool):
    path = tmp_path / "labels.csv"
    path.write_text("pair_id,label")
    labels = read_labels(str(path), pool)
    assert len(labels) == 0 and labels.unfinished_line is None


def test_nul_bytes_a_second_header_and_lone_carriage_returns(tmp_path, pool):
    path = tmp_path / "labels.csv"
    path.write_bytes(
        b"pair_id,label\ra,first\rb\x00,second\rpair_id,label\r label , pair_id \rc,1\r"
    )
    assert error_of(str(path), pool) == (
        f"labels {path}: 3 problems, so no label was used:\n"
        "  line 3: contains a NUL byte: the file is damaged (a crash while it was being "
        "written can leave zero-filled blocks)\n"
        "  line 4: a second header line (were two label files joined? keep one header)\n"
        "  line 5: a second header line (were two label files joined? keep one header)"
    )
    path.write_bytes(b"pair_id,label\na,first\n" + b"\x00" * 4096)  # a zero-filled tail
    labels = read_labels(str(path), pool)
    assert labels.pair_ids == ["a"] and labels.unfinished_line == 3


@pytest.mark.parametrize("kind", ["directory", "fifo", "loop", "broken", "device"])
def test_a_path_that_is_not_a_regular_file_is_named_as_what_it_is(tmp_path, pool, kind):
    path = tmp_path / "labels.csv"
    if kind == "directory":
        path.mkdir()
        expected = "is a directory, not a regular file."
    elif kind == "fifo":
        os.mkfifo(path)  # never opened: reading a FIFO without a writer would wait forever
        expected = "is a FIFO (named pipe), not a regular file."
    elif kind == "loop":
        os.symlink(path, path)
        expected = "is a symbolic link loop (following its links never ends)."
    elif kind == "broken":
        os.symlink("missing.csv", path)
        expected = "is a broken symbolic link (to 'missing.csv', which does not exist)."
    else:
        os.symlink(os.devnull, path)
        expected = "is a character device, not a regular file."
    assert error_of(str(path), pool) == f"labels {path} {expected}"


def test_header_must_name_pair_id_and_label(tmp_path, pool):
    path = write_labels(tmp_path / "l.csv", ["a,first"], header="id,answer")
    assert error_of(path, pool) == (
        f"labels {path}: line 1: the header must name the columns pair_id and label "
        "(missing: pair_id, label; got: id,answer)."
    )
    path = write_labels(tmp_path / "l.csv", ["first"], header="label")
    assert error_of(path, pool) == (
        f"labels {path}: line 1: the header must name the columns pair_id and label "
        "(missing: pair_id; got: label)."
    )
    path = write_labels(tmp_path / "l.csv", ["a,first,x"], header="pair_id,label,label")
    assert error_of(path, pool) == f"labels {path}: line 1: duplicated column names: label."
    # A file without header: its first label is read as the header.
    path = write_labels(tmp_path / "l.csv", ["b,second"], header="a,first")
    assert "line 1: the header must name the columns pair_id and label" in error_of(path, pool)


def test_not_utf8(tmp_path, pool):
    path = tmp_path / "l.csv"
    path.write_bytes(b"pair_id,label\na,\xff\n")
    assert error_of(str(path), pool).startswith(f"labels {path}: not UTF-8 text")
    assert error_of(str(path), pool) == (
        f"labels {path}: not UTF-8 text: line 2, byte 0xff at column 3 (invalid start byte)."
    )


def test_a_long_list_is_cut_with_a_count(tmp_path, pool):
    path = write_labels(tmp_path / "l.csv", [f"x{i},first" for i in range(60)])
    message = error_of(path, pool)
    assert message.startswith(f"labels {path}: 60 problems, so no label was used:\n")
    assert message.count("unknown pair_id") == 50
    assert message.endswith("  line 51: unknown pair_id 'x49' (not in the pool)\n  ... and 10 more")
