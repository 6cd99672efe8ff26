"""PhasedElimination (Algorithm 1): correctness, reproducibility, label counts, validation.

The oracle here draws every label (no shortcut through binomial counts), so
these tests also cover the label-array path of ``run``.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils._param_validation import InvalidParameterError

from skpref.benchmark import BernoulliOracle, make_gap_instance, make_rare_tie_instance
from skpref.design import EliminationResult, PhasedElimination
from skpref.design._elimination import round_to_counts


def bernoulli_oracle(X, theta, seed):
    """Every label drawn: n independent Bernoulli(sigma(x_i^T theta)) as 0/1 integers."""
    rng = np.random.default_rng(seed)
    probability = 1.0 / (1.0 + np.exp(-X @ theta))

    def oracle(i, n):
        return (rng.random(n) < probability[i]).astype(int)

    return oracle


def easy_instance(seed, n_features=3, n_arms=8):
    return make_gap_instance(n_features, n_arms, min_gap=0.5, max_gap=2.0, random_state=seed)


@pytest.mark.parametrize("design", ["gap", "g-optimal", "uniform"])
@pytest.mark.parametrize("seed", range(4))
def test_signs_are_correct_on_easy_instances(design, seed):
    X, theta = easy_instance(seed)
    result = PhasedElimination(delta=0.01, design=design).run(
        X, bernoulli_oracle(X, theta, seed), random_state=seed
    )
    assert isinstance(result, EliminationResult)
    assert result.converged
    np.testing.assert_array_equal(result.signs, np.sign(X @ theta))


@pytest.mark.parametrize("design", ["gap", "g-optimal", "uniform"])
def test_runs_are_reproducible_under_a_seed(design):
    X, theta = easy_instance(7, n_arms=10)
    runs = [
        PhasedElimination(design=design).run(X, bernoulli_oracle(X, theta, 3), random_state=3)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].signs, runs[1].signs)
    np.testing.assert_array_equal(runs[0].labels_per_arm, runs[1].labels_per_arm)
    np.testing.assert_array_equal(runs[0].labels_per_phase, runs[1].labels_per_phase)
    for a, b in zip(runs[0].phases, runs[1].phases):
        np.testing.assert_array_equal(a.theta, b.theta)
    other = PhasedElimination(design=design).run(X, bernoulli_oracle(X, theta, 4), random_state=4)
    assert not np.array_equal(other.labels_per_arm, runs[0].labels_per_arm)


def test_label_count_decreases_as_gaps_grow():
    """The same arms with every gap scaled up (theta* scaled): fewer labels, on average."""
    X, theta = make_gap_instance(3, 10, min_gap=0.1, max_gap=1.0, random_state=0)
    means = []
    for scale in [0.5, 1.0, 2.0]:
        labels = [
            PhasedElimination(delta=0.05)
            .run(X, BernoulliOracle(X, scale * theta, seed), seed)
            .n_labels
            for seed in range(4)
        ]
        means.append(np.mean(labels))
    assert means[0] > 1.5 * means[1] > 1.5 * 1.5 * means[2], means


def test_bookkeeping_follows_the_phase_rule():
    """n_l = ceil(budget_factor beta_l^2 f(lambda_l)), counts add up, decisions are logged."""
    X, theta = make_gap_instance(4, 12, random_state=1)
    algorithm = PhasedElimination(delta=0.1, budget_factor=2.5, burn_in=7)
    result = algorithm.run(X, BernoulliOracle(X, theta, 0), random_state=0)
    assert result.n_labels == result.labels_per_arm.sum() == result.labels_per_phase.sum()
    burn_in = result.phases[0]
    assert burn_in.index == 0 and burn_in.n_labels == 7 * 4
    active = X.shape[0]
    for index, phase in enumerate(result.phases[1:], start=1):
        assert phase.index == index
        assert phase.eps == 2.0**-index
        assert phase.beta == pytest.approx(math.sqrt(2 * math.log(4 * index**2 * 12 / 0.1)))
        assert phase.n_labels == math.ceil(2.5 * phase.beta**2 * phase.design_value)
        assert phase.n_active == active
        active -= phase.decided.size
        np.testing.assert_array_equal(result.decision_phase[phase.decided], index)
    assert active == 0
    assert np.all(result.decision_phase >= 1)


@pytest.mark.parametrize("tail", ["sub-gaussian", "gaussian"])
def test_confidence_radius_spends_delta_over_2_l2_n_per_arm(tail):
    """Each arm's two-sided tail at beta_l is delta / (2 l^2 n) (normal) or bounded by it."""
    from scipy.stats import norm

    algorithm = PhasedElimination(delta=0.05, tail=tail)
    for phase, n in [(1, 1), (3, 20), (10, 100)]:
        beta = algorithm.confidence_radius(phase, n)
        share = 0.05 / (2 * phase**2 * n)
        if tail == "gaussian":
            np.testing.assert_allclose(2 * norm.sf(beta), share, rtol=1e-9)
        else:
            np.testing.assert_allclose(2 * np.exp(-(beta**2) / 2), share, rtol=1e-12)
            assert 2 * norm.sf(beta) < share
    assert PhasedElimination(tail="gaussian").confidence_radius(2, 50) < (
        PhasedElimination().confidence_radius(2, 50)
    )


