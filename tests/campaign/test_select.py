"""``select_batch`` and ``campaign_status`` in-process; the commands' messages via ``main``."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from skpref import PairwiseLogisticRegression
from skpref.campaign._labels import read_labels
from skpref.campaign._pool import Pool
from skpref.campaign._select import BATCH_COLUMNS, select_batch
from skpref.campaign._status import campaign_status, format_status
from skpref.cli import main
from skpref.query import STRATEGIES

from ._helpers import _ENV, digest, make_pool, save_pool, write_labels


@pytest.fixture
def pool():
    ids, X, theta = make_pool(n_pairs=120, n_features=3, seed=1)
    return Pool(ids, X, "pool.npz")


def labels_for(tmp_path, pool, lines):
    return read_labels(write_labels(tmp_path / "labels.csv", lines), pool)


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_every_strategy_never_proposes_a_labeled_pair(tmp_path, pool, strategy):
    labeled = [f"pair-{i:04d},{'first' if i % 3 else 'second'}" for i in range(0, 120, 2)]
    labels = labels_for(tmp_path, pool, labeled)
    batch = select_batch(pool, labels, 7, strategy, seed=3)
    assert len(batch) == 7 and len(set(batch.pair_ids)) == 7
    assert not set(batch.pair_ids) & set(labels.pair_ids)
    again = select_batch(pool, labels, 7, strategy, seed=3)
    assert again.to_csv() == batch.to_csv()


def test_batch_file_columns_and_intervals(tmp_path, pool):
    labels = labels_for(tmp_path, pool, ["pair-0000,first", "pair-0001,second", "pair-0002,first"])
    batch = select_batch(pool, labels, 5, "ci-location", beta=2.0, C=3.0)
    lines = batch.to_csv().splitlines()
    assert lines[0] == ",".join(BATCH_COLUMNS) and len(lines) == 6
    assert [line.split(",")[1] for line in lines[1:]] == ["1", "2", "3", "4", "5"]
    model = PairwiseLogisticRegression(C=3.0).fit(pool.X[labels.rows], labels.y)
    lower, upper = model.confidence_interval(pool.X[batch.rows], beta=2.0)
    np.testing.assert_allclose(batch.lower, 1 / (1 + np.exp(-lower)))
    np.testing.assert_allclose(batch.upper, 1 / (1 + np.exp(-upper)))
    np.testing.assert_allclose(batch.probability, model.predict_proba(pool.X[batch.rows])[:, 1])
    assert np.all(batch.lower <= batch.probability) and np.all(batch.probability <= batch.upper)


def test_cold_start_and_one_class_start(tmp_path, pool):
    cold = select_batch(pool, labels_for(tmp_path, pool, []), 4)
    assert np.all(cold.probability == 0.5)  # the prior: m = 0 everywhere
    one_class = labels_for(tmp_path, pool, ["pair-0000,first", "pair-0005,1"])
    batch = select_batch(pool, one_class, 4)
    assert len(batch) == 4 and not {"pair-0000", "pair-0005"} & set(batch.pair_ids)


def test_fewer_left_than_asked_and_none_left(tmp_path, pool):
    lines = [f"pair-{i:04d},{'first' if i % 2 else 'second'}" for i in range(117)]
    batch = select_batch(pool, labels_for(tmp_path, pool, lines), 10)
    assert sorted(batch.pair_ids) == ["pair-0117", "pair-0118", "pair-0119"]
    lines += ["pair-0117,first", "pair-0118,first", "pair-0119,second"]
    batch = select_batch(pool, labels_for(tmp_path, pool, lines), 10)
    assert len(batch) == 0 and batch.to_csv() == ",".join(BATCH_COLUMNS) + "\n"


def test_status_counts_and_trend(tmp_path, pool):
    ids, X, theta = make_pool(n_pairs=120, n_features=3, seed=1)
    lines = [f"{ids[i]},{'first' if X[i] @ theta > 0 else 'second'}" for i in range(40)]
    lines += [lines[3], lines[7]]
    status = campaign_status(pool, labels_for(tmp_path, pool, lines), batch_size=10)
    assert status["labels"]["unique"] == 40 and status["labels"]["repeated"] == 2
    assert status["labels"]["first"] + status["labels"]["second"] == 40
    assert status["unlabeled"] == 80 and status["ambiguous"]["unlabeled"] <= 80
    assert status["cv"]["accuracy"] > 0.8 and 0 < status["cv"]["stderr"] < 0.1
    assert [row["labels"] for row in status["trend"]] == [10, 20, 30, 40]
    text = format_status(status)
    assert "40 labeled pairs (2 repeated lines counted once)" in text
    assert ("learning curve (first n labels in file order, after each of the last 5 batches "
            "of 10):") in text
    few = campaign_status(pool, labels_for(tmp_path, pool, lines[:9]))
    assert few["cv"]["accuracy"] is None and few["trend"] == []
    assert "CV accuracy  none yet: too few labels (9; needs at least 10)" in format_status(few)


# -- the commands' messages (in-process: argparse and the error handling) ---------


@pytest.fixture
def files(tmp_path):
    ids, X, _ = make_pool(n_pairs=40, n_features=3)
    pool = save_pool(tmp_path / "pool.npz", ids, X)
    labels = write_labels(tmp_path / "labels.csv", ["pair-0001,first", "pair-0002,second"])
    return pool, labels, str(tmp_path / "next.csv")


def run(capsys, *args):
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit:  # argparse
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def test_select_writes_and_reports(capsys, files):
    pool, labels, out = files
    code, stdout, stderr = run(capsys, "select", "--pool", pool, "--labels", labels,
                               "--batch-size", 3, "--out", out)
    assert code == 0 and stdout == ""
    assert stderr == (
        f"skpref select: wrote 3 pairs to {out} (ci-location, intervals at beta=1; "
        "2 labeled pairs, 38 unlabeled before this batch)\n"
    )
    code, stdout, _ = run(capsys, "select", "--pool", pool, "--labels", labels,
                          "--batch-size", 3, "--out", "-")
    assert code == 0 and stdout == open(out).read()


def test_select_errors(capsys, files, tmp_path):
    pool, labels, out = files
    common = ["select", "--pool", pool, "--labels", labels, "--batch-size", 3]
    before = digest(labels)
    cases = [
        (["--out", labels],
         f"skpref select: error: --out {labels} is the labels file; the batch must go to "
         "another file (the labels and the pool are only ever read).\n"),
        (["--out", pool],
         f"skpref select: error: --out {pool} is the pool file; the batch must go to "
         "another file (the labels and the pool are only ever read).\n"),
        (["--out", str(tmp_path)],
         f"skpref select: error: --out {tmp_path} is a directory; give a file name.\n"),
        (["--out", str(tmp_path / "no" / "next.csv")],
         f"skpref select: error: --out {tmp_path / 'no' / 'next.csv'}: the directory "
         f"{tmp_path / 'no'} does not exist.\n"),
        (["--out", out, "--strategy", "random", "--beta", "2"],
         "skpref select: error: --beta: strategy 'random' has no beta (strategies with a "
         "beta: ci-location, design); its intervals use beta = 1.\n"),
    ]
    for extra, message in cases:
        code, stdout, stderr = run(capsys, *common, *extra)
        assert (code, stdout, stderr) == (1, "", message)
    for extra, message in [
        (["--out", out, "--beta", "-1"], "argument --beta: must be a number in [0, 100], got -1"),
        (["--out", out, "--C", "0"], "argument --C: must be a number in [1e-100, 1e+100], got 0"),
        (["--out", out, "--strategy", "best"], "argument --strategy: invalid choice: 'best'"),
        (["--out", out, "--batch-size", "0"],
         "argument --batch-size: must be an integer in [1, 2147483647], got 0"),
    ]:
        code, _, stderr = run(capsys, *common, *extra)
        assert code == 2 and f"skpref select: error: {message}" in stderr
    assert not (tmp_path / "next.csv").exists() and digest(labels) == before


def test_bad_labels_leave_the_old_batch_untouched(capsys, files):
    pool, labels, out = files
    with open(out, "w") as handle:
        handle.write("the previous batch\n")
    with open(labels, "a") as handle:
        handle.write("pair-0001,second\nnope,first\n")
    code, _, stderr = run(capsys, "select", "--pool", pool, "--labels", labels,
                          "--batch-size", 3, "--out", out)
    assert code == 1 and stderr == (
        f"skpref select: error: labels {labels}: 2 problems, so no label was used:\n"
        "  line 2: pair_id 'pair-0001' labeled both first (line 2) and second (line 4)\n"
        "  line 5: unknown pair_id 'nope' (not in the pool)\n"
    )
    assert open(out).read() == "the previous batch\n"


def test_status_messages(capsys, files, tmp_path):
    pool, labels, _ = files
    code, stdout, stderr = run(capsys, "status", "--pool", pool, "--labels", labels)
    assert code == 0 and stderr == ""
    assert stdout.splitlines()[1:4] == [
        f"labels       {labels}: 2 labeled pairs",
        "balance      first 1 (50.0%), second 1 (50.0%)",
        "unlabeled    38 pairs",
    ]
    missing = str(tmp_path / "missing.csv")
    code, stdout, stderr = run(capsys, "status", "--pool", pool, "--labels", missing)
    assert (code, stdout) == (1, "") and stderr == (
        f"skpref status: error: labels {missing} does not exist. To start a campaign "
        "with no labels, create it with the header line: pair_id,label\n"
    )
    code, stdout, _ = run(capsys, "status", "--pool", pool, "--labels", labels, "--json")
    assert code == 0 and '"unique": 2' in stdout


@pytest.mark.parametrize("first, second", [("first", "second"), ("1", "0"), ("FIRST", " Second ")])
def test_first_is_y_equals_one_in_select_and_status(capsys, tmp_path, monkeypatch, first, second):
    # A pool whose answers are known: one feature, and the first item wins exactly when x > 0.
    # Were the labels passed on as strings, 'first' < 'second' would make 'second' the
    # positive class and flip every probability (issue 16).
    x = np.r_[np.linspace(-3, -0.1, 30), np.linspace(0.1, 3, 30)]
    ids = np.array([f"p{i:02d}" for i in range(60)])
    pool = save_pool(tmp_path / "pool.npz", ids, x[:, None])
    labeled = np.arange(0, 60, 3)  # 10 of each side
    labels = write_labels(
        tmp_path / "labels.csv", [f"{ids[i]},{first if x[i] > 0 else second}" for i in labeled]
    )
    seen = []
    fit = PairwiseLogisticRegression.fit

    def recording_fit(self, X, y, *args, **kwargs):
        seen.append(np.asarray(y))
        return fit(self, X, y, *args, **kwargs)

    monkeypatch.setattr(PairwiseLogisticRegression, "fit", recording_fit)
    out = tmp_path / "next.csv"
    code, _, _ = run(capsys, "select", "--pool", pool, "--labels", labels, "--batch-size", 40,
                     "--strategy", "random", "--out", out)
    assert code == 0
    rows = [line.split(",") for line in out.read_text().splitlines()[1:]]
    assert len(rows) == 40
    for pair_id, _, _, probability, lower, upper in rows:
        wins = x[int(pair_id[1:])] > 0
        assert (float(probability) > 0.5) == wins and (float(lower) > 0.5) == wins, pair_id
    code, stdout, _ = run(capsys, "status", "--pool", pool, "--labels", labels, "--json")
    assert code == 0
    status = json.loads(stdout)
    assert status["labels"]["first"] == 10 and status["labels"]["second"] == 10
    assert status["cv"]["accuracy"] == 1.0
    assert seen and all(y.dtype.kind in "iu" and set(y.tolist()) <= {0, 1} for y in seen)


def test_a_label_being_appended_is_not_taken_for_another_pair(capsys, tmp_path):
    # Issue 16: 'first,p12' half-written as 'first,p1' was a label for p1.
    ids = np.array([f"p{i}" for i in range(1, 31)])
    pool = save_pool(tmp_path / "pool.npz", ids, make_pool(n_pairs=30, n_features=2)[1])
    labels = tmp_path / "labels.csv"
    labels.write_text("label,pair_id\nsecond,p3\nfirst,p1")
    note = (
        f"{labels}: line 3, the last, has no line break yet, so it was not read as a label "
        "(it may still be being written); if it is complete, end it with a newline."
    )
    out = tmp_path / "next.csv"
    code, _, stderr = run(capsys, "select", "--pool", pool, "--labels", labels,
                          "--batch-size", 3, "--out", out)
    assert code == 0 and stderr.startswith(f"skpref select: note: {note}\n")
    assert "1 labeled pair, 29 unlabeled before this batch" in stderr
    code, stdout, stderr = run(capsys, "status", "--pool", pool, "--labels", labels, "--json")
    assert code == 0 and stderr == f"skpref status: note: {note}\n"
    assert json.loads(stdout)["labels"]["unique"] == 1
    assert json.loads(stdout)["labels"]["unfinished_line"] == 3
    with open(labels, "a") as handle:
        handle.write("2\n")  # the annotator finishes: p12, not p1
    code, stdout, stderr = run(capsys, "status", "--pool", pool, "--labels", labels, "--json")
    assert code == 0 and stderr == "" and json.loads(stdout)["labels"]["unique"] == 2


_LIMITED = r"""
import resource, runpy, sys
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))  # Python ignores SIGXFSZ: EFBIG
sys.argv = ["skpref", *sys.argv[1:]]
runpy.run_module("skpref.cli", run_name="__main__")
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE semantics of Linux")
def test_a_file_size_limit_is_reported_with_the_path(tmp_path):
    # Issue 16: EFBIG (and ENOSPC) ended in "File too large", naming no file.
    ids, X, _ = make_pool(n_pairs=100, n_features=3)
    pool = save_pool(tmp_path / "pool.npz", ids, X)
    labels = write_labels(tmp_path / "labels.csv", [])
    out = tmp_path / "next.csv"
    out.write_text("the previous batch\n")
    result = subprocess.run(
        [sys.executable, "-c", _LIMITED, "select", "--pool", pool, "--labels", labels,
         "--batch-size", "50", "--out", out],
        capture_output=True, text=True, env=_ENV, timeout=120,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"skpref select: error: --out {out}: cannot write the batch to {out}: File too large "
        "(the file was left as it was).\n"
    )
    assert out.read_text() == "the previous batch\n"
    assert sorted(os.listdir(tmp_path)) == ["labels.csv", "next.csv", "pool.npz"]
