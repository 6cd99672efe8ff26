"""The shared core of the strategies: selection, lazy greedy, unwrapping, validation."""

import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from modAL.models import ActiveLearner
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import BaggingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skpref import LaplacePosterior, PairwiseLogisticRegression
from skpref.active import ActivePreferenceClassifier, PreferenceLearner
from skpref.pairs import PairDifference
from skpref.query import (
    CILocationSampling,
    ci_location_sampling,
    d_optimal_sampling,
    design_sampling,
    g_optimal_sampling,
    uncertainty_sampling,
)
from skpref.query._pool import (
    ScoredPool,
    check_n_instances,
    check_utility,
    posterior_of,
    resolve_classifier,
)
from skpref.query._select import select_greedy, select_top

from ._contract import (
    fit_item_pipeline,
    fit_model,
    full_greedy,
    gaussian_pool,
    training_data,
)

#: The checkout under test (a subprocess must import this skpref, not an installed one).
REPOSITORY_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# -- scores from SPEC section 3 (non-decreasing in the width, as lazy_greedy needs) -----


def ambiguity(beta):
    return lambda means, widths: beta * widths - np.abs(means)


def z_score(means, widths):
    return -np.abs(means) / widths


def d_optimal_gain(means, widths):
    return expit(means) * expit(-means) * widths**2


SCORES = {
    "ambiguity-0.5": ambiguity(0.5),
    "ambiguity-1": ambiguity(1.0),
    "ambiguity-4": ambiguity(4.0),
    "zscore": z_score,
    "d-optimal": d_optimal_gain,
}


