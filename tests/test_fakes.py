"""The fakes speak the real protocols: the real openai / slack_sdk clients talk to them."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import openai
import pytest
from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler, builtin_handlers

from tests.fakes import (
    DEFAULT_BRIEF,
    FakeOpenAI,
    FakeSlack,
    FakeWeb,
    LoopbackServer,
    Reply,
    SlackReply,
)

MESSAGES: list[Any] = [{"role": "user", "content": "Brief this."}]


@pytest.fixture
def client(fake_openai: FakeOpenAI) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=fake_openai.base_url, api_key="sk-secret-123", max_retries=0
    ) as oai:
        yield oai


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


# -- OpenAI -----------------------------------------------------------------------------------


def test_openai_completion_default_and_scripted(
    fake_openai: FakeOpenAI, client: openai.OpenAI
) -> None:
    fake_openai.enqueue(
        Reply.content("hello", finish_reason="length", prompt_tokens=7, completion_tokens=3)
    )
    first = client.chat.completions.create(model="m-1", messages=MESSAGES)
    assert first.object == "chat.completion"
    assert first.model == "m-1"
    assert first.choices[0].message.content == "hello"
    assert first.choices[0].message.refusal is None
    assert first.choices[0].finish_reason == "length"
    assert first.usage is not None
    assert (first.usage.prompt_tokens, first.usage.completion_tokens) == (7, 3)
    assert first.usage.total_tokens == 10

    # queue empty, no responder: a default valid brief (over the same keep-alive client)
    second = client.chat.completions.create(model="m-2", messages=MESSAGES)
    assert second.id != first.id
    assert second.choices[0].finish_reason == "stop"
    assert json.loads(second.choices[0].message.content or "") == DEFAULT_BRIEF
    assert fake_openai.calls == 2


def test_openai_refusal(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    fake_openai.enqueue(Reply.refusal("I can't help with that."))
    result = client.chat.completions.create(model="m", messages=MESSAGES)
    message = result.choices[0].message
    assert message.content is None
    assert message.refusal == "I can't help with that."
    assert result.choices[0].finish_reason == "stop"


def test_openai_rate_limit_has_retry_after(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    fake_openai.enqueue(Reply.status(429, headers={"Retry-After": "1"}), Reply.status(503))
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="m", messages=MESSAGES)
    error = caught.value
    assert error.status_code == 429
    assert error.response.headers["retry-after"] == "1"
    assert error.code == "rate_limit_exceeded"
    assert error.request_id is not None
    with pytest.raises(openai.InternalServerError) as server_error:
        client.chat.completions.create(model="m", messages=MESSAGES)
    assert server_error.value.status_code == 503
    assert fake_openai.calls == 2


def test_openai_drop_is_connection_error(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    fake_openai.enqueue(Reply.drop())
    with pytest.raises(openai.APIConnectionError) as caught:
        client.chat.completions.create(model="m", messages=MESSAGES)
    assert not isinstance(caught.value, openai.APITimeoutError)
    # the server is still fine afterwards
    assert client.chat.completions.create(model="m", messages=MESSAGES).choices


def test_openai_hang_is_timeout(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.hang(2))
    # A timeout error, not the answer the hang ends with: the client gave up first.
    with (
        openai.OpenAI(
            base_url=fake_openai.base_url, api_key="test", max_retries=0, timeout=0.5
        ) as oai,
        pytest.raises(openai.APITimeoutError),
    ):
        oai.chat.completions.create(model="m", messages=MESSAGES)


def test_openai_records_requests_and_redacts_auth(
    fake_openai: FakeOpenAI, client: openai.OpenAI
) -> None:
    client.chat.completions.create(model="m", messages=MESSAGES, temperature=0)
    assert fake_openai.requests == [{"model": "m", "messages": MESSAGES, "temperature": 0}]
    headers = fake_openai.headers[0]
    assert headers["authorization"] == "Bearer REDACTED"
    assert "sk-secret-123" not in json.dumps(fake_openai.headers)
    assert headers["content-type"] == "application/json"


def test_openai_responder_latency_models_and_404(fake_openai: FakeOpenAI) -> None:
    seen: list[str] = []

    def responder(body: dict[str, Any]) -> Reply:
        seen.append(body["model"])
        return Reply.content(f"echo {body['model']}")

    fake_openai.responder = responder
    fake_openai.latency = 0.02
    fake_openai.enqueue(Reply.content("scripted"))
    with openai.OpenAI(base_url=fake_openai.base_url, api_key="t", max_retries=0) as oai:
        texts = [
            oai.chat.completions.create(model=f"m{i}", messages=MESSAGES).choices[0].message.content
            for i in range(3)
        ]
        assert texts == ["scripted", "echo m1", "echo m2"]
        assert seen == ["m1", "m2"]
        assert [m.id for m in oai.models.list()] == [fake_openai.model]
    status, headers, body = _get(f"{fake_openai.base_url}/nope")
    assert status == 404
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"]["type"] == "invalid_request_error"


def test_openai_serves_concurrent_requests_in_parallel(fake_openai: FakeOpenAI) -> None:
    # Each answer waits until all four requests are being handled: served one at a time, the
    # barrier breaks (a 500) instead of a timing window on shared cores deciding.
    together = threading.Barrier(4, timeout=10)

    def responder(body: dict[str, Any]) -> Reply:
        return Reply.content(f"seat {together.wait()}")

    fake_openai.responder = responder
    with (
        openai.OpenAI(base_url=fake_openai.base_url, api_key="t", max_retries=0) as oai,
        ThreadPoolExecutor(4) as pool,
    ):
        results = list(
            pool.map(lambda _: oai.chat.completions.create(model="m", messages=MESSAGES), range(4))
        )
    seats = sorted(str(r.choices[0].message.content) for r in results)
    assert seats == ["seat 0", "seat 1", "seat 2", "seat 3"]
    assert fake_openai.errors == []


def test_openai_responder_error_is_500(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    def broken(body: dict[str, Any]) -> Reply:
        raise KeyError("oops")

    fake_openai.responder = broken
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="m", messages=MESSAGES)
    assert "KeyError" in fake_openai.errors[0]


def test_openai_streaming(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    fake_openai.enqueue(Reply.content("a streamed answer that spans several chunks"))
    stream = client.chat.completions.create(
        model="m", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    text, finish, usage = "", None, None
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
    assert text == "a streamed answer that spans several chunks"
    assert finish == "stop"
    assert usage is not None and usage.total_tokens == 150


def strict_format(schema: dict[str, Any], name: str = "brief") -> Any:
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


def obj(**properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


@pytest.mark.parametrize(
    ("schema", "model", "refusal"),
    [
        (
            obj(title={"type": "string", "maxLength": 100}),
            "gpt-4o-mini",
            "In context=('properties', 'title'), 'maxLength' is not permitted.",
        ),
        (
            obj(tags={"type": "array", "items": {"type": "string"}, "uniqueItems": True}),
            "gpt-4o-mini",
            "In context=('properties', 'tags'), 'uniqueItems' is not permitted.",
        ),
        (
            obj(n={"type": "integer", "default": 3}),
            "gpt-4o-mini",
            "In context=('properties', 'n'), 'default' is not permitted.",
        ),
        (
            {**obj(a={"type": "string"}), "additionalProperties": True},
            "gpt-4o-mini",
            "In context=(), 'additionalProperties' is required to be supplied and to be false.",
        ),
        (
            {**obj(a={"type": "string"}, b={"type": "string"}), "required": ["a"]},
            "gpt-4o-mini",
            "In context=(), 'required' is required to be supplied and to be an array including "
            "every key in properties. Missing 'b'.",
        ),
        (
            obj(ids={"type": "array", "items": {"type": "integer", "enum": list(range(1001))}}),
            "gpt-4o-mini",
            "Expected at most 1000 enum values in total within a schema, but received 1001. "
            "Consider reducing the number of enum values.",
        ),
        (
            obj(ids={"type": "array", "items": {"type": "integer"}, "maxItems": 3}),
            "ft:gpt-4o-mini:acme::x",
            "In context=('properties', 'ids'), 'maxItems' is not permitted.",
        ),
        (
            obj(when={"type": "string", "format": "uri"}),
            "gpt-4o-mini",
            "In context=('properties', 'when'), format 'uri' is not permitted.",
        ),
        (
            {"anyOf": [obj(a={"type": "string"})]},
            "gpt-4o-mini",
            "In context=(), schema must be a JSON Schema of 'type: \"object\"', got something else.",
        ),
    ],
    ids=[
        "maxLength",
        "uniqueItems",
        "default",
        "additionalProperties",
        "required",
        "enum-count",
        "fine-tuned-maxItems",
        "format",
        "root-anyOf",
    ],
)
def test_openai_strict_schema_refusals_are_400s_like_the_api(
    client: openai.OpenAI, schema: dict[str, Any], model: str, refusal: str
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(
            model=model, messages=MESSAGES, response_format=strict_format(schema)
        )
    assert refused.value.param == "response_format" and refused.value.code is None
    assert refused.value.message.endswith(f"Invalid schema for response_format 'brief': {refusal}")


def test_openai_strict_schema_inside_the_subset_is_answered(
    fake_openai: FakeOpenAI, client: openai.OpenAI
) -> None:
    fake_openai.enqueue(Reply.content("{}"))
    schema = obj(
        name={"type": "string", "pattern": "^[A-Z]", "description": "d", "title": "Name"},
        when={"type": "string", "format": "date"},
        score={"anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "null"}]},
        tags={"type": "array", "items": {"$ref": "#/$defs/Tag"}, "minItems": 1, "maxItems": 3},
    )
    schema["$defs"] = {"Tag": obj(label={"type": "string", "enum": ["a", "b"]})}
    answer = client.chat.completions.create(
        model="m", messages=MESSAGES, response_format=strict_format(schema)
    )
    assert answer.choices[0].message.content == "{}"
    # non-strict schemas and json_object mode are not checked at all
    client.chat.completions.create(
        model="m",
        messages=MESSAGES,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "x", "schema": {"maxLength": 1}},
        },
    )
    assert fake_openai.calls == 2 and fake_openai.pending == 0


def test_openai_without_json_schema_refuses_it_and_keeps_the_script(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.json_schema_supported = False
    fake_openai.enqueue(Reply.content("scripted"))
    with openai.OpenAI(base_url=fake_openai.base_url, api_key="t", max_retries=0) as oai:
        with pytest.raises(openai.BadRequestError, match="'json_schema' is not supported"):
            oai.chat.completions.create(
                model="m", messages=MESSAGES, response_format=strict_format(obj())
            )
        plain = oai.chat.completions.create(
            model="m", messages=MESSAGES, response_format={"type": "json_object"}
        )
    assert plain.choices[0].message.content == "scripted"  # the 400 used no scripted reply
    assert fake_openai.calls == 2


def test_openai_raw_and_empty_replies(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.raw("<html>Sign in</html>"), Reply.no_choices(prompt_tokens=9))
    with urllib.request.urlopen(
        urllib.request.Request(
            f"{fake_openai.base_url}/chat/completions",
            data=b'{"model": "m", "messages": []}',
            headers={"Content-Type": "application/json"},
        ),
        timeout=5,
    ) as response:
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.read() == b"<html>Sign in</html>"
    with openai.OpenAI(base_url=fake_openai.base_url, api_key="t", max_retries=0) as oai:
        empty = oai.chat.completions.create(model="m", messages=MESSAGES)
    assert empty.choices == [] and empty.usage is not None and empty.usage.prompt_tokens == 9


# -- Slack ------------------------------------------------------------------------------------


def test_slack_webhook(fake_slack: FakeSlack) -> None:
    response = WebhookClient(fake_slack.webhook_url).send(text="digest")
    assert (response.status_code, response.body) == (200, "ok")
    assert fake_slack.posts == [{"text": "digest"}]
    fake_slack.enqueue(SlackReply.rate_limited(3), SlackReply.api_error("channel_not_found"))
    limited = WebhookClient(fake_slack.webhook_url).send(text="again")
    assert (limited.status_code, limited.body) == (429, "rate_limited")
    assert limited.headers["Retry-After"] == "3"
    missing = WebhookClient(fake_slack.webhook_url).send(text="again")
    assert (missing.status_code, missing.body) == (404, "channel_not_found")
    assert len(fake_slack.posts) == 1
    assert len(fake_slack.requests) == 3


def test_slack_web_api_post_message(fake_slack: FakeSlack) -> None:
    web = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    assert web.auth_test()["ok"] is True
    first = web.chat_postMessage(channel="C1", text="hi")
    assert first["ok"] is True
    assert first["channel"] == "C1"
    assert first["message"]["text"] == "hi"
    reply = web.chat_postMessage(channel="C1", text="in thread", thread_ts=first["ts"])
    assert float(reply["ts"]) > float(first["ts"])
    assert fake_slack.posts == [
        {"channel": "C1", "text": "hi", "ts": first["ts"]},
        {"channel": "C1", "text": "in thread", "thread_ts": first["ts"], "ts": reply["ts"]},
    ]
    path, body, headers = fake_slack.requests[1]
    assert path == "/api/chat.postMessage"
    assert body == {"channel": "C1", "text": "hi"}
    assert headers["authorization"] == "Bearer REDACTED"
    assert headers["content-type"].startswith("application/json")


def test_slack_web_api_errors(fake_slack: FakeSlack) -> None:
    web = WebClient(token="xoxb-test", base_url=fake_slack.api_url)  # default retry handlers
    fake_slack.enqueue(SlackReply.rate_limited(1), SlackReply.api_error("channel_not_found"))
    with pytest.raises(SlackApiError) as limited:
        web.chat_postMessage(channel="C1", text="hi")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    assert limited.value.response["error"] == "ratelimited"
    with pytest.raises(SlackApiError) as missing:
        web.chat_postMessage(channel="C1", text="hi")
    assert missing.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as unauthed:
        WebClient(base_url=fake_slack.api_url).chat_postMessage(channel="C1", text="hi")
    assert unauthed.value.response["error"] == "not_authed"
    assert fake_slack.posts == []
    assert len(fake_slack.requests) == 3


def test_slack_rate_limit_retry_handler(
    fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The handler sleeps int(Retry-After) + random.random(): take the jitter out.
    monkeypatch.setattr(builtin_handlers, "random", SimpleNamespace(random=lambda: 0.0))
    web = WebClient(
        token="xoxb-test",
        base_url=fake_slack.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake_slack.enqueue(SlackReply.rate_limited(0))
    assert web.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert len(fake_slack.requests) == 2
    assert len(fake_slack.posts) == 1


# -- Web --------------------------------------------------------------------------------------


def test_web_pages_and_user_agent(fake_web: FakeWeb) -> None:
    fake_web.add("/feed.xml", "<rss/>", content_type="application/rss+xml")
    status, headers, body = _get(fake_web.url("/feed.xml"), {"User-Agent": "briefer-test/1"})
    assert (status, body) == (200, b"<rss/>")
    assert headers["Content-Type"] == "application/rss+xml"
    status, _, _ = _get(fake_web.url("/missing"))
    assert status == 404
    path, headers_seen = fake_web.requests[0]
    assert (path, headers_seen["user-agent"]) == ("/feed.xml", "briefer-test/1")
    assert len(fake_web.requests) == 2


# -- lifecycle --------------------------------------------------------------------------------


def test_lifetime_timer_stops_server() -> None:
    fake = FakeOpenAI(lifetime=0.5).start()
    try:
        port = fake.port
        assert fake.running
        assert fake.wait_stopped(5.0)
        assert not fake.running
        assert fake.expired
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        fake.stop()


@pytest.mark.parametrize("kind", [FakeOpenAI, FakeSlack, FakeWeb])
def test_binds_loopback_only(kind: type[LoopbackServer]) -> None:
    with kind(lifetime=10) as fake:
        host, port = fake.server_address
        assert (host, port) == ("127.0.0.1", fake.port)
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        with pytest.raises(OSError):  # another loopback address: not listening there
            socket.create_connection(("127.0.0.2", port), timeout=1).close()
    assert not fake.running
