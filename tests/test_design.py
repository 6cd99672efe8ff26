"""Frank-Wolfe experimental designs and their rounding (skpref.design).

The solver works in whitened coordinates (``z = L^{-1} x`` for the base
information ``H_0 = L L^T``); every value it reports is recomputed densely
with numpy in the original ones:
``H(lambda) = H_0 + scale * sum_j lambda_j c_j x_j x_j^T``,
``f = tr(H^{-1} M)`` (LinearObjective) or ``max_i x_i^T H^{-1} x_i / d_i^2``
(MinimaxObjective). Both are invariant under the whitening. "No base" is a
vanishing one, ``H_0 = 1e-8 I``.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import cholesky, solve_triangular
from scipy.optimize import minimize

from skpref.design._frank_wolfe import (
    LinearObjective,
    MinimaxObjective,
    frank_wolfe_design,
    round_to_distinct,
)

from _dense import design_information, squared_widths

# -- dense references -----------------------------------------------------------------

#: The base information of a design "without base": almost none.
VANISHING_BASE = 1e-8


def make_support(seed, n_support=15, n_params=3, with_base=True):
    """Support rows, mu' values in (0, 1/4] and a positive definite base (or a vanishing one)."""
    rng = np.random.default_rng(seed)
    support = rng.normal(size=(n_support, n_params))
    curvature = rng.uniform(0.05, 0.25, size=n_support)
    base = VANISHING_BASE * np.eye(n_params)
    if with_base:
        A = rng.normal(size=(n_params, n_params))
        base = A @ A.T / n_params + 0.5 * np.eye(n_params)
    return support, curvature, base


def whitened_problem(base, support, kind, rows, normalizer, sharpness=200.0):
    """The support and the objective in the coordinates where ``base`` is the identity."""
    L = cholesky(base, lower=True)

    def whiten(X):
        return solve_triangular(L, X.T, lower=True).T

    if kind == "linear":
        M = rows.T @ rows / len(rows)
        objective = LinearObjective(whiten(whiten(M).T))  # L^-1 M L^-T
    else:
        objective = MinimaxObjective(whiten(rows), normalizer, sharpness)
    return whiten(support), objective


def make_objective(kind, seed, n_params=3, sharpness=200.0):
    """A LinearObjective with a random PSD M, or a MinimaxObjective over random rows."""
    rng = np.random.default_rng(seed + 1000)
    rows = rng.normal(size=(10, n_params))
    if kind == "linear":
        return LinearObjective(rows.T @ rows / 10), rows, None
    normalizer = rng.uniform(0.5, 2.0, size=10)
    return MinimaxObjective(rows, normalizer, sharpness), rows, normalizer


def dense_value(kind, H, rows, normalizer):
    if kind == "linear":
        return float(np.trace(np.linalg.solve(H, rows.T @ rows / 10)))
    return float((squared_widths(H, rows) / normalizer**2).max())


def linear_gain(H, M, support, curvature, scale):
    """``-df/dlambda_j = scale c_j x_j^T H^{-1} M H^{-1} x_j`` for f = tr(H^{-1} M)."""
    inverse = np.linalg.inv(H)
    G = inverse @ M @ inverse
    return scale * curvature * np.einsum("ij,jk,ik->i", support, G, support)


def solve(kind, seed, with_base=True, scale=2.0, **options):
    support, curvature, base = make_support(seed, with_base=with_base)
    _, rows, normalizer = make_objective(kind, seed)
    whitened, objective = whitened_problem(base, support, kind, rows, normalizer)
    result = frank_wolfe_design(whitened, curvature, objective, scale=scale, **options)

    def f(weights):
        H = design_information(base, support, curvature, scale, weights)
        return dense_value(kind, H, rows, normalizer)

    return result, f, (support, curvature, base, objective)


KINDS = ["linear", "minimax"]

# -- the solver --------------------------------------------------------------------------


@pytest.mark.parametrize("max_weight", [None, 0.25])
@pytest.mark.parametrize("with_base", [True, False])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weights_lie_on_the_simplex(seed, kind, with_base, max_weight):
    """The design is non-negative, sums to 1 and respects a weight cap."""
    result, _, _ = solve(kind, seed, with_base=with_base, max_weight=max_weight)
    assert np.all(result.weights >= 0)
    np.testing.assert_allclose(result.weights.sum(), 1.0, rtol=1e-12)
    if max_weight is not None:
        assert result.weights.max() <= max_weight + 1e-12


@pytest.mark.parametrize("max_weight", [None, 0.25])
@pytest.mark.parametrize("with_base", [True, False])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_worse_than_the_uniform_design(seed, kind, with_base, max_weight):
    """The objective is at most its value at the uniform design (minimax: up to smoothing)."""
    result, f, _ = solve(kind, seed, with_base=with_base, max_weight=max_weight)
    uniform = np.full(result.weights.size, 1.0 / result.weights.size)
    slack = 0.0 if kind == "linear" else np.log(10) / 200.0
    assert f(result.weights) <= f(uniform) * (1 + slack) + 1e-12
    np.testing.assert_allclose(result.value, f(result.weights), rtol=1e-9)


