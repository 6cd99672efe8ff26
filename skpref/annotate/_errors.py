"""The errors of the annotation server: a bad request (with its HTTP status) and a bad store."""

from ..exceptions import InputError


class AnnotateError(InputError):
    """A problem with the command's files or options (``skpref annotate``/``export``, exit 1)."""


class RequestError(ValueError):
    """A request the API refuses; ``status`` is its HTTP status (always a 4xx).

    Parameters
    ----------
    status : int
        400 (malformed), 401 (no or wrong token), 404 (unknown assignment),
        409 (answered already), 410 (lease expired), 413 (body too large),
        415 (not JSON).
    message : str
        Shown to the client as ``{"error": message}``.
    """

    def __init__(self, status, message):
        if not 400 <= status < 500:
            raise ValueError(f"a RequestError is a 4xx, got {status}")
        super().__init__(message)
        self.status = status
        self.message = message
