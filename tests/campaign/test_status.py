"""``skpref status``: the learning curve, the widths and decided pairs, and the next batch.

Issue 17: after 50 labels, status said "ambiguous 2293 of 2293" (with beta = 1
every interval contains 0 early on), which tells nobody whether to keep
labeling. Each figure that replaced it is checked here against a direct
computation with the public estimator.
"""

import json

import numpy as np
import pytest

from skpref import PairwiseLogisticRegression
from skpref.campaign import _status
from skpref.campaign._labels import read_labels
from skpref.campaign._pool import Pool
from skpref.campaign._status import (
    after_random_batch,
    campaign_status,
    curve_step,
    format_status,
    next_batch_size,
)
from skpref.cli import main

from ._helpers import make_pool, save_pool, write_labels


def campaign(tmp_path, n_pairs=400, n_labels=60, n_features=5, seed=3, scale=3.0):
    """A Bradley-Terry pool and the teacher's labels of its first pairs, in file order."""
    ids, X, theta = make_pool(n_pairs=n_pairs, n_features=n_features, seed=seed, scale=scale)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n_pairs)[:n_labels]
    wins = rng.random(n_labels) < 1.0 / (1.0 + np.exp(-X[order] @ theta))
    lines = [f"{ids[i]},{'first' if w else 'second'}" for i, w in zip(order, wins)]
    pool = Pool(ids, X, str(tmp_path / "pool.npz"))
    labels = read_labels(write_labels(tmp_path / "labels.csv", lines), pool)
    return pool, labels, order, wins.astype(int)


def direct(X, rows, y, C, beta):
    """Mean width and decided fraction over X of the model fitted on (X[rows], y)."""
    model = PairwiseLogisticRegression(C=C).fit(X[rows], y)
    widths = model.logit_std(X)
    return widths.mean(), np.mean(np.abs(model.decision_function(X)) > beta * widths)


def test_the_curve_reports_widths_and_decided_pairs_of_the_first_n_labels(tmp_path):
    pool, labels, order, y = campaign(tmp_path)
    status = campaign_status(pool, labels, C=2.0, beta=1.5, batch_size=10)
    assert [row["labels"] for row in status["trend"]] == [20, 30, 40, 50, 60]
    for row in status["trend"]:
        n = row["labels"]
        width, decided = direct(pool.X, order[:n], y[:n], C=2.0, beta=1.5)
        assert row["mean_width"] == pytest.approx(width, rel=1e-10)
        assert row["decided_fraction"] == pytest.approx(decided, abs=0)
        assert row["accuracy"] is not None and row["log_loss"] is not None
    now = status["posterior"]
    assert now["mean_width"] == status["trend"][-1]["mean_width"]
    assert now["decided"] == pool.n_pairs - status["ambiguous"]["pool"]
    # More labels, narrower intervals and more decided pairs (a well-specified pool).
    widths = [row["mean_width"] for row in status["trend"]]
    assert widths == sorted(widths, reverse=True)
    assert status["trend"][-1]["decided_fraction"] > status["trend"][0]["decided_fraction"]


def test_the_plug_in_estimate_is_the_expected_information_of_random_pairs(tmp_path, monkeypatch):
    pool, labels, order, y = campaign(tmp_path, n_labels=30)
    C, b = 1.0, 25
    model = PairwiseLogisticRegression(C=C).fit(pool.X[order], y)
    unlabeled = np.setdiff1d(np.arange(pool.n_pairs), order)
    # H' = I / C + sum_labeled mu' x x^T + b / |U| sum_U mu' x x^T, densely.
    p = 1.0 / (1.0 + np.exp(-pool.X @ model.coef_.ravel()))
    curvature = p * (1.0 - p)
    H = np.eye(pool.n_features) / C + (pool.X[order].T * curvature[order]) @ pool.X[order]
    H += b / unlabeled.size * (pool.X[unlabeled].T * curvature[unlabeled]) @ pool.X[unlabeled]
    expected = np.sqrt(np.einsum("ij,ji->i", pool.X, np.linalg.solve(H, pool.X.T)))
    monkeypatch.setattr(_status, "chunk_rows", lambda n_columns: 7)  # many chunks
    after = after_random_batch(model.posterior_, pool.X, unlabeled, b)
    np.testing.assert_allclose(after.std(pool.X), expected, rtol=1e-10)

    status = campaign_status(pool, labels, C=C, batch_size=b)
    batch = status["next_batch"]
    assert batch["labels"] == b
    assert batch["mean_width_after"] == pytest.approx(expected.mean(), rel=1e-10)
    assert batch["mean_width_after"] < batch["mean_width"] == status["posterior"]["mean_width"]
    decided = np.mean(np.abs(model.decision_function(pool.X)) > expected)
    assert batch["decided_fraction_after"] == pytest.approx(decided, abs=0)


def test_next_batch_from_the_curve_is_its_last_step_scaled(tmp_path):
    pool, labels, _, _ = campaign(tmp_path, n_labels=80)
    status = campaign_status(pool, labels)  # no --batch-size: quarters, b = the last step
    trend, batch = status["trend"], status["next_batch"]
    assert [row["labels"] for row in trend] == [20, 40, 60, 80] and batch["labels"] == 20
    assert batch["accuracy_step"] == pytest.approx(trend[-1]["accuracy"] - trend[-2]["accuracy"])
    assert batch["accuracy_step_stderr"] == pytest.approx(
        np.hypot(trend[-1]["stderr"], trend[-2]["stderr"])
    )
    assert batch["decided_fraction_step"] == pytest.approx(
        trend[-1]["decided_fraction"] - trend[-2]["decided_fraction"]
    )
    assert curve_step(trend, 10)[0] == pytest.approx(batch["accuracy_step"] / 2)
    assert next_batch_size(80, [20, 40, 60, 80], batch_size=7) == 7


