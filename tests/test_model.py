"""Properties of ``PairwiseLogisticRegression`` (SPEC sections 1-2).

The estimator is checked against independent references: scikit-learn's
``LogisticRegression`` for the fit, a dense numpy Hessian for the Laplace
widths and choix for the one-hot Bradley-Terry case; symmetry, weighting,
warm starts, numerical range, input validation and pickling are checked as
properties.
"""

import pickle
import warnings

import choix
import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from skpref import PairwiseLogisticRegression
from skpref.pairs import make_pairs

from _dense import augmented, information, logistic_variance, widths

SOLVERS = ["newton-cholesky", "newton-cg"]


# -- helpers -----------------------------------------------------------------


def make_problem(seed, n_samples=120, n_features=4, bias=0.0, scale=1.0):
    """Rows and labels drawn from a Bradley-Terry model with a random theta."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    theta = scale * rng.normal(size=n_features)
    y = (rng.random(n_samples) < expit(X @ theta + bias)).astype(int)
    return X, y


def _near_collinear_problem():
    """18 comparisons, most identical: the last Newton step is below f's round-off."""
    X = np.full((18, 4), 2.25)
    X[0] = [-1.0, 0.0, 2.25, 2.25]
    X[3] = [2.25, 2.25, 0.0, 2.25]
    y = np.zeros(18, dtype=int)
    y[[1, 2, 5]] = 1
    return X, y, 1.0


def _duplicated_rows_problem():
    """Five comparisons, four of them identical, with duplicated columns."""
    X = np.ones((5, 4))
    X[0, :2] = 0.0
    return X, np.array([0, 1, 1, 0, 0]), 20.0


def _gaussian_problem_and_queries():
    """Generic rows (two decimals), for an explicit antisymmetry example."""
    rng = np.random.default_rng(0)
    X = np.round(rng.normal(size=(12, 5)), 2)
    queries = np.round(rng.normal(size=(20, 5)), 2)
    return (X, np.arange(12) % 2, 1.0), queries


def _nearly_constant_rows_problem():
    """Eight comparisons, most rows 2^-9 everywhere: newton-cg's last step matters.

    A stopping rule that skipped the last step once ``C ||g|| <= tol ||theta||``
    left 2.8e-8 here (||theta|| ~ 3).
    """
    X = np.full((8, 5), 2.0**-9)
    X[0, :2] = [0.25, 0.625]
    X[2, 3] = 2.5
    X[7, 1:3] = 1.0
    return X, np.array([0, 1, 0, 0, 0, 0, 0, 0]), 20.0


def _single_feature_problem():
    """One feature, zero on all rows but one, with the first row weighted 0."""
    X = np.zeros((9, 1))
    X[1] = 2.0
    counts = [0] + [3] * 19
    return (X, np.array([0, 1, 0, 0, 1, 1, 1, 1, 1]), 1.0), counts


# Examples that hypothesis found; kept as explicit examples (see the tests).
NEAR_COLLINEAR_PROBLEM = _near_collinear_problem()
NEARLY_CONSTANT_ROWS_PROBLEM = _nearly_constant_rows_problem()
DUPLICATED_ROWS_PROBLEM = _duplicated_rows_problem()
GAUSSIAN_PROBLEM, GAUSSIAN_QUERIES = _gaussian_problem_and_queries()
SINGLE_FEATURE_PROBLEM, SINGLE_FEATURE_COUNTS = _single_feature_problem()


@st.composite
def problems(draw, max_rows=30, max_features=5):
    """A small training set with both labels, and a C."""
    n_rows = draw(st.integers(4, max_rows))
    n_features = draw(st.integers(1, max_features))
    elements = st.floats(-3, 3, allow_nan=False, allow_subnormal=False)
    X = draw(hnp.arrays(np.float64, (n_rows, n_features), elements=elements))
    y = draw(hnp.arrays(np.int64, n_rows, elements=st.integers(0, 1)))
    y[:2] = [0, 1]  # both classes, without filtering examples away
    C = draw(st.sampled_from([0.05, 1.0, 20.0]))
    return X, y, C


