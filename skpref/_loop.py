"""The simulated active loop as an estimator, for benchmarks and grid searches."""

import inspect
import warnings
from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.metrics import log_loss
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._model import PairwiseLogisticRegression
from ._pipeline import check_antisymmetric
from .query import CILocationSampling
from .query._base import QueryStrategy


def fit_labeled(estimator, X, y, *, check_antisymmetry=True, **fit_kwargs):
    """Fit ``estimator`` on the labeled pairs, coping with a one-class start.

    Active loops often begin with labels of one class only, which no
    classifier can fit. An estimator that can start from one class (a
    :class:`~skpref.PairwiseLogisticRegression` without intercept: its
    ``fit_labeled`` adds every row mirrored at half weight, which leaves the
    fit exactly that of the labeled rows) is fitted so; any other stays
    unfitted, with a warning, and strategies use its prior.

    A fitted Pipeline is checked by :func:`skpref._pipeline.check_antisymmetric`
    (unless ``check_antisymmetry=False``): a step before the model that is not
    odd, such as ``StandardScaler()`` centering the difference rows, breaks
    ``f(-x) = -f(x)`` and is named in an ``AntisymmetryWarning``.

    Returns
    -------
    fitted : bool
        Whether ``estimator`` was fitted (no labels: False, silently).
    """
    y = np.asarray(y)
    if y.size == 0:
        return False
    labels = np.unique(y)
    if labels.size >= 2:
        estimator.fit(X, y, **fit_kwargs)
        if check_antisymmetry:
            check_antisymmetric(estimator, X)
        return True
    starts = getattr(estimator, "starts_from_one_class", None)
    if starts is not None and starts(y):
        estimator.fit_labeled(X, y, **fit_kwargs)
        return True
    warnings.warn(
        f"Only one label class ({labels.tolist()}) so far and "
        f"{type(estimator).__name__} cannot use the mirrored-row start: the "
        "model stays unfitted and strategies use its prior until both classes "
        "are labeled.",
        UserWarning,
    )
    return False


def _takes_random_state(strategy):
    """Whether the loop should seed this strategy call (and not override a user's seed)."""
    if isinstance(strategy, QueryStrategy):
        return strategy.get_params(deep=False).get("random_state", 0) is None
    try:
        parameters = inspect.signature(strategy).parameters
    except (TypeError, ValueError):
        return False
    return "random_state" in parameters


def _final_estimator_has(attribute):
    def check(self):
        estimator = getattr(self, "estimator_", None)
        return hasattr(estimator if estimator is not None else self._base_estimator(), attribute)

    return check


class ActivePreferenceClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A simulated active-learning loop, fitted and scored like a classifier.

    ``fit(X, y)`` treats ``X`` as the unlabeled pool and reveals ``y[i]``
    only when row ``i`` is queried: a seeded random start of ``n_initial``
    rows, then batches of ``batch_size`` rows chosen by ``query_strategy``
    from the rows not yet labeled, refitting after every batch, until
    ``budget`` labels are spent. ``predict`` and ``score`` use the final
    model, so ``GridSearchCV`` over ``query_strategy__beta`` or ``budget``
    scores each setting by the accuracy its labels buy on held-out pairs.

    The random start depends only on ``random_state`` and ``len(X)``: loops
    that differ only in their strategy start from the same labels, as a fair
    comparison needs. Each batch's strategy call is seeded from the same
    random state, unless the strategy object has its own ``random_state``.

    Parameters
    ----------
    estimator : classifier, default=None
        The model refitted after every batch (cloned);
        ``PairwiseLogisticRegression()`` when None.
    query_strategy : callable, default=None
        ``strategy(classifier, X_pool, n_instances) -> (indices, scores)``:
        any :mod:`skpref.query` strategy, function or object, or a modAL
        strategy. ``CILocationSampling()`` when None. Pass an object to
        search its parameters (``query_strategy__beta``).
    n_initial : int, default=10
        Labels of the seeded random start (0: the first batch is chosen from
        the prior).
    batch_size : int, default=10
        Labels per query round.
    budget : int, default=100
        Labels in all, the random start included. A budget larger than the
        pool labels the whole pool.
    random_state : int, RandomState instance or None, default=None
        Seeds the random start and the strategies' tie-breaking.

    Attributes
    ----------
    estimator_ : classifier
        The model fitted on all queried labels.
    classes_ : ndarray of shape (n_classes,)
        Labels seen in ``y``.
    queried_indices_ : ndarray of shape (n_labels,)
        Rows of ``X`` in the order they were labeled, the random start first.
    learning_curve_ : dict of ndarray
        One entry per refit: ``"n_labels"``, and with an ``eval_set`` also
        ``"accuracy"`` and (if the model has ``predict_proba``) ``"log_loss"``
        on it. Refits that could not happen (one class and an estimator that
        cannot start from one) are not recorded.
    n_features_in_ : int
        Number of features of ``X``.

    See Also
    --------
    skpref.active.PreferenceLearner : The modAL learner for real campaigns.
    skpref.benchmark.run_benchmark : This loop over datasets, strategies and seeds.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skpref.active import ActivePreferenceClassifier
    >>> from skpref.datasets import make_preference_pool
    >>> from skpref.query import CILocationSampling
    >>> X, y, _ = make_preference_pool(600, 5, random_state=0)
    >>> loop = ActivePreferenceClassifier(
    ...     query_strategy=CILocationSampling(), budget=40, random_state=0
    ... )
    >>> loop.fit(X[:400], y[:400], eval_set=(X[400:], y[400:])).learning_curve_["n_labels"]
    array([10, 20, 30, 40])
    >>> search = GridSearchCV(loop, {"query_strategy__beta": [0.5, 2.0]}, cv=2).fit(X, y)
    >>> sorted(search.best_params_)
    ['query_strategy__beta']
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "query_strategy": [callable, None],
        "n_initial": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "budget": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        query_strategy=None,
        *,
        n_initial=10,
        batch_size=10,
        budget=100,
        random_state=None,
    ):
        self.estimator = estimator
        self.query_strategy = query_strategy
        self.n_initial = n_initial
        self.batch_size = batch_size
        self.budget = budget
        self.random_state = random_state

    def _base_estimator(self):
        """The model the loop refits (not cloned): ``estimator`` or the default."""
        return self.estimator if self.estimator is not None else PairwiseLogisticRegression()

    def query_estimator(self):
        """The estimator whose posterior a strategy queries with: fitted or, before ``fit``, not.

        After ``fit`` this is ``estimator_``; before it, the model the loop
        would refit (not a copy), whose prior drives a cold start. The query
        strategies unwrap the loop by this method.

        Returns
        -------
        estimator : classifier

        Examples
        --------
        >>> from skpref.active import ActivePreferenceClassifier
        >>> ActivePreferenceClassifier().query_estimator()
        PairwiseLogisticRegression()
        """
        estimator = getattr(self, "estimator_", None)
        return estimator if estimator is not None else self._base_estimator()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._base_estimator())
        tags.classifier_tags.multi_class = inner.classifier_tags.multi_class
        tags.input_tags.sparse = False
        return tags

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, eval_set=None):
        """Run the simulated loop on the pool ``X`` whose labels ``y`` are revealed on query.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The pool of comparison rows.
        y : array-like of shape (n_samples,)
            Their labels, each revealed only when its row is queried.
        eval_set : tuple (X_eval, y_eval), default=None
            Held-out pairs scored after every refit, for ``learning_curve_``.

        Returns
        -------
        self : ActivePreferenceClassifier
        """
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            raise ValueError(
                "ActivePreferenceClassifier needs samples of at least 2 classes in y "
                f"to simulate a loop; got only one class: {self.classes_.tolist()}."
            )
        if self.n_initial > self.budget:
            raise ValueError(
                f"n_initial ({self.n_initial}) must not exceed budget ({self.budget})."
            )
        if eval_set is not None:
            if len(eval_set) != 2:
                raise ValueError("eval_set must be a pair (X_eval, y_eval).")
            X_eval, y_eval = eval_set
            X_eval = validate_data(self, X_eval, reset=False)
            y_eval = np.asarray(y_eval)
            if len(y_eval) != len(X_eval):
                raise ValueError(
                    f"eval_set has {len(X_eval)} rows but {len(y_eval)} labels."
                )

        n_samples = len(X)
        budget = min(self.budget, n_samples)
        rng = check_random_state(self.random_state)
        # Drawn first, so loops that differ only in strategy share their start.
        queried = list(rng.choice(n_samples, size=min(self.n_initial, budget), replace=False))
        labeled = np.zeros(n_samples, dtype=bool)
        labeled[queried] = True

        estimator = clone(self._base_estimator())
        strategy = self.query_strategy if self.query_strategy is not None else CILocationSampling()
        seeded = _takes_random_state(strategy)
        curve = {"n_labels": []}
        if eval_set is not None:
            curve["accuracy"] = []
            if hasattr(estimator, "predict_proba"):
                curve["log_loss"] = []

        fitted = self._refit(estimator, X, y, queried, eval_set, curve)
        while len(queried) < budget:
            n_batch = min(self.batch_size, budget - len(queried))
            unlabeled = np.flatnonzero(~labeled)
            extra = {"random_state": rng.randint(np.iinfo(np.int32).max)} if seeded else {}
            picked = np.asarray(strategy(estimator, X[unlabeled], n_batch, **extra)[0]).ravel()
            self._check_picked(picked, n_batch, len(unlabeled), strategy)
            new = unlabeled[picked]
            labeled[new] = True
            queried.extend(new.tolist())
            fitted = self._refit(estimator, X, y, queried, eval_set, curve)
        if not fitted:
            raise ValueError(
                f"The {len(queried)} queried labels hold one class only and "
                f"{type(estimator).__name__} cannot be fitted on them; raise the budget."
            )
        check_antisymmetric(estimator, X[np.asarray(queried, dtype=np.intp)])
        self.estimator_ = estimator
        self.queried_indices_ = np.asarray(queried, dtype=np.intp)
        self.learning_curve_ = {
            key: np.asarray(values, dtype=int if key == "n_labels" else float)
            for key, values in curve.items()
        }
        return self

    @staticmethod
    def _refit(estimator, X, y, queried, eval_set, curve):
        """Refit on the queried rows and append a checkpoint to ``curve``."""
        rows = np.asarray(queried, dtype=np.intp)
        # The Pipeline check runs once, after the last refit (see fit).
        if not fit_labeled(estimator, X[rows], y[rows], check_antisymmetry=False):
            return False
        curve["n_labels"].append(len(rows))
        if eval_set is not None:
            X_eval, y_eval = eval_set
            curve["accuracy"].append(estimator.score(X_eval, y_eval))
            if "log_loss" in curve:
                curve["log_loss"].append(
                    log_loss(y_eval, estimator.predict_proba(X_eval), labels=estimator.classes_)
                )
        return True

    @staticmethod
    def _check_picked(picked, n_batch, n_unlabeled, strategy):
        """A strategy must return ``n_batch`` distinct positions in the pool it was given."""
        expected = min(n_batch, n_unlabeled)
        if (
            picked.shape != (expected,)
            or not np.issubdtype(picked.dtype, np.integer)
            or np.unique(picked).size != expected
            or (expected and (picked.min() < 0 or picked.max() >= n_unlabeled))
        ):
            raise ValueError(
                f"The query strategy {strategy!r} returned {picked!r}; expected "
                f"{expected} distinct positions in a pool of {n_unlabeled} rows."
            )

    def predict(self, X):
        """Labels predicted by the final model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Comparison rows.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            ``estimator_.predict(X)``.
        """
        check_is_fitted(self)
        return self.estimator_.predict(validate_data(self, X, reset=False))

    @available_if(_final_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the final model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Comparison rows.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            ``estimator_.predict_proba(X)``, columns in ``classes_`` order.
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(validate_data(self, X, reset=False))

    @available_if(_final_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision values of the final model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Comparison rows.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``estimator_.decision_function(X)``; for the default model the
            logit ``x^T theta``.
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(validate_data(self, X, reset=False))
