"""oracle_allocation: rho* and its design, checked against dense numpy and scipy.

Every reference here is computed densely (``numpy.linalg``) from the definition

    rho* = min_lambda max_i x_i^T H(lambda)^{-1} x_i / (x_i^T theta)^2,
    H(lambda) = sum_j lambda_j mu'(x_j^T theta) x_j x_j^T.
"""

import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog, minimize
from scipy.stats import ortho_group
from sklearn.utils._param_validation import InvalidParameterError

from skpref.design import oracle_allocation
from skpref.design._oracle import oracle_design

from _dense import information, logistic_variance


def dense_g(X, theta, weights):
    """g_i(lambda) and the cross matrix x_i^T H^{-1} x_j, densely."""
    margins = X @ theta
    H = information(X, weights * logistic_variance(margins), 0.0)
    cross = X @ np.linalg.solve(H, X.T)
    return np.diag(cross) / margins**2, cross


def random_instance(seed, n_features=2, n_arms=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_arms, n_features))
    theta = rng.normal(size=n_features)
    # keep every gap away from zero so rho* stays moderate
    margins = X @ theta
    X[np.abs(margins) < 0.1] *= 0.1 / np.abs(margins[np.abs(margins) < 0.1])[:, None] + 1.0
    return X, theta


def equivalence_gap(X, theta, weights, rho, active_rtol=1e-3):
    """min over pi on the near-active arms of max_j G_j(pi), relative to rho, minus 1.

    Equivalence theorem: lambda is optimal iff some pi on the arms attaining
    the maximum has G_j(pi) = c_j sum_i pi_i (x_j^T H^{-1} x_i)^2 / (x_i^T theta)^2 <= rho
    for every arm j. Solved here as an LP (scipy HiGHS), independent of the package.
    """
    g, cross = dense_g(X, theta, weights)
    margins = X @ theta
    active = np.flatnonzero(g >= rho * (1 - active_rtol))
    gains = logistic_variance(margins)[:, None] * cross[:, active] ** 2 / margins[active] ** 2
    n = active.size
    result = linprog(
        np.r_[np.zeros(n), 1.0],
        A_ub=np.c_[gains / rho, -np.ones(X.shape[0])],
        b_ub=np.zeros(X.shape[0]),
        A_eq=np.r_[np.ones(n), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * n + [(None, None)],
        method="highs",
    )
    assert result.success
    pi = result.x[:n]
    return result.fun - 1.0, gains @ pi


def slsqp_rho(X, theta, n_starts=5, seed=0):
    """An independent minimax value: SLSQP on the epigraph form, several starts."""
    K = X.shape[0]
    rng = np.random.default_rng(seed)
    best = np.inf
    for start in range(n_starts):
        w0 = np.full(K, 1.0 / K) if start == 0 else rng.dirichlet(np.ones(K))
        scale = dense_g(X, theta, w0)[0].max()

        def constraint(v):
            try:
                return v[K] - dense_g(X, theta, np.maximum(v[:K], 1e-12))[0] / scale
            except np.linalg.LinAlgError:
                return -np.ones(K)

        result = minimize(
            lambda v: v[K],
            np.r_[w0, 1.0],
            method="SLSQP",
            bounds=[(0, 1)] * K + [(0, None)],
            constraints=[
                {"type": "ineq", "fun": constraint},
                {"type": "eq", "fun": lambda v: v[:K].sum() - 1.0},
            ],
            options={"ftol": 1e-12, "maxiter": 1000},
        )
        w = np.maximum(result.x[:K], 0)
        w /= w.sum()
        best = min(best, dense_g(X, theta, w)[0].max())
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("shape", [(2, 4), (3, 6), (2, 8)])
def test_equivalence_theorem_holds_on_small_instances(seed, shape):
    """Some pi on the maximising arms certifies the design: max_j G_j(pi) <= rho (1 + 1e-3)."""
    X, theta = random_instance(seed, *shape)
    weights, rho = oracle_allocation(X, theta, tol=1e-4)
    assert np.all(weights >= 0)
    np.testing.assert_allclose(weights.sum(), 1.0, rtol=1e-12)
    g, _ = dense_g(X, theta, weights)
    np.testing.assert_allclose(rho, g.max(), rtol=1e-9)
    excess, gains = equivalence_gap(X, theta, weights, rho)
    assert excess <= 1e-3, excess
    # complementary slackness: the arms the design uses have G_j close to rho
    used = weights > 0.05
    assert np.all(gains[used] >= rho * (1 - 1e-3 / weights[used] - 1e-3))


@pytest.mark.parametrize("seed", range(4))
def test_matches_an_independent_slsqp_solution(seed):
    """rho agrees with SLSQP on the epigraph form (tiny instances), within tol either way."""
    X, theta = random_instance(seed, 2, 4)
    _, rho = oracle_allocation(X, theta, tol=1e-4)
    reference = slsqp_rho(X, theta, seed=seed)
    assert rho <= reference * (1 + 1e-4)
    assert rho >= reference * (1 - 1e-3)


@pytest.mark.parametrize("seed", range(4))
def test_no_random_design_beats_the_certified_value(seed):
    """The certificate: no design does better than rho (1 - tol)."""
    X, theta = random_instance(seed, 3, 7)
    result = oracle_design(X, theta, tol=1e-3)
    assert result.converged
    assert result.lower_bound <= result.rho <= result.lower_bound * (1 + 1.01e-3)
    rng = np.random.default_rng(seed)
    for weights in rng.dirichlet(np.full(7, 0.5), size=300):
        assert dense_g(X, theta, weights)[0].max() >= result.lower_bound * (1 - 1e-12)


@given(
    x=st.lists(st.floats(0.05, 5.0), min_size=1, max_size=6),
    signs=st.lists(st.sampled_from([-1.0, 1.0]), min_size=6, max_size=6),
    theta=st.floats(0.1, 3.0),
)
@settings(max_examples=30)
def test_one_dimension_has_a_closed_form(x, signs, theta):
    """d = 1: g_i = 1 / (theta^2 sum_j lambda_j mu'_j x_j^2): all mass on the best arm."""
    X = (np.array(x) * np.array(signs[: len(x)]))[:, None]
    weights, rho = oracle_allocation(X, [theta])
    arm_information = logistic_variance(X[:, 0] * theta) * X[:, 0] ** 2
    expected = 1.0 / (theta**2 * arm_information.max())
    np.testing.assert_allclose(rho, expected, rtol=1e-3)
    np.testing.assert_allclose(weights @ arm_information, arm_information.max(), rtol=1e-3)


@given(seed=st.integers(0, 2**31 - 1))
@example(seed=2227)  # rho 354.9 against 319.4, "certified only to within 59.6"
@settings(max_examples=15)
def test_invariant_to_rotations_sign_flips_and_permutations(seed):
    """rho* depends on the instance, not on its coordinates, arm order or orientation."""
    X, theta = random_instance(seed % 10_000, 3, 6)
    rng = np.random.default_rng(seed)
    _, rho = oracle_allocation(X, theta)
    Q = ortho_group.rvs(3, random_state=seed % 10_000)
    flips = rng.choice([-1.0, 1.0], size=6)[:, None]
    order = rng.permutation(6)
    weights, moved = oracle_allocation((flips * X @ Q)[order], Q.T @ theta)
    np.testing.assert_allclose(moved, rho, rtol=3e-3)


ROTATED_2227 = 2227  # the seed of the invariance test that found the stalled solve


def rotated_copy(seed):
    """The rotated, flipped and permuted copy of instance ``seed % 10_000`` (as above)."""
    X, theta = random_instance(seed % 10_000, 3, 6)
    rng = np.random.default_rng(seed)
    Q = ortho_group.rvs(3, random_state=seed % 10_000)
    flips = rng.choice([-1.0, 1.0], size=6)[:, None]
    order = rng.permutation(6)
    return (flips * X @ Q)[order], Q.T @ theta


def test_the_reported_rotated_instance_reaches_its_certificate():
    """Once: the multiplicative start stopped 11% above rho* (it minimises a softened
    maximum) and SLSQP, started there, failed ("positive directional derivative"), so the
    design was returned uncertified with a warning."""
    X, theta = rotated_copy(ROTATED_2227)
    reference = oracle_design(*random_instance(2227, 3, 6), tol=1e-6)
    assert reference.converged
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        weights, rho = oracle_allocation(X, theta)
    result = oracle_design(X, theta)
    assert result.converged and result.rho - result.lower_bound <= 1e-3 * result.rho
    np.testing.assert_allclose(rho, reference.rho, rtol=1e-3)
    # an independent check of the value: the dense equivalence theorem at the design
    excess, _ = equivalence_gap(X, theta, weights, rho)
    assert excess <= 1e-3, excess


@given(seed=st.integers(0, 2**31 - 1), n_arms=st.integers(3, 9), n_features=st.integers(1, 4))
@settings(max_examples=15)
def test_every_solve_reaches_its_certificate(seed, n_arms, n_features):
    """The certificate is met (no warning) on random instances, where the solve must work."""
    X, theta = random_instance(seed % 100_000, n_features, n_arms)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, rho = oracle_allocation(X, theta)
    assert np.isfinite(rho) and rho > 0


def test_arms_that_do_not_span_are_solved_in_their_span():
    """Arms in a plane of R^3 give the rho* of the 2-D problem in that plane."""
    X2, theta2 = random_instance(3, 2, 5)
    Q = ortho_group.rvs(3, random_state=0)
    X3 = np.c_[X2, np.zeros(5)] @ Q
    theta3 = Q.T @ np.r_[theta2, 7.0]  # the component off the plane is never observed
    _, rho2 = oracle_allocation(X2, theta2)
    weights, rho3 = oracle_allocation(X3, theta3)
    np.testing.assert_allclose(rho3, rho2, rtol=2e-3)
    assert np.isfinite(rho3)


def test_a_tie_has_infinite_rho_and_raises():
    X = np.array([[1.0, 0.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="infinite"):
        oracle_allocation(X, [0.0, 1.0])


def test_validation():
    with pytest.raises(InvalidParameterError):
        oracle_allocation(np.eye(2), [1.0, 1.0], tol=0.0)
    with pytest.raises(ValueError, match="one column per coordinate"):
        oracle_allocation(np.eye(2), [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="finite"):
        oracle_allocation(np.array([[np.nan, 1.0]]), [1.0, 1.0])
