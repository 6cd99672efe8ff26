"""The benchmark protocol (the paper's experiment): data, split, loops, checkpoints."""

import os
import time
from functools import lru_cache
from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from joblib import Parallel, delayed
from scipy.optimize import brentq
from sklearn.base import clone
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions

from .. import PairwiseLogisticRegression
from .._params import C_RANGE, MAX_SEED, N_JOBS, SEED, count, validated
from ..active import ActivePreferenceClassifier, fit_labeled
from ..datasets import (
    DATASETS,
    check_datasets_present,
    data_directory,
    load_preference_dataset,
    make_preference_pool,
)
from ..exceptions import ParameterError
from ..query import STRATEGIES, make_strategy
from ._progress import with_progress

#: The name of the generated pool, the default where no real data is available.
SYNTHETIC = "synthetic"

#: Inverse regularisation of the benchmark's model. Chosen by grid search with
#: the loop estimator on hh-helpful pool data (4-fold x 2 CV, 2 seeds, budget
#: 200; benchmarks/tune_defaults.py): C in {0.1, 0.3, 1, 3, 10}, best at 0.3
#: for both random and CI-location sampling, and within noise of the best on
#: hh-harmless. The embeddings' rows are short (mean norm ~0.4) and their
#: signal weak, so a firm prior helps.
DEFAULT_C = 0.3

#: Repetitions of every loop (seeds ``random_state .. random_state + 19``):
#: enough that a paired difference of one point of accuracy at the budget
#: is about two standard errors on the real datasets (benchmarks/README.md).
DEFAULT_N_SEEDS = 20

#: Strategy parameters the benchmark uses unless told otherwise. The G-optimal
#: design is solved with fewer candidates and iterations than its library
#: default (1000, 100), which cost ~6 s per batch on a 1874-row pool: with
#: (500, 15) one batch takes ~0.6 s and shares 9 of its 10 rows with the
#: converged solve (hh-helpful, one refit after 100 labels, one thread).
DEFAULT_STRATEGY_PARAMS = {"g-optimal": {"n_candidates": 500, "max_iter": 15}}

#: The teacher's strength in ``--labels teacher`` mode: the expected accuracy
#: of its own sign on its own noisy labels, ``mean_i sigma(s |x_i^T theta|)``.
#: Unscaled, the teacher fitted at C = 0.3 reaches only 0.54-0.57 on these
#: embeddings (nearly coin flips, flat curves); 0.8 leaves room between a
#: few labels and the ceiling.
DEFAULT_TEACHER_ACCURACY = 0.8

#: At most this many seeds for a strategy whose loops are costly: the
#: G-optimal loop costs ~8 s on hh-helpful (budget 200), 15x a CI-location
#: loop; with 5 of its seeds the default run stays within its time goal.
#: The summary pairs every strategy with random on the seeds both ran.
DEFAULT_MAX_SEEDS = {"g-optimal": 5}

# Tags the random stream of teacher labels, independent of the orientation's.
_TEACHER_STREAM = 0x7EAC4E2

# Slowest first, so that parallel workers finish together.
_COST_ORDER = ("g-optimal", "design", "d-optimal", "apo", "ci-location")


def default_datasets(data_home=None):
    """The datasets a run covers when none are named.

    The three real datasets when a data directory is given (``data_home``,
    else a non-empty ``$SKPREF_DATA``), whether or not it holds them (the
    run then stops, naming the missing files); the synthetic pool only when
    no data directory is given at all.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Directory of the real datasets (else ``$SKPREF_DATA``).

    Returns
    -------
    names : list of str
        Names of :data:`skpref.datasets.DATASETS`, or ``["synthetic"]``.

    Examples
    --------
    >>> from skpref.benchmark import default_datasets
    >>> default_datasets("/any/directory")
    ['hh-helpful', 'hh-harmless', 'ultrafeedback']
    """
    return list(DATASETS) if data_directory(data_home) is not None else [SYNTHETIC]


@lru_cache(maxsize=8)
def _synthetic_pool():
    # One fixed, well-specified pool: seeds vary the split and the start, as
    # they do for the real datasets.
    X, y, _ = make_preference_pool(2500, 20, random_state=0)
    return X, y


def _oriented(name, seed, data_home):
    if name == SYNTHETIC:
        return _synthetic_pool()
    return load_preference_dataset(name, data_home=data_home, return_X_y=True, random_state=seed)


