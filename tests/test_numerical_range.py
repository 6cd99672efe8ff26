"""Extreme but finite inputs: computed right where float64 can hold the answer, else a clear error.

Rows whose squares overflow (``|x|`` above about ``1e154``), rows whose
squares underflow, and an extreme ``C`` (``1e-320``, ``1e-300``, ``1e300``)
once gave a ``LinAlgError`` or "array must not contain infs" from deep inside
scipy, infinite or zero widths, or coefficients silently 0. The rule now:

* a quantity float64 can hold is computed to full relative precision (tiny
  ``C``, huge or tiny query rows, huge widths);
* one it cannot hold raises a ``ValueError`` naming the cause (and the row),
  in the estimator and in every pass of the posterior, so that every query
  strategy, which scores through the posterior, inherits it.

References are closed forms (the model is scale-equivariant: ``w(a x) = |a|
w(x)``, ``m(a x) = a m(x)``) or a first-order expansion in ``C``.
"""

import warnings

import numpy as np
import pytest
from numpy.linalg import LinAlgError
from numpy.testing import assert_allclose
from scipy.special import expit

from skpref import LaplacePosterior, PairwiseLogisticRegression
from skpref.query import (
    ci_location_sampling,
    d_optimal_sampling,
    g_optimal_sampling,
    uncertainty_sampling,
)

SOLVERS = ["newton-cholesky", "newton-cg"]


def problem(seed=0, n_samples=50, n_features=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = (rng.random(n_samples) < expit(X @ (2.0 * rng.normal(size=n_features)))).astype(int)
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = problem()
    return PairwiseLogisticRegression(C=1.0).fit(X, y), X


# -- the fit ------------------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("scale", [1e155, 1e200, 1e300])
def test_fit_on_rows_whose_squares_overflow_says_so(solver, fit_intercept, scale):
    """Once: coefficients silently 0 (Cholesky) or ZeroDivisionError (CG)."""
    X, y = problem()
    X = X.copy()
    X[7] *= scale
    model = PairwiseLogisticRegression(solver=solver, fit_intercept=fit_intercept)
    with pytest.raises(ValueError, match=r"X has entries up to .* \(row 7;.*Rescale the features"):
        model.fit(X, y)


@pytest.mark.parametrize("solver", SOLVERS)
def test_fit_just_inside_the_range_is_the_rescaled_fit(solver):
    """Rows of scale 1e150 (squares 1e300) are fitted, as the same problem at scale 1."""
    X, y = problem()
    reference = PairwiseLogisticRegression(C=1.0, solver=solver).fit(X, y)
    model = PairwiseLogisticRegression(C=1e-300, solver=solver).fit(1e150 * X, y)
    assert_allclose(model.coef_ * 1e150, reference.coef_, rtol=1e-9)
    assert_allclose(model.logit_std(1e150 * X[:5]), reference.logit_std(X[:5]), rtol=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("C", [1e-320, 1e-310, 1e-306])
def test_C_whose_prior_precision_overflows_says_so(solver, fit_intercept, C):
    """1 / C beyond float64's range: once coefficients silently 0 or a ZeroDivisionError."""
    X, y = problem()
    model = PairwiseLogisticRegression(C=C, solver=solver, fit_intercept=fit_intercept)
    with pytest.raises(ValueError, match=r"C=.* is too small for float64.*at least"):
        model.fit(X, y)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("C", [1e-300, 1e-200, 1e-30])
def test_tiny_C_gives_its_tiny_coefficients(solver, C):
    """``theta* = C X^T (y - 1/2) + O(C^2)``: once exactly 0, since 0 met the absolute ``tol``."""
    X, y = problem()
    model = PairwiseLogisticRegression(C=C, solver=solver).fit(X, y)
    assert_allclose(model.coef_.ravel(), C * X.T @ (y - 0.5), rtol=1e-12)
    # and its posterior: widths sqrt(C) ||x|| to first order
    assert_allclose(model.logit_std(X[:4]), np.sqrt(C) * np.linalg.norm(X[:4], axis=1), rtol=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("C", [1e100, 1e300, 1e308])
def test_huge_C_on_overlapping_classes_is_the_maximum_likelihood_fit(solver, C):
    """Almost no prior, labels that overlap: the unpenalised MLE (C = 1e12 differs by ~1e-12)."""
    X, y = problem()
    reference = PairwiseLogisticRegression(C=1e12, solver=solver).fit(X, y)
    model = PairwiseLogisticRegression(C=C, solver=solver).fit(X, y)
    assert_allclose(model.coef_, reference.coef_, rtol=1e-9)
    assert_allclose(model.logit_std(X[:5]), reference.logit_std(X[:5]), rtol=1e-9)


# -- prediction on extreme rows ---------------------------------------------------------


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e-160, 1e160, 1e200, 1e280])
def test_extreme_query_rows_get_rescaled_means_and_widths(fitted, scale):
    """``m(a x) = a m(x)`` and ``w(a x) = a w(x)`` to 1e-12, from 1e-300 to 1e280.

    Widths were once ``sqrt(sum z^2)`` on the whitened row: ``inf`` above
    ~1e154 and imprecise or 0 below ~1e-154.
    """
    model, X = fitted
    Q = X[:6]
    assert_allclose(model.decision_function(scale * Q), scale * model.decision_function(Q),
                    rtol=1e-12)
    assert_allclose(model.logit_std(scale * Q), scale * model.logit_std(Q), rtol=1e-12)
    lower, upper = model.confidence_interval(scale * Q, beta=2.0)
    ref_lower, ref_upper = model.confidence_interval(Q, beta=2.0)
    assert_allclose(lower, scale * ref_lower, rtol=1e-12)
    assert_allclose(upper, scale * ref_upper, rtol=1e-12)
    proba = model.predict_proba(scale * Q)
    assert np.all(np.isfinite(proba)) and np.allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "method", ["decision_function", "predict", "predict_proba", "confidence_interval"]
)
def test_rows_whose_logit_overflows_are_named(fitted, method):
    """A finite row at 1e308: its logit is beyond float64; the error names row 3.

    (Its width, ``1e308 w(sign theta)`` with ``w`` below 1, is finite and
    returned: :meth:`logit_std` raises only for widths beyond float64, see
    the posterior's tests below.)
    """
    model, X = fitted
    Q = X[:6].copy()
    Q[3] = 1e308 * np.sign(model.coef_.ravel())  # x^T theta = 1e308 ||theta||_1 > 1.8e308
    with pytest.raises(ValueError, match="row 3 overflows float64"):
        getattr(model, method)(Q)


