"""``skpref annotate`` as a function: open the store, queue the first pairs, serve the page.

The server is uvicorn running the Starlette application of
:mod:`skpref.annotate._app` in one process: requests are served by the event
loop and a thread pool (the store's writes are serialised by one lock and
SQLite's own). The model is refitted in a separate process, which only reads
the store, so that a refit never holds the interpreter lock the requests
need (:mod:`skpref.annotate._refit`). The first queue is computed before the
server listens, so the first request already gets the strategy's choice.
"""

import ipaddress
import re
import secrets
import socket
import sys
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from .._params import BETA, C_RANGE, SEED, check_params, count
from ..campaign import build_strategy, read_pool
from ..query import STRATEGIES
from ._errors import AnnotateError
from ._queue import DEFAULT_LEASE_SECONDS, AssignmentQueue
from ._refit import Refitter
from ._store import AnnotationStore
from ._transfer import import_labels

#: What a ``--token`` may hold (it travels in URLs, headers and a cookie).
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~-]{16,256}")


def is_loopback(host):
    """Whether ``host`` (a name or an address) is the loopback only.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_token(host, token):
    """The token the server requires: ``token``, else a new one unless ``host`` is the loopback.

    Examples
    --------
    >>> resolve_token("127.0.0.1", None) is None, len(resolve_token("0.0.0.0", None)) >= 32
    (True, True)
    """
    if token is not None and not TOKEN_PATTERN.fullmatch(token):
        raise AnnotateError(
            "--token must be 16 to 256 characters from A-Z a-z 0-9 . _ ~ - (it travels in "
            "URLs and headers)."
        )
    if token is None and not is_loopback(host):
        token = secrets.token_urlsafe(24)
    return token


def pair_texts(pool, texts_path=None):
    """``texts(row) -> (prompt, first, second)`` for every pool pair, in the pool's orientation.

    From ``texts_path`` (a ``pairs`` file as ``skpref embed`` reads it:
    ``pair_id``, ``prompt``, ``response_a`` (the first item), ``response_b``)
    when given, else from the pool's own texts (a pool written by ``skpref
    embed``). Every pool pair must have its texts.
    """
    if texts_path is not None:
        from ..embed import read_text

        table = read_text(texts_path, format="pairs")
        by_id = {pair_id: k for k, pair_id in enumerate(table.ids)}
        missing = [str(pair_id) for pair_id in pool.ids.tolist() if pair_id not in by_id]
        if missing:
            shown = ", ".join(missing[:10]) + (
                f" and {len(missing) - 10} more" if len(missing) > 10 else "")
            raise AnnotateError(
                f"--texts {texts_path}: no texts for {len(missing)} of the pool's "
                f"{pool.n_pairs} pairs ({shown}); the file must hold every pool pair_id."
            )
        at = [by_id[pair_id] for pair_id in pool.ids.tolist()]
        prompts, first, second = table.prompts, table.first, table.second
        return lambda row: (prompts[at[row]], first[at[row]], second[at[row]])
    texts = pool.texts
    if texts is None or not {"prompt", "first", "second"} <= set(texts.columns):
        raise AnnotateError(
            f"--pool {pool.path} carries no texts; give --texts (a JSONL or CSV file with "
            "pair_id, prompt, response_a, response_b), or a pool written by skpref embed."
        )
    return lambda row: tuple(texts.column(name, [row])[0] for name in ("prompt", "first",
                                                                       "second"))


def bind(host, port):
    """A listening TCP socket on ``host:port`` (``SO_REUSEADDR``: a restart reuses the port)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise AnnotateError(f"--host {host}: cannot resolve it ({error.strerror}).") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise AnnotateError(
            f"--host {host} --port {port}: cannot listen there ({error.strerror})."
        ) from None
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


