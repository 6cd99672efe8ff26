"""Pool files: the candidate pairs of a campaign, with their feature rows.

Three formats, chosen by the file's extension:

* ``.npz`` (``numpy.savez``): an array ``ids`` (strings or integers, one per
  pair) and either ``X`` (difference rows ``phi(first) - phi(second)``, shape
  ``(n_pairs, n_features)``) or ``X_first`` and ``X_second`` (item features
  of the same shape; the row is their difference). A pool written by
  ``skpref embed`` also carries the texts of every pair and its provenance
  (:class:`PoolTexts`, :data:`TEXT_ARRAYS`; the arrays ``provenance``,
  ``texts``, ``text_offsets``, ``prompt_index``, ``first_index``,
  ``second_index``). Other arrays are ignored. A pool of single responses
  (``X_items``, from ``skpref embed --format responses``) is for ``skpref
  score`` only and is refused here with that explanation.
* ``.csv``: a header line; the id column (``pair_id`` unless ``--id-column``
  names another) and numeric feature columns, every other column. Feature
  columns are difference rows, unless they are all named ``first_<name>`` and
  ``second_<name>`` with the same names on both sides: then the row is
  ``first_* - second_*``.
* ``.parquet`` (needs pandas and pyarrow: ``pip install "skpref[parquet]"``):
  the same columns as the CSV form.
* a pool directory, whose name ends in ``.zarr`` (needs zarr and dask:
  ``pip install "skpref[dask]"``): the arrays of the ``.npz`` form as zarr
  arrays chunked by rows, and a JSON manifest
  (:mod:`skpref.campaign._pool_directory`, written by :func:`write_pool` or
  ``skpref embed --out DIR.zarr``). Its rows are a ``dask.array.Array``,
  read by rows where they lie, never loaded whole; its ids and texts are
  read by rows too.

A pool file must be a regular file (or a link to one); a directory (other than a
pool directory), a FIFO,
a device, a broken link or a link loop is refused as what it is. A ``.npz``
file is checked to be a zip archive before numpy reads it (a ``.npy`` file
or a truncated archive is named as such). A CSV record is one physical line,
as in label files (:mod:`skpref.campaign._files`): a line that ends inside a
quote is a malformed line; the last line may lack its newline.

Every pool is checked before use: ids present, unique and without
surrounding whitespace (a label refers to its pair by the exact id; CSV
fields, in pools as in label files, are stripped of surrounding spaces), every
feature finite and with a finite square (``|x| <= 1.34e154``: the model's
curvature and the interval widths square the features); each message names
the offending ids and their lines (CSV, header = line 1) or rows (``.npz`` and
``.parquet``, counted from 0).
"""

import json
import os
import zipfile
import zlib

import numpy as np

from .._chunks import is_dask_array
from .._text import plural
from ._errors import CampaignError, listing
from ._files import open_input, physical_lines, record_splitter
from ._pool_directory import is_pool_directory_path, read_pool_directory

#: File extensions that can hold a pool.
POOL_FORMATS = (".npz", ".csv", ".parquet")

#: Largest feature magnitude whose square is finite in double precision (about 1.34e154).
MAX_FEATURE = float(np.sqrt(np.finfo(np.float64).max))


