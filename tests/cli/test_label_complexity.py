"""``skpref label-complexity``: options, the files it writes, what it prints."""

import argparse
import sys

import pytest

import skpref.cli._label_complexity as command
from skpref.benchmark import label_complexity_study, make_gap_instance
from skpref.cli import main

from benchmark._helpers import assert_defaults_once, option_helps

INSTANCES = [("tiny", *make_gap_instance(2, 5, min_gap=0.5, random_state=0))]


def _parse(argv):
    parser = argparse.ArgumentParser()
    command.add_commands(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_command_writes_csv_summary_and_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    code = main(["label-complexity", "--quick", "--runs", "2", "--deltas", "0.1", "--designs",
                 "gap", "--n-jobs", "1", "--no-progress", "--out", str(tmp_path)])
    assert code == 0
    for name in ["label_complexity.csv", "summary.txt", "label_complexity.png"]:
        assert (tmp_path / name).stat().st_size > 0
    out = capsys.readouterr().out
    assert "gaps-d2-K20" in out
    assert (tmp_path / "summary.txt").read_text() in out  # the summary, as printed
    assert out.rstrip().endswith(
        f"wrote label_complexity.csv, summary.txt, label_complexity.png to {tmp_path}/"
    )


def test_command_without_matplotlib_does_not_claim_a_figure(tmp_path, capsys, monkeypatch):
    # It printed "wrote .../label_complexity.csv, summary.txt and label_complexity.png"
    # although no figure had been drawn.
    monkeypatch.setattr(command, "label_complexity_study", _tiny_study({}))
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    args = _parse(["label-complexity", "--runs", "2", "--deltas", "0.1", "--designs", "gap",
                   "--n-jobs", "1", "--no-progress", "--out", str(tmp_path)])
    assert args.run(args) == 0
    captured = capsys.readouterr()
    assert "label_complexity.png" not in captured.out
    assert captured.out.rstrip().endswith(f"wrote label_complexity.csv, summary.txt to {tmp_path}/")
    assert "No figure: The label-complexity figure needs matplotlib" in captured.err
    assert not (tmp_path / "label_complexity.png").exists()


def _tiny_study(seen):
    def study(**kwargs):
        seen.update(kwargs)
        return label_complexity_study(INSTANCES, **{**kwargs, "quick": False})

    study.check_params = label_complexity_study.check_params  # the command checks first
    return study


def test_command_has_no_progress_option(tmp_path, capsys, monkeypatch):
    seen = {}
    monkeypatch.setattr(command, "label_complexity_study", _tiny_study(seen))
    base = ["label-complexity", "--runs", "2", "--deltas", "0.1", "--designs", "gap",
            "--n-jobs", "1", "--out", str(tmp_path)]
    for argv, expected in ((base, True), ([*base, "--no-progress"], False)):
        args = _parse(argv)
        args.run(args)
        assert seen["progress"] is expected
    capsys.readouterr()


def test_command_passes_every_option_to_the_study(tmp_path, capsys, monkeypatch):
    seen = {}
    monkeypatch.setattr(command, "label_complexity_study", _tiny_study(seen))
    args = _parse(["label-complexity", "--quick", "--deltas", "0.2", "0.05", "--designs", "gap",
                   "uniform", "--seed", "3", "--n-jobs", "1", "--budget-factor", "2.5",
                   "--burn-in", "5", "--union-over", "undecided", "--tail", "gaussian",
                   "--no-progress", "--out", str(tmp_path)])
    args.run(args)
    capsys.readouterr()
    assert seen == {
        "deltas": [0.2, 0.05], "designs": ["gap", "uniform"], "n_runs": 20, "n_jobs": 1,
        "random_state": 3, "budget_factor": 2.5, "burn_in": 5, "union_over": "undecided",
        "tail": "gaussian", "quick": True, "progress": False,
    }


def test_help_states_every_default_once(capsys):
    # --designs had no help, --out no default, --deltas and five more no default either.
    with pytest.raises(SystemExit) as exit:
        main(["label-complexity", "--help"])
    assert exit.value.code == 0
    text = capsys.readouterr().out
    assert_defaults_once(text)
    helps, _ = option_helps(text)
    assert helps["--out"][1].endswith("(default: label-complexity)")
    assert helps["--deltas"][1].endswith("(default: 0.1 0.05 0.01)")
    assert helps["--designs"][1].endswith("(default: gap g-optimal uniform)")
    assert helps["--runs"][1] == "runs per cell (default: 100; 20 with --quick)"


def test_one_cell_and_one_run_are_counted_in_the_singular(tmp_path, capsys, monkeypatch):
    # It printed "1 cells, 1 runs in ... s".
    monkeypatch.setattr(command, "label_complexity_study", _tiny_study({}))
    args = _parse(["label-complexity", "--runs", "1", "--deltas", "0.1", "--designs", "gap",
                   "--n-jobs", "1", "--no-progress", "--out", str(tmp_path)])
    assert args.run(args) == 0
    out = capsys.readouterr().out
    assert "\n1 cell, 1 run in " in out and "runs in" not in out
