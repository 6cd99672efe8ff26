"""The contract every query strategy must keep, written once.

:class:`StrategyContract` is a template test class (as in scikit-activeml):
a strategy's test class inherits it and declares what the strategy is

* ``function``: the strategy function ``f(classifier, X_pool, n_instances, **params)``;
* ``cls``: its object form;
* ``params``: non-default parameters, passed on every call;
* ``changing_params``: parameters that change the selection on a generic pool
  (to check that ``set_params`` reaches the function), or None;
* flags: ``deterministic_given_seed`` (without ties the seed changes nothing;
  False for random and selective sampling, which are draws),
  ``greedy_conditioned`` (greedy batch with rank-one conditioning),
  ``nested_batches`` (a batch of k is the first k of a batch of n),
  ``is_design`` (scores are design weights), ``neg_inf_scores`` (``-inf`` is a
  documented score), ``uses_widths`` (the strategy reads the widths ``w_i``,
  not only the means);

and gets every generic invariant below for free. The helpers at the top
(seeded models and pools, hypothesis pools, a posterior-only estimator and
the sequential-picks reference) are shared with the other query tests.
"""

import os
import traceback
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from modAL.models import ActiveLearner
from scipy import sparse
from sklearn.base import BaseEstimator, clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skpref
import skpref._chunks
from skpref import PairwiseLogisticRegression
from skpref.pairs import PairDifference

PACKAGE_DIR = os.path.dirname(skpref.__file__)

# -- shared helpers ------------------------------------------------------------


def training_data(n_features, seed=0, n_samples=40):
    """Seeded Bradley-Terry comparisons ``(X, y)`` with both labels present."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    theta = 1.5 * rng.normal(size=n_features)
    y = (X @ theta + rng.logistic(size=n_samples) > 0).astype(int)
    y[:2] = [0, 1]
    return X, y


def fit_model(n_features, seed=0, n_samples=40, **params):
    """A ``PairwiseLogisticRegression`` fitted on :func:`training_data`."""
    X, y = training_data(n_features, seed, n_samples)
    return PairwiseLogisticRegression(**params).fit(X, y)


def gaussian_pool(n_rows, n_features, seed):
    """A continuous random pool (ties have probability zero), rows of varied norm."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_rows, n_features)) * rng.uniform(0.3, 2.0, size=(n_rows, 1))


def fit_item_pipeline(n_features, seed=0, n_samples=60):
    """``Pipeline(PairDifference, StandardScaler(with_mean=False), model)`` on item columns."""
    rng = np.random.default_rng(seed)
    first, second = rng.normal(size=(2, n_samples, n_features))
    theta = 1.5 * rng.normal(size=n_features)
    y = ((first - second) @ theta + rng.logistic(size=n_samples) > 0).astype(int)
    y[:2] = [0, 1]
    pipeline = make_pipeline(
        PairDifference(), StandardScaler(with_mean=False), PairwiseLogisticRegression()
    )
    return pipeline.fit(np.hstack([first, second]), y)


class FrozenPosterior(BaseEstimator):
    """An estimator that only carries a given Laplace posterior.

    The "compatible estimator" route of ``posterior_of`` (a
    ``get_posterior(n_features, kind=...)`` method): it lets a reference hand
    a conditioned posterior to a strategy without refitting anything.
    """

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X=None, y=None):
        return self

    def frozen(self, posterior):
        self.posterior_ = posterior
        return self

    def get_posterior(self, n_features=None, *, kind="laplace"):
        assert kind == "laplace" and n_features in (None, self.posterior_.n_params)
        return self.posterior_


def sequential_picks(function, params, posterior, pool, n):
    """``n`` single picks: pick one, condition the posterior on it, drop it, repeat.

    The brute-force meaning of a greedy conditioned batch (SPEC section 3):
    each pick sees ``H + sum_{earlier picks} mu'(m) x x^T`` via
    :meth:`LaplacePosterior.condition`, never the batch machinery.
    """
    remaining = list(range(pool.shape[0]))
    chosen, utilities = [], []
    for _ in range(n):
        index, score = function(FrozenPosterior().frozen(posterior), pool[remaining], 1, **params)
        pick = remaining.pop(int(index[0]))
        chosen.append(pick)
        utilities.append(float(score[0]))
        posterior = posterior.condition(pool[pick : pick + 1])
    return np.array(chosen), np.array(utilities)


