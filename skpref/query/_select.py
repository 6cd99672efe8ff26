"""Selectors: how a strategy turns scores into a batch.

A strategy is a utility (a score per row, from the means and widths of a
:class:`~skpref.query._pool.ScoredPool`) and one of these selectors:

* :func:`select_top`: the ``n`` best utilities, best first (top-n);
* :func:`select_greedy`: a greedy batch, conditioning the posterior on each
  pick (SPEC's "greedy batch");
* :func:`select_by_acceptance`: passes over the pool in a seeded order,
  taking each row with its acceptance probability (a draw);
* :func:`select_design`: a continuous design over the pool, rounded to ``n``
  distinct rows (in :mod:`._designs`, beside its objectives).

Every selector breaks ties with the same seeded keys
(:func:`skpref._random.tie_break_keys`).
"""

import heapq

import numpy as np
from sklearn.utils import check_random_state

from .._chunks import is_dask_array
from .._random import tie_break_keys
from ._pool import check_utility


def select_top(utility, n, random_state=None):
    """Indices of the ``n`` largest utilities, best first, ties seeded.

    ``O(N + n log n)``: a partition finds the ``n`` best, a sort orders them.
    NaN utilities rank last.

    Parameters
    ----------
    utility : ndarray of shape (n_pool,)
    n : int
        At most ``n_pool``.
    random_state : int, RandomState instance or None

    Returns
    -------
    indices, utilities : ndarray of shape (n,)
    """
    if is_dask_array(utility):  # a top-n per block on the workers, then of those
        from .._dask import select_top as select_top_dask

        return select_top_dask(utility, n, random_state)
    utility = np.where(np.isnan(utility), -np.inf, utility)
    keys = tie_break_keys(utility.size, random_state)
    if n < utility.size:
        threshold = np.partition(utility, utility.size - n)[utility.size - n]
        candidates = np.flatnonzero(utility >= threshold)
    else:
        candidates = np.arange(utility.size)
    order = np.lexsort((-keys[candidates], -utility[candidates]))[:n]
    chosen = candidates[order]
    return chosen, utility[chosen]


def top_rows(utility, k, random_state=None):
    """Sorted indices of the ``k`` best finite utilities (a candidate set)."""
    indices, values = select_top(utility, min(k, utility.size), random_state)
    return np.sort(indices[np.isfinite(values)])


def select_greedy(pool, score, n, random_state=None):
    """Greedy batch with conditioning, re-scoring only the current best.

    Picks ``x* = argmax score(m, w)``, conditions the posterior on it
    (``H <- H + mu'(m(x*)) x* x*^T``: no label, ``theta_hat`` kept; see
    :class:`~skpref.posterior.BatchConditioner`), and repeats. Conditioning
    only shrinks widths and every ``score`` here is non-decreasing in ``w``
    for fixed ``m``, so a stale score is an upper bound: taking candidates
    best-first and re-scoring only the current top (Minoux's lazy greedy)
    picks exactly the batch of the full greedy without a pass over the pool
    per pick. Candidates enter the heap from the sorted pool only when they
    reach the top, so the work grows with the number of re-scored rows, not
    with the pool; their whitened rows are read in blocks
    (:meth:`ScoredPool.whitened_row`).

    Parameters
    ----------
    pool : ScoredPool
        With means and widths.
    score : callable
        ``score(means, widths) -> utilities``, vectorised, non-decreasing in
        ``widths``.
    n : int
        Batch size, at most ``n_pool``.
    random_state : int, RandomState instance or None
        Seeds tie-breaking.

    Returns
    -------
    indices : ndarray of shape (n,)
    utilities : ndarray of shape (n,)
        Each pick's utility under the posterior conditioned on the picks
        before it.
    """
    if is_dask_array(pool.means):  # over a distributed top-k of the candidates
        from .._dask import select_greedy as select_greedy_dask

        return select_greedy_dask(pool, score, n, random_state)
    means, widths = pool.means, pool.widths
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        utility = check_utility(score(means, widths), pool.rows)
    keys = tie_break_keys(utility.size, random_state)
    order = np.lexsort((-keys, -utility))  # best first, ties by key
    return lazy_greedy(
        order, utility, keys, means, widths, lambda index: pool.logistic_variances[index],
        pool.whitened_row, pool.posterior.conditioner(), score, n,
        whiten_block=pool.WHITEN_BLOCK,
    )


