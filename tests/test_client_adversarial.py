"""The model-call side against endpoints and caches that misbehave, through the real CLI.

Each case is one line on stderr naming the input and the fix, with the documented exit
code, never a traceback (``catch_exceptions=False`` would raise it here); no failure is
ever cached; every request the endpoint received is counted; strict schemas stay inside
what the real API accepts.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from briefer.articles import load_article
from briefer.backends import ChatResponse
from briefer.backends.cache import ResponseCache
from briefer.backends.fake import FakeBackend
from briefer.cli import cli
from briefer.config import load_settings
from briefer.digest import load_digest
from briefer.pipeline import Briefer
from briefer.schema import cited_json_schema, hosted_json_schema
from tests.briefs import SEED, as_content, seed_answer
from tests.fakes import DEFAULT_BRIEF, FakeOpenAI, Reply
from tests.test_client import FakeTime, install_fake_time

KEY = "sk-test-secret-123"
GOOD = as_content(seed_answer())
WRONG_SHAPE = json.dumps({"headline": "Trump and Putin", "points": ["a call"]})
LOGIN_PAGE = "<!doctype html><html><head><title>Sign in</title></head><body>SSO login</body></html>"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """No retry here waits: every wait is recorded instead (``waits``)."""
    return install_fake_time(monkeypatch)


def run(args: list[str], base_url: str, config: Path | None = None) -> Result:
    env = {"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": KEY}
    extra = ["--config", str(config)] if config else []
    return CliRunner().invoke(cli, [*args, *extra], env=env, catch_exceptions=False)


def brief_json(fake: FakeOpenAI, *extra: str, source: Path = SEED) -> dict[str, Any]:
    result = run(["brief", str(source), "-f", "json", *extra], fake.base_url)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def host(fake: FakeOpenAI) -> str:
    return f"127.0.0.1:{fake.port}"


def lines(result: Result, kind: str) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(f"briefer: {kind}:")]


def sent_schema(request: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = request["response_format"]["json_schema"]["schema"]
    return schema


# -- endpoints that answer something other than a chat completion ----------------------------

FIX = "check OPENAI_BASE_URL / --base-url (an OpenAI-compatible API, usually ending in /v1)"


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (
            Reply.no_choices(),
            "answered a chat completion with no choices; check --model / "
            "BRIEFER_MODEL, and the endpoint's logs (it may filter the prompt)",
        ),
        (
            Reply.raw(LOGIN_PAGE),
            f"answered with an HTML page, not the API (a login or proxy page?); {FIX}",
        ),
        (
            Reply.raw('{"status": "ok"}', content_type="application/json"),
            f"answered JSON that is not a chat completion; {FIX}",
        ),
        (Reply.raw("OK", content_type="text/plain"), f"answered with text that is not JSON; {FIX}"),
    ],
    ids=["choices-empty", "html-login-page", "json-not-a-completion", "plain-text"],
)
def test_an_answer_that_is_not_a_completion_is_one_line_and_not_retried(
    fake_openai: FakeOpenAI, reply: Reply, says: str
) -> None:
    fake_openai.enqueue(*[reply] * 5)
    result = run(["brief", str(SEED)], fake_openai.base_url)
    assert result.exit_code == 1
    assert lines(result, "error") == [f"briefer: error: the endpoint {host(fake_openai)} {says}"]
    assert fake_openai.calls == 1  # a wrong endpoint does not get better by asking again
    assert KEY not in result.output


@pytest.mark.parametrize(
    "base_url",
    [
        "not a url",
        "localhost:8000/v1",
        "ftp://example.org/v1",
        "http://",
        "http://[::1/v1",
        "http://example.org:port/v1",
        KEY,
    ],
)
def test_a_base_url_that_is_not_http_is_refused_before_any_call(base_url: str) -> None:
    result = run(["brief", str(SEED)], base_url)
    assert result.exit_code == 2
    (line,) = lines(result, "error")
    assert line.startswith("briefer: error: OPENAI_BASE_URL=")
    assert line.endswith(
        ": should be an http:// or https:// URL with a host, e.g. http://localhost:8000/v1"
        " (unset it for api.openai.com); fix the environment variable"
    )
    assert KEY not in result.output  # a key pasted into the wrong variable is not echoed


def test_a_base_url_without_a_scheme_makes_no_call(fake_openai: FakeOpenAI) -> None:
    result = run(["brief", str(SEED)], f"127.0.0.1:{fake_openai.port}/v1")
    assert result.exit_code == 2 and fake_openai.calls == 0


# -- no failure is cached ---------------------------------------------------------------------


def test_a_failed_brief_is_not_cached_so_a_rerun_asks_again(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(*[Reply.content(WRONG_SHAPE)] * 3)
    first = run(["brief", str(SEED)], fake_openai.base_url)
    assert first.exit_code == 1
    assert lines(first, "error") == [
        "briefer: error: the model's answer was not a valid brief after 3 attempts"
    ]
    fake_openai.enqueue(Reply.content(GOOD))
    second = brief_json(fake_openai)
    assert second["meta"]["calls"] == 1 and second["meta"]["cache_hits"] == 0
    assert fake_openai.calls == 4
    assert brief_json(fake_openai)["meta"]["cache_hits"] == 1  # the good answer is kept


@pytest.mark.parametrize(
    "stored",
    [ChatResponse(text=WRONG_SHAPE).model_dump_json(), "not a response at all"],
    ids=["wrong-shape-answer", "damaged-row"],
)
def test_a_cached_entry_that_does_not_validate_is_ignored_and_replaced(
    fake_openai: FakeOpenAI, isolated_env: Path, stored: str
) -> None:
    fake_openai.enqueue(Reply.content(GOOD), Reply.content(GOOD))
    brief_json(fake_openai)
    with sqlite3.connect(isolated_env / "cache.sqlite") as db:
        assert db.execute("UPDATE responses SET response = ?", (stored,)).rowcount == 1
    again = brief_json(fake_openai)
    assert again["meta"]["calls"] == 1 and again["meta"]["reasks"] == 0
    assert brief_json(fake_openai)["meta"]["cache_hits"] == 1
    assert fake_openai.calls == 2


def garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xffthis is not a database\n" * 200)


def truncated(path: Path) -> None:
    cache = ResponseCache(path)
    for n in range(40):
        cache.put(f"k{n}", "m", ChatResponse(text="x" * 4000))
    cache.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def foreign_table(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, value BLOB)")


def foreign_table_marked_migrated(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied REAL)")
        db.executemany(
            "INSERT INTO _migrations VALUES (?, 0)", [("m001_responses",), ("m002_json_modes",)]
        )
        db.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, value BLOB)")


@pytest.mark.parametrize(
    "damage", [garbage, truncated, foreign_table, foreign_table_marked_migrated]
)
def test_a_corrupt_cache_is_moved_aside_once_and_the_brief_goes_on(
    fake_openai: FakeOpenAI, isolated_env: Path, damage: Any
) -> None:
    path = isolated_env / "cache.sqlite"
    damage(path)
    original = path.read_bytes()
    fake_openai.enqueue(Reply.content(GOOD))
    result = run(["brief", str(SEED), "-f", "json"], fake_openai.base_url)
    assert result.exit_code == 0, result.output
    warnings = lines(result, "warning")
    assert len(warnings) == 1 and warnings[0].startswith(
        f"briefer: warning: {path}: the response cache was unusable ("
    )
    assert "; moved it to cache.sqlite.corrupt-" in warnings[0] and warnings[0].endswith(
        "and started a new one"
    )
    (aside,) = isolated_env.glob("cache.sqlite.corrupt-*[0-9]")
    assert aside.read_bytes() == original  # kept for a look, not deleted
    again = run(["brief", str(SEED), "-f", "json"], fake_openai.base_url)
    assert json.loads(again.stdout)["meta"]["cache_hits"] == 1 and lines(again, "warning") == []
    assert fake_openai.calls == 1


# -- an answer quoting code fences ------------------------------------------------------------

FENCED_SUMMARY = "The post quotes ```sudo reboot``` in a code block and says it ends the call."


@pytest.mark.parametrize(
    "wrap",
    [lambda s: s, lambda s: f"```json\n{s}\n```", lambda s: f"Here it is:\n```json\n{s}\n```\n"],
    ids=["bare", "fenced", "prose-and-fence"],
)
def test_an_answer_whose_strings_hold_code_fences_is_accepted(
    fake_openai: FakeOpenAI, wrap: Any
) -> None:
    fake_openai.enqueue(Reply.content(wrap(as_content(seed_answer(summary=FENCED_SUMMARY)))))
    brief = brief_json(fake_openai)
    assert "```sudo reboot```" in brief["summary"] and brief["meta"]["reasks"] == 0
    assert fake_openai.calls == 1


# -- every request is counted -----------------------------------------------------------------


def test_retried_attempts_are_counted(fake_openai: FakeOpenAI, clock: FakeTime) -> None:
    fake_openai.enqueue(
        Reply.status(429, headers={"Retry-After": "3"}),
        Reply.status(500),
        Reply.content(GOOD, prompt_tokens=1000, completion_tokens=200),
    )
    meta = brief_json(fake_openai)["meta"]
    assert clock.waits == [3.0, 1.0]  # the server's wait, then the second backoff window
    assert meta["calls"] == fake_openai.calls == 3
    assert meta["usage"] == {"prompt_tokens": 1000, "completion_tokens": 200}


def test_a_failed_story_still_counts_in_the_days_totals(
    fake_openai: FakeOpenAI, tmp_path: Path, clock: FakeTime
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "flood.md").write_text("# Riverton flood\n\nThe river at Riverton rose two metres.\n")
    (folder / "library.md").write_text("# Library reopens\n\nThe Northfield library reopened.\n")

    def answer(request: dict[str, Any]) -> Reply:
        if "Riverton" in request["messages"][1]["content"]:
            return Reply.content(WRONG_SHAPE, prompt_tokens=70, completion_tokens=7)
        return Reply.content(json.dumps(DEFAULT_BRIEF), prompt_tokens=200, completion_tokens=80)

    fake_openai.responder = answer
    fake_openai.enqueue(Reply.status(500, headers={"Retry-After": "0"}))
    out = tmp_path / "out"
    today = date.today().isoformat()
    result = run(["daily", str(folder), "--out", str(out), "--date", today], fake_openai.base_url)
    assert result.exit_code == 1, result.output
    digest = load_digest(out / today)
    assert [f.item for f in digest.failures] == ["Riverton flood"]
    assert digest.stats.model_calls == fake_openai.calls == 5  # 500 + retry, 3 for the failure
    assert clock.waits == [0.0]
    assert digest.stats.usage.prompt_tokens == 200 + 3 * 70
    assert digest.stats.usage.completion_tokens == 80 + 3 * 7


# -- strict schemas the real API accepts ------------------------------------------------------


def test_hosted_endpoints_get_a_schema_inside_the_documented_subset(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.enqueue(Reply.content(GOOD))
    brief_json(fake_openai)
    assert fake_openai.calls == 1  # the fake, like the API, refuses maxLength in a strict schema
    schema = sent_schema(fake_openai.requests[0])
    assert "maxLength" not in json.dumps(schema)
    assert schema["properties"]["title"] == {
        "type": "string",
        "description": "At most 100 characters.",
    }
    claims = schema["properties"]["claims"]
    assert claims["maxItems"] == 6 and claims["minItems"] == 5  # supported: kept


def test_the_embedded_model_still_gets_every_bound() -> None:
    """local.py builds its llama.cpp grammar from ``ChatRequest.json_schema``: unchanged."""
    fake = FakeBackend().enqueue(GOOD)
    settings = load_settings({"backend": "local", "cache": False, "context_window": 8192})
    Briefer(settings, backend=fake).brief(load_article(str(SEED)))
    schema = fake.history[0].json_schema
    assert schema is not None and schema["properties"]["title"]["maxLength"] == 100
    assert schema["$defs"]["CitedClaim"]["properties"]["text"]["maxLength"] == 140


def test_a_fine_tuned_model_gets_no_type_specific_keywords(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.content(GOOD))
    brief_json(fake_openai, "--model", "ft:gpt-4o-mini-2024-07-18:acme::abc123")
    assert fake_openai.calls == 1
    text = json.dumps(sent_schema(fake_openai.requests[0]))
    assert "minItems" not in text and "maxItems" not in text and '"enum"' in text


def test_more_than_1000_ids_become_a_range(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    # Near-duplicate sentences give too few claim candidates, so the model may cite any.
    article = tmp_path / "long.txt"
    article.write_text(
        " ".join(f"Clause {n} of the harbour budget was read." for n in range(1, 1101))
    )
    answer = {
        **json.loads(GOOD),
        "title": "The harbour budget was read",
        "summary": "Every clause of the harbour budget was read.",
        "claims": [{"text": "A clause was read.", "by": None, "sentence": 7}],
        "numbers": [],
        "actors": [],
    }
    fake_openai.enqueue(Reply.content(json.dumps(answer)))
    brief = brief_json(fake_openai, source=article)
    assert brief["meta"]["chunks"] == 1 and fake_openai.calls == 1
    sentence = sent_schema(fake_openai.requests[0])["$defs"]["CitedClaim"]["properties"]["sentence"]
    assert sentence == {"type": "integer", "minimum": 1, "maximum": 1100}


def test_the_hosted_schema_turns_only_the_largest_enums_into_ranges() -> None:
    schema = cited_json_schema(range(1, 1101), range(1, 4))
    hosted = hosted_json_schema(schema)
    assert hosted["$defs"]["CitedClaim"]["properties"]["sentence"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 1100,
    }
    assert hosted["properties"]["numbers"]["items"]["enum"] == [1, 2, 3]  # within the limit


def test_a_json_object_fallback_is_remembered_across_runs(tmp_path: Path) -> None:
    other = tmp_path / "other.md"
    other.write_text("# Library reopens\n\nThe Northfield library reopened on Saturday.\n")
    with FakeOpenAI(json_schema_supported=False) as fake:
        fake.enqueue(Reply.content(GOOD), Reply.content(json.dumps(DEFAULT_BRIEF)))
        first = brief_json(fake)
        assert first["meta"]["calls"] == 2  # the refused json_schema call counts too
        assert [r["response_format"]["type"] for r in fake.requests] == [
            "json_schema",
            "json_object",
        ]
        brief_json(fake, source=other)  # a new run, a new article
        assert fake.calls == 3 and fake.requests[2]["response_format"] == {"type": "json_object"}
