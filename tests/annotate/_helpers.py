"""Pools, texts and a real ``skpref annotate`` server process for the annotate tests."""

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: Written into every response text: it must show as text and never run.
SCRIPT = ("<script>window.__skpref_pwned = true;</script>"
          "<img src=x onerror=\"window.__skpref_pwned = true\">")


def texts_of(row):
    """The texts of pool row ``row`` (first and second are told apart by their prefix)."""
    return (f"Prompt number {row}: which answer is better?",
            f"FIRST-{row} answer {SCRIPT}", f"SECOND-{row} answer {SCRIPT}")


def write_pool(directory, n=60, d=4, seed=0, with_texts=True, name="pool.npz"):
    """A pool ``p0 .. p{n-1}`` of Gaussian rows; with its texts (as skpref embed stores them)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"p{i}" for i in range(n)])
    arrays = {"ids": ids, "X": rng.normal(size=(n, d))}
    if with_texts:
        strings, index = [], {"prompt": [], "first": [], "second": []}
        for row in range(n):
            for column, text in zip(("prompt", "first", "second"), texts_of(row)):
                index[column].append(len(strings))
                strings.append(text.encode("utf-8"))
        arrays["texts"] = np.frombuffer(b"".join(strings), dtype=np.uint8)
        arrays["text_offsets"] = np.concatenate([[0], np.cumsum([len(s) for s in strings])])
        for column, rows in index.items():
            arrays[f"{column}_index"] = np.array(rows, dtype=np.int64)
    path = os.path.join(directory, name)
    np.savez(path, **arrays)
    return path


def write_texts(directory, n=60, name="texts.jsonl"):
    """The pairs file of :func:`write_pool`'s pool (``response_a`` is the first item)."""
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as handle:
        for row in range(n):
            prompt, first, second = texts_of(row)
            handle.write(json.dumps({"pair_id": f"p{row}", "prompt": prompt,
                                     "response_a": first, "response_b": second}) + "\n")
    return path


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``python -m skpref annotate ...`` in a child process; :attr:`url` once it listens."""

    def __init__(self, *args, timeout=120):
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "skpref", "annotate", *map(str, args)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT,
        )
        self.lines = []
        deadline = time.monotonic() + timeout
        self.url = None
        buffer = b""
        while self.url is None:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                self.kill()
                rest = self.process.stderr.read().decode(errors="replace")
                raise RuntimeError(f"the server did not start: {buffer.decode()}{rest}")
            ready, _, _ = select.select([self.process.stderr], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(self.process.stderr.fileno(), 65536)
                buffer += chunk
                found = re.search(rb"serving at (\S+)", buffer)
                if found:
                    self.url = found.group(1).decode()
        self.base = self.url.split("?", 1)[0].rstrip("/")
        self.banner = buffer.decode()

    def kill(self, sig=signal.SIGKILL):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(60)

    def stop(self):
        """SIGTERM, then the exit status and standard error."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=60)
        return self.process.returncode, err.decode(errors="replace")


def request(method, url, body=None, headers=None, timeout=30, raw=None):
    """``(status, json or None)`` of one HTTP request; never raises on a 4xx/5xx."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    headers = dict(headers or {})
    if data is not None and raw is None:
        headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            text = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        text, status = error.read(), error.code
    return status, (json.loads(text) if text else None)
