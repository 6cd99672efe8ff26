"""Intervals where people look for them: at a confidence level, on the probability scale,
and through a Pipeline (issue 17)."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from scipy.stats import norm
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skpref import LaplacePosterior, PairwiseLogisticRegression
from skpref.exceptions import AntisymmetryWarning
from skpref.posterior import beta_for_level
from skpref.query import confidence_interval


def fitted(n_features=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(80, n_features))
    y = (rng.random(80) < expit(X @ rng.normal(size=n_features))).astype(int)
    return PairwiseLogisticRegression().fit(X, y), X


@given(level=st.floats(1e-6, 1 - 1e-9))
def test_beta_for_level_is_the_two_sided_normal_quantile(level):
    assert beta_for_level(level) == pytest.approx(norm.ppf((1 + level) / 2), rel=1e-12)


def test_a_level_is_the_beta_of_its_quantile():
    model, X = fitted()
    by_level = model.confidence_interval(X, level=0.95)
    by_beta = model.confidence_interval(X, beta=norm.ppf(0.975))
    for got, expected in zip(by_level, by_beta):
        assert_allclose(got, expected, rtol=1e-14)
    # beta = 1 when neither is given, as before
    for got, expected in zip(model.confidence_interval(X), model.confidence_interval(X, 1.0)):
        assert_array_equal(got, expected)


def test_probability_intervals_are_the_logistic_of_the_logit_ones():
    model, X = fitted()
    lower, upper = model.confidence_interval(X, 2.0)
    p_lower, p_upper = model.confidence_interval(X, 2.0, scale="probability")
    assert_allclose(p_lower, expit(lower), rtol=1e-15)
    assert_allclose(p_upper, expit(upper), rtol=1e-15)
    probability = model.predict_proba(X)[:, 1]
    assert np.all((p_lower <= probability) & (probability <= p_upper))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"beta": 1.0, "level": 0.9}, "not both"),
        ({"level": 1.0}, "level must be a number in"),
        ({"level": 0.0}, "level must be a number in"),
        ({"level": True}, "level must be a number in"),
        ({"level": "95%"}, "level must be a number in"),
        ({"beta": -1.0}, "beta must be a non-negative"),
        ({"beta": np.nan}, "beta must be a non-negative"),
        ({"scale": "odds"}, "scale must be one of"),
    ],
)
def test_bad_interval_arguments_are_named(kwargs, message):
    model, X = fitted()
    with pytest.raises(ValueError, match=message):
        model.confidence_interval(X, **kwargs)
    with pytest.raises(ValueError, match=message):
        LaplacePosterior.prior(3).confidence_interval(X, **kwargs)


def test_intervals_through_a_pipeline_in_its_input_space():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4)) * [1.0, 10.0, 0.1, 3.0]
    y = (X @ [1.0, 0.1, 5.0, -0.3] > 0).astype(int)
    pipe = make_pipeline(StandardScaler(with_mean=False), PairwiseLogisticRegression()).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an odd step: no AntisymmetryWarning
        got = confidence_interval(pipe, X, level=0.9, scale="probability")
    expected = pipe[-1].confidence_interval(
        pipe[:-1].transform(X), level=0.9, scale="probability"
    )
    for a, b in zip(got, expected):
        assert_allclose(a, b, rtol=1e-13)


def test_a_centering_step_is_named_when_intervals_are_read_through_it():
    model_rows = np.random.default_rng(2).normal(size=(60, 3)) + 2.0
    y = (model_rows[:, 0] > 2.0).astype(int)
    pipe = make_pipeline(StandardScaler(), PairwiseLogisticRegression()).fit(model_rows, y)
    with pytest.warns(AntisymmetryWarning, match="'standardscaler'"):
        confidence_interval(pipe, model_rows[:5])


def test_an_unfitted_model_gives_the_prior_interval():
    lower, upper = confidence_interval(PairwiseLogisticRegression(C=4.0), [[3.0, 4.0]], beta=1.0)
    assert_allclose(lower, [-10.0])  # -sqrt(C) ||x||
    assert_allclose(upper, [10.0])
