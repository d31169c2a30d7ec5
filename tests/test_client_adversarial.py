"""The model-call side against endpoints and caches that misbehave, through the real CLI.

Each case is one line on stderr naming the input and the fix, with the documented exit
code, never a traceback (``catch_exceptions=False`` would raise it here); no failure is
ever cached; every request the endpoint received is counted; strict schemas stay inside
what the real API accepts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from briefer.articles import load_article
from briefer.backends import ChatRequest, ChatResponse
from briefer.cli import cli
from briefer.config import load_settings
from briefer.pipeline import Briefer
from tests.briefs import SEED, as_content, seed_answer
from tests.fakes import FakeOpenAI, Reply

KEY = "sk-test-secret-123"
GOOD = as_content(seed_answer())
WRONG_SHAPE = json.dumps({"headline": "Trump and Putin", "points": ["a call"]})
LOGIN_PAGE = "<!doctype html><html><head><title>Sign in</title></head><body>SSO login</body></html>"


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


# -- an answer quoting code fences ------------------------------------------------------------

FENCED_SUMMARY = "The post quotes ```kill -9 1``` in a code block and says it ends the call."


@pytest.mark.parametrize(
    "wrap", [lambda s: s, lambda s: f"```json\n{s}\n```", lambda s: f"Here it is:\n```json\n{s}\n```\n"],
    ids=["bare", "fenced", "prose-and-fence"],
)
def test_an_answer_whose_strings_hold_code_fences_is_accepted(fake_openai: FakeOpenAI, wrap: Any) -> None:
    fake_openai.enqueue(Reply.content(wrap(as_content(seed_answer(summary=FENCED_SUMMARY)))))
    brief = brief_json(fake_openai)
    assert "```kill -9 1```" in brief["summary"] and brief["meta"]["reasks"] == 0
    assert fake_openai.calls == 1


# -- strict schemas the real API accepts ------------------------------------------------------


def test_hosted_endpoints_get_a_schema_inside_the_documented_subset(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.content(GOOD))
    brief_json(fake_openai)
    assert fake_openai.calls == 1  # the fake, like the API, refuses maxLength in a strict schema
    schema = sent_schema(fake_openai.requests[0])
    assert "maxLength" not in json.dumps(schema)
    assert schema["properties"]["title"] == {"type": "string", "description": "At most 100 characters."}
    claims = schema["properties"]["claims"]
    assert claims["maxItems"] == 6 and claims["minItems"] == 5  # supported: kept


def test_the_embedded_model_still_gets_every_bound() -> None:
    """local.py builds its llama.cpp grammar from ``ChatRequest.json_schema``: unchanged."""
    seen: list[ChatRequest] = []

    class Recorder:
        name, model, endpoint = "local", "recorder", "local"

        def complete(self, request: ChatRequest) -> ChatResponse:
            seen.append(request)
            return ChatResponse(text=GOOD)

    settings = load_settings({"backend": "local", "cache": False, "context_window": 8192})
    Briefer(settings, backend=Recorder()).brief(load_article(str(SEED)))
    schema = seen[0].json_schema
    assert schema is not None and schema["properties"]["title"]["maxLength"] == 100
    assert schema["$defs"]["CitedClaim"]["properties"]["text"]["maxLength"] == 140


def test_a_fine_tuned_model_gets_no_type_specific_keywords(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.content(GOOD))
    brief_json(fake_openai, "--model", "ft:gpt-4o-mini-2024-07-18:acme::abc123")
    assert fake_openai.calls == 1
    text = json.dumps(sent_schema(fake_openai.requests[0]))
    assert "minItems" not in text and "maxItems" not in text and '"enum"' in text


def test_more_than_1000_ids_become_a_range(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    article = tmp_path / "long.txt"
    article.write_text(" ".join(f"Clause {n} of the harbour budget was read." for n in range(1, 1101)))
    answer = {**json.loads(GOOD), "claims": [{"text": "A clause was read.", "by": None, "sentence": 7}],
              "numbers": [], "actors": []}
    fake_openai.enqueue(Reply.content(json.dumps(answer)))
    brief = brief_json(fake_openai, source=article)
    assert brief["meta"]["chunks"] == 1 and fake_openai.calls == 1
    sentence = sent_schema(fake_openai.requests[0])["$defs"]["CitedClaim"]["properties"]["sentence"]
    assert sentence == {"type": "integer", "minimum": 1, "maximum": 1100}
