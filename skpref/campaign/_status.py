"""Where a campaign stands: labels, balance, ambiguity, accuracy and its trend.

* **Ambiguous pairs**: pool pairs whose logit interval ``[m - beta w, m +
  beta w]`` under the model fitted on every label contains 0 (the model
  cannot yet tell which item wins), counted among the unlabeled pairs and in
  the whole pool.
* **Cross-validated accuracy**: ``k``-fold (seeded shuffle) over the labeled
  pairs; each fold's model is fitted on the other folds, and the accuracy is
  the fraction of correct out-of-fold predictions, with the standard error
  of that mean, ``std(correct) / sqrt(n)``. It needs at least
  :data:`MIN_CV_LABELS` labels. Actively chosen pairs are the hard ones, so
  this underestimates the accuracy on the whole pool: read it as a trend.
* **Trend**: the same estimate on the first ``n`` labels in label-file order
  (the order they were collected): at ``n`` = the last five multiples of the
  batch size when ``--batch-size`` is given (the state after each recent
  batch), else at a quarter, half, three quarters and all of the labels.
"""

import json
import math

import numpy as np
from sklearn.model_selection import KFold

from ._errors import CampaignError
from ._select import ambiguous_rows, fit_on_labels

#: Fewer labels than this get no cross-validated accuracy.
MIN_CV_LABELS = 10

#: How many recent batches the trend shows.
TREND_BATCHES = 5


def cross_validated_accuracy(X, y, *, C=1.0, n_folds=5, seed=0):
    """Out-of-fold accuracy and its standard error, or None with too few labels.

    Parameters
    ----------
    X : ndarray of shape (n_labels, n_features)
    y : ndarray of shape (n_labels,)
    C : float, default=1.0
    n_folds : int, default=5
    seed : int, default=0
        Seeds the fold assignment.

    Returns
    -------
    (accuracy, stderr) or None

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> accuracy, stderr = cross_validated_accuracy(X, y, C=10.0)
    >>> accuracy > 0.9, stderr < 0.05
    (True, True)
    >>> cross_validated_accuracy(X[:5], y[:5]) is None
    True
    """
    n = y.shape[0]
    if n < max(MIN_CV_LABELS, 2):
        return None
    folds = KFold(n_splits=min(n_folds, n), shuffle=True, random_state=seed)
    correct = np.empty(n, dtype=bool)
    for train, test in folds.split(X):
        model = fit_on_labels(X[train], y[train], C)
        correct[test] = model.predict(X[test]) == y[test]
    accuracy = float(correct.mean())
    stderr = float(correct.std(ddof=1) / math.sqrt(n))
    return accuracy, stderr


def trend_sizes(n_labels, batch_size=None):
    """Label counts at which the trend is estimated (each at least :data:`MIN_CV_LABELS`).

    Examples
    --------
    >>> trend_sizes(100)
    [25, 50, 75, 100]
    >>> trend_sizes(100, batch_size=20)
    [20, 40, 60, 80, 100]
    >>> trend_sizes(103, batch_size=10)
    [63, 73, 83, 93, 103]
    >>> trend_sizes(12)
    [12]
    """
    if batch_size:
        sizes = [n_labels - k * batch_size for k in range(TREND_BATCHES)]
    else:
        sizes = [math.ceil(n_labels * q / 4) for q in range(1, 5)]
    return sorted({s for s in sizes if s >= MIN_CV_LABELS})


