"""A table of hostile inputs for ``skpref select`` and ``skpref status``.

Every case runs the command in-process (``skpref.cli.main``) and checks the
promises that hold for every input: no traceback; the documented exit status
(0 done, 1 a problem with the files or the data, 2 bad options); when a
problem is found, nothing is written (the previous batch file is
byte-identical and no temporary file is left); and the pool and the labels
are never changed (their bytes are hashed before and after; a FIFO stays a
FIFO, a link stays a link). Bad options have their own table in
``tests/test_cli.py``, signals in ``test_signals.py``.
"""

import errno
import hashlib
import io
import os
import socket
import stat
import threading
import zipfile

import numpy as np
import pytest

from skpref.cli import main

from ._helpers import make_pool, save_pool, write_labels

OLD = b"pair_id,rank\nthe previous batch,1\n"

#: (case id, commands, expected exit status, a fragment of stderr, build(env))
CASES = []


def case(name, code, fragment=None, commands=("select", "status")):
    def register(build):
        CASES.extend((name, command, code, fragment, build) for command in commands)
        return build
    return register


class Env:
    """A campaign directory: a 40-pair pool, 12 labels, the previous batch file."""

    def __init__(self, root, monkeypatch):
        self.root, self.monkeypatch = root, monkeypatch
        self.ids, self.X, theta = make_pool(n_pairs=40, n_features=3, seed=4)
        self.pool = save_pool(root / "pool.npz", self.ids, self.X)
        self.lines = [
            f"{self.ids[i]},{'first' if self.X[i] @ theta > 0 else 'second'},ann-{i % 3}"
            for i in range(12)
        ]
        self.labels = write_labels(root / "labels.csv", self.lines,
                                   header="pair_id,label,annotator")
        (root / "out").mkdir()
        self.out = root / "out" / "next.csv"
        self.out.write_bytes(OLD)
        self.out_arg = str(self.out)
        self.cleanup = []

    def file(self, name, content):
        path = self.root / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return str(path)

    def csv_pool(self, text, name="p.csv"):
        self.pool = self.file(name, text)

    def labels_text(self, text):
        self.labels = self.file("l.csv", text)

    def npz(self, **arrays):
        path = self.root / "p.npz"
        np.savez(path, **arrays)
        self.pool = str(path)

    def deny(self, path):
        """``open`` fails with EACCES for ``path`` (as root, permission bits do not)."""
        real = os.open

        def fake(name, flags, *args, **kwargs):
            if os.fspath(name) == path:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
            return real(name, flags, *args, **kwargs)

        self.monkeypatch.setattr(os, "open", fake)


def fingerprint(path):
    """A regular file's SHA-256; for anything else what it is (and where a link points)."""
    info = os.lstat(path) if os.path.lexists(path) else None
    if info is None:
        return None
    if stat.S_ISLNK(info.st_mode):
        return ("link", os.readlink(path))
    if stat.S_ISREG(info.st_mode):
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    return stat.S_IFMT(info.st_mode)


def special(env, role, kind, name=None):
    """Make ``env.pool`` / ``env.labels`` (``env.<role>``) a path that is not a regular file."""
    path = str(env.root / (name or ("p.npz" if role == "pool" else "l.csv")))
    if kind == "missing":
        pass
    elif kind == "directory":
        os.mkdir(path)
    elif kind == "loop":
        os.symlink(path + ".2", path)
        os.symlink(path, path + ".2")
    elif kind == "broken":
        os.symlink("gone", path)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        os.symlink(os.devnull, path)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(path)
        env.cleanup.append(server.close)
    setattr(env, role, path)


KINDS = {
    "missing": "does not exist",
    "directory": "is a directory, not a regular file",
    "loop": "is a symbolic link loop",
    "broken": "is a broken symbolic link (to 'gone', which does not exist)",
    "fifo": "is a FIFO (named pipe), not a regular file",
    "device": "is a character device, not a regular file",
    "socket": "is a socket, not a regular file",
}
for _role in ("pool", "labels"):
    for _kind, _message in KINDS.items():
        case(f"{_role}-{_kind}", 1, _message)(
            lambda env, role=_role, kind=_kind: special(env, role, kind)
        )