class PoolTexts:
    """The texts of a pool's pairs (or responses), stored once each.

    A pool written by ``skpref embed`` keeps every distinct string once, as
    UTF-8 bytes end to end (``texts``, a ``uint8`` array) cut at
    ``text_offsets`` (string ``k`` is ``texts[offsets[k]:offsets[k + 1]]``),
    and one index array per column (``prompt_index``, ``first_index``,
    ``second_index``, or ``response_index``) giving each pair's string.
    Storing offsets rather than a fixed-width string array keeps the file the
    size of its texts, whatever the longest text.

    Parameters
    ----------
    data : bytes
    offsets : ndarray of int64, shape (n_strings + 1,)
    index : dict of str to ndarray of int64
        Column name to the string of every row.

    Examples
    --------
    >>> import numpy as np
    >>> texts = PoolTexts(b"hiyesno", np.array([0, 2, 5, 7]),
    ...                   {"prompt": np.array([0, 0]), "first": np.array([1, 2]),
    ...                    "second": np.array([2, 1])})
    >>> texts.column("first", [1, 0])
    ['no', 'yes']
    """

    def __init__(self, data, offsets, index):
        self.data = bytes(data)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.index = {name: np.asarray(rows, dtype=np.int64) for name, rows in index.items()}

    @property
    def columns(self):
        """The text columns, in order (``prompt``, ``first``, ``second``, or ``response``)."""
        return tuple(self.index)

    def column(self, name, rows=None):
        """The strings of column ``name`` at ``rows`` (all rows when None)."""
        index = self.index[name] if rows is None else self.index[name][np.asarray(rows)]
        offsets, data = self.offsets, self.data
        return [data[offsets[k]: offsets[k + 1]].decode("utf-8") for k in index.tolist()]

    def check(self, path, n_rows):
        """Raise :class:`CampaignError` unless the arrays are consistent and UTF-8."""
        offsets = self.offsets
        if (offsets.ndim != 1 or offsets.size == 0 or offsets[0] != 0
                or offsets[-1] != len(self.data) or np.any(np.diff(offsets) < 0)):
            raise CampaignError(
                f"pool {path}: 'text_offsets' must rise from 0 to the length of 'texts' "
                f"({len(self.data)} bytes); the texts are damaged."
            )
        for name, index in self.index.items():
            if index.shape != (n_rows,):
                raise CampaignError(
                    f"pool {path}: '{name}_index' has shape {index.shape}, not ({n_rows},)."
                )
            if index.size and (index.min() < 0 or index.max() >= offsets.size - 1):
                raise CampaignError(
                    f"pool {path}: '{name}_index' points outside the "
                    f"{plural(offsets.size - 1, 'text')}."
                )
        try:
            self.data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CampaignError(
                f"pool {path}: the texts are not UTF-8 (byte {error.start}); they are damaged."
            ) from None


