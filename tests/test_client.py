"""The retry and cache layers, with the real openai client against the loopback server.

Also how transport failures read on the command line: one line naming the host and the fix.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pydantic import BaseModel

from briefer.backends import ChatRequest, ChatResponse
from briefer.cache import ResponseCache
from briefer.cli import cli
from briefer.errors import BriefValidationError, ModelError
from briefer.llm import (
    CachedBackend,
    CallStats,
    ModelClient,
    OpenAIBackend,
    RetryingBackend,
    endpoint_host,
)
from briefer.tokens import TokenizerDataError, _load_bundled_bpe
from tests.briefs import SEED
from tests.fakes import FakeOpenAI, Reply

REQUEST = ChatRequest(messages=(("user", "hi"),), json_schema=None)


def backend(fake: FakeOpenAI, waits: list[float], attempts: int = 4) -> RetryingBackend:
    inner = OpenAIBackend(model="m", base_url=fake.base_url, api_key="k", timeout=2)
    return RetryingBackend(inner, max_attempts=attempts, sleep=waits.append)


def test_retry_after_is_honoured(fake_openai: FakeOpenAI) -> None:
    waits: list[float] = []
    fake_openai.enqueue(Reply.status(429, headers={"Retry-After": "7"}), Reply.content("{}"))
    assert backend(fake_openai, waits).complete(REQUEST).text == "{}"
    assert waits == [7.0]


def test_retry_after_ms_wins_and_long_waits_are_capped(fake_openai: FakeOpenAI) -> None:
    waits: list[float] = []
    fake_openai.enqueue(
        Reply.status(429, headers={"retry-after-ms": "250", "Retry-After": "9"}),
        Reply.status(503, headers={"Retry-After": "86400"}),
        Reply.content("{}"),
    )
    backend(fake_openai, waits).complete(REQUEST)
    assert waits == [0.25, 60.0]


def test_backoff_without_retry_after_is_bounded_exponential(fake_openai: FakeOpenAI) -> None:
    waits: list[float] = []
    fake_openai.enqueue(
        Reply.status(500), Reply.status(502), Reply.status(500), Reply.content("{}")
    )
    backend(fake_openai, waits).complete(REQUEST)
    assert len(waits) == 3 and all(0 <= w <= 20 for w in waits)


def test_attempts_are_bounded_and_sdk_retries_are_off(fake_openai: FakeOpenAI) -> None:
    waits: list[float] = []
    fake_openai.enqueue(*[Reply.status(500)] * 5)
    with pytest.raises(ModelError, match="HTTP 500"):
        backend(fake_openai, waits, attempts=3).complete(REQUEST)
    assert fake_openai.calls == 3  # not 3 × (1 + the SDK's own 2 retries)


def test_client_errors_are_not_retried(fake_openai: FakeOpenAI) -> None:
    waits: list[float] = []
    fake_openai.enqueue(
        Reply.status(
            400, body={"error": {"message": "bad messages", "type": "invalid_request_error"}}
        )
    )
    with pytest.raises(ModelError):
        backend(fake_openai, waits).complete(REQUEST)
    assert fake_openai.calls == 1 and waits == []


def test_cache_keys_on_the_request(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    cached = CachedBackend(backend(fake_openai, []), ResponseCache(tmp_path / "c.sqlite"))
    fake_openai.enqueue(Reply.content('{"a": 1}'), Reply.content('{"b": 2}'))
    first = cached.complete(REQUEST)
    cached.remember(REQUEST, first)
    again = cached.complete(REQUEST)
    other = cached.complete(REQUEST.model_copy(update={"temperature": 0.5}))
    assert (first.cached, again.cached, other.cached) == (False, True, False)
    assert again.text == first.text and other.text == '{"b": 2}'
    assert fake_openai.calls == 2


def test_an_answer_is_kept_only_when_remembered(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    """The caller decides (after validating): complete() alone never stores a thing."""
    cached = CachedBackend(backend(fake_openai, []), ResponseCache(tmp_path / "c.sqlite"))
    fake_openai.enqueue(Reply.content('{"a": 1}'), Reply.content('{"a": 2}'))
    assert cached.complete(REQUEST).cached is False
    kept = cached.complete(REQUEST)  # not remembered: a second call
    cached.remember(REQUEST, kept)
    assert cached.complete(REQUEST).text == '{"a": 2}' and fake_openai.calls == 2
    cached.forget(REQUEST)
    assert cached.complete(REQUEST).cached is False and fake_openai.calls == 3


class Answer(BaseModel):
    a: int


ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"a": {"type": "integer"}},
    "required": ["a"],
    "additionalProperties": False,
}


def client_on(fake: FakeOpenAI, tmp_path: Path, reasks: int = 1) -> ModelClient:
    cached = CachedBackend(backend(fake, []), ResponseCache(tmp_path / "c.sqlite"))
    return ModelClient(cached, reasks=reasks)


def ask(client: ModelClient) -> tuple[Answer, CallStats]:
    return client.structured(lambda mode: (("user", f"answer in {mode}"),), Answer, ANSWER_SCHEMA)


def test_only_answers_that_validate_are_cached(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.enqueue(
        Reply.content('{"a', finish_reason="length"), Reply.content('{"b": 1}'),  # both refused
        Reply.content('{"a": 1}'),
    )
    with pytest.raises(BriefValidationError):
        ask(client_on(fake_openai, tmp_path))
    answer, stats = ask(client_on(fake_openai, tmp_path))  # a new run: nothing replayed
    assert answer.a == 1 and stats.calls == 1 and stats.cache_hits == 0
    again, stats = ask(client_on(fake_openai, tmp_path))
    assert again.a == 1 and stats.calls == 0 and stats.cache_hits == 1
    assert fake_openai.calls == 3


def test_a_cached_entry_that_no_longer_validates_is_replaced(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    client = client_on(fake_openai, tmp_path)
    assert isinstance(client.backend, CachedBackend)
    request = ChatRequest(
        messages=(("user", "answer in schema"),), json_schema=ANSWER_SCHEMA, schema_name="answer"
    )
    client.backend.cache.put(client.backend._key(request), "m", ChatResponse(text='{"b": 2}'))
    fake_openai.enqueue(Reply.content('{"a": 3}'))
    answer, stats = ask(client)
    assert answer.a == 3 and stats.calls == 1 and stats.cache_hits == 0 and stats.reasks == 0
    assert ask(client_on(fake_openai, tmp_path))[1].cache_hits == 1  # the good one replaced it


def test_bundled_tokenizer_hash_is_verified() -> None:
    with pytest.raises(TokenizerDataError, match="sha256"):
        _load_bundled_bpe("https://x/o200k_base.tiktoken", expected_hash="0" * 64)


def closed_port() -> int:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def brief_once(base_url: str, tmp_path: Path, *extra: str) -> Result:
    config = tmp_path / "briefer.toml"
    config.write_text("max_attempts = 1\n")
    env = {"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sk-test-secret-123"}
    args = ["brief", str(SEED), "--config", str(config), "--no-cache", *extra]
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("briefer: error:")]


def test_unreachable_endpoint_names_the_host_and_the_fix(tmp_path: Path) -> None:
    port = closed_port()
    result = brief_once(f"http://user:hunter2@127.0.0.1:{port}/v1", tmp_path)
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"briefer: error: could not reach 127.0.0.1:{port} (connection refused); "
        "check OPENAI_BASE_URL and the network"
    ]
    assert "Traceback" not in result.output
    assert "hunter2" not in result.output and "sk-test-secret-123" not in result.output


def test_a_timed_out_endpoint_says_so(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.enqueue(Reply.hang(3))
    result = brief_once(fake_openai.base_url, tmp_path, "--timeout", "0.3")
    assert result.exit_code == 1
    host = fake_openai.base_url.split("//", 1)[1].split("/", 1)[0]
    assert error_lines(result) == [
        f"briefer: error: could not reach {host} (timed out); check OPENAI_BASE_URL and the network"
    ]
    assert fake_openai.calls == 1


def test_endpoint_host_drops_credentials_path_and_query() -> None:
    assert endpoint_host("http://u:p@Example.org:8080/v1?key=sk-1") == "example.org:8080"
    assert endpoint_host("https://api.openai.com/v1/") == "api.openai.com"
    assert endpoint_host("http://[::1]:11434/v1") == "[::1]:11434"


def test_damage_found_mid_run_is_set_aside_once_and_the_cache_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)
    for n in range(40):
        cache.put(f"k{n}", "m", ChatResponse(text="x" * 4000))
    cache.close()
    data = bytearray(path.read_bytes())
    start = 10 * 4096  # past the schema and the tables' root pages: only rows are damaged
    data[start:-4096] = b"\xff" * (len(data) - start - 4096)
    path.write_bytes(bytes(data))
    said: list[str] = []
    cache = ResponseCache(path, notify=said.append)
    assert said == []  # it opens: the damage is further in
    assert [cache.get(f"k{n}") for n in range(40)] == [None] * 40
    assert len(said) == 1 and "the response cache was unusable" in said[0]
    assert len(list(tmp_path.glob("c.sqlite.corrupt-*"))) == 1
    cache.put("k1", "m", ChatResponse(text="fresh"))
    hit = cache.get("k1")
    assert hit is not None and hit.text == "fresh" and len(said) == 1


def test_a_learned_json_mode_is_kept_for_a_week(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    assert cache.json_mode("openai", "h:1", "m") is None
    cache.learn_json_mode("openai", "h:1", "m", "object")
    assert cache.json_mode("openai", "h:1", "m") == "object"
    assert cache.json_mode("openai", "h:1", "other-model") is None
    cache._db.execute("UPDATE json_modes SET learned = learned - 8 * 86400")
    assert cache.json_mode("openai", "h:1", "m") is None  # an upgraded server gets found again
