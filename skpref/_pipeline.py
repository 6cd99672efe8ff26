"""Pipelines in front of the model: the checks skpref makes where it fits or unwraps one.

A comparison row is ``x = phi(first) - phi(second)``, and swapping the two
items of a pair gives ``-x`` with the opposite label. The Bradley-Terry model
without intercept is antisymmetric, ``f(-x) = -f(x)``, so its prediction for
a swapped pair is the swapped prediction, and the mirrored-row start of the
active loops is exact. A Pipeline keeps that only if every transform before
the model is odd, ``T(-x) = -T(x)``: linear maps and scaling without
centering are; anything that subtracts a mean (``PCA``, ``StandardScaler()``)
is not. The usual culprit is ``StandardScaler()`` with its default
``with_mean=True``: it subtracts the mean of the training rows,
``T(x) = (x - mu) / s``, so ``T(-x) = -T(x) - 2 mu / s``, and a swapped pair
no longer gets the swapped probability. The
remedy is ``StandardScaler(with_mean=False)`` (the difference rows of a
randomly oriented pool are already centered at 0).

The model's own ``fit`` cannot see the Pipeline around it, so the check lives
here and is called where skpref code fits a Pipeline (the active loops and
:class:`~skpref.active.PreferenceLearner`) and where it reads intervals
through one (:func:`skpref.query.confidence_interval`).
"""

import warnings

import numpy as np
from scipy import sparse

from .exceptions import AntisymmetryWarning

#: Rows of ``X`` the check transforms (twice each: ``x`` and ``-x``).
CHECK_ROWS = 8


def _dense(values):
    if sparse.issparse(values):
        values = values.toarray()
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    return np.asarray(values, dtype=np.float64)


def _head(X, n_rows):
    """The first ``n_rows`` rows of ``X`` (by position for pandas), as given otherwise."""
    if hasattr(X, "iloc"):
        return X.iloc[:n_rows]
    if sparse.issparse(X):
        return X[:n_rows]
    return np.asarray(X)[:n_rows]


def _negated(X):
    return -X if (sparse.issparse(X) or hasattr(X, "iloc")) else -np.asarray(X)


def _is_pipeline(estimator):
    return hasattr(estimator, "steps") and isinstance(getattr(estimator, "steps"), list)


def check_antisymmetric(pipeline, X, *, n_rows=CHECK_ROWS, rtol=1e-7, warn=True):
    """Check that the steps before a Pipeline's model commute with swapping a pair.

    Swapping the two items of a pair maps a difference row ``x`` to ``-x``,
    and an item row ``[phi(a), phi(b)]`` (the input of a
    :class:`~skpref.pairs.PairDifference`) to ``[phi(b), phi(a)]``. Each step
    of ``pipeline[:-1]`` (fitted) is applied, in order, to a few rows ``x``
    of ``X`` and to their swaps ``s(x)``; the first step ``T`` for which

    .. math:: \\max_i |T(s(x_i)) - s(T(x_i))| > \\mathrm{rtol} \\cdot \\max(1, \\max_i |T(x_i)|)

    breaks the antisymmetry ``f(-x) = -f(x)`` of the whole pipeline (a
    swapped pair would not get the swapped prediction) and is named; on
    difference rows the condition is that ``T`` is odd, ``T(-x) = -T(x)``.
    A step that fails on swapped rows breaks it as well. Nested Pipelines are
    checked step by step, named ``outer__inner``. Input that cannot be
    negated (text columns of a DataFrame) is not comparison rows and is not
    checked.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline, fitted
        A Pipeline whose last step is the model; anything else passes.
    X : array-like, DataFrame or sparse matrix of shape (n_rows, n_features)
        Comparison rows as the pipeline receives them.
    n_rows : int, default=8
        How many rows to check.
    rtol : float, default=1e-7
        Tolerance, relative to the transformed rows' largest entry.
    warn : bool, default=True
        Issue an :class:`AntisymmetryWarning` naming the step.

    Returns
    -------
    str or None
        The name of the first step that is not odd (``"scaler"``), or None.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skpref import PairwiseLogisticRegression
    >>> from skpref import check_antisymmetric
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3)) + 1.0
    >>> y = (X[:, 0] > 1.0).astype(int)
    >>> centered = make_pipeline(StandardScaler(), PairwiseLogisticRegression()).fit(X, y)
    >>> check_antisymmetric(centered, X, warn=False)
    'standardscaler'
    >>> scaled = make_pipeline(StandardScaler(with_mean=False), PairwiseLogisticRegression())
    >>> check_antisymmetric(scaled.fit(X, y), X) is None
    True
    """
    if not _is_pipeline(pipeline) or len(pipeline.steps) < 2:
        return None
    from .pairs import PairDifference

    rows = _head(X, max(1, int(n_rows)))
    items = any(isinstance(step, PairDifference) for _, step in _flat_steps(pipeline.steps[:-1]))
    try:
        swapped = _swap_halves(rows) if items else _negated(rows)
    except TypeError:  # text or object columns: not comparison rows
        return None
    found = _first_not_odd(pipeline.steps[:-1], rows, swapped, rtol)
    if found is None:
        return None
    name, reason = found
    if warn:
        warnings.warn(
            f"Pipeline step {name!r} is not antisymmetric: {reason}, so the pipeline's "
            "prediction for a swapped pair (-x) is not the swapped prediction and the "
            "difference rows lose the symmetry the model relies on. A transform before the "
            "model must be odd, T(-x) = -T(x); a centering step is not: use "
            "StandardScaler(with_mean=False) (difference rows of a randomly oriented pool "
            "are centered at 0 already).",
            AntisymmetryWarning,
            stacklevel=2,
        )
    return name