#: The text columns of a pool of pairs and of a pool of single responses.
TEXT_ARRAYS = {"pairs": ("prompt", "first", "second"), "responses": ("prompt", "response")}


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
    texts : PoolTexts or None, default=None
        The pairs' ``prompt``, ``first`` and ``second`` texts, when the pool
        carries them (pools written by ``skpref embed``).
    provenance : dict or None, default=None
        How the pool was made (``skpref embed``: the embedding model and the
        sha256 of its weights, the text template and truncation, the source
        file's sha256, counts, the skpref version).
    items : tuple of two ndarrays or None, default=None
        ``(X_first, X_second)``, the item features, when the file holds them
        (``X`` is their difference); a model's reward ``x^T theta`` of each
        item needs them.

    Examples
    --------
    >>> import numpy as np
    >>> pool = Pool(np.array(["a", "b", "c"]), np.eye(3), "pool.npz")
    >>> pool.positions(["c", "zz", "a"])
    array([ 2, -1,  0])
    """

    def __init__(self, ids, X, path, lines=None, *, texts=None, provenance=None, items=None):
        self.ids = ids
        self.X = X
        self.path = path
        self.lines = lines
        self.texts = texts
        self.provenance = provenance
        self.items = items
        self._order = None

    @property
    def _sorter(self):
        """The ids' sort order (computed on first use; a pool directory's ids are never sorted)."""
        if self._order is None:
            self._order = np.argsort(self.ids, kind="stable")
        return self._order

    @property
    def lazy(self):
        """Whether the rows are a Dask array (a pool directory), read by rows where they lie."""
        return is_dask_array(self.X)

    def rows(self, indices):
        """The comparison rows at ``indices`` as a float64 numpy array, in that order.

        A pool directory reads only the chunks they lie in, in one read.
        """
        indices = np.asarray(indices, dtype=np.intp)
        if self.lazy:
            from .._dask import take

            return np.asarray(take(self.X, indices), dtype=np.float64)
        return np.asarray(self.X[indices], dtype=np.float64)

    def row_view(self, indices):
        """Rows to index by pool row, holding at least ``indices`` (the labeled pairs).

        The pool's ``X`` itself for a pool in memory; for a pool directory,
        :class:`FetchedRows`: those rows fetched once, so that the folds of a
        cross-validation do not read the pool once each.
        """
        return FetchedRows(self, indices) if self.lazy else self.X

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
        if hasattr(self.ids, "positions"):  # a pool directory's ids: matched blockwise
            return self.ids.positions(pair_ids)
        pair_ids = np.asarray(pair_ids, dtype=str)
        if pair_ids.size == 0:
            return np.empty(0, dtype=np.intp)
        found = np.searchsorted(self.ids, pair_ids, sorter=self._sorter)
        found = np.minimum(found, self.ids.size - 1)
        rows = self._sorter[found]
        return np.where(self.ids[rows] == pair_ids, rows, -1)


class FetchedRows:
    """Some rows of a pool directory, fetched once, indexed by their pool rows.

    ``view[rows]`` is ``pool.X[rows]`` as a float64 array, for ``rows``
    among those fetched (a ``KeyError`` names any other).

    Parameters
    ----------
    pool : Pool
    indices : array-like of int
    """

    def __init__(self, pool, indices):
        self.rows = np.unique(np.asarray(indices, dtype=np.intp))
        self.values = pool.rows(self.rows)
        self.shape = (pool.n_pairs, pool.n_features)
        self.ndim = 2

    def __getitem__(self, rows):
        rows = np.asarray(rows, dtype=np.intp)
        at = np.minimum(np.searchsorted(self.rows, rows), max(self.rows.size - 1, 0))
        if rows.size and (self.rows.size == 0 or np.any(self.rows[at] != rows)):
            missing = rows[(self.rows.size == 0) | (self.rows[at] != rows)]
            raise KeyError(f"pool rows {missing[:5].tolist()} were not fetched")
        return self.values[at]


class ResponsePool:
    """A pool of single responses (``skpref embed --format responses``): one item per row.

    Parameters
    ----------
    ids : ndarray of str
        The response ids.
    X : ndarray of shape (n_responses, n_features)
        The item features ``phi(response)`` (not differences).
    path : str
    texts : PoolTexts or None
        Columns ``prompt`` and ``response``.
    provenance : dict or None
    """

    def __init__(self, ids, X, path, texts=None, provenance=None):
        self.ids = ids
        self.X = X
        self.path = path
        self.texts = texts
        self.provenance = provenance
        self.lines = None
        self._sorter = np.argsort(ids, kind="stable")

    @property
    def n_features(self):
        """Number of features of a response."""
        return self.X.shape[1]

    def where(self, row):
        """``"row 5"``: where response ``row`` is in the file."""
        return f"row {row}"


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
    if is_pool_directory_path(path):
        return read_pool_directory(path.rstrip("/\\") or path)
    extension = os.path.splitext(path)[1].lower()
    if extension not in POOL_FORMATS:
        raise CampaignError(
            f"pool {path}: unknown format {extension or '(no extension)'!r}; "
            f"a pool file ends in {', '.join(POOL_FORMATS)}."
        )
    reader = {".npz": _read_npz, ".csv": _read_csv, ".parquet": _read_parquet}[extension]
    with open_input(path, "pool") as handle:
        try:
            pool = reader(path, handle, id_column)
        except MemoryError:
            raise CampaignError(
                f"pool {path}: not enough memory to load it "
                f"({plural(os.path.getsize(path), 'byte')})."
            ) from None
    _check_pool(pool)
    return pool


def read_responses(path):
    """Read and check a pool of single responses (``.npz`` with ``ids`` and ``X_items``).

    ``skpref embed --format responses`` writes it: one row per response, the
    embedding of ``prompt + response`` (not a difference), for ``skpref score``
    to give each a reward ``x^T theta``.

    Returns
    -------
    pool : ResponsePool

    Raises
    ------
    CampaignError
    """
    path = os.fspath(path)
    if os.path.splitext(path)[1].lower() != ".npz":
        raise CampaignError(f"pool {path}: a pool of single responses is an .npz file.")
    with open_input(path, "pool") as handle:
        pool = _read_npz(path, handle, "pair_id", kind="responses")
    _check_pool(pool)
    return pool


# -- formats -------------------------------------------------------------------


#: How the files each format reads begin (a .npz file is a zip archive).
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_MAGIC = b"\x93NUMPY"


def _read_npz(path, handle, id_column, kind="pairs"):
    start = handle.read(8)
    handle.seek(0)
    if not start:
        raise CampaignError(f"pool {path}: the file is empty (0 bytes).")
    if start.startswith(_NPY_MAGIC):
        raise CampaignError(
            f"pool {path}: is a .npy file (a single array), not an .npz archive of the "
            "arrays 'ids' and 'X'; save the pool with numpy.savez(path, ids=ids, X=X)."
        )
    if not start.startswith(_ZIP_MAGIC):
        raise CampaignError(
            f"pool {path}: not an .npz file (an .npz file is a zip archive, as numpy.savez "
            f"writes it; this one starts with {start[:8]!r})."
        )
    try:
        with np.load(handle, allow_pickle=False) as archive:
            keys = set(archive.files)
            if "ids" not in keys:
                raise CampaignError(
                    f"pool {path}: no array 'ids' (found: {', '.join(sorted(keys)) or 'none'})."
                )
            ids = _npz_ids(path, archive["ids"])
            if "X_items" in keys and not ({"X", "X_first", "X_second"} & keys):
                if kind == "pairs":
                    raise CampaignError(
                        f"pool {path}: holds single responses ('X_items', from skpref embed "
                        "--format responses), not pairs: score it with skpref score; select, "
                        "status and fit need a pool of pairs."
                    )
                X = _as_rows(path, "X_items", archive["X_items"])
                items = None
            elif kind == "responses":
                raise CampaignError(
                    f"pool {path}: holds pairs, not single responses ('X_items')."
                )
            elif "X" in keys and ({"X_first", "X_second"} & keys):
                raise CampaignError(
                    f"pool {path}: holds both 'X' and 'X_first'/'X_second'; keep one form."
                )
            elif "X" in keys:
                X = _as_rows(path, "X", archive["X"])
                items = None
            elif {"X_first", "X_second"} <= keys:
                first = _as_rows(path, "X_first", archive["X_first"])
                second = _as_rows(path, "X_second", archive["X_second"])
                if first.shape != second.shape:
                    raise CampaignError(
                        f"pool {path}: X_first has shape {first.shape} but X_second "
                        f"has {second.shape}."
                    )
                with np.errstate(over="ignore", invalid="ignore"):  # checked below
                    X = first - second
                items = (first, second)
            else:
                raise CampaignError(
                    f"pool {path}: needs an array 'X' (difference rows) or the arrays "
                    f"'X_first' and 'X_second' (found: {', '.join(sorted(keys))})."
                )
            texts = _npz_texts(path, archive, keys, kind, ids.shape[0])
            provenance = _npz_provenance(path, archive, keys)
    except CampaignError:
        raise
    except ValueError as error:
        if "pickle" in str(error):  # object arrays need pickling, which is refused
            raise CampaignError(
                f"pool {path}: cannot be read without pickling ({error}); save ids as "
                "a string or integer array, e.g. np.asarray(ids, dtype=str)."
            ) from None
        raise CampaignError(f"pool {path}: not a readable .npz file ({error}).") from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise CampaignError(
            f"pool {path}: not a readable .npz file, truncated or damaged ({error})."
        ) from None
    except MemoryError as error:  # a header announcing a huge array, real or damaged
        raise CampaignError(
            f"pool {path}: an array in it does not fit in memory ({error}); if the file is "
            "small, its array headers are damaged."
        ) from None
    if ids.shape[0] != X.shape[0]:
        raise CampaignError(
            f"pool {path}: {plural(ids.shape[0], 'id')} but "
            f"{plural(X.shape[0], 'feature row')}."
        )
    if kind == "responses":
        return ResponsePool(ids, X, path, texts=texts, provenance=provenance)
    return Pool(ids, X, path, texts=texts, provenance=provenance, items=items)


def _npz_texts(path, archive, keys, kind, n_rows):
    """The :class:`PoolTexts` of an archive that has ``texts``, else None."""
    if "texts" not in keys:
        return None
    columns = TEXT_ARRAYS["responses" if "X_items" in keys else "pairs"]
    needed = ["text_offsets", *(f"{name}_index" for name in columns)]
    missing = [name for name in needed if name not in keys]
    if missing:
        raise CampaignError(
            f"pool {path}: has 'texts' but not {listing(missing)}; the texts are incomplete."
        )
    data = archive["texts"]
    if data.dtype != np.uint8 or data.ndim != 1:
        raise CampaignError(f"pool {path}: 'texts' must be a 1-D uint8 array of UTF-8 bytes.")
    arrays = {name: archive[name] for name in needed}
    for name, array in arrays.items():
        if array.dtype.kind not in "iu":
            raise CampaignError(f"pool {path}: {name!r} must hold integers, got {array.dtype}.")
    texts = PoolTexts(
        data.tobytes(), arrays["text_offsets"],
        {name: arrays[f"{name}_index"] for name in columns},
    )
    texts.check(path, n_rows)
    return texts


def _npz_provenance(path, archive, keys):
    """The archive's ``provenance`` (a JSON object in a string array), or None."""
    if "provenance" not in keys:
        return None
    value = archive["provenance"]
    if value.dtype.kind != "U" or value.ndim != 0:
        raise CampaignError(f"pool {path}: 'provenance' must be one string (JSON).")
    try:
        provenance = json.loads(str(value))
    except ValueError as error:
        raise CampaignError(f"pool {path}: 'provenance' is not JSON ({error}).") from None
    if not isinstance(provenance, dict):
        raise CampaignError(f"pool {path}: 'provenance' must be a JSON object.")
    return provenance


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


