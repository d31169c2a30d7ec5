"""The retry layer, pinned where mutation testing found it loose (docs/testing.md).

Each way a connection fails reads as its own few words, and counts as a request only if it
reached the endpoint; what a failed attempt spent (requests, tokens) adds up across the
retries; an endpoint that names the schema in its refusal, in any case, gets json mode.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import httpx
import pytest

from briefer.backends import ChatRequest, SchemaRejectedError, spent_on
from briefer.backends.openai import OpenAIBackend, RetryingBackend
from briefer.errors import ModelError
from briefer.schema import Usage
from tests.fakes import FakeOpenAI, Reply, error_body
from tests.test_client import ANSWER_SCHEMA, REQUEST, FakeTime, closed_port, install_fake_time


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    return install_fake_time(monkeypatch)


def retrying(base_url: str, attempts: int = 3, **options: object) -> RetryingBackend:
    inner = OpenAIBackend(model="m", base_url=base_url, api_key="k", timeout=2, **options)  # type: ignore[arg-type]
    return RetryingBackend(inner, max_attempts=attempts)


def failure(backend: RetryingBackend, request: ChatRequest = REQUEST) -> ModelError:
    with pytest.raises(ModelError) as raised:
        backend.complete(request)
    return raised.value


def raising(make: Callable[[httpx.Request], BaseException]) -> httpx.Client:
    """An HTTP client whose every request fails with ``make(request)``: the failures a
    loopback server cannot produce (an unknown host, a socket timeout under a read)."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise make(request)

    return httpx.Client(transport=httpx.MockTransport(handler))


def unknown_host(request: httpx.Request) -> BaseException:
    error = httpx.ConnectError("[Errno -2] Name or service not known", request=request)
    error.__cause__ = socket.gaierror(-2, "Name or service not known")
    return error


def socket_timeout(request: httpx.Request) -> BaseException:
    error = httpx.ReadError("timed out", request=request)
    error.__cause__ = TimeoutError("timed out")
    return error


def test_a_refused_connection_is_retried_and_never_counted() -> None:
    port = closed_port()
    error = failure(retrying(f"http://127.0.0.1:{port}/v1"))
    assert error.message == (
        f"could not reach 127.0.0.1:{port} (connection refused); check OPENAI_BASE_URL and the network"
    )
    assert spent_on(error).attempts == 0


def test_a_tls_handshake_with_a_plain_server_is_never_counted(fake_openai: FakeOpenAI) -> None:
    error = failure(retrying(f"https://127.0.0.1:{fake_openai.port}/v1"))
    assert error.message == (
        f"could not reach 127.0.0.1:{fake_openai.port} (TLS handshake failed); "
        "check OPENAI_BASE_URL and the network"
    )
    assert spent_on(error).attempts == 0 and fake_openai.calls == 0


def test_a_dropped_answer_is_retried_and_counted(fake_openai: FakeOpenAI, clock: FakeTime) -> None:
    fake_openai.enqueue(*[Reply.drop()] * 3)
    error = failure(retrying(fake_openai.base_url))
    assert error.message == (
        f"could not reach 127.0.0.1:{fake_openai.port} (connection failed); "
        "check OPENAI_BASE_URL and the network"
    )
    assert spent_on(error).attempts == 3 and clock.waits == [0.5, 1.0]


@pytest.mark.parametrize(
    ("make", "says", "counted"),
    [(unknown_host, "host not found", 0), (socket_timeout, "timed out", 2)],
    ids=["unknown-host", "socket-timeout"],
)
def test_failures_under_the_connection_say_what_happened(
    make: Callable[[httpx.Request], BaseException], says: str, counted: int
) -> None:
    backend = retrying("http://api.example/v1", attempts=2, http_client=raising(make))
    error = failure(backend)
    assert (
        error.message
        == f"could not reach api.example ({says}); check OPENAI_BASE_URL and the network"
    )
    assert spent_on(error).attempts == counted


def test_what_each_failed_attempt_spent_adds_up(fake_openai: FakeOpenAI) -> None:
    """A 500, then a completion with no choices (70 prompt tokens, reported): 2 requests."""
    fake_openai.enqueue(Reply.status(500), Reply.no_choices(prompt_tokens=70))
    error = failure(retrying(fake_openai.base_url))
    assert "answered a chat completion with no choices" in error.message
    assert spent_on(error).attempts == 2
    assert spent_on(error).usage == Usage(prompt_tokens=70, completion_tokens=0)


@pytest.mark.parametrize(
    "message",
    ["JSON Schema is not supported by this model", "Unknown parameter: RESPONSE_FORMAT"],
)
def test_a_refusal_naming_the_schema_in_any_case_falls_back_to_json_mode(
    fake_openai: FakeOpenAI, message: str
) -> None:
    fake_openai.enqueue(Reply.status(400, body=error_body(400, message)))
    request = ChatRequest(messages=(("user", "hi"),), json_schema=ANSWER_SCHEMA, schema_name="a")
    with pytest.raises(SchemaRejectedError):
        retrying(fake_openai.base_url).complete(request)
    assert fake_openai.calls == 1


