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

from ._errors import CampaignError, plural
from ._select import ambiguous_rows, fit_on_answers, fit_on_labels

#: Fewer labels than this get no cross-validated accuracy.
MIN_CV_LABELS = 10

#: How many recent batches the trend shows.
TREND_BATCHES = 5


def cross_validate(X, labels, *, C=1.0, n_folds=5, seed=0):
    """Out-of-fold accuracy and log-loss of the campaign's model, with their spread.

    The fitted answers (``first``, ``second``, ``tie``; skips are not
    fitted) are split into ``n_folds`` folds (seeded shuffle); each fold's
    pairs are predicted by the model fitted on the other folds (ties at half
    weight each way, see :meth:`~skpref.campaign.Labels.training_set`). With
    ``m`` the out-of-fold logit of a pair and ``y`` its soft label:

    * accuracy: the share of decisive pairs (ties have no right answer) with
      ``m > 0`` exactly when the first item was preferred;
    * log-loss: the mean of ``-y log sigma(m) - (1 - y) log sigma(-m)`` over
      every fitted pair (a tie's is ``log 2`` at ``m = 0``, its minimum).

    Each comes with the standard error of its mean over pairs,
    ``std / sqrt(n)``, and its value on each fold.

    Parameters
    ----------
    X : ndarray of shape (n_pool, n_features)
        The pool's comparison rows (``labels.rows`` index them).
    labels : Labels
    C : float, default=1.0
    n_folds : int, default=5
    seed : int, default=0
        Seeds the fold assignment.

    Returns
    -------
    dict or None
        ``accuracy``, ``accuracy_stderr``, ``log_loss``, ``log_loss_stderr``,
        ``decisive``, ``ties``, ``fold_accuracy``, ``fold_log_loss``; None
        with fewer than :data:`MIN_CV_LABELS` fitted answers.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.campaign._labels import Labels
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2))
    >>> answers = np.where(X[:, 0] > 0, "first", "second")
    >>> labels = Labels("l.csv", [str(i) for i in range(60)], np.arange(60), answers,
    ...                 np.arange(60) + 2, [], ["pair_id", "label"], {})
    >>> cv = cross_validate(X, labels, C=10.0)
    >>> cv["accuracy"] > 0.9, cv["accuracy_stderr"] < 0.05, cv["log_loss"] < 0.3
    (True, True, True)
    >>> cross_validate(X, labels.subset(np.arange(5))) is None
    True
    """
    n = len(labels)
    if n < max(MIN_CV_LABELS, 2):
        return None
    folds = KFold(n_splits=min(n_folds, n), shuffle=True, random_state=seed)
    logits = np.empty(n)
    fold_of = np.empty(n, dtype=np.intp)
    for k, (train, test) in enumerate(folds.split(np.arange(n))):
        subset = labels.subset(train)
        X_train, y_train, weight = subset.training_set(X)
        model = fit_on_labels(X_train, y_train, C, sample_weight=weight)
        logits[test] = model.decision_function(X[labels.rows[test]])
        fold_of[test] = k
    y = labels.y
    losses = y * np.logaddexp(0.0, -logits) + (1.0 - y) * np.logaddexp(0.0, logits)
    decisive = labels.answers != "tie"
    correct = (logits[decisive] > 0) == (y[decisive] == 1.0)
    n_folds_used = int(fold_of.max()) + 1
    fold_accuracy, fold_loss = [], []
    for k in range(n_folds_used):
        in_fold = fold_of == k
        mask = in_fold[decisive]
        fold_accuracy.append(float(correct[mask].mean()) if mask.any() else None)
        fold_loss.append(float(losses[in_fold].mean()))
    n_decisive = int(decisive.sum())
    return {
        "accuracy": float(correct.mean()) if n_decisive else None,
        "accuracy_stderr": _stderr(correct) if n_decisive else None,
        "log_loss": float(losses.mean()),
        "log_loss_stderr": _stderr(losses),
        "decisive": n_decisive,
        "ties": n - n_decisive,
        "fold_accuracy": fold_accuracy,
        "fold_log_loss": fold_loss,
    }


def _stderr(values):
    """``std(values, ddof=1) / sqrt(n)``; 0 for a single value."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return 0.0
    return float(values.std(ddof=1) / math.sqrt(values.size))


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
    >>> labels = Labels("labels.csv", ["a"], np.array([0]), ["first"],
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
    model = fit_on_answers(pool, labels, C)
    ambiguous = ambiguous_rows(model, pool.X, beta)
    unlabeled = np.ones(pool.n_pairs, dtype=bool)
    unlabeled[labels.answered_rows] = False
    counts = labels.counts()
    cv = {"folds": n_folds, "seed": seed, "C": C, "labels": len(labels)}
    estimate = cross_validate(pool.X, labels, C=C, n_folds=n_folds, seed=seed)
    if estimate is None:
        cv.update(accuracy=None, stderr=None, log_loss=None, log_loss_stderr=None,
                  reason=f"too few labels ({len(labels)}; needs at least {MIN_CV_LABELS})")
    else:
        cv.update(accuracy=estimate["accuracy"], stderr=estimate["accuracy_stderr"],
                  log_loss=estimate["log_loss"], log_loss_stderr=estimate["log_loss_stderr"])
        if estimate["accuracy"] is None:
            cv["reason"] = "every fitted answer is a tie: no accuracy"
    trend = []
    for size in trend_sizes(len(labels), batch_size):
        found = cross_validate(
            pool.X, labels.subset(np.arange(size)), C=C, n_folds=n_folds, seed=seed
        )
        trend.append({"labels": size, "accuracy": found["accuracy"],
                      "stderr": found["accuracy_stderr"]})
    return {
        "pool": {"path": pool.path, "pairs": pool.n_pairs, "features": pool.n_features},
        "labels": {
            "path": labels.path,
            "unique": len(labels) + counts["skip"],
            "fitted": len(labels),
            "repeated": len(labels.repeats),
            "first": counts["first"],
            "second": counts["second"],
            "tie": counts["tie"],
            "skip": counts["skip"],
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
    fitted = labels.get("fitted", total)
    lines = [
        f"pool         {pool['path']}: {pool['pairs']} pairs, {pool['features']} features",
        f"labels       {labels['path']}: {total} labeled pairs"
        + (f" ({labels['repeated']} repeated lines counted once)" if labels["repeated"] else ""),
    ]
    if fitted:
        ties = labels.get("tie", 0)
        lines.append(
            f"balance      first {_share(labels['first'], fitted)}, "
            f"second {_share(labels['second'], fitted)}"
            + (f", tie {_share(ties, fitted)} (half a preference each way)" if ties else "")
        )
    if labels.get("skip"):
        lines.append(
            f"skipped      {plural(labels['skip'], 'pair')} (recorded; never fitted, never "
            "proposed again)"
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
    if cv.get("log_loss") is not None:
        lines.append(
            f"CV log-loss  {cv['log_loss']:.3f} +- {cv['log_loss_stderr']:.3f} (standard error; "
            f"ties as the soft label 1/2)"
        )
    if len(status["trend"]) > 1:
        lines += ["", f"trend ({status['trend_basis']}):", "   labels  CV accuracy  std. error"]
        lines += [
            f"  {row['labels']:>7d}  {row['accuracy']:>11.3f}  {row['stderr']:>10.3f}"
            if row["accuracy"] is not None else f"  {row['labels']:>7d}  {'-':>11}  {'-':>10}"
            for row in status["trend"]
        ]
    return "\n".join(lines)