LAYOUTS = ["C", "F", "column-slice"]


def in_layout(X, layout):
    """``X`` as a C-ordered, Fortran-ordered or non-contiguous (column slice) array."""
    if layout == "C":
        return np.ascontiguousarray(X)
    if layout == "F":
        return np.asfortranarray(X)
    wider = np.zeros((X.shape[0], X.shape[1] + 3))
    wider[:, : X.shape[1]] = X
    return wider[:, : X.shape[1]]


def dense_hessian(model, X, sample_weight=None):
    """``H = I / C + X~^T diag(s mu'(z)) X~``, intercept unpenalised, in plain numpy."""
    weights = logistic_variance(X @ model.coef_.ravel() + model.intercept_[0])
    if sample_weight is not None:
        weights = weights * sample_weight
    return information(X, weights, 1.0 / model.C, model.fit_intercept)


def dense_widths(H, X, fit_intercept):
    """``sqrt(diag(X~ H^{-1} X~^T))`` through a dense solve."""
    return widths(H, augmented(X, fit_intercept))


def rows_with_logits(model, X, logits):
    """Rescale the rows of ``X`` so that the model's decision function is ``logits``."""
    b = model.intercept_[0]
    z0 = X @ model.coef_.ravel()
    return X * ((logits - b) / z0)[:, None]


def sklearn_reference(X, y, C, fit_intercept, sample_weight=None):
    """``coef_`` and ``intercept_`` of scikit-learn's LogisticRegression, solved tightly."""
    reference = LogisticRegression(
        C=C,
        fit_intercept=fit_intercept,
        solver="newton-cholesky",
        tol=1e-12,
        max_iter=1000,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # penalty deprecations of recent sklearn
        reference.fit(X, y, sample_weight=sample_weight)
    return reference.coef_, reference.intercept_


# -- symmetry ------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
@given(
    problem=problems(),
    queries=hnp.arrays(
        np.float64, st.tuples(st.integers(1, 40), st.just(5)), elements=st.floats(-50, 50)
    ),
)
@example(problem=GAUSSIAN_PROBLEM, queries=GAUSSIAN_QUERIES)
def test_predict_proba_is_antisymmetric_without_intercept(layout, problem, queries):
    """Swapping the two items swaps the probabilities, to the bit, in every memory layout.

    ``predict_proba`` promises ``predict_proba(-X)[:, 1] == predict_proba(X)[:, 0]``
    exactly; a column slice of a wider array is an ordinary input (``-X`` of
    it is a new C-ordered array), so the promise must hold for it too.
    """
    X, y, C = problem
    model = PairwiseLogisticRegression(C=C).fit(X, y)
    Q = in_layout(queries[:, : X.shape[1]], layout)
    assert_array_equal(model.predict_proba(-Q)[:, 1], model.predict_proba(Q)[:, 0])
    assert_array_equal(model.predict_proba(-Q)[:, 0], model.predict_proba(Q)[:, 1])
    assert_array_equal(model.decision_function(-Q), -model.decision_function(Q))


@pytest.mark.parametrize("solver", SOLVERS)
@given(problem=problems(), mirror=st.lists(st.booleans(), min_size=30, max_size=30))
@example(problem=NEAR_COLLINEAR_PROBLEM, mirror=[True] * 30)
def test_mirroring_rows_leaves_coef_unchanged(solver, problem, mirror):
    """Rewriting comparisons as ``(x, y) -> (-x, 1 - y)`` is the same data set.

    Both fits solve the same strictly convex problem and end with a full
    Newton step taken once the decrement is below ``tol sqrt(2 f)`` (1e-8
    relative), which leaves an error of the order of its square, so the two
    solutions agree to 1e-10.
    """
    X, y, C = problem
    mirror = np.array(mirror[: len(y)])
    X_mirrored = np.where(mirror[:, None], -X, X)
    y_mirrored = np.where(mirror, 1 - y, y)
    assume(0 < y_mirrored.sum() < len(y_mirrored))
    original = PairwiseLogisticRegression(C=C, solver=solver).fit(X, y)
    mirrored = PairwiseLogisticRegression(C=C, solver=solver).fit(X_mirrored, y_mirrored)
    assert_allclose(mirrored.coef_, original.coef_, rtol=0, atol=1e-10)


# -- the fit -------------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [False, True])
@given(problem=problems(max_rows=20), counts=st.lists(st.integers(0, 3), min_size=20, max_size=20))
@example(problem=DUPLICATED_ROWS_PROBLEM, counts=[3] * 20)
@example(problem=SINGLE_FEATURE_PROBLEM, counts=SINGLE_FEATURE_COUNTS)
def test_integer_sample_weight_equals_repeated_rows(fit_intercept, problem, counts):
    """``sample_weight = k`` is ``k`` copies of the row (0: the row is dropped)."""
    X, y, C = problem
    counts = np.array(counts[: len(y)])
    assume(np.unique(y[counts > 0]).size == 2)
    weighted = PairwiseLogisticRegression(C=C, fit_intercept=fit_intercept)
    weighted.fit(X, y, sample_weight=counts)
    repeated = PairwiseLogisticRegression(C=C, fit_intercept=fit_intercept).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    )
    assert_allclose(weighted.coef_, repeated.coef_, rtol=0, atol=1e-8)
    assert_allclose(weighted.intercept_, repeated.intercept_, rtol=0, atol=1e-8)


