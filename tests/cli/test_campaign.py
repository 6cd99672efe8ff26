"""End to end through the ``skpref`` command in child processes.

A script plays the annotator (labels drawn from a Bradley-Terry teacher) for
several rounds of ``skpref select``; the label file is hashed around every
run; the same inputs give the same bytes, from every pool format.
"""

import csv
import os
import shutil

import numpy as np
import pytest

from skpref import PairwiseLogisticRegression
from skpref._loop import fit_labeled
from skpref.cli import main

from campaign._helpers import annotate, digest, make_pool, run_skpref, save_pool, write_labels

ROUNDS, BATCH = 4, 10


def pool_accuracy(labels_path, ids, X, theta, n_labels):
    """Agreement of the model fitted on the first ``n_labels`` labels with the teacher's signs."""
    with open(labels_path, newline="") as handle:
        rows = list(csv.DictReader(handle))[:n_labels]
    index = np.searchsorted(ids, [row["pair_id"] for row in rows])
    y = np.array([row["label"] == "first" for row in rows], dtype=int)
    model = PairwiseLogisticRegression()
    fit_labeled(model, X[index], y)  # copes with a one-class start
    return np.mean((X @ model.coef_[0] > 0) == (X @ theta > 0))


def test_a_campaign_of_several_rounds(tmp_path):
    ids, X, theta = make_pool(n_pairs=400, n_features=4, seed=7)
    pool = save_pool(tmp_path / "pool.npz", ids, X)
    labels = write_labels(tmp_path / "labels.csv", [], header="pair_id,label,annotator")
    out = tmp_path / "next.csv"
    pool_digest = digest(pool)
    rng = np.random.default_rng(0)
    proposed = []
    for round_ in range(ROUNDS):
        before = digest(labels)
        result = run_skpref("select", "--pool", pool, "--labels", labels,
                            "--batch-size", BATCH, "--seed", 11, "--out", out)
        assert result.returncode == 0, result.stderr
        assert digest(labels) == before  # only read
        assert result.stderr == (
            f"skpref select: wrote {BATCH} pairs to {out} (ci-location, intervals at beta=1; "
            f"{BATCH * round_} labeled pairs, {400 - BATCH * round_} unlabeled before this batch)\n"
        )
        if round_ == 1:  # a rerun on the same inputs and seed: the same bytes
            shutil.copy(out, tmp_path / "first.csv")
            result = run_skpref("select", "--pool", pool, "--labels", labels,
                                "--batch-size", BATCH, "--seed", 11, "--out", out)
            assert result.returncode == 0, result.stderr
            assert out.read_bytes() == (tmp_path / "first.csv").read_bytes()
        proposed += annotate(out, labels, ids, X, theta, rng)
    assert len(proposed) == len(set(proposed)) == ROUNDS * BATCH  # never proposed twice
    assert digest(pool) == pool_digest

    # More labels, a better model: agreement with the teacher's signs on the pool grows.
    early = pool_accuracy(labels, ids, X, theta, BATCH)
    late = pool_accuracy(labels, ids, X, theta, ROUNDS * BATCH)
    print(f"agreement with the teacher: {early:.3f} at {BATCH}, {late:.3f} at {ROUNDS * BATCH}")
    assert late > early and late > 0.85, (early, late)

    result = run_skpref("status", "--pool", pool, "--labels", labels, "--batch-size", BATCH)
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[1] == f"labels       {labels}: {ROUNDS * BATCH} labeled pairs"
    assert lines[3] == f"unlabeled    {400 - ROUNDS * BATCH} pairs"
    assert lines[5].startswith("CV accuracy  0.") and "(standard error; 5-fold" in lines[5]
    curve = lines.index("   labels  CV accuracy  std. error  mean width  decided")
    assert [line.split()[0] for line in lines[curve + 1:curve + 5]] == ["10", "20", "30", "40"]
    assert lines[curve + 5] == "" and lines[curve + 6] == f"next {BATCH} labels (estimates):"


