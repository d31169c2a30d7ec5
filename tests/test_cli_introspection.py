"""What a user asks of briefer about itself: past briefs (``logs``), the effective settings
(``config``), the prompt (``--show-prompt``), how much it says (``-v``/``-q``), completion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefer.cli import cli
from tests.briefs import SEED, as_content, seed_answer
from tests.dailyrun import TODAY, articles_folder
from tests.fakes import FakeOpenAI, Reply

KEY = "sk-test-secret-123456"
WEBHOOK = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"


def run(args: list[str], fake: FakeOpenAI, **env: str) -> Result:
    environment = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": KEY, **env}
    return CliRunner().invoke(cli, args, env=environment, catch_exceptions=False)


def brief_seed(fake: FakeOpenAI, *extra: str) -> Result:
    fake.enqueue(Reply.content(as_content(seed_answer()), prompt_tokens=900, completion_tokens=99))
    result = run(["brief", str(SEED), *extra], fake)
    assert result.exit_code == 0, result.output
    return result


# -- logs ---------------------------------------------------------------------------------------


def test_logs_list_the_finished_briefs_newest_first(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    brief_seed(fake_openai)
    other = tmp_path / "library.md"
    other.write_text("# Library reopens\n\nThe Northfield library reopened on Saturday.\n")
    fake_openai.enqueue(Reply.content(as_content(seed_answer(title="The library reopens"))))
    assert run(["brief", str(other)], fake_openai).exit_code == 0
    listed = run(["logs", "--json"], fake_openai)
    assert listed.exit_code == 0
    entries = json.loads(listed.stdout)
    assert [e["title"] for e in entries] == [
        "The library reopens",
        "Trump and Putin talked about Ukraine in their first call",
    ]
    assert entries[0]["id"] > entries[1]["id"]
    assert entries[1]["tokens"] == 999 and entries[1]["model"] == "gpt-4o-mini"
    assert entries[1]["source"] == str(SEED) and entries[1]["prompt_version"]
    assert [
        e["title"]
        for e in json.loads(run(["logs", "list", "-n", "1", "--json"], fake_openai).stdout)
    ] == ["The library reopens"]
    table = run(["logs", "list"], fake_openai).stdout
    assert "library" in table.lower() and "999" in table


def test_logs_show_gives_back_the_brief_as_it_was_written(fake_openai: FakeOpenAI) -> None:
    written = json.loads(brief_seed(fake_openai, "-f", "json").stdout)
    entry = json.loads(run(["logs", "--json"], fake_openai).stdout)[0]
    shown = run(["logs", "show", str(entry["id"]), "--json"], fake_openai)
    assert json.loads(shown.stdout) == written == entry["brief"]
    markdown = run(["logs", "show"], fake_openai).stdout  # the newest, as Markdown
    assert markdown.startswith("# Trump and Putin talked about Ukraine")


def test_logs_show_an_unknown_id_is_one_line_exit_2(fake_openai: FakeOpenAI) -> None:
    result = run(["logs", "show", "42"], fake_openai)
    assert result.exit_code == 2
    assert result.stderr.startswith("briefer: error: ") and "no brief with id 42" in result.stderr


def test_a_failed_brief_and_no_log_keep_nothing_and_no_secret_is_stored(
    fake_openai: FakeOpenAI, isolated_env: Path
) -> None:
    fake_openai.enqueue(Reply.status(400))
    assert run(["brief", str(SEED)], fake_openai).exit_code != 0
    brief_seed(fake_openai, "--no-log", "--no-cache")
    assert json.loads(run(["logs", "--json"], fake_openai).stdout) == []
    brief_seed(fake_openai, "--no-cache")
    assert len(json.loads(run(["logs", "--json"], fake_openai).stdout)) == 1
    stored = (isolated_env / "briefs.sqlite").read_bytes()
    assert KEY.encode() not in stored and b"sk-test" not in stored


# -- config -------------------------------------------------------------------------------------


def test_config_says_where_each_setting_came_from(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    config = tmp_path / "briefer.toml"
    config.write_text("timeout = 12.5\n[daily]\nconcurrency = 2\n")
    result = run(
        ["config", "--json", "--config", str(config), "--max-output-tokens", "900"],
        fake_openai,
        BRIEFER_MODEL="my-model",
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["timeout"] == {"value": 12.5, "from": str(config)}
    assert shown["daily.concurrency"] == {"value": 2, "from": str(config)}
    assert shown["model"] == {"value": "my-model", "from": "env BRIEFER_MODEL"}
    assert shown["max_output_tokens"] == {"value": 900, "from": "flag --max-output-tokens"}
    assert shown["reasks"] == {"value": 2, "from": "default"}
    assert shown["base_url"]["from"] == "env OPENAI_BASE_URL"
    assert shown["config_file"]["value"] == str(config)


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "table"])
def test_config_masks_every_secret(fake_openai: FakeOpenAI, as_json: bool) -> None:
    endpoint = fake_openai.base_url.replace("http://", "http://user:hunter2pass@")
    result = run(
        ["config", *(["--json"] if as_json else [])],
        fake_openai,
        OPENAI_BASE_URL=endpoint,
        SLACK_WEBHOOK_URL=WEBHOOK,
    )
    assert result.exit_code == 0, result.output
    for secret in (KEY, "hunter2pass", "XXXXsecretXXXX"):
        assert secret not in result.output
    if as_json:
        shown = json.loads(result.stdout)
        assert shown["api_key"] == {"value": "set", "from": "env OPENAI_API_KEY"}
        assert shown["SLACK_WEBHOOK_URL"] == {"value": "set", "from": "env SLACK_WEBHOOK_URL"}
        assert shown["SLACK_BOT_TOKEN"] == {"value": "not set", "from": "default"}
    else:
        assert "api_key" in result.stdout and "not set" in result.stdout


def test_config_works_when_no_model_is_configured() -> None:
    result = CliRunner().invoke(cli, ["config", "--json", "--backend", "openai"])
    assert result.exit_code == 0, result.output
    backend = json.loads(result.stdout)["backend"]
    assert backend["value"].startswith("openai → none (backend 'openai' needs an endpoint")
    assert backend["from"] == "flag --backend"


# -- --show-prompt ------------------------------------------------------------------------------


def test_show_prompt_prints_the_messages_and_calls_no_model(fake_openai: FakeOpenAI) -> None:
    result = run(["brief", str(SEED), "--show-prompt"], fake_openai)
    assert result.exit_code == 0, result.output
    assert fake_openai.calls == 0
    out = result.stdout
    assert out.startswith("=== chunk 1 of 1: system ===\n")
    assert "=== chunk 1 of 1: user ===" in out
    assert "\n[3] According to the newspaper, Trump advised" in out  # the numbered article


def test_show_prompt_shows_every_chunk(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    article = tmp_path / "long.txt"
    article.write_text(
        "# Harbour budget\n\n"
        + "\n\n".join(
            f"Councillor {n} said the harbour needs {n * 3} new cranes by spring. "
            f"The mayor answered that item {n} of the budget would cost {n * 7} million."
            for n in range(1, 60)
        )
    )
    args = ["brief", str(article), "--show-prompt", "--context-window", "1500"]
    result = run([*args, "--max-output-tokens", "400"], fake_openai)
    assert result.exit_code == 0, result.output
    heads = [line for line in result.stdout.splitlines() if line.startswith("=== chunk")]
    count = len(heads) // 2
    assert count > 1 and heads[-1] == f"=== chunk {count} of {count}: user ==="
    assert fake_openai.calls == 0


# -- -v / -q ------------------------------------------------------------------------------------


def test_verbose_times_every_model_call_and_quiet_says_only_errors(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    out = tmp_path / "brief.md"
    verbose = brief_seed(fake_openai, "-o", str(out))
    assert "call 1:" not in verbose.stderr
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    loud = run(["-v", "brief", str(SEED), "--no-cache", "-o", str(out)], fake_openai)
    assert loud.exit_code == 0
    assert "briefer: call 1: " in loud.stderr and "100 prompt + 50 completion" in loud.stderr
    assert "1 calls, 0 cache hits, 1 chunks" in loud.stderr
    cached = run(["-v", "brief", str(SEED), "-o", str(out)], fake_openai)
    assert "briefer: cache hit: no model call" in cached.stderr
    silent = run(["-q", "brief", str(SEED), "-o", str(out)], fake_openai)
    assert silent.exit_code == 0 and silent.stderr == ""
    assert out.read_text().startswith("# Trump and Putin")
    failing = run(["-q", "brief", str(tmp_path / "missing.txt")], fake_openai)
    assert failing.exit_code == 2 and failing.stderr.startswith("briefer: error: ")


def test_verbose_and_quiet_together_is_bad_usage() -> None:
    result = CliRunner().invoke(cli, ["-v", "-q", "config"])
    assert result.exit_code == 2 and "cannot be used together" in result.output


# -- shell completion ---------------------------------------------------------------------------


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o"), ("zsh", "compdef")])
def test_the_completion_script_is_produced(shell: str, marker: str) -> None:
    result = CliRunner().invoke(
        cli, [], prog_name="briefer", env={"_BRIEFER_COMPLETE": f"{shell}_source"}
    )
    assert result.exit_code == 0
    assert marker in result.output and "_BRIEFER_COMPLETE" in result.output


def test_daily_quiet_says_nothing_and_verbose_times_the_calls(
    fake_openai: FakeOpenAI, model: object, config: Path, tmp_path: Path
) -> None:
    folder = articles_folder(tmp_path, "bakery")
    env = {"OPENAI_BASE_URL": fake_openai.base_url, "OPENAI_API_KEY": KEY}

    def day(*flags: str, out: str) -> Result:
        args = [*flags, "daily", str(folder), "--out", str(tmp_path / out), "--date", TODAY]
        return CliRunner().invoke(
            cli, [*args, "--config", str(config), "--no-cache"], env=env, catch_exceptions=False
        )

    quiet = day("-q", out="quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert (tmp_path / "quiet" / TODAY / "digest.md").exists()
    loud = day("-v", out="loud")
    assert loud.exit_code == 0
    calls = [line for line in loud.stderr.splitlines() if line.startswith("briefer: call ")]
    assert len(calls) == 2 and all("200 prompt + 80 completion tokens" in line for line in calls)
    assert "wrote " in loud.stderr
