"""From a text file to a pool: read, deduplicate, embed in resumable chunks, write.

:func:`embed_file` is the whole of ``skpref embed``:

1. read the input (:func:`~skpref.embed.read_text`) and hash it (sha256);
2. build the item texts (:mod:`skpref.embed._text`) and keep each distinct
   text once: a response that appears in several pairs is embedded once;
3. embed the distinct items in chunks of ``chunk_size``, in order; each
   finished chunk is saved (atomically) in the cache directory
   ``OUT.parts/`` beside the output. A run that is killed (even by
   ``SIGKILL``) and started again with the same inputs and options reuses the
   finished chunks and embeds the rest; chunks are formed and batched the same
   way in every run, so the final file is byte-identical to that of an
   uninterrupted run. Working memory is one chunk's tokens and activations;
   the embeddings wait on disk, and the output is written in row blocks;
4. write the pool (:mod:`skpref.embed._npz`, fixed timestamps: the same
   inputs and seed give the same bytes), then the labels file of the known
   preferences if asked, then remove the cache.

The cache is keyed by everything that decides its bytes (the input's
sha256, the format, the seed, the model's weights sha256, the truncation,
the chunk and batch sizes, the device and torch's thread count): a cache of
other inputs is never reused; it is replaced, with a note.
"""

import hashlib
import json
import os
import re
import sys
import time

import numpy as np

from .._atomic import (
    NotRegularFileError, atomic_write_bytes, remove_stale_temporaries, resolve_output,
    same_file,
)
from .._params import SEED, count, validated
from .._text import plural
from ._encoder import DEFAULT_MODEL, SentenceEncoder
from ._formats import EmbedError, labels_csv, read_text
from ._npz import Blocks, write_npz
from ._text import describe_text_format, item_parts

#: Distinct items per chunk (a killed run loses at most one chunk of work).
DEFAULT_CHUNK_SIZE = 1024

#: Pairs per block when the pool's arrays are written.
_WRITE_BLOCK = 8192

_CHUNK_FILE = re.compile(r"chunk-(\d{6})\.npz")


class EmbedReport:
    """What :func:`embed_file` did.

    Attributes
    ----------
    path : str
        The pool written.
    labels_path : str or None
    kind : {"pairs", "responses"}
    format : str
    n_rows : int
        Pairs (or responses) in the pool.
    n_items : int
        Distinct item texts embedded.
    n_labels : int
        Known preferences in the input.
    dropped : dict of str to list of int
        Records dropped, by reason, with their lines.
    repeated : int
    identical : int
        Pairs whose two responses are the same text (a zero row).
    truncated : dict
        ``{"items", "prompt", "response", "share"}``: distinct items cut, and
        the share among the distinct items.
    chunks : int
    resumed : int
        Chunks taken from the cache of an earlier, interrupted run.
    seconds : float
        Time spent embedding (this run).
    embedded : int
        Items embedded by this run (not from the cache).
    provenance : dict
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    @property
    def texts_per_second(self):
        """Items embedded per second by this run."""
        return self.embedded / self.seconds if self.seconds > 0 else float("nan")


def sha256_of_file(path, block=1 << 20):
    """Hex sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(block), b""):
            digest.update(piece)
    return digest.hexdigest()


class _Strings:
    """Distinct strings, each stored once, as UTF-8 bytes with offsets."""

    def __init__(self):
        self.index = {}
        self.pieces = []

    def add(self, text):
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.pieces)
            self.pieces.append(text.encode("utf-8"))
        return found

    def arrays(self):
        lengths = np.fromiter((len(piece) for piece in self.pieces), dtype=np.int64,
                              count=len(self.pieces))
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        data = np.frombuffer(b"".join(self.pieces), dtype=np.uint8)
        return data, offsets


def is_pool_directory_path(path):
    """Whether ``--out`` names a pool directory (``.zarr``; see ``skpref.campaign.write_pool``)."""
    return os.fspath(path).rstrip("/\\").lower().endswith(".zarr")