@case("pool-permission-denied", 1, "cannot be read: permission denied")
def _(env):
    env.deny(env.pool)


@case("labels-permission-denied", 1, "cannot be read: permission denied")
def _(env):
    env.deny(env.labels)


@case("pool-chmod-000", 1, "cannot be read: permission denied")
def _(env):
    if os.geteuid() == 0:
        pytest.skip("root reads a file of mode 000 (the EACCES trick above covers it)")
    os.chmod(env.pool, 0)


# -- .npz pools -------------------------------------------------------------------------


def _npz_bytes(env):
    with open(env.pool, "rb") as handle:
        return handle.read()


@case("npz-truncated-half", 1, "not a readable .npz file, truncated or damaged")
def _(env):
    env.pool = env.file("p.npz", _npz_bytes(env)[: len(_npz_bytes(env)) // 2])


@case("npz-truncated-10-bytes", 1, "not a readable .npz file, truncated or damaged")
def _(env):
    env.pool = env.file("p.npz", _npz_bytes(env)[:10])


@case("npz-empty", 1, "the file is empty (0 bytes)")
def _(env):
    env.pool = env.file("p.npz", b"")


@case("npz-is-npy", 1, "is a .npy file (a single array)")
def _(env):
    buffer = io.BytesIO()
    np.save(buffer, env.X)
    env.pool = env.file("p.npz", buffer.getvalue())


@case("npz-is-text", 1, "not an .npz file")
def _(env):
    env.pool = env.file("p.npz", "pair_id,f0\na,1\n")


@case("npz-binary-garbage", 1, "not an .npz file")
def _(env):
    env.pool = env.file("p.npz", np.random.default_rng(1).bytes(5000))


@case("npz-zip-magic-then-garbage", 1, "not a readable .npz file")
def _(env):
    env.pool = env.file("p.npz", b"PK\x03\x04" + np.random.default_rng(2).bytes(5000))


@case("npz-corrupt-member", 1, "not a readable .npz file")
def _(env):
    path = env.root / "p.npz"
    with zipfile.ZipFile(path, "w") as archive:
        buffer = io.BytesIO()
        np.save(buffer, env.ids)
        archive.writestr("ids.npy", buffer.getvalue())
        archive.writestr("X.npy", b"\x93NUMPY\x01\x00garbage")
    env.pool = str(path)


@case("npz-header-claims-a-huge-array", 1, "pool ")
def _(env):
    from numpy.lib import format as npy_format

    header = io.BytesIO()
    npy_format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (2**24, 2**24)}
    )
    path = env.root / "p.npz"
    with zipfile.ZipFile(path, "w") as archive:
        buffer = io.BytesIO()
        np.save(buffer, env.ids)
        archive.writestr("ids.npy", buffer.getvalue())
        archive.writestr("X.npy", header.getvalue())
    env.pool = str(path)


def _with(env, row, column, value):
    X = env.X.copy()
    X[row, column] = value
    return X


for _name, _value, _message in [
    ("nan", np.nan, "with NaN or infinite features"),
    ("inf", np.inf, "with NaN or infinite features"),
    ("minus-inf", -np.inf, "with NaN or infinite features"),
    ("1e300", 1e300, "whose squares overflow double precision"),
    ("minus-2e154", -2e154, "whose squares overflow double precision"),
]:
    case(f"npz-feature-{_name}", 1, _message)(
        lambda env, value=_value: env.npz(ids=env.ids, X=_with(env, 5, 1, value))
    )

