"""The penalised log-likelihood's derivatives (``skpref._objective.PenalizedLogLoss``).

The gradient is checked against finite differences of the value, and each
row of the Hessian against finite differences of the gradient
(``scipy.optimize.check_grad``), with a tolerance derived from the
finite-difference error itself rather than picked: a forward difference
with step ``h`` is off by at most ``h/2`` times the next derivative's bound
(truncation) plus ``2 u |f| / h`` (rounding, ``u`` the unit roundoff), per
coordinate. The bounds use ``mu' <= 1/4`` and ``|mu''| <= 1/(6 sqrt 3)``.
The products the solvers use (``hessian_product``, its logits,
``hessian_diagonal``, ``directional_derivative``) must agree with the dense
Hessian and gradient.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.optimize import check_grad

from skpref._objective import PenalizedLogLoss

from _dense import augmented, information, logistic_variance

#: Finite-difference step: about sqrt(u), the step that balances the two errors.
STEP = 1.4901161193847656e-08
UNIT_ROUNDOFF = np.finfo(np.float64).eps / 2
#: max |mu''(z)| = max |sigma(z) sigma(-z) (1 - 2 sigma(z))| = 1 / (6 sqrt 3).
MU_SECOND_BOUND = 1.0 / (6.0 * np.sqrt(3.0))


def problem(seed, n_samples, n_features, C, fit_intercept, soft):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = rng.random(n_samples) if soft else (rng.random(n_samples) < 0.5).astype(float)
    weights = rng.uniform(0.0, 3.0, size=n_samples)
    objective = PenalizedLogLoss(X, y, weights, C, fit_intercept)
    w = rng.normal(size=objective.n_params)
    return objective, w


problems = st.builds(
    problem,
    seed=st.integers(0, 2**32 - 1),
    n_samples=st.integers(1, 40),
    n_features=st.integers(1, 6),
    C=st.floats(0.05, 20.0),
    fit_intercept=st.booleans(),
    soft=st.booleans(),
)


def rows(objective):
    return augmented(objective.X, objective.fit_intercept)


def rounding_factor(objective):
    """Worst-case growth of rounding errors in sums of ``n`` and ``d`` terms, plus slack."""
    return objective.X.shape[0] + objective.n_params + 8


def gradient_tolerance(objective, w):
    """The forward difference's worst error, summed over coordinates (``check_grad``'s norm).

    Truncation: ``h/2 |d^2 f / dw_j^2| <= h/2 (sum_j s_j ||x~_j||^2 / 4 + 1 / C)``.
    Rounding: each of the two values is off by at most ``k u`` times the sum of
    the magnitudes it adds up, the logits' error included (``|l'| <= 1``).
    """
    Xa = np.abs(rows(objective))
    s = objective.sample_weight
    curvature_bound = 0.25 * np.sum(s * np.sum(Xa**2, axis=1)) + 1.0 / objective.C
    magnitudes = (
        abs(objective.value(w)) + np.sum(s * (Xa @ np.abs(w))) + np.dot(w, w) / objective.C
    )
    rounding = 2.0 * rounding_factor(objective) * UNIT_ROUNDOFF * magnitudes / STEP
    return np.sqrt(objective.n_params) * (0.5 * STEP * curvature_bound + rounding)


def hessian_row_tolerance(objective, w, k):
    """As :func:`gradient_tolerance`, for the gradient's ``k``-th component.

    Truncation: ``h/2 |d^2 g_k / dw_j^2| <= h/2 max|mu''| sum_j s_j |x~_jk| ||x~_j||^2``;
    rounding: ``g_k = sum_j s_j r_j x~_jk + w_k / C`` with ``|r_j| <= 1`` and
    ``|dr/dz| <= 1/4`` for the logits' error.
    """
    Xa = np.abs(rows(objective))
    s = objective.sample_weight
    third_bound = MU_SECOND_BOUND * np.sum(s * Xa[:, k] * np.sum(Xa**2, axis=1))
    magnitudes = np.sum(s * Xa[:, k] * (1.0 + 0.25 * (Xa @ np.abs(w)))) + abs(w[k]) / objective.C
    rounding = 2.0 * rounding_factor(objective) * UNIT_ROUNDOFF * magnitudes / STEP
    return np.sqrt(objective.n_params) * (0.5 * STEP * third_bound + rounding)


@given(problems)
@settings(deadline=None)
def test_the_gradient_is_the_derivative_of_the_value(case):
    objective, w = case
    error = check_grad(objective.value, objective.gradient, w, epsilon=STEP)
    assert error <= gradient_tolerance(objective, w)


@given(problems)
@settings(deadline=None)
def test_each_hessian_row_is_the_derivative_of_the_gradient(case):
    objective, w = case
    for k in range(objective.n_params):
        error = check_grad(
            lambda v: objective.gradient(v)[k], lambda v: objective.hessian(v)[k], w, epsilon=STEP
        )
        assert error <= hessian_row_tolerance(objective, w, k)
    H = objective.hessian(w)
    assert_allclose(H, H.T, rtol=0, atol=0)


@given(problems)
@settings(deadline=None)
def test_the_hessian_is_the_dense_formula(case):
    """``H = I / C + X~^T diag(s mu'(z)) X~``, the intercept unpenalised."""
    objective, w = case
    Xa = rows(objective)
    expected = information(
        objective.X,
        objective.sample_weight * logistic_variance(Xa @ w),
        1.0 / objective.C,
        objective.fit_intercept,
    )
    assert_allclose(objective.hessian(w), expected, rtol=1e-12, atol=1e-14 * np.abs(expected).max())


@given(problems, st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_the_solvers_products_agree_with_the_dense_hessian(case, seed):
    objective, w = case
    v = np.random.default_rng(seed).normal(size=objective.n_params)
    z = objective.logits(w)
    curvature = objective.curvature(z)
    H = objective.hessian(w, z)
    product, logits = objective.hessian_product_and_logits(curvature, v)
    scale = np.abs(H).sum(axis=1) * np.abs(v).max()
    assert np.all(np.abs(product - H @ v) <= 1e-13 * scale + 1e-300)
    assert_allclose(logits, rows(objective) @ v, rtol=1e-12, atol=1e-12 * np.abs(v).sum())
    assert_allclose(objective.hessian_diagonal(curvature), np.diag(H), rtol=1e-12)
    derivative = objective.directional_derivative(w, z, v, objective.logits(v))
    gradient = objective.gradient(w, z)
    assert derivative == pytest.approx(
        gradient @ v, rel=1e-10, abs=1e-12 * np.abs(gradient).sum() * np.abs(v).max()
    )


def test_a_wrong_gradient_is_caught():
    """The tolerance is tight enough to see a gradient that forgets the prior's term."""
    objective, w = problem(0, 20, 3, 0.5, True, False)

    def forgets_the_prior(v):
        gradient = objective.gradient(v)
        gradient[: objective.n_features] -= objective.split(v)[0] / objective.C
        return gradient

    assert check_grad(objective.value, objective.gradient, w, epsilon=STEP) <= gradient_tolerance(
        objective, w
    )
    assert check_grad(objective.value, forgets_the_prior, w, epsilon=STEP) > gradient_tolerance(
        objective, w
    )