class CandidatesExhausted(Exception):
    """:func:`lazy_greedy` needs a candidate beyond the ones it was given."""


def lazy_greedy(
    order, utility, keys, means, widths, variance, whitened_row, conditioner, score, n,
    *, whiten_block, complete=True,
):
    """The loop of :func:`select_greedy` over candidates in best-first ``order``.

    ``utility``, ``keys``, ``means`` and ``widths`` are indexed by candidate,
    ``variance(i)`` is ``mu'(m_i)`` and ``whitened_row(i, upcoming)`` the
    whitened row of candidate ``i`` (see :meth:`ScoredPool.whitened_row`).
    With ``complete=False`` the candidates are only the best of a larger
    pool: when the loop would need the next one it raises
    :class:`CandidatesExhausted` (the caller fetches more and starts again).
    """
    heap, scored_at = [], {}
    chosen, chosen_utility = [], []
    position = 0
    while len(chosen) < n:
        head = order[position] if position < order.size else None
        if head is None and not complete:
            raise CandidatesExhausted
        if head is not None and (not heap or (-utility[head], -keys[head]) < heap[0][:2]):
            current, index, position = utility[head], head, position + 1
        else:
            negative, _, index = heapq.heappop(heap)
            current = -negative
        if scored_at.get(index, 0) == len(chosen):
            chosen.append(index)
            chosen_utility.append(current)
            if len(chosen) < n:
                conditioner.add(whitened_row(index), variance(index))
            continue
        # Re-score a stale candidate; a new one is whitened with the next
        # candidates of the sorted pool, in one read.
        whitened = whitened_row(index, order[position : position + whiten_block])
        variance_left = widths[index] ** 2 - conditioner.variance_drop(whitened)
        rescored = score(means[index : index + 1], np.sqrt([max(variance_left, 0.0)]))[0]
        scored_at[index] = len(chosen)
        heapq.heappush(heap, (-(-np.inf if np.isnan(rescored) else rescored), -keys[index], index))
    return np.asarray(chosen, dtype=np.intp), np.asarray(chosen_utility, dtype=np.float64)


def select_by_acceptance(probability, n, random_state=None, *, max_passes=1000, fallback=None):
    """Passes over the pool in a seeded random order, taking row ``i`` with probability ``p_i``.

    Passes repeat over the rows not yet taken until ``n`` are taken, for at
    most ``max_passes`` passes; the rows still missing then are the remaining
    rows of largest ``fallback`` (default: ``probability``), best first, ties
    broken by the same seeded stream. The bound makes the draw terminate for
    every input, whatever the probabilities (they may all underflow to 0).

    Parameters
    ----------
    probability : ndarray of shape (n_pool,)
    n : int
    random_state : int, RandomState instance or None
        Seeds the order of the passes, the draws and the tie-breaking.
    max_passes : int, default=1000
    fallback : ndarray of shape (n_pool,), default=None
        The ranking of the rows taken after the last pass (a quantity that
        keeps its order where ``probability`` underflows).

    Returns
    -------
    indices : ndarray of shape (n,)
        In the order they were taken.
    """
    if is_dask_array(probability):
        # The seeded passes are one permutation of the whole pool, held by
        # the client whatever the pool: the pool's probabilities join it there.
        from .._dask import gather

        probability = gather(probability)
        fallback = None if fallback is None else gather(fallback)
    rng = check_random_state(random_state)
    remaining = np.ones(probability.size, dtype=bool)
    taken = []
    for _ in range(max_passes):
        if len(taken) == n:
            break
        order = rng.permutation(np.flatnonzero(remaining))
        accepted = order[rng.random_sample(order.size) < probability[order]]
        accepted = accepted[: n - len(taken)]
        taken.extend(accepted.tolist())
        remaining[accepted] = False
    if len(taken) < n:
        left = np.flatnonzero(remaining)
        ranking = probability if fallback is None else fallback
        best, _ = select_top(ranking[left], n - len(taken), rng)
        taken.extend(left[best].tolist())
    return np.asarray(taken, dtype=np.intp)