@pytest.mark.parametrize("kind", KINDS)
def test_no_worse_than_the_initial_design(kind):
    """Started from a given design (a vertex of the capped simplex), the result is no worse."""
    initial = np.zeros(15)
    initial[[0, 1, 2, 3]] = 0.25
    result, f, _ = solve(kind, 3, initial=initial, max_weight=0.25)
    slack = 0.0 if kind == "linear" else np.log(10) / 200.0
    assert f(result.weights) <= f(initial) * (1 + slack) + 1e-12


def slsqp_optimum(support, curvature, base, M, scale):
    """An independent optimum of tr(H(lambda)^{-1} M) over the simplex (SLSQP, exact gradient)."""

    def value_and_gradient(weights):
        H = design_information(base, support, curvature, scale, weights)
        return np.trace(np.linalg.solve(H, M)), -linear_gain(H, M, support, curvature, scale)

    size = support.shape[0]
    result = minimize(
        value_and_gradient,
        np.full(size, 1.0 / size),
        jac=True,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * size,
        constraints=[
            {"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(size)}
        ],
        options={"ftol": 1e-13, "maxiter": 1000},
    )
    # SLSQP may stop on its line search within round-off of the optimum; it never goes below it
    assert np.all(result.x >= -1e-9) and abs(result.x.sum() - 1.0) < 1e-9
    return result.fun


@pytest.mark.parametrize("with_base", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_linear_objective_duality_gap_and_equivalence_theorem(seed, with_base):
    """LinearObjective: small gap; gain_j <= gain.lambda + gap, with equality on the support."""
    result, f, (support, curvature, base, objective) = solve(
        "linear", seed, with_base=with_base, tol=1e-6, max_iter=5000
    )
    weights = result.weights
    H = design_information(base, support, curvature, 2.0, weights)
    _, rows, _ = make_objective("linear", seed)
    gain = linear_gain(H, rows.T @ rows / 10, support, curvature, 2.0)
    np.testing.assert_allclose(result.gain, gain, rtol=1e-8)
    average = gain @ weights
    gap = gain.max() - average
    np.testing.assert_allclose(result.duality_gap, gap, rtol=1e-6, atol=1e-12)
    value = f(weights)
    assert gap <= 1e-2 * value, (gap, value)
    # equivalence theorem, approximately: no row is worth more than the design's average...
    assert np.all(gain <= average + gap + 1e-12)
    # ...and every row the design uses is worth about that average
    # (sum_j lambda_j (max gain - gain_j) = gap, so gain_j >= max gain - gap / lambda_j)
    used = weights > 1e-2
    assert np.all(gain[used] >= gain.max() - gap / weights[used] - 1e-12)
    np.testing.assert_allclose(gain[used], average, rtol=1e-2)
    # the gap certifies optimality: no design beats f - gap (convexity)
    rng = np.random.default_rng(seed)
    for candidate in rng.dirichlet(np.full(weights.size, 0.3), size=200):
        assert f(candidate) >= value - gap - 1e-10


@pytest.mark.parametrize("tol", [1e-3, 1e-6])
@pytest.mark.parametrize("with_base", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_linear_objective_reaches_the_optimum_within_tol(seed, with_base, tol):
    """The design's value is within tol (relative) of an independent SLSQP optimum."""
    result, f, (support, curvature, base, objective) = solve(
        "linear", seed, with_base=with_base, tol=tol, max_iter=5000
    )
    _, rows, _ = make_objective("linear", seed)
    optimum = slsqp_optimum(support, curvature, base, rows.T @ rows / 10, 2.0)
    assert optimum - 1e-9 * optimum <= f(result.weights) <= optimum * (1 + tol)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_minimax_value_matches_brute_force_max(seed, kind):
    """MinimaxObjective reports the exact max; the smoothed one is within log(n)/t above it."""
    if kind != "minimax":
        pytest.skip("minimax only")
    result, f, (support, curvature, base, objective) = solve("minimax", seed)
    H = design_information(base, support, curvature, 2.0, result.weights)
    _, rows, normalizer = make_objective("minimax", seed)
    g = squared_widths(H, rows) / normalizer**2
    brute = f(result.weights)
    np.testing.assert_allclose(result.value, brute, rtol=1e-10)
    np.testing.assert_allclose(g.max(), brute, rtol=1e-12)
    t = objective.temperature
    smoothed = g.max() + np.log(np.exp(t * (g - g.max())).sum()) / t
    assert brute - 1e-12 <= smoothed <= brute + np.log(10) / t + 1e-12


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_g_optimal_design_meets_kiefer_wolfowitz(seed):
    """With no base, min over lambda of max_j x_j^T H(lambda)^{-1} x_j equals the dimension p.

    Every design has ``max >= sum_j lambda_j x_j^T H^{-1} x_j = tr(H^{-1} (H - H_0)) = p - eps``,
    ``eps = tr(H^{-1} H_0)`` (about 1e-8 here), and the G-optimal one reaches it.
    """
    support, _, base = make_support(seed, n_support=12, n_params=3, with_base=False)
    ones = np.ones(12)
    whitened, objective = whitened_problem(base, support, "minimax", support, ones, 500.0)
    result = frank_wolfe_design(whitened, ones, objective, tol=1e-6, max_iter=2000)
    assert result.value >= 3 * (1 - 1e-6)
    assert result.value <= 3 * (1 + np.log(12) / 500.0 + 0.02), result.value


@given(
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(KINDS),
    capped=st.booleans(),
    with_base=st.booleans(),
)
@settings(max_examples=30)
def test_random_problems_stay_feasible_and_improve(seed, kind, capped, with_base):
    """Random problems: a feasible design, no worse than uniform (up to smoothing), exact value.

    Without a base the support rows are Gaussian and outnumber the parameters,
    so they span the space and the uniform design is non-singular.
    """
    rng = np.random.default_rng(seed)
    n_params = int(rng.integers(1, 5))
    n_support = int(rng.integers(n_params + 3, 20))
    support = rng.normal(size=(n_support, n_params))
    curvature = rng.uniform(0.01, 0.25, size=n_support)
    base = np.eye(n_params) * (rng.uniform(0.1, 2.0) if with_base else VANISHING_BASE)
    _, rows, normalizer = make_objective(kind, seed % 1000, n_params)
    whitened, objective = whitened_problem(base, support, kind, rows, normalizer)
    max_weight = 1.0 / int(rng.integers(1, n_support + 1)) if capped else None
    scale = float(rng.integers(1, 6))
    result = frank_wolfe_design(
        whitened, curvature, objective, scale=scale, max_weight=max_weight, max_iter=50
    )

    def f(weights):
        H = design_information(base, support, curvature, scale, weights)
        return dense_value(kind, H, rows, normalizer)

    assert np.all(result.weights >= 0)
    np.testing.assert_allclose(result.weights.sum(), 1.0, rtol=1e-10)
    if max_weight is not None:
        assert result.weights.max() <= max_weight + 1e-12
    uniform = np.full(n_support, 1.0 / n_support)
    slack = 0.0 if kind == "linear" else np.log(10) / 200.0
    assert f(result.weights) <= f(uniform) * (1 + slack) + 1e-12
    np.testing.assert_allclose(result.value, f(result.weights), rtol=1e-8)


# -- rounding ------------------------------------------------------------------------------


def test_round_to_distinct_heaviest_first():
    """round_to_distinct returns distinct rows, heaviest first."""
    weights = np.array([0.1, 0.4, 0.05, 0.3, 0.15])
    order = round_to_distinct(weights, 3)
    np.testing.assert_array_equal(order, [1, 3, 4])
    full = round_to_distinct(weights, 5)
    np.testing.assert_array_equal(full, [1, 3, 4, 0, 2])


@given(
    weights=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20).filter(lambda w: sum(w) > 0),
    n=st.integers(1, 25),
    seed=st.integers(0, 50),
)
def test_round_to_distinct_is_a_distinct_heaviest_first_batch(weights, n, seed):
    """Any design: min(n, N) distinct in-range indices whose weights never increase."""
    weights = np.array(weights) / np.sum(weights)
    order = round_to_distinct(weights, n, random_state=seed)
    assert order.shape == (min(n, weights.size),)
    assert np.unique(order).size == order.size
    assert np.all((order >= 0) & (order < weights.size))
    chosen = weights[order]
    assert np.all(chosen[:-1] >= chosen[1:] - 1e-9 * weights.max())
    # nothing left out is heavier than what was taken (up to the 1e-9 rounding of shares)
    left_out = np.setdiff1d(np.arange(weights.size), order)
    if left_out.size:
        assert weights[left_out].max() <= chosen.min() + 1e-9 * weights.max()


def test_round_to_distinct_breaks_weight_ties_by_gain_then_seed():
    """Among equal weights the larger gain comes first; equal gains are ordered by the seed."""
    weights = np.array([0.5, 0.0, 0.0, 0.0, 0.5])
    gain = np.array([1.0, 0.2, 0.9, 0.2, 2.0])
    np.testing.assert_array_equal(round_to_distinct(weights, 3, gain), [4, 0, 2])
    tied = {tuple(round_to_distinct(weights, 5, gain, random_state=seed)[3:]) for seed in range(30)}
    assert tied == {(1, 3), (3, 1)}