@pytest.mark.parametrize("solver", SOLVERS)
@given(problem=problems(max_rows=20), weight=st.sampled_from([1.0, 3.0]))
@example(problem=DUPLICATED_ROWS_PROBLEM, weight=3.0)
@example(problem=(-NEAR_COLLINEAR_PROBLEM[0], 1 - NEAR_COLLINEAR_PROBLEM[1], 1.0), weight=1.0)
@example(problem=NEARLY_CONSTANT_ROWS_PROBLEM, weight=1.0)
def test_coef_is_accurate_to_tol(solver, problem, weight):
    """At the default ``tol`` the coefficients are within 1e-8 of the exact optimum.

    ``tol`` bounds the decrement of the last step relative to ``sqrt(2 f)``
    (see ``tests/test_solvers.py`` for that promise itself); that step is
    taken, so what is left is of the order of its square. The reference is
    scikit-learn's LogisticRegression at ``tol=1e-12``.
    """
    X, y, C = problem
    sample_weight = np.full(len(y), weight)
    model = PairwiseLogisticRegression(C=C, solver=solver, tol=1e-8)
    model.fit(X, y, sample_weight=sample_weight)
    coef, _ = sklearn_reference(X, y, C, False, sample_weight)
    assert np.max(np.abs(model.coef_ - coef)) <= 1e-8


@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_coef_matches_sklearn_logistic_regression(C, solver, fit_intercept, weighted):
    """The objective is LogisticRegression's (unpenalised intercept included)."""
    X, y = make_problem(seed=1, n_samples=200, n_features=5, bias=0.7)
    sample_weight = np.random.default_rng(2).uniform(0.2, 3.0, len(y)) if weighted else None
    model = PairwiseLogisticRegression(C=C, fit_intercept=fit_intercept, solver=solver)
    model.fit(X, y, sample_weight=sample_weight)
    coef, intercept = sklearn_reference(X, y, C, fit_intercept, sample_weight)
    assert_allclose(model.coef_, coef, rtol=0, atol=1e-6)
    assert_allclose(model.intercept_, intercept, rtol=0, atol=1e-6)


