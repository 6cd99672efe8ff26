"""PreferenceLearner: a modAL ActiveLearner that works on current scikit-learn.

Why the subclass exists (SPEC section 5): modAL 0.4.2.1 validates with
``check_X_y(force_all_finite=...)``, an argument scikit-learn 1.8 removed, so
plain ``ActiveLearner.teach`` raises ``TypeError``; and an active loop often
starts with labels of one class only, which a classifier cannot fit.
"""

import warnings

import numpy as np
import pytest
import sklearn
from modAL.models import ActiveLearner
from scipy.optimize import minimize
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.utils.fixes import parse_version
from sklearn.utils.validation import check_is_fitted

from skpref import PairwiseLogisticRegression
from skpref.active import PreferenceLearner
from skpref.pairs import PairDifference
from skpref.query import (
    APOSampling,
    CILocationSampling,
    DOptimalSampling,
    DesignSampling,
    GOptimalSampling,
    RandomSampling,
    SelectiveSampling,
    UncertaintySampling,
    apo_sampling,
    ci_location_sampling,
    d_optimal_sampling,
    design_sampling,
    g_optimal_sampling,
    random_sampling,
    selective_sampling,
    uncertainty_sampling,
)

# -- helpers -----------------------------------------------------------------------



def comparisons(n_samples, n_features=3, seed=0):
    """Seeded Bradley-Terry rows and labels (both labels present)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = (X @ np.array([1.5, -1.0, 0.5])[:n_features] + rng.logistic(size=n_samples) > 0).astype(int)
    y[:2] = [0, 1]
    return X, y


def labeled_only_objective(X, y, C):
    """The penalised log-loss of the labeled rows alone (what a one-class start must minimise)."""
    sign = np.where(y == 1, 1.0, -1.0)

    def value_and_gradient(theta):
        z = sign * (X @ theta)
        value = np.logaddexp(0.0, -z).sum() + theta @ theta / (2 * C)
        gradient = -(X * (sign / (1 + np.exp(z)))[:, None]).sum(axis=0) + theta / C
        return value, gradient

    return value_and_gradient


FAST_DESIGN = {"n_candidates": 20, "max_iter": 20}

# (function, object, parameters): every strategy, in both forms
STRATEGIES = {
    "random": (random_sampling, RandomSampling, {}),
    "uncertainty": (uncertainty_sampling, UncertaintySampling, {}),
    "apo": (apo_sampling, APOSampling, {}),
    "d-optimal": (d_optimal_sampling, DOptimalSampling, {}),
    "selective": (selective_sampling, SelectiveSampling, {"b": 0.5}),
    "ci-location": (ci_location_sampling, CILocationSampling, {"beta": 2.0}),
    "ci-location-zscore": (ci_location_sampling, CILocationSampling, {"criterion": "zscore"}),
    "g-optimal": (g_optimal_sampling, GOptimalSampling, FAST_DESIGN),
    "design-mean": (design_sampling, DesignSampling, FAST_DESIGN),
    "design-max": (design_sampling, DesignSampling, {**FAST_DESIGN, "aggregate": "max"}),
}


def strategy_in_form(name, form):
    """The strategy as passed to a learner: the function (params at query time) or the object."""
    function, cls, params = STRATEGIES[name]
    if form == "object":
        return cls(**params, random_state=0), {}
    return function, {**params, "random_state": 0}


# -- why the subclass exists ----------------------------------------------------------------


def test_is_a_modal_active_learner():
    """PreferenceLearner is a real subclass of modAL's ActiveLearner."""
    assert issubclass(PreferenceLearner, ActiveLearner)
    assert isinstance(PreferenceLearner(), ActiveLearner)


def test_defaults():
    """Defaults: an unfitted PairwiseLogisticRegression and CI-location sampling."""
    learner = PreferenceLearner()
    assert isinstance(learner.estimator, PairwiseLogisticRegression)
    assert learner.query_strategy is ci_location_sampling
    with pytest.raises(NotFittedError):
        check_is_fitted(learner.estimator)


@pytest.mark.skipif(
    parse_version(sklearn.__version__) < parse_version("1.8"),
    reason="scikit-learn < 1.8 still accepts force_all_finite (with a FutureWarning)",
)
def test_plain_modal_teach_fails_on_current_scikit_learn():
    """Plain modAL's teach passes force_all_finite to check_X_y, which scikit-learn 1.8+ rejects."""
    X, y = comparisons(10)
    learner = ActiveLearner(
        estimator=PairwiseLogisticRegression(), X_training=X[:6], y_training=y[:6]
    )
    with pytest.raises(TypeError, match="force_all_finite"):
        learner.teach(X[6:], y[6:])


