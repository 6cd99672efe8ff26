"""skpref.datasets: real data from a data directory, synthetic Bradley-Terry pools."""

import json
import os
import shutil

import numpy as np
import pytest

from skpref import PairwiseLogisticRegression
from skpref.datasets import (
    DATASETS,
    available_datasets,
    check_datasets_present,
    data_directory,
    load_preference_dataset,
    make_preference_pool,
)

DATA = os.environ.get("SKPREF_DATA")
needs_data = pytest.mark.skipif(
    not DATA or len(available_datasets(DATA)) < 3,
    reason="the real datasets are read from SKPREF_DATA (set in CI by .ci/run)",
)

EXPECTED = {"hh-helpful": 2343, "hh-harmless": 2307, "ultrafeedback": 2178}


@needs_data
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_real_dataset_rows_are_oriented_differences(name):
    data = load_preference_dataset(name, random_state=0)
    n_pairs = EXPECTED[name]
    assert data.data.shape == (n_pairs, 384) and data.data.dtype == np.float64
    assert data.X_chosen.shape == data.X_rejected.shape == (n_pairs, 384)
    difference = data.X_chosen.astype(np.float64) - data.X_rejected.astype(np.float64)
    sign = np.where(data.target == 1, 1.0, -1.0)
    np.testing.assert_array_equal(data.data, difference * sign[:, None])
    assert 0.45 < data.target.mean() < 0.55  # a fair coin decides the orientation
    assert data.provenance["n_pairs"] == n_pairs
    for source in data.provenance["sources"]:
        assert source["repo"] in data.DESCR and source["sha256"] in data.DESCR
    assert "all-MiniLM-L6-v2" in data.DESCR and "licence" in data.DESCR


@needs_data
def test_orientation_is_seeded():
    X0, y0 = load_preference_dataset("hh-helpful", return_X_y=True, random_state=0)
    X0b, y0b = load_preference_dataset("hh-helpful", return_X_y=True, random_state=0)
    X1, y1 = load_preference_dataset("hh-helpful", return_X_y=True, random_state=1)
    np.testing.assert_array_equal(X0, X0b)
    np.testing.assert_array_equal(y0, y0b)
    assert not np.array_equal(y0, y1)
    flipped = y0 != y1
    np.testing.assert_array_equal(X0[flipped], -X1[flipped])


@needs_data
def test_data_home_argument_beats_the_environment(monkeypatch):
    monkeypatch.setenv("SKPREF_DATA", "/nonexistent")
    X, _ = load_preference_dataset("ultrafeedback", data_home=DATA, return_X_y=True)
    assert X.shape == (2178, 384)


def test_missing_files_name_every_path_looked_for(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        load_preference_dataset("hh-harmless", data_home=tmp_path)
    message = str(error.value)
    assert str(tmp_path / "hh_harmless_base_test.npz") in message
    assert str(tmp_path / "hh_harmless_base_test.json") in message


def test_no_data_directory_says_how_to_give_one(monkeypatch):
    monkeypatch.delenv("SKPREF_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="SKPREF_DATA.*never downloads"):
        load_preference_dataset("hh-helpful")
    assert available_datasets() == []


def test_unknown_name():
    with pytest.raises(ValueError, match="Unknown dataset 'nectar'; choose from hh-helpful"):
        load_preference_dataset("nectar", data_home="/tmp")


@needs_data
def test_files_that_disagree_with_their_sidecar_are_refused(tmp_path):
    stem = DATASETS["hh-helpful"]
    shutil.copy(os.path.join(DATA, f"{stem}.npz"), tmp_path)
    with open(os.path.join(DATA, f"{stem}.json")) as handle:
        sidecar = json.load(handle)
    sidecar["arrays"]["X_chosen"]["shape"] = [10, 384]
    (tmp_path / f"{stem}.json").write_text(json.dumps(sidecar))
    with pytest.raises(ValueError, match="do not belong together"):
        load_preference_dataset("hh-helpful", data_home=tmp_path)


def test_synthetic_pool_is_labeled_by_its_theta():
    X, y, theta = make_preference_pool(20_000, 3, random_state=0)
    assert X.shape == (20_000, 3) and y.shape == (20_000,) and theta.shape == (3,)
    fitted = PairwiseLogisticRegression(C=1e6).fit(X, y).coef_.ravel()
    # The MLE of a well-specified model is within a few standard errors of theta.
    np.testing.assert_allclose(fitted, theta, atol=0.15)


def test_synthetic_noise_scale():
    theta = np.array([1.0, -2.0])
    X, y, returned = make_preference_pool(500, 2, theta=theta, noise_scale=0, random_state=0)
    np.testing.assert_array_equal(y, (X @ theta > 0).astype(int))
    np.testing.assert_array_equal(returned, theta)
    _, noisy, _ = make_preference_pool(5000, 2, theta=theta, noise_scale=100.0, random_state=0)
    assert 0.45 < noisy.mean() < 0.55
    X_a, y_a, _ = make_preference_pool(50, 2, theta=theta, random_state=3)
    X_b, y_b, _ = make_preference_pool(50, 2, theta=theta, random_state=3)
    np.testing.assert_array_equal(X_a, X_b)
    np.testing.assert_array_equal(y_a, y_b)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"theta": [1.0, 2.0, 3.0]}, ValueError, r"theta must have shape \(2,\)"),
        ({"theta": [1.0, np.nan]}, ValueError, "theta must be finite"),
        ({"noise_scale": -1.0}, ValueError, "noise_scale"),
    ],
)
def test_synthetic_bad_parameters(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_preference_pool(10, 2, **kwargs)


def test_check_datasets_present_names_every_missing_file(tmp_path):

    (tmp_path / "hh_helpful_base_test.npz").write_bytes(b"")
    with pytest.raises(FileNotFoundError) as error:
        check_datasets_present(["hh-helpful", "ultrafeedback"], data_home=tmp_path)
    message = str(error.value)
    assert f"The data directory {tmp_path} (data_home) lacks hh-helpful, ultrafeedback" in message
    missing = [tmp_path / name for name in (
        "hh_helpful_base_test.json", "ultrafeedback_binarized_subset.npz",
        "ultrafeedback_binarized_subset.json",
    )]
    assert all(str(path) in message for path in missing)
    assert str(tmp_path / "hh_helpful_base_test.npz") not in message  # it is there
    (tmp_path / "hh_helpful_base_test.json").write_bytes(b"")
    check_datasets_present(["hh-helpful"], data_home=tmp_path)  # complete: no error


def test_an_empty_skpref_data_counts_as_unset(monkeypatch):

    monkeypatch.setenv("SKPREF_DATA", "")
    assert data_directory() is None and available_datasets() == []
    with pytest.raises(ValueError, match="data_home is an empty string"):
        data_directory("")
