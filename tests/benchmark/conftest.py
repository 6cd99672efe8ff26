"""Fixtures of the experiments' tests: one small run of each, shared by the modules reading it."""

import pytest

from skpref.benchmark import (
    label_complexity_study,
    make_gap_instance,
    make_rare_tie_instance,
    run_benchmark,
)

from ._helpers import SMALL


@pytest.fixture(scope="package")
def small_run():
    """Random, uncertainty, CI-location and design sampling on the synthetic pool, 2 seeds."""
    return run_benchmark(
        ["synthetic"], strategies=["uncertainty", "ci-location", "design"], **SMALL
    )


@pytest.fixture(scope="package")
def study_rows():
    """The label-complexity study on two small instances, 2 deltas, 3 designs, 12 runs a cell."""
    instances = [
        ("easy", *make_gap_instance(2, 6, min_gap=0.3, random_state=0)),
        ("rare", *make_rare_tie_instance(4, 8, tie_gap=0.15, random_state=0)),
    ]
    return label_complexity_study(
        instances, deltas=[0.1, 0.01], n_runs=12, n_jobs=1, random_state=0
    )
