"""The label-complexity study's progress report (tqdm, or plain lines without it)."""

import argparse
import sys

from skpref.design import label_complexity_study
from skpref.design._study import add_commands, make_gap_instance

INSTANCES = [("tiny", *make_gap_instance(2, 5, min_gap=0.5, random_state=0))]
STUDY = dict(deltas=[0.1, 0.05], designs=["gap"], n_runs=2, n_jobs=1)


def test_progress_bar_counts_the_cells(capsys):
    quiet = label_complexity_study(INSTANCES, **STUDY)
    assert capsys.readouterr().err == ""
    shown = label_complexity_study(INSTANCES, progress=True, **STUDY)
    err = capsys.readouterr().err
    assert "2/2" in err and "cell" in err  # tqdm's bar, on standard error
    assert shown == quiet  # reporting does not change the study


def test_progress_without_tqdm_prints_one_line_per_cell(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now fails
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    label_complexity_study(INSTANCES, progress=True, **STUDY)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "[1/2] tiny gap delta=0.1", "[2/2] tiny gap delta=0.05",
    ]


def test_command_has_no_progress_option(tmp_path, capsys, monkeypatch):
    import skpref.design._study as study

    seen = {}

    def fake_study(**kwargs):
        seen.update(kwargs)
        return label_complexity_study(INSTANCES, **{**kwargs, "quick": False})

    monkeypatch.setattr(study, "label_complexity_study", fake_study)
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command"))
    base = ["label-complexity", "--runs", "2", "--deltas", "0.1", "--designs", "gap",
            "--n-jobs", "1", "--out", str(tmp_path)]
    for argv, expected in ((base, True), ([*base, "--no-progress"], False)):
        args = parser.parse_args(argv)
        args.run(args)
        assert seen["progress"] is expected
    capsys.readouterr()
