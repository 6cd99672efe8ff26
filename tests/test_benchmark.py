"""skpref.benchmark and ``skpref benchmark``: the paper's protocol, its summary and figure."""

import csv
import os

import numpy as np
import pytest

from skpref.benchmark import (
    format_summary,
    plot_learning_curves,
    run_benchmark,
    summarize,
)
from skpref.benchmark._protocol import load_comparisons
from skpref.cli import main
from skpref.datasets._real import available_datasets

DATA = os.environ.get("SKPREF_DATA")
needs_data = pytest.mark.skipif(
    not DATA or len(available_datasets(DATA)) < 3,
    reason="the real datasets are read from SKPREF_DATA (set in CI by .ci/run)",
)

SMALL = {"budget": 40, "batch_size": 10, "n_initial": 10, "n_seeds": 2}


@pytest.fixture(scope="module")
def small_run():
    return run_benchmark(
        ["synthetic"], strategies=["uncertainty", "ci-location", "design"], **SMALL
    )


def test_curves_are_one_row_per_checkpoint(small_run):
    curves = small_run.curves
    lengths = {key: len(values) for key, values in curves.items()}
    assert len(set(lengths.values())) == 1
    # random is added as the baseline; 4 strategies x 2 seeds x checkpoints 10..40
    assert list(dict.fromkeys(curves["strategy"])) == ["random", "uncertainty", "ci-location", "design"]
    assert lengths["n_labels"] == 4 * 2 * 4
    for strategy in set(curves["strategy"]):
        for seed in (0, 1):
            rows = (curves["strategy"] == strategy) & (curves["seed"] == seed)
            np.testing.assert_array_equal(curves["n_labels"][rows], [10, 20, 30, 40])
    assert np.all((curves["accuracy"] >= 0) & (curves["accuracy"] <= 1))
    assert np.all(curves["log_loss"] > 0)


def test_every_strategy_starts_from_the_same_labels(small_run):
    curves = small_run.curves
    for seed in (0, 1):
        start = (curves["seed"] == seed) & (curves["n_labels"] == 10)
        # The same 10 labels and the same model: the same test accuracy and loss.
        assert np.unique(curves["accuracy"][start]).size == 1
        assert np.unique(curves["log_loss"][start]).size == 1


def test_runs_are_reproducible_and_parallelism_does_not_change_them(small_run):
    again = run_benchmark(
        ["synthetic"], strategies=["uncertainty", "ci-location", "design"], n_jobs=2, **SMALL
    )
    for key in small_run.curves:
        np.testing.assert_array_equal(again.curves[key], small_run.curves[key])


def test_whole_pool_reference(small_run):
    reference = small_run.reference
    assert list(reference["seed"]) == [0, 1]
    assert np.all(reference["n_labels"] == 2000)  # 80% of the 2500 synthetic pairs
    final = small_run.curves["n_labels"] == 40
    # 2000 labels of a well-specified model beat 40 on average.
    assert reference["accuracy"].mean() > small_run.curves["accuracy"][final].mean()


def test_teacher_labels_are_redrawn_from_a_fitted_model():
    X, y_real = load_comparisons("synthetic", seed=0)
    X_t, y_teacher = load_comparisons("synthetic", seed=0, labels="teacher", C=1.0)
    np.testing.assert_array_equal(X, X_t)
    assert not np.array_equal(y_real, y_teacher)
    # The teacher agrees with the generating labels far more often than chance.
    assert np.mean(y_real == y_teacher) > 0.7
    _, again = load_comparisons("synthetic", seed=0, labels="teacher", C=1.0)
    np.testing.assert_array_equal(again, y_teacher)


@needs_data
def test_teacher_labels_are_independent_of_the_orientation():
    X, y_real = load_comparisons("hh-helpful", seed=3)
    _, y_teacher = load_comparisons("hh-helpful", seed=3, labels="teacher")
    # The teacher is fitted on the real labels, so it agrees with them more often
    # than not (0.53 at C = 0.3); labels drawn from the orientation's random
    # stream would agree only about |p - 1/2| of the time.
    assert 0.5 < np.mean(y_teacher == y_real) < 0.6
    assert 0.45 < y_teacher.mean() < 0.55


