"""Parameters validated once, by their owner: ``skpref._params.validated`` and its users.

Every function that the ``skpref`` command drives checks its own parameters, when called and
through ``check_params`` before any work; the command only parses text (``tests/cli``).
"""

from numbers import Integral

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError, Interval

from skpref._params import MAX_SEED, validated
from skpref.annotate import Server
from skpref.benchmark import label_complexity_study, run_benchmark
from skpref.campaign import (
    Labels, Pool, campaign_status, fit_reward_model, score_pairs, score_responses, select_batch,
)
from skpref.embed import embed_file
from skpref.exceptions import ParameterError


def _apart(params, given):
    if {"low", "high"} <= given and params["low"] >= params["high"]:
        raise ParameterError("{low} must be below {high}.", low=params["low"],
                             high=params["high"])


calls = []


@validated({"low": [Interval(Integral, 0, None, closed="left")],
            "high": [Interval(Integral, 1, None, closed="left")]}, relations=_apart)
def span(low=0, high=10):
    calls.append((low, high))
    return high - low


def test_a_call_checks_its_parameters_before_it_runs():
    calls.clear()
    assert span(2, high=5) == 3
    with pytest.raises(InvalidParameterError, match="The 'low' parameter of span must be"):
        span(-1)
    with pytest.raises(ParameterError, match="low=7 must be below high=3"):
        span(7, 3)
    assert calls == [(2, 5)]  # the refused calls did none of the work


def test_check_params_checks_only_what_it_is_given_and_runs_nothing():
    calls.clear()
    span.check_params(low=4)  # high keeps its default and is not looked at
    with pytest.raises(InvalidParameterError, match="'high' parameter of span"):
        span.check_params(high=0)
    with pytest.raises(ParameterError, match="low=3 must be below high=2"):
        span.check_params(low=3, high=2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'width'"):
        span.check_params(width=3)
    assert calls == []


@pytest.fixture
def campaign():
    rng = np.random.default_rng(0)
    pool = Pool(np.array([f"p{i}" for i in range(30)]), rng.normal(size=(30, 3)), "pool.npz")
    labels = Labels("labels.csv", ["p0", "p1"], np.array([0, 1]), ["first", "second"],
                    np.array([2, 3]), [], ["pair_id", "label"], {})
    return pool, labels


@pytest.mark.parametrize("function, params, name", [
    (select_batch, {"batch_size": 0}, "batch_size"),
    (select_batch, {"batch_size": 2.5}, "batch_size"),
    (select_batch, {"C": 1e101}, "C"),
    (select_batch, {"seed": MAX_SEED + 1}, "seed"),
    (select_batch, {"beta": float("inf")}, "beta"),
    (select_batch, {"strategy": "best"}, "strategy"),
    (campaign_status, {"n_folds": 1}, "n_folds"),
    (campaign_status, {"batch_size": 1.5}, "batch_size"),
    (campaign_status, {"beta": -1.0}, "beta"),
    (fit_reward_model, {"C": 0.0}, "C"),
    (score_pairs, {"beta": float("nan")}, "beta"),
    (score_responses, {"beta": 101.0}, "beta"),
    (embed_file, {"chunk_size": 0}, "chunk_size"),
    (embed_file, {"seed": -1}, "seed"),
    (run_benchmark, {"n_jobs": 0}, "n_jobs"),
    (run_benchmark, {"C": 1e-101}, "C"),
    (label_complexity_study, {"burn_in": 10**6 + 1}, "burn_in"),
    (label_complexity_study, {"deltas": [0.1, 1.0]}, "deltas"),
    (Server, {"lease_seconds": 0.0}, "lease_seconds"),
    (Server, {"port": 65536}, "port"),
])
def test_every_owner_refuses_a_bad_value_by_its_parameter_name(function, params, name):
    with pytest.raises(InvalidParameterError, match=f"^The '{name}' parameter of "):
        function.check_params(**params)


def test_the_campaign_functions_check_when_called(campaign):
    pool, labels = campaign
    with pytest.raises(InvalidParameterError, match="'batch_size' parameter of select_batch"):
        select_batch(pool, labels, 2.5)
    with pytest.raises(InvalidParameterError, match="'n_folds' parameter of campaign_status"):
        campaign_status(pool, labels, n_folds=1)
    assert len(select_batch(pool, labels, 2)) == 2


def test_run_benchmark_refuses_a_seed_beyond_the_last_before_any_loop():
    # It ran loops and then stopped inside numpy: "Seed must be between 0 and 2**32 - 1",
    # a message that names no parameter.
    with pytest.raises(InvalidParameterError, match="'random_state' parameter of run_benchmark"):
        run_benchmark(["synthetic"], strategies=["random"], budget=20, n_seeds=1, n_jobs=1,
                      random_state=MAX_SEED + 1)
    with pytest.raises(ParameterError) as refused:
        run_benchmark(["synthetic"], strategies=["random"], budget=20, n_seeds=2, n_jobs=1,
                      random_state=MAX_SEED)
    assert str(refused.value) == (
        "random_state=4294967295 with n_seeds=2 runs seeds up to 4294967296, above "
        "4294967295; lower one of them."
    )
