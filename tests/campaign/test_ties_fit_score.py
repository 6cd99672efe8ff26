"""Ties and skips through select, status and fit; fit + score; texts in batches; load_campaign."""

import csv
import io
import json

import joblib
import numpy as np
import pytest

from skpref import PairwiseLogisticRegression
from skpref.campaign import CampaignError, load_campaign, read_labels, read_pool, select_batch
from skpref.cli import main
from skpref.embed._npz import write_npz

from ._helpers import digest, make_pool, write_labels


def save_text_pool(path, n_pairs=60, seed=0):
    """A pool with item features, texts and provenance, as skpref embed writes one."""
    ids, X, theta = make_pool(n_pairs=n_pairs, n_features=4, seed=seed)
    rng = np.random.default_rng(seed)
    second = rng.normal(size=X.shape).astype(np.float32)
    first = (second + X).astype(np.float32)
    strings = [f"prompt {i}" for i in range(n_pairs)] + [f"first, \"{i}\"\nline" for i in
                                                         range(n_pairs)] + [f"second {i}" for i in
                                                                            range(n_pairs)]
    data = [s.encode() for s in strings]
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in data])])
    provenance = {"kind": "pairs", "embedding": {"model": "m", "weights_sha256": "a" * 64},
                  "text_format": {"template": "{prompt}\n\nAssistant: {response}"}}
    write_npz(path, {
        "ids": ids, "X_first": first, "X_second": second,
        "texts": np.frombuffer(b"".join(data), dtype=np.uint8), "text_offsets": offsets,
        "prompt_index": np.arange(n_pairs), "first_index": np.arange(n_pairs) + n_pairs,
        "second_index": np.arange(n_pairs) + 2 * n_pairs,
        "provenance": np.array(json.dumps(provenance)),
    })
    return ids, first.astype(np.float64) - second, theta


@pytest.fixture
def campaign(tmp_path):
    pool = str(tmp_path / "pool.npz")
    ids, X, theta = save_text_pool(pool)
    lines = [f"{ids[i]},{'first' if X[i] @ theta > 0 else 'second'}" for i in range(20)]
    lines += [f"{ids[20]},tie", f"{ids[21]},TIE", f"{ids[22]},skip", f"{ids[23]},skip"]
    labels = write_labels(tmp_path / "labels.csv", lines)
    return pool, labels, ids, X


def test_ties_are_half_a_preference_each_way(campaign):
    pool_path, labels_path, ids, X = campaign
    found = load_campaign(pool_path, labels_path)
    assert found.labels.counts() == {"first": sum(X[:20] @ make_pool(60, 4, 0)[2] > 0),
                                     "second": 20 - sum(X[:20] @ make_pool(60, 4, 0)[2] > 0),
                                     "tie": 2, "skip": 2}
    X_train, y, weight = found.training_set()
    decisive = (found.labels.answers != "tie")
    expected_y = np.where(found.labels.answers[decisive] == "first", 1, 0)
    assert y.tolist() == expected_y.tolist() + [1, 1, 0, 0]
    assert weight.tolist() == [1.0] * 20 + [0.5] * 4
    # the soft label 1/2: the same fit as LogisticRegression's objective with y = 1/2 rows
    model = PairwiseLogisticRegression(C=1.0).fit(X_train, y, sample_weight=weight)
    ties = X[[20, 21]]
    soft = PairwiseLogisticRegression(C=1.0).fit(
        np.vstack([X[:20][decisive[:20]], ties, -ties]), np.concatenate([expected_y, [1, 1, 1, 1]]),
        sample_weight=np.concatenate([np.ones(20), np.full(4, 0.5)]),
    )  # a tie as the mirrored rows (x, 1) and (-x, 1) at half weight: the same objective
    np.testing.assert_allclose(model.coef_, soft.coef_, rtol=1e-7, atol=1e-10)


def test_skips_and_ties_are_never_proposed_again(campaign):
    pool_path, labels_path, ids, X = campaign
    pool = read_pool(pool_path)
    labels = read_labels(labels_path, pool)
    batch = select_batch(pool, labels, 60, seed=0)
    assert len(batch) == 60 - 24 == batch.n_unlabeled
    assert not set(batch.pair_ids) & set(ids[:24])


