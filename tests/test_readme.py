"""The README's Python snippets run, in order, and do what their text says.

Issue 17: the Quick look chose the "next batch" from the rows it had just
been trained on, and the README sent modAL users to ``modAL.models.ActiveLearner``,
whose ``teach`` raises on current scikit-learn.
"""

import re
from pathlib import Path

import numpy as np
import pytest
import sklearn

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def run_blocks(upto=None):
    namespace = {}
    for block in python_blocks()[:upto]:
        exec(compile(block, str(README), "exec"), namespace)
    return namespace


def test_the_readme_has_the_quick_look_and_the_modal_snippet():
    blocks = python_blocks()
    assert len(blocks) == 2
    assert "ci_location_sampling" in blocks[0] and "PreferenceLearner" in blocks[1]


def test_quick_look_chooses_the_next_batch_from_unlabeled_pairs():
    namespace = run_blocks(upto=1)
    X_labeled, model = namespace["X_labeled"], namespace["model"]
    indices, batch = namespace["indices"], namespace["next_batch"]
    assert len(indices) == len(set(indices.tolist())) == 10
    assert batch.shape == (10, X_labeled.shape[1])
    # Not one of the pairs the model was trained on (the old snippet picked from them).
    assert not (batch[:, None, :] == X_labeled[None, :, :]).all(axis=2).any()
    assert np.array_equal(model.coef_, type(model)(C=1.0).fit(
        X_labeled, namespace["y_labeled"]).coef_)
    lower, upper = namespace["lower"], namespace["upper"]
    assert lower.shape == upper.shape == (5,) and np.all(lower < upper)


def test_the_modal_snippet_runs_with_preference_learner():
    pytest.importorskip("modAL")
    namespace = run_blocks()
    learner = namespace["learner"]
    assert learner.X_training.shape == (110, 8) and learner.y_training.shape == (110,)
    assert learner.estimator.coef_.shape == (1, 8)


@pytest.mark.skipif(
    tuple(int(part) for part in sklearn.__version__.split(".")[:2]) < (1, 8),
    reason="check_X_y still takes force_all_finite before scikit-learn 1.8",
)
def test_the_readmes_reason_modal_activelearner_teach_raises():
    # The README's one-line reason, measured: if a modAL release fixes it, this
    # fails and the README's advice should be revisited.
    modal_models = pytest.importorskip("modAL.models")
    from skpref import PairwiseLogisticRegression

    namespace = run_blocks(upto=1)
    X_labeled, y_labeled = namespace["X_labeled"], namespace["y_labeled"]
    learner = modal_models.ActiveLearner(PairwiseLogisticRegression(), X_training=X_labeled,
                                         y_training=y_labeled)  # fits without validating
    with pytest.raises(TypeError, match="force_all_finite"):
        learner.teach(X_labeled[:10], y_labeled[:10])
    with pytest.raises(TypeError, match="force_all_finite"):
        learner.fit(X_labeled, y_labeled)