def connect_timeout(request: httpx.Request) -> BaseException:
    return httpx.ConnectTimeout("timed out", request=request)


def proxy_host_unknown(request: httpx.Request) -> BaseException:
    error = httpx.ProxyError("proxy not found", request=request)
    error.__cause__ = socket.gaierror(-2, "Name or service not known")
    return error


@pytest.mark.parametrize(
    ("make", "says"),
    [(connect_timeout, "timed out"), (proxy_host_unknown, "host not found")],
    ids=["connect-timeout", "proxy-host-unknown"],
)
def test_a_request_that_never_left_is_not_counted(
    make: Callable[[httpx.Request], BaseException], says: str
) -> None:
    backend = retrying("http://api.example/v1", attempts=2, http_client=raising(make))
    error = failure(backend)
    assert f"could not reach api.example ({says})" in error.message
    assert spent_on(error).attempts == 0


# -- what a completion says about itself ------------------------------------------------------


def completion(finish_reason: str = "stop", usage: object = None) -> Reply:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "{}"},
                "finish_reason": finish_reason,
            }
        ],
    }
    if usage is not None:
        body["usage"] = usage
    return Reply.raw(json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("stop", "stop"),
        ("length", "length"),
        ("content_filter", "content_filter"),
        ("tool_calls", "other"),
        ("STOP", "other"),
    ],
)
def test_finish_reasons_are_read_or_other(fake_openai: FakeOpenAI, sent: str, read: str) -> None:
    fake_openai.enqueue(completion(finish_reason=sent))
    assert retrying(fake_openai.base_url).complete(REQUEST).finish_reason == read


@pytest.mark.parametrize(
    ("usage", "tokens"),
    [
        (None, 0),
        ({"prompt_tokens": 1, "completion_tokens": 2}, (1, 2)),
        ({"prompt_tokens": True, "completion_tokens": -3}, 0),
        ({"prompt_tokens": 2.5, "completion_tokens": "many"}, 0),
    ],
    ids=["missing", "small", "bool-and-negative", "float-and-text"],
)
def test_token_counts_are_whole_positive_numbers_or_zero(
    fake_openai: FakeOpenAI, usage: object, tokens: object
) -> None:
    fake_openai.enqueue(completion(usage=usage))
    prompt, answer = tokens if isinstance(tokens, tuple) else (0, 0)
    response = retrying(fake_openai.base_url).complete(REQUEST)
    assert response.usage == Usage(prompt_tokens=prompt, completion_tokens=answer)


# -- what is sent ------------------------------------------------------------------------------


def test_the_request_carries_the_model_and_the_sampling_parameters(fake_openai: FakeOpenAI) -> None:
    request = REQUEST.model_copy(update={"max_tokens": 900, "temperature": 0.7})
    retrying(fake_openai.base_url).complete(request)
    (sent,) = fake_openai.requests
    assert (sent["model"], sent["max_tokens"], sent["temperature"]) == ("m", 900, 0.7)
    assert sent["messages"] == [{"role": "user", "content": "hi"}]


def test_no_key_and_no_base_url_mean_a_placeholder_and_api_openai_com() -> None:
    """Local servers accept any key; with no base URL the SDK's default host is used."""
    backend = OpenAIBackend(model="m")
    assert backend.endpoint == "api.openai.com"
    assert backend._client.timeout == 60.0
    assert backend._client.api_key == "not-needed"