def teacher_scale(logits, accuracy):
    """The scale ``s`` at which a teacher of logits ``z`` has the stated accuracy.

    Solves

    .. math:: \\frac{1}{n} \\sum_i \\sigma(s |z_i|) = a

    for ``s >= 0``: the expected accuracy of the teacher's sign on labels drawn
    from ``sigma(s z)``. The left side increases from 1/2 at ``s = 0`` to
    ``1 - p_0 / 2`` (``p_0`` the fraction of ``z_i = 0``), so the root is
    unique and a scalar bracketing search (Brent) finds it.

    Parameters
    ----------
    logits : ndarray of shape (n,)
        The teacher's logits ``x_i^T theta``.
    accuracy : float
        The target ``a``, in (1/2, 1).

    Returns
    -------
    scale : float

    Examples
    --------
    >>> import numpy as np
    >>> from skpref.benchmark import teacher_scale
    >>> z = np.array([-1.0, 0.5, 2.0])
    >>> s = teacher_scale(z, 0.8)
    >>> round(float(np.mean(1 / (1 + np.exp(-s * np.abs(z))))), 6)
    0.8
    """
    margins = np.abs(np.asarray(logits, dtype=np.float64))
    reachable = 1.0 - np.mean(margins == 0) / 2.0
    if not 0.5 < accuracy < reachable:
        raise ValueError(
            f"teacher_accuracy must lie in (0.5, {reachable:.4g}) for this teacher "
            f"(the largest accuracy any scale reaches), got {accuracy}."
        )

    def gap(scale):
        return float(np.mean(expit(scale * margins))) - accuracy

    upper = 1.0
    while gap(upper) < 0:
        upper *= 2.0
    return float(brentq(gap, 0.0, upper, xtol=1e-12, rtol=1e-12))


@lru_cache(maxsize=8)
def _teacher(name, C, accuracy, data_home):
    """:func:`fit_teacher`'s work, cached per dataset, ``C``, accuracy and resolved directory."""
    X, y = _oriented(name, 0, data_home)
    theta = PairwiseLogisticRegression(C=C).fit(X, y).coef_.ravel()
    logits = X @ theta
    unscaled = float(np.mean(expit(np.abs(logits))))
    scale = teacher_scale(logits, accuracy)
    return scale * theta, scale, unscaled


def fit_teacher(name, *, C=DEFAULT_C, teacher_accuracy=DEFAULT_TEACHER_ACCURACY, data_home=None):
    """The Bradley-Terry teacher of ``labels="teacher"`` for one dataset, scaled to its accuracy.

    ``PairwiseLogisticRegression(C=C)`` is fitted on the whole dataset, in the
    orientation of seed 0 (the fit is antisymmetric: a swapped row has a swapped
    label, so every seed's orientation gives the same ``theta``), and its
    parameter is scaled by the ``s`` of :func:`teacher_scale`, so that the
    expected accuracy of its sign on its own labels,
    ``mean_i sigma(s |x_i^T theta|)``, is ``teacher_accuracy``. Fitted once per
    dataset and setting, then cached.

    Parameters
    ----------
    name : str
        A name of :data:`skpref.datasets.DATASETS` or ``"synthetic"``.
    C : float, default=DEFAULT_C
        The teacher's inverse regularisation.
    teacher_accuracy : float, default=DEFAULT_TEACHER_ACCURACY
        The target accuracy, in (1/2, 1).
    data_home : str or path-like, default=None
        Directory of the real datasets (else ``$SKPREF_DATA``).

    Returns
    -------
    theta : ndarray of shape (n_features,)
        The scaled parameter, ``s theta``.
    scale : float
        ``s``.
    unscaled_accuracy : float
        The expected accuracy of the unscaled teacher's sign on its own labels.

    Examples
    --------
    >>> from skpref.benchmark import fit_teacher
    >>> theta, scale, unscaled = fit_teacher("synthetic", teacher_accuracy=0.9)
    >>> theta.shape, scale > 1, round(unscaled, 2)
    ((20,), True, 0.84)
    """
    # The cache is keyed by the directory itself, so that another $SKPREF_DATA is another key.
    directory = None if name == SYNTHETIC else data_directory(data_home)
    home = None if directory is None else str(directory)
    theta, scale, unscaled = _teacher(name, C, teacher_accuracy, home)
    return theta.copy(), scale, unscaled


