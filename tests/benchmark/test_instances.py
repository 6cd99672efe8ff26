"""The label-complexity study's instances and their Bernoulli oracle."""

import numpy as np

from skpref.benchmark import (
    BernoulliOracle,
    default_instances,
    make_gap_instance,
    make_rare_tie_instance,
)


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


def test_quick_instances_are_the_four_of_20_arms():
    quick = default_instances(quick=True)
    assert [name for name, _, _ in quick] == [
        "gaps-d2-K20", "gaps-d5-K20", "easy-d2-K20", "rare-tie-d5-K20",
    ]
    assert all(X.shape[0] == 20 for _, X, _ in quick)


def test_gap_instance_noise_is_orthogonal_to_theta():
    X, theta = make_gap_instance(5, 50, min_gap=0.1, max_gap=1.0, random_state=3)
    np.testing.assert_allclose(np.linalg.norm(theta), 1.0)
    gaps = X @ theta
    # what is left after the gap is orthogonal to theta*
    np.testing.assert_allclose((X - np.outer(gaps, theta)) @ theta, 0.0, atol=1e-12)
    np.testing.assert_allclose(np.abs(gaps[[0, 1]]), [0.1, 1.0])
    assert np.all((np.abs(gaps) >= 0.1 - 1e-12) & (np.abs(gaps) <= 1.0 + 1e-12))


def test_rare_tie_is_explored_by_one_arm_only():
    X, theta = make_rare_tie_instance(4, 9, tie_gap=0.05, random_state=0)
    np.testing.assert_array_equal(X[:, 0], np.r_[1.0, np.zeros(8)])
    assert theta[0] == 0.05
    np.testing.assert_allclose(np.linalg.norm(theta[1:]), 1.0)
    assert np.all(np.abs(X[1:] @ theta) >= 0.5 - 1e-12)


def test_bernoulli_oracle_counts_have_the_binomial_law():
    X = np.array([[1.0]])
    oracle = BernoulliOracle(X, [0.4], random_state=0)
    ones = np.array([oracle(0, 50).sum() for _ in range(4000)])
    p = 1 / (1 + np.exp(-0.4))
    assert abs(ones.mean() - 50 * p) < 4 * np.sqrt(50 * p * (1 - p) / 4000)
    assert abs(ones.var() / (50 * p * (1 - p)) - 1) < 0.1


def test_bernoulli_oracle_is_seeded_and_puts_the_ones_first():
    X, theta = make_gap_instance(2, 4, random_state=0)
    first = [BernoulliOracle(X, theta, random_state=7)(i, 30) for i in range(4)]
    again = [BernoulliOracle(X, theta, random_state=7)(i, 30) for i in range(4)]
    for labels, same in zip(first, again):
        np.testing.assert_array_equal(labels, same)
        assert labels.dtype == bool and labels.shape == (30,)
        k = int(labels.sum())
        assert labels[:k].all() and not labels[k:].any()
