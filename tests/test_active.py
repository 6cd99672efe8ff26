"""PreferenceLearner: a modAL ActiveLearner that works on current scikit-learn.

Why the subclass exists (SPEC section 5): modAL 0.4.2.1 validates with
``check_X_y(force_all_finite=...)``, an argument scikit-learn 1.8 removed, so
plain ``ActiveLearner.teach`` raises ``TypeError``; and an active loop often
starts with labels of one class only, which a classifier cannot fit.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from modAL.models import ActiveLearner
from scipy.optimize import minimize
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
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


# -- DataFrames and Series (modAL's data_vstack uses DataFrame.append, gone in pandas 2) --------


COLUMNS = ["u", "v", "w"]


def frames(n_samples, seed=11):
    """The comparisons of :func:`comparisons` as a DataFrame and a Series."""
    X, y = comparisons(n_samples, seed=seed)
    return pd.DataFrame(X, columns=COLUMNS), pd.Series(y, name="label")


def test_dataframe_start_then_dataframe_teach():
    """X_training=df.iloc[:10], then teach(df rows, y): the reported AttributeError, now a refit."""
    frame, labels = frames(30)
    learner = PreferenceLearner(X_training=frame.iloc[:10], y_training=labels.iloc[:10])
    learner.teach(frame.iloc[10:20], labels.iloc[10:20])
    learner.teach(frame.iloc[20:], labels.iloc[20:])
    assert isinstance(learner.X_training, pd.DataFrame)
    assert isinstance(learner.y_training, pd.Series)
    assert list(learner.X_training.columns) == COLUMNS
    assert learner.X_training.index.tolist() == list(range(30))  # each row keeps its pool index
    pd.testing.assert_frame_equal(learner.X_training, frame)
    direct = PairwiseLogisticRegression().fit(frame, labels)
    np.testing.assert_array_equal(learner.estimator.coef_, direct.coef_)
    np.testing.assert_array_equal(learner.estimator.feature_names_in_, COLUMNS)


@pytest.mark.parametrize("order", ["numpy-then-frame", "frame-then-numpy"])
def test_numpy_and_dataframe_blocks_mix(order):
    """numpy rows after a DataFrame, and a DataFrame after numpy rows: a DataFrame, names kept."""
    frame, labels = frames(20)
    X, y = frame.to_numpy(), labels.to_numpy()
    if order == "numpy-then-frame":
        learner = PreferenceLearner(X_training=X[:10], y_training=y[:10])
        learner.teach(frame.iloc[10:], labels.iloc[10:])
    else:
        learner = PreferenceLearner(X_training=frame.iloc[:10], y_training=labels.iloc[:10])
        learner.teach(X[10:], y[10:])
    assert isinstance(learner.X_training, pd.DataFrame)
    assert list(learner.X_training.columns) == COLUMNS
    np.testing.assert_array_equal(learner.X_training.to_numpy(), X)
    np.testing.assert_array_equal(np.asarray(learner.y_training), y)
    np.testing.assert_array_equal(
        learner.estimator.coef_, PairwiseLogisticRegression().fit(X, y).coef_
    )


@pytest.mark.parametrize("names", ["integer", "string"])
def test_query_a_dataframe_pool_returns_its_rows_by_position(names):
    """query(DataFrame) returns X_pool.iloc[indices].

    modAL's retrieve_rows tries X_pool[indices] first, which selects columns: with
    the default integer column names (a pool of 8 rows and 12 columns: every
    index is also a column name) it returned the wrong data silently.
    """
    rng = np.random.default_rng(12)
    X = rng.normal(size=(20, 12))
    y = (X[:, 0] - X[:, 1] + rng.logistic(size=20) > 0).astype(int)
    y[:2] = [0, 1]
    columns = None if names == "integer" else [f"f{j}" for j in range(12)]
    pool = pd.DataFrame(X[12:], columns=columns, index=np.arange(100, 108))
    learner = PreferenceLearner(X_training=X[:12], y_training=y[:12])
    indices, rows, scores = learner.query(pool, n_instances=3, return_metrics=True)
    expected = ci_location_sampling(learner.estimator, X[12:], 3)
    np.testing.assert_array_equal(indices, expected[0])
    np.testing.assert_array_equal(scores, expected[1])
    pd.testing.assert_frame_equal(rows, pool.iloc[indices])
    learner.teach(rows, y[12:][indices])
    assert learner.X_training.shape == (15, 12)


def test_a_loop_through_a_pipeline_that_selects_columns_by_name():
    """A ColumnTransformer picking columns by name: query and teach DataFrames, then numpy rows."""
    frame, labels = frames(40, seed=13)
    pipeline = make_pipeline(
        ColumnTransformer([("keep", "passthrough", ["u", "w"])]), PairwiseLogisticRegression()
    )
    learner = PreferenceLearner(
        estimator=pipeline, X_training=frame.iloc[:8], y_training=labels.iloc[:8]
    )
    pool, pool_labels = frame.iloc[8:30], labels.iloc[8:30]
    indices, rows = learner.query(pool, n_instances=4)
    expected, _ = ci_location_sampling(pipeline[-1], pool[["u", "w"]].to_numpy(), 4)
    np.testing.assert_array_equal(indices, expected)
    learner.teach(rows, pool_labels.iloc[indices])
    learner.teach(frame.iloc[30:].to_numpy(), labels.iloc[30:].to_numpy())  # numpy rows too
    assert list(learner.X_training.columns) == COLUMNS and len(learner.X_training) == 22
    direct = clone(pipeline).fit(learner.X_training, learner.y_training)
    np.testing.assert_array_equal(learner.estimator[-1].coef_, direct[-1].coef_)
    assert learner.score(frame, labels) == direct.score(frame, labels)


def test_fit_and_score_take_dataframes_and_series():
    """fit(DataFrame, Series) replaces the labeled pairs; score and predict take DataFrames."""
    frame, labels = frames(30, seed=14)
    learner = PreferenceLearner(X_training=frame.iloc[:5], y_training=labels.iloc[:5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no feature-name warnings
        learner.fit(frame.iloc[5:], labels.iloc[5:])
        score = learner.score(frame, labels)
        predictions = learner.predict(frame)
    assert learner.X_training is not None and len(learner.X_training) == 25
    direct = PairwiseLogisticRegression().fit(frame.iloc[5:], labels.iloc[5:])
    assert score == direct.score(frame, labels)
    np.testing.assert_array_equal(predictions, direct.predict(frame))


def test_bootstrap_refits_take_dataframes():
    """teach(bootstrap=True) resamples a DataFrame by position (X[rows] selected columns)."""
    frame, labels = frames(30, seed=15)
    learner = PreferenceLearner(X_training=frame.iloc[:10], y_training=labels.iloc[:10])
    np.random.seed(0)
    learner.teach(frame.iloc[10:], labels.iloc[10:], bootstrap=True)
    np.random.seed(0)
    rows = np.random.choice(30, 30, replace=True)
    direct = PairwiseLogisticRegression().fit(frame.iloc[rows], labels.iloc[rows])
    np.testing.assert_array_equal(learner.estimator.coef_, direct.coef_)
    learner.teach(frame.iloc[:6], labels.iloc[:6], only_new=True, bootstrap=True)
    check_is_fitted(learner.estimator)


def test_mismatched_columns_are_refused_and_nothing_is_lost():
    """New rows with other columns raise a ValueError; the labeled pairs stay as they were."""
    frame, labels = frames(20, seed=16)
    learner = PreferenceLearner(X_training=frame.iloc[:10], y_training=labels.iloc[:10])
    for bad in (frame.iloc[10:12][["v", "u", "w"]], frame.iloc[10:12].rename(columns={"w": "z"})):
        with pytest.raises(ValueError, match="same feature columns"):
            learner.teach(bad, labels.iloc[10:12])
    with pytest.raises(ValueError, match="as many features"):
        learner.teach(np.ones((2, 4)), labels.iloc[10:12])
    pd.testing.assert_frame_equal(learner.X_training, frame.iloc[:10])
    pd.testing.assert_series_equal(learner.y_training, labels.iloc[:10])


def test_one_class_start_with_a_dataframe_keeps_the_feature_names():
    """The mirrored one-class start fits on a DataFrame, so later DataFrame calls do not warn."""
    frame, _ = frames(6, seed=17)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        learner = PreferenceLearner(X_training=frame, y_training=np.ones(6, dtype=int))
        probabilities = learner.predict_proba(frame)[:, 1]
    np.testing.assert_array_equal(learner.estimator.feature_names_in_, COLUMNS)
    mirrored = PairwiseLogisticRegression().fit(
        np.vstack([frame, -frame]), np.r_[np.ones(6), np.zeros(6)], sample_weight=np.full(12, 0.5)
    )
    np.testing.assert_array_equal(learner.estimator.coef_, mirrored.coef_)
    np.testing.assert_array_equal(probabilities, mirrored.predict_proba(frame.to_numpy())[:, 1])


def test_query_reads_a_bare_index_array_and_calls_the_strategy_once():
    """A strategy returning bare indices: both rows queried.

    modAL read a bare ``[i, j]`` as the index ``i`` with metrics ``j``.
    """
    X, y = comparisons(20, seed=18)
    calls = []

    def two_rows(classifier, X_pool, n_instances=2):
        calls.append(n_instances)
        return np.array([4, 9])

    learner = PreferenceLearner(query_strategy=two_rows, X_training=X[:6], y_training=y[:6])
    indices, rows = learner.query(X[6:])
    np.testing.assert_array_equal(indices, [4, 9])
    np.testing.assert_array_equal(rows, X[6:][[4, 9]])
    assert calls == [2]
    with pytest.warns(UserWarning, match="return_metrics"):
        learner.query(X[6:], return_metrics=True)


def test_repr_and_get_params():
    """repr and get_params work (modAL does not keep bootstrap_init, so they raised)."""
    X, y = comparisons(10, seed=19)
    learner = PreferenceLearner(X_training=X, y_training=y, bootstrap_init=False)
    params = learner.get_params(deep=False)
    assert params["bootstrap_init"] is False and params["X_training"] is X
    assert repr(learner).startswith("PreferenceLearner(")
