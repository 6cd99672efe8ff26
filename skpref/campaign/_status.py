"""Where a campaign stands, and what another batch of labels would buy.

What a person deciding whether to keep labeling needs: how the model's
quality moved with the labels so far, and what the next batch should add.

* **Cross-validated accuracy**: ``k``-fold (seeded shuffle) over the labeled
  pairs; each fold's model is fitted on the other folds, and the accuracy is
  the fraction of correct out-of-fold predictions, with the standard error
  of that mean, ``std(correct) / sqrt(n)``. It needs at least
  :data:`MIN_CV_LABELS` labels. Actively chosen pairs are the hard ones, so
  this underestimates the accuracy on the whole pool: read it as a trend.
* **Learning curve**: at a few label counts ``n`` (the last five multiples
  of the batch size when ``--batch-size`` is given, the state after each
  recent batch; else a quarter, half, three quarters and all of the labels),
  the model fitted on the first ``n`` labels in label-file order (the order
  they were collected) gives the cross-validated accuracy and log-loss above
  and two properties of its Laplace posterior over the whole pool: the mean
  logit width ``mean_i w_i`` and the fraction of *decided* pairs, those
  whose interval ``[m_i - beta w_i, m_i + beta w_i]`` excludes 0 (the model
  already names the winner). Early on, with ``beta = 1``, no interval
  excludes 0 and the widths are what moves.
* **Next batch**: for ``b`` more labels (``--batch-size``, else the curve's
  last step), the accuracy slope of the curve's last step scaled to ``b``
  labels, and the plug-in Laplace estimate of the widths after ``b`` random
  unlabeled pairs are labeled: their expected information at the current
  estimate ``theta_hat`` is added to the posterior precision,

  .. math::

      H' = H + \\frac{b}{|U|} \\sum_{j \\in U} \\mu'(m_j) \\, x_j x_j^T,

  ``U`` the unlabeled pairs and ``mu'(m) = sigma(m) (1 - sigma(m))`` (the
  expected information of ``b`` pairs drawn from ``U``, with or without
  replacement), with the means kept where they are; the mean width and the
  decided fraction are recomputed under ``H'``. A batch chosen by an active
  strategy is not a random one, so this is a reference, not a promise.

Every quantity on the pool is one chunked pass over its rows; the whole
report costs a few such passes and a few small fits.
"""

import json
import math

import numpy as np
from sklearn.model_selection import KFold

from .._chunks import chunk_rows
from .._params import validated
from .._stats import standard_error
from .._text import plural
from ..posterior import interval_contains_zero
from ._constraints import constraints
from ._select import fit_on_answers, fit_on_labels

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
    >>> from skpref.campaign import Labels
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
    """:func:`~skpref._stats.standard_error`, None for fewer than two values (JSON null, "-")."""
    se = standard_error(values)
    return None if math.isnan(se) else se


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


def posterior_summary(posterior, X, beta, rows=None):
    """Mean logit width and decided pairs of ``X`` under ``posterior``, in one chunked pass.

    A pair is decided when its interval ``[m - beta w, m + beta w]`` excludes
    0, that is ``|m| > beta w``.

    Parameters
    ----------
    posterior : LaplacePosterior
    X : ndarray of shape (n_pool, n_features)
    beta : float
    rows : ndarray of int, default=None
        Only these rows (all when None).

    Returns
    -------
    dict
        ``mean_width``, ``decided`` (a count), ``decided_fraction``, and
        ``means``, ``widths`` (arrays, for the caller; not JSON).

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import LaplacePosterior
    >>> summary = posterior_summary(LaplacePosterior.prior(2, C=1.0), np.eye(2), beta=1.0)
    >>> summary["mean_width"], summary["decided"], summary["decided_fraction"]
    (1.0, 0, 0.0)
    """
    means, widths = posterior.mean_and_std(X if rows is None else X[rows])
    decided = ~interval_contains_zero(means, widths, beta)
    return {
        "mean_width": float(widths.mean()) if widths.size else None,
        "decided": int(decided.sum()),
        "decided_fraction": float(decided.mean()) if decided.size else None,
        "means": means,
        "widths": widths,
    }


