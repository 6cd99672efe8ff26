"""Dask pools: every strategy and interval gives what the numpy pool gives.

Each test runs on Dask's local threaded scheduler and on a
``distributed.LocalCluster`` of two worker processes (one module-wide
cluster). BLAS is single-threaded in both (the suite's ``conftest.py`` for
this process, the nanny's ``OPENBLAS_NUM_THREADS=1`` for the workers): the
last bit of a ``gemm`` row depends on how the call splits its rows among
threads, so equality to the bit holds at equal BLAS threading.
"""

import subprocess
import sys

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="skpref[dask] is not installed (dask.array)")
dask = pytest.importorskip("dask", reason="skpref[dask] is not installed (dask)")
distributed = pytest.importorskip("distributed", reason="skpref[dask] is not installed")

from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skpref import PairwiseLogisticRegression  # noqa: E402
from skpref._dask import block_keys, ranked_candidates, tie_break_states  # noqa: E402
from skpref._random import tie_break_keys  # noqa: E402
from skpref.query import STRATEGIES, confidence_interval, make_strategy  # noqa: E402

#: Strategies whose scores come from a sum over the whole pool (the information
#: matrix of design sampling's mean aggregate), summed per block on the workers:
#: their design weights agree to rounding, their indices exactly.
SUMMED = {"design"}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
        silence_logs=40,
    ) as local, distributed.Client(local, set_as_default=False) as client:
        yield client


@pytest.fixture(params=["threads", "distributed"])
def scheduler(request):
    """Run the test body on one scheduler: ``threads``, or the module's cluster."""
    if request.param == "threads":
        with dask.config.set(scheduler="threads"):
            yield None
    else:
        client = request.getfixturevalue("cluster")
        with client.as_current():
            yield client


def _pool(n_rows=1500, n_features=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features))
    y = (X @ rng.normal(size=n_features) + rng.logistic(size=n_rows) > 0).astype(int)
    return X, y


@pytest.fixture(scope="module")
def data():
    X, y = _pool()
    fitted = PairwiseLogisticRegression().fit(X[:120], y[:120])
    intercept = PairwiseLogisticRegression(fit_intercept=True).fit(X[:120], y[:120])
    return X, {"fitted": fitted, "intercept": intercept, "cold": PairwiseLogisticRegression()}


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@pytest.mark.parametrize("model", ["fitted", "intercept", "cold"])
def test_strategy_matches_numpy_pool(scheduler, data, name, model):
    X, models = data
    estimator = models[model]
    strategy = make_strategy(name, random_state=7, **_small(name))
    expected = strategy(estimator, X, 12)
    pool = da.from_array(X, chunks=(400, X.shape[1]))  # 4 blocks, the last one short
    indices, scores = strategy(estimator, pool, 12)
    assert isinstance(indices, np.ndarray) and isinstance(scores, np.ndarray)
    np.testing.assert_array_equal(indices, expected[0])
    if name in SUMMED:
        np.testing.assert_allclose(scores, expected[1], rtol=1e-12, atol=0)
    else:
        np.testing.assert_array_equal(scores, expected[1])


def test_pipeline_steps_run_blockwise(scheduler, data):
    X, _ = data
    pipe = make_pipeline(StandardScaler(with_mean=False), PairwiseLogisticRegression())
    _, y = _pool()
    pipe.fit(X[:200], y[:200])
    pool = da.from_array(X, chunks=(500, X.shape[1]))
    for name in ("ci-location", "uncertainty"):
        strategy = make_strategy(name, random_state=0)
        np.testing.assert_array_equal(strategy(pipe, pool, 8)[0], strategy(pipe, X, 8)[0])


def test_intervals_are_lazy_and_equal(scheduler, data):
    X, models = data
    model = models["intercept"]
    pool = da.from_array(X, chunks=(333, X.shape[1]))
    lower, upper = model.confidence_interval(pool, level=0.9, scale="probability")
    assert isinstance(lower, da.Array) and isinstance(upper, da.Array)
    expected = model.confidence_interval(X, level=0.9, scale="probability")
    np.testing.assert_array_equal(lower.compute(), expected[0])
    np.testing.assert_array_equal(upper.compute(), expected[1])
    np.testing.assert_array_equal(model.logit_std(pool).compute(), model.logit_std(X))
    pipe = make_pipeline(StandardScaler(with_mean=False), PairwiseLogisticRegression())
    pipe.fit(X[:200], _pool()[1][:200])
    got = confidence_interval(pipe, pool, beta=2.0)
    want = confidence_interval(pipe, X, beta=2.0)
    np.testing.assert_array_equal(got[0].compute(), want[0])


