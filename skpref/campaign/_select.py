"""The next batch of a campaign: fit on the labels, score the rest, rank.

The model is :class:`~skpref.PairwiseLogisticRegression` fitted on the
labeled pairs (label ``first`` is ``y = 1`` for the row ``phi(first) -
phi(second)``; a tie is the soft label 1/2, two rows at half weight, see
:meth:`~skpref.campaign.Labels.training_set`); the strategy comes from
:func:`skpref.query.make_strategy`. With no label yet the model stays
unfitted and strategies work from the prior ``N(0, C I)``; with labels of
one class only, the mirrored-row start of the active loops is used (the fit
is exactly that of the labels alone). Answered pairs, skipped ones included,
are never proposed again.

When the pool carries texts (a pool written by ``skpref embed``), the batch
file has the columns ``prompt``, ``first`` and ``second`` after ``pair_id``,
so that an annotator can work from the file alone.
"""

import contextlib
import csv
import io
from numbers import Real

import numpy as np
from scipy.special import expit
from sklearn.utils._param_validation import Interval

from .. import PairwiseLogisticRegression
from .._params import validated
from ..posterior import interval, interval_contains_zero
from ..query import STRATEGIES, make_strategy
from ._constraints import constraints
from ._errors import CampaignError

#: Columns of a batch file, in order.
BATCH_COLUMNS = ("pair_id", "rank", "utility", "probability", "lower", "upper")

#: Text columns of a batch file of a pool with texts, written after ``pair_id``.
TEXT_COLUMNS = ("prompt", "first", "second")

#: Interval half-width (in logit standard deviations) for strategies without ``beta``.
DEFAULT_BETA = 1.0


def strategies_with_beta():
    """Names of the strategies that have a ``beta`` parameter.

    Examples
    --------
    >>> strategies_with_beta()
    ['ci-location', 'design']
    """
    return [name for name, cls in STRATEGIES.items() if "beta" in cls().get_params()]


def build_strategy(name, *, seed=0, beta=None, burn_in_share=None):
    """The strategy ``name`` seeded with ``seed``; ``beta``, ``burn_in_share`` where they exist.

    Returns
    -------
    strategy : QueryStrategy
    interval_beta : float
        The strategy's ``beta`` (given or default), or :data:`DEFAULT_BETA`
        for strategies without one: the half-width of the reported intervals.

    Examples
    --------
    >>> from skpref.campaign import build_strategy
    >>> build_strategy("ci-location", beta=2.0)
    (CILocationSampling(beta=2.0, random_state=0), 2.0)
    >>> build_strategy("random", beta=2.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skpref.campaign._errors.CampaignError: --beta: strategy 'random' has no beta ...

    Raises
    ------
    CampaignError
        For an unknown strategy, or a ``beta`` or ``burn_in_share`` the
        strategy does not have (``skpref annotate`` checks its options
        with this before it starts).
    """
    if name not in STRATEGIES:
        raise CampaignError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}.")
    with_beta = strategies_with_beta()
    if beta is not None and name not in with_beta:
        raise CampaignError(
            f"--beta: strategy {name!r} has no beta (strategies with a beta: "
            f"{', '.join(with_beta)}); its intervals use beta = {DEFAULT_BETA:g}."
        )
    params = {"random_state": seed}
    if beta is not None:
        params["beta"] = beta
    if burn_in_share is not None:
        if "burn_in_share" not in make_strategy(name).get_params():
            raise CampaignError(
                f"--burn-in-share: strategy {name!r} has no design burn-in (ci-location has)."
            )
        params["burn_in_share"] = burn_in_share
    strategy = make_strategy(name, **params)
    interval_beta = strategy.get_params().get("beta", DEFAULT_BETA)
    return strategy, float(interval_beta)


def fit_on_labels(X, y, C=1.0, sample_weight=None):
    """``PairwiseLogisticRegression(C)`` fitted on ``(X, y)``; unfitted if ``y`` is empty.

    One-class labels use the mirrored-row start (see
    :meth:`~skpref.PairwiseLogisticRegression.fit_labeled`).

    Examples
    --------
    >>> import numpy as np
    >>> model = fit_on_labels(np.array([[1.0, 0.0], [0.5, 1.0]]), np.array([1, 1]))
    >>> model.classes_.tolist()
    [0, 1]
    """
    model = PairwiseLogisticRegression(C=C)
    if len(y) == 0:
        return model
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
    return model.fit_labeled(X, y, sample_weight=sample_weight)


def fit_on_answers(pool, labels, C=1.0):
    """The model of :func:`fit_on_labels` fitted on every answer (ties at half weight each way).

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.campaign import Pool
    >>> from skpref.campaign import Labels
    >>> pool = Pool(np.array(["a", "b"]), np.array([[1.0, 0.0], [0.0, 1.0]]), "pool.npz")
    >>> labels = Labels("l.csv", ["a", "b"], np.array([0, 1]), ["first", "tie"],
    ...                 np.array([2, 3]), [], ["pair_id", "label"], {})
    >>> model = fit_on_answers(pool, labels)
    >>> bool(model.coef_[0, 0] > 0), abs(float(model.coef_[0, 1])) < 1e-8
    (True, True)
    """
    X, y, weight = labels.training_set(pool.row_view(labels.rows))
    return fit_on_labels(X, y, C, sample_weight=weight)


