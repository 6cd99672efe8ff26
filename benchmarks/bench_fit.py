#!/usr/bin/env python
"""Benchmark skpref's fit and posterior against scikit-learn, in one run.

Every figure is a ratio measured in this run against a peer timed in this run;
nothing is hard-coded and nothing is asserted. See ``benchmarks/README.md``.

Figures
-------
1. ``PairwiseLogisticRegression(C=1.0).fit`` (solver "auto", "newton-cholesky",
   "newton-cg") against ``LogisticRegression(fit_intercept=False, C=1.0)`` with
   solver "newton-cholesky" and "lbfgs", at equal coefficients: each sklearn
   solver gets the loosest ``tol`` of the ladder 1e-4 ... 1e-12 whose
   coefficients are within 1e-6 (max abs) of a reference solution (skpref
   newton-cholesky, tol=1e-12). Goal: ours / faster sklearn <= 1.0.
2. ``fit`` plus the first ``logit_std`` call (which builds the Cholesky factor
   of the Hessian) against sklearn's newton-cholesky fit alone. Goal <= 1.0.
3. Warm-started refit after adding 1% more rows against a cold fit with the
   same solver: (a) plain warm start, (b) warm start after ``logit_std`` was
   called once (the previous Hessian factor preconditions newton-cg).
   Goal: cold / warm >= 2, warm and cold coefficients within 1e-6.
4. ``logit_std`` on a large pool against one ``X @ W`` product of the same
   shape (W is d x d), with tracemalloc and resident-memory peaks.
   Goal: ratio <= 1.5.

Measurement: ``time.perf_counter``; each timing is the median (``--statistic
min``: the fastest) of ``--repeats`` runs after one untimed warm-up run of the
same configuration; the garbage
collector is run before and disabled during each timed run. skpref and
scikit-learn are timed in separate blocks with a 0.5 s pause between
contenders, because the numpy and scipy wheels each bundle an OpenBLAS whose
idle worker threads spin for a while after a call.
"""

import argparse
import gc
import re
import statistics
import sys
import time
import tracemalloc
import warnings

# First: puts this checkout on sys.path, so that it is the skpref measured.
from _harness import (PAUSE_SECONDS, LoadMonitor, banner, fmt_s, library_report, load_note,
    pause, print_table, timed_call, timed_runs)

import numpy as np
import scipy
import scipy.linalg  # (loads scipy's OpenBLAS for threadpoolctl)
from scipy.linalg import blas as scipy_blas
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from skpref import PairwiseLogisticRegression

COEF_TOL = 1e-6
TOL_LADDER = [10.0**-k for k in range(4, 13)]  # 1e-4, 1e-5, ..., 1e-12
SK_MAX_ITER = 10_000
OUR_SOLVERS = ("auto", "newton-cholesky", "newton-cg")
OUR_EXPLICIT_SOLVERS = ("newton-cholesky", "newton-cg")
POSTERIOR_SOLVERS = ("auto",)  # figure 2: the default estimator, as an active loop uses it
SK_SOLVERS = ("newton-cholesky", "lbfgs")

SIZES = {
    # shapes of the fit problems, evaluation rows, (rows, d) of the figure-4 pool
    "default": {"shapes": [(20_000, 384), (2_000, 1_024)], "n_eval": 1_000, "pool": (200_000, 384)},
    "quick": {"shapes": [(3_000, 96), (600, 256)], "n_eval": 200, "pool": (20_000, 96)},
}

# sklearn >= 1.8 deprecates ``penalty``; we never pass it, but silence the
# warning should a version emit it anyway.
warnings.filterwarnings("ignore", message=".*penalty.*", category=FutureWarning)
warnings.filterwarnings("ignore", message=".*penalty.*", category=DeprecationWarning)


# -- helpers -----------------------------------------------------------------


#: How the timed runs of one measurement are summarised (``--statistic``).
STATISTIC = {"median": statistics.median, "min": min}
summarise = statistics.median


def measure(fn, repeats, setup=None):
    """Median (or fastest, see ``--statistic``) wall time of ``fn`` over ``repeats`` runs.

    ``setup`` (untimed) runs before every call, warm-up included, and its
    return value is passed to ``fn``. Returns ``(median, times, last_result)``.
    """
    times = []
    result = None
    for run in range(repeats + 1):
        result = None  # free the previous result before the next call
        if setup is not None:
            elapsed, result = timed_call(fn, setup())
        else:
            elapsed, result = timed_call(fn)
        if run > 0:  # run 0 is the warm-up
            times.append(elapsed)
    return summarise(times), times, result


