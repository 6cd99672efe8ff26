"""``.npz`` archives with the same bytes for the same arrays.

``numpy.savez`` stamps every zip entry with the current time, so two runs on
the same inputs give files that differ. :func:`write_npz` writes the archive
itself: one uncompressed (``ZIP_STORED``, as ``numpy.savez``) entry per array
in the given order, each stamped 1980-01-01 00:00:00 with mode 0644, through
:func:`skpref._atomic.atomic_write_with` (a temporary file, then a
rename: a reader never sees half an archive). An array may be given as
blocks of rows (a generator), so that an archive larger than memory is
written block by block. ``numpy.load`` reads the result as any ``.npz``.
"""

import zipfile

import numpy as np

from .._atomic import atomic_write_with

#: The timestamp of every entry (the earliest a zip file can hold).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class Blocks:
    """An array written from row blocks: its dtype, its shape and a function yielding the blocks.

    Parameters
    ----------
    dtype : numpy dtype
    shape : tuple of int
    blocks : callable
        Returns an iterator of arrays whose rows, concatenated, are the array.
    """

    def __init__(self, dtype, shape, blocks):
        self.dtype = np.dtype(dtype)
        self.shape = tuple(shape)
        self.blocks = blocks


def _entry(name):
    info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.create_system = 3  # Unix, on every platform
    return info


def _write_array(handle, array):
    if isinstance(array, Blocks):
        header = {"descr": np.lib.format.dtype_to_descr(array.dtype), "fortran_order": False,
                  "shape": array.shape}
        np.lib.format.write_array_header_2_0(handle, header)
        written = 0
        for block in array.blocks():
            block = np.ascontiguousarray(block, dtype=array.dtype)
            handle.write(block.tobytes())
            written += block.shape[0] if block.ndim else 1
        if written != (array.shape[0] if array.shape else 1):
            raise RuntimeError(f"wrote {written} rows of {array.shape}")
        return
    array = np.asarray(array)
    if not array.flags.c_contiguous:
        array = array.copy(order="C")  # np.ascontiguousarray would make a 0-d array 1-d
    np.lib.format.write_array(handle, array, allow_pickle=False, version=(2, 0))


def write_npz(path, arrays):
    """Write ``arrays`` (a dict, in order) to the ``.npz`` file ``path``, atomically.

    Parameters
    ----------
    path : str
    arrays : dict of str to ndarray or Blocks

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
    >>> write_npz(path, {"ids": np.array(["p1"]), "X": np.ones((1, 2), dtype=np.float32)})
    >>> before = open(path, "rb").read()
    >>> write_npz(path, {"ids": np.array(["p1"]), "X": np.ones((1, 2), dtype=np.float32)})
    >>> open(path, "rb").read() == before, np.load(path)["X"].tolist()
    (True, [[1.0, 1.0]])
    """

    def fill(handle):
        with zipfile.ZipFile(handle, mode="w", compression=zipfile.ZIP_STORED,
                             allowZip64=True) as archive:
            for name, array in arrays.items():
                with archive.open(_entry(name), mode="w", force_zip64=True) as entry:
                    _write_array(entry, array)

    atomic_write_with(path, fill)