@pytest.mark.parametrize("alpha", [0.05, 0.5, 2.0])
def test_one_hot_case_matches_choix(alpha):
    """One-hot rows ``e_winner - e_loser`` are choix's Bradley-Terry model.

    choix minimises ``alpha ||theta||^2 + sum nll`` (its ``PairwiseFcts``),
    ours ``||theta||^2 / (2 C) + sum nll``: the same problem for
    ``C = 1 / (2 alpha)``. ``opt_pairwise`` returns its optimiser's ``x``
    without centring, and no centring is needed: every one-hot difference
    row sums to zero, so the stationarity condition ``theta / C = -X^T r``
    forces ``sum(theta) = -C * sum_j r_j * (1 + (-1)) = 0`` for both fits. We
    assert that our estimate is mean-zero instead of centring it. choix is run
    with a tight ``tol`` so that the comparison is limited by neither solver.
    """
    n_items, n_comparisons = 7, 150
    rng = np.random.default_rng(3)
    strength = rng.normal(size=n_items)
    first, second = np.array(
        [rng.choice(n_items, size=2, replace=False) for _ in range(n_comparisons)]
    ).T
    first_wins = rng.random(n_comparisons) < expit(strength[first] - strength[second])
    winners = np.where(first_wins, first, second)
    losers = np.where(first_wins, second, first)
    one_hot = np.eye(n_items)
    X, y = make_pairs(one_hot[winners], one_hot[losers], random_state=4)

    model = PairwiseLogisticRegression(C=1.0 / (2.0 * alpha)).fit(X, y)
    expected = choix.opt_pairwise(n_items, list(zip(winners, losers)), alpha=alpha, tol=1e-12)

    assert abs(model.coef_.sum()) < 1e-10
    # Both solutions are accurate to ~1e-9 (choix at tol=1e-12, ours at 1e-8),
    # so 1e-7 is tighter than the 1e-5 that choix's default tol would need.
    assert_allclose(model.coef_.ravel(), expected, rtol=0, atol=1e-7)


# -- the Laplace posterior of a fitted model -----------------------------------


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("C", [0.1, 1.0, 30.0])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_logit_std_matches_dense_hessian(fit_intercept, C, weighted):
    """``w(x) = sqrt(x~^T H^{-1} x~)`` with ``H`` built from the training rows."""
    X, y = make_problem(seed=5, n_samples=60, n_features=6, bias=0.5)
    sample_weight = np.random.default_rng(6).uniform(0.0, 2.0, len(y)) if weighted else None
    model = PairwiseLogisticRegression(C=C, fit_intercept=fit_intercept)
    model.fit(X, y, sample_weight=sample_weight)
    queries = np.random.default_rng(7).normal(size=(25, 6))
    H = dense_hessian(model, X, sample_weight)
    assert_allclose(model.logit_std(queries), dense_widths(H, queries, fit_intercept), rtol=1e-10)


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("beta", [0.0, 1.0, 2.5])
def test_confidence_interval_is_mean_plus_minus_beta_width(fit_intercept, beta):
    """``confidence_interval(X, beta) == (m - beta w, m + beta w)``."""
    X, y = make_problem(seed=8, bias=0.3)
    model = PairwiseLogisticRegression(fit_intercept=fit_intercept).fit(X, y)
    m, w = model.decision_function(X), model.logit_std(X)
    lower, upper = model.confidence_interval(X, beta=beta)
    assert_allclose(lower, m - beta * w, rtol=1e-12, atol=1e-12)
    assert_allclose(upper, m + beta * w, rtol=1e-12, atol=1e-12)


# -- numerical range -------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_predict_log_proba_is_finite_and_exact_at_huge_logits(fit_intercept):
    """At ``z = +-1e4`` the log-probabilities are ``(-z, 0)`` / ``(0, z)``, not ``-inf``."""
    X, y = make_problem(seed=9, n_samples=80, bias=0.4)
    model = PairwiseLogisticRegression(fit_intercept=fit_intercept).fit(X, y)
    targets = np.array([1e4, -1e4, 30.0, -30.0, 0.5, -2.0])
    rows = rows_with_logits(model, X[: len(targets)], targets)
    z = model.decision_function(rows)
    assert_allclose(z, targets, rtol=1e-9)

    log_proba = model.predict_log_proba(rows)
    tail = np.log1p(np.exp(-np.abs(z)))  # log(1 + e^-|z|), no overflow
    expected = np.column_stack([-np.maximum(z, 0) - tail, -np.maximum(-z, 0) - tail])
    assert np.all(np.isfinite(log_proba))
    assert_allclose(log_proba, expected, rtol=1e-12, atol=1e-300)
    assert_allclose(np.exp(log_proba), model.predict_proba(rows), rtol=1e-12, atol=0)


