"""Pools beyond one machine: skpref's passes over a Dask array chunked by rows.

A pool of tens of millions of comparison rows need not fit on one machine: as a
``dask.array.Array`` chunked by rows (every column in one chunk) it lives in
the memory of a cluster's workers, or on disk (zarr) for them to read. Every
pass skpref makes over a pool is then a map over its row blocks, with the
posterior (theta and the ``p x p`` factor) sent once as one node of the graph
that every block task depends on, so a worker receives it once, not once per
block:

* means and widths (:func:`mean_and_std`): per block, exactly the numpy
  routine :meth:`~skpref.posterior.LaplacePosterior.mean_and_std`;
* the first-order gain of a design (:func:`whitened_quadratic_form`) and the
  information matrix of weighted rows (:func:`information_matrix`, a sum of
  per-block ``p x p`` matrices);
* top-n selection (:func:`select_top`): a per-block top-n with the numpy
  selector's tie-breaking keys, then a top-n of the ``n`` per block;
* greedy batches (:func:`select_greedy`): the lazy greedy of
  :func:`skpref.query._select.select_greedy` over the best candidates of a
  per-block top-k, fetching only the rows it re-scores.

Only vectors of one value per row (means, widths, utilities) stay on the
workers (``persist``); the rows themselves are read only where they lie,
except the few a greedy batch or a design fetches. Tie-breaking keys are the
numpy selectors' (:func:`skpref._random.tie_break_keys`), drawn per block from
the state the sequential stream has at the block's first row, so every global
row gets exactly the key it has on the numpy pool.

This module imports Dask; skpref imports it only when it meets a Dask array
(:func:`skpref._chunks.is_dask_array`), so ``import skpref`` never does.
"""

import re

import numpy as np
from sklearn.utils import check_random_state

from ._chunks import iter_chunks

try:
    import dask
    import dask.array as da
except ImportError:  # pragma: no cover - only reached when a Dask array exists
    # skpref calls this module only for a Dask array, which implies Dask; the
    # module still imports without it, so that pytest's doctest collection of
    # the package does not fail on an installation without skpref[dask].
    dask = da = None

_ROW = re.compile(r"\brow (\d+)")


def as_row_chunked(X):
    """``X`` with every column in one chunk, row chunks kept (``ValueError`` if unknown)."""
    if any(np.isnan(size) for size in X.chunks[0]):
        raise ValueError(
            "X_pool is a dask array with unknown row chunk sizes; call "
            "X_pool.compute_chunk_sizes() first (skpref names rows by position)."
        )
    if X.ndim == 2 and len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X


def block_starts(X):
    """Global index of the first row of every row block of ``X``."""
    return np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(np.int64)


def _in_block(function, block, start, *args):
    """``function(block, *args)``, a ``ValueError``'s row numbers made global.

    skpref's messages name a bad row as ``row N`` within the rows they were
    given; a block's rows start at ``start`` in the pool.
    """
    try:
        return function(block, *args)
    except ValueError as error:  # NotFittedError and skpref's subclasses keep their type
        if error.args and isinstance(error.args[0], str):
            renumber = lambda match: f"row {int(match.group(1)) + start}"  # noqa: E731
            error.args = (_ROW.sub(renumber, error.args[0]), *error.args[1:])
        raise


def _start(block_info):
    return block_info[0]["array-location"][0][0]


def _scores_block(block, posterior, mean, std, block_info=None):
    def scores(rows):
        means, widths = posterior.mean_and_std(rows, mean=mean, std=std)
        return np.stack([m for m in (means, widths) if m is not None], axis=1)

    return _in_block(scores, block, _start(block_info))


