"""Generated pools, a Bradley-Terry annotator and a way to run the ``skpref`` command."""

import csv
import hashlib
import os
import subprocess
import sys

import numpy as np

#: The child processes use one BLAS thread, like the suite.
_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def make_pool(n_pairs=300, n_features=4, seed=0, scale=4.0):
    """Pair ids, difference rows and the teacher's ``theta`` of a Bradley-Terry pool."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n_features)
    theta *= scale / np.linalg.norm(theta)
    X = rng.normal(size=(n_pairs, n_features))
    ids = np.array([f"pair-{i:04d}" for i in range(n_pairs)])
    return ids, X, theta


def save_pool(path, ids, X, *, split=False):
    """Write a pool in the format named by ``path``'s extension."""
    path = str(path)
    if path.endswith(".npz"):
        if split:
            np.savez(path, ids=ids, X_first=X + 1.0, X_second=np.ones_like(X))
        else:
            np.savez(path, ids=ids, X=X)
        return path
    names = [f"f{j}" for j in range(X.shape[1])]
    if path.endswith(".csv"):
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["pair_id", *names])
            for pair_id, row in zip(ids, X):
                writer.writerow([pair_id, *(repr(float(v)) for v in row)])
        return path
    import pandas as pd

    frame = pd.DataFrame(X, columns=names)
    frame.insert(0, "pair_id", ids)
    frame.to_parquet(path)
    return path


def write_labels(path, lines, header="pair_id,label"):
    """A label file with ``header`` and ``lines`` (strings, without newlines)."""
    with open(path, "w", newline="") as handle:
        handle.write("".join(line + "\n" for line in [header, *lines]))
    return str(path)


def annotate(batch_path, labels_path, ids, X, theta, rng):
    """Play the annotator: label every pair of the batch file from the teacher, append."""
    with open(batch_path, newline="") as handle:
        batch = [row["pair_id"] for row in csv.DictReader(handle)]
    rows = np.searchsorted(ids, batch)  # the generated ids are sorted
    first_wins = rng.random(len(rows)) < 1.0 / (1.0 + np.exp(-X[rows] @ theta))
    with open(labels_path, "a", newline="") as handle:
        for pair_id, wins in zip(batch, first_wins):
            handle.write(f"{pair_id},{'first' if wins else 'second'},annotator-{len(batch)}\n")
    return batch


def run_skpref(*args, cwd=None):
    """``python -m skpref.cli ARGS`` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "skpref.cli", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=_ENV, timeout=120,
    )


def digest(path):
    """SHA-256 of a file's bytes."""
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()
