"""The Laplace posterior (``LaplacePosterior``) and its rank-one update.

Every width is compared with a dense numpy computation of
``sqrt(x~^T H^{-1} x~)``; conditioning on new rows is compared with a full
refactorisation of ``H + sum_j s_j mu'(m(x_j)) x_j~ x_j~^T``.
"""

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.linalg import cholesky
from scipy.special import expit

import skpref._chunks
import skpref.posterior._conditioning
from skpref import LaplacePosterior, PairwiseLogisticRegression
from skpref._chunks import chunk_rows
from skpref._linalg import cholesky_update

import _dense as dense

# -- helpers -------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def fitted_posterior(n_features, fit_intercept, seed=0):
    """The posterior of a model fitted on Bradley-Terry data (cached; never mutated)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, n_features))
    theta = rng.normal(size=n_features) / np.sqrt(n_features)
    y = (rng.random(300) < expit(X @ theta + 0.3 * fit_intercept)).astype(int)
    return PairwiseLogisticRegression(C=2.0, fit_intercept=fit_intercept).fit(X, y).posterior_


def augmented(X, posterior):
    """Rows ``x~ = (x, 1)`` when the posterior has an intercept."""
    return dense.augmented(X, posterior.intercept is not None)


def dense_hessian(posterior):
    """``H = L L^T`` from the posterior's factor."""
    L = posterior.cholesky_factor
    return L @ L.T


def dense_std(posterior, X, H=None):
    """``sqrt(diag(X~ H^{-1} X~^T))`` through a dense solve."""
    H = dense_hessian(posterior) if H is None else H
    return dense.widths(H, augmented(X, posterior))


def dense_conditioned_hessian(posterior, X_new, sample_weight=None):
    """``H + sum_j s_j mu'(m(x_j)) x_j~ x_j~^T`` in plain numpy."""
    weights = dense.logistic_variance(X_new @ posterior.coef + (posterior.intercept or 0.0))
    if sample_weight is not None:
        weights = weights * sample_weight
    Xa = augmented(X_new, posterior)
    return dense_hessian(posterior) + Xa.T @ (weights[:, None] * Xa)


def count_rank_one_updates(monkeypatch):
    """Spy on ``cholesky_update`` as the batch conditioner behind ``condition`` sees it."""
    calls = []

    def spy(lower, x):
        calls.append(x)
        return cholesky_update(lower, x)

    monkeypatch.setattr(skpref.posterior._conditioning, "cholesky_update", spy)
    return calls


def conditioned_std(posterior, X, x_new, sample_weight=1.0):
    """Widths of ``X`` after one row ``x_new``, by the strategies' batch conditioner."""
    return posterior.conditioner().add_rows(x_new[None], [sample_weight]).std(X)


def rows(n_rows, n_features, seed):
    return np.random.default_rng(seed).normal(size=(n_rows, n_features))


finite = st.floats(-4, 4, allow_nan=False, allow_subnormal=False)
# Widths are sqrt(sum of squares): entries below ~1e-154 have squares below
# the normal range and lose relative precision (documented on
# LaplacePosterior.std). Properties that compare widths to rtol 1e-12 draw
# entries that are zero or at least 1e-100 in magnitude.
representable = finite.filter(lambda value: value == 0 or abs(value) >= 1e-100)


# -- the prior -------------------------------------------------------------------


@given(
    n_features=st.integers(1, 6),
    C=st.floats(1e-3, 1e3),
    data=st.data(),
)
def test_prior_widths_are_sqrt_C_times_norm(n_features, C, data):
    """Before any label, ``theta = 0`` and ``H = I / C``: ``w(x) = sqrt(C) ||x||``."""
    X = data.draw(hnp.arrays(np.float64, (5, n_features), elements=representable), label="X")
    prior = LaplacePosterior.prior(n_features, C)
    means, widths = prior.mean_and_std(X)
    assert_array_equal(means, np.zeros(5))
    assert_allclose(widths, np.sqrt(C) * np.linalg.norm(X, axis=1), rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "n_features, C, message",
    [(0, 1.0, "n_features must be a positive integer"), (3, 0.0, "C must be a positive")],
)
def test_prior_rejects_bad_arguments(n_features, C, message):
    """The prior needs a dimension and a positive prior variance."""
    with pytest.raises(ValueError, match=message):
        LaplacePosterior.prior(n_features, C)


# -- the rank-one update ---------------------------------------------------------


