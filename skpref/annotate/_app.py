"""The web application: the labeling page and its JSON API (Starlette).

API (all JSON; every error is ``{"error": message}`` with a 4xx status)
-----------------------------------------------------------------------
``GET /api/next?annotator=NAME``
    ``200 {"assignment", "pair_id", "prompt", "left", "right"}``: the pair
    leased to ``NAME`` (the same one again while it holds an open
    assignment); ``204`` with no body when no pair is left.
``POST /api/answer`` with ``{"assignment": ..., "choice": "left"|"right"|"tie"|"skip"}``
    ``200 {"ok": true, "labeled": N}`` once the answer is committed. 404 for
    an unknown assignment, 409 for a second answer to one, 410 when its lease
    expired, 400 for a bad choice or body.
``POST /api/undo`` with ``{"annotator": NAME}``
    ``200`` with the assignment of the undone answer (same sides), or 409
    when there is nothing to undo within its window.
``GET /api/status?annotator=NAME``
    ``{"labeled", "skipped", "pool", "mine", "accuracy", "accuracy_stderr",
    "accuracy_labels", "refitting", "refits", "strategy"}`` (``mine`` only with
    ``annotator``; the accuracy is None until 10 fitted answers).

Security. POST bodies must be ``application/json`` (so that a page of
another site cannot post a form to the server: that would need a CORS
preflight, which is never granted) and at most :data:`MAX_BODY` bytes (413).
With a token, every request must carry it: ``Authorization: Bearer TOKEN``,
``?token=TOKEN`` or the ``skpref_token`` cookie that a page load with the
token sets (``HttpOnly``, ``SameSite=Strict``). Without one (loopback only),
the ``Host`` header must name the loopback (no DNS rebinding). Every response
carries a Content-Security-Policy that allows only the page's own script and
style (no inline script, nothing from the network), and the page writes the
texts with ``textContent``: a response is shown as text, never as HTML.
"""

import hmac
import json
from importlib.resources import files
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._errors import RequestError

#: Largest request body accepted, in bytes.
MAX_BODY = 16 * 1024

#: Host names a loopback server without a token answers to.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")

_SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
     b"img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]

_STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/annotate.js": ("annotate.js", "text/javascript; charset=utf-8"),
    "/static/annotate.css": ("annotate.css", "text/css; charset=utf-8"),
}


def _error(status, message):
    return JSONResponse({"error": message}, status_code=status)


