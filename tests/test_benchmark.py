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
from skpref import PairwiseLogisticRegression
from skpref._logistic import sigmoid
from skpref.active import ActivePreferenceClassifier
from skpref.benchmark._protocol import (
    _teacher,
    default_datasets,
    load_comparisons,
    teacher_scale,
)
from skpref.benchmark._summary import labels_to_reach, paired_difference_curve
from skpref.cli import main
from skpref.datasets._real import available_datasets
from skpref.query import make_strategy

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
    assert list(dict.fromkeys(curves["strategy"])) == [
        "random", "uncertainty", "ci-location", "design"
    ]
    assert lengths["n_labels"] == 4 * 2 * 4
    for strategy in set(curves["strategy"]):
        for seed in (0, 1):
            rows = (curves["strategy"] == strategy) & (curves["seed"] == seed)
            np.testing.assert_array_equal(curves["n_labels"][rows], [10, 20, 30, 40])
    assert np.all((curves["accuracy"] >= 0) & (curves["accuracy"] <= 1))
    assert np.all(curves["log_loss"] > 0)
    assert np.all(np.isnan(curves["sign_accuracy"]))  # real labels: no teacher sign
    assert small_run.teachers == {}


def test_checkpoints_score_the_loops_own_models(small_run):
    # The benchmark replays each loop's refits to score them against both kinds of
    # test label; the replayed models must be the loop's, bit for bit.
    from sklearn.model_selection import train_test_split

    X, y, _ = load_comparisons("synthetic", seed=1)
    X_pool, X_test, y_pool, y_test = train_test_split(
        X, y, test_size=0.2, random_state=1, stratify=y
    )
    loop = ActivePreferenceClassifier(
        PairwiseLogisticRegression(C=0.3, warm_start=True), make_strategy("design"),
        n_initial=10, batch_size=10, budget=40, random_state=1,
    ).fit(X_pool, y_pool, eval_set=(X_test, y_test))
    rows = (small_run.curves["strategy"] == "design") & (small_run.curves["seed"] == 1)
    for key in ("accuracy", "log_loss"):
        np.testing.assert_array_equal(small_run.curves[key][rows], loop.learning_curve_[key])


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


def test_teacher_mode_is_identical_for_one_and_two_jobs():
    runs = [
        run_benchmark(["synthetic"], strategies=["ci-location"], labels="teacher", budget=30,
                      n_seeds=2, n_jobs=n_jobs)
        for n_jobs in (1, 2)
    ]
    for key in runs[0].curves:
        np.testing.assert_array_equal(runs[0].curves[key], runs[1].curves[key])
    np.testing.assert_array_equal(runs[0].teachers["scale"], runs[1].teachers["scale"])


def test_whole_pool_reference(small_run):
    reference = small_run.reference
    assert list(reference["seed"]) == [0, 1]
    assert np.all(reference["n_labels"] == 2000)  # 80% of the 2500 synthetic pairs
    final = small_run.curves["n_labels"] == 40
    # 2000 labels of a well-specified model beat 40 on average.
    assert reference["accuracy"].mean() > small_run.curves["accuracy"][final].mean()


def test_teacher_labels_are_redrawn_from_a_fitted_model():
    X, y_real, sign = load_comparisons("synthetic", seed=0)
    assert sign is None
    X_t, y_teacher, sign = load_comparisons("synthetic", seed=0, labels="teacher", C=1.0)
    np.testing.assert_array_equal(X, X_t)
    assert not np.array_equal(y_real, y_teacher)
    # The teacher agrees with the generating labels far more often than chance.
    assert np.mean(y_real == y_teacher) > 0.7
    _, again, _ = load_comparisons("synthetic", seed=0, labels="teacher", C=1.0)
    np.testing.assert_array_equal(again, y_teacher)
    # The noise-free sign is the fitted teacher's, whatever its scale.
    theta = PairwiseLogisticRegression(C=1.0).fit(X, y_real).coef_.ravel()
    np.testing.assert_array_equal(sign, (X @ theta > 0).astype(int))


@pytest.mark.parametrize("accuracy", [0.55, 0.8, 0.95])
def test_teacher_scale_solves_for_the_stated_accuracy(accuracy):
    logits = np.random.default_rng(0).normal(scale=0.1, size=500)
    scale = teacher_scale(logits, accuracy)
    assert np.mean(sigmoid(scale * np.abs(logits))) == pytest.approx(accuracy, abs=1e-9)
    # A row with no margin has accuracy 1/2 at any scale: the target counts it.
    with_ties = np.r_[logits, np.zeros(500)]
    assert np.mean(sigmoid(teacher_scale(with_ties, 0.7) * np.abs(with_ties))) == (
        pytest.approx(0.7, abs=1e-9)
    )
    with pytest.raises(ValueError, match=r"teacher_accuracy must lie in \(0.5, 0.75\)"):
        teacher_scale(with_ties, 0.8)


