"""One GET of a page or feed: a per-read timeout, a total deadline, a size cap, a user agent.

httpx's timeouts bound each connect and each read, so a server dripping a byte every half
second never trips them. The total deadline is kept by downloading in a daemon thread and
giving up on it when the deadline passes; the thread stops at its next chunk (or its next
read timeout) and closes the response. Every message names the URL without its credentials.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from briefer.errors import InputError
from briefer.urls import redact_url

if TYPE_CHECKING:  # httpx (0.1 s to import, with its CLI) loads only when a URL is fetched
    import httpx

DEFAULT_FETCH_DEADLINE = 30.0
DEFAULT_MAX_BYTES = 5_000_000
USER_AGENT = "briefer/0.1 (+https://pypi.org/project/briefer/)"
# Content types that are never an article: refused from the headers, before the body.
_BINARY_MAJOR_TYPES = frozenset({"image", "audio", "video", "font", "model"})
_BINARY_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-bzip2",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/x-rar-compressed",
        "application/wasm",
        "application/msword",
    }
)


def _reasons() -> tuple[tuple[type[httpx.HTTPError], str, str], ...]:
    import httpx

    return (
        (httpx.TooManyRedirects, "it redirects in a loop or too many times", "check the URL"),
        (httpx.UnsupportedProtocol, "not an http(s) URL", "check the URL"),
        (
            httpx.ConnectTimeout,
            "timed out connecting",
            "check the URL and network, or raise --timeout",
        ),
        (httpx.ReadTimeout, "timed out waiting for data", "try again later, or raise --timeout"),
        (httpx.ConnectError, "could not connect", "check the URL and network"),
        (httpx.RemoteProtocolError, "the server broke off the answer", "try again later"),
    )


def check_http_url(url: str) -> None:
    """An InputError naming ``url`` (without its credentials) if the HTTP client cannot parse it."""
    import httpx

    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError) as error:
        raise InputError(_invalid_url(url, error)) from None


def _invalid_url(url: str, error: Exception) -> str:
    shown = redact_url(url)
    # httpx quotes the part it could not parse, which may be a password: the detail is shown
    # only when everything it quotes is already in the redacted URL.
    quoted = re.findall(r"'([^']*)'", str(error))
    detail = f" ({error})" if quoted and all(part in shown for part in quoted) else ""
    return f"{shown}: not a valid URL{detail}; check it"


def new_client(timeout: float) -> httpx.Client:
    import httpx

    return httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})


def fetch_bytes(
    url: str,
    *,
    timeout: float = 20.0,
    deadline: float = DEFAULT_FETCH_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    client: httpx.Client | None = None,
) -> tuple[bytes, str]:
    """GET ``url``: (body, lower-cased content type), or an InputError naming the URL.

    ``timeout`` bounds each connect and read; ``deadline`` the whole fetch, redirects included.
    """
    check_http_url(url)
    download = _Download(url, timeout=min(timeout, deadline), max_bytes=max_bytes, client=client)
    worker = threading.Thread(target=download.run, name="briefer-fetch", daemon=True)
    worker.start()
    try:
        finished = download.done.wait(deadline)
    finally:
        download.cancelled.set()  # a no-op once finished; else the worker stops at its next chunk
    if not finished:
        raise InputError(
            f"{download.shown}: no complete answer within the {deadline:g}-second fetch "
            "deadline; try again later, or raise fetch_deadline in briefer.toml"
        )
    return download.result()


class _Cancelled(Exception):
    """The caller gave up (deadline or Ctrl-C): stop downloading."""


class _Download:
    def __init__(
        self, url: str, *, timeout: float, max_bytes: int, client: httpx.Client | None
    ) -> None:
        self.url = url
        self.shown = redact_url(url)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.client = client
        self.done = threading.Event()
        self.cancelled = threading.Event()
        self._body: tuple[bytes, str] | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._body = self._get()
        except BaseException as error:  # handed to the waiting caller, never lost in a thread
            self._error = error
        finally:
            self.done.set()

    def result(self) -> tuple[bytes, str]:
        if self._error is not None:
            raise self._error
        assert self._body is not None
        return self._body

    def _get(self) -> tuple[bytes, str]:
        import httpx

        http = self.client or new_client(self.timeout)
        try:
            with http.stream("GET", self.url) as response:
                content_type = self._checked(response)
                return self._read(response), content_type
        except httpx.HTTPError as error:
            raise InputError(_why(self.shown, error)) from error
        except (httpx.InvalidURL, ValueError, UnicodeError) as error:  # e.g. a redirect's
            raise InputError(_invalid_url(self.url, error)) from error
        finally:
            if self.client is None:
                http.close()

    def _checked(self, response: httpx.Response) -> str:
        status = response.status_code
        if status >= 400:
            fix = "try again later" if status >= 500 or status == 429 else "check the URL"
            raise InputError(f"{self.shown}: the server answered HTTP {status}; {fix}")
        content_type = str(response.headers.get("content-type", "")).lower()
        media = content_type.split(";", 1)[0].strip()
        if media.split("/", 1)[0] in _BINARY_MAJOR_TYPES or media in _BINARY_TYPES:
            raise InputError(
                f"{self.shown}: the server sent {media}, not a page or text; "
                "give the article's own page, or save its text to a file"
            )
        return content_type

    def _read(self, response: httpx.Response) -> bytes:
        chunks: list[bytes] = []
        received = 0
        for chunk in response.iter_bytes():
            if self.cancelled.is_set():
                raise _Cancelled
            received += len(chunk)
            if received > self.max_bytes:
                raise InputError(
                    f"{self.shown}: the page is over the {self.max_bytes:,}-byte limit; "
                    "give a smaller page, or save the article's text to a file"
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _why(shown: str, error: httpx.HTTPError) -> str:
    for kind, reason, fix in _reasons():
        if isinstance(error, kind):
            return f"{shown}: could not fetch ({reason}); {fix}"
    return f"{shown}: could not fetch ({type(error).__name__}); check the URL and network"


__all__ = ["DEFAULT_FETCH_DEADLINE", "DEFAULT_MAX_BYTES", "USER_AGENT", "fetch_bytes", "new_client"]
