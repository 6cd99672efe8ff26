"""What a rendered gallery page must not show: Python warnings and the build machine's paths.

sphinx-gallery runs every example and writes its output into the page. A
warning printed there (``.../skpref/design/_study.py:123: UserWarning: ...``)
is noise before the number the example is about, and a path of the machine
that built the docs (the checkout, the virtual environment, the home
directory, the temporary directory) means nothing to a reader and tells them
about our machine. ``conf.py`` runs :func:`problems` on every generated
example page (Sphinx's ``source-read`` event) and fails the build, with or
without ``-W``, when any page has one.
"""

import os
import re
import sys
import tempfile
from pathlib import Path

#: A warning as ``warnings.showwarning`` prints it: ``<file>:<line>: <Category>: <message>``,
#: or a category name alone at the start of a line (``UserWarning: ...``).
WARNING_LINE = re.compile(
    r"^[ \t]*(?:.*:\d+: )?(?P<category>[A-Z]\w*Warning): (?P<message>.*)$", re.MULTILINE
)


#: Top-level directories shared by every machine: never a "machine path" on their own.
SYSTEM_DIRECTORIES = frozenset(
    {"usr", "opt", "var", "etc", "bin", "lib", "lib64", "sbin", "srv", "mnt", "proc", "dev"}
)


def machine_paths(root):
    """Absolute paths of the build machine that a page must not contain.

    The checkout ``root``, the Python installation (``sys.prefix``, the
    virtual environment, ``sys.base_prefix``), the home directory and the
    temporary directory, longest first; never ``/`` or a shared system
    directory such as ``/usr`` alone (they would match every page).

    Examples
    --------
    >>> "/usr" in machine_paths("/home/ci/skpref"), "/home/ci/skpref" in machine_paths(
    ...     "/home/ci/skpref")
    (False, True)
    """
    candidates = {
        str(Path(root).resolve()), str(root), sys.prefix, sys.base_prefix, sys.exec_prefix,
        os.path.expanduser("~"), tempfile.gettempdir(), os.path.realpath(tempfile.gettempdir()),
    }
    kept = set()
    for path in candidates:
        path = path.rstrip("/")
        if not (path and os.path.isabs(path)):
            continue
        parts = Path(path).parts
        if len(parts) < 2 or (len(parts) == 2 and parts[1] in SYSTEM_DIRECTORIES):
            continue
        kept.add(path)
    return sorted(kept, key=len, reverse=True)


def problems(text, paths):
    """The warnings and machine paths in one page's text, one message each.

    Parameters
    ----------
    text : str
        The page source (the reST that sphinx-gallery wrote for an example).
    paths : list of str
        The paths of :func:`machine_paths`.

    Returns
    -------
    list of str

    Examples
    --------
    >>> page = "rho* = 42\\n/home/ci/skpref/skpref/x.py:3: UserWarning: slow\\n  warn()\\n"
    >>> for problem in problems(page, ["/home/ci", "/home/ci/skpref"]):
    ...     print(problem)
    line 2 shows a Python warning: UserWarning: slow
    line 2 shows the build machine's path /home/ci/skpref
    >>> problems("accuracy 0.61 +- 0.01\\n", ["/home/ci/skpref"])
    []
    """
    found = []
    for match in WARNING_LINE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found.append(
            f"line {line} shows a Python warning: {match['category']}: {match['message'].strip()}"
        )
    covered = []  # spans already reported under a longer path
    for path in sorted(paths, key=len, reverse=True):
        for match in re.finditer(re.escape(path) + r"(?![\w.-])", text):
            if any(start <= match.start() < end for start, end in covered):
                continue
            covered.append(match.span())
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line} shows the build machine's path {path}")
    return found