@given(problem=problems(), log_scale=st.floats(-3, 4))
def test_predict_proba_rows_sum_to_one(problem, log_scale):
    """Both columns are computed directly, so they still sum to one."""
    X, y, C = problem
    model = PairwiseLogisticRegression(C=C, fit_intercept=True).fit(X, y)
    proba = model.predict_proba(X * 10.0**log_scale)
    assert np.all((proba >= 0) & (proba <= 1))
    assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)


# -- warm starts and convergence ---------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("posterior_built", [False, True], ids=["cold-posterior", "posterior"])
def test_warm_start_after_adding_rows_matches_cold_fit(solver, fit_intercept, posterior_built):
    """A warm refit on more rows reaches the cold solution in no more iterations.

    With ``posterior_built`` the previous fit's posterior exists (``logit_std``
    was called, as in an active loop), so Newton-CG is preconditioned by its
    Cholesky factor.
    """
    X, y = make_problem(seed=10, n_samples=300, n_features=8, bias=0.5, scale=1.5)
    params = dict(C=3.0, fit_intercept=fit_intercept, solver=solver)
    warm = PairwiseLogisticRegression(warm_start=True, **params).fit(X[:250], y[:250])
    if posterior_built:
        warm.logit_std(X[:3])
    warm.fit(X, y)
    cold = PairwiseLogisticRegression(**params).fit(X, y)
    assert_allclose(warm.coef_, cold.coef_, rtol=0, atol=1e-8)
    assert_allclose(warm.intercept_, cold.intercept_, rtol=0, atol=1e-8)
    assert warm.n_iter_ <= cold.n_iter_
    # Refitting the same rows starts at the optimum: at most one (tiny) step.
    assert warm.fit(X, y).n_iter_ <= 1 < cold.n_iter_
    # The posterior is rebuilt for the new fit, not the cached old one.
    assert_allclose(warm.logit_std(X[:20]), cold.logit_std(X[:20]), rtol=1e-7)


@pytest.mark.parametrize("solver", SOLVERS)
def test_convergence_warning_when_max_iter_is_too_small(solver):
    """One Newton step cannot solve a problem whose solution is far from zero."""
    X, y = make_problem(seed=11, n_samples=200, scale=3.0)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        PairwiseLogisticRegression(C=100.0, max_iter=1, solver=solver).fit(X, y)


# -- validation --------------------------------------------------------------------


def _fitted_on(seed=12, fit_intercept=False):
    X, y = make_problem(seed, n_samples=40, n_features=3)
    return PairwiseLogisticRegression(fit_intercept=fit_intercept).fit(X, y), X, y


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_fit_rejects_non_finite_rows(bad):
    """NaN or infinity in the training rows is an error, not a NaN fit."""
    X, y = make_problem(seed=12, n_samples=40, n_features=3)
    X[5, 1] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        PairwiseLogisticRegression().fit(X, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "decision_function", "logit_std", "confidence_interval"]
)
def test_prediction_rejects_non_finite_rows(method, bad):
    """Every method that reads rows refuses NaN and infinity."""
    model, X, _ = _fitted_on()
    X = X[:5].copy()  # a copy: the training rows themselves stay intact
    X[2, 0] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        getattr(model, method)(X)


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "decision_function", "logit_std", "confidence_interval"]
)
def test_prediction_rejects_wrong_number_of_features(method):
    """Rows with another width than the training rows are refused by name."""
    model, _, _ = _fitted_on()
    with pytest.raises(ValueError, match="X has 4 features.*expecting 3 features"):
        getattr(model, method)(np.ones((2, 4)))


def _labels_with_three_classes(y):
    return np.where(np.arange(len(y)) % 3 == 0, 2, y)