class Server:
    """Everything ``skpref annotate`` runs: the store, the queue, the refits and the app.

    Parameters are those of the command (see ``skpref annotate --help``;
    ``lease_seconds`` is ``--lease-minutes`` times 60). They are checked
    first (:meth:`check_params`), before the pool is read or the store is
    created. Build it, then :meth:`run` (blocks until stopped).

    Attributes
    ----------
    pool, store, queue, refitter, app
    url : str
        Where the page is, with the token when one is needed.
    token : str or None
    """

    #: The constraint of each numeric or named parameter, checked before anything is read
    #: or created (:meth:`check_params`).
    _parameter_constraints = {
        "strategy": [StrOptions(set(STRATEGIES))],
        "batch_size": [count(1)],
        "refit_every": [count(1)],
        "port": [Interval(Integral, 0, 65535, closed="both")],
        # At most a week: a longer lease keeps a pair from every other annotator for good.
        "lease_seconds": [Interval(Real, 0, 7 * 24 * 3600.0, closed="neither")],
        "C": [C_RANGE],
        "beta": [BETA, None],
        "burn_in_share": [Interval(Real, 0, 1, closed="both"), None],
        "seed": [SEED],
    }

    @classmethod
    def check_params(cls, **params):
        """Check the given parameters of a Server without building one.

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError
            A parameter outside its range; the message names it.

        Examples
        --------
        >>> from skpref.annotate import Server
        >>> Server.check_params(batch_size=20, port=0)
        >>> Server.check_params(refit_every=0)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        sklearn.utils._param_validation.InvalidParameterError: The 'refit_every' parameter \
of Server must be an int in the range [1, 2147483647]. Got 0 instead.
        """
        check_params(cls._parameter_constraints, cls.__name__, params)

    def __init__(self, pool, db, *, texts=None, labels=None, strategy="ci-location",
                 batch_size=20, refit_every=10, host="127.0.0.1", port=8765, token=None,
                 lease_seconds=DEFAULT_LEASE_SECONDS, C=1.0, beta=None, seed=0,
                 id_column="pair_id", scheduler=None, burn_in_share=None):
        self.check_params(
            strategy=strategy, batch_size=batch_size, refit_every=refit_every, port=port,
            lease_seconds=lease_seconds, C=C, beta=beta, seed=seed, burn_in_share=burn_in_share,
        )
        # A --beta or --burn-in-share the strategy lacks is refused now, not at the first refit.
        build_strategy(strategy, seed=seed, beta=beta, burn_in_share=burn_in_share)
        self.burn_in_share = burn_in_share
        token = resolve_token(host, token)
        loopback = is_loopback(host)
        self.token = token
        self.pool = read_pool(pool, id_column)
        self.scheduler = open_scheduler(self.pool, scheduler)
        try:
            self._build(db, texts, labels, strategy, batch_size, refit_every, host, port,
                        lease_seconds, C, beta, seed, loopback)
        except BaseException:
            self.close_scheduler()
            raise

    def _build(self, db, texts, labels, strategy, batch_size, refit_every, host, port,
               lease_seconds, C, beta, seed, loopback):
        token = self.token
        self.texts = pair_texts(self.pool, texts)
        self.store = AnnotationStore(db, self.pool.ids.tolist(), seed=seed)
        self.imported = 0
        if labels is not None:
            self.imported = import_labels(self.store, labels, self.pool)
        self.refitter = None
        self.queue = AssignmentQueue(
            self.store, self.texts, lease_seconds=lease_seconds,
            on_answer=lambda: self.refitter.answered(), on_drained=lambda: self.refitter.drained(),
        )
        self.refitter = Refitter(
            self.pool, self.queue, strategy=strategy, batch_size=batch_size,
            refit_every=refit_every, C=C, beta=beta, burn_in_share=self.burn_in_share, seed=seed,
            scheduler=None if self.scheduler is None else self.scheduler.address,
        )
        from ._app import create_app

        self.app = create_app(self.queue, self.refitter, token=token, loopback_only=loopback,
                              strategy=strategy)
        self.socket = bind(host, port)
        address = self.socket.getsockname()
        shown = f"[{address[0]}]" if ":" in address[0] else address[0]
        self.url = f"http://{shown}:{address[1]}/" + (f"?token={token}" if token else "")
        self.strategy = strategy

    def run(self, announce=sys.stderr):
        """Queue the first pairs, then serve until SIGINT/SIGTERM; then stop the refits."""
        import uvicorn

        first = self.refitter.refit()
        if first["error"] is not None:
            raise AnnotateError(f"the first refit failed: {first['error']}")
        self.refitter.start()
        config = uvicorn.Config(self.app, log_level="warning", access_log=False,
                                lifespan="off", timeout_graceful_shutdown=5)
        server = uvicorn.Server(config)
        if announce is not None:
            print(
                f"skpref annotate: {self.queue.labeled} of {self.queue.n_pairs} pairs labeled"
                f"{f' ({self.imported} imported)' if self.imported else ''}; {self.strategy}, "
                f"store {self.store.path}\nskpref annotate: serving at {self.url} (Ctrl-C "
                "stops)", file=announce, flush=True,
            )
        try:
            server.run(sockets=[self.socket])
        finally:
            self.refitter.stop(timeout=60)
            self.store.close()
            self.socket.close()
            self.close_scheduler()

    def close_scheduler(self):
        """Close the Dask client (and the local cluster) of ``scheduler``, if one was opened."""
        if self.scheduler is not None:
            self.scheduler.__exit__(None, None, None)
            self.scheduler = None


def open_scheduler(pool, scheduler):
    """The entered :class:`skpref._dask.Scheduler` of a pool directory's refits, or None.

    The server's own refit and the refit process use the same cluster: a
    ``"local"`` one is started here (closed when the server stops), an
    address is connected to here and again by the refit process.
    """
    if scheduler is None:
        return None
    if not pool.lazy:
        raise AnnotateError(
            f"--scheduler: pool {pool.path} is read into memory (a pool directory, DIR.zarr, "
            "is what runs on a Dask cluster); drop --scheduler."
        )
    from .._dask import Scheduler, SchedulerError

    try:
        return Scheduler(scheduler).__enter__()
    except (TypeError, SchedulerError) as error:
        raise AnnotateError(f"--scheduler: {error}") from None