#: CSV pool rows converted to floats per block (bounded memory for the text).
_CSV_BLOCK = 4096


def _read_csv(path, handle, id_column):
    lines = physical_lines(handle, f"pool {path}")
    split_record = record_splitter()
    first = next(lines, None)
    if first is None:
        raise CampaignError(f"pool {path}: the file is empty (no header line).")
    try:
        header = [name.strip() for name in split_record(first[1])]
    except ValueError as error:
        raise CampaignError(f"pool {path}: line 1: {error}.") from None
    features = _feature_columns(path, header, id_column)
    id_at = header.index(id_column)
    wanted = [header.index(name) for name in features]
    ids, numbers, blocks, bad = [], [], [], []
    texts, text_lines = [], []
    for line, text, _ in lines:  # a pool is not appended to: its last line may lack "\n"
        try:
            fields = split_record(text)
        except ValueError as error:
            bad.append((line, str(error)))
            continue
        if not any(field.strip() for field in fields):
            continue  # a blank line holds no pair
        if len(fields) != len(header):
            bad.append((line, f"expected {plural(len(header), 'field')}, got {len(fields)}"))
            continue
        ids.append(fields[id_at].strip())  # as label files are read
        numbers.append(line)
        texts.append([fields[i] for i in wanted])
        text_lines.append(line)
        if len(texts) == _CSV_BLOCK:
            blocks.append(_floats(texts, text_lines, features, bad))
            texts, text_lines = [], []
    blocks.append(_floats(texts, text_lines, features, bad))
    if bad:
        shown = [f"line {line}: {message}" for line, message in sorted(bad)[:20]]
        if len(bad) > 20:
            shown.append(f"... and {len(bad) - 20} more")
        raise CampaignError(
            f"pool {path}: {plural(len(bad), 'malformed line')}:\n  " + "\n  ".join(shown)
        )
    X = np.concatenate(blocks) if blocks else np.empty((0, len(features)))
    return Pool(np.array(ids, dtype=str), _differences(header, features, X), path,
                np.array(numbers, dtype=np.int64))


