"""A Pipeline whose steps before the model are not odd breaks f(-x) = -f(x): warned at fit.

Issue 17: ``make_pipeline(StandardScaler(), PairwiseLogisticRegression())``
centers the difference rows, so a swapped pair no longer gets the swapped
prediction, and nothing said so.
"""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, Normalizer, StandardScaler

from skpref import PairwiseLogisticRegression
from skpref import check_antisymmetric
from skpref.exceptions import AntisymmetryWarning
from skpref.active import ActivePreferenceClassifier
from skpref.pairs import PairDifference
from skpref.query import RandomSampling


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)) + np.array([0.5, 0.0, -0.3, 0.2])  # not centered
    theta = np.array([2.0, -1.0, 0.5, 0.0])
    y = (rng.random(200) < 1 / (1 + np.exp(-X @ theta))).astype(int)
    return X, y


def swapped_gap(pipeline, X):
    """max |P(first | -x) - (1 - P(first | x))|: 0 for an antisymmetric pipeline."""
    forward = pipeline.predict_proba(X)[:, 1]
    backward = pipeline.predict_proba(-X)[:, 1]
    return np.abs(backward - (1.0 - forward)).max()


@pytest.mark.parametrize(
    "steps, broken",
    [
        ([StandardScaler()], "standardscaler"),
        ([StandardScaler(with_mean=False)], None),
        ([Normalizer()], None),
        ([PCA(n_components=3)], "pca"),
        ([StandardScaler(with_mean=False), FunctionTransformer(np.abs)], "functiontransformer"),
        ([FunctionTransformer(lambda Z: 3.0 * Z)], None),
    ],
)
def test_the_check_names_exactly_the_steps_that_break_antisymmetry(data, steps, broken):
    X, y = data
    pipeline = make_pipeline(*steps, PairwiseLogisticRegression()).fit(X, y)
    assert check_antisymmetric(pipeline, X, warn=False) == broken
    # ... and that is the property the docs rely on: swapped pair, swapped prediction.
    if broken is None:
        assert swapped_gap(pipeline, X) < 1e-12
    else:
        assert swapped_gap(pipeline, X) > 1e-3


def test_the_warning_names_the_step_and_the_remedy(data):
    X, y = data
    pipeline = Pipeline([("scale", StandardScaler()), ("model", PairwiseLogisticRegression())])
    pipeline.fit(X, y)
    with pytest.warns(AntisymmetryWarning, match="Pipeline step 'scale' is not antisymmetric") as w:
        assert check_antisymmetric(pipeline, X) == "scale"
    assert "StandardScaler(with_mean=False)" in str(w[0].message)
    assert issubclass(AntisymmetryWarning, UserWarning)


def test_nested_pipelines_sparse_and_dataframe_rows(data):
    X, y = data
    inner = Pipeline([("keep", "passthrough"), ("center", StandardScaler())])
    nested = Pipeline([("prep", inner), ("model", PairwiseLogisticRegression())]).fit(X, y)
    assert check_antisymmetric(nested, X, warn=False) == "prep__center"
    densify = FunctionTransformer(lambda Z: Z.toarray(), accept_sparse=True)
    scaled = make_pipeline(StandardScaler(with_mean=False), densify, PairwiseLogisticRegression())
    rows = sparse.csr_matrix(X)
    assert check_antisymmetric(scaled.fit(rows, y), rows) is None
    centered = make_pipeline(densify, StandardScaler(), PairwiseLogisticRegression())
    assert check_antisymmetric(centered.fit(rows, y), rows, warn=False) == "standardscaler"
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=list("abcd"))
    centered = make_pipeline(StandardScaler(), PairwiseLogisticRegression()).fit(frame, y)
    assert check_antisymmetric(centered, frame, warn=False) == "standardscaler"


def test_item_rows_before_a_pair_difference_are_swapped_not_negated(data):
    X, y = data
    rng = np.random.default_rng(1)
    first, second = rng.normal(size=(200, 4)) + 2.0, rng.normal(size=(200, 4)) + 2.0
    items = np.hstack([first, second])
    swapped = np.hstack([second, first])
    y = (rng.random(200) < 1 / (1 + np.exp(-(first - second) @ X[0]))).astype(int)

    def gap(pipeline):
        forward = pipeline.predict_proba(items)[:, 1]
        return np.abs(pipeline.predict_proba(swapped)[:, 1] - (1.0 - forward)).max()

    after = make_pipeline(PairDifference(), StandardScaler(with_mean=False),
                          PairwiseLogisticRegression()).fit(items, y)
    assert check_antisymmetric(after, items) is None and gap(after) < 1e-12
    centered = make_pipeline(PairDifference(), StandardScaler(), PairwiseLogisticRegression())
    centered.fit(items, y)
    assert check_antisymmetric(centered, items, warn=False) == "standardscaler"
    assert gap(centered) > 1e-3
    # Centering the item columns: harmless only when both halves get the same mean and scale.
    both_ways = np.vstack([items, swapped])
    same = make_pipeline(StandardScaler(), PairDifference(), PairwiseLogisticRegression())
    same.fit(both_ways, np.r_[y, 1 - y])
    assert check_antisymmetric(same, items) is None and gap(same) < 1e-12
    shifted = items + np.r_[np.zeros(4), np.ones(4)]  # the second column half has another mean
    other = make_pipeline(StandardScaler(), PairDifference(), PairwiseLogisticRegression())
    other.fit(shifted, y)
    assert check_antisymmetric(other, shifted, warn=False) == "standardscaler"


def test_not_a_pipeline_or_no_step_before_the_model_passes(data):
    X, y = data
    model = PairwiseLogisticRegression().fit(X, y)
    assert check_antisymmetric(model, X) is None
    assert check_antisymmetric(make_pipeline(PairwiseLogisticRegression()).fit(X, y), X) is None


def test_the_loop_estimator_warns_once_at_fit(data):
    X, y = data
    loop = ActivePreferenceClassifier(
        make_pipeline(StandardScaler(), PairwiseLogisticRegression()), RandomSampling(),
        n_initial=10, batch_size=10, budget=50, random_state=0,
    )
    with pytest.warns(AntisymmetryWarning) as caught:
        warnings.simplefilter("always")
        loop.fit(X, y)
    assert len([w for w in caught if w.category is AntisymmetryWarning]) == 1
    assert "'standardscaler'" in str(caught[0].message)
    odd = ActivePreferenceClassifier(
        make_pipeline(StandardScaler(with_mean=False), PairwiseLogisticRegression()),
        RandomSampling(), n_initial=10, batch_size=10, budget=50, random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", AntisymmetryWarning)
        odd.fit(X, y)


def test_preference_learner_warns_at_fit_and_teach(data):
    pytest.importorskip("modAL")
    from skpref.active import PreferenceLearner

    X, y = data
    with pytest.warns(AntisymmetryWarning, match="'standardscaler'"):
        learner = PreferenceLearner(
            make_pipeline(StandardScaler(), PairwiseLogisticRegression()),
            X_training=X[:20], y_training=y[:20],
        )
    with pytest.warns(AntisymmetryWarning, match="'standardscaler'"):
        learner.teach(X[20:30], y[20:30])
    odd = PreferenceLearner(make_pipeline(StandardScaler(with_mean=False),
                                          PairwiseLogisticRegression()))
    with warnings.catch_warnings():
        warnings.simplefilter("error", AntisymmetryWarning)
        odd.teach(X[:20], y[:20])
