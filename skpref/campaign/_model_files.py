"""From labels to a reward model and back: ``skpref fit`` and ``skpref score``.

``fit`` fits :class:`~skpref.PairwiseLogisticRegression` (no intercept) on
every answer of the campaign (ties as the soft label 1/2, skips left out),
saves it with joblib and writes a JSON *card* beside it (``MODEL.json`` for
``MODEL.joblib``): the coefficients, ``C``, the number of labels by answer,
the pool's provenance and embedding model, and the cross-validated accuracy
and log-loss with their standard errors and per-fold values
(:func:`~skpref.campaign._status.cross_validate`). Neither file holds a
time or anything else that changes between runs: the same inputs give the
same bytes.

``score`` applies the model to a pool:

* a pool of pairs: ``P(first preferred) = sigma(m)`` with ``m = x^T theta``
  and its interval ``[sigma(m - beta w), sigma(m + beta w)]``, ``w =
  sqrt(x^T H^{-1} x)`` from the Laplace posterior; when the pool holds the
  item embeddings (``X_first``/``X_second``, as ``skpref embed`` writes),
  also each item's reward ``phi^T theta`` (``m`` is their difference);
* a pool of single responses (``skpref embed --format responses``): the
  reward ``r = phi^T theta`` of each response, with its interval ``r +-
  beta sqrt(phi^T H^{-1} phi)``; responses to one prompt are ranked by it.
  Rewards are comparable between responses (a difference of rewards is a
  logit of preference); their level is not identified.

When both the model's card and the pool record their embedding model, the
two must be the same weights (sha256) and template: a model is never applied
to rows of another embedding space.
"""

import csv
import io
import json
import math
import os

import numpy as np

from .._params import validated
from .._text import plural
from ._constraints import constraints
from ._errors import CampaignError
from ._select import fit_on_answers, interval_probabilities
from ._status import cross_validate

#: Columns of a scores file, for pairs and for single responses.
PAIR_SCORE_COLUMNS = ("pair_id", "probability", "lower", "upper")
ITEM_SCORE_COLUMNS = ("reward_first", "reward_second")
RESPONSE_SCORE_COLUMNS = ("response_id", "reward", "lower", "upper")


def card_path(model_path):
    """The card beside a model file: ``MODEL.json`` for ``MODEL.joblib``.

    Examples
    --------
    >>> card_path("runs/reward.joblib")
    'runs/reward.json'
    """
    root, extension = os.path.splitext(os.fspath(model_path))
    if extension.lower() != ".joblib":
        raise CampaignError(f"--out {model_path}: a model file is named *.joblib.")
    return root + ".json"


def _finite(value):
    return None if value is None or not math.isfinite(value) else float(value)


@validated(constraints("C", "n_folds", "seed"))
def fit_reward_model(pool, labels, *, C=1.0, n_folds=5, seed=0):
    """Fit the campaign's model on every answer and describe it in a card.

    Parameters
    ----------
    pool : Pool
    labels : Labels
    C : float, default=1.0
        Inverse regularisation strength.
    n_folds : int, default=5
        Folds of the cross-validated accuracy and log-loss.
    seed : int, default=0
        Seeds the folds.

    Returns
    -------
    model : PairwiseLogisticRegression
    card : dict
        JSON-ready: ``model`` (class, ``C``, coefficients), ``labels``
        (counts by answer), ``pool`` (path, pairs, features, provenance),
        ``embedding`` (the pool's embedding model or None), ``cv``.

    Raises
    ------
    CampaignError
        With no fitted answer (only skips, or none).
    """
    from .. import __version__

    if len(labels) == 0:
        raise CampaignError(
            f"labels {labels.path}: no answer to fit (first, second or tie); "
            f"{plural(len(labels.skipped_ids), 'skip')} only."
        )
    model = fit_on_answers(pool, labels, C)
    cv = cross_validate(pool.X, labels, C=C, n_folds=n_folds, seed=seed)
    provenance = pool.provenance or {}
    card = {
        "skpref": __version__,
        "model": {
            "class": "PairwiseLogisticRegression",
            "C": C,
            "fit_intercept": False,
            "n_features": pool.n_features,
            "coef": [float(value) for value in model.coef_.ravel()],
        },
        "labels": {"path": labels.path, "fitted": len(labels), **labels.counts()},
        "pool": {
            "path": pool.path, "pairs": pool.n_pairs, "features": pool.n_features,
            "provenance": pool.provenance,
        },
        "embedding": provenance.get("embedding"),
        "text_format": provenance.get("text_format"),
        "cv": (
            {"folds": n_folds, "seed": seed, "available": False,
             "reason": f"too few labels ({len(labels)})"}
            if cv is None else {
                "folds": n_folds, "seed": seed, "available": True,
                **{key: value for key, value in cv.items()},
            }
        ),
    }
    return model, card


def card_json(card):
    """The card as written: sorted keys, two-space indent, a final newline."""
    return json.dumps(card, indent=2, sort_keys=True, allow_nan=False) + "\n"


