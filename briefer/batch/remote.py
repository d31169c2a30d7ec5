"""The provider's batch API through the openai SDK: upload an input file
(``files.create(purpose="batch")``), ``batches.create``, ``batches.retrieve`` and
``files.content``. Every SDK error becomes a one-line ``InputError`` / ``ModelError``
that names the endpoint host, never its URL or the key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from briefer.backends.openai import DEFAULT_BASE_URL, check_base_url, endpoint_host
from briefer.batch.lines import ENDPOINT
from briefer.errors import InputError, ModelError

if TYPE_CHECKING:
    import openai

T = TypeVar("T")
COMPLETION_WINDOW: Final = "24h"  # the only window the API offers
SDK_RETRIES = 2  # batch calls are few and cheap to repeat: the SDK's own retries are enough


@dataclass(frozen=True)
class BatchState:
    id: str
    status: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    errors: str = ""


class BatchService:
    """One endpoint's batch API (api.openai.com, or any server that speaks it)."""

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        timeout: float = 60.0,
        http_client: Any = None,
    ) -> None:
        self.base_url = base_url or DEFAULT_BASE_URL
        check_base_url(self.base_url)
        self.endpoint = endpoint_host(self.base_url)
        self._options: dict[str, Any] = {
            "api_key": api_key or "not-needed",
            "timeout": timeout,
            "http_client": http_client,
        }
        self._sdk: openai.OpenAI | None = None

    @property
    def _client(self) -> openai.OpenAI:
        if self._sdk is None:
            import openai

            self._sdk = openai.OpenAI(
                base_url=self.base_url, max_retries=SDK_RETRIES, **self._options
            )
        return self._sdk

    def submit(self, path: Path) -> tuple[str, BatchState]:
        """Upload ``path`` and start a batch of it: (input file id, the batch)."""
        with path.open("rb") as handle:
            uploaded = self._call(
                "upload the batch file",
                lambda: self._client.files.create(file=handle, purpose="batch"),
            )
        batch = self._call(
            "create the batch",
            lambda: self._client.batches.create(
                input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window=COMPLETION_WINDOW
            ),
        )
        return uploaded.id, _state(batch)

    def retrieve(self, batch_id: str) -> BatchState:
        return _state(
            self._call(f"read batch {batch_id}", lambda: self._client.batches.retrieve(batch_id))
        )

    def content(self, file_id: str) -> str:
        response = self._call(
            f"download file {file_id}", lambda: self._client.files.content(file_id)
        )
        return response.read().decode("utf-8", errors="replace")

    def _call(self, what: str, call: Callable[[], T]) -> T:
        import openai

        try:
            return call()
        except openai.AuthenticationError:
            raise InputError(
                f"the endpoint {self.endpoint} rejected the API key; check OPENAI_API_KEY"
            ) from None
        except openai.NotFoundError:
            raise InputError(
                f"the endpoint {self.endpoint} could not {what} (HTTP 404: no batch API there, or "
                "the batch is gone); use --batch-file-out for a self-hosted server, or move "
                "batch.json out of the day folder to brief the day live"
            ) from None
        except openai.APIStatusError as error:
            raise ModelError(
                f"the endpoint {self.endpoint} could not {what} (HTTP {error.status_code}); "
                "run `briefer daily` again later"
            ) from None
        except openai.APIError:
            raise ModelError(
                f"could not reach {self.endpoint} to {what}; check OPENAI_BASE_URL and the "
                "network, then run `briefer daily` again"
            ) from None


def _state(batch: Any) -> BatchState:
    counts = getattr(batch, "request_counts", None)
    errors = getattr(getattr(batch, "errors", None), "data", None) or []
    messages = "; ".join(
        str(getattr(e, "message", "") or getattr(e, "code", "")) for e in errors[:3]
    )
    return BatchState(
        id=str(batch.id),
        status=str(batch.status),
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        total=getattr(counts, "total", 0) or 0,
        completed=getattr(counts, "completed", 0) or 0,
        failed=getattr(counts, "failed", 0) or 0,
        errors=" ".join(messages.split())[:200],
    )


__all__ = ["BatchService", "BatchState"]