def test_a_choice_without_a_message_is_one_line(fake_openai: FakeOpenAI) -> None:
    body = {"id": "c", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop"}]}  # fmt: skip
    fake_openai.enqueue(Reply.raw(json.dumps(body), content_type="application/json"))
    error = failure(retrying(fake_openai.base_url))
    assert "answered a chat completion with no choices" in error.message


def test_a_refusal_is_its_own_finish_reason(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.refusal("I can't help with that."))
    response = retrying(fake_openai.base_url).complete(REQUEST)
    assert (response.finish_reason, response.refusal) == ("refusal", "I can't help with that.")
    assert response.text == ""


@pytest.mark.parametrize(("named", "model"), [("m-2024-07", "m-2024-07"), ("", "m"), (5, "m")])
def test_the_answer_names_the_model_the_endpoint_used(
    fake_openai: FakeOpenAI, named: object, model: str
) -> None:
    body = json.loads(completion().text or "{}")
    fake_openai.enqueue(
        Reply.raw(json.dumps({**body, "model": named}), content_type="application/json")
    )
    assert retrying(fake_openai.base_url).complete(REQUEST).model == model


def test_a_schema_refusal_keeps_the_endpoints_words(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.status(400, body=error_body(400, "json_schema is not supported")))
    request = ChatRequest(messages=(("user", "hi"),), json_schema=ANSWER_SCHEMA, schema_name="a")
    with pytest.raises(SchemaRejectedError, match=r"400 - json_schema is not supported$"):
        retrying(fake_openai.base_url).complete(request)


def test_a_body_cut_off_mid_json_is_one_line(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.raw('{"id": "c", "choi', content_type="application/json"))
    error = failure(retrying(fake_openai.base_url))
    assert error.message.startswith(
        f"the endpoint 127.0.0.1:{fake_openai.port} answered a body that is not valid JSON "
        "(cut off, or not the API); check OPENAI_BASE_URL"
    )


@pytest.mark.parametrize(("message", "field"), [
    ({"role": "assistant", "content": 42}, "content"),
    ({"role": "assistant", "content": "{}", "refusal": ["no"]}, "refusal"),
])  # fmt: skip
def test_a_message_field_that_is_not_text_is_one_line_and_its_tokens_count(
    fake_openai: FakeOpenAI, message: dict[str, object], field: str
) -> None:
    body = {"id": "c", "object": "chat.completion", "created": 1, "model": "m",
            "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
            "choices": [{"index": 0, "finish_reason": "stop", "message": message}]}  # fmt: skip
    fake_openai.enqueue(Reply.raw(json.dumps(body), content_type="application/json"))
    error = failure(retrying(fake_openai.base_url))
    host = fake_openai.base_url.split("//")[1].split("/")[0]
    assert error.message == (
        f"the endpoint {host} answered a chat completion whose message.{field} is not text; "
        "check --model / BRIEFER_MODEL and the endpoint's logs"
    )
    assert spent_on(error).usage == Usage(prompt_tokens=7, completion_tokens=3)
    assert fake_openai.calls == 1  # not retried


@pytest.mark.parametrize(("model", "fine_tuned"), [("m", False), ("ft:gpt-4o-mini:org::x", True)])
def test_a_schema_request_is_sent_as_a_strict_named_json_schema(
    fake_openai: FakeOpenAI, model: str, fine_tuned: bool
) -> None:
    from briefer.schema import hosted_json_schema

    fake_openai.enqueue(Reply.content('{"a": 1}'))
    backend = OpenAIBackend(model=model, base_url=fake_openai.base_url, api_key="k", timeout=2)
    backend.complete(ChatRequest(messages=REQUEST.messages, json_schema=ANSWER_SCHEMA,
                                 schema_name="answer"))  # fmt: skip
    assert fake_openai.requests[-1]["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "schema": hosted_json_schema(ANSWER_SCHEMA, fine_tuned=fine_tuned),
            "strict": True,
        },
    }


@pytest.mark.parametrize("url", ["not a url", "ftp://host/v1", "http://", "sk-abc123"])
def test_a_base_url_that_is_not_one_is_refused_in_words_that_never_echo_it(url: str) -> None:
    from briefer.backends.openai import check_base_url
    from briefer.errors import InputError

    with pytest.raises(InputError) as raised:
        check_base_url(url)
    assert str(raised.value) == (
        "OPENAI_BASE_URL / --base-url: not an http(s) URL with a host name; set it to the "
        "endpoint's address, e.g. http://localhost:8000/v1, or unset it for api.openai.com"
    )


@pytest.mark.parametrize(("url", "shown"), [
    ("http://127.0.0.1:8000/v1", "127.0.0.1:8000"),
    ("https://me:pw@api.openai.com/v1?key=k", "api.openai.com"),
    ("http://[::1]:9/v1", "[::1]:9"),
    ("http:///v1", ""),                    # no host name at all
    ("http://gateway:notaport/v1", "gateway"),  # a port that is not a number
    ("http://:notaport/v1", ""),
])  # fmt: skip
def test_the_endpoint_is_shown_as_host_and_port_only(url: str, shown: str) -> None:
    from briefer.backends.openai import endpoint_host

    assert endpoint_host(url) == shown


def test_an_answer_says_how_long_its_request_took(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.content('{"a": 1}'))
    response = retrying(fake_openai.base_url).complete(REQUEST)
    assert 0 < response.seconds < 60  # a loopback round trip, measured, never a clock reading


def test_an_error_outside_the_sdk_never_reached_the_endpoint_and_is_named_by_its_class() -> None:
    """What ``reached_endpoint`` and ``describe`` say of errors the status code cannot."""
    import openai

    from briefer.backends.openai_errors import describe, reached_endpoint

    assert not reached_endpoint(ValueError("a request body that could not be built"))
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    assert describe(openai.APITimeoutError(request)) == "APITimeoutError"
