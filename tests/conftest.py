"""Test configuration: hypothesis profiles.

``ci`` is derandomised (the same examples on every run, so a red CI run is
reproducible) and is loaded when the ``CI`` environment variable is set, as it
is in ``.ci/run``; ``dev`` explores new examples on every run.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=40,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