def clustered_pool(n_clusters, per_cluster, n_features, seed, spread=0.05):
    """Tight clusters: conditioning on one member sharply lowers its neighbours' widths."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(n_clusters, n_features))
    noise = spread * rng.normal(size=(n_clusters, per_cluster, n_features))
    return (centers[:, None, :] + noise).reshape(-1, n_features)


def run_lazy_greedy(posterior, pool, n, score, random_state=0):
    return select_greedy(ScoredPool(posterior, pool), score, n, random_state)


def pool_moments(posterior, pool, std=True):
    """The means and widths a strategy starts from (the scored pool's)."""
    scored = ScoredPool(posterior, pool, widths=std)
    return scored.means, scored.widths


# -- select_top ----------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3, 7, 8, 12])
def test_select_top_best_first(n):
    """select_top returns the n largest utilities in decreasing order, capped at N."""
    utility = np.random.default_rng(0).normal(size=8)
    indices, scores = select_top(utility, n, random_state=0)
    np.testing.assert_array_equal(indices, np.argsort(-utility)[: min(n, 8)])
    np.testing.assert_array_equal(scores, utility[indices])


def test_select_top_ties_are_seeded():
    """Ties are broken by the seed: reproducible, and every tied row can come first."""
    utility = np.array([1.0, 5.0, 5.0, 5.0, 0.0, 5.0])
    first_picks = set()
    for seed in range(60):
        indices, scores = select_top(utility, 2, random_state=seed)
        np.testing.assert_array_equal(indices, select_top(utility, 2, random_state=seed)[0])
        assert set(indices.tolist()) <= {1, 2, 3, 5}
        np.testing.assert_array_equal(scores, [5.0, 5.0])
        first_picks.add(int(indices[0]))
    assert first_picks == {1, 2, 3, 5}


def test_select_top_tie_at_the_threshold():
    """When the n-th place is tied, the seed chooses among the tied rows only."""
    utility = np.array([3.0, 1.0, 1.0, 1.0, 0.0])
    chosen = {int(select_top(utility, 2, random_state=seed)[0][1]) for seed in range(40)}
    assert chosen == {1, 2, 3}
    assert all(select_top(utility, 2, random_state=seed)[0][0] == 0 for seed in range(10))


def test_select_top_nan_ranks_last():
    """NaN utilities come after every number."""
    utility = np.array([np.nan, 1.0, np.nan, 0.5, -2.0])
    indices, _ = select_top(utility, 5, random_state=0)
    np.testing.assert_array_equal(indices[:3], [1, 3, 4])
    assert set(indices[3:].tolist()) == {0, 2}
    np.testing.assert_array_equal(select_top(utility, 2, random_state=0)[0], [1, 3])


@given(
    utility=arrays(
        np.float64,
        st.integers(1, 30),
        elements=st.one_of(st.sampled_from([0.0, 1.0, np.nan, -np.inf]), st.floats(-5, 5)),
    ),
    n=st.integers(1, 35),
    seed=st.integers(0, 100),
)
def test_select_top_is_a_partial_sort(utility, n, seed):
    """Any utilities (ties, NaN, -inf): distinct indices of the top min(n, N) values, in order."""
    indices, _ = select_top(utility, n, random_state=seed)
    ranked = np.where(np.isnan(utility), -np.inf, utility)
    assert indices.shape == (min(n, utility.size),)
    assert np.unique(indices).size == indices.size
    np.testing.assert_array_equal(ranked[indices], np.sort(ranked)[::-1][: indices.size])


# -- lazy greedy ---------------------------------------------------------------------


@pytest.mark.parametrize("score_name", list(SCORES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lazy_greedy_equals_full_greedy(score_name, seed):
    """Lazy greedy picks exactly the full greedy's batch, with the same conditioned utilities."""
    model, pool = fit_model(4, seed), gaussian_pool(40, 4, seed + 200)
    indices, utilities = run_lazy_greedy(model.posterior_, pool, 10, SCORES[score_name])
    reference, reference_utilities = full_greedy(model.posterior_, pool, 10, SCORES[score_name])
    np.testing.assert_array_equal(indices, reference)
    np.testing.assert_allclose(utilities, reference_utilities, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("score_name", list(SCORES))
@pytest.mark.parametrize("fitted", [True, False])
def test_lazy_greedy_equals_full_greedy_on_clusters(score_name, fitted):
    """On tight clusters (where stale scores are most wrong) the batch equals the full greedy."""
    if score_name == "zscore" and not fitted:
        pytest.skip("at the prior every z-score is 0: all rows tie")
    posterior = fit_model(3, seed=3).posterior_ if fitted else LaplacePosterior.prior(3, C=2.0)
    pool = clustered_pool(5, 6, 3, seed=3)
    indices, utilities = run_lazy_greedy(posterior, pool, 12, SCORES[score_name])
    reference, reference_utilities = full_greedy(posterior, pool, 12, SCORES[score_name])
    np.testing.assert_array_equal(indices, reference)
    np.testing.assert_allclose(utilities, reference_utilities, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("score_name", list(SCORES))
def test_lazy_greedy_with_an_intercept(score_name):
    """With an intercept (augmented rows) lazy greedy still equals the full greedy."""
    model = fit_model(3, seed=4, fit_intercept=True)
    pool = gaussian_pool(30, 3, seed=4)
    indices, utilities = run_lazy_greedy(model.posterior_, pool, 8, SCORES[score_name])
    reference, reference_utilities = full_greedy(model.posterior_, pool, 8, SCORES[score_name])
    np.testing.assert_array_equal(indices, reference)
    np.testing.assert_allclose(utilities, reference_utilities, rtol=1e-8, atol=1e-12)


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 12),
    score_name=st.sampled_from(list(SCORES)),
)
@settings(max_examples=30)
def test_lazy_greedy_equals_full_greedy_random(seed, n, score_name):
    """Random continuous pools and batch sizes: lazy greedy equals the full greedy."""
    rng = np.random.default_rng(seed)
    n_features = int(rng.integers(2, 6))
    model = fit_model(n_features, seed=seed % 11)
    pool = gaussian_pool(int(rng.integers(1, 25)), n_features, seed)
    n = min(n, pool.shape[0])
    indices, utilities = run_lazy_greedy(model.posterior_, pool, n, SCORES[score_name])
    reference, reference_utilities = full_greedy(model.posterior_, pool, n, SCORES[score_name])
    np.testing.assert_array_equal(indices, reference)
    np.testing.assert_allclose(utilities, reference_utilities, rtol=1e-7, atol=1e-12)


def test_lazy_greedy_utilities_never_increase():
    """Each pick's conditioned utility is at most the previous pick's."""
    model, pool = fit_model(3, seed=5), clustered_pool(4, 5, 3, seed=5)
    for score in SCORES.values():
        _, utilities = run_lazy_greedy(model.posterior_, pool, 20, score)
        assert np.all(np.diff(utilities) <= 1e-12)


# -- resolve_classifier and posterior_of ------------------------------------------------


def test_resolve_bare_estimator_and_array():
    """A bare estimator and an array pass through unchanged."""
    model, pool = fit_model(3), gaussian_pool(5, 3, 0)
    estimator, rows = resolve_classifier(model, pool)
    assert estimator is model and rows is pool


@pytest.mark.parametrize("learner_class", [ActiveLearner, PreferenceLearner])
def test_resolve_modal_learner(learner_class):
    """A modAL learner unwraps to its estimator."""
    model = fit_model(3)
    estimator, _ = resolve_classifier(learner_class(estimator=model), gaussian_pool(5, 3, 0))
    assert estimator is model


def test_resolve_pipeline_transforms_the_pool():
    """A fitted Pipeline unwraps to its last step; the rows are the pool through the other steps."""
    pipeline = fit_item_pipeline(3)
    items = np.random.default_rng(0).normal(size=(9, 6))
    estimator, rows = resolve_classifier(pipeline, items)
    assert estimator is pipeline[-1]
    assert rows.shape == (9, 3)
    np.testing.assert_allclose(rows[:], pipeline[:-1].transform(items))
    np.testing.assert_allclose(rows[2:5], pipeline[:-1].transform(items[2:5]))


def test_resolve_unfitted_stateless_pipeline_is_a_cold_start():
    """Before any fit, a Pipeline of stateless steps maps the pool for the prior."""
    pipeline = make_pipeline(PairDifference(), PairwiseLogisticRegression())
    items = np.random.default_rng(0).normal(size=(9, 6))
    estimator, rows = resolve_classifier(pipeline, items)
    assert estimator is pipeline[-1]
    np.testing.assert_allclose(rows[:], items[:, :3] - items[:, 3:])
    indices, _ = ci_location_sampling(pipeline, items, 3)
    assert indices.shape == (3,)


def test_resolve_unfitted_stateful_pipeline_explains():
    """An unfitted scaler cannot map the pool: a NotFittedError that says what to do."""
    pipeline = make_pipeline(StandardScaler(with_mean=False), PairwiseLogisticRegression())
    with pytest.raises(NotFittedError, match="fit the pipeline"):
        resolve_classifier(pipeline, gaussian_pool(5, 3, 0))


def test_resolve_grid_search_best_estimator():
    """A fitted GridSearchCV unwraps to best_estimator_, also when that is a Pipeline."""
    X, y = training_data(3, seed=1, n_samples=60)
    search = GridSearchCV(PairwiseLogisticRegression(), {"C": [0.1, 1.0]}, cv=2).fit(X, y)
    estimator, _ = resolve_classifier(search, X)
    assert estimator is search.best_estimator_
    pipeline = make_pipeline(StandardScaler(with_mean=False), PairwiseLogisticRegression())
    search = GridSearchCV(pipeline, {"pairwiselogisticregression__C": [0.1, 1.0]}, cv=2).fit(X, y)
    estimator, rows = resolve_classifier(search, X)
    assert estimator is search.best_estimator_[-1]
    np.testing.assert_allclose(rows[:], search.best_estimator_[:-1].transform(X))
    np.testing.assert_array_equal(
        d_optimal_sampling(search, X, 3)[0], d_optimal_sampling(search.best_estimator_, X, 3)[0]
    )


def test_resolve_learner_around_a_search_around_a_pipeline():
    """Wrappers nest: modAL learner -> GridSearchCV -> Pipeline -> model."""
    X, y = training_data(3, seed=2, n_samples=60)
    pipeline = make_pipeline(StandardScaler(with_mean=False), PairwiseLogisticRegression())
    search = GridSearchCV(pipeline, {"pairwiselogisticregression__C": [0.5, 2.0]}, cv=2).fit(X, y)
    estimator, _ = resolve_classifier(ActiveLearner(estimator=search), X)
    assert estimator is search.best_estimator_[-1]


# -- the loop estimator, searches over it, and what is not a modAL learner ---------------


def fit_loop(estimator=None, seed=3, **params):
    """A fitted ActivePreferenceClassifier (a short simulated loop) and its pool."""
    X, y = training_data(3, seed=seed, n_samples=120)
    loop = ActivePreferenceClassifier(
        estimator, CILocationSampling(), n_initial=6, batch_size=6, budget=24, random_state=0,
        **params,
    )
    return loop.fit(X, y), X, y


def assert_scores_with(classifier, model, pool):
    """``classifier`` unwraps to the fitted ``model``: same rows, same (non-prior) scores."""
    estimator, _ = resolve_classifier(classifier, pool)
    assert estimator is model
    for strategy in (uncertainty_sampling, d_optimal_sampling):
        selection = strategy(classifier, pool, 3)
        expected = strategy(model, pool, 3)
        np.testing.assert_array_equal(selection[0], expected[0])
        np.testing.assert_array_equal(selection[1], expected[1])
    assert np.all(uncertainty_sampling(classifier, pool, 3)[1] < 0)  # not the prior's -0


@pytest.mark.parametrize(
    "estimator", [None, PairwiseLogisticRegression(C=2.0)], ids=["default", "C=2"]
)
def test_resolve_fitted_loop_is_its_fitted_model(estimator):
    """A fitted ActivePreferenceClassifier scores with estimator_, not its constructor argument."""
    loop, X, _ = fit_loop(estimator)
    assert_scores_with(loop, loop.estimator_, X[:12])


@pytest.mark.parametrize(
    "estimator", [None, PairwiseLogisticRegression(C=2.0)], ids=["default", "C=2"]
)
def test_resolve_grid_search_over_a_loop(estimator):
    """GridSearchCV(loop).fit(X, y): the best loop's fitted model (the prior gave [-0, -0, -0])."""
    X, y = training_data(3, seed=4, n_samples=120)
    loop = ActivePreferenceClassifier(
        estimator, CILocationSampling(), n_initial=6, batch_size=6, budget=24, random_state=0
    )
    search = GridSearchCV(loop, {"query_strategy__beta": [0.5, 2.0]}, cv=2).fit(X, y)
    assert_scores_with(search, search.best_estimator_.estimator_, X[:12])


def test_resolve_grid_search_over_a_pipeline_ending_in_a_loop():
    """GridSearchCV -> Pipeline -> loop -> model: the pool goes through the pipeline's scaler."""
    X, y = training_data(3, seed=5, n_samples=120)
    pipeline = make_pipeline(
        StandardScaler(with_mean=False),
        ActivePreferenceClassifier(
            query_strategy=CILocationSampling(), n_initial=6, batch_size=6, budget=24,
            random_state=0,
        ),
    )
    search = GridSearchCV(pipeline, {"activepreferenceclassifier__budget": [18, 24]}, cv=2)
    search.fit(X, y)
    best = search.best_estimator_
    estimator, rows = resolve_classifier(search, X[:12])
    assert estimator is best[-1].estimator_
    np.testing.assert_array_equal(rows[:], best[:-1].transform(X[:12]))
    np.testing.assert_array_equal(
        uncertainty_sampling(search, X[:12], 3)[0],
        uncertainty_sampling(best[-1].estimator_, best[:-1].transform(X[:12]), 3)[0],
    )


def test_resolve_loop_around_a_pipeline():
    """A loop whose estimator is a Pipeline: its fitted Pipeline, then the Pipeline's last step."""
    estimator = make_pipeline(StandardScaler(with_mean=False), PairwiseLogisticRegression())
    loop, X, _ = fit_loop(estimator)
    model, rows = resolve_classifier(loop, X[:12])
    assert model is loop.estimator_[-1]
    np.testing.assert_array_equal(rows[:], loop.estimator_[:-1].transform(X[:12]))


@pytest.mark.parametrize("learner_class", [ActiveLearner, PreferenceLearner])
def test_resolve_modal_learner_around_a_search_over_a_loop(learner_class):
    """modAL learner -> GridSearchCV -> loop -> model, the nesting a campaign could build."""
    X, y = training_data(3, seed=6, n_samples=120)
    loop = ActivePreferenceClassifier(
        query_strategy=CILocationSampling(), n_initial=6, batch_size=6, budget=24, random_state=0
    )
    search = GridSearchCV(loop, {"query_strategy__beta": [0.5, 2.0]}, cv=2).fit(X, y)
    learner = learner_class(estimator=search, query_strategy=uncertainty_sampling)
    assert_scores_with(learner, search.best_estimator_.estimator_, X[:12])
    indices, _ = learner.query(X[:12], n_instances=3)
    np.testing.assert_array_equal(indices, uncertainty_sampling(search, X[:12], 3)[0])


@pytest.mark.parametrize(
    "estimator", [None, PairwiseLogisticRegression(C=3.0)], ids=["default", "C=3"]
)
def test_resolve_unfitted_loop_is_a_cold_start(estimator):
    """An unfitted loop scores with the prior of the model it would refit."""
    loop = ActivePreferenceClassifier(estimator)
    model, _ = resolve_classifier(loop, gaussian_pool(5, 3, 0))
    expected = PairwiseLogisticRegression() if estimator is None else estimator
    assert type(model) is PairwiseLogisticRegression and model.get_params() == expected.get_params()
    pool = gaussian_pool(10, 3, 1)
    np.testing.assert_array_equal(
        d_optimal_sampling(loop, pool, 3, random_state=0)[0],
        d_optimal_sampling(expected, pool, 3, random_state=0)[0],
    )


@pytest.mark.parametrize("learner_class", [ActiveLearner, PreferenceLearner])
def test_resolve_unfitted_learner_around_a_pipeline_ending_in_a_loop(learner_class):
    """Nothing fitted: learner -> Pipeline(PairDifference, loop) -> the model, at its prior."""
    loop = ActivePreferenceClassifier(PairwiseLogisticRegression(C=2.0))
    learner = learner_class(estimator=make_pipeline(PairDifference(), loop))
    items = np.random.default_rng(9).normal(size=(12, 6))
    model, rows = resolve_classifier(learner, items)
    assert model is loop.estimator
    np.testing.assert_array_equal(rows[:], items[:, :3] - items[:, 3:])
    for strategy in (d_optimal_sampling, ci_location_sampling):
        selection = strategy(learner, items, 3, random_state=0)
        expected = strategy(PairwiseLogisticRegression(C=2.0), rows[:], 3, random_state=0)
        np.testing.assert_array_equal(selection[0], expected[0])
        np.testing.assert_array_equal(selection[1], expected[1])


@pytest.mark.parametrize("refit", [True, False])
def test_resolve_search_without_a_best_estimator_explains(refit):
    """An unfitted search, or one fitted with refit=False, has no model: a NotFittedError."""
    search = GridSearchCV(PairwiseLogisticRegression(), {"C": [0.5, 2.0]}, cv=2, refit=refit)
    if not refit:
        search.fit(*training_data(3, seed=7, n_samples=40))
    match = "not fitted" if refit else "refit=False"
    with pytest.raises(NotFittedError, match=match):
        uncertainty_sampling(search, gaussian_pool(5, 3, 0), 2)


def test_duck_typed_learner_is_not_unwrapped():
    """An object with estimator and query_strategy that is not a modAL learner is not unwrapped.

    The old duck typing took any such object for a modAL learner and scored
    with its ``estimator`` attribute: for a fitted loop, the unfitted
    constructor argument.
    """

    class LooksLikeALearner(BaseEstimator):
        def __init__(self, estimator=None, query_strategy=None):
            self.estimator = estimator
            self.query_strategy = query_strategy

    impostor = LooksLikeALearner(fit_model(3), uncertainty_sampling)
    with pytest.raises(TypeError, match="LooksLikeALearner has no Laplace posterior"):
        uncertainty_sampling(impostor, gaussian_pool(5, 3, 0), 2)


def test_unfitted_template_estimator_is_not_taken_for_the_model():
    """A fitted bagging ensemble keeps an unfitted estimator_: refused, not scored with a prior."""
    X, y = training_data(3, seed=8, n_samples=40)
    bagging = BaggingClassifier(PairwiseLogisticRegression(), n_estimators=2, random_state=0)
    bagging.fit(X, y)
    with pytest.raises(TypeError, match="BaggingClassifier has no Laplace posterior"):
        uncertainty_sampling(bagging, X, 2)


def test_resolve_does_not_import_modal():
    """modAL is optional: unwrapping never imports it (no modAL learner exists without it)."""
    code = (
        "import sys, numpy as np\n"
        "from sklearn.model_selection import GridSearchCV\n"
        "from skpref import PairwiseLogisticRegression\n"
        "from skpref.active import ActivePreferenceClassifier\n"
        "from skpref.query import uncertainty_sampling\n"
        "X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)\n"
        "loop = ActivePreferenceClassifier(budget=12, random_state=0)\n"
        "search = GridSearchCV(loop, {'n_initial': [4, 6]}, cv=2).fit(X, y)\n"
        "indices, scores = uncertainty_sampling(search, X, 3)\n"
        "assert (scores < 0).all(), scores\n"
        "assert 'modAL' not in sys.modules, 'modAL was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPOSITORY_ROOT)


def test_resolve_dataframe_pool():
    """A DataFrame pool is read by position, as numpy rows; strategies agree with the array."""
    model, pool = fit_model(3), gaussian_pool(10, 3, 0)
    frame = pd.DataFrame(pool, columns=["u", "v", "w"], index=np.arange(100, 110))
    _, rows = resolve_classifier(model, frame)
    np.testing.assert_array_equal(np.asarray(rows), pool)
    for strategy in (uncertainty_sampling, ci_location_sampling, d_optimal_sampling):
        np.testing.assert_array_equal(strategy(model, frame, 3)[0], strategy(model, pool, 3)[0])


def _frame_and_labels(seed=0):
    X, y = training_data(3, seed, n_samples=50)
    return pd.DataFrame(X, columns=["u", "v", "w"]), y


def test_dataframe_pool_reaches_a_pipeline_fitted_on_a_dataframe_silently():
    """A Pipeline fitted on a DataFrame, queried with a DataFrame pool: no feature-name warnings."""
    frame, y = _frame_and_labels()
    pipeline = make_pipeline(StandardScaler(with_mean=False), PairwiseLogisticRegression())
    pipeline.fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        indices, _ = ci_location_sampling(pipeline, frame, 3)
    expected, _ = ci_location_sampling(pipeline[-1], pipeline[:-1].transform(frame), 3)
    np.testing.assert_array_equal(indices, expected)


def test_dataframe_pool_reaches_columns_selected_by_name():
    """A Pipeline that selects DataFrame columns by name can be queried with a DataFrame pool."""
    frame, y = _frame_and_labels(1)
    pipeline = make_pipeline(
        ColumnTransformer([("keep", "passthrough", ["u", "v"])]), PairwiseLogisticRegression()
    ).fit(frame, y)
    indices, _ = uncertainty_sampling(pipeline, frame, 3)
    expected, _ = uncertainty_sampling(pipeline[-1], frame[["u", "v"]].to_numpy(), 3)
    np.testing.assert_array_equal(indices, expected)


@pytest.mark.parametrize("bad_pool", [np.zeros(5), np.zeros((2, 2, 2)), [1.0, 2.0]])
def test_pool_must_be_two_dimensional(bad_pool):
    """A pool that is not 2-D is refused with a ValueError naming X_pool."""
    with pytest.raises(ValueError, match="2-D"):
        resolve_classifier(fit_model(2), bad_pool)


def test_posterior_of_unfitted_model_is_the_prior():
    """An unfitted model's posterior is the prior N(0, C I)."""
    posterior = posterior_of(PairwiseLogisticRegression(C=4.0), 3)
    pool = gaussian_pool(5, 3, 0)
    np.testing.assert_allclose(posterior.std(pool), 2.0 * np.linalg.norm(pool, axis=1))
    np.testing.assert_array_equal(posterior.mean(pool), np.zeros(5))


@pytest.mark.parametrize(
    "estimator",
    [
        LogisticRegression().fit(*training_data(3)),
        DummyClassifier(),
    ],
    ids=["fitted-logistic", "unfitted-dummy"],
)
def test_posterior_of_foreign_estimator_is_a_type_error(estimator):
    """An estimator without a Laplace posterior is refused with a TypeError that names the need."""
    with pytest.raises(TypeError, match="PairwiseLogisticRegression"):
        posterior_of(estimator, 3)
    with pytest.raises(TypeError, match="PairwiseLogisticRegression"):
        ci_location_sampling(estimator, gaussian_pool(5, 3, 0), 2)


def test_posterior_of_feature_mismatch():
    """A pool with a different number of features than the fit is a ValueError."""
    with pytest.raises(ValueError, match="features"):
        ci_location_sampling(fit_model(3), gaussian_pool(5, 4, 0), 2)


# -- pool_moments and check_utility: what float64 cannot score ------------------------------


OVERFLOW = "posterior variance x\\^T H\\^-1 x overflows"


@pytest.mark.parametrize("fit_intercept", [False, True], ids=["overflow", "overflow-intercept"])
def test_pool_moments_names_the_first_unscorable_row(fit_intercept):
    """The first row whose variance overflows is named, with the cause and its scale."""
    model = fit_model(3, seed=1, fit_intercept=fit_intercept)
    pool = gaussian_pool(10, 3, seed=1)
    pool[[4, 7]] *= 1e160
    with pytest.raises(ValueError, match=f"X_pool row 4 cannot be scored: its {OVERFLOW}"):
        pool_moments(model.posterior_, pool)
    means, widths = pool_moments(model.posterior_, pool, std=False)  # means alone are fine
    assert widths is None and np.all(np.isfinite(means))


def test_pool_moments_scores_tiny_rows_at_their_scale():
    """Rows at 1e-170, whose squared entries underflow, get their widths to full precision.

    (Before the posterior rescaled such rows their widths underflowed to 0 and
    they had to be refused, or they would have passed for zero rows.)
    """
    model = fit_model(3, seed=1)
    pool = gaussian_pool(10, 3, seed=1)
    tiny = pool.copy()
    tiny[[4, 7]] *= 1e-170
    means, widths = pool_moments(model.posterior_, tiny)
    _, reference = pool_moments(model.posterior_, pool)
    np.testing.assert_allclose(widths[[4, 7]], 1e-170 * reference[[4, 7]], rtol=1e-12)
    assert np.all(widths > 0)


def test_pool_moments_tiny_rows_with_an_intercept_are_scored():
    """With an intercept a row's width includes the intercept's: tiny rows do not underflow."""
    model = fit_model(3, seed=1, fit_intercept=True)
    pool = gaussian_pool(10, 3, seed=1) * 1e-170
    _, widths = pool_moments(model.posterior_, pool)
    augmented = np.c_[pool, np.ones(len(pool))]
    variances = np.einsum(
        "ij,ji->i", augmented, np.linalg.solve(model.posterior_.precision(), augmented.T)
    )
    np.testing.assert_allclose(widths, np.sqrt(variances), rtol=1e-12)


def test_pool_moments_mean_overflow():
    """A mean x^T theta that overflows is named, even when only the means are asked for."""
    model = fit_model(3, seed=0)  # coefficients 1.18, 1.22, 0.87
    pool = gaussian_pool(6, 3, seed=0)
    pool[5] = 1e308  # finite entries, each product near 1e308: their sum overflows
    with pytest.raises(ValueError, match="logit x\\^T theta \\+ b of row 5 overflows float64"):
        pool_moments(model.posterior_, pool, std=False)


def test_pool_moments_keeps_exact_zero_rows_and_tiny_but_scorable_rows():
    """Zero rows (identical items) have w = 0 legitimately; rows at 1e-150 are still scored."""
    model = fit_model(3, seed=3)
    pool = gaussian_pool(6, 3, seed=3)
    pool[1] = 0.0
    pool[2] *= 1e-150
    _, widths = pool_moments(model.posterior_, pool)
    np.testing.assert_array_equal(model.posterior_.mean_and_std(pool)[1], widths)
    assert widths[1] == 0 and widths[2] > 0


def test_check_utility_allows_minus_infinity_only():
    """-inf is a documented score; NaN and +inf name their row."""
    pool = gaussian_pool(4, 2, seed=0)
    utility = np.array([0.0, -np.inf, 1.0, 2.0])
    assert check_utility(utility, pool) is utility
    for bad in (np.nan, np.inf):
        utility[2] = bad
        with pytest.raises(ValueError, match=f"row 2 cannot be scored: its gain overflows .*{bad}"):
            check_utility(utility, pool, "gain")


def test_ci_location_with_a_huge_beta_refuses_instead_of_tying_at_infinity():
    """beta * w overflowing gave every row a utility of inf (ranked by the tie-break alone)."""
    model, pool = fit_model(3, seed=4), gaussian_pool(8, 3, seed=4) * 1e10  # widths ~ 1e9
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="row 0 cannot be scored: its utility overflows"):
            ci_location_sampling(model, pool, 2, beta=1e308)


@pytest.mark.parametrize("strategy", [g_optimal_sampling, design_sampling])
def test_design_gain_overflow_is_a_clear_error(strategy):
    """Rows at 1e150: finite widths, an overflowing design gain (was numpy's zero-size error)."""
    model = fit_model(3, seed=0)
    pool = gaussian_pool(6, 3, seed=0) * 1e150
    if strategy is design_sampling:
        pool[0] = 0.5  # an ambiguous row makes T non-trivial
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            indices, weights = strategy(model, pool, 2, random_state=0)
        except ValueError as error:
            # The strategy's own check or the posterior's, each naming the row.
            assert re.search(r"row \d+ (cannot be scored|overflows float64)", str(error)), error
            return
    assert np.all(np.isfinite(weights)) and np.unique(indices).size == 2


# -- check_n_instances ----------------------------------------------------------------


@pytest.mark.parametrize(
    "n_instances, n_pool, expected", [(1, 5, 1), (5, 5, 5), (9, 5, 5), (np.int32(2), 5, 2)]
)
def test_check_n_instances_caps_at_the_pool(n_instances, n_pool, expected):
    """check_n_instances returns min(n_instances, n_pool) as a Python int."""
    result = check_n_instances(n_instances, n_pool)
    assert result == expected and type(result) is int


@pytest.mark.parametrize(
    "n_instances, n_pool, error",
    [
        (True, 5, TypeError),
        (1.0, 5, TypeError),
        ("1", 5, TypeError),
        (None, 5, TypeError),
        (0, 5, ValueError),
        (-3, 5, ValueError),
        (1, 0, ValueError),
    ],
)
def test_check_n_instances_errors(n_instances, n_pool, error):
    """Non-integers (bools included) are TypeErrors; n < 1 and an empty pool are ValueErrors."""
    with pytest.raises(error):
        check_n_instances(n_instances, n_pool)


def test_empty_pool_is_a_clear_error():
    """Querying an empty pool raises a ValueError saying there is nothing left."""
    with pytest.raises(ValueError, match="empty"):
        ci_location_sampling(fit_model(3), np.empty((0, 3)), 1)
