#!/usr/bin/env python
"""The speed the posterior's one home buys (issue 11): three ratios, measured in this run.

Every figure is measured here, against a peer timed in the same run; nothing
is asserted. See ``benchmarks/README.md``.

1. The width pass ``posterior.std(X)`` over a 200,000 x 384 float64 pool
   against one matrix multiplication of the same shape (numpy's ``X @ W``
   with a 384 x 385 ``W``; scipy's ``dgemm`` would first copy the C-ordered
   pool to Fortran order). Goal: <= 1.0x.
2. ``g_optimal_sampling`` (library defaults) against
   ``ci_location_sampling`` on a 2,000 x 384 pool, a batch of 20, on a model
   fitted on 200 labels. Goal: <= 5x.
3. A Pipeline ``FunctionTransformer -> PairwiseLogisticRegression``: how many
   ``transform`` calls a batch of 10 of ``ci_location_sampling`` and of
   ``g_optimal_sampling`` makes on a 2,000-row pool (once 51 for a batch of
   10).

Timings are the median of ``--repeats`` runs after one warm-up, with
``time.perf_counter``; the machine's load average is printed with them.
Figure 2 also prints the median CPU time of the process (``time.process_time``),
which other jobs sharing the cores disturb less than the wall time.

Usage::

    python benchmarks/bench_posterior.py [--repeats 7] [--quick] [--figures 1 2 3]
"""

import argparse
import os
import statistics
import time

import _harness  # noqa: F401  (puts this checkout first on sys.path)
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import skpref
from skpref import PairwiseLogisticRegression
from skpref.query import ci_location_sampling, g_optimal_sampling


def median_seconds(fn, repeats, cpu=False):
    """Median wall time of ``fn`` (or ``(wall, cpu)`` medians) after one warm-up."""
    fn()  # warm-up
    times, cpu_times = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    if cpu:
        return statistics.median(times), statistics.median(cpu_times)
    return statistics.median(times)


def fitted_model(n_labels, n_features, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_labels, n_features)) * 3 / np.sqrt(n_features)
    theta = rng.normal(size=n_features)
    y = (rng.random(n_labels) < 1 / (1 + np.exp(-X @ theta))).astype(int)
    return PairwiseLogisticRegression(C=1.0).fit(X, y)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per figure (default: 7)")
    parser.add_argument("--quick", action="store_true", help="a 20,000-row pool for figure 1")
    parser.add_argument(
        "--figures", type=int, nargs="+", choices=(1, 2, 3), default=(1, 2, 3),
        help="which figures to measure (default: all three)",
    )
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    d = 384
    print(f"skpref from {os.path.dirname(skpref.__file__)}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    n_pool = 20_000 if args.quick else 200_000
    if 1 in args.figures:
        model = fitted_model(2000, d, 1)
        posterior = model.posterior_
        pool = np.ascontiguousarray(rng.normal(size=(n_pool, d)) * 3 / np.sqrt(d))
        W = rng.normal(size=(d, d + 1))
        width_pass = median_seconds(lambda: posterior.std(pool), args.repeats)
        gemm = median_seconds(lambda: pool @ W, args.repeats)
        print(
            f"1. widths of {n_pool} x {d}: {width_pass:.3f} s; X @ W ({d} x {d + 1}) "
            f"{gemm:.3f} s; ratio {width_pass / gemm:.2f} (goal <= 1.0)"
        )

    # The same draws whichever figures run: figure 2's pool does not depend on figure 1's.
    rng = np.random.default_rng(1)
    small = fitted_model(200, d, 2)
    pool = rng.normal(size=(2000, d)) * 3 / np.sqrt(d)
    if 2 in args.figures:
        g_time, g_cpu = median_seconds(
            lambda: g_optimal_sampling(small, pool, 20), args.repeats, cpu=True
        )
        ci_time, ci_cpu = median_seconds(
            lambda: ci_location_sampling(small, pool, 20), args.repeats, cpu=True
        )
        print(
            f"2. batch of 20 from 2000 x {d}: g_optimal_sampling {g_time:.3f} s, "
            f"ci_location_sampling {ci_time:.3f} s; ratio {g_time / ci_time:.2f} (goal <= 5); "
            f"CPU time {g_cpu:.3f} s vs {ci_cpu:.3f} s, ratio {g_cpu / ci_cpu:.2f}"
        )
    if 3 not in args.figures:
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        return

    calls = {"n": 0}

    def identity(X):
        calls["n"] += 1
        return X

    pipe = make_pipeline(FunctionTransformer(identity), PairwiseLogisticRegression())
    X_train = rng.normal(size=(200, d)) * 3 / np.sqrt(d)
    pipe.fit(X_train, (X_train[:, 0] > 0).astype(int))
    strategies = [("ci_location", ci_location_sampling), ("g_optimal", g_optimal_sampling)]
    for name, strategy in strategies:
        calls["n"] = 0
        strategy(pipe, pool, 10)
        print(f"3. {name}_sampling, batch of 10 through a Pipeline: {calls['n']} transform calls")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
