"""The benchmark protocol (the paper's experiment): data, split, loops, checkpoints."""

import os
import sys
import time
from functools import lru_cache
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._logistic import sigmoid
from .._loop import ActivePreferenceClassifier
from .._model import PairwiseLogisticRegression
from ..datasets import DATASETS, load_preference_dataset, make_preference_pool
from ..datasets._real import available_datasets
from ..query import STRATEGIES, make_strategy

#: The name of the generated pool, the default where no real data is available.
SYNTHETIC = "synthetic"

#: Inverse regularisation of the benchmark's model. Chosen by grid search with
#: the loop estimator on hh-helpful pool data (4-fold x 2 CV, 2 seeds, budget
#: 200; benchmarks/tune_defaults.py): C in {0.1, 0.3, 1, 3, 10}, best at 0.3
#: for both random and CI-location sampling, and within noise of the best on
#: hh-harmless. The embeddings' rows are short (mean norm ~0.4) and their
#: signal weak, so a firm prior helps.
DEFAULT_C = 0.3

#: Strategy parameters the benchmark uses unless told otherwise. The G-optimal
#: design is solved with fewer candidates and iterations than its library
#: default (1000, 100), which cost ~6 s per batch on a 1874-row pool: with
#: (500, 15) one batch takes ~0.6 s and shares 9 of its 10 rows with the
#: converged solve (hh-helpful, one refit after 100 labels, one thread).
DEFAULT_STRATEGY_PARAMS = {"g-optimal": {"n_candidates": 500, "max_iter": 15}}

# Tags the random stream of teacher labels, independent of the orientation's.
_TEACHER_STREAM = 0x7EAC4E2

# Slowest first, so that parallel workers finish together.
_COST_ORDER = ("g-optimal", "design", "d-optimal", "ci-location", "apo")


def default_datasets(data_home=None):
    """The three real datasets when their files are present, else the synthetic pool."""
    available = available_datasets(data_home)
    return available if available else [SYNTHETIC]


@lru_cache(maxsize=8)
def _synthetic_pool():
    # One fixed, well-specified pool: seeds vary the split and the start, as
    # they do for the real datasets.
    X, y, _ = make_preference_pool(2500, 20, random_state=0)
    return X, y


def load_comparisons(name, *, seed, labels="real", C=DEFAULT_C, data_home=None):
    """Comparison rows of one dataset for one seed, with real or teacher labels.

    The orientation of real pairs is seeded by ``seed``. With
    ``labels="teacher"`` every label is redrawn from the Bradley-Terry model
    ``PairwiseLogisticRegression(C=C)`` fitted on the whole dataset,
    ``y ~ Bernoulli(sigma(x^T theta_teacher))`` (seeded): the well-specified
    case where the theory applies.
    """
    if name == SYNTHETIC:
        X, y = _synthetic_pool()
    else:
        X, y = load_preference_dataset(
            name, data_home=data_home, return_X_y=True, random_state=seed
        )
    if labels == "teacher":
        teacher = PairwiseLogisticRegression(C=C).fit(X, y)
        # A stream of its own: the orientation above used check_random_state(seed),
        # and reusing it would tie each label to its pair's orientation.
        draws = np.random.default_rng([seed, _TEACHER_STREAM]).random(len(y))
        y = (draws < sigmoid(teacher.decision_function(X))).astype(int)
    return X, y


def _run_one(name, strategy_name, seed, settings):
    """One loop: a dataset, a strategy and a seed; returns its checkpoints."""
    X, y = load_comparisons(
        name,
        seed=seed,
        labels=settings["labels"],
        C=settings["C"],
        data_home=settings["data_home"],
    )
    X_pool, X_test, y_pool, y_test = train_test_split(
        X, y, test_size=settings["test_size"], random_state=seed, stratify=y
    )
    started = time.perf_counter()
    loop = ActivePreferenceClassifier(
        PairwiseLogisticRegression(C=settings["C"], warm_start=True),
        make_strategy(strategy_name, **settings["strategy_params"].get(strategy_name, {})),
        n_initial=settings["n_initial"],
        batch_size=settings["batch_size"],
        budget=settings["budget"],
        # Same seed for every strategy: the same start (see ActivePreferenceClassifier).
        random_state=seed,
    ).fit(X_pool, y_pool, eval_set=(X_test, y_test))
    seconds = time.perf_counter() - started
    curve = loop.learning_curve_
    rows = [
        {
            "dataset": name,
            "labels": settings["labels"],
            "strategy": strategy_name,
            "seed": seed,
            "n_labels": int(n),
            "accuracy": float(accuracy),
            "log_loss": float(loss),
        }
        for n, accuracy, loss in zip(curve["n_labels"], curve["accuracy"], curve["log_loss"])
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
            "accuracy": float(full.score(X_test, y_test)),
            "log_loss": float(log_loss(y_test, full.predict_proba(X_test))),
        }
    return rows, reference, seconds