def _host_name(host):
    """``"127.0.0.1:8765"`` -> ``"127.0.0.1"``, ``"[::1]:80"`` -> ``"::1"``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class _Guard:
    """ASGI middleware: the token or the loopback ``Host``, body size, security headers."""

    def __init__(self, app, token, loopback_only):
        self.app = app
        self.token = token.encode("utf-8") if token else None
        self.loopback_only = loopback_only

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {}
        for name, value in scope.get("headers", ()):
            headers.setdefault(name.lower(), value)

        async def send_secured(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", ())) + _SECURITY_HEADERS
            await send(message)

        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await refusal(scope, receive, send_secured)
            return
        await self.app(scope, receive, send_secured)

    def _refusal(self, scope, headers):
        if self.loopback_only and self.token is None:
            host = headers.get(b"host", b"").decode("latin-1")
            if _host_name(host) not in LOOPBACK_NAMES:
                return _error(421, "this server answers only to 127.0.0.1 and localhost")
        if self.token is not None and not self._has_token(scope, headers):
            return _error(401, "a token is required: open the URL the server printed, or send "
                               "'Authorization: Bearer TOKEN'")
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_long = int(length) > MAX_BODY
            except ValueError:
                return _error(400, "Content-Length is not a number")
            if too_long:
                return _error(413, f"the request body is larger than {MAX_BODY} bytes")
        return None

    def _has_token(self, scope, headers):
        offered = []
        authorization = headers.get(b"authorization", b"")
        if authorization[:7].lower() == b"bearer ":
            offered.append(authorization[7:].strip())
        for part in headers.get(b"cookie", b"").split(b";"):
            name, _, value = part.strip().partition(b"=")
            if name == b"skpref_token":
                offered.append(value)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        offered += [value.encode("latin-1", "replace") for value in query.get("token", [])]
        return any(hmac.compare_digest(value, self.token) for value in offered)


async def _json_body(request):
    """The request's JSON object; :class:`RequestError` for anything else."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        raise RequestError(415, "send the body as application/json")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise RequestError(413, f"the request body is larger than {MAX_BODY} bytes")
    try:
        value = json.loads(bytes(body).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise RequestError(400, "the body is not valid UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise RequestError(400, "the body must be a JSON object")
    return value


def _annotator_param(request):
    values = request.query_params.getlist("annotator")
    if len(values) != 1:
        raise RequestError(400, "give the annotator's name once: ?annotator=NAME")
    return values[0]


def create_app(queue, refitter, *, token=None, loopback_only=True, strategy="ci-location"):
    """The ASGI application of ``skpref annotate``.

    Parameters
    ----------
    queue : AssignmentQueue
    refitter : Refitter
    token : str or None
        Required on every request when given.
    loopback_only : bool, default=True
        Without a token, answer only requests whose ``Host`` is the loopback.
    strategy : str
        Shown in the status.

    Returns
    -------
    app : ASGI application
    """
    static = {
        path: ((files("skpref.annotate") / "static" / name).read_bytes(), kind)
        for path, (name, kind) in _STATIC.items()
    }

    async def page(request):
        content, kind = static[request.url.path]
        response = Response(content, media_type=kind.split(";")[0])
        response.headers["content-type"] = kind
        if token and request.url.path == "/" and "token" in request.query_params:
            response.set_cookie("skpref_token", token, httponly=True, samesite="strict")
        return response

    async def next_pair(request):
        annotator = _annotator_param(request)
        found = await run_in_threadpool(queue.next, annotator)
        if found is None:
            return Response(status_code=204)
        return JSONResponse(found)

    async def answer(request):
        body = await _json_body(request)
        unknown = sorted(set(body) - {"assignment", "choice"})
        if unknown:
            raise RequestError(400, f"unknown field(s): {', '.join(map(str, unknown))[:200]}")
        labeled = await run_in_threadpool(queue.answer, body.get("assignment"),
                                          body.get("choice"))
        return JSONResponse({"ok": True, "labeled": labeled})

    async def undo(request):
        body = await _json_body(request)
        return JSONResponse(await run_in_threadpool(queue.undo, body.get("annotator")))

    async def status(request):
        annotator = request.query_params.get("annotator")
        mine = await run_in_threadpool(queue.count_of, annotator) if annotator else None
        last = refitter.last or {}
        return JSONResponse({
            "labeled": queue.labeled, "skipped": queue.skipped, "pool": queue.n_pairs,
            "mine": mine, "accuracy": last.get("accuracy"),
            "accuracy_stderr": last.get("accuracy_stderr"),
            "accuracy_labels": last.get("n_labels"), "refitting": refitter.running,
            "refits": refitter.count, "strategy": strategy,
        })

    async def refused(request, error):
        return _error(error.status, error.message)

    async def not_found(request, error):
        status = getattr(error, "status_code", 404)
        if not 400 <= status < 500:
            status = 404
        return _error(status, "no such page" if status == 404 else str(getattr(
            error, "detail", "bad request")))

    routes = [Route(path, page, methods=["GET"]) for path in static]
    routes += [
        Route("/api/next", next_pair, methods=["GET"]),
        Route("/api/answer", answer, methods=["POST"]),
        Route("/api/undo", undo, methods=["POST"]),
        Route("/api/status", status, methods=["GET"]),
    ]
    from starlette.exceptions import HTTPException

    app = Starlette(routes=routes, exception_handlers={
        RequestError: refused, HTTPException: not_found,
    })
    return _Guard(app, token, loopback_only)