def full_greedy(posterior, pool, n, score):
    """Brute-force greedy batch: after each pick, condition and re-score every row.

    ``score(means, widths)`` is evaluated on the whole pool at every step with
    widths from :meth:`LaplacePosterior.condition` (a new Cholesky factor per
    pick); chosen rows are excluded. Returns indices and each pick's utility.
    """
    means = posterior.mean(pool)
    chosen, utilities = [], []
    for _ in range(n):
        utility = np.array(score(means, posterior.std(pool)), dtype=float)
        utility[chosen] = -np.inf
        pick = int(np.argmax(utility))
        chosen.append(pick)
        utilities.append(utility[pick])
        posterior = posterior.condition(pool[pick : pick + 1])
    return np.array(chosen), np.array(utilities)


# Pool entries: bounded, and either 0 or at least 1e-6 in magnitude (a row of
# numerically negligible entries is a separate, explicit case below).
pool_entries = st.floats(
    -8.0, 8.0, allow_nan=False, allow_infinity=False, allow_subnormal=False
).map(lambda value: 0.0 if abs(value) < 1e-6 else value)


@st.composite
def pools_and_models(draw, max_rows=12, max_features=5):
    """A small pool (ties, zero rows, duplicates allowed), a model and a batch size."""
    n_features = draw(st.integers(1, max_features))
    n_rows = draw(st.integers(1, max_rows))
    pool = draw(arrays(np.float64, (n_rows, n_features), elements=pool_entries))
    if draw(st.booleans()):
        model = fit_model(n_features, seed=draw(st.integers(0, 3)))
    else:
        model = PairwiseLogisticRegression(C=draw(st.sampled_from([0.5, 1.0, 4.0])))
    return pool, model, draw(st.integers(1, n_rows + 2))


#: scipy.sparse containers a pool may come in: matrices and arrays, row- and
#: column-compressed and coordinate formats.
SPARSE_FORMATS = {
    "csr_matrix": sparse.csr_matrix,
    "csc_matrix": sparse.csc_matrix,
    "coo_matrix": sparse.coo_matrix,
    "csr_array": sparse.csr_array,
    "csc_array": sparse.csc_array,
    "coo_array": sparse.coo_array,
}


def sparse_pool(n_rows, n_features, seed, density=0.4):
    """A pool with most entries exactly zero (and a few zero rows), as text features are."""
    rng = np.random.default_rng(seed)
    pool = gaussian_pool(n_rows, n_features, seed)
    pool[rng.random(pool.shape) > density] = 0.0
    pool[::7] = 0.0
    pool[1] = 0.0
    pool[2, 0] = 1.5  # at least one informative row
    return pool


def raised_in_package(error):
    """Whether ``error`` was raised by skpref's own code (not deep inside numpy/scipy)."""
    return traceback.extract_tb(error.__traceback__)[-1].filename.startswith(PACKAGE_DIR)


class Holder(BaseEstimator):
    """A meta-estimator with a ``query_strategy`` parameter (nested-name checks)."""

    def __init__(self, query_strategy=None):
        self.query_strategy = query_strategy


# -- the template --------------------------------------------------------------


def contract_settings(**changes):
    """The loaded profile, allowing a hypothesis test to run in many subclasses.

    Every strategy class inherits the same ``@given`` method, which hypothesis
    flags as ``differing_executors``; that is the point of a template here.
    """
    suppressed = [*settings.default.suppress_health_check, HealthCheck.differing_executors]
    return settings(suppress_health_check=suppressed, **changes)