def _floats(texts, lines, features, bad):
    """A block of CSV fields as floats; lines with a non-number go to ``bad``."""
    if not texts:
        return np.empty((0, len(features)))
    try:
        return np.array(texts, dtype=np.float64)
    except ValueError:
        pass
    for line, fields in zip(lines, texts):
        columns = [name for name, field in zip(features, fields) if not _is_number(field)]
        if columns:
            bad.append((line, f"not a number in column {listing(columns)}"))
    return np.empty((0, len(features)))


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_parquet(path, handle, id_column):
    try:
        import pandas as pd
        import pyarrow  # noqa: F401  (pandas needs an engine; say so up front)
    except ImportError:
        raise CampaignError(
            f"pool {path}: reading a .parquet pool needs pandas and pyarrow: "
            "pip install 'skpref[parquet]' (or convert the pool to .npz or .csv)."
        ) from None
    try:
        frame = pd.read_parquet(handle)
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


#: The code points ``str.isspace`` accepts (what ``str.strip`` removes).
_SPACES = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)


def _whitespace_ids(ids):
    """``(blank, padded)``: ids empty or all whitespace, and ids with surrounding whitespace.

    The same answers as ``np.char.strip(ids) == ""`` and ``np.char.strip(ids)
    != ids``, computed on the UCS-4 code points of the fixed-width array
    without calling Python per element: numpy 1.23's ``np.char`` functions
    turned an exception raised in such a call (a ``SIGTERM`` arriving while
    the pool is checked, see :mod:`skpref.cli`) into ``TypeError: result
    array type does not match underlying function``.

    Examples
    --------
    >>> blank, padded = _whitespace_ids(np.array(["a", " b", "c\u3000", "  ", "", "d e"]))
    >>> blank.tolist(), padded.tolist()
    ([False, False, False, True, True, False], [False, True, True, True, False, False])
    """
    ids = np.ascontiguousarray(ids, dtype=str)
    n = ids.shape[0]
    width = ids.dtype.itemsize // 4
    if n == 0 or width == 0:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    codes = ids.view(np.uint32).reshape(n, width)
    present = codes != 0
    length = np.where(present.any(axis=1), width - np.argmax(present[:, ::-1], axis=1), 0)
    space = np.isin(codes, _SPACES)
    inside = np.arange(width) < length[:, None]
    blank = np.all(space | ~present, axis=1) & np.all(present | ~inside, axis=1)
    last = codes[np.arange(n), np.maximum(length - 1, 0)]
    padded = (length > 0) & (space[:, 0] | np.isin(last, _SPACES))
    return blank, padded