_NPZ_BAD = {
    "duplicate-ids": (lambda e: dict(ids=np.r_[e.ids[:-1], e.ids[:1]], X=e.X),
                      "duplicated pair id"),
    "object-ids": (lambda e: dict(ids=np.array(list(e.ids), dtype=object), X=e.X),
                   "cannot be read without pickling"),
    "float-ids": (lambda e: dict(ids=np.arange(40) + 0.5, X=e.X), "must hold strings or integers"),
    "no-X": (lambda e: dict(ids=e.ids, Y=e.X), "needs an array 'X'"),
    "no-ids": (lambda e: dict(X=e.X), "no array 'ids'"),
    "ids-2d": (lambda e: dict(ids=e.ids.reshape(20, 2), X=e.X), "'ids' must be 1-D"),
    "X-1d": (lambda e: dict(ids=e.ids, X=e.X[:, 0]), "must be 2-D"),
    "X-3d": (lambda e: dict(ids=e.ids, X=e.X[:, :, None]), "must be 2-D"),
    "X-complex": (lambda e: dict(ids=e.ids, X=e.X + 1j), "must be numeric"),
    "X-strings": (lambda e: dict(ids=e.ids, X=e.X.astype(str)), "must be numeric"),
    "no-pairs": (lambda e: dict(ids=e.ids[:0], X=e.X[:0]), "holds no pairs"),
    "no-features": (lambda e: dict(ids=e.ids, X=e.X[:, :0]), "the rows have no features"),
    "ids-and-rows-differ": (lambda e: dict(ids=e.ids[:30], X=e.X), "30 ids but 40 feature rows"),
    "both-forms": (lambda e: dict(ids=e.ids, X=e.X, X_first=e.X, X_second=e.X), "keep one form"),
    "sides-differ": (lambda e: dict(ids=e.ids, X_first=e.X, X_second=e.X[:, :2]),
                     "X_first has shape"),
    "padded-id": (lambda e: dict(ids=np.r_[[" " + e.ids[0]], e.ids[1:]], X=e.X),
                  "leading or trailing whitespace"),
    "empty-id": (lambda e: dict(ids=np.r_[[""], e.ids[1:]], X=e.X), "empty pair id"),
    "sides-overflow": (lambda e: dict(ids=e.ids, X_first=_with(e, 0, 0, 1.7e308),
                                      X_second=_with(e, 0, 0, -1.7e308)),
                       "with NaN or infinite features"),
}
for _name, (_arrays, _message) in _NPZ_BAD.items():
    case(f"npz-{_name}", 1, _message)(lambda env, arrays=_arrays: env.npz(**arrays(env)))


@case("npz-uppercase-extension", 0)
def _(env):
    env.pool = str(env.root / "POOL.NPZ")
    with open(env.pool, "wb") as handle:  # numpy.savez would append ".npz" to the name
        np.savez(handle, ids=env.ids, X=env.X)


@case("npz-item-features", 0)
def _(env):
    env.npz(ids=env.ids, X_first=env.X + 5.0, X_second=np.full_like(env.X, 5.0))


# -- CSV and Parquet pools, extensions ---------------------------------------------------


def _csv(env, rows=None, header="pair_id,f0,f1,f2", newline="\n"):
    rows = rows if rows is not None else [
        f"{pair_id},{','.join(repr(float(v)) for v in row)}" for pair_id, row in zip(env.ids, env.X)
    ]
    return newline.join([header, *rows]) + newline