def test_teach_works_and_refits_on_all_labels():
    """teach adds the new pairs and refits on every label, exactly as a direct fit."""
    X, y = comparisons(30)
    learner = PreferenceLearner(X_training=X[:10], y_training=y[:10])
    learner.teach(X[10:20], y[10:20])
    learner.teach(X[20:], y[20:])
    assert learner.X_training.shape == (30, 3) and learner.y_training.shape == (30,)
    direct = PairwiseLogisticRegression().fit(X, y)
    np.testing.assert_array_equal(learner.estimator.coef_, direct.coef_)


def test_teach_only_new():
    """teach(only_new=True) refits on the new pairs alone."""
    X, y = comparisons(20)
    learner = PreferenceLearner(X_training=X[:10], y_training=y[:10])
    learner.teach(X[10:], y[10:], only_new=True)
    np.testing.assert_array_equal(
        learner.estimator.coef_, PairwiseLogisticRegression().fit(X[10:], y[10:]).coef_
    )


def test_teach_rejects_mismatched_features():
    """New pairs with another number of features are refused with a ValueError."""
    X, y = comparisons(10)
    learner = PreferenceLearner(X_training=X, y_training=y)
    with pytest.raises(ValueError, match="features"):
        learner.teach(np.ones((2, 4)), np.array([0, 1]))


# -- one-class starts -----------------------------------------------------------------------


@pytest.mark.parametrize("label", [1, 0])
def test_one_class_start_fits_the_mirrored_rows(label):
    """All labels equal: coef_ is exactly the fit on the mirrored rows at half weight."""
    X, _ = comparisons(6, seed=1)
    y = np.full(6, label)
    learner = PreferenceLearner(X_training=X, y_training=y)
    mirrored = PairwiseLogisticRegression().fit(
        np.vstack([X, -X]), np.concatenate([y, 1 - y]), sample_weight=np.full(12, 0.5)
    )
    np.testing.assert_array_equal(learner.estimator.coef_, mirrored.coef_)
    check_is_fitted(learner.estimator)
    np.testing.assert_array_equal(learner.estimator.classes_, [0, 1])


@pytest.mark.parametrize("C", [0.5, 1.0, 10.0])
def test_one_class_start_is_the_labeled_rows_objective(C):
    """The one-class fit minimises the labeled rows' own penalised log-loss."""
    X, _ = comparisons(5, seed=2)
    y = np.ones(5, dtype=int)
    model = PairwiseLogisticRegression(C=C)
    learner = PreferenceLearner(estimator=model, X_training=X, y_training=y)
    # the same objective, reached another way: unit-weight mirrored rows at C / 2
    doubled = PairwiseLogisticRegression(C=C / 2).fit(np.vstack([X, -X]), np.r_[y, 1 - y])
    np.testing.assert_allclose(learner.estimator.coef_, doubled.coef_, rtol=1e-7, atol=1e-10)
    # and directly
    reference = minimize(labeled_only_objective(X, y, C), np.zeros(3), jac=True, method="BFGS",
                         options={"gtol": 1e-10})
    np.testing.assert_allclose(learner.estimator.coef_.ravel(), reference.x, rtol=1e-5, atol=1e-7)


def test_one_class_start_is_sensible():
    """After 'first preferred' labels only, the model mildly prefers those first items."""
    X, _ = comparisons(4, seed=3)
    learner = PreferenceLearner(X_training=X, y_training=np.ones(4, dtype=int))
    probabilities = learner.estimator.predict_proba(X)[:, 1]
    assert np.all(probabilities > 0.5) and np.all(probabilities < 0.99)
    np.testing.assert_array_equal(learner.predict(X), np.ones(4))
    np.testing.assert_allclose(learner.estimator.predict_proba(-X)[:, 1], 1 - probabilities)


def test_one_class_start_then_both_classes():
    """Teaching the other class later gives the ordinary fit on all labels."""
    X, _ = comparisons(8, seed=4)
    y = np.array([1, 1, 1, 0, 1, 0, 0, 1])
    learner = PreferenceLearner(X_training=X[:3], y_training=y[:3])
    learner.teach(X[3:], y[3:])
    direct = PairwiseLogisticRegression().fit(X, y)
    np.testing.assert_array_equal(learner.estimator.coef_, direct.coef_)