def test_greedy_fetches_more_candidates_when_it_needs_them(scheduler, monkeypatch):
    """200 copies of the widest row: after one is picked the others fall, far down the order."""
    rng = np.random.default_rng(3)
    X = np.vstack([np.tile([[5.0, 0.0, 0.0]], (200, 1)), rng.normal(size=(800, 3))])
    calls = []
    import skpref._dask as module

    original = module.ranked_candidates

    def counted(utility, k, states):
        calls.append(k)
        return original(utility, k, states)

    monkeypatch.setattr(module, "ranked_candidates", counted)
    model = PairwiseLogisticRegression()
    for name in ("d-optimal", "ci-location"):
        strategy = make_strategy(name, random_state=1)
        expected = strategy(model, X, 3)
        got = strategy(model, da.from_array(X, chunks=(250, 3)), 3)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])
    assert max(calls) > 4 * 3 + 64  # the first top-k was too short, and more were fetched


def test_nothing_collects_the_pool(scheduler, data, monkeypatch):
    """No strategy turns the whole 2-D pool (or a large part of it) into a numpy array."""
    X, models = data
    limit = 300  # rows: the greedy batches and designs fetch a few candidates only
    original_array, original_compute = da.Array.__array__, da.Array.compute

    def refuse_large(array):
        if array.ndim == 2 and array.shape[0] > limit:
            raise AssertionError(f"a pool of shape {array.shape} was collected to the client")

    def guarded_array(self, *args, **kwargs):
        refuse_large(self)
        return original_array(self, *args, **kwargs)

    def guarded_compute(self, *args, **kwargs):
        refuse_large(self)
        return original_compute(self, *args, **kwargs)

    monkeypatch.setattr(da.Array, "__array__", guarded_array)
    monkeypatch.setattr(da.Array, "compute", guarded_compute)
    pool = da.from_array(X, chunks=(400, X.shape[1]))
    for name in sorted(STRATEGIES):
        make_strategy(name, random_state=0, **_small(name))(models["fitted"], pool, 5)
    with pytest.raises(AssertionError, match="collected"):
        np.asarray(pool)  # the guard itself works


def _small(name):
    """Fewer design candidates than the default 1000: the same code, a shorter solve."""
    return {"n_candidates": 100} if name in ("g-optimal", "design") else {}


def test_bad_row_is_named_by_its_pool_position(scheduler, data):
    X, models = data
    bad = X.copy()
    bad[1234, 2] = np.nan  # in the fourth block of 400 rows
    pool = da.from_array(bad, chunks=(400, X.shape[1]))
    for name in ("uncertainty", "ci-location", "random"):
        strategy = make_strategy(name, random_state=0)
        with pytest.raises(ValueError) as expected:
            strategy(models["fitted"], bad, 3)
        with pytest.raises(ValueError) as got:
            strategy(models["fitted"], pool, 3)
        assert "row 1234" in str(got.value)
        assert str(got.value) == str(expected.value)


def test_random_state_instances_are_consumed_as_on_numpy(scheduler, data):
    X, models = data
    pool = da.from_array(X, chunks=(256, X.shape[1]))
    for name in ("uncertainty", "ci-location", "selective", "g-optimal"):
        ours, theirs = np.random.RandomState(5), np.random.RandomState(5)
        for _ in range(2):  # the second call starts where the first left the stream
            strategy = make_strategy(name, **_small(name))
            got = strategy.set_params(random_state=ours)(models["fitted"], pool, 4)
            want = strategy.set_params(random_state=theirs)(models["fitted"], X, 4)
            np.testing.assert_array_equal(got[0], want[0])
        assert ours.random_sample() == theirs.random_sample()


def test_block_keys_are_the_global_keys():
    sizes = [7, 1, 30, 12]
    states = tie_break_states(sizes, 11)
    keys = np.concatenate([block_keys(state, size) for state, size in zip(states, sizes)])
    np.testing.assert_array_equal(keys, tie_break_keys(sum(sizes), 11))


def test_ties_are_broken_by_key_then_position(scheduler):
    utility = np.array([1.0, 3.0, 3.0, np.nan, 3.0, 2.0, 3.0, -np.inf, 3.0])
    pool = da.from_array(utility, chunks=4)  # blocks of 4, 4 and 1
    states = tie_break_states(pool.chunks[0], 2)
    indices, values, _, first_bad = ranked_candidates(pool, 5, states)
    keys = tie_break_keys(utility.size, 2)
    filled = np.where(np.isnan(utility), -np.inf, utility)
    np.testing.assert_array_equal(indices, np.lexsort((-keys, -filled))[:5])
    np.testing.assert_array_equal(values, filled[indices])
    assert first_bad[0] == 3 and np.isnan(first_bad[1])


def test_column_chunks_and_unknown_chunks():
    X, _ = _pool(200, 6)
    model = PairwiseLogisticRegression()
    split = da.from_array(X, chunks=(50, 2))  # columns over three chunks: rechunked
    np.testing.assert_array_equal(
        make_strategy("d-optimal", random_state=0)(model, split, 4)[0],
        make_strategy("d-optimal", random_state=0)(model, X, 4)[0],
    )
    unknown = split[split[:, 0] > -10]  # boolean indexing: row counts unknown until computed
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        make_strategy("uncertainty")(model, unknown, 2)


def test_import_skpref_does_not_import_dask():
    code = "import sys, skpref, skpref.query; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
