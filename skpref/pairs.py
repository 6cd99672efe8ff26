"""From items to comparison rows: ``x = phi(first) - phi(second)``.

A comparison of items ``a`` and ``b`` is the difference of their feature
vectors, with label 1 when ``a`` (the first) is preferred. Swapping the two
items maps ``(x, y)`` to ``(-x, 1 - y)``, which a model without intercept
respects exactly. Do not centre difference rows (``StandardScaler()`` with its
default ``with_mean=True``): subtracting the mean breaks that symmetry; scale
them with ``StandardScaler(with_mean=False)``.
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