def _check_paths(input_path, out, labels_out):
    """Check ``--out`` and ``--labels-out`` before any work: a problem writes nothing."""
    directory = is_pool_directory_path(out)
    if os.path.splitext(out)[1].lower() != ".npz" and not directory:
        raise EmbedError(
            f"--out {out}: a pool from skpref embed is an .npz file or a pool directory; name "
            "it *.npz or *.zarr."
        )
    if directory:
        _check_directory_out(input_path, out)
    outputs = ([] if directory else [("--out", out)]) + (
        [("--labels-out", labels_out)] if labels_out else [])
    for option, path in outputs:
        if same_file(path, input_path):
            raise EmbedError(f"{option} {path} is the input file; it is only ever read.")
        try:
            kind, _ = resolve_output(path)
        except NotRegularFileError as error:
            raise EmbedError(f"{option} {path} {error.strerror}; give a file name.") from None
        except FileNotFoundError:
            raise EmbedError(
                f"{option} {path}: the directory {os.path.dirname(os.path.realpath(path))} "
                "does not exist."
            ) from None
        except OSError as error:
            raise EmbedError(f"{option} {path}: {error.strerror}.") from None
        if kind == "stream":
            raise EmbedError(f"{option} {path} is a stream; give a regular file.")
    if labels_out and directory and os.path.realpath(labels_out).startswith(
            os.path.realpath(out) + os.sep):
        raise EmbedError(f"--labels-out {labels_out} is inside the --out pool directory.")
    if labels_out and same_file(out, labels_out):
        raise EmbedError(f"--labels-out {labels_out} is the --out file; give two files.")


def _check_directory_out(input_path, out):
    """``--out DIR.zarr``: a new directory, or a pool directory (replaced when complete)."""
    from ..campaign._pool_directory import MANIFEST

    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise EmbedError(f"--out {out}: the directory {parent} does not exist.")
    if same_file(out, input_path):
        raise EmbedError(f"--out {out} is the input file; it is only ever read.")
    for path in (out, out + ".partial"):
        if os.path.lexists(path) and not os.path.isdir(path):
            raise EmbedError(f"--out {out}: {path} exists and is not a directory; move it away.")
    if os.path.isdir(out) and not os.path.exists(os.path.join(out, MANIFEST)):
        raise EmbedError(
            f"--out {out}: the directory exists and is not a pool directory (no {MANIFEST}); "
            "it is never replaced: move it away or give another name."
        )


def _check_labels_out(labels_out, text):
    """A labels file is never replaced by other labels (a campaign's labels are paid for)."""
    if not labels_out or not os.path.exists(labels_out):
        return
    try:
        with open(labels_out, "rb") as handle:
            current = handle.read()
    except OSError as error:
        raise EmbedError(f"--labels-out {labels_out}: {error.strerror}.") from None
    if current != text.encode("utf-8"):
        raise EmbedError(
            f"--labels-out {labels_out} exists and holds other labels; a label file is never "
            "replaced: remove it or give another name."
        )


class _Cache:
    """The finished chunks of a run, in ``OUT.parts/``, keyed by everything that decides them."""

    def __init__(self, out, key, notes):
        self.directory = out + ".parts"
        self.key = key
        self.notes = notes
        manifest = os.path.join(self.directory, "manifest.json")
        if os.path.isdir(self.directory):
            try:
                with open(manifest) as handle:
                    found = json.load(handle).get("key")
            except (OSError, ValueError):
                found = None
            if found != key:
                removed = self._clear()
                if removed:
                    notes.append(
                        f"{self.directory}: {plural(removed, 'cached chunk')} of other inputs "
                        "or options removed."
                    )
        elif os.path.lexists(self.directory):
            raise EmbedError(
                f"{self.directory} exists and is not a directory; skpref embed keeps its "
                "finished chunks there: move it away."
            )
        os.makedirs(self.directory, exist_ok=True)
        atomic_write_bytes(manifest, json.dumps({"key": key}).encode("utf-8"))

    def _clear(self):
        removed = 0
        for entry in os.listdir(self.directory):
            if _CHUNK_FILE.fullmatch(entry):
                os.unlink(os.path.join(self.directory, entry))
                removed += 1
        return removed

    def path(self, k):
        return os.path.join(self.directory, f"chunk-{k:06d}.npz")

    def load(self, k, n_items, dimension):
        """The cached chunk ``k`` as ``(embeddings, counts)``, or None (missing or damaged)."""
        path = self.path(k)
        if not os.path.exists(path):
            return None
        try:
            with np.load(path, allow_pickle=False) as archive:
                embeddings, counts = archive["embeddings"], archive["counts"]
        except Exception:  # a damaged cache file is recomputed, never trusted
            return None
        if embeddings.shape != (n_items, dimension) or counts.shape != (n_items, 4):
            return None
        return embeddings, counts

    def save(self, k, embeddings, counts):
        write_npz(self.path(k), {"embeddings": embeddings, "counts": counts})

    def remove(self):
        self._clear()
        for name in ("manifest.json",):
            try:
                os.unlink(os.path.join(self.directory, name))
            except FileNotFoundError:
                pass
        remove_stale_temporaries(self.directory, "manifest.json")
        try:
            os.rmdir(self.directory)
        except OSError:  # something else is in it: leave it
            pass


