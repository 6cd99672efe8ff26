"""Pools beyond one machine: what a Dask pool costs, and what a design's candidate subset costs.

Two measurements, each printed as measured (nothing hard-coded, nothing asserted):

``candidates``
    The design strategies (g-optimal, design sampling) solve their design
    over the ``n_candidates`` rows of largest first-order gain, ranked in one
    blockwise pass (on a Dask pool: on the workers, then a distributed
    top-k; those rows alone are fetched). On a pool that fits, the batch of
    the default ``n_candidates=1000`` is compared with the full solve over
    every row (``n_candidates = n_pool``) by the objective each strategy
    minimises, evaluated at the batch itself: after conditioning the
    posterior on the batch (``H + sum_B mu'(m_j) x_j x_j^T``), design
    sampling's mean of ``w_B(x_i)^2 / (|m_i| + beta w_i)^2`` over its target
    rows, g-optimal's largest ``w_B(x_i)^2`` over the pool. Real data from
    ``SKPREF_DATA`` (the three embedded sets, pooled), else a synthetic pool.

``cluster``
    A float32 pool generated in seeded row blocks (the same rows in every
    store), stored as a pool directory on disk (zarr, ``write_pool``'s
    format), a CI-location batch of 100 from a model fitted on 200 labels:
    wall time, peak resident memory (``VmHWM``, reset just before the call)
    and bytes read (``/proc/self/io``) of each worker of a
    ``distributed.LocalCluster`` with 1 and with 2 worker processes, and the
    candidate sets the greedy fetched, against the single-machine path on a
    ``.npy`` memory map of the same rows (peak resident memory and disk reads
    of its process), and a check that the batches are the same. With
    ``--one-store`` the ``.npy`` is deleted before the pool directory is
    written (a disk that cannot hold both).

Run from the repository root::

    python benchmarks/bench_dask.py candidates
    python benchmarks/bench_dask.py cluster --rows 20000000 --one-store --delete --dir /big

Needs ``skpref[dask]`` (dask, distributed, zarr).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import _harness  # noqa: F401  (puts this checkout first on sys.path)
import numpy as np


def pooled_real_data(seed):
    from skpref.datasets import load_preference_dataset
    from skpref.datasets._real import available_datasets

    names = available_datasets()
    if not names:
        return None, "synthetic"
    parts = [load_preference_dataset(name, return_X_y=True, random_state=seed) for name in names]
    X = np.vstack([p[0] for p in parts]).astype(np.float64)
    y = np.concatenate([p[1] for p in parts])
    return (X, y), "+".join(names)


def synthetic(n_rows, n_features, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features)) * 3 / np.sqrt(n_features)
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-X @ rng.normal(size=n_features)))).astype(int)
    return X, y


def batch_objectives(posterior, X, batch, beta):
    """Design sampling's mean objective and g-optimal's max, after conditioning on ``batch``."""
    from skpref.query._designs import design_targets

    means, widths = posterior.mean_and_std(X)
    after = posterior.condition(X[batch]).std(X)
    targets, location = design_targets(means, widths, beta)
    mean_objective = float(np.mean(after[targets] ** 2 / location[targets] ** 2))
    return mean_objective, float(np.max(after**2))


def run_candidates(args):
    from skpref import PairwiseLogisticRegression
    from skpref.query import design_sampling, g_optimal_sampling

    data, source = pooled_real_data(0)
    if data is None:
        data = synthetic(6000, 384, 0)
    X, y = data
    print(f"pool: {source}, {X.shape[0]} x {X.shape[1]}")
    print("seed  n  strategy  objective(default 1000)  objective(full)  ratio  "
          "time(default) s  time(full) s  same rows")
    ratios = {}
    for seed in range(args.seeds):
        rng = np.random.default_rng(seed)
        labeled = rng.choice(X.shape[0], 200, replace=False)
        model = PairwiseLogisticRegression().fit(X[labeled], y[labeled])
        pool = np.delete(X, labeled, axis=0)
        posterior = model.posterior_
        for n in args.batch:
            for name, strategy, which in (
                ("design", design_sampling, 0),
                ("g-optimal", g_optimal_sampling, 1),
            ):
                results = []
                for n_candidates in (1000, pool.shape[0]):
                    start = time.perf_counter()
                    batch, _ = strategy(
                        model, pool, n, n_candidates=n_candidates, random_state=seed
                    )
                    elapsed = time.perf_counter() - start
                    value = batch_objectives(posterior, pool, batch, 0.5)[which]
                    results.append((value, elapsed, set(batch.tolist())))
                ratio = results[0][0] / results[1][0]
                ratios.setdefault((name, n), []).append(ratio)
                print(
                    f"{seed:4d} {n:3d}  {name:9s} {results[0][0]:.6g}  {results[1][0]:.6g}  "
                    f"{ratio:.4f}  {results[0][1]:.2f}  {results[1][1]:.2f}  "
                    f"{len(results[0][2] & results[1][2])}/{n}"
                )
    print("\nobjective of the default batch / the full solve's (1 = as good; above 1 = worse):")
    for (name, n), values in sorted(ratios.items()):
        values = np.array(values)
        print(
            f"  {name:9s} n={n:3d}: mean {values.mean():.4f}, worst {values.max():.4f} "
            f"over {values.size} seeds"
        )


# -- cluster ---------------------------------------------------------------------


#: Rows generated per seeded step: row block ``[start, start + GENERATE_ROWS)`` is drawn from
#: ``default_rng([seed, start])``, so every store of the pool holds the same rows, whatever its
#: own chunking.
GENERATE_ROWS = 100_000


def generated_block(k, n_rows, n_features, seed):
    """Rows ``[k G, (k + 1) G)`` of the benchmark pool (``G = GENERATE_ROWS``), float32."""
    start = k * GENERATE_ROWS
    stop = min(start + GENERATE_ROWS, n_rows)
    rng = np.random.default_rng([seed, start])
    return (rng.normal(size=(stop - start, n_features)) * 3 / np.sqrt(n_features)).astype(
        np.float32
    )


def rows_between(start, stop, n_rows, n_features, seed, cache):
    """Rows ``[start, stop)`` of the benchmark pool, from the seeded blocks they lie in."""
    pieces = []
    for k in range(start // GENERATE_ROWS, (stop - 1) // GENERATE_ROWS + 1):
        if k not in cache:
            cache.clear()  # blocks are asked for in order: keep the last one only
            cache[k] = generated_block(k, n_rows, n_features, seed)
        first = k * GENERATE_ROWS
        pieces.append(cache[k][max(start, first) - first: min(stop, first + GENERATE_ROWS) - first])
    return np.concatenate(pieces)


def write_npy(path, n_rows, n_features, seed):
    """The pool as a ``.npy`` file (for the memory map), written block by block."""
    memmap = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32,
                                       shape=(n_rows, n_features))
    cache = {}
    for start in range(0, n_rows, GENERATE_ROWS):
        stop = min(start + GENERATE_ROWS, n_rows)
        memmap[start:stop] = rows_between(start, stop, n_rows, n_features, seed, cache)
    memmap.flush()
    del memmap


def write_directory(path, n_rows, n_features, seed, chunk_rows):
    """The same rows as a pool directory (``skpref.campaign.write_pool``'s format)."""
    from skpref.campaign._pool_directory import PoolDirectoryWriter

    ids = np.char.add("pair-", np.arange(n_rows).astype(str))
    writer = PoolDirectoryWriter(path, ids, n_features, chunk_rows=chunk_rows)
    step = chunk_rows * max(1, GENERATE_ROWS // chunk_rows)  # whole chunks per write
    cache = {}
    for start in range(0, n_rows, step):
        stop = min(start + step, n_rows)
        writer.write(rows_between(start, stop, n_rows, n_features, seed, cache))
    return writer.finish({"benchmark": "bench_dask.py cluster", "seed": seed})


def model_for(n_features, seed):
    from skpref import PairwiseLogisticRegression

    X, y = synthetic(200, n_features, seed + 1)
    return PairwiseLogisticRegression().fit(X, y)


def io_counters():
    """``rchar`` (bytes read by read() calls, page cache included) and ``read_bytes`` (disk)."""
    counters = {}
    with open("/proc/self/io") as handle:
        for line in handle:
            name, value = line.split(":")
            counters[name] = int(value)
    return counters["rchar"], counters["read_bytes"]


def memmap_run(npy_path, n_features, seed):
    """In a fresh process: the single-machine path, its wall time, peak memory and disk reads."""
    code = f"""
import sys, time, json
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
import _harness
import numpy as np
from bench_dask import io_counters, model_for, peak_rss, reset_peak
from skpref.query import ci_location_sampling
pool = np.load({str(npy_path)!r}, mmap_mode="r")
model = model_for({n_features}, {seed})
idle = reset_peak()
before = io_counters()
start = time.perf_counter()
indices, _ = ci_location_sampling(model, pool, 100, random_state=0)
elapsed = time.perf_counter() - start
after = io_counters()
print(json.dumps([elapsed, idle, peak_rss(), after[1] - before[1], indices.tolist()]))
"""
    import json

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def reset_peak():
    """Reset this process's resident high-water mark (Linux: ``5`` to ``/proc/self/clear_refs``).

    A process's ``ru_maxrss`` and ``VmHWM`` are kept across ``fork`` and ``exec``: without the
    reset a child of the grown benchmark would report at least the benchmark's size.
    """
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
    return peak_rss()


def peak_rss():
    """``VmHWM`` of this process, in bytes."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def cluster_run(directory, n_features, n_workers, seed):
    """A CI-location batch of 100 from the pool directory on a LocalCluster of ``n_workers``."""
    import distributed

    import skpref._dask
    from skpref._dask import Scheduler
    from skpref.campaign import read_pool
    from skpref.query import ci_location_sampling

    sets = []
    ranked = skpref._dask.ranked_candidates

    def counted(utility, k, states):
        sets.append(int(min(k, utility.size)))
        return ranked(utility, k, states)

    skpref._dask.ranked_candidates = counted
    try:
        with Scheduler("local", n_workers=n_workers) as where:
            client = where.client
            client.run(lambda: __import__("skpref.query._pool"))  # imports before the clock
            pool = read_pool(directory)
            model = model_for(n_features, seed)
            before = client.run(reset_peak)
            io_before = client.run(io_counters)
            start = time.perf_counter()
            indices, _ = ci_location_sampling(model, pool.X, 100, random_state=0)
            elapsed = time.perf_counter() - start
            peaks = client.run(peak_rss)
            io_after = client.run(io_counters)
    finally:
        skpref._dask.ranked_candidates = ranked
    read = sum(io_after[w][0] - io_before[w][0] for w in io_after)
    disk = sum(io_after[w][1] - io_before[w][1] for w in io_after)
    del distributed
    return elapsed, before, peaks, read, disk, sets, indices.tolist()


def run_cluster(args):
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    npy_path, pool_path = directory / "pool.npy", directory / "pool.zarr"
    nbytes = args.rows * args.features * 4
    print(f"pool: {args.rows} x {args.features} float32 ({nbytes / 2**30:.2f} GiB), generated "
          f"in seeded blocks of {GENERATE_ROWS} rows (seed {args.seed}); pool directory chunks "
          f"of {args.chunk} rows ({args.chunk * args.features * 4 / 2**20:.1f} MiB)")
    print(f"disk: {shutil.disk_usage(directory).free / 2**30:.1f} GiB free in {directory}; "
          f"memory: {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.1f} GiB")
    results = {}
    if not args.skip_memmap:
        start = time.perf_counter()
        if not npy_path.exists():
            write_npy(npy_path, args.rows, args.features, args.seed)
        print(f"npy written (or found) in {time.perf_counter() - start:.1f} s")
        print(f"load average before the memmap run: {os.getloadavg()}")
        seconds, idle, peak, disk, indices = memmap_run(npy_path, args.features, args.seed)
        results["memmap"] = indices
        print(
            f"memmap, one process: {seconds:.1f} s, peak RSS {peak / 2**20:.0f} MiB (before the "
            f"call: {idle / 2**20:.0f} MiB), read from disk {disk / nbytes:.2f} x the pool"
        )
        if args.one_store:
            npy_path.unlink()
            print("npy deleted: the pool directory is written next from the same seeds")
    start = time.perf_counter()
    if not pool_path.exists():
        write_directory(str(pool_path), args.rows, args.features, args.seed, args.chunk)
    print(f"pool directory written (or found) in {time.perf_counter() - start:.1f} s")
    for n_workers in args.workers:
        print(f"load average before {n_workers} worker(s): {os.getloadavg()}")
        seconds, before, peaks, read, disk, sets, indices = cluster_run(
            str(pool_path), args.features, n_workers, args.seed
        )
        per_worker = ", ".join(f"{peak / 2**20:.0f}" for peak in peaks.values())
        idle = ", ".join(f"{peak / 2**20:.0f}" for peak in before.values())
        same = {name: indices == other for name, other in results.items()}
        results[f"{n_workers} workers"] = indices
        print(
            f"LocalCluster, {n_workers} worker(s): {seconds:.1f} s, peak RSS per worker "
            f"{per_worker} MiB (before the call: {idle} MiB); read {read / nbytes:.2f} x the "
            f"pool ({disk / nbytes:.2f} x from disk); candidate sets {sets}; same batch as "
            f"{same}"
        )
    print(f"load average after: {os.getloadavg()}")
    if args.delete:
        for path in (npy_path, pool_path):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        print(f"deleted {npy_path} and {pool_path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="part", required=True)
    candidates = sub.add_parser("candidates")
    candidates.add_argument("--seeds", type=int, default=3)
    candidates.add_argument("--batch", type=int, nargs="+", default=[10, 100])
    cluster = sub.add_parser("cluster")
    cluster.add_argument("--rows", type=int, default=20_000_000)
    cluster.add_argument("--features", type=int, default=384)
    cluster.add_argument("--chunk", type=int, default=8192,
                         help="rows per chunk of the pool directory")
    cluster.add_argument("--seed", type=int, default=0)
    cluster.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    cluster.add_argument("--dir", default="/tmp/skpref-bench-dask")
    cluster.add_argument("--one-store", action="store_true",
                         help="delete the .npy before writing the pool directory (disk space)")
    cluster.add_argument("--skip-memmap", action="store_true")
    cluster.add_argument("--delete", action="store_true", help="delete both stores at the end")
    args = parser.parse_args()
    {"candidates": run_candidates, "cluster": run_cluster}[args.part](args)


if __name__ == "__main__":
    main()
