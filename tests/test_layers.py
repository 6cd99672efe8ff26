"""One-way layers: importing a lower layer loads nothing of the layers above it.

maths -> model -> strategies (``skpref.query``, ``skpref.design``) -> loops -> campaign /
benchmark -> cli. Each check runs in a fresh interpreter, so that no earlier import of the
suite hides a dependency.

scikit-learn itself imports ``scipy.stats`` (``sklearn.utils`` does, on current releases), so
"``import skpref.query`` loads no scipy.stats" is checked as what skpref controls: no skpref
module imports it while it is imported. The one skpref function that needs it
(:func:`skpref._stats.clopper_pearson_upper`, and the study) imports it when called.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]

#: Records, for each watched module, the innermost source file that imported it.
_PROBE = r"""
import importlib, json, sys, traceback

WATCHED = ("scipy.stats", "matplotlib")
importers = {}


def _importer():
    for frame in reversed(traceback.extract_stack()[:-2]):
        name = frame.filename.replace("\\", "/")
        if name.startswith("<frozen") or "/importlib/" in name or name.endswith(
            "/scipy/__init__.py"  # scipy's lazy submodules: the caller is further out
        ):
            continue
        return name
    return "?"


class Spy:
    def find_spec(self, name, path=None, target=None):
        if name in WATCHED and name not in importers:
            importers[name] = _importer()
        return None


sys.path[:0] = sys.argv[2:]  # where a test's own module lives
sys.meta_path.insert(0, Spy())
importlib.import_module(sys.argv[1])
print(json.dumps({
    "modules": sorted(sys.modules),
    "importers": importers,
}))
"""


def _imported_by(module, *path):
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, module, *path],
        capture_output=True, text=True, check=True, cwd=REPOSITORY_ROOT,
    )
    return json.loads(result.stdout.splitlines()[-1])


def _skpref_file(path):
    return "/skpref/" in path and "/tests/" not in path


@pytest.mark.parametrize("module", ["skpref.query", "skpref.design", "skpref.active"])
def test_the_strategies_load_no_experiment_no_plotting_and_no_scipy_stats(module):
    # import skpref.design loaded skpref.design._study (the study), and with it scipy.stats.
    loaded = _imported_by(module)
    modules = loaded["modules"]
    assert not [name for name in modules if name.startswith("skpref.benchmark")]
    assert not [name for name in modules if name.startswith("skpref.campaign")]
    assert not [name for name in modules if name.startswith("skpref.design._study")]
    assert "matplotlib" not in modules
    importer = loaded["importers"].get("scipy.stats")
    assert importer is None or not _skpref_file(importer), importer


def test_the_benchmark_loads_neither_its_peer_the_campaign_nor_plotting():
    loaded = _imported_by("skpref.benchmark")
    assert not [name for name in loaded["modules"] if name.startswith("skpref.campaign")]
    assert "matplotlib" not in loaded["modules"]  # the figures import it when drawn
    importer = loaded["importers"].get("scipy.stats")
    assert importer is None or not _skpref_file(importer), importer


def test_the_probe_names_the_module_that_imports(tmp_path):
    # The checks above can fail: a module that imports scipy.stats itself is named.
    (tmp_path / "layered.py").write_text("import numpy\nfrom scipy import stats\n")
    importers = _imported_by("layered", str(tmp_path))["importers"]
    assert importers["scipy.stats"] == str(tmp_path / "layered.py")