def load_comparisons(
    name,
    *,
    seed,
    labels="real",
    C=DEFAULT_C,
    teacher_accuracy=DEFAULT_TEACHER_ACCURACY,
    data_home=None,
    teacher=None,
):
    """Comparison rows of one dataset for one seed, with real or teacher labels.

    The orientation of real pairs is seeded by ``seed``. With
    ``labels="teacher"`` every label is redrawn from a Bradley-Terry
    teacher: ``PairwiseLogisticRegression(C=C)`` fitted on the whole dataset,
    its parameter scaled by the ``s`` of :func:`teacher_scale` so that its
    expected accuracy on its own labels is ``teacher_accuracy``, and
    ``y ~ Bernoulli(sigma(s x^T theta))`` (seeded): the well-specified case
    where the theory applies.

    ``teacher``, if given, is the scaled teacher parameter to use instead of
    fitting one (:func:`run_benchmark` fits it once and hands it to every
    loop, so that all loops, in any process, share one teacher).

    Returns
    -------
    X : ndarray of shape (n_pairs, n_features)
    y : ndarray of shape (n_pairs,)
        Real labels, or the teacher's noisy ones.
    sign : ndarray of shape (n_pairs,) or None
        Teacher mode: the noise-free teacher label ``1[x^T theta > 0]``, with
        -1 where ``x^T theta = 0`` (no sign to score against). None with
        real labels.
    """
    X, y = _oriented(name, seed, data_home)
    if labels != "teacher":
        return X, y, None
    if teacher is None:
        teacher, _, _ = fit_teacher(
            name, C=C, teacher_accuracy=teacher_accuracy, data_home=data_home
        )
    logits = X @ np.asarray(teacher, dtype=np.float64)
    # A stream of its own: the orientation above used check_random_state(seed),
    # and reusing it would tie each label to its pair's orientation.
    draws = np.random.default_rng([seed, _TEACHER_STREAM]).random(len(y))
    y = (draws < expit(logits)).astype(int)
    sign = np.where(logits > 0, 1, np.where(logits < 0, 0, -1))
    return X, y, sign


def _scores(model, X, y, sign):
    """Test accuracy, log-loss and (teacher mode) accuracy against the teacher's sign."""
    predicted = model.predict(X)
    proba = model.predict_proba(X)
    scores = {
        "accuracy": float(np.mean(predicted == y)),
        "log_loss": float(log_loss(y, proba, labels=model.classes_)),
        "sign_accuracy": float("nan"),
    }
    if sign is not None:
        signed = sign >= 0
        scores["sign_accuracy"] = float(np.mean(predicted[signed] == sign[signed]))
    return scores


def score_loop(
    X_pool, y_pool, X_test, y_test, sign_test=None, *, strategy, params=None, C=DEFAULT_C,
    n_initial=10, batch_size=10, budget=200, seed=0,
):
    """One simulated loop on a pool, scored on test pairs after every refit.

    ``strategy`` is a name of :data:`skpref.query.STRATEGIES` (with
    ``params``) or a strategy callable. The loop is an
    :class:`~skpref.active.ActivePreferenceClassifier` over
    ``PairwiseLogisticRegression(C=C, warm_start=True)`` seeded by ``seed``
    (the random start depends on the seed and the pool size only, so every
    strategy starts from the same labels). Its refits are then replayed (the
    same rows in the same order with the same warm starts: the same models)
    to score each checkpoint by :func:`_scores`.

    Returns
    -------
    rows : list of dict
        Per checkpoint: ``n_labels``, ``accuracy``, ``log_loss``,
        ``sign_accuracy`` (NaN without ``sign_test``).
    seconds : float
        Wall time of the loop itself.
    """
    model = PairwiseLogisticRegression(C=C, warm_start=True)
    started = time.perf_counter()
    loop = ActivePreferenceClassifier(
        model,
        make_strategy(strategy, **(params or {})) if isinstance(strategy, str) else strategy,
        n_initial=n_initial,
        batch_size=batch_size,
        budget=budget,
        random_state=seed,
    ).fit(X_pool, y_pool)
    seconds = time.perf_counter() - started
    replay = clone(model)
    queried = loop.queried_indices_
    rows = []
    for n in loop.learning_curve_["n_labels"]:
        fit_labeled(replay, X_pool[queried[:n]], y_pool[queried[:n]])
        rows.append({"n_labels": int(n), **_scores(replay, X_test, y_test, sign_test)})
    return rows, seconds


