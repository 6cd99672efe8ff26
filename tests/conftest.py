"""Test configuration: hypothesis profiles and single-threaded BLAS.

``ci`` is derandomised (the same examples on every run, so a red CI run is
reproducible) and is loaded when the ``CI`` environment variable is set, as it
is in ``.ci/run``; ``dev`` explores new examples on every run. ``thorough``
(``HYPOTHESIS_PROFILE=thorough``) explores 2,000 examples per property, for a
soak run before a release (tests that set their own ``max_examples`` keep it).
"""

import os

import pytest
from hypothesis import HealthCheck, settings
from threadpoolctl import threadpool_limits

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,  # the same examples on every machine, none replayed from local runs
    max_examples=40,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True, scope="session")
def single_threaded_blas():
    """One BLAS thread for the whole suite.

    The tests solve tiny problems, where threads only add hand-off latency,
    and the numpy and scipy wheels bring two OpenBLAS pools whose idle
    threads spin against each other: on a busy two-core machine that made the
    strategy tests 15x slower.
    """
    with threadpool_limits(limits=1):
        yield
