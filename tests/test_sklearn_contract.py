"""scikit-learn's estimator contract for every public estimator of skpref."""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.utils import get_tags, shuffle
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks
from sklearn.utils.fixes import parse_version
from sklearn.utils.validation import has_fit_parameter

from skpref import PairwiseLogisticRegression
from skpref.active import ActivePreferenceClassifier
from skpref.pairs import PairDifference
from skpref.query import CILocationSampling, RandomSampling

ESTIMATORS = [
    PairwiseLogisticRegression(),
    PairwiseLogisticRegression(fit_intercept=True),
    PairwiseLogisticRegression(solver="newton-cholesky"),
    PairDifference(),
    ActivePreferenceClassifier(budget=30, random_state=0),
    ActivePreferenceClassifier(
        PairwiseLogisticRegression(fit_intercept=True),
        CILocationSampling(beta=2.0),
        n_initial=0,
        batch_size=7,
        budget=40,
        random_state=0,
    ),
    ActivePreferenceClassifier(query_strategy=RandomSampling(), budget=1000),
]

# sklearn's generic checks feed 1, 3 or 5 columns; PairDifference rightly
# refuses an odd number of columns (it needs [phi(a), phi(b)] side by side).
# tests/test_pairs.py covers what these checks would, with even widths.
_ODD_COLUMNS = "sklearn's check data has an odd number of columns"
_PAIR_DIFFERENCE_ODD_COLUMN_CHECKS = {
    name: _ODD_COLUMNS
    for name in [
        "check_fit_score_takes_y",
        "check_dont_overwrite_parameters",
        "check_estimators_dtypes",
        "check_pipeline_consistency",
        "check_estimators_nan_inf",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_transformer_data_not_an_array",
        "check_transformer_general",
        "check_transformer_preserve_dtypes",
        "check_transformers_unfitted_stateless",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_fit2d_1feature",
        "check_dict_unchanged",
        "check_fit2d_predict1d",
    ]
}


# scikit-learn 1.6 makes the two classes of a binary-only classifier with
# ``y == y.flat[0]`` separately for the weighted (shuffled) and the repeated
# targets of check_sample_weight_equivalence_on_dense_data, so the two fits it
# compares see different labels whenever the shuffle brings another class to
# the front; 1.7 uses ``y.min()``. test_sample_weight_equivalence_on_dense_data
# below runs that check as 1.7 does, on every version.
_SKLEARN_BINARISES_BY_FIRST_ROW = parse_version(sklearn.__version__) < parse_version("1.7")
_SAMPLE_WEIGHT_CHECK_QUIRK = {
    "check_sample_weight_equivalence_on_dense_data": (
        "scikit-learn < 1.7 binarises the weighted and the repeated targets differently"
    )
}


def _weighted(estimator):
    return has_fit_parameter(estimator, "sample_weight")


def _binary_only(estimator):
    tags = get_tags(estimator)
    return tags.classifier_tags is not None and not tags.classifier_tags.multi_class


def _expected_failed_checks(estimator):
    if isinstance(estimator, PairDifference):
        return _PAIR_DIFFERENCE_ODD_COLUMN_CHECKS
    if _SKLEARN_BINARISES_BY_FIRST_ROW and _weighted(estimator) and _binary_only(estimator):
        return _SAMPLE_WEIGHT_CHECK_QUIRK
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", [e for e in ESTIMATORS if _weighted(e)], ids=repr)
def test_sample_weight_equivalence_on_dense_data(estimator):
    """An integer weight is that many copies of the row (0: the row is removed).

    scikit-learn 1.7's check_sample_weight_equivalence_on_dense_data: its data,
    fits and comparison, with the binary target made once, before the rows are
    repeated and shuffled, so that it also runs on scikit-learn 1.6 (see
    ``_SKLEARN_BINARISES_BY_FIRST_ROW``).
    """
    rng = np.random.RandomState(42)
    n_samples = 15
    X = rng.rand(n_samples, 2 * n_samples)
    y = rng.randint(0, 3, size=n_samples)
    if _binary_only(estimator):
        y = np.where(y == y.min(), y, y.min() + 1)
    weights = rng.randint(0, 5, size=n_samples)
    X_repeated, y_repeated = X.repeat(weights, axis=0), y.repeat(weights)
    X_weighted, y_weighted, weights = shuffle(X, y, weights, random_state=0)

    repeated = clone(estimator).fit(X_repeated, y_repeated)
    weighted = clone(estimator).fit(X_weighted, y_weighted, sample_weight=weights)
    methods = ["predict_proba", "decision_function", "predict", "transform"]
    compared = [method for method in methods if hasattr(estimator, method)]
    assert compared
    for method in compared:
        assert_allclose(
            getattr(weighted, method)(X),
            getattr(repeated, method)(X),
            rtol=1e-7,
            atol=1e-9,
            err_msg=f"{estimator!r}.{method}",
        )
