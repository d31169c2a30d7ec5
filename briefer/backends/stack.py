"""The one place backends are stacked around a model. Innermost first::

    OpenAIBackend in RetryingBackend, or LocalBackend   the model
    StoppableBackend    no new call once a day run is stopped         (day runs)
    BoundedBackend      at most N model calls in flight at once       (day runs)
    CachedBackend       a hit answers with no call and holds no slot

Each is a ``Wrapper``: it keeps the model's name, model and endpoint. What the calls cost
is counted once, by ``llm.ModelClient`` in a ``backends.tally.Tally``.
"""

from __future__ import annotations

import threading

from briefer.backends.base import Backend, ChatRequest, ChatResponse, Wrapper
from briefer.backends.cache import CachedBackend, ResponseCache
from briefer.config import Settings, cache_file, folder_problem
from briefer.errors import InputError


class Stopped(Exception):
    """The run was stopped (Ctrl-C): no new model call starts."""


class StoppableBackend(Wrapper):
    """Raises ``Stopped`` instead of starting a model call once ``stop`` is set."""

    def __init__(self, inner: Backend, stop: threading.Event) -> None:
        super().__init__(inner)
        self.stop = stop

    def complete(self, request: ChatRequest) -> ChatResponse:
        if self.stop.is_set():
            raise Stopped("the run was stopped")
        return self.inner.complete(request)


class BoundedBackend(Wrapper):
    """Lets at most ``limit`` calls through at once, from any number of threads."""

    def __init__(self, inner: Backend, limit: int) -> None:
        super().__init__(inner)
        self._slots = threading.BoundedSemaphore(limit)

    def complete(self, request: ChatRequest) -> ChatResponse:
        with self._slots:
            return self.inner.complete(request)


def model_backend(settings: Settings) -> Backend:
    """The configured model: the local one, or an endpoint behind the retry layer."""
    if settings.resolved_backend() == "local":
        return _local_backend(settings)
    from briefer.backends.openai import OpenAIBackend, RetryingBackend

    api_key = settings.api_key.get_secret_value() if settings.api_key else None
    return RetryingBackend(
        OpenAIBackend(
            model=settings.model_name(),
            base_url=settings.base_url,
            api_key=api_key,
            timeout=settings.timeout,
        ),
        max_attempts=settings.max_attempts,
        max_seconds=settings.max_retry_seconds,
    )


def build_backend(settings: Settings) -> Backend:
    """The configured model behind the retry layer and, unless turned off, the cache."""
    backend = model_backend(settings)
    if settings.cache:
        backend = CachedBackend(backend, ResponseCache(cache_file()))
    return backend


def response_cache(backend: Backend) -> ResponseCache | None:
    """The response cache in ``backend``'s stack of wrappers, if it has one (the pipeline
    keeps what it derives from an article there, through the same connection)."""
    while not isinstance(backend, CachedBackend):
        inner = getattr(backend, "inner", None)
        if inner is None:
            return None
        backend = inner
    return backend.cache


def bound(backend: Backend, concurrency: int, stop: threading.Event) -> Backend:
    """``backend`` with at most ``concurrency`` model calls at once and none after ``stop``;
    a cache stays outside the bound, so a hit or a write never waits for a model slot."""
    if isinstance(backend, CachedBackend):
        inner = BoundedBackend(StoppableBackend(backend.inner, stop), concurrency)
        return CachedBackend(inner, backend.cache)
    return BoundedBackend(StoppableBackend(backend, stop), concurrency)


def _local_backend(settings: Settings) -> Backend:
    from briefer.backends.local import LocalBackend
    from briefer.models import default_cache_dir

    try:
        return LocalBackend.from_options(
            settings.model_path, settings.model_name(), n_ctx=settings.window()
        )
    except OSError as error:  # assembling the model needs a folder it can write
        folder = default_cache_dir()
        raise InputError(
            f"{folder}: cannot assemble the local model there "
            f"({folder_problem(folder, error)}); set BRIEFER_HOME to a folder you can "
            "write to, or give --model-path FILE.gguf"
        ) from None


__all__ = [
    "BoundedBackend",
    "StoppableBackend",
    "Stopped",
    "bound",
    "build_backend",
    "model_backend",
    "response_cache",
]
