"""What a hostile but realistic user still broke after issue 16's fixes, each case through the
real CLI (real openai / slack_sdk clients against the loopback fakes): the documented exit
code, one ``briefer: error:`` line naming the input and the fix, no traceback, no secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from briefer import slack_client
from briefer.cli import cli
from briefer.digest import write_digest
from briefer.slack import LEDGER_FILE
from tests.dailyrun import TODAY, articles_folder, failed
from tests.fakes import DEFAULT_CONTENT, FakeOpenAI, FakeSlack, Reply, SlackReply
from tests.test_eval_gate import Workspace, fake, run_into, workspace  # noqa: F401 (fixtures)
from tests.test_eval_gate import invoke as eval_invoke
from tests.test_slack import TOKEN, make_digest, make_story
from tests.test_slack import post as slack_post

KEY = "sk-test-secret-123"
ARTICLE = (
    "# Harbour crane\n\nThe Port Ellis council approved a new crane on Monday. "
    "It will cost $2 million, the mayor said.\n"
)


def invoke(args: list[str], **env: str) -> Result:
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def brief(tmp_path: Path, server: FakeOpenAI, *extra: str) -> Result:
    article = tmp_path / "crane.md"
    article.write_text(ARTICLE)
    config = tmp_path / "briefer.toml"
    config.write_text("max_attempts = 2\nreasks = 1\n")
    args = ["brief", str(article), "--config", str(config), "--no-cache", *extra]
    return invoke(args, OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY=KEY)


def one_error(result: Result) -> str:
    """The single ``briefer: error:`` line; nothing else but progress lines, no secret."""
    assert "Traceback" not in result.output and KEY not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("briefer: error:")]
    others = [line for line in result.stderr.splitlines() if line not in errors]
    assert all(line.startswith("briefer: ") for line in others), others
    assert len(errors) == 1, result.stderr
    return errors[0]


def completion(**fields: Any) -> str:
    """A chat completion body, its fields replaced by ``fields``."""
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": DEFAULT_CONTENT},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    body.update(fields)
    return json.dumps(body)


def message(**fields: Any) -> list[dict[str, Any]]:
    return [
        {
            "index": 0,
            "message": {"role": "assistant", "content": None, **fields},
            "finish_reason": "stop",
        }
    ]


# -- the endpoint answers 200 with something that is not a readable chat completion ----------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"id": "x", "choices": [{"message": {"content": "{\\"tit', "not valid JSON"),  # cut off
        ("\x1f\x8b\x08 gzip bytes sent as JSON", "not valid JSON"),
        (completion(choices=message(content=5)), "message.content is not text"),
        (completion(choices=message(content={"title": "x"})), "message.content is not text"),
        (completion(choices=message(refusal=7)), "message.refusal is not text"),
    ],
    ids=["truncated", "garbled", "content-int", "content-object", "refusal-int"],
)
def test_an_unreadable_200_answer_fails_the_article_in_one_line(
    fake_openai: FakeOpenAI, tmp_path: Path, body: str, says: str
) -> None:
    # Before: JSONDecodeError / pydantic ValidationError reached the catch-all (exit 3).
    fake_openai.responder = lambda _request: Reply.raw(body, content_type="application/json")
    result = brief(tmp_path, fake_openai)
    assert result.exit_code == 1, result.output
    line = one_error(result)
    assert f"the endpoint 127.0.0.1:{fake_openai.port} answered" in line and says in line
    assert "check " in line
    assert fake_openai.calls == 1  # a broken answer is not a transport failure: not retried


@pytest.mark.parametrize(
    "usage",
    ["lots", {"prompt_tokens": "x", "completion_tokens": None}, {"prompt_tokens": -5}],
    ids=["string", "wrong-types", "negative"],
)
def test_a_bad_usage_report_does_not_cost_the_brief(
    fake_openai: FakeOpenAI, tmp_path: Path, usage: Any
) -> None:
    # Before: AttributeError / ValidationError (exit 3) for a brief the model answered well.
    fake_openai.responder = lambda _request: Reply.raw(
        completion(usage=usage, model=5), content_type="application/json"
    )
    result = brief(tmp_path, fake_openai, "-f", "json")
    assert result.exit_code == 0, result.output
    meta = json.loads(result.stdout)["meta"]
    assert meta["usage"] == {"prompt_tokens": 0, "completion_tokens": 0}
    assert meta["model"] == "gpt-4o-mini"  # a model name that is not text: the one asked for


def test_a_broken_answer_in_a_day_is_that_story_s_failure_and_counted(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    # Before: "unexpected JSONDecodeError …; this is a briefer bug", and 0 model calls counted.
    fake_openai.responder = lambda _request: Reply.raw(
        '{"choices": [', content_type="application/json"
    )
    config = tmp_path / "briefer.toml"
    config.write_text("max_attempts = 1\n")
    out = tmp_path / "out"
    args = [str(articles_folder(tmp_path)), "--out", str(out), "--date", TODAY]
    result = invoke(
        ["daily", *args, "--config", str(config)],
        OPENAI_BASE_URL=fake_openai.base_url,
        OPENAI_API_KEY=KEY,
    )
    assert result.exit_code == 1, result.output
    ((stage, reason),) = failed(out).values()
    assert stage == "brief" and "not valid JSON" in reason and "bug" not in reason
    assert json.loads((out / TODAY / "digest.json").read_text())["stats"]["model_calls"] == 1


# -- refusals by status: not "after retries" when nothing was retried, and always a fix ------


@pytest.mark.parametrize(
    ("status", "code", "calls", "says"),
    [
        (403, 2, 1, "refused the request (HTTP 403); check that OPENAI_API_KEY may use model"),
        (400, 1, 1, "refused the request (HTTP 400); check --model"),
        (429, 1, 2, "HTTP 429 from the endpoint; try again later (or raise max_attempts"),
        (500, 1, 2, "HTTP 500 from the endpoint; try again later"),
    ],
)
def test_an_error_status_names_the_endpoint_s_answer_and_the_fix(
    fake_openai: FakeOpenAI, tmp_path: Path, status: int, code: int, calls: int, says: str
) -> None:
    # Before: 403 and 400 said "model call failed after retries" with one attempt, and no fix.
    fake_openai.responder = lambda _request: Reply.status(status)
    result = brief(tmp_path, fake_openai)
    assert result.exit_code == code, result.output
    assert says in one_error(result)
    assert fake_openai.calls == calls


# -- eval score of a run folder whose files are not text --------------------------------------


@pytest.mark.parametrize("damaged", ["results.jsonl", "summary.json"])
def test_eval_score_of_a_run_file_that_is_not_utf8_is_one_line(
    fake: FakeOpenAI,  # noqa: F811
    workspace: Workspace,  # noqa: F811
    damaged: str,
) -> None:
    # Before: UnicodeDecodeError on results.jsonl reached the catch-all (exit 3).
    folder = workspace.root / "run"
    assert run_into(fake, workspace, workspace.base, folder).exit_code == 0
    (folder / damaged).write_bytes(b"\xff\xfe\x00 half-written\n")
    result = eval_invoke(fake, "score", folder, "--gold", workspace.gold)
    assert result.exit_code == 2, result.output
    assert one_error(result).startswith(f"briefer: error: {folder}: unreadable run folder (")
    assert "re-run it" in result.stderr


# -- Slack answers "ok" but not with Slack's answer -------------------------------------------


@pytest.mark.parametrize(
    "answer", ['{"ok": true}', '{"ok": true, "ts": null, "channel": 5}', '{"ok": true, "ts": "x"}']
)
def test_a_post_answered_ok_without_a_ts_is_looked_up_not_recorded_as_ts_none(
    fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    # Before: the header was recorded as posted with ts "None" (Slack never had it) and every
    # story was sent with thread_ts "None".
    monkeypatch.setattr(slack_client, "sleep", lambda _seconds: None)
    day = tmp_path / "briefings" / "2026-05-04"
    write_digest(day, make_digest([make_story(1, "Port Ellis funds a crane")]))
    fake_slack.enqueue(SlackReply.error(200, body=answer), method="chat.postMessage")
    result = slack_post([str(day), "--channel", "C123"], fake_slack, SLACK_BOT_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output
    header, story = fake_slack.posts  # the refused-looking header posted again, once
    assert "thread_ts" not in header and story["thread_ts"] == header["ts"]
    entries = json.loads((day / LEDGER_FILE).read_text())["destinations"]["channel:C123"]
    assert {entry["ts"] for entry in entries.values()} == {header["ts"], story["ts"]}
    assert {entry["channel"] for entry in entries.values()} == {"C123"}


@pytest.mark.parametrize(
    ("webhook", "code", "fix"),
    [
        (False, "invalid_auth", "check SLACK_BOT_TOKEN"),
        (False, "is_archived", "unarchive the channel"),
        (False, "not_in_channel", "invite the bot to the channel"),
        (True, "no_service", "create one and set SLACK_WEBHOOK_URL"),
        (True, "channel_is_archived", "unarchive the channel"),
    ],
)
def test_a_refused_post_says_what_to_change(
    fake_slack: FakeSlack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    webhook: bool,
    code: str,
    fix: str,
) -> None:
    # Before: "chat.postMessage failed: is_archived" and nothing on what to do.
    monkeypatch.setattr(slack_client, "sleep", lambda _seconds: None)
    day = tmp_path / "briefings" / "2026-05-04"
    write_digest(day, make_digest([make_story(1, "Port Ellis funds a crane")]))
    fake_slack.enqueue(SlackReply.api_error(code))
    env = {"SLACK_WEBHOOK_URL": fake_slack.webhook_url} if webhook else {"SLACK_BOT_TOKEN": TOKEN}
    result = slack_post([str(day), *([] if webhook else ["--channel", "C123"])], fake_slack, **env)
    assert result.exit_code == 1, result.output
    line = one_error(result)
    assert f"{code}; " in line and fix in line
    assert TOKEN not in result.output and "/services/" not in result.output
