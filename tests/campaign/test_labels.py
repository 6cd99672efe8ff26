"""The label file: every bad line is reported by its line number, nothing is dropped."""

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
            "d,second,ann,extra", # 6 too many fields
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
        "  line 4: label 'maybe' is not one of first, second, 1, 0\n"
        "  line 5: expected 3 fields (pair_id,label,annotator), got 2\n"
        "  line 6: expected 3 fields (pair_id,label,annotator), got 4\n"
        "  line 7: empty pair_id\n"
        "  line 9: label '2' is not one of first, second, 1, 0\n"
        "  line 10: label '1.0' is not one of first, second, 1, 0"
    )


def test_line_numbers_count_physical_lines(tmp_path, pool):
    # A quoted field may span lines; later line numbers still match the file.
    path = tmp_path / "labels.csv"
    path.write_text('pair_id,label,note\na,first,"two\nlines"\nb,sideways,x\n')
    assert error_of(str(path), pool).endswith(
        "  line 4: label 'sideways' is not one of first, second, 1, 0"
    )


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


def test_a_long_list_is_cut_with_a_count(tmp_path, pool):
    path = write_labels(tmp_path / "l.csv", [f"x{i},first" for i in range(60)])
    message = error_of(path, pool)
    assert message.startswith(f"labels {path}: 60 problems, so no label was used:\n")
    assert message.count("unknown pair_id") == 50
    assert message.endswith("  line 51: unknown pair_id 'x49' (not in the pool)\n  ... and 10 more")
