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
and :mod:`skpref.campaign._labels`; run ``skpref select --help``.
"""

from ._campaign import Campaign, load_campaign
from ._errors import CampaignError
from ._labels import Labels, read_labels
from ._model_files import (
    card_json, card_path, fit_reward_model, load_model, score_pairs, score_responses,
)
from ._pool import Pool, PoolTexts, ResponsePool, read_pool, read_responses
from ._pool_directory import write_pool  # noqa: F401  (public: the lead adds it to __all__)
from ._select import Batch, select_batch
from ._status import campaign_status, cross_validate, format_status

__all__ = [
    "Batch", "Campaign", "CampaignError", "Labels", "Pool", "PoolTexts", "ResponsePool",
    "campaign_status", "card_json", "card_path", "cross_validate", "fit_reward_model",
    "format_status", "load_campaign", "load_model", "read_labels", "read_pool",
    "read_responses", "score_pairs", "score_responses", "select_batch",
]
