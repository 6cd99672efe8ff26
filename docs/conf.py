"""Sphinx configuration of the skpref documentation.

Build from the repository root with warnings as errors (as ``.ci/run`` does)::

    python -m pip install ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

The gallery runs every ``examples/plot_*.py`` script; set ``SKPREF_DATA`` to
the directory of the real preference datasets for examples that read them.
"""

import os
import sys
from pathlib import Path

# Document the checkout this file lives in, not another installed copy.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Figures are rendered to files, never shown; one BLAS thread per example
# keeps timings stable on small machines (set before numpy is imported).
os.environ.setdefault("MPLBACKEND", "Agg")
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import skpref  # noqa: E402

sys.path.insert(0, str(ROOT / "docs"))
import _rendered  # noqa: E402

project = "skpref"
author = "skpref developers"
copyright = "skpref developers"
release = skpref.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "README.md", "auto_examples/*.ipynb", "auto_examples/*.py"]
root_doc = "index"
default_role = "literal"

# -- API reference -------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
# Members are listed by the class template; numpydoc only renders sections.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Keep numpydoc's cross-referencing off: parameter types such as
# "array-like of shape (n, d)" are prose, not targets.
numpydoc_xref_param_type = False

# -- gallery -------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # Every plot_*.py script is executed by the build, so a broken example
    # fails the documentation (and CI).
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "doc_module": ("skpref",),
    "reference_url": {"skpref": None},
    "backreferences_dir": "generated/backreferences",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "show_memory": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
}

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skpref {release}"
html_static_path = []
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
    "header_links_before_dropdown": 5,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": [], "auto_examples/index": []}


from sphinx.util import logging as _sphinx_logging  # noqa: E402

_LOGGER = _sphinx_logging.getLogger("skpref.docs")


# -- skipped members -----------------------------------------------------------
def _skip_metadata_request_methods(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated ``set_<method>_request`` methods.

    scikit-learn adds them to every estimator whose ``fit`` or ``score`` takes
    ``sample_weight``; their docstrings point into scikit-learn's own
    documentation, so they would be dangling links here.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


# -- rendered examples ---------------------------------------------------------
_RENDER_PROBLEMS = {}


def _check_rendered_example(app, docname, source):
    """Record every warning and build-machine path in a generated example page.

    sphinx-gallery writes each example's output into ``auto_examples/*.rst``;
    a page that shows a ``UserWarning`` or the absolute path of this checkout,
    the virtual environment, the home or the temporary directory is reported
    here (a Sphinx warning, fatal under ``-W``) and fails the build in
    :func:`_fail_on_rendered_problems` even without ``-W``.
    """
    if not docname.startswith("auto_examples/"):
        return
    found = _rendered.problems(source[0], _rendered.machine_paths(ROOT))
    for problem in found:
        _LOGGER.warning(f"{docname}: {problem}", location=docname)
    if found:
        _RENDER_PROBLEMS[docname] = found


def _fail_on_rendered_problems(app, exception):
    if exception is None and _RENDER_PROBLEMS:
        from sphinx.errors import ExtensionError

        listed = "; ".join(
            f"{name}: {', '.join(found)}" for name, found in _RENDER_PROBLEMS.items()
        )
        raise ExtensionError(
            "gallery pages show Python warnings or the build machine's paths (make the "
            f"example say what ran, without them): {listed}"
        )


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_methods)
    app.connect("source-read", _check_rendered_example)
    app.connect("build-finished", _fail_on_rendered_problems)
