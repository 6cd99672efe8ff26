"""The pairwise Frank-Wolfe design solver, piece by piece, against dense references.

Every quantity is recomputed densely with numpy in whitened coordinates, where
the information already held is the identity: ``A(d) = I + sum_j d_j z_j z_j^T``
for the support rows ``z_j`` and the squared widths ``g_k = y_k^T A^{-1} y_k``
of the objective's rows.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import minimize

from skpref.design import (
    DesignResult,
    LinearObjective,
    MinimaxObjective,
    frank_wolfe_design,
    round_to_distinct,
)
from skpref.design._frank_wolfe import (
    WOODBURY_LIMIT,
    _away_vertex,
    _CrossProducts,
)
from skpref.query._designs import best_batch

# -- dense references ----------------------------------------------------------------------


def dense_information(support, d):
    return np.eye(support.shape[1]) + (support.T * d) @ support


def dense_inverse(support, d):
    return np.linalg.inv(dense_information(support, d))


def dense_products(support, tracked, d):
    """``(C, G, g)``: ``Z_S A^-1 Y^T``, ``Z_S A^-1 Z_S^T`` and ``diag(Y A^-1 Y^T)``.

    By Cholesky solves against ``A`` (``A`` has condition numbers up to ~1e8
    here, where an explicit inverse would lose eight digits).
    """
    factor = cho_factor(dense_information(support, d))
    solved_tracked = cho_solve(factor, tracked.T)
    solved_support = cho_solve(factor, support.T)
    g = np.einsum("ij,ji->i", tracked, solved_tracked)
    return support @ solved_tracked, support @ solved_support, g


def smoothed_max(g, t):
    return g.max() + np.log(np.exp(t * (g - g.max())).sum()) / t


def problem(seed, n_support=12, n_rows=15, n_params=4, spread=1.0):
    rng = np.random.default_rng(seed)
    support = rng.normal(size=(n_support, n_params)) * spread
    rows = rng.normal(size=(n_rows, n_params))
    curvature = rng.uniform(0.05, 0.25, size=n_support)
    normalizer = rng.uniform(0.5, 2.0, size=n_rows)
    return support, rows, curvature, normalizer


# -- the cross products and their Woodbury updates ----------------------------------------


@pytest.mark.parametrize("spread", [1.0, 3e3], ids=["woodbury", "direct"])
@pytest.mark.parametrize("seed", range(4))
def test_cross_products_follow_every_move_exactly(seed, spread):
    """Adding and removing weight, row by row or many at once: the state is the dense one.

    ``spread=3e3`` puts the design's information beyond WOODBURY_LIMIT, where
    every design is factored directly.
    """
    support, rows, _, _ = problem(seed, spread=spread)
    rng = np.random.default_rng(seed + 50)
    cross = _CrossProducts(support, rows)
    d = np.zeros(support.shape[0])
    for _ in range(12):
        changed = rng.choice(support.shape[0], size=int(rng.integers(1, 6)), replace=False)
        delta = rng.uniform(0.0, 1.0, size=changed.size)
        # remove part or all of the weight some rows already have
        removing = (d[changed] > 0) & (rng.random(changed.size) < 0.5)
        delta[removing] = -d[changed][removing] * rng.choice([1.0, 0.5], size=removing.sum())
        keep = delta != 0
        changed, delta = changed[keep], delta[keep]
        if not changed.size:
            continue
        trial = cross.trial(changed, delta)
        cross.move(changed, delta)
        d[changed] += delta
        d[d < 1e-300] = 0.0
        C, G, g = dense_products(support, rows, d)
        # forming A in float64 already perturbs it by eps ||A||: g is only
        # determined to about eps * cond(A) (~1e-8 in the direct regime)
        rtol = max(1e-10, 20 * np.finfo(float).eps * np.linalg.cond(dense_information(support, d)))
        np.testing.assert_allclose(trial, g, rtol=rtol)
        np.testing.assert_allclose(cross.g, g, rtol=rtol)
        np.testing.assert_allclose(cross.C, C, rtol=rtol, atol=rtol * np.abs(C).max())
        np.testing.assert_allclose(cross.G, G, rtol=rtol, atol=rtol * np.abs(G).max())
    if spread > 1:
        assert cross.information(d) > WOODBURY_LIMIT  # the direct regime was exercised


def test_batch_widths_are_those_of_the_batch_alone():
    """Widths after labelling a batch, from scratch, whatever the current design."""
    support, rows, curvature, _ = problem(3)
    cross = _CrossProducts(support, rows)
    cross.move(np.arange(6), np.full(6, 0.3))
    batch = np.array([1, 7, 9])
    d = np.zeros(support.shape[0])
    d[batch] = curvature[batch]
    np.testing.assert_allclose(
        cross.batch_widths(batch, curvature[batch]), dense_products(support, rows, d)[2], rtol=1e-12
    )


def test_an_empty_batch_leaves_the_widths_alone(monkeypatch):
    """No row with a positive rate (every mu' underflowed at a logit of 1e150): nothing moves.

    scipy < 1.11 refuses to LU-factor a 0 x 0 matrix ("illegal value in 4th argument of
    internal getrf"), which the lowest-versions run hit through a pool of that scale; an
    empty move must not reach the factorisation at all.
    """
    import skpref.design._frank_wolfe as frank_wolfe

    support, rows, _, _ = problem(3)
    cross = _CrossProducts(support, rows)

    def refuses_empty(K, **options):
        assert K.size, "factorised an empty matrix"
        return original(K, **options)

    original = frank_wolfe.lu_factor
    monkeypatch.setattr(frank_wolfe, "lu_factor", refuses_empty)
    empty = np.array([], dtype=np.intp)
    np.testing.assert_array_equal(cross.batch_widths(empty, np.array([])), cross.base_g)
    np.testing.assert_array_equal(cross.trial(empty, np.array([])), cross.g)


# -- the truncated gradient of the smoothed maximum -----------------------------------------


@pytest.mark.parametrize("sharpness", [20.0, 200.0])
@pytest.mark.parametrize("seed", range(4))
def test_truncated_gains_are_lower_bounds_within_the_stated_error(seed, sharpness):
    """Leaving out rows of total ``sum pi_i g_i <= tail`` costs each gain at most
    ``scale c_j ||z_j||^2 tail``, and never raises one."""
    support, rows, curvature, normalizer = problem(seed, n_rows=60)
    scale = 3.0
    d = np.zeros(support.shape[0])
    d[:5] = scale * curvature[:5] / 5
    objective = MinimaxObjective(rows, normalizer, sharpness)
    C, _, g = dense_products(support, rows, d)
    objective.value(g)  # fixes the temperature
    normalised = g / normalizer**2
    pi = np.exp(objective.temperature * (normalised - normalised.max()))
    pi /= pi.sum()
    exact = scale * curvature * (C**2 @ (pi / normalizer**2))
    norms = np.einsum("ij,ij->i", support, support)
    dropped_some = False
    for tail in [0.0, 1e-9, 1e-4, 1e-2, 1e-1]:
        kept, omega = objective.weights(g, tail)
        left_out = np.setdiff1d(np.arange(rows.shape[0]), kept)
        assert (pi[left_out] * normalised[left_out]).sum() <= tail * (1 + 1e-12)
        np.testing.assert_allclose(omega, pi[kept] / normalizer[kept] ** 2, rtol=1e-12)
        truncated = scale * curvature * (C[:, kept] ** 2 @ omega)
        assert np.all(truncated <= exact * (1 + 1e-12))
        assert np.all(exact - truncated <= scale * curvature * norms * tail + 1e-12 * exact)
        dropped_some |= left_out.size > 0
    assert dropped_some


def test_solver_gains_are_the_exact_ones_up_to_the_accuracy_bound():
    """The solver's reported gains: within GAIN_ACCURACY * tol * f below the dense ones."""
    from skpref.design._frank_wolfe import GAIN_ACCURACY

    support, rows, curvature, normalizer = problem(5, n_rows=80)
    objective = MinimaxObjective(rows, normalizer, 100.0)
    tol = 1e-2
    result = frank_wolfe_design(
        support, curvature, objective, scale=2.0, tol=tol, max_iter=15, max_weight=0.5
    )
    d = 2.0 * curvature * result.weights
    C, _, g = dense_products(support, rows, d)
    normalised = g / normalizer**2
    pi = np.exp(objective.temperature * (normalised - normalised.max()))
    pi /= pi.sum()
    exact = 2.0 * curvature * (C**2 @ (pi / normalizer**2))
    value = smoothed_max(normalised, objective.temperature)
    assert np.all(result.gain <= exact + 1e-12 * exact.max())
    assert np.all(exact - result.gain <= GAIN_ACCURACY * tol * value + 1e-12 * exact.max())


# -- pairwise steps on the capped simplex ------------------------------------------------------


def face_vertices(weights, batch, cap):
    """Every vertex of the smallest face of the capped simplex that holds ``weights``."""
    at_cap = np.flatnonzero(weights >= cap)
    free = np.flatnonzero((weights > 0) & (weights < cap))
    for chosen in itertools.combinations(free, batch - at_cap.size):
        vertex = np.zeros(weights.size)
        vertex[at_cap] = cap
        vertex[list(chosen)] = cap
        yield vertex


@pytest.mark.parametrize("seed", range(6))
def test_away_vertex_is_the_worst_vertex_of_the_smallest_face(seed):
    rng = np.random.default_rng(seed)
    batch, cap = 3, 1.0 / 3
    weights = np.zeros(9)
    weights[rng.choice(9, 2, replace=False)] = cap  # two rows at the cap
    free = rng.choice(np.flatnonzero(weights == 0), 3, replace=False)
    weights[free] = rng.dirichlet(np.ones(3)) * cap  # the last third, spread
    gain = rng.normal(size=9)
    away = _away_vertex(weights, gain, batch, cap)
    vertices = list(face_vertices(weights, batch, cap))
    assert any(np.array_equal(away, vertex) for vertex in vertices)
    assert gain @ away == pytest.approx(min(gain @ vertex for vertex in vertices), abs=1e-12)


@given(
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(["linear", "minimax"]),
    batch=st.integers(1, 6),
    max_iter=st.integers(1, 25),
)
@settings(max_examples=40, deadline=None)
def test_every_iterate_stays_on_the_capped_simplex_and_improves(seed, kind, batch, max_iter):
    """Stopped after any number of iterations: feasible, and no worse than the start."""
    rng = np.random.default_rng(seed)
    n_params = int(rng.integers(1, 6))
    n_support = int(rng.integers(batch + 1, 25))
    support = rng.normal(size=(n_support, n_params))
    rows = rng.normal(size=(int(rng.integers(2, 20)), n_params))
    curvature = rng.uniform(0.01, 0.25, size=n_support)
    if kind == "linear":
        objective = LinearObjective(rows.T @ rows / rows.shape[0])
    else:
        objective = MinimaxObjective(rows, rng.uniform(0.5, 2.0, size=rows.shape[0]), 100.0)
    initial = np.zeros(n_support)
    initial[rng.choice(n_support, batch, replace=False)] = 1.0 / batch
    scale = float(batch)
    result = frank_wolfe_design(
        support, curvature, objective, scale=scale, max_iter=max_iter, initial=initial,
        max_weight=1.0 / batch,
    )
    assert np.all(result.weights >= 0)
    assert result.weights.max() <= 1.0 / batch
    np.testing.assert_allclose(result.weights.sum(), 1.0, rtol=1e-12)

    def f(weights):
        g = dense_products(support, objective.tracked_rows(), scale * curvature * weights)[2]
        return objective.value(g)

    assert f(result.weights) <= f(initial) * (1 + 1e-12)
    for vertex in result.vertices:
        assert vertex.size == batch and np.unique(vertex).size == batch


# -- against dense reference solves ----------------------------------------------------------


def reference_solve(value_and_gradient, n_support, cap):
    """An independent optimum over the capped simplex (SLSQP, exact gradient, from uniform)."""
    result = minimize(
        value_and_gradient,
        np.full(n_support, 1.0 / n_support),
        jac=True,
        method="SLSQP",
        bounds=[(0.0, cap)] * n_support,
        constraints=[
            {"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(n_support)}
        ],
        options={"ftol": 1e-14, "maxiter": 2000},
    )
    assert np.all(result.x >= -1e-9) and abs(result.x.sum() - 1.0) < 1e-9
    return result.fun


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("seed", range(4))
def test_linear_design_matches_a_dense_reference_solve(seed, batch):
    """tr(A^-1 M) on the capped simplex: within tol of SLSQP's optimum, never below it."""
    support, rows, curvature, _ = problem(seed)
    M = rows.T @ rows / rows.shape[0]
    scale, cap, tol = float(batch), 1.0 / batch, 1e-6
    result = frank_wolfe_design(
        support, curvature, LinearObjective(M), scale=scale, tol=tol, max_iter=5000,
        max_weight=cap,
    )

    def value_and_gradient(weights):
        B = dense_inverse(support, scale * curvature * weights)
        gain = scale * curvature * np.einsum("ij,jk,ik->i", support, B @ M @ B, support)
        return np.trace(B @ M), -gain

    optimum = reference_solve(value_and_gradient, support.shape[0], cap)
    assert optimum * (1 - 1e-9) <= result.value <= optimum * (1 + tol)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("seed", range(4))
def test_minimax_design_matches_a_dense_reference_solve(seed, batch):
    """The smoothed maximum on the capped simplex: within tol of SLSQP's optimum."""
    support, rows, curvature, normalizer = problem(seed)
    scale, cap, tol = float(batch), 1.0 / batch, 1e-5
    objective = MinimaxObjective(rows, normalizer, 50.0)
    result = frank_wolfe_design(
        support, curvature, objective, scale=scale, tol=tol, max_iter=5000, max_weight=cap
    )
    t = objective.temperature

    def value_and_gradient(weights):
        B = dense_inverse(support, scale * curvature * weights)
        g = np.einsum("ij,jk,ik->i", rows, B, rows) / normalizer**2
        pi = np.exp(t * (g - g.max()))
        pi /= pi.sum()
        cross = support @ B @ rows.T
        return smoothed_max(g, t), -scale * curvature * (cross**2 @ (pi / normalizer**2))

    optimum = reference_solve(value_and_gradient, support.shape[0], cap)
    smoothed = value_and_gradient(result.weights)[0]
    assert optimum * (1 - 1e-9) <= smoothed <= optimum * (1 + tol)
    # the value reported is the unsmoothed maximum at the design
    B = dense_inverse(support, scale * curvature * result.weights)
    g = np.einsum("ij,jk,ik->i", rows, B, rows)
    np.testing.assert_allclose(result.value, (g / normalizer**2).max(), rtol=1e-10)


# -- rounding to a batch ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["linear", "minimax"])
@pytest.mark.parametrize("seed", range(4))
def test_best_batch_is_the_best_candidate_by_the_exact_objective(seed, kind):
    """The rounding and every vertex visited are candidates; the least exact value wins."""
    support, rows, curvature, normalizer = problem(seed, n_support=20)
    objective = (
        LinearObjective(rows.T @ rows / rows.shape[0]) if kind == "linear"
        else MinimaxObjective(rows, normalizer, 200.0)
    )
    n = 4
    initial = np.zeros(20)
    initial[:n] = 1.0 / n
    result = frank_wolfe_design(
        support, curvature, objective, scale=n, max_iter=30, initial=initial, max_weight=1.0 / n
    )
    assert isinstance(result, DesignResult) and result.vertices

    def exact(batch):
        d = np.zeros(20)
        d[batch] = curvature[batch]  # scale n, weight 1/n: one label on each row
        g = dense_products(support, rows, d)[2]
        return g.sum() / rows.shape[0] if kind == "linear" else (g / normalizer**2).max()

    if kind == "linear":  # the solver tracks a factor of M: compare with tr(A^-1 M)
        exact_values = {}
        for batch in [round_to_distinct(result.weights, n, result.gain), *result.vertices]:
            d = np.zeros(20)
            d[batch] = curvature[batch]
            exact_values[tuple(sorted(batch))] = np.trace(
                dense_inverse(support, d) @ objective.M
            )
            np.testing.assert_allclose(
                result.batch_value(batch), exact_values[tuple(sorted(batch))], rtol=1e-10
            )
    candidates = [round_to_distinct(result.weights, n, result.gain, 0), *result.vertices]
    values = [result.batch_value(batch) for batch in candidates]
    if kind == "minimax":
        np.testing.assert_allclose(values, [exact(batch) for batch in candidates], rtol=1e-10)
    chosen = best_batch(result, n, 0)
    assert np.unique(chosen).size == n
    assert result.batch_value(chosen) == pytest.approx(min(values), rel=1e-12)
