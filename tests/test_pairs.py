"""From items to comparison rows: ``PairDifference`` and ``make_pairs`` (SPEC section 1).

``PairDifference`` is excused from the sklearn checks that feed an odd number
of columns (see ``tests/test_sklearn_contract.py``); the same properties are
checked here with even widths.
"""

import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skpref import PairwiseLogisticRegression
from skpref.pairs import PairDifference, encode_preferences, make_pairs

# -- helpers -------------------------------------------------------------------


def item_pairs(n_pairs, n_features, seed):
    """Features of the first and second item of each pair (all entries distinct)."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_pairs, n_features)), rng.normal(size=(n_pairs, n_features))


def side_by_side(first, second):
    """The ``[phi(a), phi(b)]`` layout that ``PairDifference`` reads."""
    return np.hstack([first, second])


def bradley_terry_labels(first, second, seed):
    """1 where the first item wins under a random linear utility."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=first.shape[1])
    return (rng.random(len(first)) < expit((first - second) @ theta)).astype(int)


def orientation(X, first, second):
    """+1 where a row is ``first - second``, -1 where it is ``second - first``."""
    forward = np.all(X == first - second, axis=1)
    backward = np.all(X == second - first, axis=1)
    assert np.all(forward ^ backward), "every row must be +-(first - second), exactly"
    return np.where(forward, 1, -1)


def finite(dtype):
    """Floats in [-10, 10] that ``dtype`` holds exactly (a float64 draw would round in float32)."""
    return st.floats(
        -10, 10, allow_nan=False, allow_subnormal=False, width=np.finfo(dtype).bits
    )


# -- PairDifference ----------------------------------------------------------------