@given(
    p=st.integers(1, 8),
    data=st.data(),
)
def test_cholesky_update_equals_refactorisation(p, data):
    """``cholesky_update(L, x)`` is the lower factor of ``L L^T + x x^T``."""
    A = data.draw(hnp.arrays(np.float64, (p, p), elements=finite), label="A")
    x = data.draw(hnp.arrays(np.float64, p, elements=finite), label="x")
    L = cholesky(A @ A.T + np.eye(p), lower=True)
    original = L.copy()
    updated = cholesky_update(L, x)
    assert_array_equal(L, original)  # the input is not modified
    assert_array_equal(np.triu(updated, 1), 0.0)
    expected = cholesky(L @ L.T + np.outer(x, x), lower=True)
    assert_allclose(updated, expected, rtol=1e-9, atol=1e-9)


# -- conditioning on new rows (fantasy updates) ------------------------------------


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize(
    "n_new, path",
    [(1, "rank-one"), (2, "rank-one"), (5, "refactorise"), (40, "refactorise")],
)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_condition_equals_dense_refactorisation(
    monkeypatch, fit_intercept, n_new, path, weighted
):
    """``condition(X_new)`` widths equal those of the densely updated Hessian.

    With 16 features, one or two rows are folded in by rank-one updates and
    five or more by a new factorisation (more than ``p // 8`` rows); the spy
    checks which path ran, so both are exercised.
    """
    posterior = fitted_posterior(16, fit_intercept)
    X_new = rows(n_new, 16, seed=1)
    sample_weight = np.random.default_rng(2).uniform(0, 3, n_new) if weighted else None
    updates = count_rank_one_updates(monkeypatch)

    conditioned = posterior.condition(X_new, sample_weight=sample_weight)

    assert len(updates) == (n_new if path == "rank-one" else 0)
    X = rows(30, 16, seed=3)
    H = dense_conditioned_hessian(posterior, X_new, sample_weight)
    assert_allclose(conditioned.std(X), dense_std(posterior, X, H), rtol=1e-10)
    assert_allclose(conditioned.cholesky_factor @ conditioned.cholesky_factor.T, H, rtol=1e-10)
    # theta_hat is unchanged and the original posterior is untouched.
    assert_array_equal(conditioned.mean(X), posterior.mean(X))
    assert_allclose(posterior.std(X), dense_std(posterior, X), rtol=1e-12)


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weight", [1.0, 0.3, 4.0])
def test_conditioned_std_equals_condition_on_one_row(fit_intercept, weight):
    """Sherman-Morrison widths equal those of the refactored ``condition(x_new[None])``."""
    posterior = fitted_posterior(6, fit_intercept)
    X = rows(50, 6, seed=4)
    x_new = rows(1, 6, seed=5)[0]
    H = dense_conditioned_hessian(posterior, x_new[None], np.array([weight]))
    expected = dense_std(posterior, X, H)
    assert_allclose(conditioned_std(posterior, X, x_new, weight), expected, rtol=1e-9)
    conditioned = posterior.condition(x_new[None], sample_weight=[weight]).std(X)
    assert_allclose(conditioned, expected, rtol=1e-9)


@pytest.mark.parametrize("fit_intercept", [False, True])
@given(data=st.data())
def test_widths_never_grow_when_rows_are_added(fit_intercept, data):
    """Adding curvature ``s mu' x x^T >= 0`` to ``H`` can only shrink every width."""
    posterior = fitted_posterior(4, fit_intercept)
    n_new = data.draw(st.integers(1, 8), label="n_new")
    X_new = data.draw(hnp.arrays(np.float64, (n_new, 4), elements=finite), label="X_new")
    weights = data.draw(
        hnp.arrays(np.float64, n_new, elements=st.floats(0, 10, allow_subnormal=False)),
        label="sample_weight",
    )
    X = data.draw(hnp.arrays(np.float64, (6, 4), elements=finite), label="X")
    before = posterior.std(X)
    slack = 1e-10 * before + 1e-12  # round-off only
    after = posterior.condition(X_new, sample_weight=weights).std(X)
    assert np.all(after <= before + slack)
    one_row = conditioned_std(posterior, X, X_new[0], weights[0])
    assert np.all(one_row <= before + slack)


def test_condition_rejects_negative_weights():
    """A negative weight would remove curvature and could make ``H`` indefinite."""
    posterior = fitted_posterior(4, False)
    with pytest.raises(ValueError, match="non-negative weight per row"):
        posterior.condition(rows(2, 4, seed=6), sample_weight=[1.0, -1.0])