def max_abs_diff(a, b):
    return float(np.max(np.abs(np.ravel(a) - np.ravel(b))))


def fmt_e(value):
    return f"{value:.1e}"


def memory_status():
    """``(VmRSS, VmHWM)`` of this process in MiB, or None off Linux."""
    try:
        values = {}
        with open("/proc/self/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(value.split()[0]) / 1024.0
        return values["VmRSS"], values["VmHWM"]
    except (OSError, KeyError, ValueError):
        return None


def reset_peak_rss():
    """Reset the kernel's resident high-water mark (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def memory_peaks(fn):
    """Peak memory increments of one call of ``fn`` (MiB).

    ``traced``: tracemalloc peak minus traced memory before the call (numpy
    reports its data buffers to tracemalloc). ``rss``: resident high-water mark
    during the call minus resident size before it (None if unavailable).
    """
    gc.collect()
    rss = None
    can_reset = reset_peak_rss()
    before = memory_status()
    tracemalloc.start()
    tracemalloc.reset_peak()
    traced_before = tracemalloc.get_traced_memory()[0]
    result = fn()
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    after = memory_status()
    if can_reset and before is not None and after is not None:
        rss = after[1] - before[0]
    del result
    return (traced_peak - traced_before) / 2**20, rss


def report(argv):
    library_report(
        argv,
        "skpref benchmark: fit and posterior against scikit-learn",
        env_vars=("OPENBLAS_CORETYPE",),
    )


# -- data --------------------------------------------------------------------


def ar1_factor(d, rho):
    """Lower Cholesky factor of the AR(1) correlation matrix rho^|i-j|."""
    index = np.arange(d)
    return np.linalg.cholesky(rho ** np.abs(index[:, None] - index[None, :]))


def make_problem(kind, n, d, n_extra, n_eval, seed, index):
    """Seeded synthetic Bradley-Terry data with labels from a logistic model.

    ``isotropic``: ``x ~ N(0, I) * 3 / sqrt(d)``.
    ``scaled-correlated``: AR(1)-correlated features (rho = 0.9) whose scales
    are spread log-uniformly over two orders of magnitude (0.1 .. 10 before
    normalising to unit RMS), randomly permuted, then ``* 3 / sqrt(d)``.
    In both, ``theta ~ N(0, I)`` and ``y ~ Bernoulli(sigmoid(x^T theta))``.
    """
    rng = np.random.default_rng([seed, index])
    n_total = n + n_extra + n_eval
    X = rng.normal(size=(n_total, d))
    scales = np.ones(d)
    if kind == "scaled-correlated":
        X = X @ ar1_factor(d, 0.9).T
        scales = np.logspace(-1.0, 1.0, d)
        scales /= np.sqrt(np.mean(scales**2))
        rng.shuffle(scales)
        X *= scales
    X *= 3.0 / np.sqrt(d)
    X = np.ascontiguousarray(X)
    theta = rng.normal(size=d)
    logits = X @ theta
    y = (rng.random(n_total) < expit(logits)).astype(np.int64)
    train = slice(0, n)
    grown = slice(0, n + n_extra)
    evaluation = slice(n + n_extra, n_total)
    column_std = X[train].std(axis=0)
    gram_eigenvalues = np.linalg.eigvalsh(X[train].T @ X[train] / n)
    return {
        "name": f"{kind} {n}x{d}",
        "kind": kind,
        "n": n,
        "d": d,
        "X": X[train],
        "y": y[train],
        "X_grown": X[grown],
        "y_grown": y[grown],
        "X_eval": X[evaluation],
        "positive_rate": float(y[train].mean()),
        "logit_std": float(logits[train].std()),
        "column_std": (float(column_std.min()), float(column_std.max())),
        "gram_cond": float(gram_eigenvalues[-1] / gram_eigenvalues[0]),
    }


def our_model(solver="auto", **params):
    return PairwiseLogisticRegression(C=1.0, solver=solver, **params)


def sk_model(solver, tol):
    return LogisticRegression(
        solver=solver, fit_intercept=False, C=1.0, tol=tol, max_iter=SK_MAX_ITER
    )


def auto_choice(n, d):
    """Which solver "auto" resolves to (private helper; '?' if it moved)."""
    try:
        from skpref._model import _choose_solver

        return _choose_solver(n, d)
    except Exception:  # noqa: BLE001 - informational only
        return "?"


# -- the benchmark -----------------------------------------------------------


def run_problem(problem, repeats, results):
    X, y = problem["X"], problem["y"]
    X_grown, y_grown = problem["X_grown"], problem["y_grown"]
    X_eval = problem["X_eval"]
    name = problem["name"]
    n, d = problem["n"], problem["d"]

    monitor = LoadMonitor()
    block_start = time.perf_counter()
    banner(f"problem: {name}  (auto -> {auto_choice(n, d)})")

    # Reference solution (untimed work is done before the pause).
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        reference = our_model("newton-cholesky", tol=1e-12).fit(X, y)
    reference_time = time.perf_counter() - start
    reference_coef = reference.coef_.ravel().copy()
    factor = reference.posterior_.cholesky_factor
    singular = scipy.linalg.svdvals(factor)
    hessian_cond = float((singular[0] / singular[-1]) ** 2)
    print(
        f"data: {problem['kind']}, n={n}, d={d}; P(y=1)={problem['positive_rate']:.3f}, "
        f"std of true logits={problem['logit_std']:.2f}, column std "
        f"{problem['column_std'][0]:.3g}..{problem['column_std'][1]:.3g}, "
        f"cond(X^T X / n)={problem['gram_cond']:.3g}, cond(H at solution, C=1)="
        f"{hessian_cond:.3g}; +{X_grown.shape[0] - n} rows for figure 3, "
        f"{X_eval.shape[0]} evaluation rows"
    )
    print(
        f"reference: skpref newton-cholesky tol=1e-12: {reference.n_iter_} Newton "
        f"iterations, {reference_time:.3f} s"
        + (f", WARNING: {len(caught)} convergence warning(s)" if caught else "")
    )
    del reference
    pause()

    # ---- skpref block -------------------------------------------------------
    ours_fit = {}
    for solver in OUR_SOLVERS:
        median, times, model = measure(lambda s=solver: our_model(s).fit(X, y), repeats)
        ours_fit[solver] = {
            "time": median,
            "times": times,
            "diff": max_abs_diff(model.coef_, reference_coef),
            "n_iter": model.n_iter_,
        }
        del model
        pause()

    def fit_and_std(solver):
        model = our_model(solver).fit(X, y)
        model.logit_std(X_eval)
        return model

    ours_posterior = {}
    for solver in POSTERIOR_SOLVERS:
        median, times, _ = measure(lambda s=solver: fit_and_std(s), repeats)
        ours_posterior[solver] = {"time": median, "times": times}
        pause()

    warm_rows = []
    for solver in OUR_EXPLICIT_SOLVERS:
        cold_time, _, cold = measure(
            lambda s=solver: our_model(s).fit(X_grown, y_grown), repeats
        )
        cold_coef, cold_iter = cold.coef_.copy(), cold.n_iter_
        del cold
        pause()
        for variant, build_posterior in (("a: plain", False), ("b: after logit_std", True)):

            def setup(s=solver, build=build_posterior):
                model = our_model(s, warm_start=True).fit(X, y)
                if build:
                    model.logit_std(X_eval)
                return model

            warm_time, _, warm = measure(lambda model: model.fit(X_grown, y_grown), repeats, setup)
            agreement = max_abs_diff(warm.coef_, cold_coef)
            speedup = cold_time / warm_time
            warm_rows.append([
                solver, variant, fmt_s(cold_time), cold_iter, fmt_s(warm_time), warm.n_iter_,
                f"{speedup:.2f}x", fmt_e(agreement),
                "yes" if speedup >= 2.0 and agreement <= COEF_TOL else "no",
            ])
            results.append({
                "figure": f"3{variant[0]} warm refit {solver} [{name}]",
                "ours": warm_time, "peer": cold_time, "ratio": speedup,
                "ratio_text": f"{speedup:.2f}x", "goal": ">=2x, dcoef<=1e-6",
                "met": speedup >= 2.0 and agreement <= COEF_TOL,
            })
            del warm
            pause()

    # ---- scikit-learn block -------------------------------------------------
    pause()
    sk = {}
    ladder_rows = []
    for solver in SK_SOLVERS:
        chosen = None
        for tol in TOL_LADDER:
            # Each rung is one untimed fit; the fit at the chosen tol is the
            # warm-up of the timed repeats that follow it directly.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                start = time.perf_counter()
                model = sk_model(solver, tol).fit(X, y)
                elapsed = time.perf_counter() - start
            diff = max_abs_diff(model.coef_, reference_coef)
            warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
            ladder_rows.append([
                solver, fmt_e(tol), int(np.max(model.n_iter_)), fmt_s(elapsed), fmt_e(diff),
                "yes" if warned else "no", "<- chosen" if diff <= COEF_TOL else "",
            ])
            chosen = {"tol": tol, "diff": diff, "n_iter": int(np.max(model.n_iter_)),
                      "matched": diff <= COEF_TOL, "warned": warned}
            del model
            if chosen["matched"]:
                break
        chosen.update(time=elapsed, times=[elapsed], repeated=False)
        sk[solver] = chosen
        if not chosen["matched"]:
            ladder_rows[-1][-1] = "<- none within 1e-6"
        # A solver that cannot match the reference is no peer for figure 1;
        # its single 1e-12 fit is shown but not repeated (it is slow), unless
        # it is figure 2's peer or no solver matched at all (see below).
        if chosen["matched"] or solver == "newton-cholesky":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                # No warm-up: the ladder's fit at the chosen tol was it.
                times = timed_runs(
                    lambda s=solver, t=chosen["tol"]: sk_model(s, t).fit(X, y), repeats
                )
                median = summarise(times)
            chosen.update(time=median, times=times, repeated=True)
        pause()
    if not any(sk[s]["matched"] for s in SK_SOLVERS):
        for solver in SK_SOLVERS:
            if not sk[solver]["repeated"]:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    median, times, _ = measure(
                        lambda s=solver, t=sk[solver]["tol"]: sk_model(s, t).fit(X, y), repeats
                    )
                sk[solver].update(time=median, times=times, repeated=True)
                pause()

    print_table(
        f"tol ladder of scikit-learn ({name}; one fit per tol, max_iter={SK_MAX_ITER}; the "
        "fit at the chosen tol is the warm-up of its timed runs)",
        ["solver", "tol", "n_iter", "time (s)", "max|coef - ref|", "conv. warning", ""],
        ladder_rows,
    )

    # ---- figure 1 -------------------------------------------------------------
    matched = [s for s in SK_SOLVERS if sk[s]["matched"]] or list(SK_SOLVERS)
    peer_solver = min(matched, key=lambda s: sk[s]["time"])
    peer_time = sk[peer_solver]["time"]
    rows = []
    for solver in SK_SOLVERS:
        entry = sk[solver]
        rows.append([
            f"sklearn {solver}", fmt_e(entry["tol"]), entry["n_iter"], fmt_e(entry["diff"]),
            fmt_s(entry["time"]),
            " ".join(fmt_s(t) for t in entry["times"])
            + ("" if entry["repeated"] else " (one ladder fit)"),
            "peer" if solver == peer_solver else
            ("" if entry["matched"] else "no peer: not within 1e-6 at any tol"),
        ])
    for solver in OUR_SOLVERS:
        entry = ours_fit[solver]
        ratio = entry["time"] / peer_time
        ok = ratio <= 1.0 and entry["diff"] <= COEF_TOL
        rows.append([
            f"skpref {solver}", f"{fmt_e(our_model().get_params()['tol'])} (default)", entry["n_iter"], fmt_e(entry["diff"]),
            fmt_s(entry["time"]), " ".join(fmt_s(t) for t in entry["times"]),
            f"{ratio:.2f} ({'met' if ok else 'NOT met'})",
        ])
        results.append({
            "figure": f"1 fit {solver} [{name}]", "ours": entry["time"], "peer": peer_time,
            "ratio": ratio, "ratio_text": f"{ratio:.2f}", "goal": "<=1.0, dcoef<=1e-6",
            "met": ok,
        })
    print_table(
        f"figure 1: fit time at equal coefficients ({name}); peer = faster matched "
        f"sklearn solver = {peer_solver}"
        + ("" if sk[peer_solver]["matched"] else " (NO sklearn solver matched 1e-6)"),
        ["contender", "tol", "n_iter", "max|coef - ref|", "median (s)", "runs (s)",
         "ours / peer (goal <= 1.0)"],
        rows,
    )

    # ---- figure 2 -------------------------------------------------------------
    peer2 = sk["newton-cholesky"]
    rows = []
    for solver in POSTERIOR_SOLVERS:
        entry = ours_posterior[solver]
        ratio = entry["time"] / peer2["time"]
        rows.append([
            f"skpref {solver}: fit + logit_std({X_eval.shape[0]} rows)", fmt_s(entry["time"]),
            fmt_s(entry["time"] - ours_fit[solver]["time"]), fmt_s(peer2["time"]),
            f"{ratio:.2f}", "yes" if ratio <= 1.0 else "no",
        ])
        results.append({
            "figure": f"2 fit+logit_std {solver} [{name}]", "ours": entry["time"],
            "peer": peer2["time"], "ratio": ratio, "ratio_text": f"{ratio:.2f}",
            "goal": "<=1.0", "met": ratio <= 1.0,
        })
    print_table(
        f"figure 2: fit + first logit_std vs sklearn newton-cholesky fit "
        f"(tol={fmt_e(peer2['tol'])}) ({name})",
        ["contender", "median (s)", "minus figure-1 fit (s)", "sklearn n-chol (s)", "ratio",
         "goal <= 1.0 met"],
        rows,
    )

    # ---- figure 3 -------------------------------------------------------------
    print_table(
        f"figure 3: refit after adding {X_grown.shape[0] - n} rows (1%), warm vs cold, "
        f"same solver ({name})",
        ["solver", "warm start", "cold (s)", "cold n_iter", "warm (s)", "warm n_iter",
         "cold / warm", "max|warm - cold|", "goal >=2x & <=1e-6 met"],
        warm_rows,
    )
    print()
    print(f"[{name}] {time.perf_counter() - block_start:.0f} s; {load_note(monitor)}")


def run_pool(problem, pool_shape, repeats, seed, results):
    """Figure 4: logit_std on a large pool against one X @ W product."""
    n_pool, d = pool_shape
    monitor = LoadMonitor()
    block_start = time.perf_counter()
    banner(f"figure 4: logit_std on a {n_pool} x {d} pool (model fitted on {problem['name']})")
    model = our_model().fit(problem["X"], problem["y"])
    model.logit_std(problem["X_eval"])  # build and cache the Cholesky factor
    rng = np.random.default_rng([seed, 99])
    pool = np.ascontiguousarray(rng.normal(size=(n_pool, d)) * (3.0 / np.sqrt(d)))
    W = rng.normal(size=(d, d))
    print(f"pool: N(0, I) * 3 / sqrt(d), {pool.nbytes / 2**20:.0f} MiB; W: {d}x{d}")
    pause()

    std_time, std_times, _ = measure(lambda: model.logit_std(pool), repeats)
    pause()
    mm_time, mm_times, _ = measure(lambda: pool @ W, repeats)
    pause()
    # Informational: the same product on scipy's OpenBLAS (the one skpref uses).
    Wt = np.asfortranarray(W)
    sp_time, sp_times, _ = measure(
        lambda: scipy_blas.dgemm(1.0, pool.T, Wt, trans_a=1), repeats
    )
    pause()

    std_traced, std_rss = memory_peaks(lambda: model.logit_std(pool))
    mm_traced, mm_rss = memory_peaks(lambda: pool @ W)

    def mib(value):
        return "n/a" if value is None else f"{value:.1f}"

    ratio = std_time / mm_time
    rows = [
        ["skpref logit_std", fmt_s(std_time), " ".join(fmt_s(t) for t in std_times),
         f"{n_pool / std_time:,.0f}", mib(std_traced), mib(std_rss), f"{ratio:.2f}"],
        ["numpy pool @ W (peer)", fmt_s(mm_time), " ".join(fmt_s(t) for t in mm_times),
         f"{n_pool / mm_time:,.0f}", mib(mm_traced), mib(mm_rss), "1.00"],
        ["scipy dgemm (info only)", fmt_s(sp_time), " ".join(fmt_s(t) for t in sp_times),
         f"{n_pool / sp_time:,.0f}", "-", "-",
         f"{sp_time / mm_time:.2f}"],
    ]
    print_table(
        f"figure 4: {n_pool} x {d} (goal: logit_std / (pool @ W) <= 1.5)",
        ["contender", "median (s)", "runs (s)", "rows/s", "tracemalloc peak +MiB",
         "RSS peak +MiB", "time / (pool @ W)"],
        rows,
    )
    results.append({
        "figure": f"4 logit_std {n_pool}x{d} vs pool @ W", "ours": std_time, "peer": mm_time,
        "ratio": ratio, "ratio_text": f"{ratio:.2f}", "goal": "<=1.5", "met": ratio <= 1.5,
    })
    print()
    print(f"[figure 4] {time.perf_counter() - block_start:.0f} s; {load_note(monitor)}")


def parse_shape(text):
    """``"20000x384"`` -> ``(20000, 384)``, for ``--shape``."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if match is None or min(int(match[1]), int(match[2])) < 1:
        raise argparse.ArgumentTypeError(f"expected ROWSxCOLUMNS such as 20000x384, got {text!r}")
    return int(match[1]), int(match[2])


def main(argv=None):
    global summarise
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed runs per measurement, after one warm-up (default 3)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes for a smoke run (seconds, not minutes)")
    parser.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    parser.add_argument("--shape", type=parse_shape, action="append", metavar="NxD",
                        help="fit only this shape (repeatable; default: the mode's shapes); "
                        "a shape outside the mode's list gets a new seed index")
    parser.add_argument("--statistic", choices=sorted(STATISTIC), default="median",
                        help="summary of each measurement's timed runs (default median; min "
                        "is the fastest run, steadier on a shared machine)")
    parser.add_argument("--skip-pool", action="store_true", help="skip figure 4")
    args = parser.parse_args(argv)
    summarise = STATISTIC[args.statistic]
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    started = time.perf_counter()
    monitor = LoadMonitor()
    report(sys.argv if argv is None else [sys.argv[0], *argv])
    sizes = SIZES["quick" if args.quick else "default"]
    print()
    print(
        f"mode: {'quick' if args.quick else 'default'}; repeats={args.repeats} "
        f"({args.statistic}, after "
        f"one warm-up); seed={args.seed}; pause between contenders {PAUSE_SECONDS} s; "
        f"C=1.0, no intercept; coefficient agreement threshold {COEF_TOL:g} (max abs)"
    )
    print(
        "datasets: isotropic = N(0, I) * 3/sqrt(d); scaled-correlated = AR(1) rho=0.9 "
        "features with scales log-spread over 0.1..10 (two orders of magnitude, unit "
        "RMS, permuted) * 3/sqrt(d); theta ~ N(0, I), y ~ Bernoulli(sigmoid(x^T theta))"
    )

    results = []
    problems = []
    shapes = list(sizes["shapes"])
    for shape in args.shape or []:
        if shape not in shapes:
            shapes.append(shape)
    # Each problem's seed index is its position in this list, so a --shape run
    # measures the very problems of a full run.
    for position, (n, d) in enumerate(shapes):
        if args.shape and (n, d) not in args.shape:
            continue
        for offset, kind in enumerate(("isotropic", "scaled-correlated")):
            n_extra = max(1, round(0.01 * n))
            index = 2 * position + offset
            problem = make_problem(kind, n, d, n_extra, sizes["n_eval"], args.seed, index)
            run_problem(problem, args.repeats, results)
            problems.append(problem)
    if not args.skip_pool:
        pool_problem = next(
            (p for p in problems if p["d"] == sizes["pool"][1] and p["kind"] == "isotropic"),
            problems[0],
        )
        run_pool(pool_problem, sizes["pool"], args.repeats, args.seed, results)

    results.sort(key=lambda r: r["figure"][0])  # by figure, stable within one
    print_table(
        "summary (ours / peer; for figure 3 the ratio is the speed-up cold / warm)",
        ["figure", "ours (s)", "peer (s)", "ratio", "goal", "met"],
        [[r["figure"], fmt_s(r["ours"]), fmt_s(r["peer"]), r["ratio_text"], r["goal"],
          "yes" if r["met"] else "no"] for r in results],
    )
    met = sum(r["met"] for r in results)
    print()
    print(f"{met} of {len(results)} goals met; total wall time "
          f"{time.perf_counter() - started:.0f} s; {load_note(monitor)}")


if __name__ == "__main__":
    main()
