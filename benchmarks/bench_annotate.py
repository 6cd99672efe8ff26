"""``skpref annotate`` under load: answers per second and /api/next latency while refits run.

Starts ``python -m skpref annotate`` on 127.0.0.1 over a seeded synthetic pool
(default 20,000 pairs x 384 features, the size of an embedded campaign), and
runs ``--annotators`` client threads over HTTP for ``--seconds``: each asks
``/api/next``, answers (a seeded random choice), waits a "think time" drawn
uniformly in ``[0.5, 1.5] * --think`` seconds (0.5 s by default: twenty people
answering every half second is far beyond a real team; ``--think 0`` measures
the saturated server, whose latency is then the queue of the other clients),
and asks again. Refits
run in the server's refit process every ``--refit-every`` answers, so one
is under way most of the time. Each ``/api/next`` is timed on the client
(request sent to response read); it counts as *during a refit* when its
interval overlaps one of the refits the store recorded (``refits.started`` to
``refits.finished``, the same clock on one machine).

With ``--kills K`` the server is also killed with SIGKILL ``K`` times at
random moments and restarted (the long form of the crash test); at the end
every acknowledged answer must be in the store exactly once (the script says
``FAILED`` and exits 1 otherwise). Nothing is hard-coded; a goal not met is
printed as ``no``.

Usage::

    python benchmarks/bench_annotate.py                 # 20,000 x 384, 20 annotators, 60 s
    python benchmarks/bench_annotate.py --seconds 20 --pairs 5000 --features 64
    python benchmarks/bench_annotate.py --kills 40 --seconds 300
"""

import argparse
import http.client
import json
import os
import random
import re
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_campaign(directory, n, d, seed):
    rng = np.random.default_rng(seed)
    pool = os.path.join(directory, "pool.npz")
    np.savez(pool, ids=np.array([f"p{i}" for i in range(n)]),
             X=(rng.normal(size=(n, d)) * 3 / np.sqrt(d)).astype(np.float64))
    texts = os.path.join(directory, "texts.jsonl")
    with open(texts, "w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(json.dumps({"pair_id": f"p{i}", "prompt": f"Prompt {i}",
                                     "response_a": f"First response {i}",
                                     "response_b": f"Second response {i}"}) + "\n")
    return pool, texts


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(arguments, timeout=300):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    process = subprocess.Popen([sys.executable, "-m", "skpref", "annotate", *arguments],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env,
                               cwd=ROOT)
    buffer, deadline = b"", time.monotonic() + timeout
    while not re.search(rb"serving at (\S+)", buffer):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start:\n{buffer.decode()}")
        ready, _, _ = select.select([process.stderr], [], [], 1.0)
        if ready:
            buffer += os.read(process.stderr.fileno(), 65536)
    return process