def after_random_batch(posterior, X, unlabeled_rows, n_labels):
    """The plug-in posterior after ``n_labels`` random unlabeled pairs are labeled.

    Adds ``n_labels / |U| * sum_{j in U} mu'(m_j) x_j x_j^T`` to the precision
    (see the module docstring), the expected information of ``n_labels``
    pairs drawn from the unlabeled rows ``U``, with the mean kept; the rows
    are folded in by :meth:`~skpref.LaplacePosterior.condition`, one chunk at
    a time, so the memory stays that of one chunk.

    Parameters
    ----------
    posterior : LaplacePosterior
    X : ndarray of shape (n_pool, n_features)
    unlabeled_rows : ndarray of int
    n_labels : int

    Returns
    -------
    LaplacePosterior

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import LaplacePosterior
    >>> prior = LaplacePosterior.prior(1, C=1.0)
    >>> # one label at m = 0 adds mu'(0) = 1/4: the width becomes (1 + 1/4)^(-1/2)
    >>> after = after_random_batch(prior, np.ones((4, 1)), np.arange(4), 1)
    >>> round(float(after.std(np.ones((1, 1)))[0] ** -2), 12)
    1.25
    """
    unlabeled_rows = np.asarray(unlabeled_rows, dtype=np.intp)
    if unlabeled_rows.size == 0 or n_labels <= 0:
        return posterior
    weight = n_labels / unlabeled_rows.size
    step = chunk_rows(posterior.n_params)
    for start in range(0, unlabeled_rows.size, step):
        rows = unlabeled_rows[start:start + step]
        posterior = posterior.condition(X[rows], sample_weight=np.full(rows.size, weight))
    return posterior


def learning_curve(pool, labels, sizes, *, C=1.0, beta=1.0, n_folds=5, seed=0):
    """The campaign's state after its first ``n`` labels, for each ``n`` in ``sizes``.

    Returns
    -------
    list of dict
        One per size: ``labels``, the cross-validated ``accuracy``,
        ``stderr``, ``log_loss``, ``log_loss_stderr`` of
        :func:`cross_validate` on those labels, and ``mean_width``,
        ``decided_fraction`` of the model fitted on them, over the whole pool
        (:func:`posterior_summary`).
    """
    curve = []
    for size in sizes:
        first = labels.subset(np.arange(size))
        found = cross_validate(pool.row_view(first.rows), first, C=C, n_folds=n_folds,
                               seed=seed)
        model = fit_on_answers(pool, first, C)
        summary = posterior_summary(model.get_posterior(pool.n_features), pool.X, beta)
        row = {"labels": size, "accuracy": None, "stderr": None, "log_loss": None,
               "log_loss_stderr": None}
        if found is not None:
            row.update(accuracy=found["accuracy"], stderr=found["accuracy_stderr"],
                       log_loss=found["log_loss"], log_loss_stderr=found["log_loss_stderr"])
        row.update(mean_width=summary["mean_width"],
                   decided_fraction=summary["decided_fraction"])
        curve.append(row)
    return curve


def curve_step(curve, n_labels, key="accuracy"):
    """The change of ``key`` over the curve's last step, scaled to ``n_labels`` more labels.

    ``(v_k - v_{k-1}) n_labels / (n_k - n_{k-1})`` over the last two points
    where ``key`` is known. For the accuracy it comes with the standard error
    ``sqrt(s_k^2 + s_{k-1}^2) n_labels / (n_k - n_{k-1})``; the two estimates
    share labels, so this overstates the spread of their difference: a step
    within it is no evidence of progress, nor of its end.

    Returns
    -------
    (step, stderr, from_labels, to_labels) or None
        ``stderr`` is None for a key without one; None with fewer than two
        points.

    Examples
    --------
    >>> curve = [{"labels": 20, "accuracy": 0.6, "stderr": 0.1, "mean_width": 0.5},
    ...          {"labels": 40, "accuracy": 0.7, "stderr": 0.1, "mean_width": 0.4}]
    >>> step, stderr, start, end = curve_step(curve, 10)
    >>> round(step, 12), round(stderr, 4), start, end
    (0.05, 0.0707, 20, 40)
    >>> step, stderr, _, _ = curve_step(curve, 10, "mean_width")
    >>> round(step, 12), stderr
    (-0.05, None)
    """
    points = [row for row in curve if row.get(key) is not None]
    if len(points) < 2:
        return None
    before, last = points[-2], points[-1]
    scale = n_labels / (last["labels"] - before["labels"])
    step = (last[key] - before[key]) * scale
    stderr = None
    if key == "accuracy" and last["stderr"] is not None and before["stderr"] is not None:
        stderr = math.hypot(last["stderr"], before["stderr"]) * scale
    return step, stderr, before["labels"], last["labels"]