def mean_and_std(posterior, X, *, mean=True, std=True):
    """Lazy logit means and widths of a Dask pool, blockwise.

    Each block runs :meth:`LaplacePosterior.mean_and_std` (the numpy pass,
    in the same row chunks), so every value is the one the numpy pool gets
    under the same BLAS threading; a row it refuses is named by its
    position in the whole pool.

    Returns
    -------
    means, widths : dask.array.Array of shape (n_rows,) or None
    """
    X = as_row_chunked(X)
    shared = dask.delayed(posterior, pure=True)
    n_out = int(mean) + int(std)
    out = X.map_blocks(
        _scores_block, shared, mean, std,
        chunks=(X.chunks[0], (n_out,)), dtype=np.float64, meta=np.empty((0, 0)),
    )
    columns = iter(out[:, j] for j in range(n_out))
    return (next(columns) if mean else None), (next(columns) if std else None)


def persist(*arrays):
    """``arrays`` computed and kept where they are (the workers' memory); None kept."""
    present = [array for array in arrays if array is not None]
    persisted = iter(dask.persist(*present))
    return tuple(None if array is None else next(persisted) for array in arrays)


def _quadratic_form_block(block, posterior, W, block_info=None):
    return _in_block(posterior.whitened_quadratic_form, block, _start(block_info), W)


def whitened_quadratic_form(posterior, X, W):
    """``z^T W z`` of every row of a Dask pool, blockwise, kept on the workers."""
    X = as_row_chunked(X)
    values = X.map_blocks(
        _quadratic_form_block, dask.delayed(posterior, pure=True), dask.delayed(W, pure=True),
        drop_axis=1, dtype=np.float64, meta=np.empty((0,)),
    )
    return persist(values)[0]


def _information_block(block, weights, intercept):
    from .posterior import information_matrix

    return information_matrix(block, weights, intercept=intercept)[None]


def information_matrix(X, weights, *, prior_precision=0.0, intercept=False):
    """``prior_precision I + sum_j w_j x~_j x~_j^T`` over a Dask pool.

    Every block adds its rows by the numpy routine; the ``p x p`` matrices of
    the blocks are summed in a tree on the workers. The sum's order differs
    from the numpy pass's, so the entries agree with it to rounding.
    """
    X = as_row_chunked(X)
    weights = da.asarray(weights).astype(np.float64).ravel()
    if weights.shape != (X.shape[0],):
        raise ValueError(
            f"weights must hold one value per row of X ({X.shape[0]}), got shape "
            f"{weights.shape}."
        )
    weights = weights.rechunk((X.chunks[0],))
    n_params = X.shape[1] + int(intercept)
    parts = da.map_blocks(
        _information_block, X, weights[:, None], intercept,
        chunks=((1,) * X.numblocks[0], (n_params,), (n_params,)), new_axis=2,
        dtype=np.float64, meta=np.empty((0, 0, 0)),
    )
    information = np.array(parts.sum(axis=0).compute(), dtype=np.float64)
    diagonal = np.arange(X.shape[1])
    information[diagonal, diagonal] += prior_precision
    return information


def _finite_block(block, block_info=None):
    def check(rows):
        for _ in iter_chunks(rows, rows.shape[1]):
            pass  # each chunk is checked for NaN and infinity as it is read
        return np.zeros(1)

    return _in_block(check, block, _start(block_info))


def check_finite(X):
    """Raise ``ValueError`` naming the first non-finite row of a Dask pool (one blockwise pass)."""
    X = as_row_chunked(X)
    X.map_blocks(
        _finite_block, chunks=((1,) * X.numblocks[0],), drop_axis=1, dtype=np.float64,
        meta=np.empty((0,)),
    ).compute()


# -- selection -----------------------------------------------------------------


def tie_break_states(sizes, random_state):
    """The stream's state at the first row of each block, and the stream advanced past them all.

    :func:`skpref._random.tie_break_keys` draws ``random_sample(n_rows)``;
    ``random_sample`` draws its doubles one after the other, so the keys of a
    block are ``random_sample(size)`` from the state after the rows before it.
    ``random_state`` is consumed exactly as the numpy selector consumes it.
    """
    rng = check_random_state(random_state)
    states = []
    for size in sizes:
        states.append(rng.get_state())
        rng.random_sample(int(size))
    return states