_CSV_BAD = {
    "empty": (lambda e: "", "the file is empty (no header line)"),
    "header-only": (lambda e: "pair_id,f0\n", "holds no pairs"),
    "stray-quote": (lambda e: _csv(e).replace("\npair-0003,", '\n"pair-0003,', 1),
                    "line 5: a quote opened on this line is not closed on it"),
    "stray-quote-in-header": (lambda e: _csv(e).replace("pair_id,f0", '"pair_id,f0', 1),
                              "line 1: a quote opened on this line"),
    "malformed-quotes": (lambda e: _csv(e).replace("\npair-0003,", '\n"pair"-0003,', 1),
                         "malformed quoting"),
    "nul-byte": (lambda e: _csv(e).replace("pair-0003", "pair\x00-0003"), "contains a NUL byte"),
    "nan": (lambda e: _csv(e) + "extra,nan,0,0\n", "NaN or infinite"),
    "inf": (lambda e: _csv(e) + "extra,0,-inf,0\n", "NaN or infinite"),
    "1e400": (lambda e: _csv(e) + "extra,1e400,0,0\n", "NaN or infinite"),
    "1e300": (lambda e: _csv(e) + "extra,1e300,0,0\n", "squares overflow"),
    "duplicate-ids": (lambda e: _csv(e) + "pair-0001,0,0,0\n", "duplicated pair id"),
    "no-id-column": (lambda e: _csv(e, header="id,f0,f1,f2"), "no id column 'pair_id'"),
    "extra-field": (lambda e: _csv(e) + "extra,0,0,0,0\n", "expected 4 fields, got 5"),
    "missing-field": (lambda e: _csv(e) + "extra,0,0\n", "expected 4 fields, got 3"),
    "not-a-number": (lambda e: _csv(e) + "extra,zero,0,0\n", "not a number in column f0"),
    "duplicated-columns": (lambda e: _csv(e, header="pair_id,f0,f0,f2"), "duplicated column"),
    "sides-differ": (lambda e: _csv(e, header="pair_id,first_a,second_b,first_c"),
                     "first_* / second_* are item features"),
    "no-features": (lambda e: "pair_id\na\nb\n", "no feature columns"),
}
for _name, (_text, _message) in _CSV_BAD.items():
    case(f"csv-{_name}", 1, _message)(lambda env, text=_text: env.csv_pool(text(env)))


@case("csv-not-utf8", 1, "not UTF-8 text: line 3")
def _(env):
    env.pool = env.file("p.csv", _csv(env).encode().replace(b"pair-0001", b"pair-\xe9001"))


@case("csv-binary-garbage", 1, "pool ")
def _(env):
    env.pool = env.file("p.csv", np.random.default_rng(3).bytes(3000))


@case("csv-the-labels-file-as-pool", 1, "not a number in column label, annotator")
def _(env):
    env.pool = env.labels.replace("labels.csv", "labels-copy.csv")
    with open(env.labels, "rb") as source:
        env.file("labels-copy.csv", source.read())


for _name, _build in {
    "bom-crlf": lambda e: b"\xef\xbb\xbf" + _csv(e, newline="\r\n").encode(),
    "cr-only": lambda e: _csv(e, newline="\r").encode(),
    "no-final-newline": lambda e: _csv(e).rstrip("\n").encode(),
    "quoted-fields-and-spaces": lambda e: _csv(e).replace("\npair-0004,", '\n" pair-0004 ",',
                                                          1).encode(),
}.items():
    case(f"csv-{_name}", 0)(lambda env, build=_build: setattr(
        env, "pool", env.file("p.csv", build(env))))


@case("parquet-garbage", 1, "not a readable Parquet file")
def _(env):
    pytest.importorskip("pyarrow")
    env.pool = env.file("p.parquet", b"PAR1 not really")


@case("parquet-empty-file", 1, "not a readable Parquet file")
def _(env):
    pytest.importorskip("pyarrow")
    env.pool = env.file("p.parquet", b"")


@case("parquet-text-feature", 1, "not numeric: text")
def _(env):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    path = env.root / "p.parquet"
    pd.DataFrame({"pair_id": env.ids, "f": env.X[:, 0], "text": "x"}).to_parquet(path)
    env.pool = str(path)


@case("pool-extension-txt", 1, "unknown format '.txt'")
def _(env):
    env.pool = env.file("p.txt", _npz_bytes(env))


@case("pool-no-extension", 1, "unknown format '(no extension)'")
def _(env):
    env.pool = env.file("pool", _npz_bytes(env))


# -- label files --------------------------------------------------------------------------


def _labels(env, *extra, header="pair_id,label,annotator", newline="\n"):
    return newline.join([header, *env.lines, *extra]) + newline


