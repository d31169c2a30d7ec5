"""``briefer daily --batch``: submit, resume, collect; expired, failed, cancelled batches;
splitting at the request limit; ``--batch-file-out`` / ``--batch-file-in``.

Real CLI, real ``openai`` client, the loopback fake's Batch API (statuses advance one
step per retrieve: no sleeps)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from briefer.backends.cache import ResponseCache
from briefer.batch import lines
from briefer.batch.remote import BatchService
from briefer.batch.run import PENDING_EXIT
from briefer.config import writable_home
from briefer.digest import load_digest
from briefer.errors import ModelError
from tests.dailyrun import TODAY, articles_folder, clean, daily, titles
from tests.fakes import FakeOpenAI
from tests.fakes.openai_server import Reply
from tests.test_daily import Model

SECRET = "sk-test-secret-123"  # the key tests.dailyrun gives the CLI
ARTICLES = 3  # library, harbour, strike: one request each


def day_files(out: Path) -> dict[str, str]:
    day = out / TODAY
    return {
        str(p.relative_to(day)): p.read_text(errors="replace")
        for p in day.rglob("*")
        if p.is_file()
    }


def batch_lines(out: Path) -> list[dict[str, Any]]:
    found = sorted((out / TODAY / "batch").glob("*.jsonl"))
    return [json.loads(line) for path in found for line in path.read_text().splitlines()]


def submit(fake: FakeOpenAI, config: Path, tmp_path: Path, *extra: str) -> tuple[Path, Path]:
    folder = articles_folder(tmp_path, "harbour", "strike")
    out = tmp_path / "out"
    result = daily([str(folder), "--batch", *extra], fake, config, out)
    assert result.exit_code == 0, result.output
    clean(result)
    assert "run `briefer daily` again to collect" in result.stderr
    return folder, out


def test_a_batch_day_is_submitted_polled_without_resubmitting_and_assembled_from_the_cache(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder, out = submit(fake_openai, config, tmp_path)
    assert fake_openai.calls == 0  # nothing live
    (batch,) = fake_openai.batches
    assert batch["endpoint"] == "/v1/chat/completions" and batch["completion_window"] == "24h"
    sent = batch_lines(out)
    assert len(sent) == ARTICLES and len({line["custom_id"] for line in sent}) == ARTICLES
    assert {(line["method"], line["url"]) for line in sent} == {("POST", "/v1/chat/completions")}
    assert {line["body"]["model"] for line in sent} == {"gpt-4o-mini"}
    first = load_digest(out / TODAY)
    assert len(first.queued) == ARTICLES and first.failures == [] and first.stats.queued == 3
    markdown = (out / TODAY / "digest.md").read_text()
    assert "3 waiting for a batch" in markdown and "## Waiting for a batch (3)" in markdown

    waiting = daily([str(folder)], fake_openai, config, out)  # the record alone resumes
    assert waiting.exit_code == PENDING_EXIT, waiting.output
    assert f"batch {batch['id']}: in progress" in waiting.stderr
    assert len(fake_openai.batches) == 1 and fake_openai.files  # not submitted again

    done = daily([str(folder)], fake_openai, config, out)
    assert done.exit_code == 0, done.output
    clean(done)
    assert f"collected {ARTICLES} answers from batch {batch['id']} (completed)" in done.stderr
    assert fake_openai.calls == 0 and len(fake_openai.batches) == 1
    digest = load_digest(out / TODAY)
    assert digest.complete and digest.stats.model_calls == 0
    assert digest.stats.cache_hits == ARTICLES
    assert sorted(titles(out)) == sorted(["Library reopens", "Harbour news", "Strike news"])
    cache = ResponseCache(writable_home() / "cache.sqlite")
    kept = [cache.get(line["custom_id"]) for line in sent]  # cached as a live answer: with usage
    assert [(k.usage.prompt_tokens, k.usage.completion_tokens) for k in kept if k] == [
        (200, 80)
    ] * 3


def test_the_estimated_cost_is_shown_live_and_at_half_the_price_in_batch(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder = articles_folder(tmp_path, "harbour")
    result = daily([str(folder), "--batch"], fake_openai, config, tmp_path / "out")
    assert result.exit_code == 0, result.output
    found = re.search(r"live at most \$([\d.]+), batch at most \$([\d.]+) \(50 %\)", result.stderr)
    assert found, result.stderr
    live, batch = float(found.group(1)), float(found.group(2))
    assert live > 0 and batch == pytest.approx(live / 2, abs=1e-4)
    assert re.search(r"2 requests, [\d,]+ input tokens, at most 3,000 output tokens", result.stderr)


def test_daily_batch_in_briefer_toml_submits_without_the_flag(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    config.write_text("max_attempts = 1\n\n[daily]\nbatch = true\n")
    folder = articles_folder(tmp_path)
    result = daily([str(folder)], fake_openai, config, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "submitted 1 requests as batch" in result.stderr and fake_openai.calls == 0


@pytest.mark.parametrize(
    ("statuses", "answered", "polls_waiting", "live"),
    [
        (["expired"], 1, 0, 2),  # the partial results are used, the rest goes live
        (["failed"], 0, 0, 3),  # one line, then every request live
        (["cancelling", "cancelled"], 2, 1, 1),
        (["validating", "in_progress", "finalizing", "completed"], 3, 3, 0),
    ],
)
def test_a_batch_that_ends_early_or_fails_leaves_the_rest_to_the_live_path(
    fake_openai: FakeOpenAI,
    model: Model,
    config: Path,
    tmp_path: Path,
    statuses: list[str],
    answered: int,
    polls_waiting: int,
    live: int,
) -> None:
    fake_openai.batch_statuses = statuses
    fake_openai.batch_answer_limit = answered
    folder, out = submit(fake_openai, config, tmp_path)
    for _ in range(polls_waiting):
        assert daily([str(folder)], fake_openai, config, out).exit_code == PENDING_EXIT
    result = daily([str(folder)], fake_openai, config, out)
    assert result.exit_code == 0, result.output
    clean(result)
    assert fake_openai.calls == live and len(fake_openai.batches) == 1
    assert len(fake_openai.batch_lines) == answered
    assert load_digest(out / TODAY).complete and len(titles(out)) == ARTICLES
    if statuses[-1] == "failed":
        assert f"its {ARTICLES} requests go live" in result.stderr
    # what went live is exactly what the batch lines held
    assert all(body in [line["body"] for line in batch_lines(out)] for body in fake_openai.requests)


def test_an_error_line_is_asked_again_live(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder, out = submit(fake_openai, config, tmp_path)
    fake_openai.enqueue(Reply.status(500))  # the batch's first line answers with an error
    assert daily([str(folder)], fake_openai, config, out).exit_code == PENDING_EXIT
    result = daily([str(folder)], fake_openai, config, out)
    assert result.exit_code == 0, result.output
    assert "collected 2 answers" in result.stderr and "(1 answered with an error)" in result.stderr
    assert fake_openai.calls == 1 and len(titles(out)) == ARTICLES


def test_a_day_over_the_request_limit_is_split_into_several_batches(
    fake_openai: FakeOpenAI,
    model: Model,
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lines, "MAX_REQUESTS", 2)
    folder, out = submit(fake_openai, config, tmp_path)
    assert [batch["request_counts"]["total"] for batch in fake_openai.batches] == [2, 1]
    assert sorted(p.name for p in (out / TODAY / "batch").iterdir()) == [
        "round-1-1.jsonl",
        "round-1-2.jsonl",
    ]
    record = json.loads((out / TODAY / "batch.json").read_text())
    assert [job["requests"] for job in record["rounds"][0]["jobs"]] == [2, 1]
    daily([str(folder)], fake_openai, config, out)
    assert daily([str(folder)], fake_openai, config, out).exit_code == 0
    assert fake_openai.calls == 0 and len(titles(out)) == ARTICLES


def test_split_keeps_one_model_per_file_and_the_byte_limit() -> None:
    queued = [
        lines.Queued(
            f"id{i}", model, {"model": model, "messages": [{"role": "user", "content": "x" * 50}]}
        )
        for i, model in enumerate(["a", "b", "a", "a"])
    ]
    size = len(queued[0].line().encode()) + 1
    parts = lines.split(queued, max_bytes=2 * size)
    assert [(p.model, p.custom_ids) for p in parts] == [
        ("a", ("id0", "id2")),
        ("a", ("id3",)),
        ("b", ("id1",)),
    ]
    assert all(p.size <= 2 * size for p in parts)


def test_secrets_are_never_in_the_batch_files_or_the_day_folder(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder, out = submit(fake_openai, config, tmp_path)
    daily([str(folder)], fake_openai, config, out)
    daily([str(folder)], fake_openai, config, out)
    uploaded = [content.decode() for purpose, content in fake_openai.files.values()]
    assert uploaded and all(SECRET not in text for text in uploaded)
    files = day_files(out)
    assert "batch.json" in files and all(SECRET not in text for text in files.values())
    assert all(fake_openai.base_url not in text for text in files.values())


def test_batch_file_out_and_in_round_trip_as_vllm_run_batch(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder = articles_folder(tmp_path, "harbour", "strike")
    out, requests, results = tmp_path / "out", tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    written = daily([str(folder), "--batch-file-out", str(requests)], fake_openai, config, out)
    assert written.exit_code == 0, written.output
    assert f"vllm run-batch -i {requests} -o results.jsonl" in written.stderr
    assert fake_openai.calls == 0 and fake_openai.batches == [] and fake_openai.files == {}
    sent = [json.loads(line) for line in requests.read_text().splitlines()]
    assert len(sent) == ARTICLES and SECRET not in requests.read_text()

    # what `vllm run-batch -i in.jsonl -o out.jsonl` writes: one result per line, any order
    answers = []
    for line in reversed(sent):
        brief = model(line["body"]).text
        completion = {
            "id": "cmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": line["body"]["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": brief},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
        response = {"status_code": 200, "request_id": "r", "body": completion}
        answers.append(
            json.dumps(
                {"id": "x", "custom_id": line["custom_id"], "response": response, "error": None}
            )
        )
    results.write_text("\n".join(answers) + "\n")

    read = daily([str(folder), "--batch-file-in", str(results)], fake_openai, config, out)
    assert read.exit_code == 0, read.output
    clean(read)
    assert f"read {ARTICLES} answers from {results}" in read.stderr
    assert fake_openai.calls == 0 and len(titles(out)) == ARTICLES


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--batch", "--no-cache"], "drop --no-cache"),
        (["--batch-file-in", "missing.jsonl"], "no such results file"),
    ],
)
def test_a_batch_day_that_cannot_work_is_bad_usage_before_any_work(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path, args: list[str], says: str
) -> None:
    folder = articles_folder(tmp_path)
    result = daily([str(folder), *args], fake_openai, config, tmp_path / "out")
    assert result.exit_code == 2, result.output
    clean(result)
    assert says in result.stderr and fake_openai.calls == 0 and fake_openai.batches == []


def test_an_answer_that_is_not_a_brief_is_asked_again_live(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder, out = submit(fake_openai, config, tmp_path)
    fake_openai.enqueue(Reply.content("not a brief"))  # a 200 line the brief schema refuses
    daily([str(folder)], fake_openai, config, out)
    result = daily([str(folder)], fake_openai, config, out)
    assert result.exit_code == 0, result.output
    assert f"collected {ARTICLES} answers" in result.stderr
    assert fake_openai.calls == 1  # the same request, live, instead of a replayed failure
    assert fake_openai.requests[0] in [line["body"] for line in batch_lines(out)]
    assert load_digest(out / TODAY).complete and len(titles(out)) == ARTICLES


def test_a_request_first_seen_after_a_round_is_queued_in_the_next_round(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder, out = submit(fake_openai, config, tmp_path)
    (folder / "ferry.md").write_text("# Ferry news\n\nThe ferry council met.\n")
    daily([str(folder), "--batch"], fake_openai, config, out)  # in progress
    second = daily([str(folder), "--batch"], fake_openai, config, out)
    assert second.exit_code == 0, second.output
    assert "submitted 1 requests as batch" in second.stderr and len(fake_openai.batches) == 2
    digest = load_digest(out / TODAY)
    assert len(digest.stories) == ARTICLES and [q.item for q in digest.queued] == ["Ferry news"]
    daily([str(folder)], fake_openai, config, out)
    assert daily([str(folder)], fake_openai, config, out).exit_code == 0
    assert fake_openai.calls == 0 and len(titles(out)) == ARTICLES + 1


COMPLETION = {"object": "chat.completion", "choices": [{"message": {"content": "{}"}}]}


@pytest.mark.parametrize(
    ("line", "completion", "error"),
    [
        ({"response": {"status_code": 200, "body": COMPLETION}, "error": None}, COMPLETION, None),
        ({"response": COMPLETION}, COMPLETION, None),  # a bare completion
        (
            {"response": {"status_code": 500, "body": {"error": {"message": "Boom  now"}}}},
            None,
            "HTTP 500: Boom now",
        ),
        (
            {"response": None, "error": {"code": "batch_expired", "message": ""}},
            None,
            "batch_expired",
        ),
        ({"response": {"status_code": 200, "body": "text"}}, None, "HTTP 200"),
        ({}, None, "no response"),
    ],
)
def test_result_lines_are_read_as_an_answer_or_the_reason_there_is_none(
    line: dict[str, Any], completion: dict[str, Any] | None, error: str | None
) -> None:
    results, unreadable = lines.parse_results(json.dumps({"custom_id": "k", **line}))
    assert results == {"k": lines.Result("k", completion, error)} and unreadable == 0


def test_result_lines_that_are_not_results_are_counted_and_a_success_wins() -> None:
    ok = json.dumps({"custom_id": "k", "response": {"status_code": 200, "body": COMPLETION}})
    failed = json.dumps({"custom_id": "k", "response": {"status_code": 500, "body": {}}})
    text = "\n".join(["not json", json.dumps({"response": {}}), ok, failed, ""])
    results, unreadable = lines.parse_results(text)
    assert unreadable == 2 and results["k"].completion == COMPLETION


def test_a_submission_cut_short_is_finished_by_the_next_run_not_queued_again(
    fake_openai: FakeOpenAI,
    model: Model,
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lines, "MAX_REQUESTS", 2)
    real_submit = BatchService.submit
    submitted: list[Path] = []

    def submit_once(self: BatchService, path: Path) -> Any:
        if submitted:
            raise ModelError("could not reach the endpoint to upload the batch file")
        submitted.append(path)
        return real_submit(self, path)

    monkeypatch.setattr(BatchService, "submit", submit_once)
    folder = articles_folder(tmp_path, "harbour", "strike")
    out = tmp_path / "out"
    cut = daily([str(folder), "--batch"], fake_openai, config, out)
    assert cut.exit_code == 1 and "could not reach the endpoint" in cut.stderr
    clean(cut)
    assert len(fake_openai.batches) == 1  # the first of two files went out

    monkeypatch.setattr(BatchService, "submit", real_submit)
    rest = daily([str(folder), "--batch"], fake_openai, config, out)
    assert rest.exit_code == 0, rest.output
    assert "submitted 3 requests as batches" in rest.stderr
    assert [b["request_counts"]["total"] for b in fake_openai.batches] == [2, 1]
    daily([str(folder)], fake_openai, config, out)
    assert daily([str(folder)], fake_openai, config, out).exit_code == 0
    assert fake_openai.calls == 0 and len(titles(out)) == ARTICLES


def test_every_chunk_of_a_long_article_is_queued_in_the_same_round() -> None:
    from briefer.articles import make_article
    from briefer.backends import Deferred
    from briefer.backends.fake import FakeBackend
    from briefer.batch.collect import CollectingBackend
    from briefer.config import load_settings
    from briefer.pipeline import Briefer

    settings = load_settings(
        {"base_url": "http://127.0.0.1:9/v1", "context_window": 4000, "cache": False}
    )
    paragraph = "The council of Port Ellis met on Tuesday and voted on the harbour budget. " * 12
    article = make_article("\n\n".join([paragraph] * 12), label="long")
    fake = FakeBackend(model="gpt-4o-mini")
    collector = CollectingBackend(fake)
    briefer = Briefer(settings, backend=collector)
    chunks = len(briefer.chunk(article))
    assert chunks > 1
    with pytest.raises(Deferred):
        briefer.brief(article)
    assert len(collector.queued) == chunks and fake.history == []  # all queued, none sent
