"""The Newton solvers: a scale-free stopping rule and a line search that survives rounding.

Two properties the estimator's fit rests on, each checked for both solvers:

* The stopping rule is invariant to the scale of the features. Fitting
  ``(a X, C / a^2)`` is the same problem as ``(X, C)`` with solution
  ``theta / a``; an absolute threshold on the step or the gradient stops the
  first after one step when ``a`` is large (37% off at ``a = 1e8``).
* Nearly separable data (every label of an arm a 1, a weak prior) converge:
  near such an optimum the last Newton steps change the objective by less
  than the rounding error of the old ``log(1 + e^z) - y z`` form of the loss,
  so a line search on function values alone rejected every step and stalled
  for 200 iterations (``PhasedElimination``'s phase fits, arms
  ``[[-0.3], [-2.0]]``, 20 of 20 ones, ``C = 1e4``).

Every reference is independent of the solvers: scikit-learn's
``LogisticRegression`` or a bracketing root finder on the one-dimensional
gradient.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose
from scipy.optimize import brentq
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

from skpref import PairwiseLogisticRegression
from skpref._logistic import log_loss_terms, residual
from skpref._objective import PenalizedLogLoss
from skpref._solvers import newton_cg, newton_cholesky

SOLVERS = ["newton-cholesky", "newton-cg"]
SOLVER_FUNCTIONS = {"newton-cholesky": newton_cholesky, "newton-cg": newton_cg}


def bradley_terry_problem(seed, n_samples=60, n_features=4, fit_intercept=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    theta = 1.5 * rng.normal(size=n_features)
    y = (rng.random(n_samples) < expit(X @ theta + 0.4 * fit_intercept)).astype(int)
    y[:2] = [0, 1]
    return X, y


def fit_silently(model, X, y, sample_weight=None):
    """Fit with every warning an error: a fit that needs a warning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return model.fit(X, y, sample_weight=sample_weight)