def block_keys(state, size):
    """The tie-breaking keys of ``size`` rows from a saved stream ``state``."""
    rng = np.random.RandomState()
    rng.set_state(state)
    return rng.random_sample(size)


def _top_block(utility, state, start, k):
    """The block's ``k`` best rows by (utility, key), best first, and its first bad utility."""
    keys = block_keys(state, utility.size)
    bad = np.flatnonzero(np.isnan(utility) | (utility == np.inf))
    first_bad = (start + bad[0], utility[bad[0]]) if bad.size else None
    utility = np.where(np.isnan(utility), -np.inf, utility)
    if k < utility.size:
        threshold = np.partition(utility, utility.size - k)[utility.size - k]
        candidates = np.flatnonzero(utility >= threshold)
    else:
        candidates = np.arange(utility.size)
    chosen = candidates[np.lexsort((-keys[candidates], -utility[candidates]))[:k]]
    return start + chosen, utility[chosen], keys[chosen], first_bad


def ranked_candidates(utility, k, states):
    """The ``k`` best rows of a Dask utility by ``(utility, key)``, best first.

    The order of :func:`skpref.query._select.select_top` (NaN ranks last;
    equal utilities by the larger key; equal keys by position): a top-``k``
    per block, on the workers, then a top-``k`` of those on the client.

    Returns
    -------
    indices, utilities, keys : ndarray of shape (min(k, n_rows),)
    first_bad : tuple (index, value) or None
        The first row whose utility is NaN or ``+inf``.
    """
    utility = utility.astype(np.float64)
    starts = block_starts(utility)
    tasks = [
        dask.delayed(_top_block, pure=True)(block, state, int(start), int(k))
        for block, state, start in zip(utility.to_delayed().ravel(), states, starts, strict=True)
    ]
    parts = dask.compute(*tasks)
    indices = np.concatenate([part[0] for part in parts])
    values = np.concatenate([part[1] for part in parts])
    keys = np.concatenate([part[2] for part in parts])
    bad = [part[3] for part in parts if part[3] is not None]
    order = np.lexsort((-keys, -values))[:k]
    return indices[order], values[order], keys[order], (bad[0] if bad else None)


def select_top(utility, n, random_state=None):
    """:func:`skpref.query._select.select_top` of a Dask utility: a distributed top-n."""
    states = tie_break_states(utility.chunks[0], random_state)
    indices, values, _, _ = ranked_candidates(utility, n, states)
    return indices.astype(np.intp), values


def check_utility(utility, rows, what="utility"):
    """:func:`skpref.query._pool.check_utility` of a Dask utility (one blockwise pass)."""
    from .query._pool import refuse_row

    bad = da.isnan(utility) | (utility == np.inf)
    first = da.argmax(bad)
    found, index = dask.compute(bad.any(), first)
    if found:
        value = float(utility[int(index)].compute())
        refuse_row(rows, index, f"its {what} overflows float64 (got {value})")
    return utility


