"""skpref._stats: the one standard error and the one binomial upper bound."""

import numpy as np
import pytest
from scipy import stats

from skpref._stats import clopper_pearson_upper, standard_error


def test_standard_error_is_the_sample_deviation_over_root_n():
    values = np.array([0.61, 0.7, 0.74, 0.58, 0.66])
    expected = np.sqrt(np.sum((values - values.mean()) ** 2) / 4) / np.sqrt(5)
    assert standard_error(values) == pytest.approx(expected, rel=1e-15)
    assert standard_error(values) == pytest.approx(stats.sem(values), rel=1e-15)
    assert standard_error(values.reshape(1, 5)) == standard_error(values)  # flattened
    assert standard_error([3.0, 3.0]) == 0.0


@pytest.mark.parametrize("values", [[], [0.7], np.array([[0.7]])])
def test_standard_error_of_fewer_than_two_values_is_nan(values):
    assert np.isnan(standard_error(values))


@pytest.mark.parametrize("trials", [1, 12, 100, 2400])
def test_clopper_pearson_bound_of_no_success_has_its_closed_form(trials):
    # P(Binomial(n, p) <= 0) = (1 - p)^n = 0.05
    assert clopper_pearson_upper(0, trials) == pytest.approx(1 - 0.05 ** (1 / trials), rel=1e-12)


@pytest.mark.parametrize("successes, trials", [(1, 10), (3, 100), (40, 50), (7, 7)])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_clopper_pearson_bound_is_where_the_binomial_tail_reaches_one_minus_level(
    successes, trials, level
):
    upper = clopper_pearson_upper(successes, trials, level)
    if successes == trials:
        assert upper == 1.0
        return
    assert stats.binom.cdf(successes, trials, upper) == pytest.approx(1 - level, rel=1e-9)
    assert successes / trials < upper < 1


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((-1, 10), ValueError, r"successes must lie in \[0, trials\]"),
        ((11, 10), ValueError, r"got 11 of 10"),
        ((0, 0), ValueError, "trials >= 1"),
        ((0, 10, 1.0), ValueError, "level must lie in"),
        ((0.5, 10), TypeError, "successes must be an integer"),
        ((True, 10), TypeError, "successes must be an integer"),
        ((0, 10.0), TypeError, "trials must be an integer"),
    ],
)
def test_clopper_pearson_refuses_what_is_not_a_count(args, error, match):
    with pytest.raises(error, match=match):
        clopper_pearson_upper(*args)