def next_batch_size(n_labels, sizes, batch_size=None):
    """``b`` of the next-batch estimate: ``batch_size``, else the curve's last step.

    Examples
    --------
    >>> next_batch_size(100, [25, 50, 75, 100]), next_batch_size(100, [], 20)
    (25, 20)
    >>> next_batch_size(5, [])  # no curve yet: as many as the cross-validation needs
    10
    """
    if batch_size:
        return int(batch_size)
    if len(sizes) >= 2:
        return int(sizes[-1] - sizes[-2])
    return max(MIN_CV_LABELS, n_labels)


@validated(constraints("C", "beta", "seed", "n_folds", "batch_size", optional=("batch_size",)))
def campaign_status(pool, labels, *, C=1.0, beta=1.0, seed=0, n_folds=5, batch_size=None):
    """Everything ``skpref status`` reports, as a JSON-ready dict.

    Keys: ``pool``, ``labels`` (counts), ``unlabeled``, ``ambiguous`` (pairs
    whose interval at ``beta`` contains 0, among the unlabeled pairs and in
    the pool), ``posterior`` (``mean_width``, ``decided``,
    ``decided_fraction`` of the model on every label, over the pool), ``cv``
    (cross-validated accuracy and log-loss on every label), ``trend`` (the
    learning curve of :func:`learning_curve`) with ``trend_basis``, and
    ``next_batch`` (``labels`` ``b``; the curve's last step scaled to ``b``
    labels, :func:`curve_step`: ``accuracy_step`` with its
    ``accuracy_step_stderr`` and the label counts it comes from,
    ``decided_fraction_step``, ``mean_width_step``; and the plug-in Laplace
    estimate: ``mean_width`` and ``decided_fraction`` now and ``..._after``
    ``b`` random unlabeled pairs, with its ``basis``); see the module
    docstring for the formulas.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.campaign import Pool
    >>> from skpref.campaign import Labels
    >>> pool = Pool(np.array(["a", "b", "c"]), np.eye(3), "pool.npz")
    >>> labels = Labels("labels.csv", ["a"], np.array([0]), ["first"],
    ...                 np.array([2]), [], ["pair_id", "label"], {})
    >>> status = campaign_status(pool, labels)
    >>> status["labels"]["unique"], status["unlabeled"], status["ambiguous"]["unlabeled"]
    (1, 2, 2)
    >>> status["cv"]["accuracy"] is None, status["posterior"]["decided"]
    (True, 0)
    >>> status["next_batch"]["mean_width_after"] < status["next_batch"]["mean_width"]
    True
    """
    model = fit_on_answers(pool, labels, C)
    posterior = model.get_posterior(pool.n_features)
    now = posterior_summary(posterior, pool.X, beta)
    ambiguous = interval_contains_zero(now["means"], now["widths"], beta)
    unlabeled = np.ones(pool.n_pairs, dtype=bool)
    unlabeled[labels.answered_rows] = False
    counts = labels.counts()
    cv = {"folds": n_folds, "seed": seed, "C": C, "labels": len(labels)}
    estimate = cross_validate(pool.row_view(labels.rows), labels, C=C, n_folds=n_folds,
                              seed=seed)
    if estimate is None:
        cv.update(accuracy=None, stderr=None, log_loss=None, log_loss_stderr=None,
                  reason=f"too few labels ({len(labels)}; needs at least {MIN_CV_LABELS})")
    else:
        cv.update(accuracy=estimate["accuracy"], stderr=estimate["accuracy_stderr"],
                  log_loss=estimate["log_loss"], log_loss_stderr=estimate["log_loss_stderr"])
        if estimate["accuracy"] is None:
            cv["reason"] = "every fitted answer is a tie: no accuracy"
    sizes = trend_sizes(len(labels), batch_size)
    trend = learning_curve(pool, labels, sizes[:-1], C=C, beta=beta, n_folds=n_folds,
                           seed=seed)
    if sizes:  # the last point is every label: the model and the estimate above
        trend.append({"labels": sizes[-1], "accuracy": cv["accuracy"], "stderr": cv["stderr"],
                      "log_loss": cv["log_loss"], "log_loss_stderr": cv["log_loss_stderr"],
                      "mean_width": now["mean_width"],
                      "decided_fraction": now["decided_fraction"]})
    n_next = next_batch_size(len(labels), sizes, batch_size)
    after = posterior_summary(
        after_random_batch(posterior, pool.X, np.flatnonzero(unlabeled), n_next), pool.X, beta
    )
    slope = curve_step(trend, n_next)
    decided_step = curve_step(trend, n_next, "decided_fraction")
    width_step = curve_step(trend, n_next, "mean_width")
    next_batch = {
        "labels": n_next,
        "curve_step": None if width_step is None else [width_step[2], width_step[3]],
        "accuracy_step": None if slope is None else slope[0],
        "accuracy_step_stderr": None if slope is None else slope[1],
        "accuracy_step_from": None if slope is None else [slope[2], slope[3]],
        "decided_fraction_step": None if decided_step is None else decided_step[0],
        "mean_width_step": None if width_step is None else width_step[0],
        "mean_width": now["mean_width"],
        "mean_width_after": after["mean_width"],
        "decided_fraction": now["decided_fraction"],
        "decided_fraction_after": after["decided_fraction"],
        "basis": (
            f"{plural(n_next, 'random unlabeled pair')}, means kept: the widths' part of "
            "the progress"
        ),
    }
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
        "posterior": {
            "beta": beta,
            "mean_width": now["mean_width"],
            "decided": now["decided"],
            "decided_fraction": now["decided_fraction"],
        },
        "cv": cv,
        "trend": trend,
        "trend_basis": (
            f"first n labels in file order, after each of the last {TREND_BATCHES} "
            f"batches of {batch_size}" if batch_size
            else "first n labels in file order: a quarter, half, three quarters, all"
        ),
        "next_batch": next_batch,
    }