_LABELS_BAD = {
    "stray-quote": (lambda e: _labels(e).replace(",ann-1\n", ',"Smith\n', 1),
                    "line 3: a quote opened on this line is not closed on it"),
    "stray-quote-last-line": (lambda e: _labels(e, 'pair-0020,first,"Smith'),
                              "line 14: a quote opened on this line"),
    "field-over-two-lines": (lambda e: _labels(e, 'pair-0020,first,"two', 'lines"'),
                             "line 14: a quote opened on this line"),
    "malformed-quotes": (lambda e: _labels(e, 'pair-0020,"fir"st,x'), "malformed quoting"),
    "nul-byte": (lambda e: _labels(e, "pair-0020,first,a\x00b"), "contains a NUL byte"),
    "zero-filled-block-then-newline": (lambda e: _labels(e) + "\x00" * 512 + "\n",
                                       "contains a NUL byte"),
    "extra-column": (lambda e: _labels(e, "pair-0020,first,ann,extra"), "got 4"),
    "missing-column": (lambda e: _labels(e, "pair-0020,first"), "got 2"),
    "second-header": (lambda e: _labels(e, "pair_id,label,annotator", "pair-0020,first,x"),
                      "line 14: a second header line"),
    "second-header-reordered": (lambda e: _labels(e, "label,annotator,pair_id"),
                                "a second header line"),
    "conflicting-answers": (lambda e: _labels(e, e.lines[0].replace(",first,", ",second,")
                                              if ",first," in e.lines[0]
                                              else e.lines[0].replace(",second,", ",first,")),
                            "labeled both first"),
    "unknown-pair": (lambda e: _labels(e, "pair-9999,first,x"), "unknown pair_id 'pair-9999'"),
    "label-outside-the-set": (lambda e: _labels(e, "pair-0020,maybe,x"),
                              "label 'maybe' is not one"),
    "empty-pair-id": (lambda e: _labels(e, ",first,x"), "empty pair_id"),
    "header-without-label": (lambda e: _labels(e, header="pair_id,answer,annotator"),
                             "missing: label"),
    "header-duplicated-column": (lambda e: _labels(e, header="pair_id,label,label"),
                                 "duplicated column names: label"),
    "tab-separated": (lambda e: _labels(e, header="pair_id\tlabel\tannotator").replace(",", "\t"),
                      "the header must name the columns"),
    "semicolons": (lambda e: _labels(e, header="pair_id;label;annotator").replace(",", ";"),
                   "the header must name the columns"),
    "blank-lines-only": (lambda e: "\n\n\n", "the header must name the columns"),
    "byte-order-mark-mid-file": (lambda e: _labels(e, "\ufeffpair-0020,first,x"),
                                 "unknown pair_id '\\ufeffpair-0020'"),
    "huge-quoted-field": (lambda e: _labels(e, f'pair-0020,first,"{"x" * 200000}"'),
                          "a quoted field longer than 131072 characters"),
    "huge-pair-id": (lambda e: _labels(e, f"{'p' * 200000},first,x"), "unknown pair_id"),
    "file-without-header": (lambda e: "\n".join(e.lines) + "\n",
                            "the header must name the columns"),
}
for _name, (_text, _message) in _LABELS_BAD.items():
    case(f"labels-{_name}", 1, _message)(lambda env, text=_text: env.labels_text(text(env)))


@case("labels-not-utf8", 1, "not UTF-8 text: line 4")
def _(env):
    env.labels = env.file("l.csv", _labels(env).encode().replace(b"ann-2", b"ann-\xe9", 1))


@case("labels-latin-1", 1, "not UTF-8 text")
def _(env):
    env.labels = env.file("l.csv", _labels(env, "pair-0020,first,José").encode("latin-1"))


@case("labels-binary-garbage", 1, "labels ")
def _(env):
    env.labels = env.file("l.csv", np.random.default_rng(4).bytes(3000))


@case("labels-the-pool-file", 1, "not UTF-8 text")
def _(env):
    env.labels = env.file("pool-copy.csv", _npz_bytes(env))


