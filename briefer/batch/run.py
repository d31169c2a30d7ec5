"""A batch day: collect the answers of the day's batches, run the day, submit what is missing.

Each ``briefer daily`` of a batch day (``--batch``, ``[daily] batch = true``, or a day folder
with a ``batch.json``) does, under the day folder's ``batch`` lock:

1. An open round in ``batch.json``: retrieve its batches. Any still validating, in progress,
   finalizing or cancelling: say so and stop (``PENDING_EXIT``), nothing resubmitted.
   Otherwise (completed, expired, cancelled) download the output and error files and put
   every answer into the response cache, exactly as the live call would have (same body,
   same key, with its usage); a failed batch is one line and its requests go live.
2. ``--batch-file-in``: the same for a results file (``vllm run-batch -o``).
3. The normal day run (``digest.run_day``) over the cache. When collecting, a request the
   cache cannot answer and no batch of the day had is queued (``CollectingBackend``);
   a request a batch had (an error line, an expired leftover) and every re-ask go live.
4. Queued requests: written to ``--batch-file-out`` (stop), or as ``batch/round-N-K.jsonl``
   in the day folder (split at the limits, one model per file), uploaded and submitted;
   ``batch.json`` is saved before and after each upload, so nothing submitted is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError

from briefer.backends import Backend
from briefer.backends.cache import CachedBackend, ResponseCache
from briefer.backends.openai import OpenAIBackend
from briefer.backends.stack import model_backend
from briefer.batch.collect import CollectingBackend
from briefer.batch.lines import Queued, Result, parse_results, split
from briefer.batch.record import (
    BATCH_DIR,
    PENDING,
    BatchJob,
    BatchRecord,
    BatchRound,
    load_record,
    record_path,
    save_record,
)
from briefer.batch.remote import BatchService
from briefer.config import DailyOptions, Settings, writable_home
from briefer.daybrief import DayObserver
from briefer.daymodels import Digest
from briefer.daystore import day_lock, open_day_folder, write_atomic
from briefer.digest import check_sources, run_day
from briefer.errors import BrieferError, InputError
from briefer.tokens import encoding_for_model

PENDING_EXIT = 75  # EX_TEMPFAIL: a batch is still running; run `briefer daily` again later
BATCH_DISCOUNT = 0.5  # the provider's batch price: half the live price, input and output
MESSAGE_OVERHEAD_TOKENS = 4  # chat-format tokens around each message
Price = tuple[float, float]  # USD per million input tokens, output tokens


@dataclass(frozen=True)
class BatchMode:
    submit: bool = False
    """--batch / [daily] batch: submit what the cache cannot answer as a provider batch."""
    file_out: Path | None = None
    """--batch-file-out: write what the cache cannot answer as JSONL there, upload nothing."""
    file_in: Path | None = None
    """--batch-file-in: a results JSONL to put into the cache before the day runs."""

    @property
    def collecting(self) -> bool:
        return self.submit or self.file_out is not None


@dataclass
class BatchOutcome:
    digest: Digest | None
    said: list[str] = field(default_factory=list)
    exit_code: int | None = None
    """None: the digest decides (0 complete, 1 with failures)."""


def uses_batch(mode: BatchMode, day_dir: Path) -> bool:
    """Whether this run is a batch day: asked to be, or the day folder has batches."""
    return mode.collecting or mode.file_in is not None or record_path(day_dir).exists()


def run_batch_day(
    options: DailyOptions,
    settings: Settings,
    *,
    day: date,
    mode: BatchMode,
    observer: DayObserver | None = None,
    service: BatchService | None = None,
    prices: Mapping[str, Price] | None = None,
) -> BatchOutcome:
    """See the module docstring. InputError (exit 2) before any work for settings that
    cannot batch (the local model, --no-cache) or an unreadable ``batch.json``."""
    _check(settings, mode)
    check_sources(options.sources)
    day_dir = options.out / day.isoformat()
    open_day_folder(options.out, day_dir)
    with day_lock(day_dir, "batch"):
        day_run = _BatchDayRun(day_dir, settings, load_record(day_dir), service)
        outcome = BatchOutcome(None)
        round_ = day_run.record.open_round()
        if round_ is not None:
            if any(job.batch_id is None for job in round_.jobs):
                outcome.said += day_run.submit_rest(round_)
                outcome.exit_code = 0
                return outcome
            waiting = day_run.poll(round_)
            if waiting:
                outcome.said += waiting
                outcome.exit_code = PENDING_EXIT
                return outcome
            outcome.said += day_run.collect(round_)
        if mode.file_in is not None:
            outcome.said.append(day_run.read_results_file(mode.file_in))
        model = model_backend(settings)
        collector = (
            CollectingBackend(model, asked=day_run.record.asked()) if mode.collecting else None
        )
        backend: Backend = CachedBackend(collector or model, day_run.cache)
        outcome.digest = run_day(options, settings, day=day, backend=backend, observer=observer)
        queued = collector.queued if collector else []
        if not queued:
            return outcome
        outcome.said.append(cost_line(queued, prices or {}))
        if mode.file_out is not None:
            outcome.said.append(_write_file_out(mode.file_out, queued, settings))
        else:
            outcome.said += day_run.submit(queued)
        outcome.exit_code = 0
        return outcome


def _check(settings: Settings, mode: BatchMode) -> None:
    if settings.resolved_backend() == "local":
        raise InputError(
            "--batch / --batch-file-out / --batch-file-in: the local model has no batch queue; "
            "set OPENAI_API_KEY or --base-url for an OpenAI-compatible endpoint, or brief the "
            "day without them"
        )
    if not settings.cache:
        raise InputError(
            "--no-cache: a batch day keeps the batch's answers in the response cache; drop "
            "--no-cache (or cache = false in briefer.toml)"
        )
    if mode.file_in is not None and not mode.file_in.is_file():
        raise InputError(f"{mode.file_in}: no such results file; check --batch-file-in")


class _BatchDayRun:
    def __init__(
        self, day_dir: Path, settings: Settings, record: BatchRecord, service: BatchService | None
    ) -> None:
        self.day_dir, self.settings, self.record = day_dir, settings, record
        self._service = service
        self.cache = ResponseCache(writable_home() / "cache.sqlite")
        # Parses a batch's chat completions exactly as the live backend parses its own.
        self.parser = OpenAIBackend(model=settings.model_name(), base_url=settings.base_url)

    @property
    def service(self) -> BatchService:
        if self._service is None:
            key = self.settings.api_key
            self._service = BatchService(
                base_url=self.settings.base_url,
                api_key=key.get_secret_value() if key else None,
                timeout=self.settings.timeout,
            )
        return self._service

    # -- an open round -------------------------------------------------------------------

    def poll(self, round_: BatchRound) -> list[str]:
        """One line per batch still running (none when every batch has ended)."""
        waiting: list[str] = []
        for job in round_.jobs:
            state = self.service.retrieve(job.batch_id or "")
            job.status, job.output_file_id, job.error_file_id = (
                state.status,
                state.output_file_id,
                state.error_file_id,
            )
            if state.status in PENDING:
                waiting.append(
                    f"batch {state.id}: {state.status.replace('_', ' ')} ({state.completed} of "
                    f"{state.total or job.requests} done, {state.failed} failed); run "
                    "`briefer daily` again later to collect it"
                )
        save_record(self.day_dir, self.record)
        return waiting

    def collect(self, round_: BatchRound) -> list[str]:
        said = []
        for job in round_.jobs:
            if job.status == "failed":
                said.append(f"batch {job.batch_id} failed; its {job.requests} requests go live")
                continue
            text = "".join(
                self.service.content(file_id) + "\n"
                for file_id in (job.output_file_id, job.error_file_id)
                if file_id
            )
            results, _ = parse_results(text)
            answered, errors = self._cache_answers(results, set(job.custom_ids))
            job.answered = answered
            live = job.requests - answered
            said.append(
                f"collected {answered} answers from batch {job.batch_id} ({job.status}); "
                f"{live} requests go live"
                + (f" ({errors} answered with an error)" if errors else "")
            )
        round_.collected = True
        save_record(self.day_dir, self.record)
        return said

    def read_results_file(self, path: Path) -> str:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise InputError(
                f"{path}: cannot read the results file ({error.strerror}); check --batch-file-in"
            ) from None
        results, unreadable = parse_results(text)
        if not results:
            raise InputError(
                f"{path}: no result lines (custom_id, response); give the file `vllm run-batch -o` "
                "or the provider's batch output wrote"
            )
        answered, errors = self._cache_answers(results, None)
        extra = f", {unreadable} unreadable lines skipped" if unreadable else ""
        return f"read {answered} answers from {path} ({errors} errors{extra}); the rest go live"

    def _cache_answers(
        self, results: Mapping[str, Result], wanted: set[str] | None
    ) -> tuple[int, int]:
        """Put each successful result into the response cache: (answers kept, errors)."""
        from openai.types.chat import ChatCompletion

        answered = errors = 0
        for custom_id, result in results.items():
            if wanted is not None and custom_id not in wanted:
                continue
            if result.completion is None:
                errors += 1
                continue
            try:
                completion = ChatCompletion.model_validate(result.completion)
                response = self.parser.response_from(completion, seconds=0.0)  # not waited on live
            except (ValidationError, BrieferError):  # not a usable completion: asked live
                errors += 1
                continue
            kept = response.model_copy(update={"attempts": 1, "seconds": 0.0})
            self.cache.put(custom_id, self.settings.model_name(), kept)
            answered += 1
        return answered, errors

    # -- submitting -----------------------------------------------------------------------

    def submit(self, queued: list[Queued]) -> list[str]:
        number = len(self.record.rounds) + 1
        round_ = BatchRound(
            number=number, submitted_at=datetime.now(UTC).isoformat(timespec="seconds")
        )
        for index, part in enumerate(split(queued), start=1):
            name = f"{BATCH_DIR}/round-{number}-{index}.jsonl"
            write_atomic(self.day_dir / name, part.text())
            round_.jobs.append(
                BatchJob(
                    file=name,
                    model=part.model,
                    requests=len(part.lines),
                    bytes=part.size,
                    custom_ids=list(part.custom_ids),
                )
            )
        self.record.rounds.append(round_)
        save_record(self.day_dir, self.record)  # before any upload: a crash resumes from here
        return self.submit_rest(round_)

    def submit_rest(self, round_: BatchRound) -> list[str]:
        """Upload and start every job of ``round_`` not started yet."""
        for job in round_.jobs:
            if job.batch_id is None:
                file_id, state = self.service.submit(self.day_dir / job.file)
                job.input_file_id, job.batch_id, job.status = file_id, state.id, state.status
                save_record(self.day_dir, self.record)
        total = sum(job.requests for job in round_.jobs)
        ids = ", ".join(job.batch_id or "" for job in round_.jobs)
        plural = "batch" if len(round_.jobs) == 1 else "batches"
        return [
            f"submitted {total} requests as {plural} {ids}; run `briefer daily` again to collect"
        ]


def _write_file_out(path: Path, queued: list[Queued], settings: Settings) -> str:
    try:
        write_atomic(path, "".join(request.line() + "\n" for request in queued))
    except OSError as error:
        raise InputError(
            f"{path}: cannot write the batch file ({error.strerror}); check --batch-file-out"
        ) from None
    return (
        f"wrote {len(queued)} requests to {path}; run `vllm run-batch -i {path} -o results.jsonl "
        f"--model {settings.model_name()}`, then `briefer daily --batch-file-in results.jsonl` "
        "with the same --model and --base-url"
    )


def cost_line(queued: list[Queued], prices: Mapping[str, Price]) -> str:
    """The queued requests' estimated cost, live and batch: input tokens counted with the
    model's tokenizer, output at most each request's ``max_tokens`` (an upper bound)."""
    tokens_in = tokens_out = 0
    live = 0.0
    missing: set[str] = set()
    for request in queued:
        sent = _input_tokens(request)
        most = int(request.body.get("max_tokens") or 0)
        tokens_in, tokens_out = tokens_in + sent, tokens_out + most
        price = prices.get(request.model)
        if price is None:
            missing.add(request.model)
        else:
            live += (sent * price[0] + most * price[1]) / 1e6
    counted = (
        f"{len(queued)} requests, {tokens_in:,} input tokens, at most {tokens_out:,} output tokens"
    )
    if missing:
        names = ", ".join(sorted(missing))
        return f"{counted}; no price for {names} in evals/config.toml [prices] to estimate the cost"
    batch = live * BATCH_DISCOUNT
    return f"{counted}; estimated cost: live at most ${live:.4f}, batch at most ${batch:.4f} (50 %)"


def _input_tokens(request: Queued) -> int:
    encoding = encoding_for_model(request.model)
    messages = request.body.get("messages", [])
    return sum(
        len(encoding.encode(str(m.get("content", "")), disallowed_special=()))
        + MESSAGE_OVERHEAD_TOKENS
        for m in messages
    )


__all__ = ["PENDING_EXIT", "BatchMode", "BatchOutcome", "cost_line", "run_batch_day", "uses_batch"]