def test_teacher_reaches_its_stated_accuracy_on_its_own_labels():
    # Seeds 0..19 draw independent labels; the sign agrees with them at the target rate.
    agreement = []
    for seed in range(20):
        _, y, sign = load_comparisons("synthetic", seed=seed, labels="teacher",
                                      teacher_accuracy=0.7)
        agreement.append(np.mean(y == sign))
    assert np.mean(agreement) == pytest.approx(0.7, abs=0.005)  # SE ~0.002 over 50,000 draws


@needs_data
def test_teacher_labels_are_independent_of_the_orientation():
    X, y_real, _ = load_comparisons("hh-helpful", seed=3)
    _, y_teacher, sign = load_comparisons("hh-helpful", seed=3, labels="teacher")
    # The teacher is fitted on the real labels, so it agrees with them more often
    # than not; labels drawn from the orientation's random stream would agree
    # only about |p - 1/2| of the time.
    assert 0.5 < np.mean(y_teacher == y_real) < 0.7
    assert 0.45 < y_teacher.mean() < 0.55
    # Scaled to 0.8 (unscaled, the fitted teacher's labels were nearly coin flips).
    assert np.mean(y_teacher == sign) == pytest.approx(0.8, abs=0.03)
    _, scale, unscaled = _teacher("hh-helpful", 0.3, 0.8, DATA)
    assert scale > 2 and 0.5 < unscaled < 0.6


@needs_data
def test_a_real_dataset_runs_with_both_label_modes():
    for labels in ("real", "teacher"):
        result = run_benchmark(
            ["hh-helpful"], strategies=["ci-location"], labels=labels, budget=30, n_seeds=1
        )
        assert set(result.curves["labels"]) == {labels}
        assert set(result.curves["dataset"]) == {"hh-helpful"}
        assert result.reference["n_labels"][0] == 1874  # 80% of 2343
        signs = result.curves["sign_accuracy"]
        assert np.all(np.isnan(signs)) if labels == "real" else np.all((signs > 0) & (signs <= 1))
        if labels == "teacher":
            assert list(result.teachers["dataset"]) == ["hh-helpful"]
            rows = summarize(result.curves)
            assert [row["metric"] for row in rows] == ["accuracy"] * 2 + ["sign_accuracy"] * 2
            table = format_summary(rows, result.reference, teachers=result.teachers)
            assert "against the teacher's sign" in table
            assert f"scaled x{result.teachers['scale'][0]:.3g}" in table


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
    # paired differences at B: 0.1 and 0.0; in area: 0.675 - 0.6 = 0.075 and 0.0
    assert new["difference"] == pytest.approx(0.05)
    assert new["difference_se"] == pytest.approx(np.std([0.1, 0.0], ddof=1) / np.sqrt(2))
    assert new["auc_difference"] == pytest.approx(0.0375)
    assert not new["difference_significant"]  # 0.05 is one standard error
    # random's mean at 30 is 0.65; new's mean curve is 0.5, 0.65, 0.7: stays above from 20
    assert new["labels_to_baseline"] == 20 and new["baseline_accuracy"] == pytest.approx(0.65)
    assert random["labels_to_baseline"] is None and np.isnan(random["difference"])
    assert new["win_rate"] == pytest.approx(0.75)  # a win and a tie
    assert new["log_loss"] == pytest.approx(0.3)
    assert new["n_seeds"] == 2 and new["metric"] == "accuracy"


def test_labels_to_random_cannot_be_an_artefact_of_a_falling_random_curve():
    # ultrafeedback's case (issue 14): random's own curve starts above its final
    # value, so every strategy "reached" it at the first checkpoint. A strategy must
    # stay at or above the target from that checkpoint on.
    grid = [10, 20, 30, 40, 50]
    rows = []
    for name, curve in [
        ("random", [0.56, 0.5, 0.52, 0.5, 0.53]),
        ("noisy", [0.56, 0.5, 0.54, 0.55, 0.52]),
        ("late", [0.56, 0.5, 0.53, 0.54, 0.55]),
    ]:
        rows += [("d", "real", name, 0, n, a, 0.7) for n, a in zip(grid, curve)]
    summary = {row["strategy"]: row for row in summarize(_curves(rows))}
    assert summary["noisy"]["labels_to_baseline"] is None  # ends below 0.53
    assert summary["late"]["labels_to_baseline"] == 30
    table = format_summary(list(summary.values()))
    random_line = next(line for line in table.splitlines() if line.startswith("random"))
    # one seed: "random  1  0.5300  -  -  -  -  0.7000"; no self-comparison
    assert random_line.split()[3:7] == ["-", "-", "-", "-"]
    assert "> 50" in next(line for line in table.splitlines() if line.startswith("noisy"))
    assert labels_to_reach([10, 20], [0.6, 0.6], 0.6) == 10