def check_ids(path, ids):
    """Raise :class:`CampaignError` unless the ids are present, unique and unpadded."""
    _check_ids(Pool(np.asarray(ids, dtype=str), np.empty((len(ids), 1)), path))


def _check_pool(pool):
    path, X = pool.path, pool.X
    if pool.ids.size == 0:
        raise CampaignError(f"pool {path}: holds no pairs.")
    if X.shape[1] == 0:
        raise CampaignError(f"pool {path}: the rows have no features.")
    _check_ids(pool)
    _check_rows(pool)


def _check_ids(pool):
    path, ids = pool.path, pool.ids
    if ids.size == 0:
        raise CampaignError(f"pool {path}: holds no pairs.")
    blank, padded_ids = _whitespace_ids(ids)
    empty = np.flatnonzero(blank)
    if empty.size:
        raise CampaignError(
            f"pool {path}: {plural(empty.size, 'empty pair id')}: "
            f"{listing(pool.where(r) for r in empty)}."
        )
    padded = np.flatnonzero(padded_ids)
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


def _check_rows(pool):
    path, ids, X = pool.path, pool.ids, pool.X
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if bad.size:
        raise CampaignError(
            f"pool {path}: {plural(bad.size, 'pair')} with NaN or infinite features: "
            f"{listing(f'{str(ids[r])!r} ({pool.where(r)})' for r in bad)}."
        )
    huge = np.flatnonzero((np.abs(X) > MAX_FEATURE).any(axis=1))
    if huge.size:
        raise CampaignError(
            f"pool {path}: {plural(huge.size, 'pair')} with features whose squares overflow "
            f"double precision (|x| > {MAX_FEATURE:.3g}; the model's curvature and interval "
            "widths square the features): "
            f"{listing(f'{str(ids[r])!r} ({pool.where(r)})' for r in huge)}. Rescale the "
            "features."
        )
