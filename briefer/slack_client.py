"""How briefer drives slack_sdk: quiet redacting loggers, retry rules, errors as one line.

Retries: a 429 waits for its Retry-After (a wait longer than ``MAX_RETRY_AFTER`` is not
waited for: the run stops and a re-run posts the rest). Server errors and dropped
connections are tried again only where that cannot post a message twice: for reads, and
for the webhook, which has no way to check (see ``briefer.slack``). Every wait goes
through :func:`sleep`, so tests replace one function instead of waiting.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    RetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

REDACTED = "[REDACTED]"
MAX_RETRY_AFTER = 120  # seconds; Slack asks for a few. A longer wait is a re-run's job.
RATE_LIMIT_RETRIES = 5
_SECRET_PATTERNS = (
    re.compile(r"xox[a-z]-[A-Za-z0-9-]+"),
    re.compile(r"/services/[A-Za-z0-9/_-]+"),
)
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def sleep(seconds: float) -> None:
    """Every wait between Slack retries (tests replace this)."""
    time.sleep(seconds)


# -- secrets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redactor:
    """Removes the given secrets, and anything shaped like a Slack token or webhook path."""

    secrets: tuple[str, ...]

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, REDACTED)
        for pattern in _SECRET_PATTERNS:
            text = pattern.sub(REDACTED, text)
        return text


class _RedactingFilter(logging.Filter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        return True


def sdk_logger(redact: Redactor) -> logging.Logger:
    """The SDK logs request URLs (a webhook URL is a secret): give it a quiet, redacting logger."""
    logger = logging.Logger("briefer.slack.sdk", level=logging.CRITICAL)  # not global: own filter
    logger.parent = logging.getLogger("briefer.slack")
    logger.addFilter(_RedactingFilter(redact))
    return logger


def error_code(data: Any, status: int) -> str:
    """Slack's error code from an answer, or what the answer was when it is not Slack's.

    A proxy's HTML page or any other body can carry secrets or whole pages: only a
    code-shaped string is ever shown.
    """
    code = data.get("error") if isinstance(data, dict) else None
    if isinstance(code, str) and _ERROR_CODE.fullmatch(code):
        return code
    return f"HTTP {status}, an answer that is not Slack's (check SLACK_API_URL)"


# -- retries ----------------------------------------------------------------------------------


def retry_after(response: HttpResponse | None) -> float | None:
    """The seconds a 429 asks to wait (1 when it does not say), None when too long."""
    headers = {} if response is None else response.headers
    values = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    value = values[0] if isinstance(values, list) and values else values
    try:
        seconds = float(str(value)) if value else 1.0
    except (TypeError, ValueError):  # an HTTP date, or junk: wait the default
        seconds = 1.0
    seconds = max(seconds, 0.0)
    return None if seconds > MAX_RETRY_AFTER else seconds


def _wait_then_retry(state: RetryState, seconds: float) -> None:
    """What a slack_sdk retry handler does between attempts, with briefer's injectable sleep."""
    state.next_attempt_requested = True
    sleep(seconds)
    state.increment_current_attempt()


class RateLimitWait(RateLimitErrorRetryHandler):
    """429: wait exactly Retry-After through :func:`sleep`; give up on a wait too long."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return (
            response is not None
            and response.status_code == 429
            and retry_after(response) is not None
        )

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        _wait_then_retry(state, retry_after(response) or 0.0)


class _Backoff(RetryHandler):
    """The SDK's backoff, waited through :func:`sleep`."""

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        backoff = self.interval_calculator.calculate_sleep_duration(state.current_attempt)
        _wait_then_retry(state, backoff)


class ServerErrorBackoff(_Backoff, ServerErrorRetryHandler):
    """500/503 tried again."""


class ConnectionErrorBackoff(_Backoff, ConnectionErrorRetryHandler):
    """A refused or dropped connection tried again."""


def retry_handlers(*, repeat_uncertain: bool) -> list[RetryHandler]:
    """429s always wait and retry (Slack posted nothing); a 5xx or a dropped connection may
    follow a message Slack stored, so it is retried only where ``repeat_uncertain``."""
    handlers: list[RetryHandler] = [RateLimitWait(max_retry_count=RATE_LIMIT_RETRIES)]
    if repeat_uncertain:
        handlers += [
            ServerErrorBackoff(max_retry_count=2),
            ConnectionErrorBackoff(max_retry_count=2),
        ]
    return handlers


__all__ = [
    "MAX_RETRY_AFTER",
    "REDACTED",
    "Redactor",
    "error_code",
    "retry_after",
    "retry_handlers",
    "sdk_logger",
    "sleep",
]
