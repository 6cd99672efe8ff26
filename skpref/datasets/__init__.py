"""Preference datasets: real embedded comparisons and synthetic pools.

:func:`load_preference_dataset` reads one of three real datasets (human or
AI-labeled comparisons with sentence embeddings) from a data directory
(:func:`data_directory`; :func:`available_datasets` lists the ones it holds,
:func:`check_datasets_present` refuses, naming every missing file, a directory
that lacks one); :func:`make_preference_pool` draws a Bradley-Terry pool with
a known parameter, the well-specified case.
"""

from ._real import (
    DATASETS,
    available_datasets,
    check_datasets_present,
    data_directory,
    load_preference_dataset,
)
from ._synthetic import make_preference_pool

__all__ = [
    "DATASETS",
    "available_datasets",
    "check_datasets_present",
    "data_directory",
    "load_preference_dataset",
    "make_preference_pool",
]
