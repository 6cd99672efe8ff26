"""Pool files: the candidate pairs of a campaign, with their feature rows.

Three formats, chosen by the file's extension:

* ``.npz`` (``numpy.savez``): an array ``ids`` (strings or integers, one per
  pair) and either ``X`` (difference rows ``phi(first) - phi(second)``, shape
  ``(n_pairs, n_features)``) or ``X_first`` and ``X_second`` (item features
  of the same shape; the row is their difference). Other arrays are ignored.
* ``.csv``: a header line; the id column (``pair_id`` unless ``--id-column``
  names another) and numeric feature columns, every other column. Feature
  columns are difference rows, unless they are all named ``first_<name>`` and
  ``second_<name>`` with the same names on both sides: then the row is
  ``first_* - second_*``.
* ``.parquet`` (needs pandas and pyarrow: ``pip install "skpref[parquet]"``):
  the same columns as the CSV form.

Every pool is checked before use: ids present, unique and without
surrounding whitespace (a label refers to its pair by the exact id; CSV
fields, in pools as in label files, are stripped of surrounding spaces), every
feature finite; each message names the offending ids and their lines (CSV,
header = line 1) or rows (``.npz`` and ``.parquet``, counted from 0).
"""

import csv
import os

import numpy as np

from ._errors import CampaignError, listing, plural

#: File extensions that can hold a pool.
POOL_FORMATS = (".npz", ".csv", ".parquet")


class Pool:
    """The pairs of a pool: ids, comparison rows and where each came from.

    Parameters
    ----------
    ids : ndarray of str, shape (n_pairs,)
    X : ndarray of shape (n_pairs, n_features)
        Comparison rows ``phi(first) - phi(second)``.
    path : str
    lines : ndarray of int or None
        File line of every pair (CSV pools), for messages.

    Examples
    --------
    >>> import numpy as np
    >>> pool = Pool(np.array(["a", "b", "c"]), np.eye(3), "pool.npz")
    >>> pool.positions(["c", "zz", "a"])
    array([ 2, -1,  0])
    """

    def __init__(self, ids, X, path, lines=None):
        self.ids = ids
        self.X = X
        self.path = path
        self.lines = lines
        self._sorter = np.argsort(ids, kind="stable")

    @property
    def n_pairs(self):
        """Number of pairs in the pool."""
        return self.X.shape[0]

    @property
    def n_features(self):
        """Number of features of a comparison row."""
        return self.X.shape[1]

    def where(self, row):
        """``"line 7"`` (CSV) or ``"row 5"``: where pair ``row`` is in the file."""
        return f"line {self.lines[row]}" if self.lines is not None else f"row {row}"

    def positions(self, pair_ids):
        """Pool row of every id in ``pair_ids``, ``-1`` for ids not in the pool."""
        pair_ids = np.asarray(pair_ids, dtype=str)
        if pair_ids.size == 0:
            return np.empty(0, dtype=np.intp)
        found = np.searchsorted(self.ids, pair_ids, sorter=self._sorter)
        found = np.minimum(found, self.ids.size - 1)
        rows = self._sorter[found]
        return np.where(self.ids[rows] == pair_ids, rows, -1)


def read_pool(path, id_column="pair_id"):
    """Read and check a pool file (``.npz``, ``.csv`` or ``.parquet``).

    Parameters
    ----------
    path : str
    id_column : str, default="pair_id"
        The id column of CSV and Parquet pools (``.npz`` pools use ``ids``).

    Returns
    -------
    pool : Pool

    Raises
    ------
    CampaignError
        A missing or unreadable file, an unknown format, or a pool that fails
        its checks; the message lists the offending ids.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "pool.npz")
    >>> np.savez(path, ids=np.array(["p1", "p2"]), X=np.array([[1.0, 0.5], [-2.0, 0.0]]))
    >>> pool = read_pool(path)
    >>> pool.ids.tolist(), pool.X.shape
    (['p1', 'p2'], (2, 2))
    >>> np.savez(path, ids=np.array(["p1", "p1"]), X=np.zeros((2, 2)))
    >>> read_pool(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skpref.campaign._errors.CampaignError: pool ...: 1 duplicated pair id: 'p1' (rows 0, 1)
    """
    path = os.fspath(path)
    extension = os.path.splitext(path)[1].lower()
    if extension not in POOL_FORMATS:
        raise CampaignError(
            f"pool {path}: unknown format {extension or '(no extension)'!r}; "
            f"a pool file ends in {', '.join(POOL_FORMATS)}."
        )
    if not os.path.isfile(path):
        raise CampaignError(f"pool {path} does not exist.")
    reader = {".npz": _read_npz, ".csv": _read_csv, ".parquet": _read_parquet}[extension]
    pool = reader(path, id_column)
    _check_pool(pool)
    return pool