def test_every_pool_format_gives_the_same_batch(tmp_path):
    pytest.importorskip("pyarrow")
    ids, X, theta = make_pool(n_pairs=60, n_features=3, seed=2)
    signs = X @ theta > 0
    labels = write_labels(
        tmp_path / "labels.csv",
        [f"{ids[i]},{'first' if signs[i] else 'second'}" for i in range(12)],
    )
    outputs = []
    for name in ("pool.npz", "pool.csv", "pool.parquet"):
        pool = save_pool(tmp_path / name, ids, X)
        out = tmp_path / f"next-{name}.csv"
        args = ["select", "--pool", pool, "--labels", labels, "--batch-size", 100,
                "--strategy", "design", "--beta", 0.5, "--out", out]
        if name == "pool.npz":  # the reference, in-process (each child costs ~1-2 s)
            assert main([str(a) for a in args]) == 0
            outputs.append(out.read_bytes())
            continue
        result = run_skpref(*args)
        assert result.returncode == 0, result.stderr
        assert result.stderr.startswith(
            "skpref select: note: only 48 unlabeled pairs left: the batch has 48, not 100.\n"
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].count(b"\n") == 49


def test_a_bad_label_file_stops_the_command_without_a_traceback(tmp_path):
    ids, X, _ = make_pool(n_pairs=30, n_features=2)
    pool = save_pool(tmp_path / "pool.csv", ids, X)
    labels = write_labels(
        tmp_path / "labels.csv",
        ["pair-0001,first,a", "pair-0002,left,a", "pair-0099,second,b", "pair-0001,0,c",
         "pair-0003"],
        header="pair_id,label,annotator",
    )
    before = digest(labels)
    result = run_skpref("status", "--pool", pool, "--labels", labels)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        f"skpref status: error: labels {labels}: 4 problems, so no label was used:\n"
        "  line 2: pair_id 'pair-0001' labeled both first (line 2) and second (line 5)\n"
        "  line 3: label 'left' is not one of first, second, 1, 0, tie, skip\n"
        "  line 4: unknown pair_id 'pair-0099' (not in the pool)\n"
        "  line 6: expected 3 fields (pair_id,label,annotator), got 1\n"
    )
    assert digest(labels) == before


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_out_through_a_link_to_the_processs_stdout(tmp_path):
    # Issue 16: --out mystdout, mystdout -> /proc/self/fd/1, replaced the link by a file (and
    # --out /dev/stdout, as root, replaced the system's /dev/stdout). A link in a temporary
    # directory: a regression replaces this link, never anything of the system's.
    ids, X, _ = make_pool(n_pairs=30, n_features=2)
    pool = save_pool(tmp_path / "pool.npz", ids, X)
    labels = write_labels(tmp_path / "labels.csv", [f"{ids[0]},first"])
    link = tmp_path / "mystdout"
    link.symlink_to("/proc/self/fd/1")
    result = run_skpref("select", "--pool", pool, "--labels", labels, "--batch-size", 4,
                        "--out", link)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("pair_id,rank,utility,") and result.stdout.count("\n") == 5
    assert os.readlink(link) == "/proc/self/fd/1"
    assert sorted(os.listdir(tmp_path)) == ["labels.csv", "mystdout", "pool.npz"]


def test_select_runs_ci_location_with_its_design_burn_in(tmp_path, capsys):
    """``--burn-in-share 1``: the batch of CILocationSampling(burn_in_share=1.0), the variant
    the user guide recommends; out of range it is a bad option, on a strategy without the
    parameter an error naming it; neither writes a file."""
    from skpref.campaign import read_labels, read_pool, select_batch

    ids, X, _ = make_pool(n_pairs=120, n_features=4, seed=2)
    pool_path = save_pool(tmp_path / "pool.npz", ids, X)
    labels_path = write_labels(
        tmp_path / "labels.csv", [f"{ids[0]},first", f"{ids[1]},second"]
    )  # two labels: every interval still contains 0, so the burn-in (design sampling) runs
    out = tmp_path / "batch.csv"
    base = ["select", "--pool", pool_path, "--labels", labels_path, "--batch-size", "6"]
    assert main(base + ["--burn-in-share", "1", "--out", str(out)]) == 0
    with open(out, newline="") as handle:
        written = [row["pair_id"] for row in csv.DictReader(handle)]
    pool = read_pool(pool_path)
    expected = select_batch(pool, read_labels(labels_path, pool), 6, burn_in_share=1.0)
    assert written == list(expected.pair_ids)
    plain = select_batch(pool, read_labels(labels_path, pool), 6)
    assert written != list(plain.pair_ids)  # the option reached the strategy
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    assert main(base + ["--burn-in-share", "1.5", "--out", str(bad)]) == 2
    assert "--burn-in-share" in capsys.readouterr().err
    assert main(base + ["--strategy", "random", "--burn-in-share", "1", "--out", str(bad)]) == 1
    assert "has no design burn-in" in capsys.readouterr().err
    assert not bad.exists()