def _share(count, total):
    return f"{count} ({100.0 * count / total:.1f}%)" if total else str(count)


def _percent(fraction):
    return "-" if fraction is None else f"{100.0 * fraction:.1f}%"


def _number(value, spec=".3f"):
    return "-" if value is None else format(value, spec)


def format_status(status, as_json=False):
    """The report of :func:`campaign_status`: a readable table, or JSON.

    Examples
    --------
    >>> status = {"pool": {"path": "pool.npz", "pairs": 3, "features": 2},
    ...           "labels": {"path": "l.csv", "unique": 1, "repeated": 0, "first": 1,
    ...                      "second": 0},
    ...           "unlabeled": 2, "ambiguous": {"beta": 1.0, "unlabeled": 2, "pool": 3},
    ...           "posterior": {"beta": 1.0, "mean_width": 0.9, "decided": 0,
    ...                         "decided_fraction": 0.0},
    ...           "cv": {"folds": 5, "seed": 0, "C": 1.0, "labels": 1, "accuracy": None,
    ...                  "stderr": None, "reason": "too few labels (1; needs at least 10)"},
    ...           "trend": [], "trend_basis": "...",
    ...           "next_batch": {"labels": 10, "accuracy_step": None, "mean_width": 0.9,
    ...                          "mean_width_after": 0.6, "decided_fraction": 0.0,
    ...                          "decided_fraction_after": 0.0, "basis": "10 random pairs"}}
    >>> print(format_status(status))
    pool         pool.npz: 3 pairs, 2 features
    labels       l.csv: 1 labeled pair
    balance      first 1 (100.0%), second 0 (0.0%)
    unlabeled    2 pairs
    decided      0 of 3 pool pairs (0.0%): logit interval m +- 1 w excludes 0; mean width 0.9000
    CV accuracy  none yet: too few labels (1; needs at least 10)
    <BLANKLINE>
    next 10 labels (estimates):
      from the curve   none yet: needs the accuracy at two label counts
      plug-in Laplace  mean width 0.9000 -> 0.6000 (-33.3%), decided 0.0% -> 0.0%
                       (10 random pairs)
    """
    if as_json:
        return json.dumps(status, indent=2, sort_keys=True)
    pool, labels = status["pool"], status["labels"]
    posterior, cv = status["posterior"], status["cv"]
    total = labels["unique"]
    fitted = labels.get("fitted", total)
    lines = [
        f"pool         {pool['path']}: {plural(pool['pairs'], 'pair')}, "
        f"{plural(pool['features'], 'feature')}",
        f"labels       {labels['path']}: {plural(total, 'labeled pair')}"
        + (f" ({plural(labels['repeated'], 'repeated line')} counted once)"
           if labels["repeated"] else ""),
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
        f"unlabeled    {plural(status['unlabeled'], 'pair')}",
        f"decided      {posterior['decided']} of {plural(pool['pairs'], 'pool pair')} "
        f"({_percent(posterior['decided_fraction'])}): logit interval "
        f"m +- {posterior['beta']:g} w excludes 0; mean width "
        f"{_number(posterior['mean_width'], '.4f')}",
    ]
    if cv["accuracy"] is None:
        lines.append(f"CV accuracy  none yet: {cv['reason']}")
    else:
        lines.append(
            f"CV accuracy  {cv['accuracy']:.3f} +- {_number(cv['stderr'])} (standard error; "
            f"{cv['folds']}-fold, seed {cv['seed']}, C={cv['C']:g}, "
            f"{plural(cv['labels'], 'label')})"
        )
    if cv.get("log_loss") is not None:
        lines.append(
            f"CV log-loss  {cv['log_loss']:.3f} +- {_number(cv['log_loss_stderr'])} "
            "(standard error; ties as the soft label 1/2)"
        )
    if len(status["trend"]) > 1:
        lines += [
            "", f"learning curve ({status['trend_basis']}):",
            "   labels  CV accuracy  std. error  mean width  decided",
        ]
        lines += [
            f"  {row['labels']:>7d}  {_number(row['accuracy']):>11}  "
            f"{_number(row['stderr']):>10}  {_number(row.get('mean_width'), '.4f'):>10}  "
            f"{_percent(row.get('decided_fraction')):>7}"
            for row in status["trend"]
        ]
    batch = status.get("next_batch")
    if batch and status["unlabeled"]:
        n = batch["labels"]
        lines += ["", f"next {plural(n, 'label')} (estimates):"]
        if batch.get("accuracy_step") is None:
            lines.append("  from the curve   none yet: needs the accuracy at two label counts")
        else:
            start, end = batch["accuracy_step_from"]
            lines.append(
                f"  from the curve   accuracy {batch['accuracy_step']:+.3f} +- "
                f"{_number(batch['accuracy_step_stderr'])}"
                + (f", decided {100.0 * batch['decided_fraction_step']:+.1f} points"
                   if batch.get("decided_fraction_step") is not None else "")
                + (f", mean width {batch['mean_width_step']:+.4f}"
                   if batch.get("mean_width_step") is not None else "")
            )
            lines.append(f"{'':19}(the step from {start} to {end} labels, scaled to {n})")
        before, after = batch["mean_width"], batch["mean_width_after"]
        drop = f" ({100.0 * (after - before) / before:+.1f}%)" if before else ""
        lines.append(
            f"  plug-in Laplace  mean width {_number(before, '.4f')} -> "
            f"{_number(after, '.4f')}{drop}, decided {_percent(batch['decided_fraction'])} -> "
            f"{_percent(batch['decided_fraction_after'])}"
        )
        lines.append(f"{'':19}({batch['basis']})")
    return "\n".join(lines)