class StrategyContract:
    """Generic invariants of a query strategy; subclass and set the attributes."""

    function = None
    cls = None
    params = {}
    changing_params = None
    deterministic_given_seed = True
    greedy_conditioned = False
    nested_batches = False
    is_design = False
    neg_inf_scores = False
    uses_widths = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        function = cls.__dict__.get("function")
        if function is not None and not isinstance(function, staticmethod):
            cls.function = staticmethod(function)  # a plain attribute would bind self

    # -- helpers -----------------------------------------------------------------

    def kwargs(self, **overrides):
        """The parameters of every call: a fixed seed, ``params``, then overrides."""
        return {"random_state": 0, **self.params, **overrides}

    def select(self, classifier, pool, n_instances, **overrides):
        return self.function(classifier, pool, n_instances, **self.kwargs(**overrides))

    def check_selection(self, indices, scores, n_rows, n_instances):
        """Indices distinct, in range, integer, ``min(n, N)`` of them; scores aligned."""
        indices, scores = np.asarray(indices), np.asarray(scores)
        expected = min(n_instances, n_rows)
        assert indices.dtype.kind in "iu", indices.dtype
        assert indices.shape == (expected,)
        assert np.unique(indices).size == expected
        assert np.all((indices >= 0) & (indices < n_rows))
        assert scores.shape == (expected,)
        if self.neg_inf_scores:
            assert np.all(np.isfinite(scores) | (scores == -np.inf)), scores
        else:
            assert np.all(np.isfinite(scores)), scores
        if self.deterministic_given_seed:  # best first
            assert np.all(scores[:-1] >= scores[1:] - 1e-12), scores
        if self.is_design:  # design weights of the returned rows
            assert np.all(scores >= 0) and scores.sum() <= 1 + 1e-9, scores

    def assert_same_selection(self, first, second, rtol=1e-9):
        np.testing.assert_array_equal(first[0], second[0])
        np.testing.assert_allclose(first[1], second[1], rtol=rtol, atol=1e-12)

    # -- output contract -----------------------------------------------------------

    @given(case=pools_and_models())
    @contract_settings()
    def test_output_contract(self, case):
        """Random pools: distinct in-range integer indices, min(n, N) of them, finite scores."""
        pool, model, n_instances = case
        assume(pool.any())  # all-zero pools: test_degenerate_pool
        indices, scores = self.select(model, pool, n_instances)
        self.check_selection(indices, scores, pool.shape[0], n_instances)

    @pytest.mark.parametrize("fitted", [True, False])
    def test_n_instances_above_pool_size_returns_the_whole_pool(self, fitted):
        """n > N returns every row exactly once."""
        pool = gaussian_pool(6, 3, seed=1)
        model = fit_model(3) if fitted else PairwiseLogisticRegression()
        indices, scores = self.select(model, pool, 10)
        self.check_selection(indices, scores, 6, 10)
        np.testing.assert_array_equal(np.sort(indices), np.arange(6))

    @pytest.mark.parametrize("n_instances", [0, -1, 1.5, True, "2", None])
    @pytest.mark.parametrize("form", ["function", "object"])
    def test_invalid_n_instances_raise(self, n_instances, form):
        """n_instances that is not a positive integer raises ValueError or TypeError."""
        strategy = self.function if form == "function" else self.cls(**self.kwargs())
        kwargs = self.kwargs() if form == "function" else {}
        with pytest.raises((ValueError, TypeError), match="n_instances"):
            strategy(fit_model(2), gaussian_pool(5, 2, seed=0), n_instances, **kwargs)

    def test_numpy_integer_n_instances(self):
        """A numpy integer is a valid n_instances."""
        pool = gaussian_pool(8, 3, seed=2)
        self.assert_same_selection(
            self.select(fit_model(3), pool, np.int64(3)), self.select(fit_model(3), pool, 3)
        )

    @pytest.mark.parametrize("fitted", [True, False])
    @pytest.mark.parametrize("scale", [0.0, 1e-200])
    def test_degenerate_pool(self, scale, fitted):
        """A pool of (numerically) zero rows: a valid selection or a deliberate ValueError."""
        pool = np.full((5, 3), scale)
        model = fit_model(3) if fitted else PairwiseLogisticRegression()
        try:
            indices, scores = self.select(model, pool, 2)
        except ValueError as error:
            raised_in = traceback.extract_tb(error.__traceback__)[-1].filename
            assert raised_in.startswith(PACKAGE_DIR), f"{error!r} raised in {raised_in}"
            return
        self.check_selection(indices, scores, 5, 2)

    def test_zero_rows_among_informative_rows(self):
        """Zero rows (identical items) mixed into a pool do not break the selection."""
        pool = gaussian_pool(8, 3, seed=3)
        pool[[1, 5]] = 0.0
        for model in (fit_model(3), PairwiseLogisticRegression()):
            indices, scores = self.select(model, pool, 4)
            self.check_selection(indices, scores, 8, 4)

    # -- purity and reproducibility --------------------------------------------------

    @pytest.mark.parametrize("seed", [0, 1])
    def test_inputs_not_mutated(self, seed):
        """The pool, the model's coef_ and its posterior factor are left untouched."""
        model = fit_model(4, seed)
        pool = gaussian_pool(12, 4, seed)
        pool_before, coef_before = pool.copy(), model.coef_.copy()
        factor_before = model.posterior_.cholesky_factor.copy()
        self.select(model, pool, 3)
        np.testing.assert_array_equal(pool, pool_before)
        np.testing.assert_array_equal(model.coef_, coef_before)
        np.testing.assert_array_equal(model.posterior_.cholesky_factor, factor_before)

    @given(case=pools_and_models())
    @contract_settings(max_examples=20)
    def test_same_seed_same_result(self, case):
        """The same seed gives the same indices and scores, bit for bit."""
        pool, model, n_instances = case
        assume(pool.any())
        first = self.select(model, pool, n_instances, random_state=7)
        second = self.select(model, pool, n_instances, random_state=7)
        np.testing.assert_array_equal(first[0], second[0])
        np.testing.assert_array_equal(first[1], second[1])

    def test_seed_only_breaks_ties(self):
        """Without ties the seed changes nothing; random strategies do depend on it."""
        model, pool = fit_model(4, seed=5), gaussian_pool(20, 4, seed=5)
        batches = {tuple(self.select(model, pool, 3, random_state=seed)[0]) for seed in range(8)}
        if self.deterministic_given_seed:
            assert len(batches) == 1, batches
        else:
            assert len(batches) > 1, batches

    @given(seed=st.integers(0, 2**32 - 1), n_instances=st.integers(1, 5))
    @contract_settings(max_examples=15)
    def test_permuting_the_pool_permutes_the_selection(self, seed, n_instances):
        """Reordering pool rows selects the same rows (continuous pool, fitted model: no ties)."""
        if not self.deterministic_given_seed:
            pytest.skip("random draws depend on the row order")
        rng = np.random.default_rng(seed)
        n_features = int(rng.integers(2, 6))  # in 1-D all rows are parallel: z-scores tie
        model = fit_model(n_features, seed=seed % 7)
        pool = gaussian_pool(int(rng.integers(2, 20)), n_features, seed)
        order = rng.permutation(pool.shape[0])
        indices, scores = self.select(model, pool, n_instances)
        permuted_indices, permuted_scores = self.select(model, pool[order], n_instances)
        np.testing.assert_array_equal(pool[order][permuted_indices], pool[indices])
        np.testing.assert_allclose(permuted_scores, scores, rtol=1e-7, atol=1e-12)

    @given(case=pools_and_models(), signs=st.lists(st.booleans(), min_size=12, max_size=12))
    @contract_settings(max_examples=25)
    def test_flipping_row_signs_keeps_the_selection(self, case, signs):
        """Swapping the items of any pairs (x -> -x) changes nothing without an intercept."""
        pool, model, n_instances = case
        assume(pool.any())
        flips = np.where(np.array(signs[: pool.shape[0]]), -1.0, 1.0)[:, None]
        indices, scores = self.select(model, pool, n_instances)
        flipped_indices, flipped_scores = self.select(model, pool * flips, n_instances)
        np.testing.assert_array_equal(flipped_indices, indices)
        np.testing.assert_allclose(flipped_scores, scores, rtol=1e-9, atol=1e-12)

    # -- what a classifier and a pool may be ------------------------------------------

    def test_cold_start(self):
        """An unfitted model (prior posterior), bare or in a modAL learner, can be queried."""
        pool = gaussian_pool(9, 3, seed=4)
        bare = self.select(PairwiseLogisticRegression(C=2.0), pool, 3)
        self.check_selection(*bare, 9, 3)
        learner = ActiveLearner(
            estimator=PairwiseLogisticRegression(C=2.0), query_strategy=self.function
        )
        self.assert_same_selection(self.select(learner, pool, 3), bare)

    def test_modal_learner_is_unwrapped(self):
        """A modAL learner gives the selection of its estimator."""
        model, pool = fit_model(3, seed=6), gaussian_pool(15, 3, seed=6)
        learner = ActiveLearner(estimator=model, query_strategy=self.function)
        self.assert_same_selection(self.select(learner, pool, 3), self.select(model, pool, 3))

    @pytest.mark.parametrize("seed", [0, 1])
    def test_pipeline_equals_final_estimator_on_transformed_rows(self, seed):
        """A Pipeline on item columns selects as its final step on the transformed rows."""
        pipeline = fit_item_pipeline(3, seed)
        rng = np.random.default_rng(seed + 10)
        items = rng.normal(size=(15, 6))
        rows = pipeline[:-1].transform(items)
        self.assert_same_selection(
            self.select(pipeline, items, 4), self.select(pipeline[-1], rows, 4), rtol=1e-7
        )

    def test_read_only_memmap_pool(self, tmp_path):
        """A read-only memory-mapped pool gives the selection of the same array in memory."""
        pool = gaussian_pool(14, 3, seed=8)
        np.save(tmp_path / "pool.npy", pool)
        mapped = np.load(tmp_path / "pool.npy", mmap_mode="r")
        assert isinstance(mapped, np.memmap) and not mapped.flags.writeable
        model = fit_model(3, seed=8)
        self.assert_same_selection(self.select(model, mapped, 3), self.select(model, pool, 3))

    # -- sparse pools ------------------------------------------------------------------

    @pytest.mark.parametrize("fitted", [True, False])
    @pytest.mark.parametrize("container", list(SPARSE_FORMATS))
    def test_sparse_pool_equals_its_dense_copy(self, container, fitted, monkeypatch):
        """A scipy.sparse pool gives, bit for bit, the selection of its dense copy.

        Chunks are made 7 rows long so that the passes (and their per-chunk
        densification) cross many chunk boundaries.
        """
        monkeypatch.setattr(skpref._chunks, "chunk_rows", lambda n_columns, chunk_bytes=0: 7)
        pool = sparse_pool(40, 4, seed=21)
        model = fit_model(4, seed=21) if fitted else PairwiseLogisticRegression(C=2.0)
        dense = self.select(model, pool, 5)
        self.check_selection(*dense, 40, 5)
        self.assert_same_selection(
            self.select(model, SPARSE_FORMATS[container](pool), 5), dense, rtol=0
        )

    def test_sparse_pool_through_a_pipeline(self):
        """A sparse pool through a Pipeline: the final step's selection on the transformed rows.

        The scaler keeps the pool sparse; the strategy densifies one chunk at a
        time after the transform. Sparse and dense inputs agree up to the
        scaler's own arithmetic (it multiplies sparse rows by 1 / scale and
        divides dense ones by scale).
        """
        X, y = training_data(4, seed=22, n_samples=60)
        pipeline = make_pipeline(StandardScaler(with_mean=False), PairwiseLogisticRegression())
        pipeline.fit(X, y)
        pool = sparse.csr_matrix(sparse_pool(30, 4, seed=22))
        selection = self.select(pipeline, pool, 4)
        transformed = pipeline[:-1].transform(pool).toarray()
        self.assert_same_selection(selection, self.select(pipeline[-1], transformed, 4), rtol=0)
        self.assert_same_selection(selection, self.select(pipeline, pool.toarray(), 4))

    # -- pools that cannot be scored ---------------------------------------------------

    @pytest.mark.parametrize(
        "pool, message",
        [
            (np.ones(4), "2-D"),
            (np.ones((2, 2, 2)), "2-D"),
            (np.empty((0, 3)), "empty"),
            (sparse.csr_matrix((0, 3)), "empty"),
            (np.ones((4, 2)), "features"),
        ],
        ids=["1-D", "3-D", "empty", "empty-sparse", "features"],
    )
    def test_invalid_pools_raise_the_common_errors(self, pool, message):
        """Every strategy refuses a bad pool with the same ValueError and message."""
        with pytest.raises(ValueError, match=message):
            self.select(fit_model(3), pool, 2)

    @pytest.mark.parametrize("container", ["dense", "csr_matrix"])
    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_non_finite_entries_name_their_row(self, bad, container):
        """A NaN or infinite entry is refused, naming its row, dense or sparse."""
        pool = gaussian_pool(9, 3, seed=23)
        pool[6, 1] = bad
        pool = pool if container == "dense" else SPARSE_FORMATS[container](pool)
        with pytest.raises(ValueError, match=r"NaN or infinity \(first at row 6\)"):
            self.select(fit_model(3), pool, 2)

    @pytest.mark.parametrize("fitted", [True, False])
    @pytest.mark.parametrize(
        "scale", [1e150, 1e155, 1e200, 1e-200, 1e-310, 0.0], ids=lambda scale: f"{scale:g}"
    )
    def test_extreme_scales_select_or_refuse_clearly(self, scale, fitted):
        """Rows of extreme scale: a valid selection, or a ValueError from skpref naming a row.

        Never a utility of inf or NaN (garbage ranked silently), never a
        RuntimeWarning, never an error from deep inside numpy.
        """
        pool = gaussian_pool(6, 3, seed=24) * scale
        model = fit_model(3, seed=24) if fitted else PairwiseLogisticRegression()
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            try:
                indices, scores = self.select(model, pool, 2)
            except ValueError as error:
                assert raised_in_package(error), repr(error)
                assert "row" in str(error) or "zero vector" in str(error), str(error)
                return
        self.check_selection(indices, scores, 6, 2)

    def test_an_unscorable_row_is_named(self):
        """One row whose variance overflows among ordinary rows: refused by its index.

        Strategies that read only the means score such a row correctly (its mean
        is finite) and select as usual.
        """
        pool = gaussian_pool(8, 3, seed=25)
        pool[3] *= 1e160
        model = fit_model(3, seed=25)
        if not self.uses_widths:
            self.check_selection(*self.select(model, pool, 3), 8, 3)
            return
        with pytest.raises(ValueError, match=r"\brow 3\b") as caught:
            self.select(model, pool, 3)
        assert raised_in_package(caught.value), repr(caught.value)

    def test_a_tiny_row_is_scored(self):
        """One row at 1e-170 (its squared entries underflow) among ordinary rows: scored.

        The posterior computes its width to full precision, so it is neither
        refused nor mistaken for a zero row: the selection is valid.
        """
        pool = gaussian_pool(8, 3, seed=25)
        pool[3] *= 1e-170
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            self.check_selection(*self.select(fit_model(3, seed=25), pool, 3), 8, 3)

    def test_single_row_pool(self):
        """A pool of one row returns that row, for any n_instances."""
        pool = gaussian_pool(1, 3, seed=26)
        for model in (fit_model(3, seed=26), PairwiseLogisticRegression()):
            indices, scores = self.select(model, pool, 3)
            self.check_selection(indices, scores, 1, 3)
            assert indices.tolist() == [0]

    # -- batches ---------------------------------------------------------------------

    def test_batches_are_nested(self):
        """A batch of k is the first k rows of a batch of n (greedy and top-n strategies)."""
        if not self.nested_batches:
            pytest.skip("not a greedy or top-n strategy")
        model, pool = fit_model(4, seed=9), gaussian_pool(16, 4, seed=9)
        indices, scores = self.select(model, pool, 6)
        for k in range(1, 6):
            self.assert_same_selection(self.select(model, pool, k), (indices[:k], scores[:k]))

    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_batch_equals_sequential_conditioned_picks(self, seed):
        """A greedy batch of n equals n single picks, conditioning the posterior after each."""
        if not self.greedy_conditioned:
            pytest.skip("not a greedy conditioned strategy")
        model, pool = fit_model(4, seed), gaussian_pool(15, 4, seed + 20)
        indices, scores = self.select(model, pool, 5)
        reference = sequential_picks(self.function, self.kwargs(), model.posterior_, pool, 5)
        self.assert_same_selection((indices, scores), reference, rtol=1e-8)

    def test_duplicate_of_a_pick_loses_utility(self):
        """Conditioning on a pick lowers the utility of its exact duplicate."""
        if not self.greedy_conditioned:
            pytest.skip("not a greedy conditioned strategy")
        model, pool = fit_model(3, seed=11), gaussian_pool(10, 3, seed=11)
        top = int(self.select(model, pool, 1)[0][0])
        doubled = np.vstack([pool, pool[top]])
        indices, scores = self.select(model, doubled, doubled.shape[0])
        first, second = sorted(np.flatnonzero(np.isin(indices, [top, doubled.shape[0] - 1])))
        assert scores[second] < scores[first] - 1e-9, (scores[first], scores[second])

    # -- the object form ---------------------------------------------------------------

    def test_object_equals_function(self):
        """cls(**params) called like the function selects exactly what the function does."""
        model, pool = fit_model(3, seed=12), gaussian_pool(18, 3, seed=12)
        strategy = self.cls(**self.kwargs())
        self.assert_same_selection(strategy(model, pool, 4), self.select(model, pool, 4), rtol=0)
        # call-time parameters override the object's, as for the function
        self.assert_same_selection(
            strategy(model, pool, 4, random_state=3),
            self.select(model, pool, 4, random_state=3),
            rtol=0,
        )

    def test_parameters_mirror_the_function(self):
        """The object's parameters are the function's keyword parameters, defaults included."""
        import inspect

        signature = inspect.signature(self.function)
        defaults = {
            name: parameter.default
            for name, parameter in signature.parameters.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY
        }
        assert self.cls().get_params() == defaults
        assert set(self.params) <= set(defaults)

    def test_clone_and_params_round_trip(self):
        """clone, get_params and set_params round-trip, and the clone selects the same rows."""
        strategy = self.cls(**self.kwargs())
        cloned = clone(strategy)
        assert cloned is not strategy and cloned.get_params() == strategy.get_params()
        rebuilt = self.cls().set_params(**strategy.get_params())
        assert rebuilt.get_params() == strategy.get_params()
        model, pool = fit_model(3, seed=13), gaussian_pool(12, 3, seed=13)
        self.assert_same_selection(cloned(model, pool, 3), strategy(model, pool, 3), rtol=0)

    def test_nested_parameter_names(self):
        """A holder's get_params(deep=True) shows query_strategy__<name>; set_params reaches it."""
        strategy = self.cls(**self.kwargs())
        holder = Holder(query_strategy=strategy)
        deep = holder.get_params(deep=True)
        for name, value in strategy.get_params().items():
            assert deep[f"query_strategy__{name}"] == value
        holder.set_params(query_strategy__random_state=5)
        assert holder.query_strategy.random_state == 5
        model, pool = fit_model(3, seed=14), gaussian_pool(12, 3, seed=14)
        self.assert_same_selection(
            clone(holder).query_strategy(model, pool, 3),
            self.select(model, pool, 3, random_state=5),
            rtol=0,
        )

    def test_set_params_changes_the_result(self):
        """set_params of a parameter that matters changes the selection to the function's."""
        if self.changing_params is None:
            pytest.skip("no parameter changes the selection on a tie-free pool")
        model, pool = fit_model(4, seed=15), gaussian_pool(30, 4, seed=15)
        strategy = self.cls(**self.kwargs())
        before = strategy(model, pool, 4)
        strategy.set_params(**self.changing_params)
        after = strategy(model, pool, 4)
        expected = self.select(model, pool, 4, **self.changing_params)
        self.assert_same_selection(after, expected, rtol=0)
        assert not (
            np.array_equal(before[0], after[0]) and np.array_equal(before[1], after[1])
        ), "changing_params did not change the selection"
