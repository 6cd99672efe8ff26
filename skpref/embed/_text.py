"""The text of an item: one template of prompt + response, and how it is truncated.

This module is the one place that defines what is embedded; the shared
datasets of ``SKPREF_DATA`` were embedded by the same recipe, so a user's pool
is made like them.

**Template.** An item (one response to one prompt) is the text::

    {prompt}\\n\\nAssistant: {response}

where ``{prompt}`` is the conversation so far in the Anthropic hh-rlhf form
(``"Human: ..."``, possibly with earlier ``Human:``/``Assistant:`` turns) and
``{response}`` the response, both stripped of surrounding whitespace. A
prompt that does not start with ``Human:`` is one user message and is
rendered ``"Human: " + prompt`` (as UltraFeedback's prompts are), so that
``pairs`` files, hh-rlhf and UltraFeedback give texts of one form.

**Truncation keeps the response.** The text is tokenized in two parts, the
prompt part ``"{prompt}\\n\\nAssistant:"`` and the response part
``" {response}"`` (for a WordPiece model such as all-MiniLM-L6-v2 this is
the tokenization of the whole text), without special tokens. With ``P`` and
``R`` their token counts, ``L`` the model's maximum sequence length and
``s`` its number of special tokens (2 for BERT's ``[CLS]``/``[SEP]``), the
budget is ``B = L - s`` and

* the response keeps its **first** ``R' = min(R, B - min(P, 64))`` tokens
  (the prompt is guaranteed up to 64 tokens of context);
* the prompt keeps its **last** ``P' = min(P, B - R')`` tokens (the most
  recent turns, and always the closing ``Assistant:``);

so ``P' + R' + s <= L``. For all-MiniLM-L6-v2 (``L = 256``, ``s = 2``) the
response keeps ``min(R, 254 - min(P, 64))`` tokens. An item is *truncated*
when ``P' < P`` or ``R' < R``; ``skpref embed`` reports the share.

**Pooling.** The model's own modules turn the tokens into one vector: for
all-MiniLM-L6-v2, the mean of the token embeddings over the attention mask,
then L2 normalisation (what ``SentenceTransformer.encode`` does).
"""

import numpy as np

#: The text of an item (see the module's docstring).
ITEM_TEMPLATE = "{prompt}\n\nAssistant: {response}"

#: Prompt tokens always kept (when the prompt has them) before the response takes the rest.
PROMPT_RESERVE = 64

#: How a prompt in the hh-rlhf form begins.
HUMAN_PREFIX = "Human:"


def render_prompt(prompt):
    """The prompt as the template shows it: stripped, ``"Human: "`` prepended unless present.

    Examples
    --------
    >>> render_prompt("  Why is the sky blue? ")
    'Human: Why is the sky blue?'
    >>> render_prompt("Human: Hi\\n\\nAssistant: Hello!\\n\\nHuman: Bye")
    'Human: Hi\\n\\nAssistant: Hello!\\n\\nHuman: Bye'
    """
    prompt = prompt.strip()
    return prompt if prompt.startswith(HUMAN_PREFIX) else f"{HUMAN_PREFIX} {prompt}"


def item_parts(prompt, response):
    """``(prompt part, response part)``, tokenized separately; together the item's text.

    Examples
    --------
    >>> item_parts("Why?", " Because. ")
    ('Human: Why?\\n\\nAssistant:', ' Because.')
    >>> "".join(item_parts("Why?", "Because.")) == item_text("Why?", "Because.")
    True
    """
    return f"{render_prompt(prompt)}\n\nAssistant:", f" {response.strip()}"


def item_text(prompt, response):
    """The text of an item, :data:`ITEM_TEMPLATE` filled in.

    Examples
    --------
    >>> print(item_text("Why is the sky blue?", "Rayleigh scattering."))
    Human: Why is the sky blue?
    <BLANKLINE>
    Assistant: Rayleigh scattering.
    """
    return ITEM_TEMPLATE.format(prompt=render_prompt(prompt), response=response.strip())


def kept_tokens(prompt_tokens, response_tokens, budget, reserve=PROMPT_RESERVE):
    """How many prompt and response tokens an item keeps (see the module's docstring).

    ``R' = min(R, budget - min(P, reserve))`` and ``P' = min(P, budget - R')``.

    Parameters
    ----------
    prompt_tokens, response_tokens : array-like of int
        ``P`` and ``R`` of every item.
    budget : int
        ``L - s``: the model's maximum length less its special tokens.
    reserve : int, default=64

    Returns
    -------
    kept_prompt, kept_response : ndarray of int

    Examples
    --------
    >>> kept_tokens([10, 10, 300, 30], [20, 300, 300, 5], budget=254)
    (array([10, 10, 64, 30]), array([ 20, 244, 190,   5]))
    """
    P = np.asarray(prompt_tokens, dtype=np.int64)
    R = np.asarray(response_tokens, dtype=np.int64)
    if budget < 1:
        raise ValueError(f"the token budget must be >= 1, got {budget}")
    kept_response = np.minimum(R, budget - np.minimum(P, reserve))
    kept_response = np.maximum(kept_response, 0)
    kept_prompt = np.minimum(P, budget - kept_response)
    return kept_prompt, kept_response


def describe_text_format(max_length=None, special_tokens=None):
    """The template and the truncation rule as recorded in a pool's provenance.

    Examples
    --------
    >>> describe_text_format(256, 2)["truncation"]["response_keeps"]
    'its first min(R, 254 - min(P, 64)) tokens'
    """
    budget = None if max_length is None else max_length - special_tokens
    keeps = f"min(R, {budget} - min(P, {PROMPT_RESERVE}))" if budget is not None else (
        f"min(R, L - s - min(P, {PROMPT_RESERVE}))"
    )
    return {
        "template": ITEM_TEMPLATE,
        "prompt": (
            "the conversation so far, stripped; a prompt that does not start with "
            f"'{HUMAN_PREFIX}' is one user message, rendered '{HUMAN_PREFIX} ' + prompt"
        ),
        "response": "the response, stripped",
        "truncation": {
            "level": "tokens of the model's tokenizer, prompt part '{prompt}\\n\\nAssistant:' "
                     "and response part ' {response}' tokenized separately",
            "max_seq_length": max_length,
            "special_tokens": special_tokens,
            "prompt_reserve": PROMPT_RESERVE,
            "response_keeps": f"its first {keeps} tokens",
            "prompt_keeps": "its last min(P, budget - kept response) tokens",
        },
    }