@given(
    data=st.data(),
    n_features=st.integers(1, 6),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_pair_difference_maps_pairs_to_differences(data, n_features, dtype):
    """``[phi(a), phi(b)] -> phi(a) - phi(b)``, in the input's float dtype."""
    first = data.draw(hnp.arrays(dtype, (5, n_features), elements=finite(dtype)), label="first")
    second = data.draw(hnp.arrays(dtype, (5, n_features), elements=finite(dtype)), label="second")
    transformer = PairDifference().fit(side_by_side(first, second))
    out = transformer.transform(side_by_side(first, second))
    assert out.dtype == dtype
    assert_array_equal(out, first - second)
    # Swapping the two items negates the row exactly.
    assert_array_equal(transformer.transform(side_by_side(second, first)), -out)


def test_pair_difference_is_stateless():
    """``transform`` works before ``fit`` and on any number of rows afterwards."""
    first, second = item_pairs(6, 3, seed=0)
    X = side_by_side(first, second)
    assert_array_equal(PairDifference().transform(X), first - second)
    fitted = PairDifference().fit(X[:2])
    assert_array_equal(fitted.transform(X), first - second)
    assert_array_equal(fitted.transform(X[3:5]), fitted.transform(X)[3:5])


@pytest.mark.parametrize("method", ["fit", "transform", "fit_transform"])
def test_pair_difference_rejects_odd_column_count(method):
    """An odd number of columns cannot be ``[phi(a), phi(b)]``."""
    with pytest.raises(ValueError, match="even number of columns.*got 5"):
        getattr(PairDifference(), method)(np.ones((3, 5)))


@pytest.mark.parametrize(
    "X, message",
    [
        (np.array([[1.0, np.nan, 0.0, 0.0]]), "NaN"),
        (np.array([[1.0, 0.0, np.inf, 0.0]]), "infinity"),
        (np.ones(4), "Expected a 2-dimensional container|2D array"),
    ],
    ids=["nan", "inf", "1-D"],
)
def test_pair_difference_rejects_invalid_input(X, message):
    """Non-finite values and 1-D input are refused, as sklearn transformers do."""
    with pytest.raises(ValueError, match=message):
        PairDifference().fit(X)


def test_pair_difference_rejects_changed_width_after_fit():
    """After fit, the column count is fixed."""
    transformer = PairDifference().fit(np.ones((2, 4)))
    with pytest.raises(ValueError, match="6 features.*expecting 4"):
        transformer.transform(np.ones((2, 6)))


@pytest.mark.parametrize(
    "convert",
    [np.asfortranarray, lambda X: X.tolist(), lambda X: X.astype(int)],
    ids=["fortran", "list", "int"],
)
def test_pair_difference_accepts_other_array_likes(convert):
    """Fortran order, nested lists and integers give the float64 difference."""
    X = np.arange(24, dtype=np.float64).reshape(4, 6) ** 2
    out = PairDifference().fit_transform(convert(X))
    assert out.dtype == np.float64
    assert_array_equal(out, X[:, :3] - X[:, 3:])


@pytest.mark.parametrize(
    "input_features, expected",
    [
        (None, ["x0 - x2", "x1 - x3"]),
        (["a_len", "a_score", "b_len", "b_score"], ["a_len - b_len", "a_score - b_score"]),
    ],
    ids=["default", "given"],
)
def test_pair_difference_feature_names(input_features, expected):
    """Output columns are named ``"<first> - <second>"``."""
    transformer = PairDifference().fit(np.ones((2, 4)))
    assert transformer.get_feature_names_out(input_features).tolist() == expected


def test_pair_difference_feature_names_from_a_dataframe():
    """Column names seen in fit become the default input names, without warnings.

    Fitting on a DataFrame and transforming it must not emit sklearn's "X does
    not have valid feature names" warning: the names are valid and consistent.
    """
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(np.arange(8.0).reshape(2, 4), columns=["a0", "a1", "b0", "b1"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        transformer = PairDifference().fit(frame)
        out = transformer.transform(frame)
    assert_array_equal(out, [[-2.0, -2.0], [-2.0, -2.0]])
    assert transformer.feature_names_in_.tolist() == ["a0", "a1", "b0", "b1"]
    assert transformer.get_feature_names_out().tolist() == ["a0 - b0", "a1 - b1"]


def test_pair_difference_feature_names_reject_wrong_length():
    """``input_features`` must name every input column."""
    transformer = PairDifference().fit(np.ones((2, 4)))
    with pytest.raises(ValueError, match="input_features should have length 4"):
        transformer.get_feature_names_out(["a", "b"])


def test_pair_difference_pickles():
    """A fitted transformer survives pickling with the same output."""
    X = side_by_side(*item_pairs(5, 2, seed=1))
    transformer = PairDifference().fit(X)
    restored = pickle.loads(pickle.dumps(transformer))
    assert_array_equal(restored.transform(X), transformer.transform(X))
    assert restored.n_features_in_ == 4


# -- PairDifference in a Pipeline --------------------------------------------------------


@pytest.mark.parametrize(
    "middle",
    [[], [StandardScaler(with_mean=False)]],
    ids=["difference-only", "scaled-without-centering"],
)
def test_pipeline_from_item_features(middle):
    """``PairDifference -> [scaler] -> PairwiseLogisticRegression`` on plain numpy.

    It fits the same model as the estimator on the difference rows, and stays
    antisymmetric: listing the items the other way round swaps the
    probabilities exactly (scaling without centring keeps ``-x -> -x/s``).
    """
    first, second = item_pairs(150, 3, seed=2)
    y = bradley_terry_labels(first, second, seed=3)
    pipeline = make_pipeline(PairDifference(), *middle, PairwiseLogisticRegression())
    pipeline.fit(side_by_side(first, second), y)

    direct = make_pipeline(*middle, PairwiseLogisticRegression()).fit(first - second, y)
    assert_allclose(pipeline[-1].coef_, direct[-1].coef_, rtol=0, atol=1e-12)
    forward = pipeline.predict_proba(side_by_side(first, second))
    assert_allclose(forward, direct.predict_proba(first - second), rtol=0, atol=1e-12)
    backward = pipeline.predict_proba(side_by_side(second, first))
    assert_array_equal(backward, forward[:, ::-1])
    assert_array_equal(pipeline.predict(side_by_side(second, first)), 1 - pipeline.predict(
        side_by_side(first, second)
    ))


# -- make_pairs --------------------------------------------------------------------------


@pytest.mark.parametrize("with_labels", [False, True], ids=["chosen-rejected", "labelled"])
@given(n_pairs=st.integers(1, 60), seed=st.integers(0, 2**32 - 1))
def test_make_pairs_labels_follow_orientation(with_labels, n_pairs, seed):
    """Each row is ``+-(first - second)``; its label says whether its first item won.

    With ``y`` given (1: ``X_first`` preferred), a row written
    ``first - second`` keeps ``y`` and a swapped row gets ``1 - y``; without
    ``y``, ``X_first`` is always the preferred item.
    """
    first, second = item_pairs(n_pairs, 3, seed=seed % 1000)
    given_y = np.random.default_rng(seed).integers(0, 2, n_pairs) if with_labels else None
    X, y = make_pairs(first, second, y=given_y, random_state=seed)
    first_preferred = np.ones(n_pairs, dtype=int) if given_y is None else given_y
    sign = orientation(X, first, second)
    assert X.shape == first.shape and y.shape == (n_pairs,)
    assert_array_equal(y, np.where(sign == 1, first_preferred, 1 - first_preferred))


def test_make_pairs_produces_both_labels_and_both_orientations():
    """Random orientation makes both labels occur for a moderate number of pairs."""
    chosen, rejected = item_pairs(200, 4, seed=4)
    X, y = make_pairs(chosen, rejected, random_state=5)
    assert set(np.unique(y)) == {0, 1}
    assert 0.35 < y.mean() < 0.65
    sign = orientation(X, chosen, rejected)
    assert_array_equal(sign == 1, y == 1)  # chosen is first exactly when y = 1


def test_make_pairs_is_reproducible():
    """The same seed gives the same rows and labels; another seed does not."""
    chosen, rejected = item_pairs(50, 3, seed=6)
    X1, y1 = make_pairs(chosen, rejected, random_state=7)
    X2, y2 = make_pairs(chosen, rejected, random_state=7)
    X3, y3 = make_pairs(chosen, rejected, random_state=8)
    assert_array_equal(X1, X2)
    assert_array_equal(y1, y2)
    assert not np.array_equal(y1, y3)


def test_make_pairs_keeps_float32():
    """float32 item features give float32 rows (no silent widening of a big pool)."""
    chosen, rejected = (a.astype(np.float32) for a in item_pairs(10, 2, seed=9))
    X, _ = make_pairs(chosen, rejected, random_state=0)
    assert X.dtype == np.float32


@pytest.mark.parametrize(
    "first_shape, second_shape, y, message",
    [
        ((5, 3), (5, 2), None, "same shape"),
        ((5, 3), (4, 3), None, "same shape"),
        ((5, 3), (5, 3), [1, 0, 1], r"one label per pair \(5\)"),
        ((5, 3), (5, 3), [1, 0, 2, 1, 0], "must hold 1 .* or 0"),
        ((5, 3), (5, 3), [1, 0, -1, 1, 0], "must hold 1 .* or 0"),
        ((5, 3), (5, 3), [1, 0, 0.5, 1, 0], "must hold 1 .* or 0"),
    ],
    ids=["widths", "lengths", "y-length", "y-two", "y-negative", "y-half"],
)
def test_make_pairs_rejects_bad_input(first_shape, second_shape, y, message):
    """Mismatched item arrays and labels other than 0/1 are errors."""
    rng = np.random.default_rng(10)
    with pytest.raises(ValueError, match=message):
        make_pairs(rng.normal(size=first_shape), rng.normal(size=second_shape), y=y)


def test_make_pairs_feeds_the_estimator():
    """Rows from ``make_pairs`` recover the direction of the utility they were drawn from."""
    rng = np.random.default_rng(11)
    theta = np.array([2.0, -1.0, 0.5])
    first, second = item_pairs(2000, 3, seed=12)
    first_wins = rng.random(2000) < expit((first - second) @ theta)
    X, y = make_pairs(first, second, y=first_wins.astype(int), random_state=13)
    coef = PairwiseLogisticRegression(C=100.0).fit(X, y).coef_.ravel()
    cosine = coef @ theta / (np.linalg.norm(coef) * np.linalg.norm(theta))
    assert cosine > 0.99


# -- encode_preferences --------------------------------------------------------


@pytest.mark.parametrize(
    "labels, expected",
    [
        (["first", "second"], [1, 0]),
        (["FIRST", "Second", " first ", "sEcOnD\t"], [1, 0, 1, 0]),
        (np.array(["first", "second"], dtype=object), [1, 0]),
        ([1, 0, 0], [1, 0, 0]),
        (np.array([1, 0], dtype=np.uint8), [1, 0]),
        ([1.0, 0.0], [1, 0]),
        ([True, False], [1, 0]),
        (["1", "0", "true", "False"], [1, 0, 1, 0]),
        (np.array(["first", 0, True, 1.0, np.int64(0)], dtype=object), [1, 0, 1, 1, 0]),
        ([], []),
    ],
    ids=[
        "lower", "any-case", "object", "ints", "uint8", "floats", "bools", "strings-of-0-1",
        "mixed-object", "empty",
    ],
)
def test_encode_preferences_maps_every_spelling_to_one_and_zero(labels, expected):
    encoded = encode_preferences(labels)
    assert encoded.dtype == np.int64
    assert_array_equal(encoded, expected)


def test_encode_preferences_accepts_a_pandas_series():
    pandas = pytest.importorskip("pandas")
    assert_array_equal(encode_preferences(pandas.Series(["Second", "first"])), [0, 1])


@pytest.mark.parametrize(
    "labels, message",
    [
        (["first", "tie", "second", "tie"], r"2 of 4 are not: 'tie' \(2 rows, first at row 1\)"),
        (["first", None], r"None \(1 row, at row 1\)"),
        ([1, 2, 0], r"2 \(1 row, at row 1\)"),
        ([1.0, np.nan], r"nan \(1 row, at row 1\)"),
        (["left", "right", "skip", "tie", "x", "y"], r"'left' .* and 1 more value"),
        ([0.5], r"0.5 \(1 row, at row 0\)"),
    ],
    ids=["tie", "missing", "two", "nan", "many", "soft-label"],
)
def test_encode_preferences_names_the_offending_values(labels, message):
    with pytest.raises(ValueError, match=message):
        encode_preferences(labels)


def test_encode_preferences_rejects_a_table():
    with pytest.raises(ValueError, match="one-dimensional"):
        encode_preferences(np.zeros((3, 2)))


@pytest.mark.parametrize(
    "labels",
    [["first", "second"], ["First", "Second"], ["FIRST", "second"], ["first", "SECOND"]],
)
def test_fit_warns_that_first_second_strings_sort_against_their_meaning(labels):
    """classes_ stays sorted (sklearn's convention); the fit says which class is positive."""
    first, second = item_pairs(60, 3, seed=4)
    X = first - second
    y01 = bradley_terry_labels(first, second, seed=4)
    y = np.where(y01 == 1, labels[0], labels[1])
    with pytest.warns(UserWarning, match="encode_preferences") as record:
        model = PairwiseLogisticRegression().fit(X, y)
    assert record[0].filename == __file__  # points at the caller's fit
    assert_array_equal(model.classes_, np.sort(labels))
    assert f"classes_[1] = {model.classes_[1]!r}" in str(record[0].message)
    reference = PairwiseLogisticRegression().fit(X, y01)
    # the positive class is whichever label sorts last: 'second' unless its case sorts first
    sign = 1.0 if model.classes_[1] == labels[0] else -1.0
    assert_allclose(model.coef_, sign * reference.coef_, atol=1e-12)
    # encoded, the fit is the 0/1 fit, with no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        encoded = PairwiseLogisticRegression().fit(X, encode_preferences(y))
    assert_allclose(encoded.coef_, reference.coef_, atol=1e-12)


@pytest.mark.parametrize(
    "labels",
    [["a", "b"], ["first", "other"], ["second", "third"], [0, 1], [False, True]],
)
def test_fit_is_quiet_for_other_labels(labels):
    first, second = item_pairs(40, 2, seed=5)
    y = np.where(bradley_terry_labels(first, second, seed=5) == 1, labels[0], labels[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PairwiseLogisticRegression().fit(first - second, y)
