"""``skpref annotate``: a labeling page driven by the active learner, on an SQLite store.

A web page (Starlette on uvicorn, ``pip install "skpref[annotate]"``) shows
a prompt and two responses side by side and records every answer in an
SQLite store; the next pairs come from the campaign's query strategy, and the
model is refitted in the background every few answers. ``skpref export``
writes the labels CSV that ``skpref select``, ``status`` and ``fit`` read.

* :class:`AnnotationStore` (:mod:`~skpref.annotate._store`): the SQLite
  file, its schema, and its durability (WAL, ``synchronous=FULL``, one
  transaction per answer);
* :class:`AssignmentQueue` (:mod:`~skpref.annotate._queue`): leases, sides,
  answers, undo;
* :class:`Refitter` (:mod:`~skpref.annotate._refit`): the background refits, in their own
  process;
* :func:`create_app` (:mod:`~skpref.annotate._app`): the page and the JSON API;
* :class:`Server`: all of it, as ``skpref annotate`` runs it;
* :func:`export_labels`, :func:`import_labels`: labels CSV out of and into a store.

Only :class:`AnnotationStore`, :class:`AssignmentQueue`, :class:`Refitter`,
:func:`export_labels` and :func:`import_labels` work without Starlette;
:func:`create_app` and :class:`Server` need the extra.
"""

from ._errors import AnnotateError, RequestError
from ._queue import CHOICES, DEFAULT_LEASE_SECONDS, AssignmentQueue, label_of
from ._refit import Refitter, labels_from_answers
from ._store import AnnotationStore, live_answers
from ._transfer import EXPORT_COLUMNS, export_csv, export_labels, import_labels


def create_app(*args, **kwargs):
    """The ASGI application (see :func:`skpref.annotate._app.create_app`); needs Starlette."""
    from ._app import create_app as create

    return create(*args, **kwargs)


def __getattr__(name):
    if name == "Server":
        from ._serve import Server

        return Server
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AnnotateError", "AnnotationStore", "AssignmentQueue", "CHOICES", "DEFAULT_LEASE_SECONDS",
    "EXPORT_COLUMNS", "Refitter", "RequestError", "Server", "create_app", "export_csv",
    "export_labels", "import_labels", "label_of", "labels_from_answers", "live_answers",
]
