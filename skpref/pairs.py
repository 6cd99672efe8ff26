"""From items to comparison rows: ``x = phi(first) - phi(second)``.

A comparison of items ``a`` and ``b`` is the difference of their feature
vectors, with label 1 when ``a`` (the first) is preferred. Swapping the two
items maps ``(x, y)`` to ``(-x, 1 - y)``, which a model without intercept
respects exactly. Do not centre difference rows (``StandardScaler()`` with its
default ``with_mean=True``): subtracting the mean breaks that symmetry; scale
them with ``StandardScaler(with_mean=False)``.

Labels are 1 (first item preferred) and 0 (second): the estimator's positive
class ``classes_[1]`` is the larger label, so 1 / 0 read the right way round,
while the strings ``'first'`` / ``'second'`` sort the wrong way round
(``'first' < 'second'``). :func:`encode_preferences` maps the usual spellings
to 1 / 0.
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data


class PairDifference(TransformerMixin, BaseEstimator):
    """Map item-pair columns ``[phi(a), phi(b)]`` to ``phi(a) - phi(b)``.

    The input has ``2 d`` columns: the first ``d`` describe the first item of
    each pair, the last ``d`` the second. Stateless apart from checking the
    column count, so it can open a ``Pipeline`` that ends in
    :class:`~skpref.PairwiseLogisticRegression`.

    Attributes
    ----------
    n_features_in_ : int
        ``2 d``, the number of input columns.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Input column names, when X has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.pairs import PairDifference
    >>> PairDifference().fit_transform(np.array([[1.0, 2.0, 0.5, 0.5]]))
    array([[0.5, 1.5]])
    """

    def fit(self, X, y=None):
        """Check that ``X`` has an even number of columns.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2 d)
            Item-pair columns ``[phi(a), phi(b)]``.
        y : None
            Ignored.

        Returns
        -------
        self : PairDifference
            The fitted transformer.
        """
        X = validate_data(self, X, dtype=(np.float64, np.float32))
        _check_even_columns(X)
        return self

    def transform(self, X):
        """Return ``X[:, :d] - X[:, d:]``.

        Stateless: works before ``fit`` too (and then checks the column count).

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2 d)
            Item-pair columns ``[phi(a), phi(b)]``.

        Returns
        -------
        ndarray of shape (n_pairs, d)
            Comparison rows ``phi(a) - phi(b)``.
        """
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        _check_even_columns(X)
        half = X.shape[1] // 2
        return X[:, :half] - X[:, half:]

    def get_feature_names_out(self, input_features=None):
        """Names ``"<first> - <second>"`` of the difference columns.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input column names; None uses ``feature_names_in_`` if set, else
            ``x0, x1, ...``.

        Returns
        -------
        ndarray of str of shape (d,)
        """
        check_is_fitted(self)
        if input_features is None:
            input_features = getattr(
                self,
                "feature_names_in_",
                np.array([f"x{i}" for i in range(self.n_features_in_)], dtype=object),
            )
        input_features = np.asarray(input_features, dtype=object)
        if input_features.shape != (self.n_features_in_,):
            raise ValueError(
                f"input_features should have length {self.n_features_in_}, "
                f"got {len(input_features)}."
            )
        half = self.n_features_in_ // 2
        return np.array(
            [f"{a} - {b}" for a, b in zip(input_features[:half], input_features[half:])],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


def _check_even_columns(X):
    if X.shape[1] % 2:
        raise ValueError(
            "PairDifference expects an even number of columns "
            f"([phi(a), phi(b)] side by side), got {X.shape[1]}."
        )


def make_pairs(X_first, X_second, y=None, random_state=None):
    """Comparison rows with a seeded random orientation, and their labels.

    Each pair is written either as ``phi(first) - phi(second)`` or, with
    probability 1/2, swapped as ``phi(second) - phi(first)``; the label says
    whether the item written first is the preferred one. Random orientation
    makes both labels occur, so the data do not teach a position bias.

    Parameters
    ----------
    X_first, X_second : array-like of shape (n_pairs, n_features)
        Features of the two items of each pair.
    y : array-like of shape (n_pairs,), default=None
        1 where the item in ``X_first`` is preferred, 0 where the one in
        ``X_second`` is. None means ``X_first`` always holds the preferred
        item (chosen/rejected data).
    random_state : int, RandomState instance or None, default=None
        Seeds the orientation.

    Returns
    -------
    X : ndarray of shape (n_pairs, n_features)
        Oriented difference rows.
    y : ndarray of shape (n_pairs,)
        1 where the first item of the oriented row is preferred, else 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.pairs import make_pairs
    >>> chosen, rejected = np.ones((4, 2)), np.zeros((4, 2))
    >>> X, y = make_pairs(chosen, rejected, random_state=0)
    >>> bool(np.all(X[y == 1] == 1) and np.all(X[y == 0] == -1))
    True
    """
    X_first = check_array(X_first, dtype=(np.float64, np.float32), input_name="X_first")
    X_second = check_array(X_second, dtype=(np.float64, np.float32), input_name="X_second")
    if X_first.shape != X_second.shape:
        raise ValueError(
            "X_first and X_second must have the same shape (one row per pair), "
            f"got {X_first.shape} and {X_second.shape}."
        )
    n_pairs = X_first.shape[0]
    if y is None:
        y = np.ones(n_pairs, dtype=int)
    else:
        y = np.asarray(y).ravel()
        if y.shape != (n_pairs,):
            raise ValueError(f"y must have one label per pair ({n_pairs}), got shape {y.shape}.")
        if not np.isin(y, [0, 1]).all():
            raise ValueError("y must hold 1 (first item preferred) or 0 (second preferred).")
        y = y.astype(int)
    swap = check_random_state(random_state).random_sample(n_pairs) < 0.5
    sign = np.where(swap, -1.0, 1.0).astype(X_first.dtype)
    X = (X_first - X_second) * sign[:, None]
    return X, np.where(swap, 1 - y, y)


#: Spellings of the two preferences, after ``str(label).strip().lower()``.
_FIRST = frozenset({"first", "1", "1.0", "true"})
_SECOND = frozenset({"second", "0", "0.0", "false"})


def encode_preferences(labels):
    """Preference labels as 1 (first item preferred) and 0 (second item preferred).

    :class:`~skpref.PairwiseLogisticRegression` follows scikit-learn in sorting
    ``classes_`` and taking ``classes_[1]`` as the positive class, whose
    probability ``predict_proba[:, 1]``, logit and intervals describe. With
    labels 1 / 0 that is "first preferred"; with the strings ``'first'`` /
    ``'second'`` it would be ``'second'`` (``'first' < 'second'``), and every
    coefficient and interval would flip sign. Encode labels with this function
    before fitting.

    Parameters
    ----------
    labels : array-like of shape (n_comparisons,)
        ``'first'`` / ``'second'`` in any letter case (surrounding whitespace
        ignored), the numbers 1 / 0 or their strings, or ``True`` / ``False``
        (or ``'true'`` / ``'false'``), mixed freely.

    Returns
    -------
    ndarray of int64 of shape (n_comparisons,)
        1 where the first item was preferred, 0 where the second was.

    Raises
    ------
    ValueError
        If ``labels`` is not one-dimensional, or holds anything else (a tie,
        a missing value, 2, ...); the message names each offending value with
        its number of rows and the first row that holds it.

    See Also
    --------
    make_pairs : Oriented comparison rows with 0/1 labels.

    Examples
    --------
    >>> from skpref.pairs import encode_preferences
    >>> encode_preferences(["first", "Second", "FIRST", 0, True])
    array([1, 0, 1, 0, 1])
    """
    values = np.asarray(labels)
    if values.ndim != 1:
        raise ValueError(
            f"labels must be one-dimensional (one per comparison), got shape {values.shape}."
        )
    if values.dtype.kind == "b":
        return values.astype(np.int64)
    if values.dtype.kind in "iuf":
        keys = values
        first, second = values == 1, values == 0
    else:
        # bools print as 'True' / 'False', numbers as '1' / '1.0', None as 'None'
        keys = np.char.lower(np.char.strip(values.astype(str)))
        first, second = np.isin(keys, list(_FIRST)), np.isin(keys, list(_SECOND))
    bad = ~(first | second)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ValueError(_describe_bad_labels(values[rows], keys[rows], rows, values.size))
    return first.astype(np.int64)


def _describe_bad_labels(values, keys, rows, n_labels, limit=5):
    """``"'tie' (3 rows, first at row 4), None (1 row, at row 9)"`` for the message."""
    _, index, counts = np.unique(keys, return_index=True, return_counts=True)
    order = np.argsort(index, kind="stable")  # in the order they first occur
    described = []
    for position, count in zip(index[order][:limit], counts[order][:limit]):
        value = values[position]
        value = value.item() if isinstance(value, np.generic) else value
        where = f"first at row {rows[position]}" if count > 1 else f"at row {rows[position]}"
        described.append(f"{value!r} ({count} row{'s' if count > 1 else ''}, {where})")
    more = f" and {index.size - limit} more value(s)" if index.size > limit else ""
    return (
        "labels must be 'first' or 'second' (any letter case), 1 or 0, or True or False; "
        f"{rows.size} of {n_labels} are not: " + ", ".join(described) + more + "."
    )
