"""The retry and cache layers, with the real openai client against the loopback server.

Also how transport failures read on the command line: one line naming the host and the fix.
No test waits: the retry layer's sleep, jitter and clocks are replaced (``FakeTime``).
"""

from __future__ import annotations

import email.utils
import json
import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pydantic import BaseModel

from briefer.backends import ChatRequest, ChatResponse
from briefer.backends import openai as remote
from briefer.backends.cache import CachedBackend, ResponseCache, cache_key
from briefer.backends.openai import OpenAIBackend, RetryingBackend, endpoint_host
from briefer.backends.tally import Tally
from briefer.cli import cli
from briefer.errors import BriefValidationError, ModelError
from briefer.llm import ModelClient
from briefer.tokens import TokenizerDataError, _load_bundled_bpe
from tests.briefs import SEED, as_content, seed_answer
from tests.fakes import FakeOpenAI, Reply

REQUEST = ChatRequest(messages=(("user", "hi"),), json_schema=None)
NOW = 1_800_000_000.0  # the wall clock the tests' Retry-After dates are written against


@dataclass
class FakeTime:
    """The retry layer's time, replaced: a wait is recorded and moves both clocks at once.

    ``windows`` are the backoff windows asked of ``jitter``; it answers ``pick(low, high)``,
    the window's top unless a test says otherwise.
    """

    waits: list[float] = field(default_factory=list)
    windows: list[tuple[float, float]] = field(default_factory=list)
    elapsed: float = 0.0
    pick: float = 1.0  # where in each window a backoff wait falls: 0 its bottom, 1 its top

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.elapsed += seconds

    def jitter(self, low: float, high: float) -> float:
        self.windows.append((low, high))
        return low + self.pick * (high - low)

    def monotonic(self) -> float:
        return 5000.0 + self.elapsed  # a monotonic clock's zero is anywhere

    def wall_clock(self) -> float:
        return NOW + self.elapsed


REAL_JITTER, REAL_SLEEP = remote.jitter, remote.sleep


def install_fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """``remote``'s sleep, jitter and clocks replaced by a new ``FakeTime``."""
    fake = FakeTime()
    for name in ("sleep", "jitter", "monotonic", "wall_clock"):
        monkeypatch.setattr(remote, name, getattr(fake, name))
    return fake


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    return install_fake_time(monkeypatch)


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


def test_backoff_without_retry_after_doubles_up_to_its_cap(
    fake_openai: FakeOpenAI, clock: FakeTime
) -> None:
    """Each window is twice the last (0.5 s first), up to 20 s, and starts at 0 (full jitter)."""
    fake_openai.enqueue(*[Reply.status(500)] * 8, Reply.content("{}"))
    backend(fake_openai, clock.waits, attempts=9).complete(REQUEST)
    assert clock.waits == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0, 20.0]
    assert [low for low, _ in clock.windows] == [0.0] * 8