def test_summary_marks_significant_differences_and_says_which_strategies_save_labels():
    rng = np.random.default_rng(0)
    grid = np.arange(10, 110, 10)
    rows = []
    for seed in range(10):
        base = 0.5 + 0.002 * grid + rng.normal(scale=0.01, size=grid.size)
        base[0] = 0.5
        curves = {
            "random": base,
            "fast": base + 0.05,  # 5 points ahead, no noise in the pairing
            "slow": base - 0.04,
            "same": base + rng.normal(scale=0.01, size=grid.size),
        }
        for name, curve in curves.items():
            curve = curve.copy()
            curve[0] = 0.5  # the shared start
            rows += [("d", "real", name, seed, n, a, 0.6) for n, a in zip(grid, curve)]
    summary = summarize(_curves(rows))
    by_name = {row["strategy"]: row for row in summary}
    assert by_name["fast"]["difference_significant"] and by_name["slow"]["difference_significant"]
    assert not by_name["same"]["difference_significant"]
    table = format_summary(summary, legend=True)
    fast_line = next(line for line in table.splitlines() if line.startswith("fast"))
    assert "+5.00 ± 0.00 *" in fast_line
    words = " ".join(table.split("In words: ")[1].split("Legend")[0].split())
    assert words.startswith("Reach random's 100-label score")
    assert "fast with 80 labels (20% fewer" in words
    assert "Trails random: slow (-4.00" in words
    assert "Within 2 standard errors of random: same." in words
    assert "Legend" in table and "exceeds 2 standard errors" in table


def test_paired_difference_curve_uses_the_seeds_both_ran():
    rows = [("d", "real", "random", s, n, 0.5 + 0.1 * s, 0.7) for s in range(3) for n in (10, 20)]
    rows += [("d", "real", "new", s, n, 0.6 + 0.1 * s + 0.01 * n, 0.7)
             for s in range(2) for n in (10, 20)]
    grid, mean, se = paired_difference_curve(_curves(rows), "new", dataset="d", labels="real")
    np.testing.assert_array_equal(grid, [10, 20])
    np.testing.assert_allclose(mean, [0.2, 0.3])
    np.testing.assert_allclose(se, [0.0, 0.0], atol=1e-12)
    summary = {row["strategy"]: row for row in summarize(_curves(rows))}
    assert summary["new"]["n_seeds"] == 2
    assert summary["new"]["baseline_accuracy"] == pytest.approx(0.55)  # random on seeds 0, 1


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
    assert len(figure.axes) == 2  # the curves, and the paired difference below them
    (legend,) = figure.legends  # one legend, outside the axes
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels == [
        "random", "ci-location", "design", "uncertainty", "whole pool", "random at the budget",
    ]
    assert all(ax.get_legend() is None for ax in figure.axes)
    assert "standard error" in figure.get_suptitle()
    assert "SE" in figure.axes[0].get_ylabel() and "paired" in figure.axes[1].get_ylabel()


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
    # argparse checks the range itself (exit status 2, before any data is read).
    with pytest.raises(SystemExit) as stopped:
        main(["benchmark", "--datasets", "synthetic", "--no-progress",
              "--out", str(tmp_path), "--teacher-accuracy", "1.2"])
    assert stopped.value.code == 2
    assert "--teacher-accuracy: must be a finite number < 1" in capsys.readouterr().err


def test_costly_strategies_run_fewer_seeds_and_are_paired_on_those():
    result = run_benchmark(["synthetic"], strategies=["design"], budget=20, n_seeds=3,
                           max_seeds={"design": 2})
    seeds = result.curves["seed"][result.curves["strategy"] == "design"]
    assert sorted(set(seeds.tolist())) == [0, 1]
    assert result.settings["max_seeds"] == {"random": None, "design": 2}
    (_, design), = [(0, row) for row in summarize(result.curves) if row["strategy"] == "design"]
    assert design["n_seeds"] == 2
    everything = run_benchmark(["synthetic"], strategies=["g-optimal"], budget=20, n_seeds=2,
                               max_seeds={"g-optimal": None})
    assert set(everything.curves["seed"].tolist()) == {0, 1}


def test_a_budget_of_1000_runs_on_a_small_pool():
    # 2000 pool pairs; also a budget above the pool, which labels all of it.
    result = run_benchmark(["synthetic"], strategies=["ci-location", "design"], budget=1000,
                           batch_size=200, n_initial=10, n_seeds=1)
    assert set(result.curves["n_labels"].tolist()) == {10, 210, 410, 610, 810, 1000}
    whole = run_benchmark(["synthetic"], strategies=["design"], budget=5000, batch_size=1000,
                          n_seeds=1)
    assert whole.curves["n_labels"].max() == 2000
    assert summarize(whole.curves)[-1]["budget"] == 2000