def test_one_class_start_with_a_pipeline_warns_and_queries_the_prior():
    """A Pipeline cannot take mirrored rows: it warns, stays unfitted, and queries use the prior."""
    rng = np.random.default_rng(5)
    items = rng.normal(size=(30, 6))
    pipeline = make_pipeline(PairDifference(), PairwiseLogisticRegression(C=2.0))
    with pytest.warns(UserWarning, match="one label class"):
        learner = PreferenceLearner(
            estimator=pipeline, X_training=items[:3], y_training=np.ones(3, int)
        )
    with pytest.raises(NotFittedError):
        check_is_fitted(learner.estimator)
    indices, rows = learner.query(items, n_instances=3)
    differences = items[:, :3] - items[:, 3:]
    prior, _ = ci_location_sampling(PairwiseLogisticRegression(C=2.0), differences, 3)
    np.testing.assert_array_equal(indices, prior)
    np.testing.assert_array_equal(rows, items[indices])
    learner.teach(rows, np.array([0, 1, 0]))
    check_is_fitted(learner.estimator)


def test_one_class_start_with_an_intercept_warns():
    """With an intercept, mirroring would change the fit: warn and stay at the prior."""
    X, _ = comparisons(4, seed=6)
    with pytest.warns(UserWarning, match="one label class"):
        learner = PreferenceLearner(
            estimator=PairwiseLogisticRegression(fit_intercept=True),
            X_training=X,
            y_training=np.ones(4, int),
        )
    with pytest.raises(NotFittedError):
        check_is_fitted(learner.estimator)
    indices, _ = learner.query(comparisons(10, seed=7)[0], n_instances=2)
    assert indices.shape == (2,)


# -- every strategy in a loop -------------------------------------------------------------------


@pytest.mark.parametrize("n_instances", [1, 2, 3])
@pytest.mark.parametrize("form", ["function", "object"])
@pytest.mark.parametrize("name", list(STRATEGIES))
def test_every_strategy_queries_and_teaches(name, form, n_instances):
    """learner.query(..., return_metrics=True) returns k rows and their scores; teach takes them."""
    X, y = comparisons(40, seed=8)
    strategy, query_params = strategy_in_form(name, form)
    learner = PreferenceLearner(query_strategy=strategy, X_training=X[:6], y_training=y[:6])
    pool = X[6:]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. modAL's "doesn't support return_metrics"
        indices, rows, metrics = learner.query(
            pool, n_instances=n_instances, return_metrics=True, **query_params
        )
    assert indices.shape == (n_instances,) and np.unique(indices).size == n_instances
    np.testing.assert_array_equal(rows, pool[indices])
    assert np.shape(metrics) == (n_instances,)
    learner.teach(rows, y[6:][indices])
    assert learner.X_training.shape == (6 + n_instances, 3)
    check_is_fitted(learner.estimator)


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_plain_modal_learner_accepts_strategy_objects(name):
    """modAL's own ActiveLearner queries with a skpref strategy object."""
    X, y = comparisons(30, seed=9)
    strategy, _ = strategy_in_form(name, "object")
    learner = ActiveLearner(
        estimator=PairwiseLogisticRegression(),
        query_strategy=strategy,
        X_training=X[:8],
        y_training=y[:8],
    )
    indices, rows = learner.query(X[8:], n_instances=2)
    assert indices.shape == (2,)
    np.testing.assert_array_equal(rows, X[8:][indices])
    np.testing.assert_array_equal(indices, strategy(learner.estimator, X[8:], 2)[0])


def test_a_short_loop_never_queries_a_row_twice():
    """A loop that removes labeled rows from the pool labels distinct pairs and improves the fit."""
    X, y = comparisons(60, seed=10)
    pool, labels = X[2:].copy(), y[2:].copy()
    learner = PreferenceLearner(X_training=X[:2], y_training=y[:2])
    for _ in range(5):
        indices, rows = learner.query(pool, n_instances=4)
        learner.teach(rows, labels[indices])
        pool, labels = np.delete(pool, indices, axis=0), np.delete(labels, indices)
    assert learner.X_training.shape == (22, 3)
    assert np.unique(learner.X_training, axis=0).shape[0] == 22