# -- 1. the stopping rule is scale-free ---------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("fit_intercept", [False, True])
@given(
    seed=st.integers(0, 2**32 - 1),
    log_scale=st.floats(-140.0, 140.0),
    C=st.sampled_from([0.05, 1.0, 30.0]),
)
@example(seed=0, log_scale=8.0, C=1.0)  # the report: x 1e8 with C / 1e16 stopped 37% off
@example(seed=0, log_scale=-8.0, C=1.0)
@example(seed=1, log_scale=140.0, C=30.0)
@example(seed=1, log_scale=-140.0, C=0.05)
@example(seed=2155, log_scale=1.0, C=1.0)  # newton-cg once measured the intercept in 2-norms
@settings(max_examples=25)
def test_rescaled_features_give_rescaled_coefficients(solver, fit_intercept, seed, log_scale, C):
    """``(a X, C / a^2)`` gives ``(theta / a, b)`` to 1e-6, for a from 1e-140 to 1e140."""
    X, y = bradley_terry_problem(seed % 1000, fit_intercept=fit_intercept)
    a = 10.0**log_scale
    params = {"fit_intercept": fit_intercept, "solver": solver}
    reference = fit_silently(PairwiseLogisticRegression(C=C, **params), X, y)
    scaled = fit_silently(PairwiseLogisticRegression(C=C / a**2, **params), a * X, y)
    scale = np.abs(reference.coef_).max()
    assert_allclose(scaled.coef_ * a, reference.coef_, rtol=1e-6, atol=1e-6 * scale)
    assert_allclose(scaled.intercept_, reference.intercept_, rtol=1e-6, atol=1e-6 * scale)
    # the same iterations: the rule sees the same problem
    assert abs(scaled.n_iter_ - reference.n_iter_) <= 1


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("log_scale", [-8, 0, 8, 100])
def test_rescaled_fit_matches_sklearn(solver, log_scale):
    """At every scale the fit is LogisticRegression's (run on the unscaled problem) to 1e-6."""
    from sklearn.linear_model import LogisticRegression

    X, y = bradley_terry_problem(3, n_samples=200, n_features=5)
    reference = LogisticRegression(
        C=2.0, fit_intercept=False, solver="newton-cholesky", tol=1e-12, max_iter=1000
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # penalty deprecations of recent sklearn
        reference.fit(X, y)
    a = 10.0**log_scale
    model = fit_silently(PairwiseLogisticRegression(C=2.0 / a**2, solver=solver), a * X, y)
    assert_allclose(model.coef_ * a, reference.coef_, rtol=0, atol=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_unreached_tolerance_warns_at_every_scale(solver):
    """One iteration does not solve the problem, at 1e8 as at 1: a ConvergenceWarning both times."""
    X, y = bradley_terry_problem(4, n_samples=200)
    for a in [1.0, 1e8]:
        with pytest.warns(ConvergenceWarning, match="did not converge"):
            PairwiseLogisticRegression(C=1.0 / a**2, max_iter=1, solver=solver).fit(a * X, y)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
@given(seed=st.integers(0, 2**32 - 1), tol=st.sampled_from([1e-2, 1e-4, 1e-6]))
@settings(max_examples=10)
def test_tol_bounds_every_logit_by_its_width(solver, warm, seed, tol):
    """``tol``'s documented meaning, at loose tolerances where it is the binding constraint.

    The fit stops after a step whose decrement is at most ``tol sqrt(2 f)``,
    so ``|x^T (w - w*)| <= tol sqrt(2 f) w(x)`` for every row (up to the
    first-order accuracy of the decrement: a factor 2 of slack).
    """
    X, y = bradley_terry_problem(seed % 1000, n_samples=80, n_features=6)
    exact = fit_silently(PairwiseLogisticRegression(C=3.0, tol=1e-12, solver=solver), X, y)
    model = PairwiseLogisticRegression(C=3.0, tol=tol, solver=solver, warm_start=warm)
    if warm:  # start from the optimum of fewer rows, as an active loop does
        fit_silently(model, X[:60], y[:60])
        model.logit_std(X[:1])  # the previous posterior preconditions newton-cg
    fit_silently(model, X, y)
    objective = PenalizedLogLoss(X, y.astype(float), np.ones(len(y)), 3.0, False)
    value = objective.value(exact.coef_.ravel())
    queries = np.random.default_rng(seed % 1000).normal(size=(50, 6))
    error = np.abs(model.decision_function(queries) - exact.decision_function(queries))
    assert np.all(error <= 2.0 * tol * math.sqrt(2.0 * value) * exact.logit_std(queries))


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_an_optimum_at_zero_up_to_rounding_converges(solver, fit_intercept):
    """Every comparison labelled both ways (ties): theta* = 0, reached without a warning.

    The gradient at 0 cancels only up to rounding, so every later decrement
    is rounding noise; the rule is relative to ``f`` (about ``n log 2``
    here), so that noise meets it.
    """
    rng = np.random.default_rng(6)
    X = rng.normal(size=(400, 7)) * rng.lognormal(size=7)
    order = rng.permutation(800)
    rows, labels = np.r_[X, X][order], np.r_[np.ones(400), np.zeros(400)][order].astype(int)
    model = fit_silently(
        PairwiseLogisticRegression(C=10.0, solver=solver, fit_intercept=fit_intercept),
        rows,
        labels,
    )
    assert np.abs(model.coef_).max() < 1e-12
    assert abs(model.intercept_[0]) < 1e-12


# -- 4. nearly separable data: the line search survives rounding ---------------------


def test_stable_loss_and_residual_keep_their_precision_at_large_logits():
    """``-log sigma(z)`` and ``sigma(z) - 1`` at z = 11 and 40, to a few units in the last place."""
    z = np.array([11.17837, 40.0, -40.0])
    y = np.array([1.0, 1.0, 0.0])
    # exact values: log1p(e^-|z|) and -e^-|z| / (1 + e^-|z|)
    tail = np.exp(-np.abs(z))
    assert_allclose(log_loss_terms(y, z), np.log1p(tail), rtol=4e-16)
    assert_allclose(residual(y, z), np.where(y == 1, -1, 1) * tail / (1 + tail), rtol=4e-16)


def one_dimensional_optimum(x, counts, ones, C):
    """argmin of sum_i [k_i l(1, x_i w) + (n_i - k_i) l(0, x_i w)] + w^2 / (2C), by brentq."""

    def gradient(w):
        z = x * w
        return float(
            np.sum(x * (ones * -expit(-z) + (counts - ones) * expit(z))) + w / C
        )

    bound = 10.0
    while gradient(-bound) > 0 or gradient(bound) < 0:
        bound *= 2.0
    return brentq(gradient, -bound, bound, xtol=1e-15, rtol=4 * np.finfo(float).eps)


def test_the_reported_phase_fit_converges():
    """Arms [[-0.3], [-2.0]], 20 of 20 ones on the second, C = 1e4: once 200 stalled iterations."""
    from skpref.design import PhasedElimination

    Z = np.array([[-0.3], [-2.0]])
    counts, ones = np.array([0, 20]), np.array([0, 20])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = PhasedElimination(C=1e4)._fit(Z, counts, ones)
    expected = one_dimensional_optimum(Z[:, 0], counts, ones, 1e4)
    assert expected == pytest.approx(-5.5891861, abs=1e-7)
    assert_allclose(model.coef_.ravel(), [expected], rtol=1e-12)
    assert np.all(np.isfinite(model.posterior_.cholesky_factor))


def test_the_reported_elimination_run_ends_without_a_warning():
    """The hypothesis example (oracle seed 153502) that turned the elimination tests red."""
    from skpref.benchmark import BernoulliOracle
    from skpref.design import PhasedElimination

    X, theta = np.array([[-0.3], [-2.0]]), np.array([-1.0])
    for design in ["gap", "g-optimal", "uniform"]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = PhasedElimination(design=design).run(
                X, BernoulliOracle(X, theta, 153502), 153502
            )
        assert result.converged
        np.testing.assert_array_equal(result.signs, [1, 1])


@st.composite
def separable_counts(draw):
    """Arms on a line with every label a 1 (or all but a few), and a weak prior."""
    n_arms = draw(st.integers(1, 5))
    magnitudes = draw(st.lists(st.floats(0.05, 5.0), min_size=n_arms, max_size=n_arms))
    signs = draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n_arms, max_size=n_arms))
    x = np.array(magnitudes) * np.array(signs)
    counts = np.array(draw(st.lists(st.integers(1, 300), min_size=n_arms, max_size=n_arms)))
    misses = np.array(draw(st.lists(st.integers(0, 2), min_size=n_arms, max_size=n_arms)))
    ones = np.where(draw(st.booleans()), counts, np.maximum(counts - misses, 0))
    C = 10.0 ** draw(st.floats(0.0, 6.0))
    return x, counts, ones, C