def _progress(total, enabled):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="text", desc="embedding", file=sys.stderr, smoothing=0.1)


@validated({"batch_size": [count(1)], "chunk_size": [count(1)], "seed": [SEED]})
def embed_file(
    input, out, *, model=DEFAULT_MODEL, format="auto", labels_out=None, batch_size=64,
    device="cpu", chunk_size=DEFAULT_CHUNK_SIZE, seed=0, progress=False, encoder=None,
    pool_chunk_rows=None,
):
    """Embed a file of pairs (or single responses) into a pool file.

    Parameters
    ----------
    input : str
        JSONL (``.jsonl``, ``.jsonl.gz``), CSV or Parquet in one of
        :data:`~skpref.embed.FORMATS` (see :func:`~skpref.embed.read_text`).
    out : str
        The pool to write (``.npz``): ``ids``, ``X_first`` and ``X_second``
        (float32 item embeddings; ``X_items`` for single responses), the
        texts (:class:`~skpref.campaign.PoolTexts`) and ``provenance``. Or a
        pool directory (a name ending in ``.zarr``, pairs only; needs
        ``skpref[dask]``): the same arrays as row-chunked zarr arrays and the
        same provenance (see :func:`skpref.campaign.write_pool`), its rows
        written block by block once their items are embedded; a run killed
        while writing them goes on from the last block written.
    model : str, default="sentence-transformers/all-MiniLM-L6-v2"
        A sentence-transformers model name or local directory.
    format : str, default="auto"
    labels_out : str or None, default=None
        Where to write the known preferences (hh-rlhf, UltraFeedback, or a
        ``label`` column) as a labels CSV ``pair_id,label``. An existing
        file is only replaced by the same content.
    batch_size : int, default=64
    device : str, default="cpu"
    chunk_size : int, default=1024
        Distinct items per cached chunk.
    seed : int, default=0
        Seeds the orientation of hh-rlhf and UltraFeedback pairs.
    progress : bool, default=False
        Show a progress bar (texts/s) on standard error.
    encoder : SentenceEncoder or None, default=None
        An already loaded model (``model``, ``device`` and ``batch_size`` are
        then its own).
    pool_chunk_rows : int or None, default=None
        Rows per zarr chunk of a pool directory (None: about 16 MiB of rows).

    Returns
    -------
    report : EmbedReport

    Raises
    ------
    EmbedError
        Bad input (the message names the line), bad options, or a model
        that cannot be loaded; nothing is written then.
    sklearn.utils._param_validation.InvalidParameterError
        ``batch_size`` or ``chunk_size`` below 1, or ``seed`` outside
        ``[0, 2**32 - 1]``, before anything is read (``embed_file.check_params``
        checks them without embedding).
    """
    from .. import __version__

    input, out = os.fspath(input), os.fspath(out)
    labels_out = os.fspath(labels_out) if labels_out is not None else None
    _check_paths(input, out, labels_out)
    table = read_text(input, format, seed=seed)
    labels_text = labels_csv(table) if labels_out and table.kind == "pairs" else None
    if labels_out and table.kind == "responses":
        raise EmbedError("--labels-out: single responses carry no preferences.")
    if table.kind == "responses" and is_pool_directory_path(out):
        raise EmbedError(
            f"--out {out}: a pool of single responses is an .npz file (skpref score reads it); "
            "a pool directory holds pairs."
        )
    if labels_text is not None:
        _check_labels_out(labels_out, labels_text)
    source_sha = sha256_of_file(input)

    # Items and texts, each distinct one once.
    items, strings = {}, _Strings()
    item_prompts, item_responses = [], []

    def item_of(prompt, response):
        parts = item_parts(prompt, response)
        found = items.get(parts)
        if found is None:
            found = items[parts] = len(item_prompts)
            item_prompts.append(parts[0])
            item_responses.append(parts[1])
        return found

    if table.kind == "pairs":
        columns = {"prompt": table.prompts, "first": table.first, "second": table.second}
        rows = {
            "first": [item_of(p, r) for p, r in zip(table.prompts, table.first)],
            "second": [item_of(p, r) for p, r in zip(table.prompts, table.second)],
        }
    else:
        columns = {"prompt": table.prompts, "response": table.responses}
        rows = {"items": [item_of(p, r) for p, r in zip(table.prompts, table.responses)]}
    text_index = {
        name: np.fromiter((strings.add(text) for text in values), dtype=np.int64,
                          count=len(values))
        for name, values in columns.items()
    }
    items.clear()  # the distinct texts are in item_prompts and item_responses
    rows = {name: np.asarray(values, dtype=np.int64) for name, values in rows.items()}
    n_items = len(item_prompts)

    if encoder is None:
        encoder = SentenceEncoder(model, device=device, batch_size=batch_size)
    notes = []
    text_format = describe_text_format(encoder.max_length, encoder.special_tokens)
    key_fields = {
        "source_sha256": source_sha, "format": table.format, "seed": seed, "n_items": n_items,
        "weights_sha256": encoder.weights_sha256, "text_format": text_format,
        "chunk_size": chunk_size, "batch_size": encoder.batch_size, "device": str(encoder.device),
        "threads": encoder.torch.get_num_threads(), "skpref": __version__,
    }
    key = hashlib.sha256(json.dumps(key_fields, sort_keys=True).encode("utf-8")).hexdigest()
    cache = _Cache(out, key, notes)

    n_chunks = -(-n_items // chunk_size)
    counts = np.empty((n_items, 4), dtype=np.int64)
    resumed, embedded, seconds = 0, 0, 0.0
    bar = _progress(n_items, progress)
    try:
        for k in range(n_chunks):
            start, stop = k * chunk_size, min((k + 1) * chunk_size, n_items)
            found = cache.load(k, stop - start, encoder.dimension)
            if found is None:
                began = time.perf_counter()
                ids, chunk_counts = encoder.tokenize(item_prompts[start:stop],
                                                     item_responses[start:stop])
                embeddings = encoder.encode_ids(ids)
                seconds += time.perf_counter() - began
                embedded += stop - start
                cache.save(k, embeddings, chunk_counts.astype(np.int32))
                counts[start:stop] = chunk_counts
            else:
                resumed += 1
                counts[start:stop] = found[1]
            if bar is not None:
                bar.update(stop - start)
    finally:
        if bar is not None:
            bar.close()

    P, R, kept_P, kept_R = counts.T
    cut_prompt, cut_response = kept_P < P, kept_R < R
    truncated = {
        "items": int(np.sum(cut_prompt | cut_response)),
        "prompt": int(cut_prompt.sum()),
        "response": int(cut_response.sum()),
    }
    truncated["share"] = truncated["items"] / n_items if n_items else 0.0
    identical = (
        int(np.sum(rows["first"] == rows["second"])) if table.kind == "pairs" else 0
    )
    label_counts = {}
    for label in table.labels:
        if label is not None:
            label_counts[label] = label_counts.get(label, 0) + 1
    provenance = {
        "skpref": __version__,
        "kind": table.kind,
        "source": {"file": os.path.basename(input), "sha256": source_sha,
                   "format": table.format, "seed": seed},
        "embedding": encoder.description(),
        "text_format": text_format,
        "counts": {
            "rows": len(table), "items": n_items, "labels": label_counts,
            "dropped": {reason: len(lines) for reason, lines in sorted(table.dropped.items())},
            "repeated_texts": table.repeated, "identical_responses": identical,
            "truncated": truncated,
        },
    }
    chunk_files = [cache.path(k) for k in range(n_chunks)]
    if is_pool_directory_path(out):
        from ..campaign._pool import PoolTexts

        data, offsets = strings.arrays()
        texts = PoolTexts(data.tobytes(), offsets, text_index)
        try:
            _write_directory(out, table.ids, rows, chunk_files, chunk_size, encoder.dimension,
                             texts, provenance, key, pool_chunk_rows)
        except OSError as error:
            raise EmbedError(
                f"--out {out}: cannot write the pool: {error.strerror or error} (the finished "
                f"chunks stay in {cache.directory} and the rows written in {out}.partial, for "
                "the next run)."
            ) from None
    else:
        _write_npz(out, table, rows, chunk_files, chunk_size, encoder.dimension, strings,
                   text_index, provenance, cache)
    if labels_text is not None:
        atomic_write_bytes(labels_out, labels_text.encode("utf-8"))
    cache.remove()
    return EmbedReport(
        path=out, labels_path=labels_out if labels_text is not None else None,
        kind=table.kind, format=table.format, n_rows=len(table), n_items=n_items,
        n_labels=table.n_labeled, dropped=table.dropped, repeated=table.repeated,
        identical=identical, truncated=truncated, chunks=n_chunks, resumed=resumed,
        seconds=seconds, embedded=embedded, provenance=provenance, notes=notes,
        where=table.where,
    )


def _write_directory(out, ids, rows, chunk_files, chunk_size, dimension, texts, provenance,
                     key, chunk_rows=None):
    """The pool as a pool directory, row block by row block; resumed after a kill.

    A pair's row needs both its items, and the distinct items are numbered
    as for the ``.npz`` pool (every first response, then the second ones:
    the same chunks, so the same embeddings), so rows are written once the
    items are embedded, one block of whole chunks at a time, each recorded
    (:class:`~skpref.campaign._pool_directory.PoolDirectoryWriter`, keyed by
    the run's cache key): a run killed while writing goes on from the last
    block recorded.
    """
    from ..campaign import CampaignError
    from ..campaign._pool_directory import PoolDirectoryWriter

    try:
        writer = PoolDirectoryWriter(out, np.array(ids, dtype=str), dimension, form="items",
                                     dtype=np.float32, texts=texts, key=key,
                                     chunk_rows=chunk_rows)
    except CampaignError as error:  # the ids of the input (checked when read), or no zarr
        raise EmbedError(f"--out {out}: {error}") from None
    block = writer.chunk_rows * max(1, _WRITE_BLOCK // writer.chunk_rows)
    first, second = (
        _gatherer(rows[name], chunk_files, chunk_size, dimension, step=block,
                  start=writer.rows_done)()
        for name in ("first", "second")
    )
    for first_rows, second_rows in zip(first, second):
        writer.write(first_rows, second_rows)
    writer.finish(provenance)


def _write_npz(out, table, rows, chunk_files, chunk_size, dimension, strings, text_index,
               provenance, cache):
    arrays = {"ids": np.array(table.ids, dtype=str)}
    for name, index in rows.items():
        arrays[f"X_{name}"] = Blocks(
            np.float32, (len(index), dimension),
            _gatherer(index, chunk_files, chunk_size, dimension),
        )
    data, offsets = strings.arrays()
    arrays["texts"] = data
    arrays["text_offsets"] = offsets
    for name, index in text_index.items():
        arrays[f"{name}_index"] = index
    arrays["provenance"] = np.array(json.dumps(provenance, sort_keys=True, ensure_ascii=False))
    try:
        write_npz(out, arrays)
    except OSError as error:
        raise EmbedError(
            f"--out {out}: cannot write the pool: {error.strerror or error} (the finished "
            f"chunks stay in {cache.directory} for the next run)."
        ) from None


#: Cached chunks kept in memory while the pool is written (the rest wait on disk).
_CHUNKS_IN_MEMORY = 8


def _gatherer(index, chunk_files, chunk_size, dimension, *, step=None, start=0):
    """Row blocks of ``embeddings[index]``, read from the cached chunks.

    At most :data:`_CHUNKS_IN_MEMORY` chunks are held at a time (least
    recently used out): items are numbered in order of first appearance, so
    consecutive pairs use few, nearby chunks. Blocks of ``step`` rows, from
    row ``start``.
    """
    from collections import OrderedDict

    def blocks():
        loaded = OrderedDict()
        rows = step or _WRITE_BLOCK  # read when the blocks are asked for
        for first in range(start, len(index), rows):
            wanted = index[first: first + rows]
            block = np.empty((wanted.size, dimension), dtype=np.float32)
            chunk_of = wanted // chunk_size
            for k in np.unique(chunk_of).tolist():
                if k in loaded:
                    loaded.move_to_end(k)
                else:
                    with np.load(chunk_files[k], allow_pickle=False) as archive:
                        loaded[k] = archive["embeddings"]
                    if len(loaded) > _CHUNKS_IN_MEMORY:
                        loaded.popitem(last=False)
                mask = chunk_of == k
                block[mask] = loaded[k][wanted[mask] - k * chunk_size]
            yield block

    return blocks
