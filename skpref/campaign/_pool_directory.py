"""Pool directories: a pool of tens of millions of pairs as zarr arrays, read lazily by rows.

A pool directory (its name ends in ``.zarr``) holds what an ``.npz`` pool
holds (see :mod:`skpref.campaign._pool`), each array a zarr array (format
2) chunked by rows, beside one small JSON manifest::

    pool.zarr/
        pool.json        the manifest: format, version, shape, form, digests, provenance
        .zgroup          {"zarr_format": 2}: the directory is also a zarr group
        ids/             uint8 (n_pairs, id_bytes): each id's UTF-8 bytes, NUL-padded
        X/               (n_pairs, n_features) float32 or float64: difference rows, or
        X_first/ X_second/   the item features (the row is X_first - X_second)
        texts/ text_offsets/ prompt_index/ first_index/ second_index/
                         the pairs' texts, optional (:class:`~skpref.campaign.PoolTexts`)

Why this layout:

* the feature rows are read where they lie: ``dask.array.from_zarr`` of a row-chunked
  array gives a pool whose blocks are the zarr chunks, read by the workers (on a
  cluster, from a filesystem they share), never collected to the client;
* every array is numeric (ids as fixed-width bytes, texts as bytes and offsets), so
  zarr 2 and zarr 3 read and write the same files (zarr 3 writes format 2 here),
  and any single row, or a batch of rows, is read from the chunks it lies in;
* the manifest is plain JSON, written last, by a rename: a directory without it
  (an unfinished write) is never taken for a pool, and its ``provenance`` is the
  ``.npz`` pool's, readable without zarr.

A directory is checked when written (:func:`write_pool`: ids present,
unique and without surrounding whitespace, every feature finite with a
finite square, as :func:`~skpref.campaign.read_pool` checks an ``.npz``
pool), and its manifest records the sha256 of the ids' bytes. Reading it
checks the manifest, the arrays' shapes and types, and the ids against that
digest (one pass over the ids: a few bytes per pair); the rows, which may be
tens of gigabytes, are not read when the pool is opened: each pass over them
refuses a non-finite row by its position, as it does for any pool.

The default row chunk holds about 16 MiB of features (8,192 rows of 384
float32): a pass over the pool is one task per chunk, and a read of a few
scattered rows (a batch's candidates, the labeled pairs) costs only the
chunks they lie in, so smaller chunks make scattered reads cheaper and
passes longer in tasks. Chunks are stored uncompressed by default: float
embeddings compress to about 94% of their size (Blosc-LZ4 with shuffling),
not worth decompressing on every pass.
"""

import hashlib
import json
import os
import shutil

import numpy as np

from .._atomic import atomic_write_bytes
from .._text import plural
from ._errors import CampaignError

#: The name every pool directory ends in.
POOL_DIRECTORY_SUFFIX = ".zarr"

#: The manifest's file name, its format name and version.
MANIFEST = "pool.json"
FORMAT = "skpref-pool"
VERSION = 1

#: Target bytes of one chunk of feature rows.
CHUNK_BYTES = 16 * 2**20

#: Rows per chunk of the small per-row arrays (ids, text indexes), and bytes per text chunk.
_SMALL_CHUNK_ROWS = 2**20
_TEXT_CHUNK_BYTES = 16 * 2**20

#: The text columns of a pool of pairs.
_TEXT_COLUMNS = ("prompt", "first", "second")

#: Name of the progress file of an unfinished write (in ``PATH.partial``).
_PROGRESS = "progress.json"


def is_pool_directory_path(path):
    """Whether ``path`` names a pool directory (it ends in ``.zarr``, any case, or ``.zarr/``)."""
    return os.fspath(path).rstrip("/\\").lower().endswith(POOL_DIRECTORY_SUFFIX)


