"""The label-complexity study's runs, reduced to a few seconds (CI runs this version)."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skpref.benchmark import (
    clopper_pearson_upper,
    label_complexity_study,
    make_gap_instance,
    make_rare_tie_instance,
    standard_error,
)


def test_reduced_study_is_delta_correct_and_reports_every_cell(study_rows):
    rows = study_rows
    assert len(rows) == 2 * 3 * 2
    for row in rows:
        assert row["runs"] == 12 and row["capped"] == 0
        # not significantly above delta (a systematic failure would show even in 12 runs)
        assert row["p_value"] > 0.01, row
        assert row["error_ucb"] >= row["error_rate"]
        assert row["error_ucb"] == clopper_pearson_upper(row["errors"], row["runs"])
        assert row["labels_mean"] > 0 and np.isfinite(row["ratio"])
        assert row["labels_se"] > 0
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


def test_the_study_runs_are_seeded():
    instances = [("easy", *make_gap_instance(2, 6, min_gap=0.3, random_state=0))]
    a = label_complexity_study(
        instances, deltas=[0.1], designs=["gap"], n_runs=3, n_jobs=1, random_state=5
    )
    b = label_complexity_study(
        instances, deltas=[0.1], designs=["gap"], n_runs=3, n_jobs=1, random_state=5
    )
    assert a[0]["labels_mean"] == b[0]["labels_mean"]


def test_rows_do_not_depend_on_the_number_of_processes():
    instances = [("rare", *make_rare_tie_instance(3, 5, tie_gap=0.3, random_state=1))]
    study = dict(deltas=[0.1, 0.05], designs=["gap", "uniform"], n_runs=4, random_state=2)
    assert label_complexity_study(instances, n_jobs=1, **study) == label_complexity_study(
        instances, n_jobs=2, **study
    )


def test_one_run_per_cell_has_no_standard_error():
    instances = [("easy", *make_gap_instance(2, 4, min_gap=0.5, random_state=0))]
    (row,) = label_complexity_study(instances, deltas=[0.1], designs=["gap"], n_runs=1, n_jobs=1)
    assert np.isnan(row["labels_se"]) and np.isnan(standard_error([row["labels_mean"]]))


def test_validation():
    instances = [("easy", *make_gap_instance(2, 4, min_gap=0.3, random_state=0))]
    with pytest.raises(ValueError, match="Unknown design"):
        label_complexity_study(instances, designs=["d-optimal"], n_runs=1, n_jobs=1)
    with pytest.raises(ValueError, match="delta"):
        label_complexity_study(instances, deltas=[1.5], n_runs=1, n_jobs=1)
    with pytest.raises(InvalidParameterError):
        label_complexity_study(instances, n_runs=0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"instances": []}, "instances is empty"),
        ({"deltas": []}, "deltas is empty"),
        ({"designs": []}, "designs is empty"),
        ({"instances": [("x", np.eye(2))]}, r"instances\[0\] must be a tuple \(name, X, theta\)"),
        ({"instances": [("x", np.eye(2), np.ones(3))]},
         r"instances\[0\] \('x'\): X must have shape \(K, d\) and theta shape \(d,\), "
         r"got \(2, 2\) and \(3,\)"),
    ],
)
def test_empty_or_malformed_cells_are_refused_before_any_run(kwargs, message):
    # An empty list gave no cell, and the summary then failed inside numpy
    # ("zero-size array to reduction operation minimum"); a theta of the wrong
    # length failed deep inside the oracle allocation.
    study = {"instances": [("x", np.eye(2), np.ones(2))], "n_runs": 1, "n_jobs": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        label_complexity_study(**study)