def _reordered(env):
    """The labels with the header ``label,annotator,pair_id``."""
    rows = [line.split(",") for line in env.lines]
    return "\n".join(["label,annotator,pair_id", *(f"{b},{c},{a}" for a, b, c in rows)]) + "\n"


_LABELS_FINE = {
    "columns-reordered": _reordered,
    "cut-last-line-label-first": lambda e: _reordered(e) + "first,x,pair-002",
    "cut-last-line-pair-first": lambda e: _labels(e) + "pair-0020,fir",
    "cut-last-line-of-nul-bytes": lambda e: _labels(e) + "\x00" * 4096,
    "cut-last-line-with-stray-quote": lambda e: _labels(e) + 'pair-0020,first,"Smi',
    "header-without-newline": lambda e: "pair_id,label",
    "empty-file": lambda e: "",
    "header-only-crlf": lambda e: "pair_id,label\r\n",
    "bom-and-crlf": lambda e: "\ufeff" + _labels(e, newline="\r\n"),
    "cr-only": lambda e: _labels(e, newline="\r"),
    "spaces-case-and-digits": lambda e: _labels(e, " pair-0020 , FIRST ,x", "pair-0021,0,y"),
    "identical-repeats": lambda e: _labels(e, *e.lines[:3]),
    "blank-lines-between": lambda e: _labels(e).replace("\n", "\n\n"),
    "quoted-note-with-commas": lambda e: _labels(e, 'pair-0020,first,"Smith, J., ""the"" ann"'),
}
for _name, _text in _LABELS_FINE.items():
    case(f"labels-{_name}", 0)(lambda env, text=_text: env.labels_text(text(env)))


# -- --out (select) ---------------------------------------------------------------------


def _reader(env, path):
    received = []
    thread = threading.Thread(target=lambda: received.append(open(path, "rb").read()),
                              daemon=True)
    thread.start()

    def stop():
        thread.join(10)
        if thread.is_alive():  # the command never opened the FIFO: release the reader
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        assert received and received[0].startswith(b"pair_id,rank,")

    env.cleanup.append(stop)


def out_case(name, code, fragment=None):
    return case(f"out-{name}", code, fragment, commands=("select",))


@out_case("directory", 1, "is a directory; give a file name")
def _(env):
    env.out_arg = str(env.out.parent)


@out_case("missing-directory", 1, "does not exist")
def _(env):
    env.out_arg = str(env.root / "nowhere" / "next.csv")


@out_case("empty", 1, "--out is empty")
def _(env):
    env.out_arg = ""


@out_case("the-labels-file", 1, "is the labels file")
def _(env):
    env.out_arg = env.labels


@out_case("the-pool-file", 1, "is the pool file")
def _(env):
    env.out_arg = env.pool


@out_case("a-hard-link-to-the-labels", 1, "is the labels file")
def _(env):
    os.link(env.labels, env.out.parent / "linked.csv")
    env.out_arg = str(env.out.parent / "linked.csv")


@out_case("a-symlink-loop", 1, "is a symbolic link loop")
def _(env):
    os.symlink(env.out.parent / "loop.csv", env.out.parent / "loop.csv")
    env.out_arg = str(env.out.parent / "loop.csv")


@out_case("a-socket", 1, "is a socket")
def _(env):
    special(env, "out_arg", "socket", name="socket.csv")


@out_case("a-file-as-directory", 1, "--out")
def _(env):
    env.out_arg = str(env.out / "next.csv")


@out_case("disk-full", 1, "No space left on device (the file was left as it was)")
def _(env):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    env.monkeypatch.setattr(os, "fsync", full)


@out_case("read-only-directory", 1, "Permission denied (creating a temporary file in")
def _(env):
    real = os.open

    def fake(name, flags, *args, **kwargs):
        if os.path.basename(os.fspath(name)).startswith(".next.csv.") and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
        return real(name, flags, *args, **kwargs)

    env.monkeypatch.setattr(os, "open", fake)