def _flat_steps(steps, prefix=""):
    """``(name, step)`` of ``steps`` with nested Pipelines expanded (``outer__inner``)."""
    flat = []
    for name, step in steps:
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        if _is_pipeline(step):
            flat += _flat_steps(step.steps, prefix=f"{prefix}{name}__")
        else:
            flat.append((f"{prefix}{name}", step))
    return flat


def _swap_halves(Z):
    """Item rows ``[phi(a), phi(b)]`` -> ``[phi(b), phi(a)]`` (the swap before a PairDifference)."""
    half = Z.shape[1] // 2
    order = np.r_[half:Z.shape[1], 0:half]
    if hasattr(Z, "iloc"):
        import pandas as pd  # Z is a DataFrame, so pandas is installed

        return pd.DataFrame(Z.to_numpy()[:, order], columns=Z.columns, index=Z.index)
    if sparse.issparse(Z):
        return Z[:, order]
    return np.asarray(Z)[:, order]


def _first_not_odd(steps, rows, swapped, rtol):
    """(name, reason) of the first step that does not commute with the swap, or None.

    The swap of a pair is ``x -> -x`` on difference rows and the exchange of
    the two halves on item rows, the input of a
    :class:`~skpref.pairs.PairDifference` (which maps one swap to the other).
    """
    from .pairs import PairDifference

    flat = _flat_steps(steps)
    differences = [k for k, (_, step) in enumerate(flat) if isinstance(step, PairDifference)]
    items_until = differences[-1] if differences else -1
    for k, (name, step) in enumerate(flat):
        try:
            forward = step.transform(rows)
            backward = step.transform(swapped)
        except Exception as error:  # any failure on a swapped pair: it cannot take them
            what = "item rows with their halves swapped" if k <= items_until else "negated rows"
            return name, f"it cannot transform {what} ({type(error).__name__}: {error})"
        if isinstance(step, PairDifference):
            expected = -_dense(forward)  # (b - a) = -(a - b): always, by construction
        elif k < items_until:
            if forward.shape[1] % 2:
                return None  # no longer [first | second] item rows: nothing to compare
            expected = _dense(_swap_halves(forward))
        else:
            expected = -_dense(forward)
        got = _dense(backward)
        if got.shape != expected.shape:
            return name, f"a swapped pair gives rows of shape {got.shape}, not {expected.shape}"
        scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
        gap = float(np.abs(got - expected).max(initial=0.0))
        if not gap <= rtol * scale:
            swap = "swapped items" if k < items_until else "-x"
            return name, (
                f"T({swap}) differs from the swap of T(x) by up to {gap:.3g} on the rows "
                "checked (0 for a step that commutes with the swap)"
            )
        rows, swapped = forward, backward
    return None


__all__ = ["check_antisymmetric"]
