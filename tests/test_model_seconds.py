"""``meta.model_seconds`` is the wait on the model alone, not the SDK's local work.

The HTTP client under the openai SDK times each exchange (request sent, answer read) on
its own ``perf_counter``; these tests replace that one clock with a scripted one on which
every exchange takes exactly 0.25 s. A response then says 0.25 s however long building
the SDK client, its request or parsing the answer took; a timer around the whole SDK call
(what ``model_seconds`` was) would report the real time instead.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

import briefer
from briefer.backends.openai import OpenAIBackend, RetryingBackend
from tests.briefs import SEED, as_content, seed_answer
from tests.fakes import FakeOpenAI, Reply
from tests.test_client import REQUEST

EXCHANGE = 0.25  # seconds each request takes on the scripted clock


def scripted_clock() -> Iterator[float]:
    """Start and end of each exchange in turn: 0, 0.25, then 10, 10.25, then 20, ..."""
    for start in itertools.count(0.0, 10.0):
        yield start
        yield start + EXCHANGE


@pytest.fixture
def http_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's HTTP library reads ``time.perf_counter`` on the scripted clock."""
    sdk_client = OpenAIBackend(model="m", base_url="http://127.0.0.1:9/v1")._client
    # The module whose Client.send times the exchange (httpx, or httpx2 for openai 3).
    http_module = importlib.import_module(type(sdk_client._client).send.__module__)
    clock = scripted_clock()
    monkeypatch.setattr(http_module, "time", SimpleNamespace(perf_counter=lambda: next(clock)))


@pytest.mark.usefixtures("http_clock")
def test_a_response_says_how_long_the_exchange_took(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.content('{"a": 1}'), Reply.content('{"a": 2}'))
    backend = OpenAIBackend(model="m", base_url=fake_openai.base_url)
    first, second = backend.complete(REQUEST), backend.complete(REQUEST)
    # The first also built the SDK client and loaded its chat resource: not counted.
    assert (first.seconds, second.seconds) == (EXCHANGE, EXCHANGE)


@pytest.mark.usefixtures("http_clock")
def test_a_retried_answer_says_how_long_its_own_exchange_took(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.status(500), Reply.content('{"a": 1}'))
    inner = OpenAIBackend(model="m", base_url=fake_openai.base_url)
    response = RetryingBackend(inner, sleep=lambda _: None).complete(REQUEST)
    assert (response.attempts, response.seconds) == (2, EXCHANGE)


@pytest.mark.usefixtures("http_clock")
def test_a_briefs_model_seconds_are_its_exchanges(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    brief = briefer.brief_article(SEED, base_url=fake_openai.base_url)
    assert brief.meta.calls == fake_openai.calls >= 1
    assert brief.meta.model_seconds == round(EXCHANGE * brief.meta.calls, 3)