@out_case("a-character-device", 0)
def _(env):
    # Our own null device (as root), never the machine's /dev/null: code that renames over
    # its output, as the old code did, must not be able to replace a system file.
    try:
        os.mknod(env.root / "null-device", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        env.out_arg = str(env.root / "null-device")
    except PermissionError:
        pytest.skip("mknod needs root; the link to /dev/null below covers the case")
    env.cleanup.append(lambda: stat.S_ISCHR(os.lstat(env.out_arg).st_mode) or pytest.fail())


@out_case("a-link-to-dev-null", 0)
def _(env):
    os.symlink(os.devnull, env.root / "null.csv")
    env.out_arg = str(env.root / "null.csv")


@out_case("a-fifo", 0)
def _(env):
    os.mkfifo(env.root / "fifo.csv")
    env.out_arg = str(env.root / "fifo.csv")
    _reader(env, env.out_arg)


@out_case("a-link-to-an-open-pipe", 0)
def _(env):
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd")
    read_end, write_end = os.pipe()
    os.symlink(f"/proc/self/fd/{write_end}", env.root / "mystdout")
    env.out_arg = str(env.root / "mystdout")
    received = []
    thread = threading.Thread(target=lambda: received.append(os.read(read_end, 1 << 20)))
    thread.start()

    def stop():
        os.close(write_end)
        thread.join(10)
        os.close(read_end)
        assert received[0].startswith(b"pair_id,rank,")
        assert os.readlink(env.root / "mystdout") == f"/proc/self/fd/{write_end}"

    env.cleanup.append(stop)


@out_case("a-link-to-a-regular-file", 0)
def _(env):
    os.symlink("next.csv", env.out.parent / "link.csv")
    env.out_arg = str(env.out.parent / "link.csv")
    env.cleanup.append(lambda: os.readlink(env.out_arg) == "next.csv" or pytest.fail("replaced"))


@out_case("a-new-file", 0)
def _(env):
    env.out_arg = str(env.out.parent / "fresh.csv")


@out_case("stdout", 0)
def _(env):
    env.out_arg = "-"


@pytest.mark.parametrize(
    "name, command, code, fragment, build", CASES, ids=[f"{c[1]}-{c[0]}" for c in CASES]
)
def test_hostile_input(tmp_path, capsys, monkeypatch, name, command, code, fragment, build):
    env = Env(tmp_path, monkeypatch)
    build(env)
    argv = [command, "--pool", env.pool, "--labels", env.labels]
    if command == "select":
        argv += ["--batch-size", "5", "--out", env.out_arg]
    before = {path: fingerprint(path) for path in (env.pool, env.labels)}
    try:
        try:
            status = main(argv)
        except SystemExit as exit:
            status = exit.code
        finally:
            monkeypatch.undo()  # the EACCES and ENOSPC tricks end with the command
        stdout, stderr = capsys.readouterr()
        assert "Traceback" not in stderr
        assert status == code, stderr
        if fragment:
            assert fragment in stderr
        assert {path: fingerprint(path) for path in before} == before
        kept = sorted(os.listdir(env.out.parent))
        assert not [name for name in kept if name.endswith(".tmp")]  # no temporary file left
        if code != 0:
            assert stdout == "" and env.out.read_bytes() == OLD  # nothing written
            assert stderr.startswith(f"skpref {command}: error: ") or "\nskpref" in stderr
        elif command == "status":
            assert stdout.startswith("pool ")
        elif env.out_arg == str(env.out) or env.out_arg.endswith("link.csv"):
            assert env.out.read_bytes().startswith(b"pair_id,rank,utility,")
        else:
            assert env.out.read_bytes() == OLD  # written elsewhere
            assert env.out_arg != "-" or stdout.startswith("pair_id,rank,utility,")
    finally:
        for cleanup in env.cleanup:
            cleanup()


def test_the_table_is_large_enough():
    assert len(CASES) >= 200
