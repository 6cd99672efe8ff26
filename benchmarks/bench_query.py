#!/usr/bin/env python
"""Benchmark skpref's query strategies: time and memory per batch, in one run.

Every figure is measured in this run; nothing is hard-coded and nothing is
asserted. Ratios are against a reference timed in this run. See
``benchmarks/README.md``.

Setup: a pool of 200,000 comparison rows x d = 384 (float64, seeded
``N(0, I) * 3 / sqrt(d)``) and a ``PairwiseLogisticRegression(C=1.0)`` fitted
on 2,000 labeled rows drawn from a logistic model (``theta ~ N(0, I)``,
``y ~ Bernoulli(sigmoid(x^T theta))``); batches of 100. Both posteriors of the
model (``posterior_`` and ``gram_posterior_``) are built before any timing.

Figures
-------
1. The floor: one pass of ``model.posterior_.std(X_pool)``, the widths of every
   pool row under the posterior (measured before and after figure 2; the
   reference is the median of all its timed runs).
2. Every strategy of ``skpref.query`` (``design_sampling`` once per
   aggregate): seconds per batch of 100, ratio to the floor, and peak memory
   increment of one call (tracemalloc; numpy reports its buffers to it).
   Goals: greedy batch strategies (``d_optimal_sampling``,
   ``ci_location_sampling``) <= 2x the floor; design strategies
   (``g_optimal_sampling``, ``design_sampling``) <= 20x the floor.
3. ``skpref.query.uncertainty_sampling`` against modAL's
   ``modAL.uncertainty.uncertainty_sampling`` on the same fitted estimator and
   pool (``n_instances=100``). Goal: ours / modAL <= 1.0.
4. A memory-mapped pool of 2,000,000 rows x 384 float32 (about 3 GB, written
   to a temporary directory and deleted afterwards): ``ci_location_sampling``
   and ``uncertainty_sampling`` each run in a fresh subprocess, which reports
   its peak resident memory (``ru_maxrss``) minus its baseline after imports
   and model load. Goal: peak increment < 1 GiB.

Measurement: ``time.perf_counter``. Each contender first runs once untimed
under tracemalloc (this is both its warm-up and its memory figure), then
``--repeats`` timed runs (median reported); a contender whose warm-up took
long gets fewer timed runs (at least one) so that the default run stays near
ten minutes. The garbage collector is run before and disabled during each
timed run. Contenders are separated by a 0.5 s pause, because the numpy and
scipy wheels each bundle an OpenBLAS whose idle worker threads spin for a
while after a call.
"""

import argparse
import gc
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

# Puts this checkout on sys.path, so that it is the skpref measured; imports
# nothing heavy, so the launcher and the children stay bare interpreters.
import _harness
from _harness import (PAUSE_SECONDS, banner, fmt_s, library_report, load_note, pause,
    print_table, timed_runs)

N_FEATURES = 384
N_LABELED = 2_000
BATCH = 100
SCALE = 3.0  # rows are N(0, I) * SCALE / sqrt(d)
#: Timed runs of one contender are cut down (to at least one) when its warm-up
#: says they would take longer than this in all.
TIMED_BUDGET_SECONDS = 30.0
MEMMAP_CHUNK_ROWS = 50_000
#: CPU seconds used by the figure-4 children (started by the launcher, so not
#: in ``os.times()``), so that the load monitor does not count them as foreign.
CHILD_CPU_SECONDS = [0.0]
MEMMAP_MIN_FREE_BYTES = 10 * 2**30
MEMMAP_GOAL_MIB = 1024.0
GREEDY_GOAL = 2.0
DESIGN_GOAL = 20.0
MODAL_GOAL = 1.0

SIZES = {
    "default": {"pool": 200_000, "memmap": 2_000_000},
    "quick": {"pool": 20_000, "memmap": 200_000},
}

