"""PreferenceLearner: modAL's ``ActiveLearner`` for preference pairs.

modAL is an optional extra (``pip install "skpref[modal]"``); this module is
imported only when :class:`PreferenceLearner` is asked for.
"""

import warnings

import numpy as np
from modAL.models import ActiveLearner
from modAL.utils.data import retrieve_rows
from scipy import sparse
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_X_y

from ._loop import fit_labeled
from ._model import PairwiseLogisticRegression
from .query import ci_location_sampling


def _is_pandas(data):
    return hasattr(data, "iloc")


def _plain(data):
    """``data`` as numpy (a DataFrame or Series without its labels), sparse kept."""
    if sparse.issparse(data):
        return data
    return data.to_numpy() if _is_pandas(data) else np.asarray(data)


def stack_labeled(old, new):
    """``old`` with the rows of ``new`` appended, for every input type skpref takes.

    modAL's ``data_vstack`` stacks DataFrames with ``DataFrame.append``, which
    pandas 2 removed. The rules, in order:

    * any sparse block: a sparse matrix (``scipy.sparse.vstack``), as modAL;
    * any pandas block (DataFrame, Series): pandas, so that column names (and
      a Pipeline that selects columns by name) keep working; a numpy block
      takes the pandas block's columns, and DataFrame blocks must have the same
      columns in the same order (``pd.concat`` would otherwise fill the
      difference with NaN). Each block keeps its index;
    * otherwise numpy (a list stays a list), as modAL.

    Raises
    ------
    ValueError
        When the blocks do not have the same columns.
    """
    if sparse.issparse(old) or sparse.issparse(new):
        try:
            return sparse.vstack([_plain(old), _plain(new)])
        except ValueError as error:
            raise ValueError(
                "The new labeled pairs must have as many features as those labeled so far."
            ) from error
    if not (_is_pandas(old) or _is_pandas(new)):
        try:
            stacked = np.concatenate([np.asarray(old), np.asarray(new)])
        except ValueError as error:
            raise ValueError(
                "The new labeled pairs must have as many features as those labeled so far."
            ) from error
        return stacked.tolist() if isinstance(old, list) else stacked
    import pandas as pd  # a pandas block exists, so pandas is installed

    template = old if _is_pandas(old) else new
    blocks = [old, new]
    for position, block in enumerate(blocks):
        if _is_pandas(block):
            continue
        block = np.asarray(block)
        if template.ndim == 1:
            blocks[position] = pd.Series(block.ravel(), name=template.name)
        elif block.ndim != 2 or block.shape[1] != template.shape[1]:
            raise ValueError(
                "The new labeled pairs must have as many features as those labeled so far: "
                f"got rows of shape {block.shape}, expected {template.shape[1]} columns."
            )
        else:
            blocks[position] = pd.DataFrame(block, columns=template.columns)
    first, second = blocks
    if first.ndim != second.ndim or (
        first.ndim == 2 and list(first.columns) != list(second.columns)
    ):
        raise ValueError(
            "The new labeled pairs must have the same feature columns as those labeled so "
            f"far, in the same order: got {_columns(second)}, expected {_columns(first)}."
        )
    return pd.concat([first, second])


def _columns(frame):
    return list(frame.columns) if frame.ndim == 2 else f"a Series {frame.name!r}"


def rows_at(X, indices):
    """Rows ``indices`` of ``X`` by position (``X.iloc`` for pandas).

    modAL's ``retrieve_rows`` tries ``X[indices]`` first, which on a DataFrame
    selects *columns*: with the default integer column names it returns the
    wrong data, silently.
    """
    if _is_pandas(X):
        return X.iloc[indices]
    return retrieve_rows(X, indices)


