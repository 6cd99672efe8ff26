"""The documentation build fails on gallery pages that show warnings or machine paths.

Issue 17: the label-complexity page showed a ``UserWarning`` with the build
machine's absolute path just before its headline number. ``docs/conf.py``
checks every generated example page with ``docs/_rendered.py``.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rendered = load("skpref_docs_rendered", DOCS / "_rendered.py")


def page(output):
    """A gallery page as sphinx-gallery writes it, with ``output`` in its output block."""
    return (
        "Algorithm 1\n===========\n\n.. code-block:: Python\n\n    rho = oracle_allocation(X)\n\n"
        ".. rst-class:: sphx-glr-script-out\n\n .. code-block:: none\n\n"
        + "".join(f"    {line}\n" for line in output.splitlines())
    )


def test_a_warning_with_the_checkout_path_is_two_problems(tmp_path):
    root = tmp_path / "checkout"
    warning = f"{root}/skpref/design/_oracle.py:535: UserWarning: rho certified only to 1e-3"
    found = rendered.problems(page(f"{warning}\n  warnings.warn(\nrho* = 2874"),
                              rendered.machine_paths(root))
    assert found == [
        "line 12 shows a Python warning: UserWarning: rho certified only to 1e-3",
        f"line 12 shows the build machine's path {root}",
    ]


@pytest.mark.parametrize("output", [
    f"loaded from {sys.prefix}/lib/python3/site-packages/skpref",
    "RuntimeWarning: overflow encountered in exp",
    "  /opt/x.py:3: DeprecationWarning: old",
])
def test_each_kind_is_found(output, tmp_path):
    assert rendered.problems(page(output), rendered.machine_paths(tmp_path / "checkout"))


def test_a_clean_page_and_lookalikes_pass(tmp_path):
    clean = page("rho* = 2874\nall signs right: True, labels 275566\n/usr/bin is not ours\n"
                 "the warning below: none")
    assert rendered.problems(clean, rendered.machine_paths(tmp_path / "checkout")) == []
    # A path that only starts like the checkout's is another path.
    root = tmp_path / "checkout"
    assert rendered.problems(page(f"{root}-other/file"), [str(root)]) == []


def test_conf_py_fails_the_build_on_any_problem(tmp_path, monkeypatch):
    pytest.importorskip("sphinx")
    # conf.py sets these and extends sys.path: keep them to this test.
    for variable in ("MPLBACKEND", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(variable, "Agg" if variable == "MPLBACKEND" else "1")
    monkeypatch.setattr(sys, "path", list(sys.path))
    conf = load("skpref_docs_conf", DOCS / "conf.py")
    conf._RENDER_PROBLEMS.clear()
    source = [page(f"{conf.ROOT}/skpref/x.py:1: UserWarning: slow")]
    conf._check_rendered_example(None, "user_guide/model", source)  # not a gallery page
    assert conf._RENDER_PROBLEMS == {}
    conf._check_rendered_example(None, "auto_examples/plot_label_complexity", source)
    assert list(conf._RENDER_PROBLEMS) == ["auto_examples/plot_label_complexity"]
    from sphinx.errors import ExtensionError

    with pytest.raises(ExtensionError, match="plot_label_complexity: line 12 shows a Python"):
        conf._fail_on_rendered_problems(None, None)
    conf._RENDER_PROBLEMS.clear()
    conf._fail_on_rendered_problems(None, None)  # nothing found: the build goes on
