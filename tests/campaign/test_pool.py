"""Pool files: three formats, one set of checks, errors that name the offenders."""

import os
import sys
import zipfile

import numpy as np
import pytest

from skpref.campaign._errors import CampaignError
from skpref.campaign._pool import read_pool

from ._helpers import make_pool, save_pool


def error_of(path, **kwargs):
    with pytest.raises(CampaignError) as caught:
        read_pool(str(path), **kwargs)
    return str(caught.value)


@pytest.mark.parametrize("name", ["pool.npz", "pool.csv", "pool.parquet"])
def test_every_format_reads_the_same_pool(tmp_path, name):
    ids, X, _ = make_pool(n_pairs=20, n_features=3)
    pool = read_pool(save_pool(tmp_path / name, ids, X))
    assert pool.ids.tolist() == ids.tolist()
    assert pool.X.dtype == np.float64 and pool.X.flags.c_contiguous
    np.testing.assert_array_equal(pool.X, X)  # repr round-trips floats exactly


def test_item_features_become_differences(tmp_path):
    ids, X, _ = make_pool(n_pairs=5, n_features=2)
    pool = read_pool(save_pool(tmp_path / "pool.npz", ids, X, split=True))
    np.testing.assert_allclose(pool.X, X)
    path = tmp_path / "pool.csv"
    path.write_text("second_a,pair_id,first_a,first_b,second_b\n1,p,4,2,5\n")
    assert read_pool(str(path)).X.tolist() == [[3.0, -3.0]]
    path.write_text("pair_id,first_a,second_b,c\np,4,2,5\n")
    assert error_of(path) == (
        "pool columns named first_* / second_* are item features: then every feature "
        "column must be first_<name> or second_<name>, with the same names in the same "
        "order on both sides (first: a; second: b; other: c)."
    )


def test_integer_ids_and_id_column(tmp_path):
    path = tmp_path / "pool.npz"
    np.savez(path, ids=np.array([7, 3]), X=np.eye(2))
    assert read_pool(str(path)).ids.tolist() == ["7", "3"]
    path = tmp_path / "pool.csv"
    path.write_text("x,key,y\n1,k1,2\n3,k2,4\n")
    assert read_pool(str(path), id_column="key").ids.tolist() == ["k1", "k2"]
    assert error_of(path) == (
        f"pool {path}: no id column 'pair_id' (columns: x, key, y); name it with --id-column."
    )
    path.write_text("f, pair_id\n1.5, k1\n2, k2 \n")  # CSV fields are stripped
    assert read_pool(str(path)).ids.tolist() == ["k1", "k2"]


def test_npz_errors(tmp_path):
    path = tmp_path / "pool.npz"
    np.savez(path, X=np.eye(2))
    assert error_of(path) == f"pool {path}: no array 'ids' (found: X)."
    np.savez(path, ids=np.array(["a", "b"]), Y=np.eye(2))
    assert error_of(path) == (
        f"pool {path}: needs an array 'X' (difference rows) or the arrays 'X_first' "
        "and 'X_second' (found: Y, ids)."
    )
    np.savez(path, ids=np.array(["a", "b"]), X=np.eye(3))
    assert error_of(path) == f"pool {path}: 2 ids but 3 feature rows."
    np.savez(path, ids=np.array(["a", "b"]), X=np.ones(2))
    assert error_of(path) == f"pool {path}: 'X' must be 2-D (one row per pair), got shape (2,)."
    np.savez(path, ids=np.array(["a", "b"]), X_first=np.eye(2), X_second=np.eye(3))
    assert error_of(path) == f"pool {path}: X_first has shape (2, 2) but X_second has (3, 3)."
    np.savez(path, ids=np.array(["a", None], dtype=object), X=np.eye(2))
    assert error_of(path).startswith(f"pool {path}: cannot be read without pickling")
    np.savez(path, ids=np.array([0.5, 1.5]), X=np.eye(2))
    assert error_of(path) == f"pool {path}: 'ids' must hold strings or integers, got dtype float64."