def select_greedy(pool, score, n, random_state=None):
    """:func:`skpref.query._select.select_greedy` on a pool whose scores are Dask arrays.

    The lazy greedy only ever reads the pool in its best-first order, as far
    as it has to: here that order comes from a distributed top-``k``
    (:func:`ranked_candidates`, ``k = 4 n + 64`` to start), and the greedy
    runs over those candidates as the numpy one runs over the whole pool.
    The candidates' rows, the only rows it can re-score, are fetched in one
    read of the Dask array (:meth:`ScoredPool.whiten_rows`). Should it need
    a candidate beyond the ``k`` fetched, it starts again from eight times as
    many (the rows already fetched stay cached). The picks and their
    utilities are those of the numpy pool.
    """
    from ._logistic import logistic_variance
    from .query._pool import refuse_row
    from .query._select import CandidatesExhausted, lazy_greedy

    with np.errstate(over="ignore", invalid="ignore"):  # checked below
        utility = score(pool.means, pool.widths)
    ranked = da.stack([utility, pool.means, pool.widths], axis=1)
    states = tie_break_states(utility.chunks[0], random_state)
    k = 4 * n + 64
    while True:
        indices, values, keys, first_bad = ranked_candidates(utility, k, states)
        if first_bad is not None:
            refuse_row(
                pool.rows, first_bad[0], f"its utility overflows float64 (got {first_bad[1]})"
            )
        local = take(ranked, indices)
        # Every candidate's row in one read: a read from chunked storage (zarr)
        # costs the chunks it touches, whether it takes one row of them or a
        # hundred, so reading the rows a block at a time as the numpy pool
        # does would read the pool's chunks once per block.
        pool.whiten_rows(indices)
        means, widths = np.ascontiguousarray(local[:, 1]), np.ascontiguousarray(local[:, 2])
        variances = logistic_variance(means)

        def whitened_row(position, upcoming=(), indices=indices):
            return pool.whitened_row(indices[position], indices[np.asarray(upcoming, int)])

        try:
            chosen, chosen_utility = lazy_greedy(
                np.arange(indices.size), values, keys, means, widths, variances.__getitem__,
                whitened_row, pool.posterior.conditioner(), score, n,
                whiten_block=pool.WHITEN_BLOCK, complete=indices.size == utility.size,
            )
        except CandidatesExhausted:
            # Each new set of candidates costs a read of the chunks their rows
            # lie in (all of them, for rows spread over the pool): size the
            # next one to be the last.
            def greedy_over_fetched(fetched=(indices, values, keys, means, widths, variances)):
                indices, values, keys, means, widths, variances = fetched
                return lazy_greedy(
                    np.arange(indices.size), values, keys, means, widths,
                    variances.__getitem__, whitened_row, pool.posterior.conditioner(), score, n,
                    whiten_block=pool.WHITEN_BLOCK, complete=True,
                )

            k = next_candidate_count(utility, k, greedy_over_fetched)
            continue
        return indices[chosen].astype(np.intp), chosen_utility


#: Margin of :func:`next_candidate_count` over its estimate of the candidates needed.
CANDIDATE_MARGIN = 1.5


def next_candidate_count(utility, k, greedy_over_fetched):
    """How many candidates a lazy greedy that ran out of its ``k`` best should fetch next.

    The lazy greedy takes candidates in the order of their utility before
    any pick, ``u_j``, and takes the next one only while its ``u_j`` beats
    the best re-scored utility: it needs the rows with ``u_j`` above about
    the utility of its last pick, ``c_n``, a prefix of that order. ``c_n``
    is estimated by the same greedy run to the end over the ``k`` rows
    already fetched (``greedy_over_fetched``: no read of the pool), and the
    next set is every row with ``u_j >= c_n`` (counted on the workers, from
    the utilities they hold) times :data:`CANDIDATE_MARGIN`, and at least
    ``2 k``. It is an estimate (the greedy over fewer rows makes other
    picks): a set that is still short is sized again the same way, from
    more rows. Each set costs one read of the chunks its rows lie in, so a
    good first estimate saves whole passes over a pool on disk.
    """
    _, fetched_utility = greedy_over_fetched()
    threshold = fetched_utility[-1]
    above = int((utility >= threshold).sum().compute()) if np.isfinite(threshold) else 0
    return int(min(utility.size, max(2 * k, CANDIDATE_MARGIN * above)))


def take(array, indices):
    """``array[indices]`` fetched to the client, read in the array's row order.

    Reading sorted positions keeps one task per block touched (an unsorted
    index makes Dask split the read into a task per run of rows).
    """
    order = np.argsort(indices, kind="stable")
    out = np.empty((indices.size, *array.shape[1:]), dtype=array.dtype)
    if indices.size:
        out[order] = array[indices[order]].compute()
    return out