def test_union_over_undecided_arms_uses_the_phase_count():
    X, theta = make_gap_instance(3, 15, random_state=4)
    result = PhasedElimination(delta=0.1, union_over="undecided").run(
        X, BernoulliOracle(X, theta, 0), random_state=0
    )
    assert result.converged
    np.testing.assert_array_equal(result.signs, np.sign(X @ theta))
    for phase in result.phases[1:]:
        expected = math.sqrt(2 * math.log(4 * phase.index**2 * phase.n_active / 0.1))
        assert phase.beta == pytest.approx(expected)


def test_gap_design_saves_labels_where_g_optimality_wastes_them():
    """A near-tie along a direction one arm explores: g-optimal and uniform need more labels."""
    X, theta = make_rare_tie_instance(6, 15, tie_gap=0.1, random_state=0)
    labels = {
        design: np.mean(
            [
                PhasedElimination(design=design).run(X, BernoulliOracle(X, theta, s), s).n_labels
                for s in range(3)
            ]
        )
        for design in ["gap", "g-optimal", "uniform"]
    }
    assert labels["g-optimal"] > 2 * labels["gap"], labels
    assert labels["uniform"] > 2 * labels["gap"], labels


def test_arms_that_do_not_span_are_handled_in_their_span():
    """Arms in a plane of R^3: every sign found, theta_hat lives in the plane."""
    X2, theta2 = easy_instance(2, n_features=2)
    X = np.c_[X2, np.zeros(len(X2))]
    theta = np.r_[theta2, 5.0]
    result = PhasedElimination().run(X, bernoulli_oracle(X, theta, 1), random_state=1)
    np.testing.assert_array_equal(result.signs, np.sign(X @ theta))
    assert all(abs(phase.theta[2]) < 1e-12 for phase in result.phases)


def test_separated_burn_in_is_harmless():
    """Huge gaps: every burn-in label of an arm agrees (separable), the run still ends right."""
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    theta = np.array([12.0, -9.0])
    result = PhasedElimination().run(X, bernoulli_oracle(X, theta, 0), random_state=0)
    assert result.converged
    np.testing.assert_array_equal(result.signs, np.sign(X @ theta))


def test_caps_warn_and_leave_undecided_arms_at_zero():
    X, theta = make_gap_instance(2, 6, min_gap=0.05, random_state=0)
    with pytest.warns(RuntimeWarning, match="max_labels"):
        result = PhasedElimination(max_labels=2000).run(X, BernoulliOracle(X, theta, 0), 0)
    assert not result.converged and result.n_labels <= 2000
    assert np.all(result.signs[result.decision_phase < 0] == 0)
    assert np.any(result.signs == 0)
    with pytest.warns(RuntimeWarning, match="max_phases"):
        result = PhasedElimination(max_phases=1).run(X, BernoulliOracle(X, theta, 0), 0)
    assert not result.converged and len(result.phases) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"delta": 0.0},
        {"delta": 1.0},
        {"design": "d-optimal"},
        {"budget_factor": 0.0},
        {"union_over": "pairs"},
        {"tail": "student"},
        {"burn_in": -1},
        {"C": 0.0},
        {"max_phases": 0},
        {"max_labels": 0},
        {"design_max_iter": 0},
    ],
)
def test_parameter_validation(params):
    X, theta = easy_instance(0)
    with pytest.raises(InvalidParameterError):
        PhasedElimination(**params).run(X, BernoulliOracle(X, theta, 0))


def test_input_validation():
    X, theta = easy_instance(0)
    algorithm = PhasedElimination()
    with pytest.raises(TypeError, match="callable"):
        algorithm.run(X, None)
    with pytest.raises(ValueError, match="zero vector"):
        algorithm.run(np.r_[X, np.zeros((1, 3))], BernoulliOracle(X, theta, 0))
    with pytest.raises(ValueError, match="2-D"):
        algorithm.run(X[0], BernoulliOracle(X, theta, 0))
    with pytest.raises(ValueError, match="must return"):
        algorithm.run(X, lambda i, n: np.ones(n + 1))
    with pytest.raises(ValueError, match="other than 0 and 1"):
        algorithm.run(X, lambda i, n: np.full(n, 2))


@given(
    weights=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30).filter(lambda w: sum(w) > 0),
    n=st.integers(0, 10_000),
    seed=st.integers(0, 100),
)
def test_round_to_counts_sums_to_n_within_one_of_the_design(weights, n, seed):
    weights = np.array(weights) / np.sum(weights)
    counts = round_to_counts(weights, n, seed)
    assert counts.sum() == n and np.all(counts >= 0)
    assert np.all(np.abs(counts - n * weights) < 1 + 1e-9)


@given(seed=st.integers(0, 2**31 - 1), design=st.sampled_from(["gap", "g-optimal", "uniform"]))
@settings(max_examples=15)
def test_random_instances_end_with_every_arm_decided(seed, design):
    """Random instances with moderate gaps: every arm decided, labels accounted for."""
    rng = np.random.default_rng(seed)
    n_features = int(rng.integers(1, 5))
    X, theta = make_gap_instance(
        n_features, int(rng.integers(2, 12)), min_gap=0.3, max_gap=2.0, random_state=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = PhasedElimination(design=design).run(X, BernoulliOracle(X, theta, seed), seed)
    assert result.converged and np.all(np.abs(result.signs) == 1)
    assert result.n_labels == result.labels_per_arm.sum()
    assert np.all(result.decision_phase >= 1)
