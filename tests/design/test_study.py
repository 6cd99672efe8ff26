"""The label-complexity study, reduced to a few seconds (CI runs this version)."""

import argparse
import csv

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skpref.design import label_complexity_study
from skpref.design._study import (
    BernoulliOracle,
    add_commands,
    default_instances,
    make_gap_instance,
    make_rare_tie_instance,
    plot_label_complexity,
    summarize,
    write_csv,
)


@pytest.fixture(scope="module")
def rows():
    instances = [
        ("easy", *make_gap_instance(2, 6, min_gap=0.3, random_state=0)),
        ("rare", *make_rare_tie_instance(4, 8, tie_gap=0.15, random_state=0)),
    ]
    return label_complexity_study(
        instances, deltas=[0.1, 0.01], n_runs=12, n_jobs=1, random_state=0
    )


def test_reduced_study_is_delta_correct_and_reports_every_cell(rows):
    assert len(rows) == 2 * 3 * 2
    for row in rows:
        assert row["runs"] == 12 and row["capped"] == 0
        # not significantly above delta (a systematic failure would show even in 12 runs)
        assert row["p_value"] > 0.01, row
        assert row["error_ucb"] >= row["error_rate"]
        assert row["labels_mean"] > 0 and np.isfinite(row["ratio"])
        np.testing.assert_allclose(
            row["ratio"], row["labels_mean"] / (row["rho"] * np.log(1 / row["delta"]))
        )
    by_key = {(r["instance"], r["design"], r["delta"]): r for r in rows}
    # the comparison the study exists for: the rare tie costs g-optimal and uniform more
    for design in ["g-optimal", "uniform"]:
        assert (
            by_key[("rare", design, 0.1)]["labels_mean"]
            > by_key[("rare", "gap", 0.1)]["labels_mean"]
        )


def test_summary_csv_and_figure(rows, tmp_path):
    text = summarize(rows)
    for needle in ["ratio", "cv", "g-optimal/gap", "uniform/gap", "error rate vs delta"]:
        assert needle in text
    path = tmp_path / "cells.csv"
    write_csv(rows, path)
    with open(path) as handle:
        assert len(list(csv.DictReader(handle))) == len(rows)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = plot_label_complexity(rows)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"gap", "g-optimal", "uniform"}


def test_the_study_runs_are_seeded(rows):
    instances = [("easy", *make_gap_instance(2, 6, min_gap=0.3, random_state=0))]
    a = label_complexity_study(
        instances, deltas=[0.1], designs=["gap"], n_runs=3, n_jobs=1, random_state=5
    )
    b = label_complexity_study(
        instances, deltas=[0.1], designs=["gap"], n_runs=3, n_jobs=1, random_state=5
    )
    assert a[0]["labels_mean"] == b[0]["labels_mean"]


def test_instances_have_the_advertised_gaps():
    instances = default_instances()
    assert len(instances) == 10
    for name, X, theta in instances:
        gaps = np.abs(X @ theta)
        expected = {"easy-d2-K20": 0.5, "easy-d10-K100": 0.25}.get(name, 0.05)
        np.testing.assert_allclose(gaps.min(), expected, rtol=1e-9)
        assert gaps.max() <= 2.0 + 1e-9
    assert sum(name.startswith("rare-tie") for name, _, _ in instances) == 2
    assert {X.shape for _, X, _ in instances} >= {(K, d) for d in (2, 5, 10) for K in (20, 100)}


def test_bernoulli_oracle_counts_have_the_binomial_law():
    X = np.array([[1.0]])
    oracle = BernoulliOracle(X, [0.4], random_state=0)
    ones = np.array([oracle(0, 50).sum() for _ in range(4000)])
    p = 1 / (1 + np.exp(-0.4))
    assert abs(ones.mean() - 50 * p) < 4 * np.sqrt(50 * p * (1 - p) / 4000)
    assert abs(ones.var() / (50 * p * (1 - p)) - 1) < 0.1


def test_validation():
    instances = [("easy", *make_gap_instance(2, 4, min_gap=0.3, random_state=0))]
    with pytest.raises(ValueError, match="Unknown design"):
        label_complexity_study(instances, designs=["d-optimal"], n_runs=1, n_jobs=1)
    with pytest.raises(ValueError, match="delta"):
        label_complexity_study(instances, deltas=[1.5], n_runs=1, n_jobs=1)
    with pytest.raises(InvalidParameterError):
        label_complexity_study(instances, n_runs=0)


def test_command_writes_csv_summary_and_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "label-complexity",
            "--quick",
            "--runs",
            "2",
            "--deltas",
            "0.1",
            "--designs",
            "gap",
            "--n-jobs",
            "1",
            "--out",
            str(tmp_path),
        ]
    )
    assert args.run(args) == 0
    for name in ["label_complexity.csv", "summary.txt", "label_complexity.png"]:
        assert (tmp_path / name).stat().st_size > 0
    assert "gaps-d2-K20" in capsys.readouterr().out
