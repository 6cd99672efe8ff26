"""The pool benchmark's summary: paired differences to random, labels saved, the verdict."""

import numpy as np
import pytest

from skpref.benchmark import (
    format_summary,
    labels_to_reach,
    paired_difference_curve,
    summarize,
)


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