def gather(values):
    """A Dask vector (a few selected entries) as a numpy array; numpy passes through."""
    return np.asarray(values.compute() if isinstance(values, da.Array) else values)


def _transform_block(block, transformer, block_info=None):
    from .query._pool import _dense

    return _in_block(
        lambda rows: np.asarray(_dense(transformer.transform(rows)), dtype=np.float64),
        block, _start(block_info),
    )


def transformed(X, transformer):
    """A Dask pool through a fitted transformer, blockwise (a ``Pipeline``'s steps)."""
    X = as_row_chunked(X)
    n_out = _transform_block(X[:1].compute(), transformer, [{"array-location": [(0, 1)]}])
    return X.map_blocks(
        _transform_block, dask.delayed(transformer, pure=True),
        chunks=(X.chunks[0], (n_out.shape[1],)), dtype=np.float64, meta=np.empty((0, 0)),
    )


def _interval_block(block, posterior, beta, level, scale, block_info=None):
    def bounds(rows):
        lower, upper = posterior.confidence_interval(rows, beta, level=level, scale=scale)
        return np.stack([lower, upper], axis=1)

    return _in_block(bounds, block, _start(block_info))


def confidence_interval(posterior, X, beta=None, *, level=None, scale="logit"):
    """Lazy ``(lower, upper)`` of every row of a Dask pool, blockwise (numpy's per block)."""
    X = as_row_chunked(X)
    out = X.map_blocks(
        _interval_block, dask.delayed(posterior, pure=True), beta, level, scale,
        chunks=(X.chunks[0], (2,)), dtype=np.float64, meta=np.empty((0, 0)),
    )
    return out[:, 0], out[:, 1]


# -- rows left out, and where the passes run --------------------------------------


def _drop_block(block, dropped, block_info=None):
    local = dropped.get(block_info[0]["chunk-location"][0])
    return block if local is None else np.delete(block, local, axis=0)


def drop_rows(X, rows):
    """``X`` without the rows ``rows`` (sorted, unique), blockwise and lazily.

    Each block drops its own rows on the worker that reads it; only the
    dropped rows (a labeled campaign's answered pairs: few) travel in the
    graph, as one node, instead of an index of every row kept. The row
    chunks shrink by the rows dropped from each, so the result's chunk
    sizes are known and its rows are numbered as in ``np.delete(X, rows)``.
    """
    X = as_row_chunked(X)
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size == 0:
        return X
    ends = np.cumsum(X.chunks[0])
    starts = ends - np.asarray(X.chunks[0])
    cuts = np.searchsorted(rows, ends)
    dropped, sizes = {}, []
    for block, (start, size, first, last) in enumerate(
        zip(starts.tolist(), X.chunks[0], [0, *cuts[:-1].tolist()], cuts.tolist())
    ):  # a loop over blocks (thousands at most), not rows
        if last > first:
            dropped[block] = rows[first:last] - start
        sizes.append(size - (last - first))
    return X.map_blocks(
        _drop_block, dask.delayed(dropped, pure=True), chunks=(tuple(sizes), X.chunks[1]),
        dtype=X.dtype, meta=np.empty((0, 0), dtype=X.dtype),
    )


def kept_rows(positions, dropped):
    """Row in ``X`` of each position in ``drop_rows(X, dropped)``.

    With ``d_0 < d_1 < ...`` the dropped rows, position ``q`` is row ``q + #{i :
    d_i - i <= q}`` (``d_i - i`` counts the kept rows before ``d_i``), so the
    kept rows are never listed.

    Examples
    --------
    >>> kept_rows(np.array([0, 1, 2, 3]), np.array([1, 2, 5])).tolist()
    [0, 3, 4, 6]
    """
    dropped = np.asarray(dropped, dtype=np.int64)
    positions = np.asarray(positions, dtype=np.int64)
    before = dropped - np.arange(dropped.size)
    return (positions + np.searchsorted(before, positions, side="right")).astype(np.intp)