# -- inputs: dtypes, memory maps, chunks ------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_float32_rows_give_the_float64_widths(fit_intercept):
    """float32 rows are widened to float64 before any arithmetic."""
    posterior = fitted_posterior(5, fit_intercept)
    X32 = rows(40, 5, seed=7).astype(np.float32)
    X64 = X32.astype(np.float64)
    assert_array_equal(posterior.std(X32), posterior.std(X64))
    assert_array_equal(posterior.mean(X32), posterior.mean(X64))
    assert_allclose(posterior.std(X32), dense_std(posterior, X64), rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_read_only_memmap_pool(tmp_path, dtype):
    """A read-only memory-mapped pool works everywhere and is left untouched."""
    model = PairwiseLogisticRegression(fit_intercept=True).fit(
        rows(200, 5, seed=8), np.arange(200) % 2
    )
    pool = rows(300, 5, seed=9).astype(dtype)
    path = tmp_path / "pool.dat"
    writer = np.memmap(path, dtype=dtype, mode="w+", shape=pool.shape)
    writer[:] = pool
    writer.flush()
    del writer
    mapped = np.memmap(path, dtype=dtype, mode="r", shape=pool.shape)
    assert not mapped.flags.writeable

    assert_array_equal(model.logit_std(mapped), model.logit_std(pool))
    for got, expected in zip(
        model.confidence_interval(mapped, 2.0), model.confidence_interval(pool, 2.0)
    ):
        assert_array_equal(got, expected)
    posterior = model.posterior_
    assert_allclose(
        posterior.condition(mapped[:3]).std(mapped), posterior.condition(pool[:3]).std(pool),
        rtol=1e-14,
    )
    assert_allclose(
        conditioned_std(posterior, mapped, mapped[0]), conditioned_std(posterior, pool, pool[0]),
        rtol=1e-14,
    )
    assert_array_equal(np.asarray(mapped), pool)


@functools.lru_cache(maxsize=None)
def several_chunk_pool(fit_intercept):
    """A float32 pool of 64-d rows spanning three chunks of ``iter_row_slices``."""
    posterior = fitted_posterior(64, fit_intercept)
    n_rows = 2 * chunk_rows(posterior.n_params) + 1000
    return posterior, rows(n_rows, 64, seed=10).astype(np.float32)


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_chunked_widths_agree_with_one_dense_pass(monkeypatch, fit_intercept):
    """A pool larger than one chunk gives the widths of one unchunked dense computation.

    The pool is made genuinely larger than a chunk (patching
    ``skpref._chunks.CHUNK_BYTES`` would not help: ``iter_row_slices`` binds
    it as a default argument at import time). A spy checks that the pass was
    really split.
    """
    posterior, pool = several_chunk_pool(fit_intercept)
    slices = []
    original = skpref._chunks.iter_row_slices

    def recording(*args, **kwargs):
        for piece in original(*args, **kwargs):
            slices.append(piece)
            yield piece

    monkeypatch.setattr(skpref._chunks, "iter_row_slices", recording)
    means, widths = posterior.mean_and_std(pool)
    assert len(slices) >= 3

    X = augmented(pool.astype(np.float64), posterior)
    dense_widths = np.linalg.norm(np.linalg.solve(posterior.cholesky_factor, X.T), axis=0)
    dense_means = X[:, : posterior.n_features] @ posterior.coef + (posterior.intercept or 0.0)
    assert_allclose(widths, dense_widths, rtol=1e-10)
    assert_allclose(means, dense_means, rtol=1e-9, atol=1e-9)

    # Sherman-Morrison over the whole pool, against the dense formula.
    x_new = X[-1]
    v = np.linalg.solve(dense_hessian(posterior), x_new)
    c = expit(dense_means[-1]) * expit(-dense_means[-1])
    expected = np.sqrt(dense_widths**2 - c * (X @ v) ** 2 / (1 + c * x_new @ v))
    assert_allclose(conditioned_std(posterior, pool, pool[-1]), expected, rtol=1e-9)


def test_non_finite_row_is_reported_with_its_index():
    """A NaN deep in a chunked pool names the row where it is."""
    posterior, pool = several_chunk_pool(False)
    bad_row = len(pool) - 7  # in the last chunk
    pool = pool.copy()
    pool[bad_row, 3] = np.nan
    with pytest.raises(ValueError, match=f"NaN or infinity \\(first at row {bad_row}\\)"):
        posterior.std(pool)


@pytest.mark.parametrize(
    "X, message",
    [
        (np.ones(4), "reshape a single row"),
        (np.ones((3, 5)), "X has 5 features, but the posterior is over 4 features"),
    ],
    ids=["1-D", "wrong-width"],
)
def test_posterior_rejects_badly_shaped_rows(X, message):
    """Rows must be 2-D and as wide as the posterior."""
    with pytest.raises(ValueError, match=message):
        fitted_posterior(4, False).std(X)