def test_a_backoff_wait_falls_anywhere_in_its_window(
    fake_openai: FakeOpenAI, clock: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real jitter: each wait inside its window, never at its top (nor all zero)."""
    monkeypatch.setattr(remote, "jitter", REAL_JITTER)
    fake_openai.enqueue(*[Reply.status(503)] * 6, Reply.content("{}"))
    backend(fake_openai, clock.waits, attempts=7).complete(REQUEST)
    windows = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
    assert len(clock.waits) == 6
    assert all(0.0 < wait < window for wait, window in zip(clock.waits, windows, strict=True))


def test_the_real_sleep_takes_seconds() -> None:
    assert REAL_SLEEP(0.0) is None  # every other test replaces it: no test waits


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


def ask(client: ModelClient) -> tuple[Answer, Tally]:
    return client.structured(lambda mode: (("user", f"answer in {mode}"),), Answer, ANSWER_SCHEMA)


def test_only_answers_that_validate_are_cached(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.enqueue(
        Reply.content('{"a', finish_reason="length"),
        Reply.content('{"b": 1}'),  # both refused
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


def brief_once(base_url: str, tmp_path: Path, *extra: str, attempts: int = 1) -> Result:
    config = tmp_path / "briefer.toml"
    config.write_text(f"max_attempts = {attempts}\n")
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
    assert len(said) == 1
    assert said[0].startswith(
        f"{path}: the response cache was unusable (database disk image is malformed); moved it"
    )
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


# -- Retry-After: what the server asks for, read as seconds ----------------------------------


def http_date(offset: float) -> str:
    return email.utils.formatdate(NOW + offset, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "2.5"}, 2.5),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": http_date(30)}, 30.0),
        ({"Retry-After": http_date(-30)}, 0.0),  # a date already past: at once
        ({"Retry-After": http_date(3600)}, 60.0),
        ({"Retry-After": "-5"}, 0.0),
        ({"Retry-After": "60"}, 60.0),
        ({"Retry-After": "60.5"}, 60.0),
        ({"Retry-After": "86400"}, 60.0),  # capped: a longer wait is a re-run's job
        ({"Retry-After": "inf"}, 60.0),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"retry-after-ms": "-250"}, 0.0),
        ({"retry-after-ms": "900000"}, 60.0),
        ({"retry-after-ms": "soon", "Retry-After": "9"}, 9.0),
        ({"retry-after-ms": "", "Retry-After": "9"}, 9.0),
        ({"Retry-After": "soon"}, 0.5),  # garbage: the backoff's first window
        ({"Retry-After": "nan"}, 0.5),
        ({"Retry-After": "Wed, 99 Oct 2026 07:28:00 GMT"}, 0.5),
        ({"Retry-After": ""}, 0.5),
        ({}, 0.5),
    ],
    ids=lambda value: "-" if value == {} else None,
)
def test_retry_after_is_read_as_seconds(
    fake_openai: FakeOpenAI, clock: FakeTime, headers: dict[str, str], wait: float
) -> None:
    fake_openai.enqueue(Reply.status(429, headers=headers), Reply.content("{}"))
    assert backend(fake_openai, clock.waits).complete(REQUEST).text == "{}"
    assert clock.waits == [wait] and fake_openai.calls == 2


# -- every status: retried or not, its exit code and its one line ----------------------------

RETRIED = "model call failed after retries: HTTP {status} from the endpoint; try again later"
REFUSED = (
    "the endpoint {host} refused the request (HTTP {status}); check --model, "
    "--max-output-tokens and the endpoint's logs"
)


@pytest.mark.parametrize(
    ("status", "retried", "exit_code", "says"),
    [
        (400, False, 1, REFUSED),
        (401, False, 2, "the endpoint {host} rejected the API key; check OPENAI_API_KEY"),
        (
            403,
            False,
            2,
            "the endpoint {host} refused the request (HTTP 403); check that "
            "OPENAI_API_KEY may use model 'm-1' there (its project, organisation or region)",
        ),
        (404, False, 2, "the endpoint {host} has no model 'm-1'; check --model / BRIEFER_MODEL"),
        (408, True, 1, RETRIED),
        (409, True, 1, RETRIED),
        (422, False, 1, REFUSED),
        (429, True, 1, RETRIED + " (or raise max_attempts in briefer.toml)"),
        (499, False, 1, REFUSED),
        (500, True, 1, RETRIED),
        (502, True, 1, RETRIED),
        (503, True, 1, RETRIED),
        (504, True, 1, RETRIED),
    ],
)
def test_each_status_is_retried_or_not_and_says_one_line(
    fake_openai: FakeOpenAI,
    clock: FakeTime,
    tmp_path: Path,
    status: int,
    retried: bool,
    exit_code: int,
    says: str,
) -> None:
    fake_openai.enqueue(*[Reply.status(status)] * 3)
    result = brief_once(fake_openai.base_url, tmp_path, "--model", "m-1", attempts=3)
    host = f"127.0.0.1:{fake_openai.port}"
    assert result.exit_code == exit_code, result.output
    assert error_lines(result) == ["briefer: error: " + says.format(host=host, status=status)]
    assert fake_openai.calls == (3 if retried else 1)
    assert clock.waits == ([0.5, 1.0] if retried else [])
    assert "sk-test-secret-123" not in result.output


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_a_retried_status_then_an_answer_is_a_brief(
    fake_openai: FakeOpenAI, clock: FakeTime, tmp_path: Path, status: int
) -> None:
    fake_openai.enqueue(Reply.status(status), Reply.content(as_content(seed_answer())))
    result = brief_once(fake_openai.base_url, tmp_path, "-f", "json", attempts=2)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["meta"]["calls"] == fake_openai.calls == 2
    assert clock.waits == [0.5]


def test_retries_stop_once_max_seconds_have_passed(
    fake_openai: FakeOpenAI, clock: FakeTime
) -> None:
    """Waits of 0.5 + 1 + 2 s reach 3.5 s: the fourth failure is the last, of 10 allowed."""
    fake_openai.enqueue(*[Reply.status(500)] * 10)
    inner = OpenAIBackend(model="m", base_url=fake_openai.base_url, api_key="k")
    retrying = RetryingBackend(inner, max_attempts=10, max_seconds=3.5)
    with pytest.raises(ModelError, match="after retries: HTTP 500"):
        retrying.complete(REQUEST)
    assert clock.waits[:3] == [0.5, 1.0, 2.0] and fake_openai.calls == 4


# -- the cache key: every field that can change an answer, and nothing else ------------------

KEYED = ChatRequest(
    messages=(("system", "Be brief."), ("user", "hi")),
    json_schema=ANSWER_SCHEMA,
    schema_name="answer",
)


@dataclass(frozen=True)
class Setup:
    """How the backend behind the cache is built; each case changes one thing."""

    model: str = "m"
    other_endpoint: bool = False
    api_key: str = "k"
    timeout: float = 2.0
    attempts: int = 4
    max_seconds: float = 120.0


def keyed(**changes: object) -> ChatRequest:
    return KEYED.model_copy(update=changes)


@pytest.mark.parametrize(
    ("setup", "request_", "hit"),
    [
        pytest.param(Setup(), KEYED, True, id="same"),
        pytest.param(Setup(other_endpoint=True), KEYED, False, id="endpoint"),
        pytest.param(Setup(model="m2"), KEYED, False, id="model"),
        pytest.param(
            Setup(),
            keyed(messages=(("system", "Be brief."), ("user", "hi!"))),
            False,
            id="message-text",
        ),
        pytest.param(
            Setup(),
            keyed(messages=(("user", "Be brief."), ("user", "hi"))),
            False,
            id="message-role",
        ),
        pytest.param(Setup(), keyed(messages=(("user", "hi"),)), False, id="message-dropped"),
        pytest.param(
            Setup(),
            keyed(messages=(("user", "hi"), ("system", "Be brief."))),
            False,
            id="message-order",
        ),
        pytest.param(
            Setup(), keyed(json_schema={**ANSWER_SCHEMA, "required": []}), False, id="schema"
        ),
        pytest.param(Setup(), keyed(json_schema=None), False, id="no-schema"),
        pytest.param(Setup(), keyed(json_mode="object"), False, id="json-mode"),
        pytest.param(Setup(), keyed(temperature=0.7), False, id="temperature"),
        pytest.param(Setup(), keyed(max_tokens=900), False, id="max-tokens"),
        pytest.param(
            Setup(),
            keyed(json_schema=dict(reversed(ANSWER_SCHEMA.items()))),
            True,
            id="schema-key-order",
        ),
        pytest.param(Setup(timeout=9.0), KEYED, True, id="timeout"),
        pytest.param(Setup(attempts=1), KEYED, True, id="attempts"),
        pytest.param(Setup(max_seconds=5.0), KEYED, True, id="max-seconds"),
        pytest.param(Setup(api_key="k2"), KEYED, True, id="api-key"),
    ],
)
def test_the_cache_key_changes_with_what_can_change_an_answer(
    fake_openai: FakeOpenAI, tmp_path: Path, setup: Setup, request_: ChatRequest, hit: bool
) -> None:
    def cached(base_url: str, setup: Setup) -> CachedBackend:
        inner = OpenAIBackend(
            model=setup.model, base_url=base_url, api_key=setup.api_key, timeout=setup.timeout
        )
        retrying = RetryingBackend(
            inner, max_attempts=setup.attempts, max_seconds=setup.max_seconds
        )
        return CachedBackend(retrying, ResponseCache(tmp_path / "c.sqlite"))

    first = cached(fake_openai.base_url, Setup())
    first.remember(KEYED, first.complete(KEYED))
    with FakeOpenAI() as other:
        again = cached(other.base_url if setup.other_endpoint else fake_openai.base_url, setup)
        answer = again.complete(request_)
        calls = fake_openai.calls + other.calls
    assert answer.cached is hit
    assert calls == (1 if hit else 2)


def test_the_backend_is_part_of_the_cache_key(tmp_path: Path) -> None:
    """A hosted endpoint named ``local`` and the embedded model (endpoint ``local``) never share."""

    class Stub:
        model, endpoint = "m", "local"

        def __init__(self, name: str) -> None:
            self.name = name

        def complete(self, request: ChatRequest) -> ChatResponse:
            return ChatResponse(text=self.name)

    cache = ResponseCache(tmp_path / "c.sqlite")
    hosted = CachedBackend(Stub("openai"), cache)
    hosted.remember(KEYED, hosted.complete(KEYED))
    embedded = CachedBackend(Stub("local"), cache).complete(KEYED)
    assert (embedded.text, embedded.cached) == ("local", False)
    assert hosted.complete(KEYED).cached is True


def test_the_cache_key_is_stable_across_versions() -> None:
    """A changed key misses every answer users have: change it only on purpose."""
    request = keyed(messages=(("user", "Zürich — 東京"),))
    key = cache_key("openai", "127.0.0.1:8000", "m", request)
    assert key == "ccd5cba968d29db8674054d490998c43c4f0ee5b9ced8315a3e7042b5ddb2b69"