class SchedulerError(ValueError):
    """A ``scheduler`` option that names no usable scheduler (malformed, or nobody answers)."""


#: Seconds to wait for a scheduler at an address before giving up.
CONNECT_TIMEOUT = 10.0


class Scheduler:
    """Where the passes over a Dask pool run, from a ``scheduler`` option; a context manager.

    Parameters
    ----------
    scheduler : None, str or distributed.Client
        * None: whatever Dask would use (a ``distributed.Client`` made
          current by the caller, else the local threaded scheduler);
        * ``"local"``: a ``distributed.LocalCluster`` of worker processes on
          this machine (one thread each: BLAS threads are the parallelism),
          started on entry and closed on exit;
        * an address (``"tcp://host:8786"``, any ``scheme://``): connects a
          ``distributed.Client`` to the scheduler there on entry, closes
          the client (not the cluster) on exit;
        * a ``distributed.Client``: used as it is, left open.
    n_workers : int or None
        Worker processes of ``"local"`` (None: Dask's default, one per core).
    timeout : float, default=CONNECT_TIMEOUT
        Seconds to wait for a scheduler at an address.

    Attributes
    ----------
    address : str or None
        The scheduler's address once entered (None for the local threads):
        another process connects to the same cluster with it.
    client : distributed.Client or None

    Raises
    ------
    SchedulerError
        A string that is neither ``"local"`` nor an address (when made), or
        an address where no scheduler answers within ``timeout`` (on entry);
        the message names it and the cause.
    TypeError
        Anything else than None, a string or a Client.

    Examples
    --------
    >>> with Scheduler(None) as where:
    ...     where.address is None
    True
    >>> Scheduler("localhost:8786")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skpref._dask.SchedulerError: scheduler 'localhost:8786': give 'local' ...
    """

    def __init__(self, scheduler=None, *, n_workers=None, timeout=CONNECT_TIMEOUT):
        self.spec = scheduler
        self.n_workers = n_workers
        self.timeout = float(timeout)
        self.client = self.address = None
        self._cluster = None
        self._own_client = False
        check_scheduler(scheduler)

    def __enter__(self):
        spec = self.spec
        if spec is None:
            return self
        import distributed

        if isinstance(spec, distributed.Client):
            self.client = spec
        elif spec == "local":
            self._cluster = distributed.LocalCluster(
                n_workers=self.n_workers, threads_per_worker=1, processes=True,
                dashboard_address=":0", silence_logs=40,
            )
            self.client = distributed.Client(self._cluster, set_as_default=True)
            self._own_client = True
        else:
            try:
                self.client = distributed.Client(spec, timeout=self.timeout,
                                                 set_as_default=True)
            except (OSError, TimeoutError) as error:
                raise SchedulerError(
                    f"scheduler {spec}: no Dask scheduler answered there within "
                    f"{self.timeout:g} s ({error}); start one (dask scheduler), or check "
                    "the address and port."
                ) from None
            self._own_client = True
        self.address = self.client.scheduler.address
        return self

    def __exit__(self, *exc):
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
        self.client = self._cluster = None
        self._own_client = False
        return False


def check_scheduler(scheduler):
    """:class:`SchedulerError` unless ``scheduler`` is None, ``"local"``, an address or a Client."""
    if scheduler is None or scheduler == "local":
        return
    if isinstance(scheduler, str):
        if re.fullmatch(r"[a-z][a-z0-9+.-]*://\S+", scheduler):
            return
        raise SchedulerError(
            f"scheduler {scheduler!r}: give 'local' (a cluster of worker processes on this "
            "machine) or a scheduler's address such as tcp://host:8786."
        )
    if type(scheduler).__name__ == "Client" and hasattr(scheduler, "scheduler"):
        return
    raise TypeError(
        f"scheduler must be None, 'local', an address string or a distributed.Client, got "
        f"{type(scheduler).__name__}."
    )
