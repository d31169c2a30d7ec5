"""A fake web server for pages and feeds, plus the loopback server base all fakes share.

Every fake here is a real HTTP/1.1 server (``http.server.ThreadingHTTPServer``) bound to
127.0.0.1 on an OS-chosen port. It is bounded and self-stopping:

* a context manager (``with FakeWeb() as web: ...``), or ``start()`` / ``stop()``;
* it serves from a daemon thread, and handler threads are daemons too;
* a hard lifetime timer (default 120 s) stops it even if a test forgets to;
* every per-request delay waits on the stop event and is capped at ``MAX_DELAY``;
* ``stop()`` closes the listening socket *and* every open keep-alive connection.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple, Self

HOST = "127.0.0.1"
DEFAULT_LIFETIME = 120.0
MAX_DELAY = 60.0
IDLE_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
POLL_INTERVAL = 0.01
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie"}
)


def redact_headers(headers: Mapping[str, str] | Any) -> dict[str, str]:
    """Headers as a dict with lower-case names and secrets replaced by ``REDACTED``.

    ``Authorization: Bearer sk-...`` becomes ``{"authorization": "Bearer REDACTED"}`` so a
    test can still see which scheme was sent.
    """
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = str(name).lower()
        text = str(value)
        if key in _SECRET_HEADERS:
            scheme, sep, _rest = text.partition(" ")
            text = f"{scheme} REDACTED" if sep and scheme.isalpha() else "REDACTED"
        out[key] = text
    return out


class Handler(BaseHTTPRequestHandler):
    """Request handler shared by the fakes: reads bodies, writes framed responses."""

    protocol_version = "HTTP/1.1"  # keep-alive; every response carries Content-Length
    disable_nagle_algorithm = True  # else each keep-alive reply waits ~40 ms for a delayed ACK
    server_version = "briefer-fake/1.0"
    sys_version = ""
    timeout = IDLE_TIMEOUT  # idle keep-alive connections are closed after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.fake._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def _dispatch(self) -> None:
        try:
            self.server.fake._handle(self)
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client hung up or timed out first
        except Exception as error:  # a bug in a fake or a responder: report it, answer 500
            self.server.fake._record_error(f"{self.command} {self.path}: {error!r}")
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.respond(500, f"fake server error: {error!r}")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    # -- request helpers ------------------------------------------------------------------

    @property
    def route(self) -> str:
        """The request path without the query string."""
        return self.path.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.path.split("?", 1)[1] if "?" in self.path else ""

    def read_body(self) -> bytes:
        """The request body (Content-Length or chunked); call at most once."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)  # CRLF after each chunk
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    # -- response helpers -----------------------------------------------------------------

    def respond(
        self,
        status: int,
        body: bytes | str = b"",
        *,
        content_type: str = "text/plain; charset=utf-8",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Send one complete response with Content-Length (safe for keep-alive)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        extra = dict(headers or {})
        lowered = {k.lower() for k in extra}
        if "content-type" not in lowered:
            self.send_header("Content-Type", content_type)
        for name, value in extra.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and data:
            self.wfile.write(data)
        self.wfile.flush()

    def drop(self) -> None:
        """Close the TCP connection without sending any HTTP response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: LoopbackServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup: skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out or hang up are expected here: stay quiet about them."""


class LoopbackServer:
    """Base of the fakes: a bounded, self-stopping HTTP server on 127.0.0.1:<port 0>."""

    def __init__(self, *, lifetime: float = DEFAULT_LIFETIME) -> None:
        if lifetime <= 0:
            raise ValueError("lifetime must be positive")
        self.lifetime = lifetime
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None
        self._connections: set[socket.socket] = set()
        self._connections_changed = threading.Condition(self._lock)
        self._errors: list[str] = []
        self.expired = False
        """True once the lifetime timer (not ``stop()``) shut the server down."""

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        with self._lock:
            if self._httpd is not None:
                raise RuntimeError(f"{type(self).__name__} can only be started once")
            httpd = _Server((HOST, 0), Handler)
            httpd.fake = self
            self._httpd = httpd
            self._thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": POLL_INTERVAL},
                name=f"{type(self).__name__}:{httpd.server_port}",
                daemon=True,
            )
            self._thread.start()
            self._timer = threading.Timer(self.lifetime, self._expire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and join the threads.

        Idempotent; a second caller (e.g. ``__exit__`` racing the lifetime timer) waits for
        the first to finish. When it returns the port is closed.
        """
        with self._lock:
            httpd = self._httpd
            if httpd is None:
                return
            first = not self._stopping.is_set()
            self._stopping.set()  # wakes handlers sleeping in delay()
            timer = self._timer
        if not first:
            self._stopped.wait(STOP_TIMEOUT)
            return
        try:
            if timer is not None and timer is not threading.current_thread():
                timer.cancel()
            httpd.shutdown()
            httpd.server_close()
            with self._lock:
                for conn in list(self._connections):
                    with contextlib.suppress(OSError):
                        conn.shutdown(socket.SHUT_RDWR)
                self._connections_changed.wait_for(lambda: not self._connections, timeout=2.0)
            if self._thread is not None:
                self._thread.join(timeout=STOP_TIMEOUT)
        finally:
            self._stopped.set()

    def wait_stopped(self, timeout: float) -> bool:
        """Wait until the server has fully stopped (e.g. by its lifetime); True if it has."""
        return self._stopped.wait(timeout)

    def _expire(self) -> None:
        self.expired = True
        self.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True from ``start()`` until ``stop()`` (or the lifetime timer) has finished."""
        return self._httpd is not None and not self._stopped.is_set()

    @property
    def stopping(self) -> bool:
        """True as soon as a stop has begun (in-flight handlers should give up)."""
        return self._stopping.is_set()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._httpd.server_port

    @property
    def server_address(self) -> tuple[str, int]:
        """The (host, port) the listening socket is bound to."""
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        host, port = self._httpd.socket.getsockname()[:2]
        return str(host), int(port)

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def errors(self) -> list[str]:
        """Exceptions raised while handling requests (e.g. by a responder), as text."""
        with self._lock:
            return list(self._errors)

    # -- for subclasses ---------------------------------------------------------------------

    def delay(self, seconds: float) -> None:
        """Sleep up to ``seconds`` (capped at MAX_DELAY); returns early when stopping."""
        if seconds > 0:
            self._stopping.wait(min(seconds, MAX_DELAY))

    def _handle(self, request: Handler) -> None:
        request.respond(404, "not found")

    def _record_error(self, text: str) -> None:
        with self._lock:
            self._errors.append(text)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
                self._connections_changed.notify_all()


class WebRequest(NamedTuple):
    """One GET/HEAD the fake web server received: ``(path, headers)``."""

    path: str
    headers: dict[str, str]


class _Page(NamedTuple):
    body: bytes
    status: int
    content_type: str
    headers: dict[str, str]
    drip: float


class FakeWeb(LoopbackServer):
    """Serves pages and feeds a test registers with ``add``; anything else is a 404.

    ``path`` may carry a query string; an exact ``path?query`` match wins over ``path``.
    HEAD answers with the headers only. Redirects: ``add("/a", "", status=301,
    headers={"Location": web.url("/b")})``. A slow server: ``add("/slow", body, drip=0.2)``
    sends the headers at once, then one byte of the body every 0.2 s (until the fake stops).
    """

    def __init__(self, *, lifetime: float = DEFAULT_LIFETIME) -> None:
        super().__init__(lifetime=lifetime)
        self._pages: dict[str, _Page] = {}
        self._requests: list[WebRequest] = []

    def url(self, path: str) -> str:
        if not path.startswith("/"):
            path = "/" + path
        return f"{self.origin}{path}"

    def add(
        self,
        path: str,
        body: str | bytes,
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        drip: float = 0.0,
    ) -> None:
        if not path.startswith("/"):
            path = "/" + path
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self._pages[path] = _Page(data, status, content_type, dict(headers or {}), drip)

    @property
    def requests(self) -> list[WebRequest]:
        """(path, headers) of each request, in order; header names lower-cased."""
        with self._lock:
            return list(self._requests)

    def _handle(self, request: Handler) -> None:
        request.read_body()
        record = WebRequest(request.path, redact_headers(request.headers))
        with self._lock:
            self._requests.append(record)
            page = self._pages.get(request.path) or self._pages.get(request.route)
        if request.command not in ("GET", "HEAD"):
            request.respond(405, "method not allowed", headers={"Allow": "GET, HEAD"})
        elif page is None:
            request.respond(404, "<h1>404 Not Found</h1>", content_type="text/html; charset=utf-8")
        elif page.drip > 0 and request.command == "GET":
            self._drip(request, page)
        else:
            request.respond(
                page.status, page.body, content_type=page.content_type, headers=page.headers
            )

    def _drip(self, request: Handler, page: _Page) -> None:
        """The headers now, then the body a byte at a time, ``page.drip`` seconds apart."""
        request.send_response(page.status)
        request.send_header("Content-Type", page.content_type)
        for name, value in page.headers.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(page.body)))
        request.end_headers()
        request.wfile.flush()
        for index in range(len(page.body)):
            if self.stopping:
                request.close_connection = True
                return
            request.wfile.write(page.body[index : index + 1])
            request.wfile.flush()
            self.delay(page.drip)
