"""From text to a pool: ``skpref embed`` and its Python functions.

Read prompts and pairs of responses (a ``pairs`` JSONL/CSV/Parquet file,
Anthropic hh-rlhf, UltraFeedback binarized) or single responses, embed every
item text ``"{prompt}\\n\\nAssistant: {response}"`` with a sentence-transformers
model (``pip install "skpref[embed]"``), and write a pool that ``skpref
select``, ``status``, ``fit`` and ``score`` read: ``ids``, ``X_first``,
``X_second``, the texts and the provenance. The template and the truncation
(which keeps the response) are documented in one place,
:mod:`skpref.embed._text`, and recorded in every pool.

Examples
--------
>>> from skpref.embed import example_pairs, read_text
>>> pairs = read_text(example_pairs())
>>> pairs.format, len(pairs) > 10
('pairs', True)
"""

from ._embed import DEFAULT_CHUNK_SIZE, EmbedReport, embed_file, sha256_of_file
from ._encoder import DEFAULT_MODEL, SentenceEncoder, weights_sha256
from ._formats import (
    FORMATS, EmbedError, TextPairs, TextResponses, content_id, detect_format, labels_csv,
    orientation, read_text, split_dialogue,
)
from ._text import (
    ITEM_TEMPLATE, PROMPT_RESERVE, describe_text_format, item_parts, item_text, kept_tokens,
    render_prompt,
)


def example_pairs():
    """Path of the small ``pairs`` file bundled with skpref, for examples and trials.

    Twenty-four prompts with two responses each, written for skpref (not taken
    from any dataset), with the columns ``pair_id``, ``prompt``,
    ``response_a``, ``response_b`` and ``label`` (``a``, ``b``, ``tie``, or
    empty for a pair not labeled yet).

    Returns
    -------
    path : str
    """
    from importlib.resources import files

    return str(files("skpref.embed") / "data" / "example_pairs.jsonl")


__all__ = [
    "DEFAULT_CHUNK_SIZE", "DEFAULT_MODEL", "EmbedError", "EmbedReport", "FORMATS",
    "ITEM_TEMPLATE", "PROMPT_RESERVE", "SentenceEncoder", "TextPairs", "TextResponses",
    "content_id", "describe_text_format", "detect_format", "embed_file", "example_pairs",
    "item_parts", "item_text", "kept_tokens", "labels_csv", "orientation", "read_text",
    "render_prompt", "sha256_of_file", "split_dialogue", "weights_sha256",
]
