"""PreferenceLearner: modAL's ``ActiveLearner`` for preference pairs.

modAL is an optional extra (``pip install "skpref[modal]"``); this module is
imported only when :class:`PreferenceLearner` is asked for.
"""

import numpy as np
from modAL.models import ActiveLearner
from modAL.utils.data import data_vstack
from sklearn.utils.validation import check_X_y

from ._loop import fit_labeled
from ._model import PairwiseLogisticRegression
from .query import ci_location_sampling


class PreferenceLearner(ActiveLearner):
    """A modAL ``ActiveLearner`` for preference pairs, with skpref defaults.

    A real subclass of ``modAL.models.ActiveLearner`` (``query``, ``teach``,
    ``score``, committees and modAL utilities all apply) that differs in
    three ways:

    * defaults: :class:`~skpref.PairwiseLogisticRegression` and
      :func:`~skpref.query.ci_location_sampling`;
    * it works on current scikit-learn: modAL 0.4.2.1 validates data with
      ``check_X_y(force_all_finite=...)``, an argument scikit-learn 1.8
      removed, so its ``fit`` and ``teach`` raise ``TypeError`` there; this
      class validates with ``ensure_all_finite`` instead (modAL itself is not
      patched);
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
        try:
            self.X_training = data_vstack((self.X_training, X))
            self.y_training = data_vstack((self.y_training, y))
        except ValueError as error:
            raise ValueError(
                "The new labeled pairs must have as many features as those "
                "labeled so far."
            ) from error

    def _fit_to_known(self, bootstrap=False, **fit_kwargs):
        X, y = self.X_training, self.y_training
        if bootstrap:
            rows = np.random.choice(len(y), len(y), replace=True)
            X, y = X[rows], np.asarray(y)[rows]
        self._fit_labeled(X, y, **fit_kwargs)
        return self

    def _fit_on_new(self, X, y, bootstrap=False, **fit_kwargs):
        self._check_X_y(X, y)
        if bootstrap:
            rows = np.random.choice(len(y), len(y), replace=True)
            X, y = X[rows], np.asarray(y)[rows]
        self._fit_labeled(X, y, **fit_kwargs)
        return self

    def _fit_labeled(self, X, y, **fit_kwargs):
        """Fit the estimator, coping with a one-class start (see class docs)."""
        fit_labeled(self.estimator, X, y, **fit_kwargs)

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