def _run_one(name, strategy_name, seed, settings):
    """One loop: a dataset, a strategy and a seed; returns its checkpoints."""
    X, y, sign = load_comparisons(
        name,
        seed=seed,
        labels=settings["labels"],
        C=settings["C"],
        teacher_accuracy=settings["teacher_accuracy"],
        data_home=settings["data_home"],
        teacher=settings["teachers"].get(name),
    )
    split = train_test_split(
        X, y, *([] if sign is None else [sign]),
        test_size=settings["test_size"], random_state=seed, stratify=y,
    )
    X_pool, X_test, y_pool, y_test = split[:4]
    sign_test = split[5] if sign is not None else None
    checkpoints, seconds = score_loop(
        X_pool, y_pool, X_test, y_test, sign_test,
        strategy=strategy_name, params=settings["strategy_params"].get(strategy_name, {}),
        C=settings["C"], n_initial=settings["n_initial"], batch_size=settings["batch_size"],
        budget=settings["budget"], seed=seed,
    )
    rows = [
        {"dataset": name, "labels": settings["labels"], "strategy": strategy_name, "seed": seed,
         **checkpoint}
        for checkpoint in checkpoints
    ]
    reference = None
    if strategy_name == settings["reference_strategy"]:
        # What labeling the whole pool would buy: the ceiling of every curve.
        full = PairwiseLogisticRegression(C=settings["C"]).fit(X_pool, y_pool)
        reference = {
            "dataset": name,
            "labels": settings["labels"],
            "seed": seed,
            "n_labels": len(y_pool),
            **_scores(full, X_test, y_test, sign_test),
        }
    return rows, reference, seconds


def _seeds_in_range(params, given):
    """Every loop's seed, ``random_state + s`` for ``s < n_seeds``, must be a seed."""
    last = params["random_state"] + params["n_seeds"] - 1
    if last > MAX_SEED:
        raise ParameterError(
            f"{{random_state}} with {{n_seeds}} runs seeds up to {last}, above {MAX_SEED}; "
            "lower one of them.",
            random_state=params["random_state"], n_seeds=params["n_seeds"],
        )


