"""Harness shared by ``bench_fit.py`` and ``bench_query.py``.

The scripts run as ``python benchmarks/bench_X.py``, so this directory is on
``sys.path`` and they import this module as ``_harness``. Importing it puts
the checkout this file lives in first on ``sys.path``, so that the benchmarks
measure that checkout's ``skpref``, installed or not.

Nothing here imports numpy or any other heavy library at module level:
``bench_query.py`` starts a launcher process that must stay a bare
interpreter (see its ``Launcher``).
"""

import gc
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Benchmark the checkout this script lives in, installed or not.
sys.path.insert(0, str(REPO_ROOT))

PAUSE_SECONDS = 0.5


# -- timing ------------------------------------------------------------------


def pause():
    """Let the idle BLAS worker threads of the last contender go to sleep."""
    time.sleep(PAUSE_SECONDS)


def timed_call(fn, *args):
    """One timed call ``fn(*args)``: ``(seconds, result)``.

    The garbage collector is run before and disabled during the call.
    """
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = fn(*args)
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    return elapsed, result


def timed_runs(fn, n_runs):
    """Wall times of ``n_runs`` calls (gc collected before, disabled during).

    Each result is freed before the next call.
    """
    times = []
    for _ in range(n_runs):
        elapsed, result = timed_call(fn)
        times.append(elapsed)
        del result
    return times


# -- output ------------------------------------------------------------------


def fmt_s(seconds):
    return f"{seconds:.3f}"


def print_table(title, headers, rows):
    print()
    print(title)
    widths = [len(h) for h in headers]
    cells = [[str(c) for c in row] for row in rows]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
    sys.stdout.flush()


def banner(text):
    print()
    print("=" * 78)
    print(text)
    print("=" * 78)
    sys.stdout.flush()


# -- load of the machine -----------------------------------------------------


class LoadMonitor:
    """CPU time that other processes used while we ran (Linux ``/proc/stat``).

    The benchmark cannot stop other work on the machine; it measures it, so
    that a reader can tell a disturbed run from a clean one. What counts as
    "ours" is ``own_cpu_seconds``; a subclass may count more (child processes).
    """

    def __init__(self):
        self.start = self._sample()

    @staticmethod
    def own_cpu_seconds():
        """User and system CPU time of this process."""
        return sum(os.times()[:2])

    def _sample(self):
        try:
            with open("/proc/stat") as stat:
                fields = [int(v) for v in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
        own = self.own_cpu_seconds()
        return time.perf_counter(), busy, own

    def foreign_share(self):
        """Share of all CPUs' time used by other processes since creation."""
        end = self._sample()
        if self.start is None or end is None:
            return None
        wall = end[0] - self.start[0]
        foreign = (end[1] - self.start[1]) - (end[2] - self.start[2])
        return max(0.0, foreign) / (wall * (os.cpu_count() or 1))


def load_note(monitor):
    share = monitor.foreign_share()
    if share is None:
        return "other processes' CPU use: unknown"
    note = f"other processes used {100 * share:.0f}% of the machine's CPU time meanwhile"
    if share > 0.05:
        note += " (WARNING: timings disturbed by other work on this machine)"
    return note


# -- environment report ------------------------------------------------------


def library_report(argv, title, env_vars, extra_libraries=(), full_file_paths=False):
    """Print what the figures depend on: command, machine, libraries, BLAS.

    ``title``: the first line. ``env_vars``: the environment variables shown.
    ``extra_libraries``: ``(name, version)`` pairs listed after scikit-learn.
    ``full_file_paths``: show each threadpoolctl library's full path rather
    than its file name.
    """
    import numpy as np
    import scipy
    import sklearn
    import threadpoolctl

    import skpref

    print(title)
    print(f"command: {shlex.join([sys.executable, *argv])}")
    print(f"python {platform.python_version()} on {platform.platform()}")
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    print(f"cpus: {os.cpu_count()} (usable by this process: {affinity})")
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for name in env_vars:
        print(f"{name}={os.environ.get(name, '(unset)')}")
    libraries = [
        ("numpy", np.__version__),
        ("scipy", scipy.__version__),
        ("scikit-learn", sklearn.__version__),
        *extra_libraries,
        ("threadpoolctl", threadpoolctl.__version__),
        ("skpref", f"{skpref.__version__} ({Path(skpref.__file__).parent})"),
    ]
    print(", ".join(f"{name} {version}" for name, version in libraries))
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "skpref"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        print(f"git: {head}" + (" (skpref/ has uncommitted changes)" if dirty else ""))
    except (OSError, subprocess.CalledProcessError):
        pass
    rows = []
    for info in threadpoolctl.threadpool_info():
        filepath = info.get("filepath", "")
        rows.append([
            info.get("user_api"), info.get("internal_api"), info.get("version"),
            info.get("architecture", "-"), info.get("threading_layer", "-"),
            info.get("num_threads"), filepath if full_file_paths else Path(filepath).name,
        ])
    print_table(
        "threadpoolctl.threadpool_info()",
        ["api", "library", "version", "arch", "threading", "threads", "file"],
        rows,
    )