@pytest.mark.parametrize("solver", SOLVERS)
@given(problem=separable_counts())
@example(problem=(np.array([-0.3, -2.0]), np.array([1, 20]), np.array([1, 20]), 1e4))
@example(problem=(np.array([-2.0]), np.array([5]), np.array([5]), 1e3))
@example(problem=(np.array([0.05, 5.0]), np.array([300, 300]), np.array([300, 300]), 1e6))
def test_nearly_separable_counts_converge_to_the_optimum(solver, problem):
    """All-ones arms, C up to 1e6: the solver converges, to the brentq optimum (rtol 1e-9)."""
    x, counts, ones, C = problem
    rows = np.r_[x, x][:, None]
    targets = np.r_[np.ones(x.size), np.zeros(x.size)]
    weights = np.r_[ones, counts - ones].astype(float)
    keep = weights > 0
    objective = PenalizedLogLoss(
        np.ascontiguousarray(rows[keep]), targets[keep], weights[keep], C, False
    )
    result = SOLVER_FUNCTIONS[solver](objective, np.zeros(1), 1e-8, 200)
    assert result.converged and result.n_iter < 50, result.n_iter
    expected = one_dimensional_optimum(x, counts, ones, C)
    assert_allclose(result.w, [expected], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
@given(
    problem=separable_counts(),
    mirror=hnp.arrays(bool, 5),
)
@example(
    problem=(np.array([-2.0]), np.array([5]), np.array([5]), 1e3),
    mirror=np.array([False, True, False, False, False]),
)
def test_estimator_converges_on_nearly_separable_weighted_rows(solver, problem, mirror):
    """The same data given to the estimator (mirrored rows for both classes): no warning."""
    x, counts, ones, C = problem
    # Arm i's ones as (x_i, 1) and its zeros as (x_i, 0), each row possibly written mirrored
    # as (-x, 1 - y), the same comparison. One more 1 on arm 0, written with whichever
    # label the other rows lack, gives the estimator both classes.
    rows = np.r_[x, x]
    labels = np.r_[np.ones(x.size), np.zeros(x.size)]
    weights = np.r_[ones, counts - ones].astype(float)
    flip = np.r_[mirror[: x.size], mirror[: x.size]]
    rows, labels = np.where(flip, -rows, rows), np.where(flip, 1 - labels, labels)
    extra_flip = bool(np.all(labels[weights > 0] == 1))  # (-x_0, 0) then, else (x_0, 1)
    rows = np.r_[rows, -x[0] if extra_flip else x[0]]
    labels = np.r_[labels, 0.0 if extra_flip else 1.0]
    weights = np.r_[weights, 1.0]
    keep = weights > 0
    model = fit_silently(
        PairwiseLogisticRegression(C=C, solver=solver),
        rows[keep, None],
        labels[keep].astype(int),
        sample_weight=weights[keep],
    )
    expected = one_dimensional_optimum(
        np.r_[x, x[:1]], np.r_[counts, [1]], np.r_[ones, [1]], C
    )
    assert_allclose(model.coef_.ravel(), [expected], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("C", [1e10, 1e50, 1e300])
def test_huge_C_on_separable_data_reaches_the_penalised_optimum(solver, fit_intercept, C):
    """Almost no prior on separable rows: the optimum exists, with logits of order log C.

    At it the gradient of the loss, ``sum_j r_j x_j`` with ``|r_j| ~ e^-z``,
    balances ``theta / C``. The fit must reach it (the line search doubles
    steps through the exponential tail) and both solvers must agree. (With
    an intercept, newton-cg once stopped early and elsewhere: its
    preconditioner, the diagonal of ``H`` at 0, was ``1e181`` times off the
    collapsed curvature there, and so was its estimate of the untaken step.)
    """
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 2))
    y = (X @ [1.0, -1.0] + 0.5 * fit_intercept > 0).astype(int)
    params = {"C": C, "fit_intercept": fit_intercept}
    model = fit_silently(PairwiseLogisticRegression(solver=solver, **params), X, y)
    other = "newton-cg" if solver == "newton-cholesky" else "newton-cholesky"
    twin = fit_silently(PairwiseLogisticRegression(solver=other, **params), X, y)
    assert_allclose(model.coef_, twin.coef_, rtol=1e-7)
    assert_allclose(model.intercept_, twin.intercept_, rtol=1e-7)
    margins = (2 * y - 1) * model.decision_function(X)
    assert np.all(margins > 0)
    # stationarity, relative to the penalty's own gradient theta / C (and, for the
    # intercept, to the residuals it sums)
    objective = PenalizedLogLoss(X, y.astype(float), np.ones(30), C, fit_intercept)
    w = np.r_[model.coef_.ravel(), model.intercept_] if fit_intercept else model.coef_.ravel()
    gradient = objective.gradient(w)
    assert np.linalg.norm(gradient[:2]) <= 1e-6 * np.linalg.norm(model.coef_ / C)
    if fit_intercept:
        assert abs(gradient[2]) <= 1e-6 * np.abs(objective.residuals(objective.logits(w))).sum()
    # the support rows' logits grow like log C (they balance e^-z against |theta| / C)
    assert 0.5 * math.log(C) < margins.min() < math.log(C)