def interval_probabilities(model, X, beta):
    """Probability that the first item is preferred, and its interval.

    ``sigma(m)`` and ``[sigma(m - beta w), sigma(m + beta w)]``: the logit
    interval of the Laplace posterior (or the prior, for an unfitted model)
    mapped through the logistic function, which is monotone.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> p, lower, upper = interval_probabilities(
    ...     PairwiseLogisticRegression(C=1.0), np.array([[1.0, 0.0]]), beta=1.0)
    >>> p.round(3).tolist(), lower.round(3).tolist(), upper.round(3).tolist()
    ([0.5], [0.269], [0.731])
    """
    means, widths = model.get_posterior(X.shape[1]).mean_and_std(X)
    lower, upper = interval(means, widths, beta, scale="probability")
    return expit(means), lower, upper


def ambiguous_rows(model, X, beta):
    """Whether each row's logit interval ``[m - beta w, m + beta w]`` contains 0.

    Uses the Laplace posterior, or the prior for an unfitted model (where
    every interval contains 0).

    Examples
    --------
    >>> import numpy as np
    >>> from skpref import PairwiseLogisticRegression
    >>> ambiguous_rows(PairwiseLogisticRegression(), np.eye(2), beta=1.0).tolist()
    [True, True]
    """
    return interval_contains_zero(*model.get_posterior(X.shape[1]).mean_and_std(X), beta)