def test_id_and_feature_checks_name_the_offenders(tmp_path):
    path = tmp_path / "pool.npz"
    np.savez(path, ids=np.array(["a", "b", "a", "c", "b"]), X=np.eye(5))
    assert error_of(path) == f"pool {path}: 2 duplicated pair ids: 'a' (rows 0, 2), 'b' (rows 1, 4)"
    np.savez(path, ids=np.array(["a", "", "c"]), X=np.eye(3))
    assert error_of(path) == f"pool {path}: 1 empty pair id: row 1."
    np.savez(path, ids=np.array(["a", "b ", "c"]), X=np.eye(3))
    assert error_of(path) == (
        f"pool {path}: 1 pair id with leading or trailing whitespace: 'b ' (row 1)."
    )
    X = np.eye(3)
    X[0, 1], X[2, 2] = np.nan, -np.inf
    np.savez(path, ids=np.array(["a", "b", "c"]), X=X)
    assert error_of(path) == (
        f"pool {path}: 2 pairs with NaN or infinite features: 'a' (row 0), 'c' (row 2)."
    )
    np.savez(path, ids=np.array([], dtype=str), X=np.empty((0, 2)))
    assert error_of(path) == f"pool {path}: holds no pairs."


def test_csv_errors_name_lines(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("pair_id,f0,f1\na,1,2\nb,1\nc,x,\nd,1,2,3\na,nan,0\n")
    assert error_of(path) == (
        f"pool {path}: 3 malformed lines:\n"
        "  line 3: expected 3 fields, got 2\n"
        "  line 4: not a number in column f0, f1\n"
        "  line 5: expected 3 fields, got 4"
    )
    path.write_text("pair_id,f0,f1\na,1,2\n\nb,1,2\na,nan,0\n")
    assert error_of(path) == f"pool {path}: 1 duplicated pair id: 'a' (lines 2, 5)"
    path.write_text("pair_id,f0,f1\na,1,2\nb,inf,2\n")
    assert error_of(path) == f"pool {path}: 1 pair with NaN or infinite features: 'b' (line 3)."
    path.write_text("pair_id,f0,f0\na,1,2\n")
    assert error_of(path) == f"pool {path}: duplicated column names: f0."
    path.write_text("pair_id\na\n")
    assert error_of(path) == f"pool {path}: no feature columns besides 'pair_id'."
    path.write_text("")
    assert error_of(path) == f"pool {path}: the file is empty (no header line)."


def test_parquet_errors(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    path = tmp_path / "pool.parquet"
    pd.DataFrame({"pair_id": ["a", "b"], "f": [1.0, 2.0], "text": ["x", "y"]}).to_parquet(path)
    assert error_of(path) == (
        f"pool {path}: every column but 'pair_id' must be a numeric feature; not numeric: text."
    )
    pd.DataFrame({"pair_id": ["a", None], "f": [1.0, 2.0]}).to_parquet(path)
    assert error_of(path) == (
        f"pool {path}: column 'pair_id' must hold strings or integers; "
        "missing or other values in row 1."
    )
    pd.DataFrame({"pair_id": [10, 11], "f": [1.0, None]}).to_parquet(path)
    assert error_of(path) == (
        f"pool {path}: 1 pair with NaN or infinite features: '11' (row 1)."
    )
    path.write_bytes(b"not parquet")
    assert error_of(path).startswith(f"pool {path}: not a readable Parquet file")


def test_parquet_without_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow -> ImportError
    path = tmp_path / "pool.parquet"
    path.write_bytes(b"")
    assert error_of(path) == (
        f"pool {path}: reading a .parquet pool needs pandas and pyarrow: "
        "pip install 'skpref[parquet]' (or convert the pool to .npz or .csv)."
    )


def test_missing_file_and_unknown_format(tmp_path):
    assert error_of(tmp_path / "pool.npz") == f"pool {tmp_path / 'pool.npz'} does not exist."
    assert error_of(tmp_path / "pool.txt") == (
        f"pool {tmp_path / 'pool.txt'}: unknown format '.txt'; a pool file ends in "
        ".npz, .csv, .parquet."
    )


def test_a_csv_record_is_one_physical_line(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text('pair_id,f0,f1\na,1,2\n"b,1,2\nc,1,2\nd,1,2\n')
    # The csv module read lines 3 to 5 as one id: the pool silently lost pairs c and d.
    assert error_of(path) == (
        f"pool {path}: 1 malformed line:\n"
        "  line 3: a quote opened on this line is not closed on it (a record is one line; "
        "no field may span lines)"
    )
    path.write_text('"pair_id,f0\na,1\n')
    assert error_of(path) == (
        f"pool {path}: line 1: a quote opened on this line is not closed on it (a record is "
        "one line; no field may span lines)."
    )
    path.write_bytes(b'\xef\xbb\xbf"pair_id",f0\r\n"a, quoted",1\rb,2')  # BOM, CRLF, CR, no \n
    pool = read_pool(str(path))
    assert pool.ids.tolist() == ["a, quoted", "b"] and pool.lines.tolist() == [2, 3]


def test_npz_files_that_are_not_npz_archives(tmp_path):
    ids, X, _ = make_pool(n_pairs=20, n_features=3)
    path = save_pool(tmp_path / "pool.npz", ids, X)
    content = open(path, "rb").read()
    open(path, "wb").write(content[: len(content) // 2])  # issue 16: BadZipFile traceback
    assert error_of(path) == (
        f"pool {path}: not a readable .npz file, truncated or damaged (File is not a zip file)."
    )
    np.save(tmp_path / "array.npy", X)
    os.replace(tmp_path / "array.npy", path)  # issue 16: a TypeError traceback
    assert error_of(path) == (
        f"pool {path}: is a .npy file (a single array), not an .npz archive of the arrays "
        "'ids' and 'X'; save the pool with numpy.savez(path, ids=ids, X=X)."
    )
    open(path, "wb").write(b"pair_id,f0\n")
    assert error_of(path) == (
        f"pool {path}: not an .npz file (an .npz file is a zip archive, as numpy.savez writes "
        "it; this one starts with b'pair_id,')."
    )
    open(path, "wb").write(b"")
    assert error_of(path) == f"pool {path}: the file is empty (0 bytes)."
    with zipfile.ZipFile(path, "w") as archive:  # a zip whose members are not arrays
        archive.writestr("ids.npy", b"\x93NUMPY garbage")
        archive.writestr("X.npy", b"garbage")
    assert error_of(path).startswith(f"pool {path}: not a readable .npz file")


@pytest.mark.parametrize("kind", ["directory", "fifo", "loop", "broken"])
def test_a_pool_path_that_is_not_a_regular_file(tmp_path, kind):
    # Issue 16: a directory or a symlink loop was reported as "does not exist".
    path = tmp_path / "pool.npz"
    if kind == "directory":
        path.mkdir()
        expected = "is a directory, not a regular file."
    elif kind == "fifo":
        os.mkfifo(path)
        expected = "is a FIFO (named pipe), not a regular file."
    elif kind == "loop":
        os.symlink(tmp_path / "other.npz", path)
        os.symlink(path, tmp_path / "other.npz")
        expected = "is a symbolic link loop (following its links never ends)."
    else:
        os.symlink("gone.npz", path)
        expected = "is a broken symbolic link (to 'gone.npz', which does not exist)."
    assert error_of(path) == f"pool {path} {expected}"


def test_features_whose_squares_overflow(tmp_path):
    path = tmp_path / "pool.npz"
    X = np.eye(3)
    X[1, 2] = 2e154
    np.savez(path, ids=np.array(["a", "b", "c"]), X=X)
    assert error_of(path) == (
        f"pool {path}: 1 pair with features whose squares overflow double precision "
        "(|x| > 1.34e+154; the model's curvature and interval widths square the features): "
        "'b' (row 1). Rescale the features."
    )
    X[1, 2] = 1e154  # its square is finite
    np.savez(path, ids=np.array(["a", "b", "c"]), X=X)
    assert read_pool(str(path)).X[1, 2] == 1e154


def test_whitespace_checks_match_str_strip_without_python_callbacks():
    """The pool's id checks give np.char.strip's answers (they no longer call it: numpy 1.23
    turned a signal's exception inside it into a TypeError)."""
    from skpref.campaign._pool import _whitespace_ids

    rng = np.random.default_rng(0)
    alphabet = np.array(["a", "b", " ", "\t", "\u3000", "\xa0", "\x1c", "\u00e9", "\x00"])
    for _ in range(300):
        ids = np.array(["".join(rng.choice(alphabet, rng.integers(0, 6))) for _ in range(8)])
        blank, padded = _whitespace_ids(ids)
        assert np.array_equal(blank, np.char.str_len(np.char.strip(ids)) == 0), ids
        assert np.array_equal(padded, np.char.strip(ids) != ids), ids
