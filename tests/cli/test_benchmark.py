"""``skpref benchmark``: options, the files it writes, and its errors."""

import argparse
import csv

import pytest

from skpref.benchmark import default_datasets
from skpref.cli._options import DefaultOnceFormatter
from skpref.cli import main

from benchmark._helpers import assert_defaults_once, option_helps


def test_command_writes_table_csvs_and_figure(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        ["benchmark", "--datasets", "synthetic", "--strategies", "uncertainty",
         "--budget", "30", "--seeds", "2", "--n-jobs", "1", "--no-progress", "--out", str(out)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "synthetic, Bradley-Terry labels, budget 30; test accuracy" in printed
    assert "uncertainty" in printed and "In words:" in printed
    assert (out / "summary.txt").read_text() in printed
    assert "Legend" in (out / "summary.txt").read_text()
    with open(out / "curves.csv") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 2 * 2 * 3 and table[0]["strategy"] == "random"
    assert "sign_accuracy" in table[0]
    assert (out / "learning_curves.png").stat().st_size > 0
    assert not (out / "teachers.csv").exists()
    with open(out / "summary.csv") as handle:
        assert [row["strategy"] for row in csv.DictReader(handle)] == ["random", "uncertainty"]


def test_command_in_teacher_mode_says_the_scale_it_found(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        ["benchmark", "--datasets", "synthetic", "--strategies", "ci-location", "--labels",
         "teacher", "--teacher-accuracy", "0.75", "--budget", "20", "--seeds", "2",
         "--n-jobs", "1", "--no-progress", "--out", str(out)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    with open(out / "teachers.csv") as handle:
        (teacher,) = list(csv.DictReader(handle))
    assert float(teacher["teacher_accuracy"]) == 0.75
    assert f"scaled x{float(teacher['scale']):.3g}" in printed
    assert "test accuracy against the teacher's sign" in printed
    with open(out / "curves.csv") as handle:
        assert all(0 < float(row["sign_accuracy"]) <= 1 for row in csv.DictReader(handle))


def test_command_reports_missing_data_without_a_traceback(tmp_path, capsys):
    code = main(["benchmark", "--datasets", "hh-helpful", "--data-home", str(tmp_path),
                 "--no-progress", "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert f"skpref benchmark: error: The data directory {tmp_path} (data_home) lacks" in err
    assert str(tmp_path / "hh_helpful_base_test.npz") in err
    assert not (tmp_path / "out").exists()


def _touch_dataset(directory, stem):
    for suffix in (".npz", ".json"):
        (directory / f"{stem}{suffix}").write_bytes(b"")


def test_a_data_home_without_the_default_datasets_is_an_error(tmp_path, capsys, monkeypatch):
    # Issue 14: a mistyped --data-home ran the synthetic pool and exited 0, and a
    # directory with one dataset ran that one without saying what was missing.
    monkeypatch.delenv("SKPREF_DATA", raising=False)
    out = tmp_path / "out"
    argv = ["benchmark", "--strategies", "random", "--budget", "20", "--seeds", "1",
            "--n-jobs", "1", "--no-progress", "--out", str(out)]
    typo = tmp_path / "no-such-dir"
    assert main([*argv, "--data-home", str(typo)]) == 2
    err = capsys.readouterr().err
    assert f"The data directory {typo} (data_home) does not exist" in err
    for stem in ("hh_helpful_base_test", "hh_harmless_base_test", "ultrafeedback_binarized_subset"):
        assert str(typo / f"{stem}.npz") in err and str(typo / f"{stem}.json") in err
    partial = tmp_path / "partial"
    partial.mkdir()
    _touch_dataset(partial, "hh_helpful_base_test")
    assert main([*argv, "--data-home", str(partial)]) == 2
    err = capsys.readouterr().err
    assert "lacks hh-harmless, ultrafeedback" in err and "hh_helpful" not in err
    assert not out.exists()  # nothing ran, nothing was written


def test_skpref_data_is_a_data_directory_too_unless_empty(tmp_path, capsys, monkeypatch):
    argv = ["benchmark", "--strategies", "random", "--budget", "20", "--seeds", "1",
            "--n-jobs", "1", "--no-progress", "--out", str(tmp_path / "out")]
    monkeypatch.setenv("SKPREF_DATA", str(tmp_path))
    assert main(argv) == 2
    assert "($SKPREF_DATA) lacks hh-helpful, hh-harmless, ultrafeedback" in capsys.readouterr().err
    monkeypatch.setenv("SKPREF_DATA", "")  # empty: unset, as documented
    assert default_datasets() == ["synthetic"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "synthetic, Bradley-Terry labels" in captured.err
    assert "synthetic, Bradley-Terry labels, budget 20" in captured.out


def test_command_falls_back_to_the_synthetic_pool(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SKPREF_DATA", raising=False)
    code = main(["benchmark", "--strategies", "random", "--budget", "20", "--seeds", "1",
                 "--n-jobs", "1", "--no-progress", "--out", str(tmp_path)])
    assert code == 0
    captured = capsys.readouterr()
    assert "running on the generated pool (synthetic, Bradley-Terry labels)" in captured.err
    assert "synthetic, Bradley-Terry labels" in captured.out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--max-seeds", "g-optimal"], "STRATEGY=N"),
        (["--max-seeds", "bald=3"], "STRATEGY=N"),
        (["--max-seeds", "design=many"], "integer or 'all'"),
        (["--max-seeds", "design=0"], "positive integer"),
    ],
)
def test_command_rejects_bad_options(extra, message, tmp_path, capsys):
    code = main(["benchmark", "--datasets", "synthetic", "--no-progress",
                 "--out", str(tmp_path), *extra])
    assert code == 2
    assert message in capsys.readouterr().err


def test_command_refuses_a_teacher_accuracy_outside_its_range(tmp_path, capsys):
    # run_benchmark checks the range (exit status 2, before any data is read).
    code = main(["benchmark", "--datasets", "synthetic", "--no-progress",
                 "--out", str(tmp_path), "--teacher-accuracy", "1.2"])
    assert code == 2
    assert capsys.readouterr().err == (
        "skpref benchmark: error: argument --teacher-accuracy: must be a number in (0.5, 1), "
        "got 1.2\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_help_states_every_default_once(capsys):
    # It printed "strategies to compare (default: all eight) (default: None)", "(default:
    # None)" after the other defaults given in words, "(default: [])" for --max-seeds and
    # "(default: False)" after --no-progress.
    with pytest.raises(SystemExit) as exit:
        main(["benchmark", "--help"])
    assert exit.value.code == 0
    text = capsys.readouterr().out
    assert_defaults_once(text)
    helps, _ = option_helps(text)
    assert helps["--strategies"][1] == "strategies to compare (default: all eight)"
    assert helps["--max-seeds"][1].endswith("(default: g-optimal=5)")
    assert helps["--budget"][1] == "labels per loop (default: 200)"
    assert helps["--no-progress"] == (False, "no progress bar")


def test_default_once_formatter_writes_a_list_as_typed_and_keeps_a_percent():
    parser = argparse.ArgumentParser(formatter_class=DefaultOnceFormatter)
    parser.add_argument("--levels", nargs="+", type=float, default=[0.5, 0.9], help="levels")
    parser.add_argument("--share", default="50%", help="share")
    parser.add_argument("--rule", default=None, help="a rule (default: the first one)")
    parser.add_argument("--quick", action="store_true", help="fewer")
    helps, in_usage = option_helps(parser.format_help())
    assert in_usage == {"--levels", "--share", "--rule", "--quick"}
    assert helps["--levels"][1] == "levels (default: 0.5 0.9)"
    assert helps["--share"][1] == "share (default: 50%)"
    assert helps["--rule"][1] == "a rule (default: the first one)"
    assert helps["--quick"][1] == "fewer"


def test_one_seed_and_one_loop_are_counted_in_the_singular(tmp_path, capsys):
    # It printed "1 loops, ..." and drew "± 1 standard error over 1 seeds."
    pytest.importorskip("matplotlib")
    code = main(["benchmark", "--datasets", "synthetic", "--strategies", "random", "--budget",
                 "20", "--seeds", "1", "--n-jobs", "1", "--no-progress", "--out", str(tmp_path)])
    assert code == 0
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    assert last.startswith("1 loop, ") and "loops" not in last


def test_the_figure_counts_one_seed_in_the_singular():
    from skpref.benchmark import plot_learning_curves, run_benchmark

    pytest.importorskip("matplotlib")
    result = run_benchmark(["synthetic"], strategies=["random"], budget=20, n_seeds=1, n_jobs=1)
    caption = plot_learning_curves(result.curves).get_suptitle()
    assert "over 1 seed." in caption and "seeds." not in caption