class Batch:
    """A selected batch: pool rows in rank order with their scores.

    Attributes
    ----------
    pair_ids : ndarray of str
    rows : ndarray of int
    utility, probability, lower, upper : ndarray of float
    beta : float
        Half-width of the intervals, in logit standard deviations.
    n_unlabeled : int
        Unlabeled pairs before this batch.
    texts : dict of str to list of str, or None
        ``prompt``, ``first`` and ``second`` of every pair, when written.
    """

    def __init__(self, pair_ids, rows, utility, probability, lower, upper, beta, n_unlabeled,
                 texts=None):
        self.texts = texts
        self.pair_ids = pair_ids
        self.rows = rows
        self.utility = utility
        self.probability = probability
        self.lower = lower
        self.upper = upper
        self.beta = beta
        self.n_unlabeled = n_unlabeled

    def __len__(self):
        return len(self.rows)

    def to_csv(self):
        """The batch file: header :data:`BATCH_COLUMNS`, one line per pair, ``\\n`` endings.

        With texts, :data:`TEXT_COLUMNS` follow ``pair_id`` (CSV-quoted: a
        text may hold commas, quotes and line breaks). Floats are written
        with ``%.6g``, so equal inputs give equal bytes.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        texts = [] if self.texts is None else [self.texts[name] for name in TEXT_COLUMNS]
        writer.writerow([BATCH_COLUMNS[0], *(TEXT_COLUMNS if texts else ()), *BATCH_COLUMNS[1:]])
        for rank, k in enumerate(range(len(self.rows)), start=1):
            writer.writerow([
                self.pair_ids[k], *(column[k] for column in texts), rank,
                _number(self.utility[k]), _number(self.probability[k]), _number(self.lower[k]),
                _number(self.upper[k]),
            ])
        return buffer.getvalue()


def _number(value):
    return f"{float(value):.6g}"


@validated({
    **constraints("batch_size", "strategy", "seed", "C"),
    **constraints("beta", optional=("beta",)),
    "texts": ["boolean", None],
    "burn_in_share": [Interval(Real, 0, 1, closed="both"), None],
})
def select_batch(pool, labels, batch_size, strategy="ci-location", *, seed=0, C=1.0, beta=None,
                 texts=None, scheduler=None, burn_in_share=None):
    """The next ``batch_size`` pairs to label, best first.

    Parameters
    ----------
    pool : Pool
    labels : Labels
    batch_size : int
        At least 1.
    strategy : str, default="ci-location"
        A name in :data:`skpref.query.STRATEGIES`.
    seed : int, default=0
        Seeds the strategy (tie-breaking, random draws): the same inputs and
        seed give the same batch. In ``[0, 2**32 - 1]``.
    C : float, default=1.0
        Inverse regularisation strength of the model, in ``[1e-100, 1e100]``
        (:data:`skpref._params.C_RANGE` says why).
    beta : float or None
        The strategy's ``beta`` (only for strategies that have one), in
        ``[0, 100]``; None keeps its default.
    texts : bool or None, default=None
        Whether the batch carries each pair's ``prompt``, ``first`` and
        ``second`` texts: None when the pool has them, True requires them.
    scheduler : None, "local", str or distributed.Client, default=None
        Where the passes over a pool directory's rows run (see
        :class:`skpref._dask.Scheduler`): None, Dask's default (the local
        threads, or a ``distributed.Client`` the caller made current);
        ``"local"``, a ``LocalCluster`` of worker processes started for this
        call and closed after it; an address such as ``"tcp://host:8786"``,
        a client connected to that scheduler for this call. Only for a pool
        whose rows are a Dask array (a pool directory). The batch is the
        same wherever it runs.
    burn_in_share : float in [0, 1] or None, default=None
        CI-location's design burn-in (:class:`~skpref.query.CILocationSampling`):
        design sampling while at least this share of the pool's intervals
        contain 0, CI-location after; 1 is the variant the user guide
        recommends. None keeps the strategy's default (no burn-in); only
        for strategies that have the parameter.

    Returns
    -------
    batch : Batch
        Never contains an answered pair (skipped ones included); shorter
        than ``batch_size`` when fewer pairs are left.

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.campaign import Pool
    >>> from skpref.campaign import Labels
    >>> rng = np.random.default_rng(0)
    >>> pool = Pool(np.array([f"p{i}" for i in range(30)]), rng.normal(size=(30, 3)), "pool")
    >>> labels = Labels("labels.csv", ["p0", "p1"], np.array([0, 1]), ["first", "second"],
    ...                 np.array([2, 3]), [], ["pair_id", "label"], {})
    >>> batch = select_batch(pool, labels, 3, seed=0)
    >>> len(batch), {"p0", "p1"} & set(batch.pair_ids)
    (3, set())

    Every parameter is checked first (``InvalidParameterError``, a
    ``ValueError``); ``select_batch.check_params`` checks them without
    selecting, before the files are read:

    >>> select_batch.check_params(batch_size=0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'batch_size' parameter of \
select_batch must be an int in the range [1, 2147483647]. Got 0 instead.
    """
    if texts and pool.texts is None:
        raise CampaignError(
            f"--texts: pool {pool.path} carries no texts (a pool written by skpref embed "
            "does); drop --texts."
        )
    with_texts = pool.texts is not None if texts is None else bool(texts)
    query, interval_beta = build_strategy(
        strategy, seed=seed, beta=beta, burn_in_share=burn_in_share
    )
    if pool.lazy:
        return _select_lazy(pool, labels, batch_size, query, interval_beta, C, with_texts,
                            scheduler)
    if scheduler is not None:
        raise CampaignError(
            f"--scheduler: pool {pool.path} is read into memory (a pool directory, DIR.zarr, "
            "is what runs on a Dask cluster); drop --scheduler."
        )
    model = fit_on_answers(pool, labels, C)
    unlabeled = np.ones(pool.n_pairs, dtype=bool)
    unlabeled[labels.answered_rows] = False
    candidates = np.flatnonzero(unlabeled)
    if candidates.size == 0:
        empty = np.empty(0)
        return Batch(np.empty(0, dtype=str), candidates, empty, empty, empty, empty,
                     interval_beta, 0, texts=_texts_of(pool, candidates) if with_texts else None)
    X_candidates = pool.X[candidates]
    picked, utility = query(model, X_candidates, min(batch_size, candidates.size))
    picked = np.asarray(picked, dtype=np.intp)
    probability, lower, upper = interval_probabilities(model, X_candidates[picked], interval_beta)
    rows = candidates[picked]
    return Batch(pool.ids[rows], rows, np.asarray(utility, dtype=np.float64),
                 probability, lower, upper, interval_beta, candidates.size,
                 texts=_texts_of(pool, rows) if with_texts else None)


def _select_lazy(pool, labels, batch_size, query, interval_beta, C, with_texts, scheduler):
    """:func:`select_batch` on a pool directory: the passes run where ``scheduler`` says.

    The answered rows leave the pool blockwise (:func:`skpref._dask.drop_rows`:
    only they travel in the graph), the strategy runs on what is left, and
    only the labeled rows and the batch's rows are fetched to this process.
    """
    from .._dask import Scheduler, SchedulerError, drop_rows, kept_rows

    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(Scheduler(scheduler))
        except (TypeError, SchedulerError) as error:
            raise CampaignError(f"--scheduler: {error}") from None
        model = fit_on_answers(pool, labels, C)
        answered = np.unique(labels.answered_rows)
        n_left = pool.n_pairs - answered.size
        if n_left == 0:
            empty, rows = np.empty(0), np.empty(0, dtype=np.intp)
            return Batch(np.empty(0, dtype=str), rows, empty, empty, empty, empty, interval_beta,
                         0, texts=_texts_of(pool, rows) if with_texts else None)
        picked, utility = query(model, drop_rows(pool.X, answered), min(batch_size, n_left))
        rows = kept_rows(np.asarray(picked, dtype=np.intp), answered)
        probability, lower, upper = interval_probabilities(model, pool.rows(rows), interval_beta)
        return Batch(pool.ids[rows], rows, np.asarray(utility, dtype=np.float64), probability,
                     lower, upper, interval_beta, n_left,
                     texts=_texts_of(pool, rows) if with_texts else None)


def _texts_of(pool, rows):
    return {name: pool.texts.column(name, rows) for name in TEXT_COLUMNS}
