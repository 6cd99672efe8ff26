"""CI-location sampling's burn-in option: design sampling while the pool is undecided.

``ci_location_sampling(..., burn_in_share=q)`` returns design sampling's batch while
the share of the pool whose interval ``[m - beta w, m + beta w]`` contains 0
is at least ``q``, and its own greedy batch once the share falls below.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skpref import PairwiseLogisticRegression
from skpref.active import ActivePreferenceClassifier
from skpref.query import CILocationSampling, ci_location_sampling, design_sampling
from skpref.query._ci_location import ambiguous_share

from ._contract import StrategyContract, fit_model, gaussian_pool, training_data


class TestCILocationAlwaysBurningIn(StrategyContract):
    """``burn_in_share=0``: every batch is design sampling's, through CI-location's signature."""

    function = ci_location_sampling
    cls = CILocationSampling
    params = {"burn_in_share": 0.0}
    changing_params = {"burn_in_share": None}
    is_design = True


def share_by_hand(model, X, beta):
    """The share of rows with ``|x^T theta| <= beta sqrt(x^T H^-1 x)``, densely."""
    posterior = model.get_posterior(X.shape[1])
    means = X @ posterior.coef
    widths = np.sqrt(np.einsum("ij,ji->i", X, np.linalg.solve(posterior.precision(), X.T)))
    return np.mean(np.abs(means) <= beta * widths)


def equal_batches(first, second):
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_allclose(first[1], second[1], rtol=0, atol=0)


@pytest.fixture
def fitted_pool():
    model = fit_model(4, seed=3, n_samples=60)
    return model, gaussian_pool(300, 4, seed=5)


def test_default_is_no_burn_in_share(fitted_pool):
    model, X = fitted_pool
    assert CILocationSampling().burn_in_share is None
    equal_batches(
        ci_location_sampling(model, X, 6, random_state=0),
        ci_location_sampling(model, X, 6, burn_in_share=None, random_state=0),
    )


def test_cold_start_burns_in_with_design_sampling():
    # The prior puts every mean at 0: every interval contains 0, the share is 1.
    X = gaussian_pool(200, 5, seed=1)
    model = PairwiseLogisticRegression(C=0.5)
    assert ambiguous_share(np.zeros(200), np.ones(200), beta=1.0) == 1.0
    equal_batches(
        ci_location_sampling(model, X, 8, burn_in_share=1.0, random_state=4),
        design_sampling(model, X, 8, random_state=4),
    )
    # Without the burn-in the cold start is CI-location's own (longest rows first).
    own = ci_location_sampling(model, X, 8, random_state=4)
    assert not np.array_equal(own[0], design_sampling(model, X, 8, random_state=4)[0])


def test_the_burn_in_scores_the_pool_once(monkeypatch):
    """The design runs on the pool CI-location scored: the pool is read once, not twice."""
    import skpref.query._ci_location as ci_location_module
    import skpref.query._designs as designs_module

    X = gaussian_pool(200, 5, seed=1)
    model = PairwiseLogisticRegression(C=0.5)
    expected = design_sampling(model, X, 8, random_state=4)
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return score_pool(*args, **kwargs)

    score_pool = ci_location_module.score_pool
    monkeypatch.setattr(ci_location_module, "score_pool", counted)
    monkeypatch.setattr(designs_module, "score_pool", counted)
    equal_batches(ci_location_sampling(model, X, 8, burn_in_share=1.0, random_state=4), expected)
    assert len(calls) == 1


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_the_share_decides_at_its_threshold(fitted_pool, beta):
    model, X = fitted_pool
    share = share_by_hand(model, X, beta)
    assert 0.05 < share < 0.95, "the pool must be partly decided for this test"
    design = design_sampling(model, X, 5, random_state=2)
    own = ci_location_sampling(model, X, 5, beta=beta, random_state=2)
    assert not np.array_equal(design[0], own[0])
    # At or below the share: design sampling; just above it: CI-location's own batch.
    at = ci_location_sampling(model, X, 5, beta=beta, burn_in_share=share, random_state=2)
    above = ci_location_sampling(
        model, X, 5, beta=beta, burn_in_share=min(1.0, share + 1e-9), random_state=2
    )
    equal_batches(at, design)
    equal_batches(above, own)


@settings(max_examples=25, deadline=None)
@given(
    means=st.lists(st.floats(-5, 5), min_size=1, max_size=40),
    beta=st.floats(0, 4),
)
def test_ambiguous_share_is_the_share_of_intervals_containing_zero(means, beta):
    means = np.asarray(means)
    widths = np.abs(np.sin(np.arange(means.size) + 1.0))
    expected = np.mean([(m - beta * w <= 0 <= m + beta * w) for m, w in zip(means, widths)])
    assert ambiguous_share(means, widths, beta) == pytest.approx(expected, abs=0)


@pytest.mark.parametrize("burn_in_share", [-0.1, 1.5, "all", np.nan])
def test_invalid_burn_in_share_is_refused_by_name(fitted_pool, burn_in_share):
    model, X = fitted_pool
    with pytest.raises(ValueError, match="burn_in_share"):
        ci_location_sampling(model, X, 3, burn_in_share=burn_in_share)
    with pytest.raises(ValueError, match="burn_in_share"):
        CILocationSampling(burn_in_share=burn_in_share)(model, X, 3)


def test_object_form_clones_and_grid_searches_burn_in_share():
    strategy = CILocationSampling(beta=2.0, burn_in_share=0.99)
    assert clone(strategy).get_params()["burn_in_share"] == 0.99
    X, y = training_data(3, seed=0, n_samples=80)
    loop = ActivePreferenceClassifier(
        PairwiseLogisticRegression(), CILocationSampling(), n_initial=6, batch_size=4,
        budget=20, random_state=0,
    )
    search = GridSearchCV(loop, {"query_strategy__burn_in_share": [None, 0.99]}, cv=2).fit(X, y)
    assert search.best_params_["query_strategy__burn_in_share"] in (None, 0.99)


def test_a_loop_switches_from_the_design_to_ci_location():
    # 20 features, 300 pairs with signal: the first batches find (nearly)
    # every pair undecided (design), later ones a decided share (CI-location).
    rng = np.random.default_rng(7)
    X = rng.normal(size=(300, 20))
    y = (X @ rng.normal(size=20) + rng.logistic(size=300) > 0).astype(int)
    calls = []

    def recording(classifier, X_pool, n_instances, random_state=None):
        means, widths = classifier.get_posterior(X_pool.shape[1]).mean_and_std(X_pool)
        result = ci_location_sampling(
            classifier, X_pool, n_instances, burn_in_share=0.99, random_state=random_state
        )
        design = design_sampling(classifier, X_pool, n_instances, random_state=random_state)
        own = ci_location_sampling(classifier, X_pool, n_instances, random_state=random_state)
        share = ambiguous_share(means, widths, beta=1.0)
        calls.append((share, np.array_equal(result[0], design[0]),
                      np.array_equal(result[0], own[0])))
        return result

    ActivePreferenceClassifier(
        PairwiseLogisticRegression(), recording, n_initial=4, batch_size=4, budget=60,
        random_state=0,
    ).fit(X, y)
    shares, used_design, used_own = (np.array(column) for column in zip(*calls))
    assert (shares >= 0.99).sum() >= 2 and (shares < 0.99).sum() >= 5
    assert used_design[shares >= 0.99].all()
    assert used_own[shares < 0.99].all()


@pytest.mark.parametrize("burn_in_share", [0.0, 1.0])
def test_a_dask_pool_burns_in_as_the_numpy_pool(burn_in_share):
    da = pytest.importorskip("dask.array", reason="skpref[dask] is not installed")
    dask = pytest.importorskip("dask", reason="skpref[dask] is not installed")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 5))
    y = (X @ rng.normal(size=5) + rng.logistic(size=1200) > 0).astype(int)
    model = PairwiseLogisticRegression().fit(X[:100], y[:100])
    expected = ci_location_sampling(model, X, 10, burn_in_share=burn_in_share, random_state=3)
    with dask.config.set(scheduler="threads"):
        pool = da.from_array(X, chunks=(400, 5))
        indices, scores = ci_location_sampling(
            model, pool, 10, burn_in_share=burn_in_share, random_state=3
        )
    np.testing.assert_array_equal(indices, expected[0])
    # The design's weights come from a sum over the pool, summed per block on Dask.
    np.testing.assert_allclose(scores, expected[1], rtol=1e-12, atol=0)