class PreferenceLearner(ActiveLearner):
    """A modAL ``ActiveLearner`` for preference pairs, with skpref defaults.

    A real subclass of ``modAL.models.ActiveLearner`` (``query``, ``teach``,
    ``score``, committees and modAL utilities all apply) that differs in
    four ways:

    * defaults: :class:`~skpref.PairwiseLogisticRegression` and
      :func:`~skpref.query.ci_location_sampling`;
    * it works on current scikit-learn: modAL 0.4.2.1 validates data with
      ``check_X_y(force_all_finite=...)``, an argument scikit-learn 1.8
      removed, so its ``fit`` and ``teach`` raise ``TypeError`` there; this
      class validates with ``ensure_all_finite`` instead (modAL itself is not
      patched);
    * it takes DataFrames and Series as the rest of skpref does: labeled rows
      are stacked by :func:`stack_labeled` (modAL's ``data_vstack`` calls
      ``DataFrame.append``, which pandas 2 removed), column names are kept
      (a Pipeline may select columns by name), and ``query`` returns a
      DataFrame pool's rows by position;
    * a one-class start works: with a single label class and a model
      without intercept, each labeled row is added mirrored,
      ``(x, y) -> (-x, 1 - y)``, and both copies get half the weight. The
      log-loss is symmetric under that swap, so the objective, and thus the
      fit, is exactly that of the labeled rows alone; the mirror only lets the
      classifier see two classes. Other estimators stay at their prior
      (unfitted; strategies then use the prior posterior) until both classes
      have been labeled, with a warning.

    Parameters
    ----------
    estimator : estimator, default=None
        ``PairwiseLogisticRegression()`` when None.
    query_strategy : callable, default=None
        ``ci_location_sampling`` when None; any skpref strategy function or
        object, or a modAL strategy.
    X_training, y_training : array-like, default=None
        Initial labeled pairs; the learner is fitted on them if given.
    bootstrap_init : bool, default=False
        Fit the initial model on a bootstrap resample of the initial pairs
        (modAL's option).
    on_transformed : bool, default=False
        With a Pipeline as estimator, let modAL strategies see pool rows after
        the pipeline's transforms (modAL's option; skpref strategies transform
        the pool themselves).
    **fit_kwargs
        Passed to the estimator's ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.active import PreferenceLearner
    >>> rng = np.random.default_rng(0)
    >>> X_pool = rng.normal(size=(100, 3))
    >>> learner = PreferenceLearner(X_training=X_pool[:2], y_training=np.array([1, 1]))
    >>> indices, rows = learner.query(X_pool, n_instances=2)
    >>> learner.teach(rows, np.array([0, 1]))
    >>> learner.X_training.shape
    (4, 3)
    """

    def __init__(
        self,
        estimator=None,
        query_strategy=None,
        X_training=None,
        y_training=None,
        bootstrap_init=False,
        on_transformed=False,
        **fit_kwargs,
    ):
        # modAL does not keep bootstrap_init, so get_params (and repr) raised.
        self.bootstrap_init = bootstrap_init
        super().__init__(
            estimator=PairwiseLogisticRegression() if estimator is None else estimator,
            query_strategy=ci_location_sampling if query_strategy is None else query_strategy,
            X_training=X_training,
            y_training=y_training,
            bootstrap_init=bootstrap_init,
            on_transformed=on_transformed,
            **fit_kwargs,
        )

    def _check_X_y(self, X, y):
        check_X_y(
            X,
            y,
            accept_sparse=True,
            ensure_2d=False,
            allow_nd=True,
            multi_output=True,
            dtype=None,
            ensure_all_finite=self.force_all_finite,
        )

    def _add_training_data(self, X, y):
        self._check_X_y(X, y)
        if self.X_training is None:
            self.X_training, self.y_training = X, y
            return
        X_training = stack_labeled(self.X_training, X)
        y_training = stack_labeled(self.y_training, y)
        # Both or neither: a failure leaves the labeled pairs as they were.
        self.X_training, self.y_training = X_training, y_training

    def _fit_to_known(self, bootstrap=False, **fit_kwargs):
        X, y = self.X_training, self.y_training
        if bootstrap:
            X, y = _bootstrap(X, y)
        self._fit_labeled(X, y, **fit_kwargs)
        return self

    def _fit_on_new(self, X, y, bootstrap=False, **fit_kwargs):
        self._check_X_y(X, y)
        if bootstrap:
            X, y = _bootstrap(X, y)
        self._fit_labeled(X, y, **fit_kwargs)
        return self

    def _fit_labeled(self, X, y, **fit_kwargs):
        """Fit the estimator, coping with a one-class start (see class docs)."""
        fit_labeled(self.estimator, X, y, **fit_kwargs)

    def query(self, X_pool, *query_args, return_metrics=False, **query_kwargs):
        """The next pool rows to label: ``query_strategy(self, X_pool, ...)``.

        As modAL's ``query``, with two differences: the strategy is called
        once, and its result is read as ``(indices, metrics)`` only if it is a
        pair (modAL unpacks any result of length 2, so a bare index array of
        two rows was read as one index and its metrics, and calls the strategy
        a second time whenever the first call raises); and the rows are taken
        by position, ``X_pool.iloc[indices]`` for a DataFrame (modAL's
        ``X_pool[indices]`` selects a DataFrame's columns).

        Parameters
        ----------
        X_pool : array-like, DataFrame or sparse matrix of shape (n_pool, n_features)
            Candidate comparison rows.
        *query_args
            Passed to the strategy.
        return_metrics : bool, default=False
            Also return the strategy's scores.
        **query_kwargs
            Passed to the strategy (``n_instances``, its parameters).

        Returns
        -------
        indices : ndarray
            Positions in ``X_pool``.
        rows : same type as ``X_pool``
            ``X_pool``'s rows at ``indices``.
        metrics : ndarray or None
            Only with ``return_metrics=True``: the strategy's scores.
        """
        result = self.query_strategy(self, X_pool, *query_args, **query_kwargs)
        if isinstance(result, tuple) and len(result) == 2:
            indices, metrics = result
        else:
            indices, metrics = result, None
        rows = rows_at(X_pool, indices)
        if not return_metrics:
            return indices, rows
        if metrics is None:
            warnings.warn("The selected query strategy doesn't support return_metrics")
        return indices, rows, metrics

    def fit(self, X, y, bootstrap=False, **fit_kwargs):
        """Forget the labeled pairs, then fit on ``X, y`` (modAL semantics).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Labeled comparison rows; they replace all labeled pairs so far.
        y : array-like of shape (n_samples,)
            Their labels.
        bootstrap : bool, default=False
            Fit on a bootstrap resample of ``X, y``.
        **fit_kwargs
            Passed to the estimator's ``fit``.

        Returns
        -------
        self : PreferenceLearner
        """
        self._check_X_y(X, y)
        self.X_training, self.y_training = X, y
        return self._fit_to_known(bootstrap=bootstrap, **fit_kwargs)

    def teach(self, X, y, bootstrap=False, only_new=False, **fit_kwargs):
        """Add labeled pairs and refit (on all of them unless ``only_new``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Newly labeled comparison rows.
        y : array-like of shape (n_samples,)
            Their labels.
        bootstrap : bool, default=False
            Refit on a bootstrap resample.
        only_new : bool, default=False
            Refit on the new pairs only (they are then not stored).
        **fit_kwargs
            Passed to the estimator's ``fit``.
        """
        if only_new:
            self._fit_on_new(X, y, bootstrap=bootstrap, **fit_kwargs)
            return
        self._add_training_data(X, y)
        self._fit_to_known(bootstrap=bootstrap, **fit_kwargs)


def _bootstrap(X, y):
    """A bootstrap resample of ``(X, y)`` by position (DataFrames included)."""
    rows = np.random.choice(len(y), len(y), replace=True)
    return _safe_indexing(X, rows), _safe_indexing(y, rows)
