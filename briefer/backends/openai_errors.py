"""What an error of the openai SDK means: worth retrying, billed, and in a few words.

The retry layer (``backends.openai.RetryingBackend``) asks these of every failed attempt.
They read the SDK's exception classes and the causes under them, never a message's text
(but for the schema rejection, which has no class of its own); nothing here prints a URL
or a key.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import openai


def is_transient(error: BaseException) -> bool:
    """Errors worth another attempt: rate limits, server errors, timeouts, dropped connections."""
    import openai

    if isinstance(error, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code in (408, 409, 429) or error.status_code >= 500
    return False


def reached_endpoint(error: BaseException) -> bool:
    """Whether a failed attempt's request got to the endpoint (and may be billed).

    An answered status, a read timeout or a connection dropped mid-answer did; a refused
    connection, an unknown host, a failed TLS handshake or a connect timeout did not.
    """
    import socket
    import ssl  # lazy, with the SDK: only a failed request asks

    import openai

    if isinstance(error, openai.APIStatusError):
        return True
    if not isinstance(error, openai.APIConnectionError):
        return False
    for cause in _causes(error):
        # By name: the SDK's HTTP library (httpx, or httpx2 for openai 3) has these classes.
        if type(cause).__name__ in _NOT_SENT:
            return False
        if isinstance(cause, ConnectionRefusedError | socket.gaierror | ssl.SSLError):
            return False
    return True


_NOT_SENT = frozenset({"ConnectError", "ConnectTimeout", "UnsupportedProtocol"})


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and all(cause is not seen for seen in chain):
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def mentions_schema(error: openai.APIStatusError) -> bool:
    return bool(re.search(r"response_format|json_schema|schema", str(error.message), re.IGNORECASE))


def connection_problem(error: openai.APIConnectionError) -> str:
    """What went wrong under a connection error, in a few words (never a URL or a key)."""
    import socket
    import ssl

    import openai

    if isinstance(error, openai.APITimeoutError):
        return "timed out"
    for cause in _causes(error):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host not found"
        if isinstance(cause, ssl.SSLError):
            return "TLS handshake failed"
        if isinstance(cause, TimeoutError):
            return "timed out"
    return "connection failed"


def rate_limited(error: openai.APIError) -> bool:
    import openai

    return isinstance(error, openai.APIStatusError) and error.status_code == 429


def describe(error: openai.APIError) -> str:
    import openai

    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code} from the endpoint"
    return type(error).__name__
