"""Row chunking: how every pass over a pool keeps its memory bounded.

A pool may be a two-million-row ``np.memmap``; nothing in skpref loads it
whole. Passes read it in slices of rows small enough for the cache-friendly
BLAS calls to run at full speed while their float64 copies stay a few tens of
MiB.
"""

import numpy as np

#: Target size of one float64 chunk. 16 MiB keeps a chunk and its whitened
#: copy inside a typical L3-plus-memory sweet spot while leaving BLAS calls
#: large enough to be efficient.
CHUNK_BYTES = 16 * 2**20


def chunk_rows(n_columns, chunk_bytes=CHUNK_BYTES):
    """Number of rows of ``n_columns`` float64 values in one chunk (>= 64)."""
    return max(64, int(chunk_bytes) // (8 * max(1, int(n_columns))))


def iter_row_slices(n_rows, n_columns, chunk_bytes=CHUNK_BYTES):
    """Yield ``slice`` objects covering ``range(n_rows)`` in order."""
    step = chunk_rows(n_columns, chunk_bytes)
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


def as_float_chunk(X, rows):
    """Rows ``X[rows]`` as a C-contiguous float64 array that may be written.

    Always a copy, so callers may work in place without touching the caller's
    (possibly read-only or memory-mapped) pool. Raises ``ValueError`` naming
    the first bad row when the chunk holds NaN or infinity.
    """
    chunk = np.array(X[rows], dtype=np.float64, order="C", copy=True)
    if not np.isfinite(chunk).all():
        bad = np.flatnonzero(~np.isfinite(chunk).all(axis=1))[0]
        start = rows.start if isinstance(rows, slice) else 0
        raise ValueError(
            f"Input X contains NaN or infinity (first at row {start + bad}); "
            "every comparison row must be finite."
        )
    return chunk