def test_status_counts_ties_and_skips(campaign, capsys):
    pool_path, labels_path, ids, X = campaign
    assert main(["status", "--pool", pool_path, "--labels", labels_path, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["labels"]["tie"] == 2 and status["labels"]["skip"] == 2
    assert status["labels"]["fitted"] == 22 and status["labels"]["unique"] == 24
    assert status["unlabeled"] == 36
    assert status["cv"]["labels"] == 22 and status["cv"]["log_loss"] > 0
    assert main(["status", "--pool", pool_path, "--labels", labels_path]) == 0
    text = capsys.readouterr().out
    assert "tie 2 (9.1%) (half a preference each way)" in text
    assert "skipped      2 pairs (recorded; never fitted, never proposed again)" in text


def test_a_skip_gives_way_to_an_answer_with_a_note(tmp_path):
    pool = str(tmp_path / "pool.npz")
    ids, X, _ = save_text_pool(pool, n_pairs=5)
    labels = write_labels(tmp_path / "l.csv", [f"{ids[0]},skip", f"{ids[0]},first",
                                               f"{ids[1]},first", f"{ids[1]},tie"])
    with pytest.raises(CampaignError, match="labeled both first .line 4. and tie .line 5."):
        read_labels(labels, read_pool(pool))
    labels = write_labels(tmp_path / "l.csv", [f"{ids[0]},skip", f"{ids[0]},first"])
    found = read_labels(labels, read_pool(pool))
    assert found.pair_ids == [ids[0]] and found.skipped_ids == []
    assert found.notes() == [f"{labels}: 1 skip of pairs that were also answered; the answer "
                             "counts: line 2 (answered on line 3)."]


def test_select_writes_the_texts_beside_pair_id(campaign, tmp_path, capsys):
    pool_path, labels_path, ids, X = campaign
    out = str(tmp_path / "next.csv")
    assert main(["select", "--pool", pool_path, "--labels", labels_path, "--batch-size", "3",
                 "--out", out]) == 0
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:4] == ["pair_id", "prompt", "first", "second"]
    for row in rows:
        k = int(row["pair_id"].split("-")[1])
        assert (row["prompt"], row["first"], row["second"]) == (
            f"prompt {k}", f"first, \"{k}\"\nline", f"second {k}")
    assert main(["select", "--pool", pool_path, "--labels", labels_path, "--batch-size", "3",
                 "--no-texts", "--out", out]) == 0
    assert open(out).readline() == "pair_id,rank,utility,probability,lower,upper\n"
    plain = str(tmp_path / "plain.npz")
    np.savez(plain, ids=ids, X=X)
    capsys.readouterr()
    assert main(["select", "--pool", plain, "--labels", labels_path, "--batch-size", "3",
                 "--texts", "--out", out]) == 1
    assert "carries no texts" in capsys.readouterr().err


def test_fit_then_score_round_trip(campaign, tmp_path, capsys):
    pool_path, labels_path, ids, X = campaign
    model_path = str(tmp_path / "reward.joblib")
    args = ["fit", "--pool", pool_path, "--labels", labels_path, "--out", model_path, "--C", "2"]
    assert main(args) == 0
    card = json.load(open(tmp_path / "reward.json"))
    model = joblib.load(model_path)
    assert card["model"]["coef"] == model.coef_.ravel().tolist() and card["model"]["C"] == 2.0
    assert card["labels"]["fitted"] == 22 and card["labels"]["skip"] == 2
    assert card["embedding"]["weights_sha256"] == "a" * 64
    assert card["pool"]["provenance"]["kind"] == "pairs"
    cv = card["cv"]
    assert cv["available"] and len(cv["fold_accuracy"]) == 5 and 0 <= cv["accuracy"] <= 1
    assert cv["accuracy_stderr"] > 0 and cv["log_loss"] > 0 and cv["log_loss_stderr"] > 0
    before = digest(model_path), digest(tmp_path / "reward.json")
    assert main(args) == 0  # the same inputs give the same bytes
    assert (digest(model_path), digest(tmp_path / "reward.json")) == before

    scores = str(tmp_path / "scores.csv")
    assert main(["score", "--model", model_path, "--pool", pool_path, "--out", scores]) == 0
    rows = list(csv.DictReader(open(scores, newline="")))
    assert [row["pair_id"] for row in rows] == ids.tolist()
    pool = read_pool(pool_path)
    logits = model.decision_function(pool.X)
    probability = np.array([float(row["probability"]) for row in rows])
    np.testing.assert_allclose(probability, 1 / (1 + np.exp(-logits)), rtol=1e-5)
    lower = np.array([float(row["lower"]) for row in rows])
    upper = np.array([float(row["upper"]) for row in rows])
    assert np.all(lower <= probability) and np.all(probability <= upper)
    rewards = np.array([[float(row["reward_first"]), float(row["reward_second"])]
                        for row in rows])
    np.testing.assert_allclose(rewards[:, 0] - rewards[:, 1], logits, rtol=1e-4, atol=1e-5)


def test_score_refuses_another_embedding(campaign, tmp_path, capsys):
    pool_path, labels_path, ids, X = campaign
    model_path = str(tmp_path / "reward.joblib")
    assert main(["fit", "--pool", pool_path, "--labels", labels_path, "--out", model_path]) == 0
    other = str(tmp_path / "other.npz")
    save_text_pool(other)
    with np.load(other) as archive:
        arrays = {name: archive[name] for name in archive.files}
    provenance = json.loads(str(arrays["provenance"]))
    provenance["embedding"]["weights_sha256"] = "b" * 64
    arrays["provenance"] = np.array(json.dumps(provenance))
    write_npz(other, arrays)
    capsys.readouterr()
    assert main(["score", "--model", model_path, "--pool", other, "--out", "-"]) == 1
    assert "their rows are not comparable" in capsys.readouterr().err


def test_fit_needs_an_answer(tmp_path, capsys):
    pool = str(tmp_path / "pool.npz")
    ids, X, _ = save_text_pool(pool, n_pairs=5)
    labels = write_labels(tmp_path / "l.csv", [f"{ids[0]},skip"])
    assert main(["fit", "--pool", pool, "--labels", labels, "--out",
                 str(tmp_path / "m.joblib")]) == 1
    assert "no answer to fit" in capsys.readouterr().err
    assert not (tmp_path / "m.joblib").exists()


def test_fit_with_one_decisive_answer_reports_no_standard_error(tmp_path, capsys):
    """Nine ties and one decisive answer: the card and the summary have no accuracy spread."""
    pool = str(tmp_path / "pool.npz")
    ids, X, _ = save_text_pool(pool, n_pairs=20)
    answers = [f"{pair_id},tie" for pair_id in ids[:9]] + [f"{ids[9]},first"]
    labels = write_labels(tmp_path / "l.csv", answers)
    model = tmp_path / "m.joblib"
    assert main(["fit", "--pool", pool, "--labels", labels, "--out", str(model)]) == 0
    assert "+- -, log-loss" in capsys.readouterr().err
    card = json.loads(model.with_suffix(".json").read_text())
    assert card["cv"]["accuracy_stderr"] is None


def test_score_single_responses(tmp_path, capsys):
    from skpref.campaign._model_files import score_responses
    from skpref.campaign._pool import ResponsePool

    model = PairwiseLogisticRegression().fit(np.array([[1.0, 0.0], [-1.0, 0.5]]),
                                             np.array([1, 0]))
    pool = ResponsePool(np.array(["r1", "r2"]), np.array([[2.0, 0.0], [0.0, 1.0]]), "r.npz")
    rows = list(csv.DictReader(io.StringIO(score_responses(model, pool, beta=1.0))))
    reward = np.array([float(row["reward"]) for row in rows])
    np.testing.assert_allclose(reward, pool.X @ model.coef_[0], rtol=1e-5)
    assert all(float(r["lower"]) <= float(r["reward"]) <= float(r["upper"]) for r in rows)
