"""Row chunking: how every pass over a pool keeps its memory bounded.

A pool may be a two-million-row ``np.memmap`` or a scipy.sparse matrix of
text features; nothing in skpref loads it whole, or densifies it whole. Passes
read it in slices of rows small enough for the cache-friendly BLAS calls to run
at full speed while their float64 copies stay a few tens of MiB.
"""

import mmap
import sys

import numpy as np
from scipy import sparse

#: Target size of one float64 chunk. 16 MiB keeps a chunk and its whitened
#: copy inside a typical L3-plus-memory sweet spot while leaving BLAS calls
#: large enough to be efficient.
CHUNK_BYTES = 16 * 2**20


def is_dask_array(X):
    """Whether ``X`` is a ``dask.array.Array`` (without importing Dask).

    A Dask array can only exist once ``dask.array`` has been imported, so the
    check never imports it: ``import skpref`` stays free of Dask.
    """
    module = sys.modules.get("dask.array")
    return module is not None and isinstance(X, module.Array)


def chunk_rows(n_columns, chunk_bytes=CHUNK_BYTES):
    """Number of rows of ``n_columns`` float64 values in one chunk (>= 64)."""
    return max(64, int(chunk_bytes) // (8 * max(1, int(n_columns))))


def iter_row_slices(n_rows, n_columns, chunk_bytes=CHUNK_BYTES):
    """Yield ``slice`` objects covering ``range(n_rows)`` in order."""
    step = chunk_rows(n_columns, chunk_bytes)
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


def as_float_chunk(X, rows, copy=True):
    """Rows ``X[rows]`` as a C-contiguous float64 array.

    With ``copy=True`` (default) always a new array that callers may write,
    checked for NaN and infinity (``ValueError`` naming the first bad row).
    With ``copy=False`` a view where the pool already is C-ordered float64,
    unchecked: the caller checks its outputs with :func:`check_finite_rows`.

    A scipy.sparse ``X`` (matrix or array) is densified here, one chunk at a
    time: the dense chunk holds exactly the stored values and zeros elsewhere,
    so every pass computes on a sparse pool exactly what it computes on its
    dense copy, with the memory of one chunk.
    """
    chunk = X[rows]
    if sparse.issparse(chunk):
        # toarray() is a new array, so it is already the copy callers may write.
        chunk = np.ascontiguousarray(chunk.toarray(), dtype=np.float64)
    elif not copy:
        return np.asarray(chunk, dtype=np.float64, order="C")
    else:
        chunk = np.array(chunk, dtype=np.float64, order="C", copy=True)
    if copy:
        check_finite_rows(chunk, rows)
    return chunk


def check_finite_rows(chunk, rows):
    """Raise ``ValueError`` naming the first row of ``chunk`` that is not finite."""
    if not np.isfinite(chunk).all():
        bad = np.flatnonzero(~np.isfinite(chunk).all(axis=1))[0]
        start = rows.start if isinstance(rows, slice) else 0
        raise ValueError(
            f"Input X contains NaN or infinity (first at row {start + bad}); "
            "every comparison row must be finite."
        )


def iter_chunks(X, n_columns, copy=True):
    """Yield ``(rows, chunk)`` over ``X`` (see :func:`as_float_chunk`).

    After each chunk has been used, the pages of a memory-mapped pool that
    held it are handed back to the kernel, so resident memory stays at a
    chunk or so instead of growing to the whole file.
    """
    for rows in iter_row_slices(X.shape[0], n_columns):
        yield rows, as_float_chunk(X, rows, copy)
        release_pages(X, rows)


#: Pages are released in aligned windows of this size: Linux maps a faulting
#: page's cached neighbours with it ("fault-around", 64 KiB by default), so
#: releasing only the pages of one row would leave the window resident.
RELEASE_WINDOW = 64 * 1024


def release_pages(X, rows):
    """``madvise(MADV_DONTNEED)`` the mapped pages around ``X[rows]``, if mapped.

    Only for a C-contiguous ``np.memmap`` opened read-only (mode ``"r"``): its
    pages are clean copies of the file, so dropping them, and any neighbours
    in the same :data:`RELEASE_WINDOW`, loses nothing (a later read maps them
    again from the page cache). A no-op for every other array.
    """
    mapping = getattr(X, "_mmap", None)
    if (
        mapping is None
        or not hasattr(mapping, "madvise")
        or X.flags.writeable
        or not X.flags.c_contiguous
        or not hasattr(mmap, "MADV_DONTNEED")
    ):
        return
    base = np.frombuffer(mapping, dtype=np.uint8).ctypes.data
    first = X.ctypes.data - base + rows.start * X.strides[0]
    last = X.ctypes.data - base + rows.stop * X.strides[0]
    start = first - first % RELEASE_WINDOW
    stop = min(len(mapping), -(-last // RELEASE_WINDOW) * RELEASE_WINDOW)
    if stop > start:
        mapping.madvise(mmap.MADV_DONTNEED, start, stop - start)
