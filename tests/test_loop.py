"""ActivePreferenceClassifier: the simulated active loop as an estimator."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from modAL.uncertainty import uncertainty_sampling as modal_uncertainty_sampling
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skpref import PairwiseLogisticRegression
from skpref.active import ActivePreferenceClassifier
from skpref.datasets import make_preference_pool
from skpref.query import CILocationSampling, RandomSampling, make_strategy


@pytest.fixture(scope="module")
def pool():
    X, y, _ = make_preference_pool(300, 4, random_state=0)
    return X, y


def test_labels_are_revealed_only_when_queried(pool):
    X, y = pool
    loop = ActivePreferenceClassifier(
        query_strategy=CILocationSampling(), budget=50, batch_size=8, random_state=1
    ).fit(X, y)
    hidden = np.setdiff1d(np.arange(len(y)), loop.queried_indices_)
    y_other = y.copy()
    y_other[hidden] = 1 - y_other[hidden]  # labels the loop never saw
    other = ActivePreferenceClassifier(
        query_strategy=CILocationSampling(), budget=50, batch_size=8, random_state=1
    ).fit(X, y_other)
    np.testing.assert_array_equal(loop.queried_indices_, other.queried_indices_)
    np.testing.assert_array_equal(loop.estimator_.coef_, other.estimator_.coef_)


def test_queries_are_distinct_and_the_final_model_uses_exactly_them(pool):
    X, y = pool
    loop = ActivePreferenceClassifier(budget=47, batch_size=10, random_state=0).fit(X, y)
    queried = loop.queried_indices_
    assert len(queried) == 47 and np.unique(queried).size == 47
    reference = PairwiseLogisticRegression().fit(X[queried], y[queried])
    np.testing.assert_allclose(loop.estimator_.coef_, reference.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(loop.predict(X), reference.predict(X))
    assert loop.score(X, y) == reference.score(X, y)


def test_every_strategy_starts_from_the_same_random_labels(pool):
    X, y = pool
    starts = [
        ActivePreferenceClassifier(
            query_strategy=make_strategy(name), n_initial=12, budget=22, random_state=5
        )
        .fit(X, y)
        .queried_indices_[:12]
        for name in ("random", "uncertainty", "ci-location", "d-optimal")
    ]
    for start in starts[1:]:
        np.testing.assert_array_equal(start, starts[0])


def test_learning_curve_has_one_checkpoint_per_refit(pool):
    X, y = pool
    loop = ActivePreferenceClassifier(n_initial=5, batch_size=10, budget=32, random_state=0)
    loop.fit(X[:200], y[:200], eval_set=(X[200:], y[200:]))
    curve = loop.learning_curve_
    np.testing.assert_array_equal(curve["n_labels"], [5, 15, 25, 32])
    assert curve["accuracy"].shape == curve["log_loss"].shape == (4,)
    assert curve["accuracy"][-1] == loop.score(X[200:], y[200:])
    assert np.all(curve["log_loss"] > 0)
    assert set(ActivePreferenceClassifier(budget=20).fit(X, y).learning_curve_) == {"n_labels"}


def test_a_budget_above_the_pool_labels_the_whole_pool(pool):
    X, y = pool
    loop = ActivePreferenceClassifier(budget=10_000, batch_size=100, random_state=0)
    loop.fit(X[:130], y[:130])
    assert sorted(loop.queried_indices_) == list(range(130))
    np.testing.assert_array_equal(loop.learning_curve_["n_labels"], [10, 110, 130])


def test_cold_start_from_the_prior(pool):
    X, y = pool
    loop = ActivePreferenceClassifier(n_initial=0, batch_size=5, budget=15, random_state=0)
    loop.fit(X, y)
    # No label: the first batch comes from the prior, whose widths are ||x|| sqrt(C).
    assert loop.learning_curve_["n_labels"][0] == 5
    assert len(loop.queried_indices_) == 15


def test_one_class_start_of_an_estimator_that_cannot_mirror_warns_then_fits(pool):
    X, y = pool
    rows = np.flatnonzero(y == 1)[:40]
    X_start = np.vstack([X[rows], X[y == 0][:60]])
    y_start = np.concatenate([y[rows], y[y == 0][:60]])
    loop = ActivePreferenceClassifier(
        LogisticRegression(),
        RandomSampling(),
        n_initial=1,
        batch_size=30,
        budget=100,
        random_state=0,
    )
    with pytest.warns(UserWarning, match="one label class"):
        loop.fit(X_start, y_start)
    assert loop.learning_curve_["n_labels"][0] > 1  # the one-class refits are skipped
    assert hasattr(loop.estimator_, "coef_")


def test_a_modal_strategy_function_drives_the_loop(pool):
    X, y = pool
    loop = ActivePreferenceClassifier(
        LogisticRegression(), modal_uncertainty_sampling, batch_size=5, budget=30, random_state=0
    ).fit(X, y)
    assert np.unique(loop.queried_indices_).size == 30


def test_the_strategy_seed_comes_from_the_loop_unless_the_strategy_has_its_own(pool):
    X, y = pool

    def run(strategy, seed):
        loop = ActivePreferenceClassifier(query_strategy=strategy, budget=40, random_state=seed)
        return loop.fit(X, y).queried_indices_[10:]

    np.testing.assert_array_equal(run(RandomSampling(), 3), run(RandomSampling(), 3))
    assert not np.array_equal(run(RandomSampling(), 3), run(RandomSampling(), 4))
    own = RandomSampling(random_state=7)
    picked = run(own, 3)
    # The object's own seed is used for every batch, so the loop seed only moves the start.
    np.testing.assert_array_equal(picked, run(own, 3))


def test_a_strategy_that_returns_bad_indices_is_reported(pool):
    X, y = pool

    def repeats(classifier, X_pool, n_instances=1):
        return np.zeros(n_instances, dtype=int), np.zeros(n_instances)

    with pytest.raises(ValueError, match="expected 10 distinct positions"):
        ActivePreferenceClassifier(query_strategy=repeats, budget=40).fit(X, y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_initial": 20, "budget": 10}, r"n_initial \(20\) must not exceed budget \(10\)"),
        ({"batch_size": 0}, "batch_size"),
        ({"query_strategy": "ci-location"}, "query_strategy"),
    ],
)
def test_bad_parameters(pool, params, message):
    X, y = pool
    with pytest.raises(ValueError, match=message):
        ActivePreferenceClassifier(**params).fit(X, y)


def test_bad_eval_set(pool):
    X, y = pool
    with pytest.raises(ValueError, match="4 features"):
        ActivePreferenceClassifier(budget=20).fit(X, y, eval_set=(X[:, :3], y))
    with pytest.raises(ValueError, match="rows but"):
        ActivePreferenceClassifier(budget=20).fit(X, y, eval_set=(X, y[:5]))


def test_grid_search_over_strategy_parameters_and_budget(pool):
    X, y = pool
    loop = ActivePreferenceClassifier(query_strategy=CILocationSampling(), random_state=0)
    search = GridSearchCV(
        loop, {"query_strategy__beta": [0.0, 2.0], "budget": [20, 60]}, cv=2
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_
    assert best.query_strategy.beta == search.best_params_["query_strategy__beta"]
    assert len(best.queried_indices_) == search.best_params_["budget"]
    # More labels should not hurt much on a well-specified pool.
    params, means = search.cv_results_["params"], search.cv_results_["mean_test_score"]
    scores = dict(zip(map(str, params), means))
    assert max(scores.values()) > 0.75


@settings(max_examples=25, deadline=None)
@given(
    n_samples=st.integers(2, 60),
    n_initial=st.integers(0, 10),
    batch_size=st.integers(1, 12),
    budget=st.integers(1, 80),
    seed=st.integers(0, 2**16),
)
def test_checkpoints_follow_the_budget(n_samples, n_initial, batch_size, budget, seed):
    n_initial = min(n_initial, budget)
    X, y, _ = make_preference_pool(n_samples, 3, random_state=seed)
    if np.unique(y).size < 2:
        y[:2] = [0, 1]
    loop = ActivePreferenceClassifier(
        n_initial=n_initial, batch_size=batch_size, budget=budget, random_state=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loop.fit(X, y)
    spent = min(budget, n_samples)
    start = min(n_initial, spent)
    assert len(loop.queried_indices_) == spent
    assert np.unique(loop.queried_indices_).size == spent
    expected = ([start] if start else []) + list(range(start + batch_size, spent, batch_size))
    expected += [spent] if not expected or expected[-1] != spent else []
    np.testing.assert_array_equal(loop.learning_curve_["n_labels"], expected)
