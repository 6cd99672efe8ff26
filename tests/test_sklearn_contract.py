"""scikit-learn's estimator contract for every public estimator of skpref."""

import pytest
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

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


def _expected_failed_checks(estimator):
    if isinstance(estimator, PairDifference):
        return _PAIR_DIFFERENCE_ODD_COLUMN_CHECKS
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)