@needs_data
def test_a_real_dataset_runs_with_both_label_modes():
    for labels in ("real", "teacher"):
        result = run_benchmark(
            ["hh-helpful"], strategies=["ci-location"], labels=labels, budget=30, n_seeds=1
        )
        assert set(result.curves["labels"]) == {labels}
        assert set(result.curves["dataset"]) == {"hh-helpful"}
        assert result.reference["n_labels"][0] == 1874  # 80% of 2343


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"strategies": ["bald"]}, "Unknown strategies"),
        ({"n_initial": 50, "budget": 20}, "must not exceed budget"),
        ({"strategy_params": {"ci-location": {"gamma": 1}}}, "gamma"),
        ({"strategy_params": {"oracle": {}}}, "unknown strategy 'oracle'"),
        ({"labels": "gold"}, "labels"),
    ],
)
def test_bad_arguments_fail_before_any_work(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_benchmark(["synthetic"], **kwargs)


def test_unknown_dataset_and_missing_files(tmp_path):
    with pytest.raises(ValueError, match="Unknown dataset"):
        run_benchmark(["nectar"])
    with pytest.raises(FileNotFoundError, match="hh_helpful_base_test.npz"):
        run_benchmark(["hh-helpful"], data_home=tmp_path)


def _curves(rows):
    keys = ["dataset", "labels", "strategy", "seed", "n_labels", "accuracy", "log_loss"]
    return {key: np.asarray([row[i] for row in rows]) for i, key in enumerate(keys)}


def test_summary_statistics_by_hand():
    rows = []
    for seed, (random_curve, new_curve) in enumerate(
        [([0.5, 0.6, 0.7], [0.5, 0.7, 0.8]), ([0.5, 0.6, 0.6], [0.5, 0.6, 0.6])]
    ):
        for n, a in zip([10, 20, 30], random_curve):
            rows.append(("d", "real", "random", seed, n, a, 1 - a))
        for n, a in zip([10, 20, 30], new_curve):
            rows.append(("d", "real", "new", seed, n, a, 1 - a))
    summary = {row["strategy"]: row for row in summarize(_curves(rows))}
    new, random = summary["new"], summary["random"]
    assert random["accuracy"] == pytest.approx(0.65)
    assert random["accuracy_se"] == pytest.approx(np.std([0.7, 0.6], ddof=1) / np.sqrt(2))
    assert new["accuracy"] == pytest.approx(0.7)
    # area / range: seed 0: (10*(0.5+0.7)/2 + 10*(0.7+0.8)/2) / 20 = 0.675; seed 1: 0.575
    assert new["auc"] == pytest.approx((0.675 + 0.575) / 2)
    # random's mean at 30 is 0.65; new's mean curve is 0.5, 0.65, 0.7: reached at 20
    assert new["labels_to_baseline"] == 20 and random["labels_to_baseline"] == 30
    assert new["win_rate"] == pytest.approx(0.75)  # a win and a tie
    assert new["log_loss"] == pytest.approx(0.3)
    assert new["n_seeds"] == 2


def test_summary_when_a_strategy_never_reaches_the_baseline():
    rows = [("d", "real", "random", 0, n, a, 0.5) for n, a in [(10, 0.5), (20, 0.8)]]
    rows += [("d", "real", "slow", 0, n, a, 0.5) for n, a in [(10, 0.5), (20, 0.6)]]
    summary = summarize(_curves(rows))
    assert summary[1]["labels_to_baseline"] is None and summary[1]["win_rate"] == 0.0
    assert "> 20" in format_summary(summary)
    with pytest.raises(ValueError, match="baseline 'random'"):
        summarize(_curves(rows[2:]))


def test_figure_is_written(small_run, tmp_path):
    path = tmp_path / "curves.png"
    figure = plot_learning_curves(small_run.curves, path, reference=small_run.reference)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert labels == ["random", "uncertainty", "ci-location", "design", "whole pool"]


def test_command_writes_table_csvs_and_figure(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        ["benchmark", "--datasets", "synthetic", "--strategies", "uncertainty",
         "--budget", "30", "--seeds", "2", "--n-jobs", "1", "--no-progress", "--out", str(out)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "synthetic, real labels, budget 30, 2 seeds" in printed and "uncertainty" in printed
    assert (out / "summary.txt").read_text() in printed
    with open(out / "curves.csv") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 2 * 2 * 3 and table[0]["strategy"] == "random"
    assert (out / "learning_curves.png").stat().st_size > 0
    with open(out / "summary.csv") as handle:
        assert [row["strategy"] for row in csv.DictReader(handle)] == ["random", "uncertainty"]


def test_command_reports_missing_data_without_a_traceback(tmp_path, capsys):
    code = main(["benchmark", "--datasets", "hh-helpful", "--data-home", str(tmp_path),
                 "--no-progress", "--out", str(tmp_path / "out")])
    assert code == 2
    assert "skpref benchmark: error: Dataset 'hh-helpful' not found" in capsys.readouterr().err


def test_command_falls_back_to_the_synthetic_pool(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SKPREF_DATA", raising=False)
    code = main(["benchmark", "--strategies", "random", "--budget", "20", "--seeds", "1",
                 "--n-jobs", "1", "--no-progress", "--out", str(tmp_path)])
    assert code == 0
    captured = capsys.readouterr()
    assert "running on the generated Bradley-Terry pool" in captured.err
    assert "synthetic, real labels" in captured.out