# -- 5. newton-cg's cost: a factor preconditioner, a cheap certifying step ------------


def correlated_problem(n_samples=4000, n_features=96, seed=3):
    """AR(1) features (rho = 0.9) with scales spread over two decades: Jacobi is weak here."""
    rng = np.random.default_rng(seed)
    index = np.arange(n_features)
    root = np.linalg.cholesky(0.9 ** np.abs(index[:, None] - index[None, :]))
    X = rng.normal(size=(n_samples, n_features)) @ root.T
    X *= rng.permutation(np.logspace(-1.0, 1.0, n_features)) * 3.0 / math.sqrt(n_features)
    theta = rng.normal(size=n_features)
    y = (rng.random(n_samples) < expit(X @ theta)).astype(int)
    return np.ascontiguousarray(X), y


def count_passes(monkeypatch):
    """Count Hessian-vector products and Hessians formed, on any version of the objective."""
    counts = {"products": 0, "hessians": 0}
    for name in ("hessian_product", "hessian_product_and_logits", "hessian"):
        original = getattr(PenalizedLogLoss, name, None)
        if original is None:
            continue
        key = "hessians" if name == "hessian" else "products"

        def counted(self, *args, _original=original, _key=key, **kwargs):
            counts[_key] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PenalizedLogLoss, name, counted)
    return counts


