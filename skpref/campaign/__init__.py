"""Labeling campaigns: ``skpref select``, ``status``, ``fit`` and ``score``, and their functions.

A campaign has two files: a *pool* (every candidate pair, with its feature
row, and with its texts when ``skpref embed`` wrote it) and a *labels* CSV
that annotators append to (``first``, ``second``, ``tie``, ``skip``). The
labels file is the only state; the commands read it and never write it, so a
crash or a rerun loses nothing, and the same inputs and seed give the same
next batch, byte for byte. ``skpref select`` writes the next batch atomically
(a temporary file, then a rename); ``skpref status`` reports the labels so
far, the pairs still ambiguous and a cross-validated accuracy; ``skpref fit``
saves the reward model with a JSON card, and ``skpref score`` applies it.

The file formats and every check are documented in :mod:`skpref.campaign._pool`
and :mod:`skpref.campaign._labels`; run ``skpref select --help``. The output files
are checked before any work (:func:`check_output`) and written without ever
replacing anything but a regular file (:func:`write_output`, :func:`write_file`).
"""

from ._campaign import Campaign, load_campaign
from ._errors import CampaignError
from ._labels import Labels, read_labels
from ._model_files import (
    card_json, card_path, check_compatible, fit_reward_model, load_model, model_bytes,
    score_pairs, score_responses,
)
from ._output import check_output, same_file, write_file, write_output
from ._pool import Pool, PoolTexts, ResponsePool, read_pool, read_responses
from ._pool_directory import write_pool
from ._select import Batch, build_strategy, select_batch
from ._status import MIN_CV_LABELS, campaign_status, cross_validate, format_status

__all__ = [
    "MIN_CV_LABELS", "Batch", "Campaign", "CampaignError", "Labels", "Pool", "PoolTexts",
    "ResponsePool", "build_strategy", "campaign_status",
    "card_json", "card_path", "check_compatible",
    "check_output", "cross_validate", "fit_reward_model", "format_status", "load_campaign",
    "load_model", "model_bytes", "read_labels", "read_pool", "read_responses", "same_file",
    "score_pairs", "score_responses", "select_batch", "write_file", "write_output", "write_pool",
]