class Client(threading.Thread):
    def __init__(self, name, port, stop, seed, think=0.0):
        super().__init__(daemon=True)
        self.think = think
        self.annotator, self.port, self.stop = name, port, stop
        self.random = random.Random(seed)
        self.next_times = []  # (start, end) of every successful /api/next, time.time()
        self.acknowledged = []  # assignment ids
        self.failures = 0

    def call(self, method, path, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, path, None if body is None else json.dumps(body),
                               headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, (json.loads(data) if data else None)
        finally:
            connection.close()

    def run(self):
        while not self.stop.is_set():
            try:
                start = time.time()
                status, pair = self.call("GET", f"/api/next?annotator={self.annotator}")
                end = time.time()
                if status != 200:
                    time.sleep(0.05)
                    continue
                self.next_times.append((start, end))
                choice = self.random.choice(("left", "right", "tie", "skip"))
                status, reply = self.call("POST", "/api/answer",
                                          {"assignment": pair["assignment"], "choice": choice})
                if status == 200 and reply["ok"]:
                    self.acknowledged.append(pair["assignment"])
                if self.think:
                    self.stop.wait(self.random.uniform(0.5, 1.5) * self.think)
            except (OSError, http.client.HTTPException, ValueError):
                self.failures += 1
                time.sleep(0.05)


def load_average():
    """``"1.23 2.34 3.45"``: the machine's load averages (1, 5, 15 min), or ``"n/a"``."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def busy_fraction(intervals, begin, end):
    """The fraction of ``[begin, end]`` covered by the union of the ``(start, finish)`` intervals.

    Each interval is clipped to the window first: a refit that started
    before the clients did, or that went on after they stopped (the last one
    runs on while the server shuts down), counts only for its part inside
    the window, and overlapping intervals count once, so the result is
    always in ``[0, 1]``.
    """
    clipped = sorted((max(start, begin), min(finish, end)) for start, finish in intervals
                     if finish > begin and start < end)
    covered, reach = 0.0, begin
    for start, finish in clipped:
        if finish > reach:
            covered += finish - max(start, reach)
            reach = finish
    return covered / (end - begin) if end > begin else 0.0


def percentile(values, q):
    return float(np.percentile(values, q)) * 1000 if len(values) else float("nan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=384)
    parser.add_argument("--annotators", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--refit-every", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--strategy", default="ci-location")
    parser.add_argument("--kills", type=int, default=0)
    parser.add_argument("--think", type=float, default=0.5,
                        help="mean seconds an annotator takes per answer (0: as fast as possible)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    directory = tempfile.mkdtemp(prefix="skpref-bench-annotate-")
    pool, texts = write_campaign(directory, args.pairs, args.features, args.seed)
    db = os.path.join(directory, "c.sqlite")
    port = free_port()
    arguments = ["--pool", pool, "--texts", texts, "--db", db, "--port", str(port),
                 "--refit-every", str(args.refit_every), "--batch-size", str(args.batch_size),
                 "--strategy", args.strategy, "--seed", str(args.seed)]
    print(f"pool {args.pairs} x {args.features}, {args.annotators} annotators over HTTP, "
          f"{args.seconds:g} s, {args.strategy}, refit every {args.refit_every} answers, "
          f"{args.kills} SIGKILLs, think time {args.think:g} s; {os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]}; load average {load_average()} before")
    started = time.monotonic()
    server = start_server(arguments)
    print(f"server up in {time.monotonic() - started:.1f} s (import, pool, first refit)")
    stop = threading.Event()
    clients = [Client(f"bench{k}", port, stop, args.seed * 1000 + k, args.think)
               for k in range(args.annotators)]
    begin = time.time()
    for client in clients:
        client.start()
    kill_random = random.Random(args.seed)
    kill_at = sorted(kill_random.uniform(0, args.seconds) for _ in range(args.kills))
    down = 0.0
    for moment in kill_at:
        time.sleep(max(0.0, begin + moment - time.time()))
        server.send_signal(signal.SIGKILL)
        server.wait()
        gone = time.time()
        server = start_server(arguments)
        down += time.time() - gone
    time.sleep(max(0.0, begin + args.seconds - time.time()))
    stop.set()
    for client in clients:
        client.join(60)
    elapsed = time.time() - begin
    load_after = load_average()
    server.send_signal(signal.SIGTERM)
    server.wait(120)

    with sqlite3.connect(db) as connection:
        refits = connection.execute(
            "SELECT started, finished FROM refits WHERE finished IS NOT NULL AND finished > ?",
            (begin,)).fetchall()
        stored = {}
        for (assignment,) in connection.execute(
                "SELECT assignment FROM answers WHERE assignment IS NOT NULL"):
            stored[assignment] = stored.get(assignment, 0) + 1
    times = [pair for client in clients for pair in client.next_times]
    latency = np.array([end - start for start, end in times])
    if refits:
        starts = np.array([s for s, _ in refits])
        ends = np.array([f for _, f in refits])
        during = np.array([bool(np.any((starts < end) & (ends > start))) for start, end in times])
    else:
        during = np.zeros(len(times), dtype=bool)
    acknowledged = [a for client in clients for a in client.acknowledged]
    print(f"answers acknowledged: {len(acknowledged)} in {elapsed:.1f} s = "
          f"{len(acknowledged) / elapsed:.1f} answers/s"
          + (f" (the server was down {down:.1f} s in all)" if args.kills else ""))
    refit_seconds = [f - s for s, f in refits]
    if refit_seconds:
        busy = busy_fraction(refits, begin, begin + elapsed)
        print(f"refits: {len(refits)}, median {np.median(refit_seconds):.2f} s, "
              f"a refit was running {100 * busy:.0f}% of the time")
    for name, mask in (("all", np.ones(len(times), dtype=bool)), ("during a refit", during),
                       ("no refit running", ~during)):
        values = latency[mask]
        print(f"/api/next {name:>17}: n = {len(values):6d}, p50 {percentile(values, 50):6.1f} "
              f"ms, p95 {percentile(values, 95):6.1f} ms, p99 {percentile(values, 99):6.1f} ms")
    print(f"load average at the end (1, 5, 15 min; this benchmark included): {load_after}")
    p95 = percentile(latency[during], 95)
    print(f"goal: p95 of /api/next during a refit under 100 ms: "
          f"{'yes' if p95 < 100 else 'no'} ({p95:.1f} ms)")
    lost = [a for a in acknowledged if stored.get(a, 0) != 1]
    print(f"acknowledged answers in the store exactly once: {len(acknowledged) - len(lost)} of "
          f"{len(acknowledged)}; client errors (connection refused while down, ...): "
          f"{sum(c.failures for c in clients)}")
    if lost:
        print(f"FAILED: {len(lost)} acknowledged answers are not in the store exactly once")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