def test_the_report_says_what_moves_when_every_interval_still_contains_zero(tmp_path):
    # The case: few labels, beta = 1, every pair ambiguous. The report
    # must still show progress: widths that shrink, and the next batch's effect.
    pool, labels, _, _ = campaign(tmp_path, n_pairs=500, n_labels=12, n_features=50, scale=0.5)
    status = campaign_status(pool, labels, C=1.0, beta=1.0)
    assert status["ambiguous"]["pool"] == pool.n_pairs  # nothing decided yet
    text = format_status(status)
    assert "ambiguous" not in text
    assert f"decided      0 of {pool.n_pairs} pool pairs (0.0%)" in text
    assert "next 12 labels (estimates):" in text and "plug-in Laplace  mean width" in text
    before, after = status["next_batch"]["mean_width"], status["next_batch"]["mean_width_after"]
    assert after < before


def test_no_label_yet_uses_the_prior(tmp_path):
    ids, X, _ = make_pool(n_pairs=50, n_features=3)
    pool = Pool(ids, X, "pool.npz")
    labels = read_labels(write_labels(tmp_path / "labels.csv", []), pool)
    status = campaign_status(pool, labels, C=4.0)
    prior = 2.0 * np.linalg.norm(X, axis=1)  # sqrt(C) ||x||
    assert status["posterior"]["mean_width"] == pytest.approx(prior.mean())
    assert status["trend"] == [] and status["next_batch"]["accuracy_step"] is None
    # 10 random pairs at theta = 0 add (10 / 50) * sum x x^T / 4 to I / 4.
    H = np.eye(3) / 4.0 + 10 / 50 * X.T @ X / 4.0
    expected = np.sqrt(np.einsum("ij,ji->i", X, np.linalg.solve(H, X.T))).mean()
    assert status["next_batch"]["mean_width_after"] == pytest.approx(expected, rel=1e-10)
    assert "none yet: needs the accuracy at two label counts" in format_status(status)


def test_the_pool_is_read_a_bounded_number_of_times(tmp_path, monkeypatch):
    # Fast on a large pool: a fixed number of chunked passes over it.
    pool, labels, _, _ = campaign(tmp_path, n_labels=60)
    from skpref import LaplacePosterior

    from skpref.posterior import BatchConditioner

    passes, folded = [], []
    original = LaplacePosterior.mean_and_std
    original_add_rows = BatchConditioner.add_rows

    def counted(self, X, **kwargs):
        passes.append(X.shape[0])
        return original(self, X, **kwargs)

    def counted_add_rows(self, X, sample_weight=None):
        folded.append(X.shape[0])
        return original_add_rows(self, X, sample_weight)

    monkeypatch.setattr(LaplacePosterior, "mean_and_std", counted)
    monkeypatch.setattr(BatchConditioner, "add_rows", counted_add_rows)
    status = campaign_status(pool, labels, batch_size=10)
    assert len(status["trend"]) == 5
    # The curve's points (the last one is "now") and the widths after the batch; the
    # unlabeled pairs are folded into H once (their curvature, in one chunk here).
    assert passes == [pool.n_pairs] * len(status["trend"]) + [pool.n_pairs]
    assert folded == [pool.n_pairs - 60]


def test_json_has_every_figure_of_the_table(tmp_path, capsys):
    pool, labels, _, _ = campaign(tmp_path, n_labels=40)
    path = save_pool(tmp_path / "pool.npz", pool.ids, pool.X)
    code = main(["status", "--pool", path, "--labels", labels.path, "--json",
                 "--batch-size", "10"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(report["next_batch"]) >= {
        "labels", "accuracy_step", "accuracy_step_stderr", "decided_fraction_step",
        "mean_width_step", "mean_width", "mean_width_after", "decided_fraction",
        "decided_fraction_after", "basis",
    }
    assert set(report["trend"][0]) == {
        "labels", "accuracy", "stderr", "log_loss", "log_loss_stderr", "mean_width",
        "decided_fraction",
    }
    assert report["posterior"]["decided"] + report["ambiguous"]["pool"] == pool.n_pairs


def test_one_of_each_is_singular(tmp_path, capsys):
    ids, X, _ = make_pool(n_pairs=2, n_features=1)
    path = save_pool(tmp_path / "pool.npz", ids, X)
    labels = write_labels(tmp_path / "labels.csv", [f"{ids[0]},first"])
    assert main(["status", "--pool", path, "--labels", labels]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"pool         {path}: 2 pairs, 1 feature"
    assert lines[1] == f"labels       {labels}: 1 labeled pair"
    assert lines[3] == "unlabeled    1 pair"


def test_one_decisive_answer_has_no_standard_error(tmp_path):
    """Nine ties and one decisive answer: the accuracy of one pair has no spread to estimate.

    It used to be reported as ``+- 0.000``; the standard error of a single value is
    undefined (``skpref._stats.standard_error`` is NaN), so the status says None / "-".
    """
    ids, X, _ = make_pool(n_pairs=50, n_features=3)
    pool = Pool(ids, X, "pool.npz")
    answers = [f"{ids[i]},tie" for i in range(9)] + [f"{ids[9]},first"]
    labels = read_labels(write_labels(tmp_path / "labels.csv", answers), pool)
    status = campaign_status(pool, labels, C=1.0)
    cv = status["cv"]
    assert cv["accuracy"] is not None and cv["stderr"] is None
    assert cv["log_loss_stderr"] is not None  # ten fitted answers: the log-loss has a spread
    assert "+- - (standard error" in format_status(status)
    assert json.loads(format_status(status, as_json=True))["cv"]["stderr"] is None