@validate_params(
    {
        "datasets": [list, tuple, None],
        "strategies": [list, tuple, None],
        "labels": [StrOptions({"real", "teacher"})],
        "budget": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_initial": [Interval(Integral, 1, None, closed="left")],
        "n_seeds": [Interval(Integral, 1, None, closed="left")],
        "C": [Interval(Real, 0, None, closed="neither")],
        "strategy_params": [dict, None],
        "data_home": [str, os.PathLike, None],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "n_jobs": [Integral, None],
        "progress": ["boolean"],
        "random_state": [Interval(Integral, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def run_benchmark(
    datasets=None,
    *,
    strategies=None,
    labels="real",
    budget=200,
    batch_size=10,
    n_initial=10,
    n_seeds=5,
    C=DEFAULT_C,
    strategy_params=None,
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
        the three real datasets if their files are in the data directory,
        else ``["synthetic"]``.
    strategies : list of str, default=None
        Names from :data:`skpref.query.STRATEGIES`; None runs all eight.
        ``"random"`` is the baseline of the summary and is always run.
    labels : {"real", "teacher"}, default="real"
        ``"real"``: the datasets' human or AI labels. ``"teacher"``: labels
        redrawn from a Bradley-Terry model fitted on the whole dataset.
    budget : int, default=200
        Labels per loop, the random start included.
    batch_size : int, default=10
        Labels per query round.
    n_initial : int, default=10
        Random labels every strategy starts from.
    n_seeds : int, default=5
        Repetitions; seed ``s`` is ``random_state + s``.
    C : float, default=0.3
        Inverse regularisation of the model, and of the teacher. 0.3 was
        chosen by a grid search on hh-helpful pool data (see
        ``DEFAULT_C`` and ``benchmarks/tune_defaults.py``).
    strategy_params : dict, default=None
        ``{strategy name: {parameter: value}}``, merged over
        :data:`DEFAULT_STRATEGY_PARAMS`.
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
        ``strategy``, ``seed``, ``n_labels``, ``accuracy``, ``log_loss``),
        one row per checkpoint (``pandas.DataFrame(result.curves)`` makes a
        frame of it); ``reference``: the whole-pool fits, same columns but
        ``strategy``; ``seconds``: wall time per loop; ``settings``.

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
    for name in datasets:  # and on a missing file
        if name != SYNTHETIC:
            load_preference_dataset(name, data_home=data_home, return_X_y=True, random_state=0)

    settings = {
        "labels": labels,
        "budget": budget,
        "batch_size": batch_size,
        "n_initial": n_initial,
        "C": C,
        "strategy_params": params,
        "data_home": None if data_home is None else str(data_home),
        "test_size": test_size,
        "reference_strategy": "random",
    }
    seeds = [random_state + s for s in range(n_seeds)]
    cost = {name: rank for rank, name in enumerate(_COST_ORDER)}
    jobs = sorted(
        ((name, strategy, seed) for name in datasets for strategy in strategies for seed in seeds),
        key=lambda job: cost.get(job[1], len(cost)),
    )
    outputs = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_run_one)(name, strategy, seed, settings) for name, strategy, seed in jobs
    )
    rows, references, seconds = [], [], []
    for loop_rows, reference, loop_seconds in _with_progress(outputs, len(jobs), progress):
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
    return Bunch(
        curves=_columns(rows),
        reference=_columns(references),
        seconds=_columns(seconds),
        settings={**settings, "datasets": datasets, "strategies": strategies, "seeds": seeds},
    )


def _columns(rows):
    """A list of same-keyed dicts as a dict of numpy columns."""
    if not rows:
        return {}
    return {key: np.asarray([row[key] for row in rows]) for key in rows[0]}


def _with_progress(outputs, total, progress):
    """Yield ``outputs``, showing progress on standard error if asked."""
    if not progress:
        yield from outputs
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        started = time.perf_counter()
        for done, output in enumerate(outputs, start=1):
            rows = output[0]
            print(
                f"[{done}/{total}] {rows[0]['dataset']} {rows[0]['strategy']} seed "
                f"{rows[0]['seed']} ({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
            )
            yield output
        return
    with tqdm(total=total, unit="loop", file=sys.stderr) as bar:
        for output in outputs:
            bar.update()
            yield output