# -- formats -------------------------------------------------------------------


def _read_npz(path, id_column):
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = set(archive.files)
            if "ids" not in keys:
                raise CampaignError(
                    f"pool {path}: no array 'ids' (found: {', '.join(sorted(keys)) or 'none'})."
                )
            ids = _npz_ids(path, archive["ids"])
            if "X" in keys and ({"X_first", "X_second"} & keys):
                raise CampaignError(
                    f"pool {path}: holds both 'X' and 'X_first'/'X_second'; keep one form."
                )
            if "X" in keys:
                X = _as_rows(path, "X", archive["X"])
            elif {"X_first", "X_second"} <= keys:
                first = _as_rows(path, "X_first", archive["X_first"])
                second = _as_rows(path, "X_second", archive["X_second"])
                if first.shape != second.shape:
                    raise CampaignError(
                        f"pool {path}: X_first has shape {first.shape} but X_second "
                        f"has {second.shape}."
                    )
                X = first - second
            else:
                raise CampaignError(
                    f"pool {path}: needs an array 'X' (difference rows) or the arrays "
                    f"'X_first' and 'X_second' (found: {', '.join(sorted(keys))})."
                )
    except CampaignError:
        raise
    except ValueError as error:  # object arrays need pickling, which is refused
        raise CampaignError(
            f"pool {path}: cannot be read without pickling ({error}); save ids as "
            "a string or integer array, e.g. np.asarray(ids, dtype=str)."
        ) from None
    except (OSError, EOFError) as error:
        raise CampaignError(f"pool {path}: not a readable .npz file ({error}).") from None
    if ids.shape[0] != X.shape[0]:
        raise CampaignError(
            f"pool {path}: {ids.shape[0]} ids but {X.shape[0]} feature rows."
        )
    return Pool(ids, X, path)


def _npz_ids(path, ids):
    if ids.ndim != 1:
        raise CampaignError(f"pool {path}: 'ids' must be 1-D, got shape {ids.shape}.")
    if ids.dtype.kind == "S":
        return np.char.decode(ids, "utf-8")
    if ids.dtype.kind in "Uiu":
        return ids.astype(str)
    raise CampaignError(
        f"pool {path}: 'ids' must hold strings or integers, got dtype {ids.dtype}."
    )


def _as_rows(path, name, array):
    if array.ndim != 2:
        raise CampaignError(
            f"pool {path}: {name!r} must be 2-D (one row per pair), got shape {array.shape}."
        )
    if array.dtype.kind not in "fiub":
        raise CampaignError(f"pool {path}: {name!r} must be numeric, got dtype {array.dtype}.")
    return np.ascontiguousarray(array, dtype=np.float64)


def _read_csv(path, id_column):
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise CampaignError(f"pool {path}: the file is empty (no header line).")
            header = [name.strip() for name in header]
            features = _feature_columns(path, header, id_column)
            id_at = header.index(id_column)
            wanted = [header.index(name) for name in features]
            ids, lines, rows, bad = [], [], [], []
            line = reader.line_num + 1
            for fields in reader:
                where, line = line, reader.line_num + 1
                if not any(field.strip() for field in fields):
                    continue  # a blank line holds no pair
                if len(fields) != len(header):
                    bad.append(f"line {where}: expected {len(header)} fields, got {len(fields)}")
                    continue
                try:
                    row = np.array([fields[i] for i in wanted], dtype=np.float64)
                except ValueError:
                    columns = [
                        features[k] for k, i in enumerate(wanted) if not _is_number(fields[i])
                    ]
                    bad.append(f"line {where}: not a number in column {listing(columns)}")
                    continue
                ids.append(fields[id_at].strip())  # as label files are read
                lines.append(where)
                rows.append(row)
    except UnicodeDecodeError as error:
        raise CampaignError(f"pool {path}: not UTF-8 text ({error}).") from None
    except csv.Error as error:
        raise CampaignError(f"pool {path}: line {reader.line_num}: {error}.") from None
    if bad:
        raise CampaignError(
            f"pool {path}: {plural(len(bad), 'malformed line')}:\n  " + "\n  ".join(
                bad[:20] + ([f"... and {len(bad) - 20} more"] if len(bad) > 20 else [])
            )
        )
    X = np.array(rows, dtype=np.float64).reshape(len(rows), len(features))
    return Pool(np.array(ids, dtype=str), _differences(header, features, X), path, np.array(lines))


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_parquet(path, id_column):
    try:
        import pandas as pd
        import pyarrow  # noqa: F401  (pandas needs an engine; say so up front)
    except ImportError:
        raise CampaignError(
            f"pool {path}: reading a .parquet pool needs pandas and pyarrow: "
            "pip install 'skpref[parquet]' (or convert the pool to .npz or .csv)."
        ) from None
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises its own types for corrupt files
        raise CampaignError(f"pool {path}: not a readable Parquet file ({error}).") from None
    header = [str(name) for name in frame.columns]
    features = _feature_columns(path, header, id_column)
    column = frame.iloc[:, header.index(id_column)]
    if pd.api.types.is_integer_dtype(column) and not column.isna().any():
        ids = column.astype("int64").astype(str).to_numpy(dtype=str)
    else:
        values = column.to_numpy(dtype=object)
        is_text = np.array([isinstance(value, str) for value in values], dtype=bool)
        if not is_text.all():
            rows = np.flatnonzero(~is_text)
            raise CampaignError(
                f"pool {path}: column {id_column!r} must hold strings or integers; "
                f"missing or other values in {listing(f'row {r}' for r in rows)}."
            )
        ids = values.astype(str)
    block = frame.iloc[:, [header.index(name) for name in features]]
    not_numeric = [
        name
        for name, dtype in zip(features, block.dtypes)
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
    ]
    if not_numeric:
        raise CampaignError(
            f"pool {path}: every column but {id_column!r} must be a numeric feature; "
            f"not numeric: {listing(not_numeric)}."
        )
    X = block.to_numpy(dtype=np.float64, na_value=np.nan)
    return Pool(ids, _differences(header, features, np.ascontiguousarray(X)), path)


