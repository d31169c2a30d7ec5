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

import click
import pytest
from click.testing import CliRunner, Result

import briefer.pipeline
from briefer.backends import ChatRequest, ChatResponse
from briefer.cli import cli
from briefer.errors import InputError, ModelError
from tests.briefs import SEED, as_content, seed_answer
from tests.fakes import FakeOpenAI, Reply

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


class ExplodingBackend:
    """A backend with a bug: it raises what no layer of briefer expects."""

    name = "openai"
    model = "gpt-4o-mini"
    endpoint = "127.0.0.1"

    def complete(self, request: ChatRequest) -> ChatResponse:
        raise RuntimeError(
            f"boom with {SECRET_KEY} and https://user:hunter2@example.org/v1?token=tok-777"
        )


@pytest.fixture
def exploding_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(briefer.pipeline, "make_backend", lambda settings: ExplodingBackend())


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
        (ValueError("bad value"), 3, "briefer: internal error: ValueError: bad value; this is a bug"),
        (RecursionError(), 3, "briefer: internal error: RecursionError; this is a bug"),
        (PermissionError(13, "Permission denied"), 3, "internal error: PermissionError: [Errno 13]"),
        (OSError(errno.ENOSPC, "No space left on device", "/data/x"), 2,
         "briefer: error: /data/x: No space left on device; free some space"),
        (OSError(errno.EROFS, "Read-only file system"), 2,
         "briefer: error: writing the output: Read-only file system; free some space"),
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
    assert result.exit_code == 2 and "Missing argument 'SOURCE'" in result.stderr


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
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == status, result.stderr
    logged = calls.read_text().splitlines()
    assert logged[0].startswith("briefer daily --date ")
    assert any(line.startswith("python scripts/post_to_slack.py") for line in logged) is posted
    if not posted:
        assert "nothing posted" in result.stderr


# --- output that cannot be delivered -------------------------------------------------------


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "BRIEFER_HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "briefer.cli", "models", "list"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
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
        (["brief", "{seed}", "--no-cache"], "briefer: error: stdout: cannot write the output (No space left on device); "),
    ],
    ids=["models-list", "brief"],
)
def test_a_full_disk_on_stdout_is_one_line(
    fake_openai: FakeOpenAI, tmp_path: Path, args: list[str], expected: str
) -> None:
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    env = {**os.environ, "BRIEFER_HOME": str(tmp_path), "PYTHONPATH": str(REPO),
           "OPENAI_BASE_URL": fake_openai.base_url}
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "briefer.cli", *[a.format(seed=SEED) for a in args]],
            stdout=full, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path, timeout=60,
            check=False,
        )
    assert result.returncode == 2, result.stderr
    failures = [line for line in result.stderr.splitlines() if line.startswith("briefer: error")]
    assert len(failures) == 1 and failures[0].startswith(expected), result.stderr
    assert "Traceback" not in result.stderr

