"""``-v``: one stderr line per model call (its time and tokens), and per cache hit.

The timing layer goes *inside* the response cache (as ``backends.stack.bound`` puts its
layers), so the cache stays the outermost layer the model client looks for; a cache hit
is told apart by wrapping the cache too.
"""

from __future__ import annotations

import threading
import time

import click

from briefer.backends import Backend, ChatRequest, ChatResponse, Wrapper
from briefer.backends.cache import CachedBackend


class _TimedCalls(Wrapper):
    """Says how long each request to the model took, and what it cost in tokens."""

    def __init__(self, inner: Backend) -> None:
        super().__init__(inner)
        self._count = 0
        self._lock = threading.Lock()

    def complete(self, request: ChatRequest) -> ChatResponse:
        with self._lock:
            self._count += 1
            number = self._count
        started = time.monotonic()
        try:
            response = self.inner.complete(request)
        except Exception as error:
            seconds = time.monotonic() - started
            click.echo(
                f"briefer: call {number}: failed after {seconds:.2f}s ({type(error).__name__})",
                err=True,
            )
            raise
        seconds = time.monotonic() - started
        usage = response.usage
        click.echo(
            f"briefer: call {number}: {seconds:.2f}s, {usage.prompt_tokens} prompt + "
            f"{usage.completion_tokens} completion tokens ({self.model} at {self.endpoint})",
            err=True,
        )
        return response


class _SaysCacheHits(CachedBackend):
    def complete(self, request: ChatRequest) -> ChatResponse:
        response = super().complete(request)
        if response.cached:
            click.echo("briefer: cache hit: no model call", err=True)
        return response


def timed(backend: Backend) -> Backend:
    """``backend`` with every model call and cache hit said on stderr."""
    if isinstance(backend, CachedBackend):
        return _SaysCacheHits(_TimedCalls(backend.inner), backend.cache)
    return _TimedCalls(backend)