@validated(
    {
        "datasets": [list, tuple, None],
        "strategies": [list, tuple, None],
        "labels": [StrOptions({"real", "teacher"})],
        "teacher_accuracy": [Interval(Real, 0.5, 1, closed="neither")],
        "budget": [count(1)],
        "batch_size": [count(1)],
        "n_initial": [count(1)],
        "n_seeds": [count(1)],
        "C": [C_RANGE],
        "strategy_params": [dict, None],
        "max_seeds": [dict, None],
        "data_home": [str, os.PathLike, None],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "n_jobs": [*N_JOBS, None],
        "progress": ["boolean"],
        "random_state": [SEED],
    },
    relations=_seeds_in_range,
)
def run_benchmark(
    datasets=None,
    *,
    strategies=None,
    labels="real",
    teacher_accuracy=DEFAULT_TEACHER_ACCURACY,
    budget=200,
    batch_size=10,
    n_initial=10,
    n_seeds=DEFAULT_N_SEEDS,
    C=DEFAULT_C,
    strategy_params=None,
    max_seeds=None,
    data_home=None,
    test_size=0.2,
    n_jobs=None,
    progress=False,
    random_state=0,
):
    """Simulated active-learning loops of every strategy over datasets and seeds.

    The protocol of the paper's experiment, per dataset and
    seed ``s``: orient the pairs at random (seeded by ``s``); split them into
    a pool and a test set (``1 - test_size`` : ``test_size``, stratified,
    seeded by ``s``); start every strategy from the same ``n_initial``
    random pool labels; then label batches of ``batch_size`` chosen by the
    strategy until ``budget`` labels are spent, refitting
    ``PairwiseLogisticRegression(C=C)`` after every batch and recording the
    test accuracy and log-loss. Each loop is an
    :class:`~skpref.active.ActivePreferenceClassifier`. The accuracy of a
    model fitted on the whole pool is recorded as the reference ceiling.

    Parameters
    ----------
    datasets : list of str, default=None
        Names from :data:`skpref.datasets.DATASETS` and/or ``"synthetic"``
        (a generated Bradley-Terry pool, 2500 pairs x 20 features). None:
        the three real datasets when a data directory is given
        (``data_home`` or a non-empty ``$SKPREF_DATA``), else
        ``["synthetic"]``. A requested real dataset whose files the data
        directory lacks is an error (``FileNotFoundError`` naming them),
        never a fallback.
    strategies : list of str, default=None
        Names from :data:`skpref.query.STRATEGIES`; None runs all eight.
        ``"random"`` is the baseline of the summary and is always run.
    labels : {"real", "teacher"}, default="real"
        ``"real"``: the datasets' human or AI labels. ``"teacher"``: labels
        redrawn from a Bradley-Terry model fitted on the whole dataset and
        scaled to ``teacher_accuracy`` (``load_comparisons``); test
        pairs are then also scored against the teacher's noise-free sign.
    teacher_accuracy : float, default=0.8
        Teacher mode: the expected accuracy of the teacher's sign on its
        own noisy labels, ``mean_i sigma(s |x_i^T theta|)``, solved for the
        scale ``s`` (:func:`teacher_scale`).
    budget : int, default=200
        Labels per loop, the random start included (a budget above the
        pool size labels the whole pool).
    batch_size : int, default=10
        Labels per query round.
    n_initial : int, default=10
        Random labels every strategy starts from.
    n_seeds : int, default=20
        Repetitions; seed ``s`` is ``random_state + s``.
    C : float, default=0.3
        Inverse regularisation of the model, and of the teacher. 0.3 was
        chosen by a grid search on hh-helpful pool data (see
        ``DEFAULT_C`` and ``benchmarks/tune_defaults.py``).
    strategy_params : dict, default=None
        ``{strategy name: {parameter: value}}``, merged over
        :data:`DEFAULT_STRATEGY_PARAMS`.
    max_seeds : dict, default=None
        ``{strategy name: n}``: run that strategy on its first ``n`` seeds
        only, merged over :data:`DEFAULT_MAX_SEEDS` (``{"g-optimal": 5}``;
        pass ``{"g-optimal": None}`` for all seeds). Random always runs
        every seed.
    data_home : str or path-like, default=None
        Directory of the real datasets (else ``$SKPREF_DATA``).
    test_size : float, default=0.2
        Fraction of each dataset held out for testing.
    n_jobs : int, default=None
        Loops run in parallel with joblib (``-1``: all cores).
    progress : bool, default=False
        Show a progress bar (tqdm if installed, else one line per loop) on
        standard error.
    random_state : int, default=0
        The first seed.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``curves``: dict of equal-length columns (``dataset``, ``labels``,
        ``strategy``, ``seed``, ``n_labels``, ``accuracy``, ``log_loss``,
        ``sign_accuracy``; the last is the accuracy against the teacher's
        sign, NaN with real labels), one row per checkpoint
        (``pandas.DataFrame(result.curves)`` makes a frame of it);
        ``reference``: the whole-pool fits, same columns but ``strategy``;
        ``teachers``: teacher mode, per dataset, the ``scale`` found, the
        ``teacher_accuracy`` it reaches and the ``unscaled_accuracy``
        (empty with real labels); ``seconds``: wall time per loop;
        ``settings``.

    Examples
    --------
    >>> from skpref.benchmark import run_benchmark, summarize
    >>> result = run_benchmark(
    ...     ["synthetic"], strategies=["random", "ci-location"], budget=30, n_seeds=2
    ... )
    >>> sorted(set(result.curves["strategy"].tolist()))
    ['ci-location', 'random']
    >>> [row["strategy"] for row in summarize(result.curves)]
    ['random', 'ci-location']
    """
    datasets = list(default_datasets(data_home) if datasets is None else datasets)
    unknown = [name for name in datasets if name not in DATASETS and name != SYNTHETIC]
    if unknown or not datasets:
        raise ValueError(
            f"Unknown dataset(s) {unknown}; choose from "
            f"{', '.join([*DATASETS, SYNTHETIC])}."
        )
    strategies = list(STRATEGIES if strategies is None else strategies)
    unknown = [name for name in strategies if name not in STRATEGIES]
    if unknown:
        raise ValueError(f"Unknown strategies {unknown}; choose from {', '.join(STRATEGIES)}.")
    if "random" not in strategies:
        strategies.insert(0, "random")
    if n_initial > budget:
        raise ValueError(f"n_initial ({n_initial}) must not exceed budget ({budget}).")
    params = {name: dict(values) for name, values in DEFAULT_STRATEGY_PARAMS.items()}
    for name, values in (strategy_params or {}).items():
        if name not in STRATEGIES:
            raise ValueError(f"strategy_params names an unknown strategy {name!r}.")
        params.setdefault(name, {}).update(values)
    for name in strategies:  # fail before any work on a bad parameter
        make_strategy(name, **params.get(name, {}))
    caps = {**DEFAULT_MAX_SEEDS, **(max_seeds or {})}
    for name, cap in caps.items():
        if name not in STRATEGIES:
            raise ValueError(f"max_seeds names an unknown strategy {name!r}.")
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, Integral) or cap < 1):
            raise ValueError(
                f"max_seeds[{name!r}] must be a positive integer or None, got {cap!r}."
            )
    caps["random"] = None
    real = [name for name in datasets if name != SYNTHETIC]
    if real:  # and on a missing file: every one named, before any loop runs
        check_datasets_present(real, data_home)
        for name in real:
            load_preference_dataset(name, data_home=data_home, return_X_y=True, random_state=0)

    teachers, thetas = [], {}
    if labels == "teacher":
        for name in datasets:
            thetas[name], scale, unscaled = fit_teacher(
                name, C=C, teacher_accuracy=teacher_accuracy, data_home=data_home
            )
            teachers.append(
                {"dataset": name, "scale": scale, "teacher_accuracy": teacher_accuracy,
                 "unscaled_accuracy": unscaled}
            )

    settings = {
        "labels": labels,
        "teacher_accuracy": teacher_accuracy,
        "budget": budget,
        "batch_size": batch_size,
        "n_initial": n_initial,
        "C": C,
        "strategy_params": params,
        "data_home": None if data_home is None else str(data_home),
        "test_size": test_size,
        "reference_strategy": "random",
        "teachers": thetas,
    }
    seeds = [random_state + s for s in range(n_seeds)]
    cost = {name: rank for rank, name in enumerate(_COST_ORDER)}
    jobs = sorted(
        (
            (name, strategy, seed)
            for name in datasets
            for strategy in strategies
            for seed in seeds[: caps.get(strategy)]
        ),
        key=lambda job: cost.get(job[1], len(cost)),
    )
    outputs = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_run_one)(name, strategy, seed, settings) for name, strategy, seed in jobs
    )
    rows, references, seconds = [], [], []
    for loop_rows, reference, loop_seconds in with_progress(
        outputs, len(jobs), _describe_loop, unit="loop", progress=progress
    ):
        rows.extend(loop_rows)
        seconds.append(
            {"dataset": loop_rows[0]["dataset"], "strategy": loop_rows[0]["strategy"],
             "seed": loop_rows[0]["seed"], "seconds": loop_seconds}
        )
        if reference is not None:
            references.append(reference)
    order = {name: rank for rank, name in enumerate(strategies)}
    dataset_order = {name: rank for rank, name in enumerate(datasets)}
    rows.sort(
        key=lambda r: (dataset_order[r["dataset"]], order[r["strategy"]], r["seed"], r["n_labels"])
    )
    references.sort(key=lambda r: (dataset_order[r["dataset"]], r["seed"]))
    seconds.sort(key=lambda r: (dataset_order[r["dataset"]], order[r["strategy"]], r["seed"]))
    return Bunch(
        curves=_columns(rows),
        reference=_columns(references),
        teachers=_columns(teachers),
        seconds=_columns(seconds),
        settings={
            **settings, "datasets": datasets, "strategies": strategies, "seeds": seeds,
            "max_seeds": {name: cap for name, cap in caps.items() if name in strategies},
        },
    )


def _columns(rows):
    """A list of same-keyed dicts as a dict of numpy columns."""
    if not rows:
        return {}
    return {key: np.asarray([row[key] for row in rows]) for key in rows[0]}


def _describe_loop(index, output):
    """``"hh-helpful ci-location seed 3"``: what a finished loop was, for the progress report."""
    first = output[0][0]
    return f"{first['dataset']} {first['strategy']} seed {first['seed']}"
