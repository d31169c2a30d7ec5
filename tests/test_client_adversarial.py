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

from briefer.cli import cli
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