FIT_ERRORS = {
    "three-classes": (
        lambda X, y: (X, _labels_with_three_classes(y), None),
        "Only binary classification is supported.*3 classes",
    ),
    "one-class": (lambda X, y: (X, np.zeros_like(y), None), "only one class"),
    "negative-weight": (
        lambda X, y: (X, y, np.where(np.arange(len(y)) == 7, -1.0, 1.0)),
        "Negative values in sample_weight",
    ),
    "negative-scalar-weight": (lambda X, y: (X, y, -1.0), "Negative values in sample_weight"),
    "nan-weight": (
        lambda X, y: (X, y, np.where(np.arange(len(y)) == 3, np.nan, 1.0)),
        "sample_weight contains NaN",
    ),
    "X-y-lengths": (lambda X, y: (X, y[:-1], None), "inconsistent numbers of samples"),
    "weight-length": (
        lambda X, y: (X, y, np.ones(len(y) - 1)),
        r"sample_weight must have shape \(40,\)",
    ),
    "all-zero-weights": (lambda X, y: (X, y, np.zeros(len(y))), "at least one non-zero"),
    "all-zero-scalar-weight": (lambda X, y: (X, y, 0.0), "at least one non-zero"),
    "one-class-after-zero-weights": (
        lambda X, y: (X, y, (y == 1).astype(float)),
        "2 classes with positive sample_weight",
    ),
}


@pytest.mark.parametrize("case", FIT_ERRORS.values(), ids=FIT_ERRORS.keys())
def test_fit_rejects_invalid_targets_and_weights(case):
    """Bad labels or weights raise a ValueError that says what is wrong."""
    make_arguments, message = case
    X, y = make_problem(seed=12, n_samples=40, n_features=3)
    X, y, sample_weight = make_arguments(X, y)
    with pytest.raises(ValueError, match=message):
        PairwiseLogisticRegression().fit(X, y, sample_weight=sample_weight)


def test_confidence_interval_rejects_negative_beta():
    """``beta`` is a number of standard deviations, so it cannot be negative."""
    model, X, _ = _fitted_on()
    with pytest.raises(ValueError, match="beta must be a non-negative"):
        model.confidence_interval(X, beta=-1.0)


# -- pickling and the lazily built posterior ------------------------------------------


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("posterior_built", [False, True], ids=["lazy", "built"])
def test_pickle_round_trip_keeps_predictions_and_widths(fit_intercept, posterior_built):
    """An unpickled model predicts and measures widths exactly as the original."""
    model, X, _ = _fitted_on(fit_intercept=fit_intercept)
    if posterior_built:
        model.logit_std(X[:1])
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert_array_equal(restored.predict(X), model.predict(X))
    assert_array_equal(restored.logit_std(X), model.logit_std(X))


def test_pickle_does_not_hold_the_training_rows():
    """Pickling stores the posterior factor (p x p), not the n x d training rows."""
    X, y = make_problem(seed=13, n_samples=20_000, n_features=30)
    model = PairwiseLogisticRegression().fit(X, y)
    blob = pickle.dumps(model)
    assert len(blob) < X.nbytes / 100
    assert_array_equal(pickle.loads(blob).logit_std(X[:50]), model.logit_std(X[:50]))


def _change_one_entry(X):
    X[0, 0] += 1.0


def _mirror_one_row(X):
    X[3] *= -1.0


def _swap_two_rows(X):
    X[[0, 1]] = X[[1, 0]]


@pytest.mark.parametrize(
    "modify",
    [_change_one_entry, _mirror_one_row, _swap_two_rows],
    ids=["one-entry", "mirrored-row", "swapped-rows"],
)
def test_in_place_edit_of_training_rows_is_detected(modify):
    """Editing X after fit, before the posterior is built, raises instead of lying.

    The lazy posterior is built from the caller's training array; if that
    array changed, the widths would silently describe other data. Swapping
    two rows keeps every column sum but pairs each row with another row's
    curvature ``mu'(z_j)``, so it must be caught too.
    """
    X, y = make_problem(seed=14, n_samples=50, n_features=3, scale=2.0)
    model = PairwiseLogisticRegression().fit(X, y)
    modify(X)
    with pytest.raises(RuntimeError, match="modified"):
        model.logit_std(X[:2])