def model_bytes(model):
    """The joblib file of ``model``, as bytes, for :func:`write_file` to write atomically.

    ``skpref fit`` writes these bytes to ``--out`` and the card
    (:func:`card_json`) beside it; :func:`load_model` reads them back.

    Parameters
    ----------
    model : PairwiseLogisticRegression

    Returns
    -------
    data : bytes

    Examples
    --------
    >>> import io, joblib
    >>> from skpref import PairwiseLogisticRegression
    >>> data = model_bytes(PairwiseLogisticRegression(C=2.0))
    >>> joblib.load(io.BytesIO(data)).C
    2.0
    """
    import joblib

    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    return buffer.getvalue()


def load_model(path):
    """The model of a ``.joblib`` file written by ``skpref fit``, and its card (or None).

    Raises
    ------
    CampaignError
        A file that does not hold a fitted ``PairwiseLogisticRegression``.
    """
    import joblib

    from .. import PairwiseLogisticRegression
    from ._files import open_input

    path = os.fspath(path)
    with open_input(path, "model") as handle:
        try:
            model = joblib.load(handle)
        except Exception as error:  # a damaged or foreign file
            raise CampaignError(f"model {path}: not a readable joblib file ({error}).") from None
    if not isinstance(model, PairwiseLogisticRegression) or not hasattr(model, "coef_"):
        raise CampaignError(
            f"model {path}: holds {type(model).__name__}, not a fitted "
            "PairwiseLogisticRegression (write one with skpref fit)."
        )
    card = None
    try:
        card_file = card_path(path)
    except CampaignError:
        card_file = None
    if card_file and os.path.exists(card_file):
        try:
            with open(card_file, encoding="utf-8") as handle:
                card = json.load(handle)
        except (OSError, ValueError) as error:
            raise CampaignError(f"model card {card_file}: not readable JSON ({error}).") from None
    return model, card


def check_compatible(model, card, pool):
    """Refuse a pool of another embedding space than the model's.

    Parameters
    ----------
    model : PairwiseLogisticRegression
        Fitted, as :func:`load_model` returns it.
    card : dict or None
        Its card (:func:`load_model`), which records the embedding model and
        the item template of the pool it was fitted on.
    pool : Pool or ResponsePool

    Raises
    ------
    CampaignError
        Different feature counts, or different embedding weights or template
        when both the card and the pool record them.
    """
    n_features = model.coef_.shape[1]
    if pool.n_features != n_features:
        raise CampaignError(
            f"pool {pool.path}: {plural(pool.n_features, 'feature')}, but the model was fitted on "
            f"{n_features}; score a pool embedded like the one it was fitted on."
        )
    mine = (card or {}).get("embedding") or {}
    theirs = (pool.provenance or {}).get("embedding") or {}
    if mine.get("weights_sha256") and theirs.get("weights_sha256"):
        if mine["weights_sha256"] != theirs["weights_sha256"]:
            raise CampaignError(
                f"pool {pool.path} was embedded with {theirs.get('model')} (weights sha256 "
                f"{theirs['weights_sha256'][:12]}...), the model's pool with {mine.get('model')} "
                f"({mine['weights_sha256'][:12]}...): their rows are not comparable."
            )
    template = ((card or {}).get("text_format") or {}).get("template")
    other = ((pool.provenance or {}).get("text_format") or {}).get("template")
    if template and other and template != other:
        raise CampaignError(
            f"pool {pool.path}: item template {other!r} differs from the model's {template!r}."
        )


def _number(value):
    return f"{float(value):.6g}"


@validated(constraints("beta"))
def score_pairs(model, pool, beta=1.0):
    """The scores file of a pool of pairs (see the module's docstring) as CSV text.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref.campaign import Pool
    >>> model = PairwiseLogisticRegression().fit(np.array([[1.0], [-1.0]]), np.array([1, 0]))
    >>> print(score_pairs(model, Pool(np.array(["p1"]), np.array([[0.0]]), "pool.npz")), end="")
    pair_id,probability,lower,upper
    p1,0.5,0.5,0.5
    """
    columns = [pool.ids, *(_fmt(v) for v in interval_probabilities(model, pool.X, beta))]
    header = list(PAIR_SCORE_COLUMNS)
    if pool.items is not None:
        first, second = pool.items
        header += ITEM_SCORE_COLUMNS
        columns += [_fmt(first @ model.coef_[0]), _fmt(second @ model.coef_[0])]
    return _csv(header, columns)


@validated(constraints("beta"))
def score_responses(model, pool, beta=1.0):
    """The scores file of a pool of single responses: the reward and its interval.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref.campaign import ResponsePool
    >>> model = PairwiseLogisticRegression().fit(np.array([[1.0], [-1.0]]), np.array([1, 0]))
    >>> pool = ResponsePool(np.array(["r1", "r2"]), np.array([[2.0], [0.0]]), "r.npz")
    >>> print(score_responses(model, pool, beta=0.0), end="")  # doctest: +ELLIPSIS
    response_id,reward,lower,upper
    r1,...
    r2,0,0,0
    """
    reward = pool.X @ model.coef_[0]
    lower, upper = model.confidence_interval(pool.X, beta)
    return _csv(list(RESPONSE_SCORE_COLUMNS), [pool.ids, _fmt(reward), _fmt(lower), _fmt(upper)])


def _fmt(values):
    return [_number(value) for value in np.asarray(values, dtype=np.float64).tolist()]


def _csv(header, columns):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns))
    return buffer.getvalue()
