"""The warm spaCy worker against a hostile local environment (an adversarial pass).

Each test is one way a user's machine broke a promise of ``briefer.nlp.worker`` or
``briefer.nlp.warm``; the processes are real and stopped in each test's teardown (the
fixtures of tests/test_nlp_worker.py).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.test_nlp_worker import WAIT, Workers, _env, _worker_command
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
