"""``batch.json`` in the day folder: every batch submitted for the day, so that a later
``briefer daily`` polls and collects them instead of submitting again.

It holds ids the provider gave (files, batches), the input files' names in ``batch/`` and
the requests' ``custom_id``s: no key, no endpoint URL. Written atomically after each change.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from briefer.daystore import write_atomic
from briefer.errors import InputError

RECORD = "batch.json"
BATCH_DIR = "batch"
PENDING = frozenset({"submitted", "validating", "in_progress", "finalizing", "cancelling"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BatchJob(_Model):
    file: str = Field(description="the input file, relative to the day folder")
    model: str
    requests: int
    bytes: int
    custom_ids: list[str]
    input_file_id: str | None = None
    batch_id: str | None = None
    status: str = "written"
    output_file_id: str | None = None
    error_file_id: str | None = None
    answered: int = 0


class BatchRound(_Model):
    number: int
    submitted_at: str
    jobs: list[BatchJob] = Field(default_factory=list)
    collected: bool = False


class BatchRecord(_Model):
    schema_version: str = "1"
    rounds: list[BatchRound] = Field(default_factory=list)

    def open_round(self) -> BatchRound | None:
        """The last round, if its answers are not collected yet."""
        last = self.rounds[-1] if self.rounds else None
        return last if last is not None and not last.collected else None

    def asked(self) -> frozenset[str]:
        """Every request already sent in a batch of this day: not queued again (live instead)."""
        return frozenset(i for r in self.rounds for job in r.jobs for i in job.custom_ids)


def record_path(day_dir: Path) -> Path:
    return day_dir / RECORD


def load_record(day_dir: Path) -> BatchRecord:
    path = record_path(day_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return BatchRecord()
    except OSError as error:
        raise InputError(
            f"{path}: cannot read the batch record ({error.strerror}); check it"
        ) from None
    try:
        return BatchRecord.model_validate_json(text)
    except ValidationError:
        raise InputError(
            f"{path}: not a batch record briefer can read; move it away to brief the day "
            "without its batches"
        ) from None


def save_record(day_dir: Path, record: BatchRecord) -> None:
    write_atomic(record_path(day_dir), record.model_dump_json(indent=2) + "\n")


__all__ = [
    "BATCH_DIR",
    "PENDING",
    "RECORD",
    "BatchJob",
    "BatchRecord",
    "BatchRound",
    "load_record",
    "save_record",
]
