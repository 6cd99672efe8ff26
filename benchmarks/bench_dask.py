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
    A float32 pool stored as zarr on disk (generated in row chunks), a
    CI-location batch of 100 from a model fitted on 200 labels: wall time and
    peak resident memory (``VmHWM``, reset just before the call) of each worker
    of a ``distributed.LocalCluster`` with 1 and with 2 worker processes,
    against the single-machine path on a ``.npy`` memory map of the same rows
    (peak resident memory of its process), and a check that the three
    batches are the same.

Run from the repository root::

    python benchmarks/bench_dask.py candidates
    python benchmarks/bench_dask.py cluster --rows 2000000 --dir /tmp/skpref-bench

Needs ``skpref[dask]`` and, for ``cluster``, ``zarr``.
"""

import argparse
import os
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


def write_pool(directory, n_rows, n_features, chunk_rows, seed):
    """The pool as zarr and as .npy, written in row chunks (never whole in memory)."""
    import dask.array as da

    directory.mkdir(parents=True, exist_ok=True)
    zarr_path, npy_path = directory / "pool.zarr", directory / "pool.npy"
    if zarr_path.exists() and npy_path.exists():
        return zarr_path, npy_path
    memmap = np.lib.format.open_memmap(
        npy_path, mode="w+", dtype=np.float32, shape=(n_rows, n_features)
    )
    for start in range(0, n_rows, chunk_rows):
        stop = min(start + chunk_rows, n_rows)
        rng = np.random.default_rng([seed, start])
        memmap[start:stop] = rng.normal(size=(stop - start, n_features)) * 3 / np.sqrt(n_features)
    memmap.flush()
    del memmap
    rows = np.load(npy_path, mmap_mode="r")
    da.from_array(rows, chunks=(chunk_rows, n_features)).to_zarr(str(zarr_path))
    return zarr_path, npy_path


def model_for(n_features, seed):
    from skpref import PairwiseLogisticRegression

    X, y = synthetic(200, n_features, seed + 1)
    return PairwiseLogisticRegression().fit(X, y)


def memmap_run(npy_path, n_features, seed):
    """In a fresh process: the single-machine path, its wall time and peak memory."""
    code = f"""
import sys, time, json
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
import _harness
import numpy as np
from bench_dask import model_for, peak_rss, reset_peak
from skpref.query import ci_location_sampling
pool = np.load({str(npy_path)!r}, mmap_mode="r")
model = model_for({n_features}, {seed})
idle = reset_peak()
start = time.perf_counter()
indices, _ = ci_location_sampling(model, pool, 100, random_state=0)
elapsed = time.perf_counter() - start
print(json.dumps([elapsed, idle, peak_rss(), indices.tolist()]))
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


def cluster_run(zarr_path, n_features, n_workers, seed):
    import dask.array as da
    import distributed

    from skpref.query import ci_location_sampling

    with distributed.LocalCluster(
        n_workers=n_workers, processes=True, threads_per_worker=1, dashboard_address=None,
        silence_logs=40,
    ) as cluster, distributed.Client(cluster) as client:
        client.run(lambda: __import__("skpref.query._pool"))  # imports before the clock
        pool = da.from_zarr(str(zarr_path))
        model = model_for(n_features, seed)
        before = client.run(reset_peak)
        start = time.perf_counter()
        indices, _ = ci_location_sampling(model, pool, 100, random_state=0)
        elapsed = time.perf_counter() - start
        peaks = client.run(peak_rss)
    return elapsed, before, peaks, indices.tolist()


def run_cluster(args):
    directory = Path(args.dir)
    start = time.perf_counter()
    zarr_path, npy_path = write_pool(directory, args.rows, args.features, args.chunk, args.seed)
    gib = args.rows * args.features * 4 / 2**30
    print(
        f"pool: {args.rows} x {args.features} float32 ({gib:.2f} GiB), zarr chunks of "
        f"{args.chunk} rows, written (or found) in {time.perf_counter() - start:.1f} s"
    )
    print(f"load average before: {os.getloadavg()}")
    seconds, idle, peak, memmap_indices = memmap_run(npy_path, args.features, args.seed)
    print(
        f"memmap, one process: {seconds:.1f} s, peak RSS {peak / 2**20:.0f} MiB "
        f"(before the call: {idle / 2**20:.0f} MiB)"
    )
    for n_workers in (1, 2):
        seconds, before, peaks, indices = cluster_run(
            zarr_path, args.features, n_workers, args.seed
        )
        per_worker = ", ".join(f"{peak / 2**20:.0f}" for peak in peaks.values())
        idle = ", ".join(f"{peak / 2**20:.0f}" for peak in before.values())
        print(
            f"LocalCluster, {n_workers} worker(s): {seconds:.1f} s, peak RSS per worker "
            f"{per_worker} MiB (before the call: {idle} MiB); same batch as memmap: "
            f"{indices == memmap_indices}"
        )
    print(f"load average after: {os.getloadavg()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="part", required=True)
    candidates = sub.add_parser("candidates")
    candidates.add_argument("--seeds", type=int, default=3)
    candidates.add_argument("--batch", type=int, nargs="+", default=[10, 100])
    cluster = sub.add_parser("cluster")
    cluster.add_argument("--rows", type=int, default=20_000_000)
    cluster.add_argument("--features", type=int, default=384)
    cluster.add_argument("--chunk", type=int, default=100_000)
    cluster.add_argument("--seed", type=int, default=0)
    cluster.add_argument("--dir", default="/tmp/skpref-bench-dask")
    args = parser.parse_args()
    {"candidates": run_candidates, "cluster": run_cluster}[args.part](args)


if __name__ == "__main__":
    main()
