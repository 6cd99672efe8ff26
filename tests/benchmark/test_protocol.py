"""The pool benchmark's protocol: data, teacher, split, loops and their checkpoints."""

import numpy as np
import pytest

from skpref import PairwiseLogisticRegression
from skpref._logistic import sigmoid
from skpref.active import ActivePreferenceClassifier
from skpref.benchmark import (
    fit_teacher,
    format_summary,
    load_comparisons,
    run_benchmark,
    summarize,
    teacher_scale,
)
from skpref.query import make_strategy

from ._helpers import DATA, SMALL, needs_data


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
    _, y_real, _ = load_comparisons("hh-helpful", seed=3)
    _, y_teacher, sign = load_comparisons("hh-helpful", seed=3, labels="teacher")
    # The teacher is fitted on the real labels, so it agrees with them more often
    # than not; labels drawn from the orientation's random stream would agree
    # only about |p - 1/2| of the time.
    assert 0.5 < np.mean(y_teacher == y_real) < 0.7
    assert 0.45 < y_teacher.mean() < 0.55
    # Scaled to 0.8 (unscaled, the fitted teacher's labels were nearly coin flips).
    assert np.mean(y_teacher == sign) == pytest.approx(0.8, abs=0.03)
    _, scale, unscaled = fit_teacher("hh-helpful", C=0.3, teacher_accuracy=0.8, data_home=DATA)
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