def default_chunk_rows(n_features, itemsize=4):
    """Rows per chunk: the power of two nearest below :data:`CHUNK_BYTES` of rows (>= 256).

    Examples
    --------
    >>> default_chunk_rows(384), default_chunk_rows(384, itemsize=8), default_chunk_rows(10**6)
    (8192, 4096, 256)
    """
    rows = max(1, CHUNK_BYTES // (max(1, int(n_features)) * itemsize))
    return max(256, 1 << (int(rows).bit_length() - 1))


# -- zarr, both majors ------------------------------------------------------------


def _zarr(path):
    try:
        import zarr
    except ImportError:
        raise CampaignError(
            f"pool {path}: a pool directory needs zarr and dask: pip install 'skpref[dask]'."
        ) from None
    return zarr


def _major(zarr):
    return int(zarr.__version__.split(".")[0])


def _create(zarr, path, shape, chunks, dtype):
    """A new zarr array at ``path`` (format 2 on zarr 3 too, uncompressed)."""
    options = {"shape": shape, "chunks": chunks, "dtype": dtype, "compressor": None,
               "fill_value": 0}
    if _major(zarr) >= 3:
        options["zarr_format"] = 2
    return zarr.open_array(store=path, mode="w", **options)


def _open(zarr, path):
    return zarr.open_array(store=path, mode="r")


# -- ids ---------------------------------------------------------------------------


def encode_ids(path, ids):
    """Ids as a ``(n, width)`` uint8 array of NUL-padded UTF-8 bytes (``CampaignError`` on NUL)."""
    encoded = np.char.encode(np.asarray(ids, dtype=str), "utf-8")
    if encoded.dtype.itemsize == 0:
        encoded = encoded.astype("S1")
    width = encoded.dtype.itemsize
    raw = np.ascontiguousarray(encoded).view(np.uint8).reshape(len(encoded), width)
    # A NUL inside an id would be read back as its end.
    inner = raw[:, :-1] == 0
    bad = np.flatnonzero((inner & (raw[:, 1:] != 0)).any(axis=1))
    if bad.size:
        raise CampaignError(
            f"pool {path}: pair id {str(np.asarray(ids)[bad[0]])!r} (row {bad[0]}) holds a NUL "
            "character; a pool directory stores ids as NUL-padded UTF-8."
        )
    return raw


def _decode(raw):
    """``(m, width)`` uint8 rows as an array of str."""
    raw = np.ascontiguousarray(raw, dtype=np.uint8)
    return np.char.decode(raw.view(f"S{raw.shape[1]}").reshape(raw.shape[0]), "utf-8")


def _bytes(raw):
    """``(m, width)`` uint8 rows as an ``S`` array (trailing NULs are padding)."""
    raw = np.ascontiguousarray(raw, dtype=np.uint8)
    return raw.view(f"S{raw.shape[1]}").reshape(raw.shape[0])


def _orthogonal(array, rows):
    """``array[rows]`` of a zarr array for an index array ``rows``, any order, repeats allowed."""
    rows = np.asarray(rows, dtype=np.int64).ravel()
    if rows.size == 0:
        return np.empty((0, *array.shape[1:]), dtype=array.dtype)
    unique, inverse = np.unique(rows, return_inverse=True)
    selection = (unique,) + (slice(None),) * (len(array.shape) - 1)
    return np.asarray(array.get_orthogonal_selection(selection))[inverse.ravel()]


class PoolIds:
    """The ids of a pool directory, read from its ``ids`` array by rows, never all at once.

    Behaves as the ``ids`` array of an ``.npz`` pool where campaigns use it:
    ``len``, ``size``, ``shape``, ``ids[row]`` (a str), ``ids[rows]`` (an
    array of str), :meth:`positions`; :meth:`tolist` and ``np.asarray(ids)``
    read them all (a store that keeps every id, as ``skpref annotate``'s,
    needs that).

    Parameters
    ----------
    array : zarr array of uint8, shape (n_pairs, width)
    block_rows : int
        Ids decoded per step of :meth:`positions` and :meth:`tolist`.
    """

    def __init__(self, array, block_rows=_SMALL_CHUNK_ROWS):
        self.array = array
        self.block_rows = int(block_rows)
        self.shape = (int(array.shape[0]),)
        self.size = self.shape[0]
        self.ndim = 1
        self.dtype = np.dtype(str)

    def __len__(self):
        return self.size

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            row = int(key) + (self.size if key < 0 else 0)
            if not 0 <= row < self.size:
                raise IndexError(f"row {key} is outside the pool's {self.size} pairs")
            return str(_decode(self.array[row:row + 1])[0])
        if isinstance(key, slice):
            start, stop, step = key.indices(self.size)
            return _decode(self.array[start:stop])[::step]
        rows = np.asarray(key)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        rows = np.where(rows < 0, rows + self.size, rows)
        return _decode(_orthogonal(self.array, rows))

    def blocks(self):
        """``(start, ids)`` per block of :attr:`block_rows` rows, ids as ``S`` bytes."""
        for start in range(0, self.size, self.block_rows):
            yield start, _bytes(self.array[start:start + self.block_rows])

    def __iter__(self):
        for _, block in self.blocks():
            yield from np.char.decode(block, "utf-8").tolist()

    def tolist(self):
        """Every id, as a list of str (read block by block)."""
        return list(self)

    def __array__(self, dtype=None, copy=None):
        ids = np.concatenate([np.char.decode(b, "utf-8") for _, b in self.blocks()])
        return ids if dtype is None else ids.astype(dtype)

    def positions(self, pair_ids):
        """Pool row of every id in ``pair_ids``, ``-1`` for ids not in the pool.

        Matched blockwise: the wanted ids, sorted once, are looked up in each
        block of stored ids (``searchsorted``), so memory is one block of ids
        and the wanted ones, whatever the pool's size.
        """
        wanted = np.char.encode(np.asarray(pair_ids, dtype=str), "utf-8")
        found = np.full(wanted.size, -1, dtype=np.intp)
        if wanted.size == 0:
            return found
        order = np.argsort(wanted, kind="stable")
        ordered = wanted[order]
        for start, block in self.blocks():
            at = np.minimum(np.searchsorted(ordered, block), ordered.size - 1)
            hit = np.flatnonzero(ordered[at] == block)
            if hit.size == 0:
                continue
            # Every wanted copy of a matched id gets the row (ids are unique in the pool).
            lo = np.searchsorted(ordered, block[hit], side="left")
            hi = np.searchsorted(ordered, block[hit], side="right")
            for first, last, row in zip(lo.tolist(), hi.tolist(), (start + hit).tolist()):
                found[order[first:last]] = row  # a loop over matched labels, not pool rows
        return found


class StoredTexts:
    """The texts of a pool directory, read by rows (the interface of :class:`PoolTexts`).

    Parameters
    ----------
    path : str
    data, offsets : zarr arrays (uint8 bytes, int64 offsets)
    index : dict of str to zarr array of int64
    """

    def __init__(self, path, data, offsets, index):
        self.path = path
        self.data = data
        self.offsets = offsets
        self.index = index

    @property
    def columns(self):
        """The text columns, in order."""
        return tuple(self.index)

    def column(self, name, rows=None):
        """The strings of column ``name`` at ``rows`` (all rows when None: every string read)."""
        array = self.index[name]
        strings = (np.asarray(array[:]) if rows is None
                   else _orthogonal(array, np.asarray(rows, dtype=np.int64)))
        if strings.size == 0:
            return []
        n_strings = self.offsets.shape[0] - 1
        if strings.min() < 0 or strings.max() >= n_strings:
            raise CampaignError(
                f"pool {self.path}: '{name}_index' points outside the "
                f"{plural(n_strings, 'text')}; the texts are damaged."
            )
        starts = _orthogonal(self.offsets, strings)
        stops = _orthogonal(self.offsets, strings + 1)
        out = []
        for k, start, stop in zip(strings.tolist(), starts.tolist(), stops.tolist()):
            # One read per text asked for (a batch's, a page's): never a pass over the pool.
            if not 0 <= start <= stop <= self.data.shape[0]:
                raise CampaignError(
                    f"pool {self.path}: 'text_offsets' of text {k} are out of order; the "
                    "texts are damaged."
                )
            try:
                out.append(bytes(np.asarray(self.data[start:stop])).decode("utf-8"))
            except UnicodeDecodeError as error:
                raise CampaignError(
                    f"pool {self.path}: text {k} is not UTF-8 (byte {error.start}); the texts "
                    "are damaged."
                ) from None
        return out


# -- writing -----------------------------------------------------------------------


def _digest_update(digest, raw):
    digest.update(np.ascontiguousarray(raw, dtype=np.uint8).tobytes())


class PoolDirectoryWriter:
    """Writes a pool directory row block by row block; resumable after a kill.

    The arrays are written into ``PATH.partial/``; after each block of rows
    (a whole number of chunks, or the last rows) its ``progress.json``
    records the rows written, atomically. A writer opened again on the
    same ``PATH`` with the same ``key`` goes on after the rows recorded (a
    chunk that a kill left half-written is written again whole); with
    another key, or none, it starts over. :meth:`finish` writes the
    manifest and renames the directory to ``PATH``, replacing a pool
    directory that was there (never anything else).

    Parameters
    ----------
    path : str
        Ends in ``.zarr``.
    ids : array-like of str, shape (n_pairs,)
        Checked (present, unique, no surrounding whitespace, no NUL).
    n_features : int
    form : {"X", "items"}
        Difference rows ``X``, or item features ``X_first`` and ``X_second``.
    dtype : {float32, float64}
    texts : PoolTexts or None
    chunk_rows : int or None
        Rows per chunk (None: :func:`default_chunk_rows`).
    key : str or None
        What decides the content (an embedding run's cache key): a resumed
        write must have the same one.

    Attributes
    ----------
    rows_done : int
        Rows already written (resumed ones included).
    """

    def __init__(self, path, ids, n_features, *, form="X", dtype=np.float32, texts=None,
                 chunk_rows=None, key=None):
        from ._pool import check_ids

        self.path = os.fspath(path).rstrip("/\\")
        if not is_pool_directory_path(self.path):
            raise CampaignError(f"pool {self.path}: a pool directory's name ends in .zarr.")
        if form not in ("X", "items"):
            raise ValueError(f"form must be 'X' or 'items', got {form!r}")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        self.zarr = _zarr(self.path)
        ids = np.asarray(ids, dtype=str)
        check_ids(self.path, ids)
        raw = encode_ids(self.path, ids)
        self.ids = ids
        self.n_rows, self.n_features = ids.shape[0], int(n_features)
        self.form = form
        self.names = ("X",) if form == "X" else ("X_first", "X_second")
        self.chunk_rows = int(chunk_rows or default_chunk_rows(n_features, self.dtype.itemsize))
        if self.chunk_rows < 1:
            raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows!r}")
        self.key = key
        self.partial = self.path + ".partial"
        self._check_destination()
        digest = hashlib.sha256()
        _digest_update(digest, raw)
        self.ids_sha256 = digest.hexdigest()
        self.has_texts = texts is not None
        self.rows_done = self._resume()
        if self.rows_done is None:
            self._start(raw, texts)
            self.rows_done = 0
        self._arrays = {name: self.zarr.open_array(store=os.path.join(self.partial, name),
                                                   mode="r+") for name in self.names}

    def _check_destination(self):
        for candidate in (self.path, self.partial):
            if os.path.lexists(candidate) and not os.path.isdir(candidate):
                raise CampaignError(
                    f"pool {self.path}: {candidate} exists and is not a directory; move it away."
                )
        if os.path.isdir(self.path) and not os.path.exists(os.path.join(self.path, MANIFEST)):
            raise CampaignError(
                f"pool {self.path}: the directory exists and is not a pool directory (no "
                f"{MANIFEST}); it is never replaced: move it away or give another name."
            )
        parent = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(parent):
            raise CampaignError(f"pool {self.path}: the directory {parent} does not exist.")

    def _progress(self):
        try:
            with open(os.path.join(self.partial, _PROGRESS)) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def _resume(self):
        """Rows written by an earlier writer of the same key, or None to start over."""
        progress = self._progress()
        if (self.key is None or progress is None or progress.get("key") != self.key
                or progress.get("ids_sha256") != self.ids_sha256
                or progress.get("chunk_rows") != self.chunk_rows
                or progress.get("shape") != [self.n_rows, self.n_features]
                or progress.get("form") != self.form
                or progress.get("dtype") != self.dtype.str
                or progress.get("texts") != self.has_texts):
            return None
        rows = progress.get("rows")
        return rows if isinstance(rows, int) and 0 <= rows <= self.n_rows else None

    def _start(self, raw, texts):
        if os.path.isdir(self.partial):
            if os.listdir(self.partial) and self._progress() is None:
                raise CampaignError(
                    f"pool {self.path}: {self.partial} exists and was not left by an "
                    "unfinished write (no progress file); move it away."
                )
            shutil.rmtree(self.partial)
        os.makedirs(self.partial)
        zarr = self.zarr
        ids = _create(zarr, os.path.join(self.partial, "ids"), raw.shape,
                      (max(1, min(_SMALL_CHUNK_ROWS, raw.shape[0])), raw.shape[1]), np.uint8)
        step = ids.chunks[0]
        for start in range(0, raw.shape[0], step):
            ids[start:start + step] = raw[start:start + step]
        for name in self.names:
            _create(zarr, os.path.join(self.partial, name), (self.n_rows, self.n_features),
                    (max(1, min(self.chunk_rows, self.n_rows)), self.n_features), self.dtype)
        if texts is not None:
            texts.check(self.path, self.n_rows)
            self._write_texts(texts)
        self._record(0)

    def _write_texts(self, texts):
        zarr = self.zarr
        missing = [name for name in _TEXT_COLUMNS if name not in texts.columns]
        if missing:
            raise CampaignError(
                f"pool {self.path}: the texts lack the column(s) {', '.join(missing)}."
            )
        data = np.frombuffer(texts.data, dtype=np.uint8)
        arrays = {"texts": data, "text_offsets": texts.offsets}
        arrays.update({f"{name}_index": texts.index[name] for name in _TEXT_COLUMNS})
        for name, values in arrays.items():
            step = _TEXT_CHUNK_BYTES if name == "texts" else _SMALL_CHUNK_ROWS
            array = _create(zarr, os.path.join(self.partial, name), values.shape,
                            (max(1, min(step, values.shape[0])),), values.dtype)
            for start in range(0, values.shape[0], step):
                array[start:start + step] = values[start:start + step]

    def _record(self, rows):
        progress = {"key": self.key, "rows": rows, "ids_sha256": self.ids_sha256,
                    "chunk_rows": self.chunk_rows, "shape": [self.n_rows, self.n_features],
                    "form": self.form, "dtype": self.dtype.str, "texts": self.has_texts}
        atomic_write_bytes(os.path.join(self.partial, _PROGRESS),
                           json.dumps(progress).encode("utf-8"))

    def write(self, *blocks):
        """Append the next rows: one block per array (``X``, or ``X_first`` and ``X_second``).

        A block holds a whole number of chunks, except the last rows of the
        pool; each is checked (finite, with a finite square), then written,
        then recorded as done.
        """
        from ._pool import MAX_FEATURE

        if len(blocks) != len(self.names):
            raise ValueError(f"give {len(self.names)} block(s): {', '.join(self.names)}")
        start = self.rows_done
        size = blocks[0].shape[0]
        stop = start + size
        if stop > self.n_rows:
            raise ValueError(f"rows {start}..{stop} exceed the pool's {self.n_rows} rows")
        if size % self.chunk_rows and stop != self.n_rows:
            raise ValueError(
                f"a block holds a whole number of chunks ({self.chunk_rows} rows), or the "
                f"last rows; got {size} rows at row {start}"
            )
        for name, block in zip(self.names, blocks):
            block = np.asarray(block)
            if block.shape != (size, self.n_features):
                raise ValueError(f"{name} block has shape {block.shape}, "
                                 f"not ({size}, {self.n_features})")
            if block.dtype.kind not in "fiub":
                raise CampaignError(
                    f"pool {self.path}: {name!r} must be numeric, got dtype {block.dtype}."
                )
            bad = ~np.isfinite(block).all(axis=1)
            what = "NaN or infinite features"
            if not bad.any() and block.dtype.kind == "f" and block.dtype.itemsize > 4:
                # float32 never exceeds 3.5e38: only wider floats can have huge squares.
                bad = (np.abs(block) > MAX_FEATURE).any(axis=1)
                what = (f"features whose squares overflow double precision (|x| > "
                        f"{MAX_FEATURE:.3g}; rescale the features)")
            if bad.any():
                row = start + int(np.flatnonzero(bad)[0])
                raise CampaignError(
                    f"pool {self.path}: pair {str(self.ids[row])!r} (row {row}) has {what} in "
                    f"{name!r}; nothing was written as a pool."
                )
            self._arrays[name][start:stop] = block.astype(self.dtype, copy=False)
        self._record(stop)
        self.rows_done = stop

    def finish(self, provenance=None):
        """Write the manifest and put the directory in place; returns its path."""
        if self.rows_done != self.n_rows:
            raise ValueError(f"{self.rows_done} of {self.n_rows} rows written")
        manifest = {
            "format": FORMAT, "version": VERSION, "n_pairs": self.n_rows,
            "n_features": self.n_features, "rows": list(self.names),
            "dtype": self.dtype.str, "chunk_rows": self.chunk_rows,
            "ids_sha256": self.ids_sha256, "texts": self.has_texts,
            "provenance": provenance,
        }
        atomic_write_bytes(os.path.join(self.partial, ".zgroup"),
                           json.dumps({"zarr_format": 2}).encode("utf-8"))
        atomic_write_bytes(os.path.join(self.partial, MANIFEST),
                           json.dumps(manifest, sort_keys=True, indent=1,
                                      ensure_ascii=False).encode("utf-8"))
        os.unlink(os.path.join(self.partial, _PROGRESS))
        old = None
        if os.path.isdir(self.path):  # a pool directory (checked): replaced, never merged
            old = f"{self.path}.old-{os.getpid()}"
            os.rename(self.path, old)
        os.rename(self.partial, self.path)
        if old is not None:
            shutil.rmtree(old)
        return self.path