def campaign_status(pool, labels, *, C=1.0, beta=1.0, seed=0, n_folds=5, batch_size=None):
    """Everything ``skpref status`` reports, as a JSON-ready dict.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.campaign._pool import Pool
    >>> from skpref.campaign._labels import Labels
    >>> pool = Pool(np.array(["a", "b", "c"]), np.eye(3), "pool.npz")
    >>> labels = Labels("labels.csv", ["a"], np.array([0]), np.array([1]),
    ...                 np.array([2]), [], ["pair_id", "label"], {})
    >>> status = campaign_status(pool, labels)
    >>> status["labels"]["unique"], status["unlabeled"], status["ambiguous"]["unlabeled"]
    (1, 2, 2)
    >>> status["cv"]["accuracy"] is None
    True
    """
    if not (np.isfinite(beta) and beta >= 0):
        raise CampaignError(f"--beta must be a finite number >= 0, got {beta!r}.")
    if isinstance(n_folds, bool) or not isinstance(n_folds, int) or n_folds < 2:
        raise CampaignError(f"--folds must be an integer >= 2, got {n_folds!r}.")
    if batch_size is not None and batch_size < 1:
        raise CampaignError(f"--batch-size must be an integer >= 1, got {batch_size!r}.")
    X, y = pool.X[labels.rows], labels.y
    model = fit_on_labels(X, y, C)
    ambiguous = ambiguous_rows(model, pool.X, beta)
    unlabeled = np.ones(pool.n_pairs, dtype=bool)
    unlabeled[labels.rows] = False
    n_first = int(np.sum(y == 1))
    cv = {"folds": n_folds, "seed": seed, "C": C, "labels": len(labels)}
    estimate = cross_validated_accuracy(X, y, C=C, n_folds=n_folds, seed=seed)
    if estimate is None:
        cv.update(accuracy=None, stderr=None,
                  reason=f"too few labels ({len(labels)}; needs at least {MIN_CV_LABELS})")
    else:
        cv.update(accuracy=estimate[0], stderr=estimate[1])
    trend = []
    for size in trend_sizes(len(labels), batch_size):
        accuracy, stderr = cross_validated_accuracy(
            X[:size], y[:size], C=C, n_folds=n_folds, seed=seed
        )
        trend.append({"labels": size, "accuracy": accuracy, "stderr": stderr})
    return {
        "pool": {"path": pool.path, "pairs": pool.n_pairs, "features": pool.n_features},
        "labels": {
            "path": labels.path,
            "unique": len(labels),
            "repeated": len(labels.repeats),
            "first": n_first,
            "second": len(labels) - n_first,
            "unfinished_line": labels.unfinished_line,
        },
        "unlabeled": int(unlabeled.sum()),
        "ambiguous": {
            "beta": beta,
            "unlabeled": int(np.sum(ambiguous & unlabeled)),
            "pool": int(ambiguous.sum()),
        },
        "cv": cv,
        "trend": trend,
        "trend_basis": (
            f"first n labels in file order, after each of the last {TREND_BATCHES} "
            f"batches of {batch_size}" if batch_size
            else "first n labels in file order: a quarter, half, three quarters, all"
        ),
    }


def _share(count, total):
    return f"{count} ({100.0 * count / total:.1f}%)" if total else str(count)


def format_status(status, as_json=False):
    """The report of :func:`campaign_status`: a readable table, or JSON.

    Examples
    --------
    >>> status = {"pool": {"path": "pool.npz", "pairs": 3, "features": 2},
    ...           "labels": {"path": "l.csv", "unique": 0, "repeated": 0, "first": 0, "second": 0},
    ...           "unlabeled": 3, "ambiguous": {"beta": 1.0, "unlabeled": 3, "pool": 3},
    ...           "cv": {"folds": 5, "seed": 0, "C": 1.0, "labels": 0, "accuracy": None,
    ...                  "stderr": None, "reason": "too few labels (0; needs at least 10)"},
    ...           "trend": [], "trend_basis": "..."}
    >>> print(format_status(status))
    pool         pool.npz: 3 pairs, 2 features
    labels       l.csv: 0 labeled pairs
    unlabeled    3 pairs
    ambiguous    3 of 3 unlabeled pairs (3 of 3 in the pool): interval at beta=1 contains 0
    CV accuracy  none yet: too few labels (0; needs at least 10)
    """
    if as_json:
        return json.dumps(status, indent=2, sort_keys=True)
    pool, labels = status["pool"], status["labels"]
    ambiguous, cv = status["ambiguous"], status["cv"]
    total = labels["unique"]
    lines = [
        f"pool         {pool['path']}: {pool['pairs']} pairs, {pool['features']} features",
        f"labels       {labels['path']}: {total} labeled pairs"
        + (f" ({labels['repeated']} repeated lines counted once)" if labels["repeated"] else ""),
    ]
    if total:
        lines.append(
            f"balance      first {_share(labels['first'], total)}, "
            f"second {_share(labels['second'], total)}"
        )
    lines += [
        f"unlabeled    {status['unlabeled']} pairs",
        f"ambiguous    {ambiguous['unlabeled']} of {status['unlabeled']} unlabeled pairs "
        f"({ambiguous['pool']} of {pool['pairs']} in the pool): interval at "
        f"beta={ambiguous['beta']:g} contains 0",
    ]
    if cv["accuracy"] is None:
        lines.append(f"CV accuracy  none yet: {cv['reason']}")
        return "\n".join(lines)
    lines.append(
        f"CV accuracy  {cv['accuracy']:.3f} +- {cv['stderr']:.3f} (standard error; "
        f"{cv['folds']}-fold, seed {cv['seed']}, C={cv['C']:g}, {cv['labels']} labels)"
    )
    if len(status["trend"]) > 1:
        lines += ["", f"trend ({status['trend_basis']}):", "   labels  CV accuracy  std. error"]
        lines += [
            f"  {row['labels']:>7d}  {row['accuracy']:>11.3f}  {row['stderr']:>10.3f}"
            for row in status["trend"]
        ]
    return "\n".join(lines)
