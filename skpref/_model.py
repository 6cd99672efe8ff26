"""``PairwiseLogisticRegression``: the Bradley-Terry estimator of skpref."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._blas import matvec, rmatvec
from ._chunks import is_dask_array
from ._logistic import log_sigmoid, sigmoid
from ._objective import PenalizedLogLoss, check_representable
from .posterior import LaplacePosterior, information_matrix, raise_on_overflowing_logits
from ._solvers import newton_cg, newton_cholesky

_SOLVERS = {"newton-cholesky": newton_cholesky, "newton-cg": newton_cg}


def _choose_solver(n_samples, n_params):
    """The faster Newton variant for this shape (see ``benchmarks/bench_fit.py``).

    Forming the Hessian costs ``O(n p^2)`` per iteration, a Hessian-vector
    product ``O(n p)``; truncated Newton needs a few dozen products in all, so
    it wins as soon as ``p`` is more than a few dozen. Where it does not (badly
    conditioned features), newton-cg itself turns to a Cholesky factor of the
    Hessian as its preconditioner once its products have cost as much.
    """
    return "newton-cholesky" if n_params <= 32 else "newton-cg"


def _warn_on_first_second_labels(classes):
    """Warn when ``y`` holds ``'first'`` / ``'second'``, which sort against their meaning.

    ``classes_`` is sorted (the scikit-learn convention), so ``'first' <
    'second'`` makes ``'second'`` the positive class ``classes_[1]``: the
    coefficients, logits and intervals then describe P(second preferred).
    """
    if classes.size != 2 or not all(isinstance(label, str) for label in classes):
        return
    if {label.lower() for label in classes} != {"first", "second"}:
        return
    warnings.warn(
        f"y holds the labels {classes[0]!r} and {classes[1]!r}. classes_ is sorted, so "
        f"the positive class is classes_[1] = {classes[1]!r}: coef_, decision_function, "
        f"predict_proba[:, 1] and every interval describe P({classes[1]!r} preferred). "
        "Encode the labels with skpref.pairs.encode_preferences(y) (1 = first item "
        "preferred) to fit P(first preferred).",
        UserWarning,
        stacklevel=4,  # the caller of fit (through _fit_context's wrapper)
    )


def _mirrored(X):
    """The rows ``X`` followed by ``-X``; a DataFrame stays one, with its column names."""
    if hasattr(X, "iloc"):
        import pandas as pd  # X is a DataFrame, so pandas is installed

        return pd.concat([X, -X], ignore_index=True)
    X = np.asarray(X, dtype=np.float64)
    return np.vstack([X, -X])


def _fingerprint(X):
    """A cheap, order-sensitive checksum of the training rows.

    ``sum_j j * x_j``: one pass, and it changes when rows are edited or
    swapped in place.
    """
    return rmatvec(X, np.arange(1.0, X.shape[0] + 1.0))


class PairwiseLogisticRegression(ClassifierMixin, BaseEstimator):
    """Bradley-Terry (pairwise logistic) regression with a Laplace posterior.

    One row ``x = phi(first) - phi(second)`` per comparison; ``y`` says whether
    the first item won. The model is ``P(first preferred | x) = sigma(x^T theta
    + b)`` and the fit minimises

    .. math::

        \\sum_j s_j \\, \\ell(y_j, x_j^T \\theta + b) + \\frac{\\|\\theta\\|^2}{2C},

    the problem of ``LogisticRegression(C=C)``, by Newton's method. Without an
    intercept the model is antisymmetric: swapping the two items of a pair
    (``x -> -x``) swaps the predicted probabilities.

    Around the solution, the Laplace posterior ``N(w_hat, H^{-1})`` with
    ``H = I / C + sum_j s_j mu'(z_j) x_j x_j^T`` gives each comparison a logit
    width ``w(x) = sqrt(x^T H^{-1} x)`` and a confidence interval
    ``[m - beta w, m + beta w]``; query strategies rank pairs with them. The
    Cholesky factor of ``H`` is built on first use and cached, so a model that
    only classifies never pays for it.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength, as in ``LogisticRegression``: the
        prior on ``theta`` is ``N(0, C I)``. Any positive float whose prior
        precision ``1 / C`` is representable; a huge ``C`` (``1e300``: almost
        no prior) is fitted as it stands, also on separable data, where the
        optimum then has logits of order ``log C`` (see the user guide).
    fit_intercept : bool, default=False
        Fit an unpenalised intercept ``b`` (a position bias towards the first
        item). Leave it off to keep the model antisymmetric.
    tol : float, default=1e-8
        Stop after a Newton step whose decrement ``lambda = sqrt(g^T H^{-1}
        g)``, the distance to the optimum in posterior standard deviations,
        is at most ``tol * sqrt(2 f)`` with ``f`` the objective: the excess
        ``f - f* ~ lambda^2 / 2`` is then below ``tol^2`` relative to ``f``,
        and every logit within about ``tol * sqrt(2 f) * logit_std(x)`` of
        its exact value (usually far closer: the step that meets the test is
        taken). The rule does not depend on the scale of the features:
        fitting ``a X`` with ``C / a**2`` gives ``coef_ / a`` in the same
        iterations. A ``ConvergenceWarning`` says when ``max_iter``
        iterations did not get there.
    max_iter : int, default=100
        Maximum number of Newton iterations.
    solver : {"auto", "newton-cholesky", "newton-cg"}, default="auto"
        ``"newton-cholesky"`` forms the Hessian and solves with its Cholesky
        factor; ``"newton-cg"`` solves each Newton system by preconditioned
        conjugate gradients on Hessian-vector products. ``"auto"`` picks
        Cholesky for at most 32 parameters and CG otherwise.
    warm_start : bool, default=False
        Start from the previous solution when refitting (active loops).

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features)
        ``theta_hat``.
    intercept_ : ndarray of shape (1,)
        ``b`` (0.0 when ``fit_intercept=False``).
    classes_ : ndarray of shape (2,)
        The two labels, sorted as in every scikit-learn classifier;
        ``classes_[1]`` is the positive class, read as "first item
        preferred". With 0/1 labels that is 1. String labels ``'first'`` /
        ``'second'`` sort the other way (``classes_[1] == 'second'``), so
        ``fit`` warns: encode them with :func:`skpref.pairs.encode_preferences`.
    n_iter_ : int
        Newton iterations of the last fit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.
    posterior_ : LaplacePosterior
        The Laplace posterior at the solution (built on first access).
    gram_posterior_ : LaplacePosterior
        The posterior with the regularised Gram matrix as precision (APO).

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same objective, no posterior.
    skpref.pairs.make_pairs : Build comparison rows from chosen/rejected items.

    References
    ----------
    R. A. Bradley and M. E. Terry, "Rank analysis of incomplete block designs:
    I. The method of paired comparisons", Biometrika 39 (1952).

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = (X @ [2.0, -1.0, 0.5] + rng.logistic(size=200) > 0).astype(int)
    >>> model = PairwiseLogisticRegression(C=10.0).fit(X, y)
    >>> model.coef_.round(1)
    array([[ 1.8, -0.8,  0.6]])
    >>> lower, upper = model.confidence_interval(X[:2], beta=2.0)
    >>> bool(np.all(lower < model.decision_function(X[:2])))
    True
    """

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "solver": [StrOptions({"auto", "newton-cholesky", "newton-cg"})],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        C=1.0,
        *,
        fit_intercept=False,
        tol=1e-8,
        max_iter=100,
        solver="auto",
        warm_start=False,
    ):
        self.C = C
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.solver = solver
        self.warm_start = warm_start

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by penalised maximum likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Comparison rows ``phi(first) - phi(second)``.
        y : array-like of shape (n_samples,)
            Two labels; the larger (``classes_[1]``) means "first preferred":
            use 1 / 0 (:func:`skpref.pairs.encode_preferences` maps
            ``'first'`` / ``'second'`` to them).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; weight ``k`` is the same as ``k`` copies.

        Returns
        -------
        self : PairwiseLogisticRegression
            The fitted estimator.

        Raises
        ------
        ValueError
            For bad labels or weights, and when the problem cannot be held in
            float64: a ``C`` whose ``1 / C`` overflows, or rows whose squares
            do (``|x|`` above about ``1e154``); the message says how to
            rescale.

        Warns
        -----
        UserWarning
            When the two classes are ``'first'`` and ``'second'`` (any letter
            case): ``classes_[1]``, the positive class, is then ``'second'``.
        ConvergenceWarning
            When ``max_iter`` Newton iterations did not reach ``tol``.
        """
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size > 2:
            raise ValueError(
                "Only binary classification is supported: a comparison has two "
                f"outcomes, but y has {classes.size} classes: {classes.tolist()}."
            )
        if classes.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of 2 classes, but y contains "
                f"only one class: {classes[0]!r}. (Active loops: fit_labeled starts "
                "from one class.)"
            )
        _warn_on_first_second_labels(classes)
        sample_weight = self._check_sample_weight(sample_weight, X, y, classes)
        check_representable(X, sample_weight, self.C, self.fit_intercept)
        self.classes_ = classes
        targets = (y == classes[1]).astype(np.float64)

        objective = PenalizedLogLoss(X, targets, sample_weight, self.C, self.fit_intercept)
        solver = self.solver
        if solver == "auto":
            solver = _choose_solver(X.shape[0], objective.n_params)
        initial, previous_factor = self._warm_start_state(objective)
        result = _SOLVERS[solver](objective, initial, self.tol, self.max_iter, previous_factor)
        if not result.converged:
            warnings.warn(
                f"{type(self).__name__} ({solver}) did not converge in "
                f"max_iter={self.max_iter} Newton iterations (the Newton decrement "
                f"did not fall to tol={self.tol:g} times sqrt(2 f)); increase max_iter.",
                ConvergenceWarning,
            )
        theta, intercept = objective.split(result.w)
        self.coef_ = theta.reshape(1, -1).copy()
        self.intercept_ = np.array([intercept], dtype=np.float64)
        self.n_iter_ = result.n_iter
        # The posteriors are built lazily from these; see ``posterior_``.
        self._posterior = None
        self._gram_posterior = None
        self._posterior_inputs = (
            X, sample_weight, objective.curvature(result.z), _fingerprint(X)
        )
        return self

    def starts_from_one_class(self, y):
        """Whether :meth:`fit_labeled` can fit labels ``y`` of one class only.

        The mirrored-row start is exact for a model without intercept whose
        labels are 0 and 1 (the pair's swap maps ``y`` to ``1 - y``).

        Parameters
        ----------
        y : array-like of shape (n_samples,)

        Returns
        -------
        bool
        """
        return not self.fit_intercept and set(np.unique(np.asarray(y)).tolist()) <= {0, 1}

    def fit_labeled(self, X, y, sample_weight=None):
        """Fit on the labels an active loop holds so far, even if they are of one class.

        Active loops often begin with labels of one class only, which no
        classifier can fit. Then each row is added mirrored, ``(x, y) -> (-x,
        1 - y)``, and both copies get half the weight: the log-loss is
        symmetric under the swap, so the objective, and thus the fit, is
        exactly that of the labeled rows alone (``classes_`` is then
        ``[0, 1]``). With labels of both classes this is :meth:`fit`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Comparison rows (a DataFrame keeps its feature names).
        y : array-like of shape (n_samples,)
            Labels: 1 / 0 for a one-class start (see :meth:`starts_from_one_class`).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : PairwiseLogisticRegression

        Raises
        ------
        ValueError
            With labels of one class that the mirrored start cannot take (an
            intercept, or labels other than 0 / 1), as :meth:`fit` does.

        Examples
        --------
        >>> import numpy as np
        >>> from skpref import PairwiseLogisticRegression
        >>> model = PairwiseLogisticRegression().fit_labeled(np.array([[1.0], [2.0]]), [1, 1])
        >>> model.classes_.tolist(), bool(model.coef_[0, 0] > 0)
        ([0, 1], True)
        """
        y = np.asarray(y)
        if np.unique(y).size >= 2 or not self.starts_from_one_class(y):
            return self.fit(X, y, sample_weight=sample_weight)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        return self.fit(
            _mirrored(X),
            np.concatenate([y, 1 - y]),
            sample_weight=np.concatenate([weight, weight]) / 2.0,
        )

    def _check_sample_weight(self, sample_weight, X, y, classes):
        if sample_weight is None:
            return np.ones(X.shape[0])
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.ndim == 0:
            sample_weight = np.full(X.shape[0], float(sample_weight))
        if sample_weight.shape != (X.shape[0],):
            raise ValueError(
                f"sample_weight must have shape ({X.shape[0]},) to match X, "
                f"got {sample_weight.shape}."
            )
        if not np.any(sample_weight):
            raise ValueError("Sample weights must contain at least one non-zero number.")
        if not np.all(np.isfinite(sample_weight)):
            raise ValueError("sample_weight contains NaN or infinity.")
        if np.any(sample_weight < 0):
            raise ValueError(
                "Negative values in sample_weight are not allowed (first at "
                f"index {int(np.flatnonzero(sample_weight < 0)[0])})."
            )
        weighted_classes = np.unique(y[sample_weight > 0])
        if weighted_classes.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of 2 classes with positive "
                f"sample_weight, got {weighted_classes.tolist()}."
            )
        return sample_weight

    def _warm_start_state(self, objective):
        """Starting parameters and, if already built, the last posterior factor.

        A cold start is ``w = 0``. A warm start reuses the previous solution
        and hands the cached Cholesky factor of its Hessian to the solver as a
        preconditioner (it is cached once a strategy has asked for widths, as
        in every active loop).
        """
        initial = np.zeros(objective.n_params)
        previous = getattr(self, "coef_", None)
        reusable = previous is not None and previous.shape[1] == objective.n_features
        if not (self.warm_start and reusable):
            return initial, None
        initial[: objective.n_features] = previous.ravel()
        if self.fit_intercept:
            initial[-1] = self.intercept_[0]
        posterior = getattr(self, "_posterior", None)
        if posterior is None or posterior.n_params != objective.n_params:
            return initial, None
        return initial, posterior.cholesky_factor

    # -- the Laplace posterior ------------------------------------------------

    @property
    def posterior_(self):
        """The Laplace posterior at the fitted solution (:class:`LaplacePosterior`).

        ``N(w_hat, H^{-1})`` with ``H = I / C + sum_j s_j mu'(z_j) x_j x_j^T``.
        Built from the training rows on first access and cached; pickling a
        fitted model stores the factor and drops the training rows.
        """
        check_is_fitted(self)
        if self._posterior is None:
            self._posterior = self._build_posterior(curvature_weighted=True)
        return self._posterior

    @property
    def gram_posterior_(self):
        """``N(w_hat, V^{-1})``, the regularised Gram matrix ``V = I / C + sum_j s_j x_j x_j^T``.

        The linear-bandit confidence ellipsoid (the curvature ``mu'`` left
        out) that APO (Das et al., 2024) ranks rows by; built on first access
        and cached, like ``posterior_``.
        """
        check_is_fitted(self)
        if self._gram_posterior is None:
            self._gram_posterior = self._build_posterior(curvature_weighted=False)
        return self._gram_posterior

    def get_posterior(self, n_features=None, *, kind="laplace"):
        """This model's posterior, fitted or not.

        A fitted model returns its Laplace posterior ``posterior_`` (or, with
        ``kind="gram"``, ``gram_posterior_``); a model that has seen no label
        returns the prior ``N(0, C I)``, ``H = I / C``, over ``n_features``
        coefficients: every query strategy works from it at a cold start.

        Parameters
        ----------
        n_features : int, default=None
            Features of the rows to be scored: required before the first fit,
            checked against ``n_features_in_`` after it.
        kind : {"laplace", "gram"}, default="laplace"
            ``H = I / C + sum_j s_j mu'(z_j) x_j x_j^T`` or the Gram matrix
            ``V = I / C + sum_j s_j x_j x_j^T`` (the same prior).

        Returns
        -------
        LaplacePosterior

        Examples
        --------
        >>> import numpy as np
        >>> from skpref import PairwiseLogisticRegression
        >>> model = PairwiseLogisticRegression(C=4.0)
        >>> model.get_posterior(n_features=2).std(np.array([[3.0, 4.0]]))  # sqrt(C) ||x||
        array([10.])
        """
        if kind not in ("laplace", "gram"):
            raise ValueError(f"kind must be 'laplace' or 'gram', got {kind!r}.")
        if not hasattr(self, "coef_"):
            if n_features is None:
                raise ValueError(
                    f"This {type(self).__name__} is not fitted: its posterior is the prior "
                    "N(0, C I), which needs n_features."
                )
            return LaplacePosterior.prior(n_features, C=self.C)
        if n_features is not None and n_features != self.n_features_in_:
            raise ValueError(
                f"X_pool has {n_features} features, but the model was fitted on "
                f"{self.n_features_in_}."
            )
        return self.posterior_ if kind == "laplace" else self.gram_posterior_

    def _build_posterior(self, curvature_weighted):
        X, sample_weight, curvature, fingerprint = self._posterior_inputs
        if not np.array_equal(_fingerprint(X), fingerprint):
            raise RuntimeError(
                "The training rows were modified in place after fit, so the "
                "posterior cannot be built from them; refit the model."
            )
        weights = curvature if curvature_weighted else sample_weight
        hessian = information_matrix(
            X, weights, prior_precision=1.0 / self.C, intercept=self.fit_intercept
        )
        return LaplacePosterior.from_hessian(
            self.coef_.ravel(),
            hessian,
            self.intercept_[0] if self.fit_intercept else None,
        )

    def __getstate__(self):
        state = super().__getstate__()
        if state.get("_posterior_inputs") is not None:
            state["_posterior"] = self.posterior_
            state["_gram_posterior"] = self.gram_posterior_
            state["_posterior_inputs"] = None
        return state

    def logit_std(self, X):
        """Logit widths ``w(x) = sqrt(x^T H^{-1} x)`` of the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Comparison rows.

        Returns
        -------
        widths : ndarray of shape (n_samples,)
            Posterior standard deviations of the logits.
        """
        return self.posterior_.std(self._validate_rows(X, blockwise=True))

    def confidence_interval(self, X, beta=None, *, level=None, scale="logit"):
        """The Laplace interval of every row: ``[m - beta w, m + beta w]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Comparison rows.
        beta : float, default=None
            Half-width in posterior standard deviations (1 when neither it
            nor ``level`` is given).
        level : float, default=None
            Confidence level in ``(0, 1)`` instead of ``beta``: ``beta =
            Phi^{-1}((1 + level) / 2)`` (1.96 for 0.95), the logit being
            ``N(m, w^2)`` under the posterior.
        scale : {"logit", "probability"}, default="logit"
            ``"probability"`` gives ``[sigma(m - beta w), sigma(m + beta w)]``,
            an interval for ``P(first preferred)`` (``predict_proba[:, 1]``).

        Returns
        -------
        lower, upper : ndarray of shape (n_samples,)
            Ends of the intervals.

        Examples
        --------
        >>> import numpy as np
        >>> from skpref import PairwiseLogisticRegression
        >>> X = np.array([[1.0, 0.2], [-0.5, 1.0], [0.3, -1.0], [-1.0, -0.4]])
        >>> model = PairwiseLogisticRegression().fit(X, [1, 0, 1, 0])
        >>> lower, upper = model.confidence_interval(X[:1], level=0.95, scale="probability")
        >>> bool(lower[0] < model.predict_proba(X[:1])[0, 1] < upper[0])
        True
        """
        return self.posterior_.confidence_interval(
            self._validate_rows(X, blockwise=True), beta, level=level, scale=scale
        )

    # -- prediction -----------------------------------------------------------

    def _validate_rows(self, X, *, blockwise=False):
        check_is_fitted(self)
        if blockwise and is_dask_array(X):  # the posterior reads it blockwise, lazily
            if X.ndim != 2 or X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has shape {X.shape}, but {type(self).__name__} is expecting "
                    f"{self.n_features_in_} features as input."
                )
            return X
        return validate_data(self, X, reset=False, dtype=(np.float64, np.float32))

    def decision_function(self, X):
        """Logits ``m(x) = x^T theta_hat + b``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Comparison rows.

        Returns
        -------
        logits : ndarray of shape (n_samples,)
            Positive where the first item is predicted to be preferred.
        """
        X = self._validate_rows(X)
        # C order for every input, so that X and -X go through the same BLAS
        # kernel and the model stays antisymmetric to the bit.
        X = np.ascontiguousarray(X, dtype=np.float64)
        logits = matvec(X, self.coef_[0]) + self.intercept_[0]
        if not np.isfinite(logits).all():
            raise_on_overflowing_logits(logits, X)
        return logits

    def predict(self, X):
        """``classes_[1]`` where the logit is positive, else ``classes_[0]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Comparison rows.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def predict_proba(self, X):
        """``[P(second preferred), P(first preferred)]`` for every row.

        Each column is computed directly (``sigma(-z)``, ``sigma(z)``), so that
        without an intercept ``predict_proba(-X)`` is ``predict_proba(X)`` with
        its columns swapped, exactly.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Comparison rows.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Columns in the order of ``classes_``.
        """
        z = self.decision_function(X)
        return np.column_stack([sigmoid(-z), sigmoid(z)])

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, finite even at logits of ``+-1e4``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Comparison rows.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, 2)
            Columns in the order of ``classes_``.
        """
        z = self.decision_function(X)
        return np.column_stack([log_sigmoid(-z), log_sigmoid(z)])