# -- the posterior's passes ---------------------------------------------------------------


def test_prior_with_C_whose_precision_overflows_says_so():
    with pytest.raises(ValueError, match="C=1e-320 is too small for float64"):
        LaplacePosterior.prior(3, C=1e-320)


@pytest.mark.parametrize("C", [1e-300, 1.0, 1e300])
def test_prior_widths_are_sqrt_C_norm_at_any_scale(C):
    """``w(x) = sqrt(C) ||x||``: for C = 1e300 and |x| = 1e10 that is 1e160 (once inf)."""
    prior = LaplacePosterior.prior(2, C=C)
    rows = np.array([[3e10, 4e10], [3e-10, -4e-10], [0.0, 0.0]])
    assert_allclose(prior.std(rows), np.sqrt(C) * np.array([5e10, 5e-10, 0.0]), rtol=1e-14)


def test_conditioned_widths_beyond_1e154_keep_their_precision():
    """Sherman-Morrison on widths of 1e200: squares of 1e400 once gave inf - inf = nan."""
    prior = LaplacePosterior.prior(2, C=1.0)
    rows = np.array([[1e200, 0.0], [0.0, 1e200], [1e200, 1e200]])
    small = rows / 1e200
    x_new = np.array([[1.0, 0.0]])
    assert_allclose(
        prior.conditioner().add_rows(x_new).std(rows),
        1e200 * prior.conditioner().add_rows(x_new).std(small),
        rtol=1e-13,
    )


