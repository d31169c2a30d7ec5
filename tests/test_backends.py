"""The backends package: the shipped fake, and the wrappers ``backends.stack`` puts around a model."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from briefer.articles import make_article
from briefer.backends import ChatRequest, ChatResponse, Spent, Wrapper
from briefer.backends.cache import CachedBackend, ResponseCache
from briefer.backends.fake import FakeBackend
from briefer.backends.stack import (
    BoundedBackend,
    StoppableBackend,
    Stopped,
    bound,
    response_cache,
)
from briefer.backends.tally import Tally
from briefer.config import load_settings
from briefer.pipeline import Briefer
from briefer.schema import Usage

ARTICLE = (
    "Mayor Ana Ruiz said the bridge will cost 12 million dollars. "
    "The council voted 7 to 2 on Tuesday."
)
ANSWER = {
    "title": "The council backs a bridge",
    "summary": "The council voted for a new bridge.",
    "actors": [{"name": "Ana Ruiz", "role": "mayor"}],
    "claims": [
        {"text": "The bridge will cost 12 million dollars.", "by": "Ana Ruiz", "sentence": 1}
    ],
    "numbers": [1],
    "questions": ["Who pays for upkeep?"],
}
REQUEST = ChatRequest(messages=(("user", "hi"),))


def test_the_fake_backend_briefs_through_the_whole_pipeline_and_keeps_each_request() -> None:
    fake = FakeBackend().enqueue(json.dumps(ANSWER))
    settings = load_settings({"backend": "openai", "cache": False})
    brief = Briefer(settings, backend=fake).brief(make_article(ARTICLE, label="bridge"))
    assert [c.evidence for c in brief.claims] == [
        "Mayor Ana Ruiz said the bridge will cost 12 million dollars."
    ]
    assert [(n.value, n.text) for n in brief.numbers] == [(12_000_000, "12 million dollars")]
    assert brief.meta.backend == "fake" and brief.meta.calls == 1
    (request,) = fake.history
    assert "[2] The council voted 7 to 2 on Tuesday." in request.messages[1][1]


def test_the_fake_backend_answers_its_default_or_says_the_queue_is_empty() -> None:
    assert FakeBackend(default="{}").complete(REQUEST).text == "{}"
    with pytest.raises(LookupError, match="no answer queued for request 1"):
        FakeBackend().complete(REQUEST)
    queued = FakeBackend(model="m").enqueue("a", ChatResponse(text="b", finish_reason="length"))
    assert [
        (r.text, r.finish_reason, r.model)
        for r in (queued.complete(REQUEST), queued.complete(REQUEST))
    ] == [("a", "stop", "m"), ("b", "length", "m")]
    failing = FakeBackend(default="later").enqueue(TimeoutError("slow"))
    with pytest.raises(TimeoutError, match="slow"):
        failing.complete(REQUEST)
    assert failing.complete(REQUEST).text == "later" and len(failing.history) == 2
    echo = FakeBackend(model="m", default="unused", respond=lambda r: r.messages[0][1].upper())
    echo.enqueue("queued")
    assert [(r.text, r.model) for r in (echo.complete(REQUEST), echo.complete(REQUEST))] == [
        ("queued", "m"),
        ("HI", "m"),
    ]


def test_every_wrapper_keeps_the_models_identity(tmp_path: Path) -> None:
    model = FakeBackend(model="m1", endpoint="e1")
    stop = threading.Event()
    wrappers: list[Wrapper] = [
        StoppableBackend(model, stop),
        BoundedBackend(model, 1),
        CachedBackend(model, ResponseCache(tmp_path / "c.sqlite")),
    ]
    assert {(w.name, w.model, w.endpoint, w.inner) for w in wrappers} == {
        ("fake", "m1", "e1", model)
    }


def test_a_bound_keeps_the_cache_outside_so_a_hit_needs_no_slot_and_survives_a_stop(
    tmp_path: Path,
) -> None:
    model = FakeBackend(default="fresh")
    cache = CachedBackend(model, ResponseCache(tmp_path / "c.sqlite"))
    cache.remember(REQUEST, ChatResponse(text="kept"))
    stop = threading.Event()
    bounded = bound(cache, 1, stop)
    assert isinstance(bounded, CachedBackend) and isinstance(bounded.inner, BoundedBackend)
    stop.set()
    assert bounded.complete(REQUEST).text == "kept"  # answered from the cache after the stop
    with pytest.raises(Stopped):
        bounded.complete(ChatRequest(messages=(("user", "new"),)))
    assert model.history == []


def test_the_pipeline_keeps_what_it_derives_in_the_backends_own_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One connection to cache.sqlite per process, found through any wrappers."""
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    cache = ResponseCache(tmp_path / "cache.sqlite")
    model = FakeBackend()
    stacked = bound(CachedBackend(model, cache), 2, threading.Event())
    assert response_cache(StoppableBackend(stacked, threading.Event())) is cache
    assert response_cache(model) is None
    settings = load_settings(
        {"base_url": "http://127.0.0.1:9/v1"}, environ={"BRIEFER_HOME": str(tmp_path)}
    )
    assert Briefer(settings, backend=stacked)._derived is cache
    uncached = Briefer(settings, backend=model)._derived
    assert isinstance(uncached, ResponseCache) and uncached is not cache


def test_the_tally_keeps_billed_and_cached_tokens_apart_and_counts_every_request(
    tmp_path: Path,
) -> None:
    fresh = ChatResponse(text="x", usage=Usage(prompt_tokens=5), attempts=2, seconds=1.5)
    cache = CachedBackend(FakeBackend().enqueue(fresh), ResponseCache(tmp_path / "c.sqlite"))
    tally = Tally()
    first = cache.complete(REQUEST)
    cache.remember(REQUEST, first)
    tally.answered(first)
    tally.answered(cache.complete(REQUEST))  # the replay: no request, nothing billed
    tally.failed(Spent(attempts=3, usage=Usage(completion_tokens=4)))
    assert (tally.calls, tally.cache_hits, tally.model_seconds) == (5, 1, 1.5)
    assert tally.billed == Usage(prompt_tokens=5, completion_tokens=4)
    assert tally.cached == Usage(prompt_tokens=5)
    assert tally.usage == Usage(prompt_tokens=10, completion_tokens=4)
    total = Tally(reasks=1)
    total.add(tally)
    total.add(tally)
    assert (total.calls, total.cache_hits, total.reasks, total.usage.prompt_tokens) == (
        10,
        2,
        1,
        20,
    )


def test_a_kept_answer_is_stored_as_one_attempt_and_replayed_as_free_and_instant(
    tmp_path: Path,
) -> None:
    from briefer.backends.cache import cache_key

    store = ResponseCache(tmp_path / "c.sqlite")
    cached = CachedBackend(FakeBackend(model="m"), store)
    cached.remember(REQUEST, ChatResponse(text="x", attempts=3, seconds=2.5))
    kept = store.get(cache_key("fake", "fake", "m", REQUEST))
    assert kept is not None and (kept.attempts, kept.seconds) == (1, 2.5)
    hit = cached.complete(REQUEST)
    assert (hit.text, hit.cached, hit.seconds, hit.attempts) == ("x", True, 0.0, 0)