def _feature_columns(path, header, id_column):
    """The feature column names, in file order, after checking the header."""
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise CampaignError(f"pool {path}: duplicated column names: {listing(duplicated)}.")
    if id_column not in header:
        raise CampaignError(
            f"pool {path}: no id column {id_column!r} (columns: {listing(header)}); "
            "name it with --id-column."
        )
    features = [name for name in header if name != id_column]
    if not features:
        raise CampaignError(f"pool {path}: no feature columns besides {id_column!r}.")
    return features


def _differences(header, features, X):
    """``first_* - second_*`` when the columns are item features, else ``X``."""
    sided = [name for name in features if name.startswith(("first_", "second_"))]
    if not sided:
        return X
    first = [name[len("first_"):] for name in features if name.startswith("first_")]
    second = [name[len("second_"):] for name in features if name.startswith("second_")]
    if len(sided) != len(features) or first != second:
        raise CampaignError(
            "pool columns named first_* / second_* are item features: then every "
            "feature column must be first_<name> or second_<name>, with the same "
            f"names in the same order on both sides (first: {listing(first)}; "
            f"second: {listing(second)}; other: "
            f"{listing([n for n in features if n not in sided]) or 'none'})."
        )
    position = {name: k for k, name in enumerate(features)}
    first_at = [position["first_" + name] for name in first]
    second_at = [position["second_" + name] for name in second]
    return np.ascontiguousarray(X[:, first_at] - X[:, second_at])


# -- checks --------------------------------------------------------------------


def _check_pool(pool):
    path, ids, X = pool.path, pool.ids, pool.X
    if ids.size == 0:
        raise CampaignError(f"pool {path}: holds no pairs.")
    if X.shape[1] == 0:
        raise CampaignError(f"pool {path}: the rows have no features.")
    empty = np.flatnonzero(np.char.str_len(np.char.strip(ids)) == 0)
    if empty.size:
        raise CampaignError(
            f"pool {path}: {plural(empty.size, 'empty pair id')}: "
            f"{listing(pool.where(r) for r in empty)}."
        )
    padded = np.flatnonzero(np.char.strip(ids) != ids)
    if padded.size:
        raise CampaignError(
            f"pool {path}: {plural(padded.size, 'pair id')} with leading or trailing "
            f"whitespace: {listing(f'{str(ids[r])!r} ({pool.where(r)})' for r in padded)}."
        )
    order = pool._sorter
    repeated = np.flatnonzero(ids[order][1:] == ids[order][:-1])
    if repeated.size:
        names = np.unique(ids[order][repeated])
        described = []
        for name in names:
            rows = np.flatnonzero(ids == name)
            kind = "lines" if pool.lines is not None else "rows"
            where = ", ".join(str(pool.lines[r] if pool.lines is not None else r) for r in rows)
            described.append(f"{str(name)!r} ({kind} {where})")
        raise CampaignError(
            f"pool {path}: {plural(names.size, 'duplicated pair id')}: {listing(described)}"
        )
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if bad.size:
        raise CampaignError(
            f"pool {path}: {plural(bad.size, 'pair')} with NaN or infinite features: "
            f"{listing(f'{str(ids[r])!r} ({pool.where(r)})' for r in bad)}."
        )