def test_posterior_passes_name_the_row_that_overflows(fitted):
    """Means, widths, whitened rows and conditioning: a clear ValueError, never inf or nan."""
    model, X = fitted
    posterior = model.posterior_
    pool = X[:8].copy()
    pool[5] = 1e308 * np.sign(posterior.coef)
    with pytest.raises(ValueError, match="row 5 overflows float64"):
        posterior.mean_and_std(pool)
    with pytest.raises(ValueError, match="row 5 overflows float64"):
        posterior.mean(pool)
    with pytest.raises(ValueError, match="row 5 overflows float64"):
        posterior.confidence_interval(pool)
    with pytest.raises(ValueError, match="row 5 overflows float64"):
        posterior.conditioner().add_rows(pool)
    # the whitened row of a posterior with H = 1e-300 I is 1e150 x: beyond float64 at 1e308
    wide = LaplacePosterior.prior(3, C=1e300)
    with pytest.raises(ValueError, match="whitened row .* of row 5 overflows float64"):
        wide.whiten(pool)
    with pytest.raises(ValueError, match="logit width .* of row 1 overflows float64"):
        wide.std(np.array([[1.0, 0.0, 0.0], [1e200, 0.0, 0.0]]))  # sqrt(1e300) 1e200
    prior = LaplacePosterior.prior(3, C=1.0)
    for n_rows in [1, 40]:  # rank-one updates, or one refactorisation of H + sum x x^T
        huge = np.full((n_rows, 3), 1e200)
        with pytest.raises(ValueError, match="Conditioning on these rows overflows float64"):
            prior.condition(huge)


def test_conditioning_that_swamps_the_prior_says_what_happened():
    """Parallel rows of 1e10 on I / C = 1: H + sum x x^T is singular to rounding.

    Once scipy's "2-th leading minor of the array is not positive definite".
    """
    rows = np.outer(np.arange(1.0, 41.0), [1e10, 1e10, 0.0])
    with pytest.raises(LinAlgError, match="eigenvalues run from .* the rows added"):
        LaplacePosterior.prior(3, C=1.0).condition(rows)


def test_strategies_inherit_the_posterior_error(fitted):
    """A pool row whose logit overflows: every strategy raises the posterior's error."""
    model, X = fitted
    pool = X[:10].copy()
    pool[4] = 1e308 * np.sign(model.coef_.ravel())
    for strategy in [uncertainty_sampling, ci_location_sampling, d_optimal_sampling]:
        with pytest.raises(ValueError, match="row 4 overflows float64"):
            strategy(model, pool, n_instances=2)


def test_g_optimal_design_on_rows_whose_squared_widths_overflow_says_so(fitted):
    """Widths of ~1e160 are finite, but the design sums their squares: a clear error."""
    model, X = fitted
    pool = X[:10].copy()
    pool[2] *= 1e160
    # The strategies' own check of the squared widths, or the design's, naming the row.
    with pytest.raises(
        ValueError,
        match="row 2 cannot be scored: its posterior variance|(design objective|quadratic form)"
        ".*overflows float64",
    ):
        g_optimal_sampling(model, pool, n_instances=2)


@pytest.mark.parametrize("fitted_model", [False, True])
def test_g_optimal_design_on_rows_whose_squared_widths_underflow_is_quiet(fitted, fitted_model):
    """Rows of 1e-200: every squared width underflows to 0, and no design changes H.

    Once a division by zero (and invalid values) in the smoothed maximum.
    """
    model = fitted[0] if fitted_model else PairwiseLogisticRegression()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        indices, _ = g_optimal_sampling(model, np.full((5, 3), 1e-200), 2)
    assert len(set(indices.tolist())) == 2


# -- a Hessian that is not positive definite -----------------------------------------------


def test_singular_hessian_without_intercept_says_what_happened():
    """Duplicated columns, C = 1e20: I / C is lost in rounding. Once blamed fit_intercept=True."""
    X, y = problem(1, n_samples=60, n_features=3)
    X = np.c_[X[:, :1], X]
    model = PairwiseLogisticRegression(C=1e20).fit(X, y)
    with pytest.raises(LinAlgError) as error:
        model.logit_std(X[:2])
    message = str(error.value)
    assert "fit_intercept" not in message
    assert "eigenvalues run from" in message and "use a smaller C" in message
    assert isinstance(error.value, ValueError)


def test_intercept_without_curvature_says_so():
    hessian = np.diag([1.0, 1.0, 0.0])
    with pytest.raises(LinAlgError, match="the intercept, which has no prior, carries no"):
        LaplacePosterior.from_hessian(np.zeros(2), hessian, intercept=0.0)


def test_non_finite_hessian_says_so():
    """Once scipy's "array must not contain infs or NaNs"."""
    with pytest.raises(ValueError, match="The Hessian has NaN or infinite entries"):
        LaplacePosterior.from_hessian(np.zeros(2), np.diag([1.0, np.inf]))
