"""What the benchmark's test modules share: the data directory and a small run's settings."""

import os

import pytest

from skpref.datasets import available_datasets

DATA = os.environ.get("SKPREF_DATA")

needs_data = pytest.mark.skipif(
    not DATA or len(available_datasets(DATA)) < 3,
    reason="the real datasets are read from SKPREF_DATA (set in CI by .ci/run)",
)

#: A run of a few seconds: 4 checkpoints, 2 seeds.
SMALL = {"budget": 40, "batch_size": 10, "n_initial": 10, "n_seeds": 2}
