"""One-way layers: importing a lower layer loads nothing of the layers above it.

maths -> model -> strategies (``skpref.query``, ``skpref.design``) -> loops -> campaign /
benchmark -> cli. Each check runs in a fresh interpreter, so that no earlier import of the
suite hides a dependency. The cli layer is checked in its source (``ast``): it imports only
public names of the layers below, and no library module imports argparse or the cli.

scikit-learn itself imports ``scipy.stats`` (``sklearn.utils`` does, on current releases), so
"``import skpref.query`` loads no scipy.stats" is checked as what skpref controls: no skpref
module imports it while it is imported. The one skpref function that needs it
(:func:`skpref._stats.clopper_pearson_upper`, and the study) imports it when called.
"""

import ast
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


# -- the command line: one layer on top, through public names only ------------------------

PACKAGE = REPOSITORY_ROOT / "skpref"


def _module_name(path):
    """``skpref/cli/_main.py`` -> ``skpref.cli._main``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(REPOSITORY_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    """``(line, imported module, names)`` of every import in ``path``, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            found.append((node.lineno, module, tuple(alias.name for alias in node.names)))
    return found


def _private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _private_imports(path):
    """Imports of ``path`` that reach a private skpref module or name outside skpref.cli."""
    bad = []
    for line, module, names in _imports(path):
        if module != "skpref" and not module.startswith("skpref."):
            continue
        if module == "skpref.cli" or module.startswith("skpref.cli."):
            continue  # the layer's own modules
        if any(_private(part) for part in module.split(".")) or any(map(_private, names)):
            bad.append(f"{path.relative_to(REPOSITORY_ROOT)}:{line}: {module} {list(names)}")
    return bad


def test_the_cli_calls_only_public_names_of_the_layers_below():
    # cli.py imported skpref.campaign._command, skpref.benchmark._command, ...; those imported
    # skpref._cli_types, skpref._atomic, skpref._text and their own layer's private modules.
    modules = sorted((PACKAGE / "cli").glob("*.py"))
    assert {path.name for path in modules} >= {"__init__.py", "_main.py"}
    bad = [line for path in modules for line in _private_imports(path)]
    assert bad == [], "\n".join(bad)


def test_no_library_module_imports_argparse_or_the_cli():
    # The campaign, annotate, embed and benchmark layers held argparse parsers (_command.py)
    # and skpref._cli_types sat at the bottom of the stack.
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if (PACKAGE / "cli") in path.parents or path == PACKAGE / "__main__.py":
            continue  # the layer itself, and ``python -m skpref``, which runs it
        for line, module, names in _imports(path):
            if module == "skpref" and "cli" in names:  # from .. import cli
                module = "skpref.cli"
            if module == "argparse" or module == "skpref.cli" or module.startswith("skpref.cli."):
                bad.append(f"{path.relative_to(REPOSITORY_ROOT)}:{line}: imports {module}")
    assert bad == [], "\n".join(bad)


def test_the_import_checks_see_private_and_relative_imports(tmp_path):
    # The two checks above can fail: a private module, a private name and a relative import
    # of either are all found, and argparse too.
    root = tmp_path / "skpref"
    (root / "cli").mkdir(parents=True)
    probe = root / "cli" / "_probe.py"
    probe.write_text(
        "import argparse\n"
        "from ..campaign._select import select_batch\n"
        "from ..campaign import _select\n"
        "from skpref._text import plural\n"
        "from ..campaign import select_batch\n"
        "from ._options import integer\n"
        "from .. import __version__\n"
    )
    global REPOSITORY_ROOT
    saved, REPOSITORY_ROOT = REPOSITORY_ROOT, tmp_path
    try:
        found = _private_imports(probe)
        modules = [module for _, module, _ in _imports(probe)]
    finally:
        REPOSITORY_ROOT = saved
    assert [line.split(":")[1] for line in found] == ["2", "3", "4"]
    assert modules == ["argparse", "skpref.campaign._select", "skpref.campaign", "skpref._text",
                       "skpref.campaign", "skpref.cli._options", "skpref"]