ORDER = (
    "random_sampling", "uncertainty_sampling", "apo_sampling", "d_optimal_sampling",
    "g_optimal_sampling", "selective_sampling", "ci_location_sampling", "design_sampling",
)

# Strategies the goals speak about; any other strategy found in skpref.query
# is timed too, without a goal.
GOALS = {
    "d_optimal_sampling": ("greedy batch", GREEDY_GOAL),
    "ci_location_sampling": ("greedy batch", GREEDY_GOAL),
    "g_optimal_sampling": ("design", DESIGN_GOAL),
    'design_sampling(aggregate="mean")': ("design", DESIGN_GOAL),
    'design_sampling(aggregate="max")': ("design", DESIGN_GOAL),
}


# -- helpers -----------------------------------------------------------------


def traced_call(fn):
    """Run ``fn`` once under tracemalloc: ``(seconds, peak increment MiB, result)``.

    The peak is tracemalloc's peak minus the traced memory before the call;
    numpy reports its data buffers to tracemalloc, so array temporaries count.
    """
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    try:
        result = fn()
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return elapsed, (peak - before) / 2**20, result


def n_timed(repeats, warmup_seconds):
    """Timed runs for a contender whose warm-up took ``warmup_seconds``."""
    if warmup_seconds * repeats <= TIMED_BUDGET_SECONDS:
        return repeats
    return max(1, min(repeats, int(TIMED_BUDGET_SECONDS // max(warmup_seconds, 1e-9))))


def measure(fn, repeats):
    """Warm-up under tracemalloc, then timed runs.

    Returns a dict with ``median``, ``times``, ``warmup``, ``peak_mib``,
    ``foreign`` (share of the machine's CPU other processes used during the
    timed runs, or None) and ``result`` (the warm-up's result).
    """
    warmup, peak, result = traced_call(fn)
    pause()
    monitor = LoadMonitor()
    times = timed_runs(fn, n_timed(repeats, warmup))
    return {"median": statistics.median(times), "times": times, "warmup": warmup,
            "peak_mib": peak, "foreign": monitor.foreign_share(), "result": result}


def fmt_share(share):
    return "?" if share is None else f"{100 * share:.0f}%"


def fmt_runs(times):
    return " ".join(f"{t:.3f}" for t in times)


class LoadMonitor(_harness.LoadMonitor):
    """The harness's load monitor, with this benchmark's children as "ours".

    Child processes of this benchmark count as "ours" once they have been
    waited for, and so do the figure-4 children (they report their CPU time).
    """

    @staticmethod
    def own_cpu_seconds():
        times = os.times()
        # self, waited-for children, and the figure-4 children (they report it)
        return times[0] + times[1] + times[2] + times[3] + CHILD_CPU_SECONDS[0]


def modal_version():
    """modAL-python's version, or why it is unavailable."""
    try:
        import modAL

        version = getattr(modAL, "__version__", None)
        if version is None:
            from importlib.metadata import version as distribution_version

            version = distribution_version("modAL-python")
    except Exception as error:  # noqa: BLE001 - informational only
        version = f"unavailable ({type(error).__name__}: {error})"
    return version


def report(argv):
    library_report(
        argv,
        "skpref benchmark: query strategies (time and memory per batch)",
        env_vars=("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE"),
        extra_libraries=[("modAL-python", modal_version())],
        full_file_paths=True,
    )


# -- data --------------------------------------------------------------------


def make_model(seed):
    """``PairwiseLogisticRegression(C=1.0)`` fitted on 2,000 logistic-model rows."""
    import numpy as np
    from scipy.special import expit

    from skpref import PairwiseLogisticRegression

    rng = np.random.default_rng([seed, 0])
    X = rng.normal(size=(N_LABELED, N_FEATURES)) * (SCALE / np.sqrt(N_FEATURES))
    theta = rng.normal(size=N_FEATURES)
    y = (rng.random(N_LABELED) < expit(X @ theta)).astype(np.int64)
    start = time.perf_counter()
    model = PairwiseLogisticRegression(C=1.0).fit(X, y)
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    model.posterior_  # noqa: B018 - build and cache both Laplace posteriors
    model.gram_posterior_  # noqa: B018
    posterior_time = time.perf_counter() - start
    return model, {"fit": fit_time, "posterior": posterior_time, "n_iter": model.n_iter_,
                   "positive_rate": float(y.mean())}


def make_pool(n_rows, seed):
    import numpy as np

    rng = np.random.default_rng([seed, 1])
    return rng.normal(size=(n_rows, N_FEATURES)) * (SCALE / np.sqrt(N_FEATURES))


def strategy_table(seed):
    """``[(label, function, params)]`` for every strategy in ``skpref.query``.

    The known strategies come in ORDER; any other ``*_sampling`` function the
    package exports is appended, with its default parameters.
    """
    import skpref.query as query

    names = [n for n in query.__all__ if n.endswith("_sampling") and callable(getattr(query, n))]
    names = [n for n in ORDER if n in names] + sorted(n for n in names if n not in ORDER)
    table = []
    for name in names:
        function = getattr(query, name)
        if name == "design_sampling":
            for aggregate in ("mean", "max"):
                table.append((f'design_sampling(aggregate="{aggregate}")', function,
                              {"aggregate": aggregate, "random_state": seed}))
        else:
            table.append((name, function, {"random_state": seed}))
    return table


# -- figures 1 and 2 ---------------------------------------------------------


def run_strategies(model, pool, repeats, seed, summary):
    monitor = LoadMonitor()
    n_pool = pool.shape[0]
    banner(f"figures 1-2: strategies on a {n_pool} x {pool.shape[1]} float64 pool "
           f"({pool.nbytes / 2**20:.0f} MiB), batch of {BATCH}")
    posterior = model.posterior_

    floor = measure(lambda: posterior.std(pool), repeats)
    floor_runs = list(floor["times"])
    pause()

    results = []
    for label, function, params in strategy_table(seed):
        def call(function=function, params=params):
            return function(model, pool, n_instances=BATCH, **params)

        measured = measure(call, repeats)
        indices = measured.pop("result")[0]
        measured.update(label=label, n_picked=len(indices),
                        distinct=len(set(indices.tolist())))
        results.append(measured)
        print(f"  {label}: median {fmt_s(measured['median'])} s over "
              f"{len(measured['times'])} run(s) (warm-up {fmt_s(measured['warmup'])} s), "
              f"peak +{measured['peak_mib']:.1f} MiB", flush=True)
        pause()

    floor_after = timed_runs(lambda: posterior.std(pool), repeats)
    floor_runs += floor_after
    reference = statistics.median(floor_runs)

    rows = [["floor: posterior_.std(X_pool)", fmt_s(reference),
             fmt_runs(floor["times"]) + " | after: " + fmt_runs(floor_after),
             fmt_s(floor["warmup"]), f"{floor['peak_mib']:.1f}", "1.00", "-",
             fmt_share(floor["foreign"]), "-", "-"]]
    summary.append(["floor: posterior_.std(X_pool)", fmt_s(reference), "1.00",
                    f"{floor['peak_mib']:.1f}", "-", "-"])
    for entry in results:
        ratio = entry["median"] / reference
        kind, goal = GOALS.get(entry["label"], ("-", None))
        met = "-" if goal is None else ("yes" if ratio <= goal else "no")
        goal_text = "-" if goal is None else f"<= {goal:g}x floor ({kind})"
        rows.append([entry["label"], fmt_s(entry["median"]), fmt_runs(entry["times"]),
                     fmt_s(entry["warmup"]), f"{entry['peak_mib']:.1f}", f"{ratio:.2f}",
                     f"{entry['n_picked']}/{entry['distinct']}", fmt_share(entry["foreign"]),
                     goal_text, met])
        summary.append([entry["label"], fmt_s(entry["median"]), f"{ratio:.2f}",
                        f"{entry['peak_mib']:.1f}", goal_text, met])
    print_table(
        f"figures 1-2: seconds per batch of {BATCH} on {n_pool} rows; floor = median of "
        f"{len(floor_runs)} runs of posterior_.std(X_pool) (before and after the strategies)",
        ["strategy", "median (s)", "timed runs (s)", "warm-up (s, traced)",
         "peak +MiB (tracemalloc)", "ratio to floor", "picked/distinct",
         "other procs' CPU (timed runs)", "goal", "met"],
        rows,
    )
    print()
    print(f"[figures 1-2] {load_note(monitor)}")
    return reference


# -- figure 3 ----------------------------------------------------------------


def run_modal(model, pool, repeats, seed, summary):
    import numpy as np

    import skpref.query as query

    monitor = LoadMonitor()
    banner(f"figure 3: uncertainty_sampling, skpref vs modAL ({pool.shape[0]} rows, "
           f"n_instances={BATCH})")
    notes = []
    peer_label = "modAL.uncertainty.uncertainty_sampling(model, X_pool, n_instances=100)"
    try:
        from modAL.uncertainty import uncertainty_sampling as modal_uncertainty

        def peer():
            return modal_uncertainty(model, pool, n_instances=BATCH)

        probe = peer()
        probe_indices = np.asarray(probe[0] if isinstance(probe, tuple) else probe).ravel()
        if probe_indices.size != BATCH:
            raise RuntimeError(f"modAL returned {probe_indices.size} indices, expected {BATCH}")
    except Exception as error:  # noqa: BLE001 - reported verbatim, then a fallback
        notes.append(f"modAL's uncertainty_sampling failed on this setup: "
                     f"{type(error).__name__}: {error}")
        notes.append("FALLBACK: timing an equivalent of what modAL does: "
                     "predict_proba + 1 - max proba + argpartition top-n")
        peer_label = "equivalent of modAL (predict_proba, 1 - max, multi_argmax)"

        def peer():
            proba = model.predict_proba(pool)
            uncertainty = 1 - np.max(proba, axis=1)
            top = np.argpartition(-uncertainty, BATCH - 1)[:BATCH]
            return top, uncertainty[top]
    else:
        notes.append("modAL's uncertainty_sampling ran unchanged on this scikit-learn "
                     "(it calls model.predict_proba on the whole pool, takes "
                     "1 - max proba, and multi_argmax).")

    def ours():
        return query.uncertainty_sampling(model, pool, n_instances=BATCH, random_state=seed)

    pause()
    mine = measure(ours, repeats)
    pause()
    theirs = measure(peer, repeats)
    pause()
    ours_set = set(np.asarray(mine["result"][0]).tolist())
    theirs_set = set(np.asarray(theirs["result"][0]).ravel().tolist())
    ratio = mine["median"] / theirs["median"]
    met = "yes" if ratio <= MODAL_GOAL else "no"
    for note in notes:
        print(note)
    print_table(
        "figure 3: uncertainty sampling, ours / modAL (goal <= 1.0)",
        ["contender", "median (s)", "timed runs (s)", "peak +MiB (tracemalloc)", "ratio"],
        [["skpref.query.uncertainty_sampling", fmt_s(mine["median"]), fmt_runs(mine["times"]),
          f"{mine['peak_mib']:.1f}", f"{ratio:.2f}"],
         [peer_label, fmt_s(theirs["median"]), fmt_runs(theirs["times"]),
          f"{theirs['peak_mib']:.1f}", "1.00"]],
    )
    print(f"same batch selected (as sets): {len(ours_set & theirs_set)} of {BATCH} rows in common")
    print()
    print(f"[figure 3] {load_note(monitor)}")
    summary.append(["uncertainty_sampling vs modAL (ratio = ours/modAL)", fmt_s(mine["median"]),
                    f"{ratio:.2f}", f"{mine['peak_mib']:.1f}", f"<= {MODAL_GOAL:g}x modAL", met])


# -- figure 4 ----------------------------------------------------------------


def write_memmap(path, n_rows, seed):
    """A seeded ``N(0, I) * 3 / sqrt(d)`` float32 pool, written chunk by chunk."""
    import numpy as np

    rng = np.random.default_rng([seed, 2])
    pool = np.memmap(path, dtype=np.float32, mode="w+", shape=(n_rows, N_FEATURES))
    factor = np.float32(SCALE / np.sqrt(N_FEATURES))
    for start in range(0, n_rows, MEMMAP_CHUNK_ROWS):
        stop = min(start + MEMMAP_CHUNK_ROWS, n_rows)
        chunk = rng.standard_normal(size=(stop - start, N_FEATURES), dtype=np.float32)
        chunk *= factor
        pool[start:stop] = chunk
    pool.flush()
    del pool


def run_memmap(launcher, model, n_rows, seed, summary):
    monitor = LoadMonitor()
    row_bytes = N_FEATURES * 4
    tmp_root = tempfile.gettempdir()
    free = shutil.disk_usage(tmp_root).free
    banner(f"figure 4: memory-mapped float32 pool, strategies in a subprocess "
           f"(goal: peak RSS increment < {MEMMAP_GOAL_MIB:.0f} MiB)")
    print(f"temporary directory {tmp_root}: {free / 2**30:.1f} GiB free")
    if free < MEMMAP_MIN_FREE_BYTES:
        scaled = max(10_000, int(free * 0.25 // row_bytes) // 10_000 * 10_000)
        if scaled < n_rows:
            print(f"NOTE: less than {MEMMAP_MIN_FREE_BYTES / 2**30:.0f} GiB free: the memmap "
                  f"pool is scaled down from {n_rows} to {scaled} rows "
                  f"(a quarter of the free space)")
            n_rows = scaled
    directory = tempfile.mkdtemp(prefix="skpref_bench_query_", dir=tmp_root)
    try:
        pool_path = os.path.join(directory, "pool.f32")
        model_path = os.path.join(directory, "model.pkl")
        with open(model_path, "wb") as handle:
            pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        start = time.perf_counter()
        write_memmap(pool_path, n_rows, seed)
        write_time = time.perf_counter() - start
        size = os.path.getsize(pool_path)
        print(f"wrote {n_rows} x {N_FEATURES} float32 ({size / 2**30:.2f} GiB) in "
              f"{write_time:.1f} s; model pickled ({os.path.getsize(model_path) / 2**20:.1f} MiB)")
        rows = []
        for strategy in ("ci_location_sampling", "uncertainty_sampling"):
            pause()
            report = run_child(launcher, strategy, pool_path, model_path, n_rows, seed)
            if "error" in report:
                print(f"  {strategy}: child failed:\n{report['error']}")
                rows.append([strategy, "failed", "-", "-", "-", "-", "-", "-", "no", "-"])
                summary.append([f"memmap {n_rows} rows: {strategy}", "failed", "-", "-",
                                f"peak RSS < {MEMMAP_GOAL_MIB:.0f} MiB", "no"])
                continue
            peak = report["peak_mib"]
            met = "yes" if peak < MEMMAP_GOAL_MIB else "no"
            anon_met = "yes" if report["anon_peak_mib"] < MEMMAP_GOAL_MIB else "no"
            rows.append([
                strategy, fmt_s(report["seconds"]), f"{n_rows / report['seconds']:,.0f}",
                f"{report['baseline_mib']:.0f}", f"{peak:.0f}", f"{report['hwm_peak_mib']:.0f}",
                f"{report['anon_peak_mib']:.0f}", f"{report['file_peak_mib']:.0f}", met,
                anon_met,
            ])
            summary.append([f"memmap {n_rows} rows: {strategy}", fmt_s(report["seconds"]), "-",
                            f"{peak:.0f} (RSS)", f"peak RSS < {MEMMAP_GOAL_MIB:.0f} MiB", met])
        print_table(
            f"figure 4: {n_rows} x {N_FEATURES} float32 memmap, one run per fresh subprocess "
            f"(after a warm-up on its first 1,000 rows), batch of {BATCH}",
            ["strategy", "seconds", "rows/s", "baseline RSS MiB", "peak RSS +MiB (ru_maxrss)",
             "VmHWM +MiB (check)",
             "of it anon +MiB (sampled)", "of it file-backed +MiB (sampled)",
             "goal met (ru_maxrss)", "anon < 1 GiB (info only)"],
            rows,
        )
        print("baseline = the child's ru_maxrss after imports and model load; 'peak RSS +MiB' = "
              "ru_maxrss at the end minus that baseline (the goal's figure). The children are "
              "started by a launcher forked before this process grew, so ru_maxrss does not "
              "inherit our size; VmHWM (the child's own high-water mark) cross-checks it. "
              "Anonymous (heap) and file-backed (memmap pages mapped into the process) "
              "resident memory are sampled from /proc/self/status every 20 ms, for the "
              "breakdown only: file-backed pages are clean page cache the kernel can drop "
              "under pressure, but they do count in resident memory. The pool file was just "
              "written, so its pages are likely in the page cache (warm reads).")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        print(f"deleted {directory}" + (" (still present!)" if os.path.exists(directory) else ""))
    print()
    print(f"[figure 4] {load_note(monitor)} (kernel writeback of the pool file counts as "
          "other processes)")


class Launcher:
    """A small process, started before this one grows, that starts the children.

    Linux keeps a process's resident high-water mark across ``exec``: a child
    forked from this benchmark (hundreds of MiB by figure 4) would start with
    ``ru_maxrss`` at least our size, and a peak below it would not show. So
    the figure-4 children are started by this launcher, forked at the very
    beginning while the benchmark is still only a bare interpreter.
    """

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--launcher"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def run(self, argv):
        """Run ``argv`` to completion: ``(returncode, stdout, stderr)``."""
        self.process.stdin.write(json.dumps(argv) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        return reply["returncode"], reply["stdout"], reply["stderr"]

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def launcher_main():
    for line in sys.stdin:
        completed = subprocess.run(json.loads(line), capture_output=True, text=True)
        sys.stdout.write(json.dumps({"returncode": completed.returncode,
                                     "stdout": completed.stdout,
                                     "stderr": completed.stderr}) + "\n")
        sys.stdout.flush()


def run_child(launcher, strategy, pool_path, model_path, n_rows, seed):
    command = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps({
        "strategy": strategy, "pool": pool_path, "model": model_path,
        "rows": n_rows, "seed": seed,
    })]
    returncode, stdout, stderr = launcher.run(command)
    if returncode != 0:
        return {"error": f"exit code {returncode}\n{stderr.strip()}"}
    try:
        report = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"unreadable child output:\n{stdout}\n{stderr}"}
    CHILD_CPU_SECONDS[0] += report.get("cpu_seconds", 0.0)
    return report


# -- the subprocess of figure 4 ----------------------------------------------


def _status_kib(fields=("RssAnon", "RssFile", "VmRSS", "VmHWM")):
    values = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in fields:
                    values[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return values


class _Sampler(threading.Thread):
    """Peak RssAnon and RssFile of this process, sampled every 20 ms."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = {"RssAnon": 0, "RssFile": 0}
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            for key, value in _status_kib(("RssAnon", "RssFile")).items():
                self.peak[key] = max(self.peak[key], value)
            self.stop_event.wait(0.02)

    def stop(self):
        self.stop_event.set()
        self.join()
        for key, value in _status_kib(("RssAnon", "RssFile")).items():
            self.peak[key] = max(self.peak[key], value)


def child_main(config_json):
    import resource

    import numpy as np

    import skpref.query as query

    config = json.loads(config_json)
    with open(config["model"], "rb") as handle:
        model = pickle.load(handle)
    gc.collect()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    status = _status_kib()
    pool = np.memmap(config["pool"], dtype=np.float32, mode="r",
                     shape=(config["rows"], N_FEATURES))
    function = getattr(query, config["strategy"])
    function(model, pool[:1000], n_instances=BATCH, random_state=config["seed"])  # warm-up
    sampler = _Sampler()
    sampler.start()
    start = time.perf_counter()
    indices, _ = function(model, pool, n_instances=BATCH, random_state=config["seed"])
    seconds = time.perf_counter() - start
    sampler.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "seconds": seconds,
        "baseline_mib": baseline / 1024.0,
        "peak_mib": (peak - baseline) / 1024.0,
        "anon_peak_mib": (sampler.peak["RssAnon"] - status.get("RssAnon", 0)) / 1024.0,
        "file_peak_mib": (sampler.peak["RssFile"] - status.get("RssFile", 0)) / 1024.0,
        "hwm_peak_mib": (_status_kib(("VmHWM",)).get("VmHWM", 0) - status.get("VmHWM", 0)) / 1024.0,
        "n_picked": int(len(indices)),
        "cpu_seconds": sum(os.times()[:2]),
    }))


# -- main --------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed runs per contender after one warm-up (default 3; "
                             "slow contenders get fewer, at least 1)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes for a smoke run (20,000-row pool, "
                             "200,000-row memmap)")
    parser.add_argument("--seed", type=int, default=0, help="data and tie-break seed (default 0)")
    parser.add_argument("--skip-memmap", action="store_true",
                        help="skip figure 4 (the memory-mapped pool)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    started = time.perf_counter()
    # Before anything grows this process (see Launcher).
    launcher = None if args.skip_memmap else Launcher()
    monitor = LoadMonitor()
    report(sys.argv if argv is None else [sys.argv[0], *argv])
    sizes = SIZES["quick" if args.quick else "default"]
    print()
    print(f"mode: {'quick' if args.quick else 'default'}; repeats={args.repeats} (median; "
          f"one traced warm-up first; fewer timed runs when they would exceed "
          f"{TIMED_BUDGET_SECONDS:.0f} s); seed={args.seed}; pause between contenders "
          f"{PAUSE_SECONDS} s; batch {BATCH}")

    model, info = make_model(args.seed)
    print(f"model: PairwiseLogisticRegression(C=1.0) on {N_LABELED} x {N_FEATURES} rows "
          f"N(0, I) * {SCALE:g}/sqrt(d), y ~ Bernoulli(sigmoid(x^T theta)), theta ~ N(0, I) "
          f"(P(y=1)={info['positive_rate']:.3f}); fit {info['fit']:.2f} s, "
          f"{info['n_iter']} Newton iterations; both posteriors built in "
          f"{info['posterior']:.2f} s (untimed below)")
    pool = make_pool(sizes["pool"], args.seed)
    summary = []
    run_strategies(model, pool, args.repeats, args.seed, summary)
    run_modal(model, pool, args.repeats, args.seed, summary)
    del pool
    gc.collect()
    if args.skip_memmap:
        print()
        print("figure 4 skipped (--skip-memmap)")
    else:
        run_memmap(launcher, model, sizes["memmap"], args.seed, summary)
        launcher.close()

    print_table(
        "summary (ratio to the floor unless stated; peak = tracemalloc increment of one "
        "call, or resident-memory increment for the memmap rows)",
        ["strategy", "seconds/batch", "ratio", "peak MiB", "goal", "met"],
        summary,
    )
    judged = [row for row in summary if row[-1] in ("yes", "no")]
    met = sum(row[-1] == "yes" for row in judged)
    print()
    print(f"{met} of {len(judged)} goals met; total wall time "
          f"{time.perf_counter() - started:.0f} s; load average at end: "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}; {load_note(monitor)}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_main(sys.argv[2])
    elif sys.argv[1:] == ["--launcher"]:
        launcher_main()
    else:
        main()