def write_pool(path, ids, X=None, *, X_first=None, X_second=None, texts=None, provenance=None,
               chunk_rows=None):
    """Write a pool directory (``.zarr``) from arrays: what ``read_pool`` reads lazily.

    The feature rows are read from the given arrays one block of chunks at a
    time, so a ``np.memmap`` or a Dask array larger than memory is written
    with the memory of a block. ``float32`` rows are stored as float32,
    others as float64.

    Parameters
    ----------
    path : str
        The directory to write; its name ends in ``.zarr``. An existing pool
        directory there is replaced once the new one is complete; any other
        existing file or directory is refused.
    ids : array-like of str or int, shape (n_pairs,)
    X : array-like of shape (n_pairs, n_features), optional
        Difference rows ``phi(first) - phi(second)``.
    X_first, X_second : array-like of shape (n_pairs, n_features), optional
        Item features instead of ``X`` (the row is their difference).
    texts : PoolTexts or None
        The pairs' ``prompt``, ``first`` and ``second`` texts.
    provenance : dict or None
        How the pool was made (kept in the manifest, as ``skpref embed``
        records it).
    chunk_rows : int or None
        Rows per zarr chunk (None: about 16 MiB of rows, see
        :func:`default_chunk_rows`).

    Returns
    -------
    path : str

    Raises
    ------
    CampaignError
        Bad ids or features (named by id and row), or a destination that is
        not a pool directory; the destination is then left as it was.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skpref.campaign import read_pool
    >>> path = os.path.join(tempfile.mkdtemp(), "pool.zarr")
    >>> X = np.arange(12, dtype=np.float32).reshape(6, 2)
    >>> _ = write_pool(path, [f"p{i}" for i in range(6)], X, chunk_rows=4)
    >>> pool = read_pool(path)
    >>> pool.X.chunks, pool.ids[[5, 0]].tolist(), pool.positions(["p3", "zz"]).tolist()
    (((4, 2), (2,)), ['p5', 'p0'], [3, -1])
    >>> bool((pool.X.compute() == X).all())
    True
    """
    if (X is None) == (X_first is None and X_second is None):
        raise ValueError("give either X or both X_first and X_second")
    if X is None and (X_first is None or X_second is None):
        raise ValueError("give both X_first and X_second")
    arrays = [X] if X is not None else [X_first, X_second]
    shapes = {tuple(np.shape(a)) if not hasattr(a, "shape") else tuple(a.shape) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"X_first and X_second differ in shape: {sorted(shapes)}")
    shape = shapes.pop()
    if len(shape) != 2:
        raise ValueError(f"the rows must be 2-D (one row per pair), got shape {shape}")
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.shape[0] != shape[0]:
        raise ValueError(f"{ids.shape} ids for {shape[0]} rows; give one id per row")
    if ids.dtype.kind not in "USiu":
        raise TypeError(f"ids must be strings or integers, got dtype {ids.dtype}")
    if ids.dtype.kind == "S":
        ids = np.char.decode(ids, "utf-8")
    dtypes = {np.dtype(getattr(a, "dtype", np.float64)) for a in arrays}
    dtype = np.float32 if dtypes == {np.dtype(np.float32)} else np.float64
    writer = PoolDirectoryWriter(path, ids.astype(str), shape[1],
                                 form="X" if X is not None else "items", dtype=dtype,
                                 texts=texts, chunk_rows=chunk_rows)
    step = writer.chunk_rows * max(1, (64 * 2**20) // (writer.chunk_rows * shape[1] * 8 or 1))
    for start in range(0, shape[0], step):
        writer.write(*(np.asarray(a[start:start + step]) for a in arrays))
    return writer.finish(provenance)


# -- reading -----------------------------------------------------------------------


def read_pool_directory(path):
    """The :class:`~skpref.campaign.Pool` of a pool directory, its rows a Dask array.

    ``pool.X`` is ``dask.array.from_zarr`` of the ``X`` array (or ``X_first
    - X_second`` in float64, as an ``.npz`` pool computes it), chunked as
    stored; ``pool.ids`` a :class:`PoolIds`, ``pool.texts`` a
    :class:`StoredTexts` or None, ``pool.provenance`` the manifest's.

    Raises
    ------
    CampaignError
        A directory without a manifest (an unfinished write, or not a pool
        directory), a manifest of another format or version, arrays that do
        not match it, or ids that are not the ids written (their sha256).
    """
    from ._pool import Pool

    manifest_path = os.path.join(path, MANIFEST)
    if not os.path.isdir(path):
        raise CampaignError(
            f"pool {path}: " + ("no such directory." if not os.path.lexists(path)
                                else "a pool whose name ends in .zarr is a directory.")
        )
    try:
        with open(manifest_path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except FileNotFoundError:
        unfinished = os.path.exists(os.path.join(path, _PROGRESS))
        raise CampaignError(
            f"pool {path}: no {MANIFEST}: "
            + ("an unfinished write (run it again to finish it)." if unfinished else
               "not a pool directory (skpref.campaign.write_pool or skpref embed --out "
               "DIR.zarr writes one).")
        ) from None
    except (OSError, ValueError) as error:
        raise CampaignError(f"pool {path}: {MANIFEST} is not readable JSON ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CampaignError(f"pool {path}: {MANIFEST} is not a skpref pool manifest.")
    if manifest.get("version") != VERSION:
        raise CampaignError(
            f"pool {path}: pool directory version {manifest.get('version')!r}; this skpref "
            f"reads version {VERSION}."
        )
    zarr = _zarr(path)
    import dask.array as da

    n_pairs, n_features = manifest.get("n_pairs"), manifest.get("n_features")
    names = manifest.get("rows")
    if names not in (["X"], ["X_first", "X_second"]):
        raise CampaignError(f"pool {path}: {MANIFEST} names no feature rows ('rows').")

    def array(name):
        try:
            return _open(zarr, os.path.join(path, name))
        except Exception as error:  # zarr's own errors for a missing or damaged array
            raise CampaignError(
                f"pool {path}: the array {name!r} is missing or unreadable ({error})."
            ) from None

    rows = {name: array(name) for name in names}
    for name, stored in rows.items():
        if tuple(stored.shape) != (n_pairs, n_features) or stored.dtype.kind != "f":
            raise CampaignError(
                f"pool {path}: {name!r} has shape {tuple(stored.shape)} and dtype "
                f"{stored.dtype}; the manifest says ({n_pairs}, {n_features}) floats."
            )
    ids_array = array("ids")
    if ids_array.dtype != np.uint8 or tuple(ids_array.shape[:1]) != (n_pairs,) \
            or len(ids_array.shape) != 2:
        raise CampaignError(f"pool {path}: 'ids' must be ({n_pairs}, width) uint8 bytes.")
    ids = PoolIds(ids_array)
    digest = hashlib.sha256()
    for _, block in ids.blocks():
        _digest_update(digest, block.view(np.uint8))
    if digest.hexdigest() != manifest.get("ids_sha256"):
        raise CampaignError(
            f"pool {path}: the ids are not those written (their sha256 differs from the "
            f"manifest's); the pool directory is damaged."
        )
    texts = None
    if manifest.get("texts"):
        texts = StoredTexts(path, array("texts"), array("text_offsets"),
                            {name: array(f"{name}_index") for name in _TEXT_COLUMNS})
        for name, index in texts.index.items():
            if tuple(index.shape) != (n_pairs,) or index.dtype.kind not in "iu":
                raise CampaignError(
                    f"pool {path}: '{name}_index' must hold {n_pairs} integers."
                )
    lazy = {name: da.from_zarr(stored) for name, stored in rows.items()}
    if names == ["X"]:
        X, items = lazy["X"], None
    else:
        first = lazy["X_first"].astype(np.float64)
        second = lazy["X_second"].astype(np.float64)
        X, items = first - second, (first, second)
    provenance = manifest.get("provenance")
    return Pool(ids, X, path, texts=texts,
                provenance=provenance if isinstance(provenance, dict) else None, items=items)
