"""The cli's own part of an option: parsing its text, and the owner's error in its words."""

import argparse
from numbers import Real

import pytest
from sklearn.utils._param_validation import InvalidParameterError, Interval

from skpref._params import BETA, C_RANGE, N_JOBS, SEED, check_params
from skpref.cli._options import integer, number, option_message


@pytest.mark.parametrize("text", ["1.5", "1e3", "x", "", " ", "0x10", "5" * 5000])
def test_integer_parses_only_integers(text):
    with pytest.raises(argparse.ArgumentTypeError, match="^must be an integer, got '"):
        integer(text)


def test_a_long_value_is_cut_in_the_message():
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        integer("5" * 5000 + ".5")
    assert len(str(refused.value)) < 80 and str(refused.value).endswith("...'")


def test_number_parses_nan_and_inf_for_the_owner_to_refuse():
    assert [integer("-3"), number("1e-3"), number("inf")] == [-3, 0.001, float("inf")]
    with pytest.raises(argparse.ArgumentTypeError, match="^must be a number, got 'one'$"):
        number("one")


def _message(constraints, value, options=None):
    with pytest.raises(InvalidParameterError) as refused:
        check_params({"x": constraints}, "owner", {"x": value})
    return option_message(str(refused.value), options or {})


def test_the_owner_s_constraint_in_command_line_words():
    assert _message([SEED, None], -1) == (
        "argument --x: must be an integer in [0, 4294967295], got -1"
    )
    assert _message(N_JOBS, 0, {"x": "--n-jobs"}) == (
        "argument --n-jobs: must be -1 or an integer in [1, 1024], got 0"
    )
    assert _message([BETA], 101.0) == "argument --x: must be a number in [0, 100], got 101"
    assert _message([C_RANGE], 1e-320) == (
        "argument --x: must be a number in [1e-100, 1e+100], got 1e-320"
    )


def test_an_option_in_other_units_is_converted():
    lease = [Interval(Real, 0, 604800.0, closed="neither")]
    assert _message(lease, 1.2e6, {"x": ("--lease-minutes", 60)}) == (
        "argument --lease-minutes: must be a number in (0, 10080), got 20000"
    )


def test_a_message_of_another_form_is_kept():
    assert option_message("n_initial (30) must not exceed budget (20).", {}) == (
        "n_initial (30) must not exceed budget (20)."
    )