def test_newton_cg_on_correlated_features_costs_about_two_cholesky_fits(monkeypatch):
    """Jacobi-preconditioned CG took 180 products here, 30 Hessians' cost; now 23 and 2 Hessians.

    A Hessian (``n p^2`` flops, BLAS-3) costs about ``p / 16`` products
    (``4 n p`` flops each, memory-bound): newton-cg now factorises ``H`` once
    its products have cost that much, and the later steps take a few products
    each. The bound, 8 Hessians' cost, leaves room for rounding to move a
    product or two. The fit is the same as newton-cholesky's.
    """
    X, y = correlated_problem()
    exact = fit_silently(PairwiseLogisticRegression(solver="newton-cholesky", tol=1e-12), X, y)
    counts = count_passes(monkeypatch)
    model = fit_silently(PairwiseLogisticRegression(solver="newton-cg"), X, y)
    cost = (X.shape[0] * X.shape[1] ** 2) / (16.0 * X.shape[0] * X.shape[1])
    assert counts["products"] + cost * counts["hessians"] <= 8.0 * cost
    assert_allclose(model.coef_, exact.coef_, rtol=0, atol=1e-8)


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_newton_cg_returns_the_logits_of_its_coefficients(fit_intercept):
    """The logits the fit hands the posterior are ``X w``, also after huge trial steps.

    The line search updates ``z + t z(p)``; on separable data with a huge ``C``
    a trial step can reach logits of 1e18 and be walked back, and each sum
    then carries a rounding of eps 1e18 = 256 into every later logit unless
    the logits are formed afresh.
    """
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 2))
    y = (X @ [1.0, -1.0] + 0.5 * fit_intercept > 0).astype(int)
    objective = PenalizedLogLoss(X, y.astype(float), np.ones(30), 1e300, fit_intercept)
    for solver in (newton_cg, newton_cholesky):
        result = solver(objective, np.zeros(objective.n_params), 1e-8, 100)
        assert result.converged
        exact = objective.logits(result.w)
        assert np.abs(result.z - exact).max() <= 1e-9 * np.abs(exact).max()
