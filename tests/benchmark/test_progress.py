"""Progress of the experiments' runs on standard error: tqdm, or plain lines without it."""

import sys

import pytest

from skpref.benchmark import label_complexity_study, make_gap_instance, run_benchmark
from skpref.benchmark._progress import with_progress

INSTANCES = [("tiny", *make_gap_instance(2, 5, min_gap=0.5, random_state=0))]
STUDY = dict(deltas=[0.1, 0.05], designs=["gap"], n_runs=2, n_jobs=1)


@pytest.fixture
def no_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now fails
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)


def test_progress_bar_counts_the_cells(capsys):
    quiet = label_complexity_study(INSTANCES, **STUDY)
    assert capsys.readouterr().err == ""
    shown = label_complexity_study(INSTANCES, progress=True, **STUDY)
    err = capsys.readouterr().err
    assert "2/2" in err and "cell" in err  # tqdm's bar, on standard error
    assert shown == quiet  # reporting does not change the study


def test_progress_without_tqdm_prints_one_line_per_cell(capsys, no_tqdm):
    label_complexity_study(INSTANCES, progress=True, **STUDY)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "[1/2] tiny gap delta=0.1", "[2/2] tiny gap delta=0.05",
    ]


def test_benchmark_progress_without_tqdm_names_each_loop(capsys, no_tqdm):
    run_benchmark(["synthetic"], strategies=["random"], budget=20, n_seeds=2, progress=True)
    lines = capsys.readouterr().err.splitlines()
    # one process: the loops finish in the order they were given
    assert [line.split(" (")[0] for line in lines] == [
        "[1/2] synthetic random seed 0", "[2/2] synthetic random seed 1",
    ]
    assert all(line.endswith(" s)") for line in lines)


def test_with_progress_yields_the_outputs_unchanged_in_order(capsys, no_tqdm):
    outputs = iter(["a", "b", "c"])
    shown = list(with_progress(outputs, 3, lambda i, o: f"{o}{i}", unit="item"))
    assert shown == ["a", "b", "c"]
    assert [line.split(" (")[0] for line in capsys.readouterr().err.splitlines()] == [
        "[1/3] a0", "[2/3] b1", "[3/3] c2",
    ]
    assert list(with_progress(iter("xy"), 2, str, unit="item", progress=False)) == ["x", "y"]
    assert capsys.readouterr().err == ""
