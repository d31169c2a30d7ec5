"""The warm spaCy worker against a hostile local environment (an adversarial pass).

Each test is one way a user's machine broke a promise of ``briefer.nlp.worker`` or
``briefer.nlp.warm``; the processes are real and stopped in each test's teardown (the
fixtures of tests/test_nlp_worker.py).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from contextlib import suppress
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer.cli import cli
from briefer.nlp import _found, find_candidates
from briefer.nlp.store import to_json
from briefer.nlp.warm import WarmFinder, spawn
from tests.briefs import SEED
from tests.fakes import FakeOpenAI
from tests.test_nlp_worker import TEXTS, WAIT, Workers, _env, _worker_command
from tests.test_nlp_worker import short_home as short_home  # the fixtures, re-exported
from tests.test_nlp_worker import workers as workers

pytestmark = pytest.mark.skipif(
    not __import__("briefer.nlp.warm", fromlist=["worker_possible"]).worker_possible(),
    reason="spaCy or its model is not installed: there is no worker",
)


def _run_worker(home: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _worker_command(path, idle=0.5, poll=0.1),
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )


def test_a_directory_at_the_socket_path_stops_it_at_once_without_a_traceback(
    workers: Workers,
) -> None:
    assert workers.path is not None
    workers.path.mkdir(parents=True)  # what unlink() cannot remove, nor bind() replace
    done = _run_worker(workers.home, workers.path)
    assert (done.returncode, done.stdout) == (0, "")  # never "ready"
    assert "Traceback" not in done.stderr
    assert f"cannot listen at {workers.path.name}" in done.stderr
    assert workers.path.is_dir()  # not someone's data to remove


def _stalled_worker(
    path: Path, answer_now: threading.Event, waited: list[bool]
) -> threading.Thread:
    """A worker at ``path`` that takes a request and answers it only once ``answer_now``
    is set (``waited`` says whether it was, or the wait ran out): one frozen (SIGSTOP), or
    busy with another command's long article (the real worker serves one at a time)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    server.settimeout(WAIT)
    reply = json.dumps({"candidates": to_json(_found(TEXTS["plain"]))}).encode() + b"\n"

    def answer() -> None:
        with server, server.accept()[0] as connection:
            connection.makefile("rb").readline()
            waited.append(answer_now.wait(WAIT))
            with suppress(OSError):  # the client may be gone
                connection.sendall(reply)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread


def test_a_worker_that_does_not_take_the_request_is_not_waited_for(workers: Workers) -> None:
    assert workers.path is not None
    workers.path.parent.mkdir(mode=0o700)
    answer_now, waited = threading.Event(), list[bool]()
    thread = _stalled_worker(workers.path, answer_now, waited)
    finder = WarmFinder(workers.path)
    text = TEXTS["quotes"]
    try:
        assert to_json(find_candidates(text, None, finder)) == to_json(_found(text))
    finally:
        answer_now.set()
        thread.join(WAIT)
    # Before the fix the command waited for the reply (up to REPLY_SECONDS): the worker's
    # wait ran out first.
    assert (waited, finder.answered) == ([True], 0)


def test_no_note_names_a_worker_that_ended_at_once(
    short_home: Path, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Several briefs at once on a cold home each spawn one; all but one exit at once (the
    # lock is taken), and each command named its own, gone, pid as the worker kept warm.
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait(timeout=WAIT)
    monkeypatch.setattr("briefer.nlp.warm.spawn", lambda *_, **__: ended)
    args = ["brief", str(SEED), "--no-cache", "--base-url", fake_openai.base_url]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "keeping spaCy warm" not in result.output


@pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("fresh", [True, False], ids=["new-log", "old-log"])
def test_every_spawned_worker_appends_to_the_log(workers: Workers, fresh: bool) -> None:
    # A worker that got the log opened with "wb" wrote at its own offset, over the lines
    # other workers (other briefs started at the same time, other code versions) appended.
    assert workers.path is not None
    if not fresh:
        workers.path.parent.mkdir(mode=0o700)
        (workers.path.parent / "nlp-worker.log").write_text("an earlier line\n")
    process = spawn(workers.path, idle=600.0)
    workers.started.append(process)
    flags = Path(f"/proc/{process.pid}/fdinfo/2").read_text().split("flags:")[1].split()[0]
    assert int(flags, 8) & os.O_APPEND


_INTERRUPT_AT_CLICK = """
import runpy, sys

class InterruptAt:  # ^C just as `click` imports, before main() and its handler run
    def find_spec(self, name, path=None, target=None):
        if name == "click":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, InterruptAt())
sys.argv = ["briefer", "brief", "article.txt"]
runpy.run_module("briefer.cli", run_name="__main__", alter_sys=True)
"""


def test_ctrl_c_while_the_command_starts_is_one_line_and_130(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _INTERRUPT_AT_CLICK],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "briefer: interrupted\n")
