"""The warm spaCy worker (briefer.nlp.worker) and its client (briefer.nlp.warm).

Real worker processes on short temporary homes (a Unix socket path has a ~100-byte limit,
which pytest's own tmp paths can pass); every process a test starts is stopped in its
teardown, and deleting a home stops any worker left in it. The suite turns the worker off
for every other test (``BRIEFER_NLP_WORKER=0`` in conftest's ``isolated_env``).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import pytest
from click.testing import CliRunner

from briefer.cli import cli
from briefer.config import Settings
from briefer.derived import code_version
from briefer.nlp import _found, find_candidates, warm
from briefer.nlp.store import to_json
from briefer.nlp.warm import WarmFinder, ask, lock_path, running_workers, socket_path, spawn
from tests.briefs import SEED
from tests.fakes import FakeOpenAI

REPO = Path(__file__).resolve().parent.parent
WAIT = 60.0  # seconds a worker may take to load spaCy on a loaded machine

pytestmark = pytest.mark.skipif(
    not __import__("briefer.nlp.warm", fromlist=["worker_possible"]).worker_possible(),
    reason="spaCy or its model is not installed: there is no worker",
)

TEXTS = {
    "seed": SEED.read_text(encoding="utf-8"),
    "quotes": 'Jane Doe, the mayor of Springfield, said: "We will build 12 bridges by 2030." '
    "The council approved $4.5 million on Tuesday. Critics, including John Smith, objected.",
    "accents": "Le président Emmanuel Macron a rencontré Angela Merkel à Berlin. "
    "Macron said France would send 3,000 troops, according to officials in Zürich.",
    "plain": "it rained. nobody came. the end.",
}


def _worker_command(
    path: Path, *, idle: float = 600.0, poll: float = 0.2, after: int | None = None
) -> list[str]:
    command = [sys.executable, "-m", "briefer.nlp.worker", "--socket", str(path)]
    command += ["--idle", str(idle), "--poll", str(poll)]
    return command + ([] if after is None else ["--after", str(after)])


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "BRIEFER_HOME": str(home)}
    env.pop("BRIEFER_NLP_WORKER", None)
    return {**env, **extra}


def _ready(process: subprocess.Popen[str]) -> bool:
    """True once ``process`` says it listens; False if it exits first (bounded wait)."""
    stdout: IO[str] | None = process.stdout
    assert stdout is not None
    readable, _, _ = select.select([stdout], [], [], WAIT)
    return bool(readable) and stdout.readline().strip() == "ready"


class Workers:
    """Starts worker processes on one home and stops them all at the end."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = socket_path(home)
        assert self.path is not None
        self.started: list[subprocess.Popen[Any]] = []
        self.pids: list[int] = []  # detached ones a command started

    def start(self, **options: Any) -> subprocess.Popen[str]:
        assert self.path is not None
        process = subprocess.Popen(
            _worker_command(self.path, **options),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=_env(self.home),
        )
        self.started.append(process)
        return process

    def ready(self, **options: Any) -> subprocess.Popen[str]:
        process = self.start(**options)
        assert _ready(process), "the worker did not start"
        return process

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=WAIT)
            if process.stdout is not None:
                process.stdout.close()
        for pid in self.pids + [pid for _, pid in running_workers(self.home / "run")]:
            _kill(pid)


def _kill(pid: int) -> None:
    """SIGKILL a worker this test did not spawn itself, and wait until it is gone."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        os.kill(pid, signal.SIGKILL)
        select.select([handle], [], [], WAIT)
    finally:
        os.close(handle)


@pytest.fixture
def short_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """BRIEFER_HOME in a short /tmp folder, the worker on; deleted afterwards."""
    home = Path(tempfile.mkdtemp(prefix="bw", dir="/tmp"))
    monkeypatch.setenv("BRIEFER_HOME", str(home))
    monkeypatch.delenv("BRIEFER_NLP_WORKER")
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def workers(short_home: Path) -> Iterator[Workers]:
    started = Workers(short_home)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def warm_socket() -> Iterator[Path]:
    """One ready worker for the tests that only ask it."""
    home = Path(tempfile.mkdtemp(prefix="bw", dir="/tmp"))
    started = Workers(home)
    try:
        started.ready()
        assert started.path is not None
        yield started.path
    finally:
        started.stop()
        shutil.rmtree(home, ignore_errors=True)


# -- answers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TEXTS)
def test_the_workers_candidates_are_the_in_process_ones(warm_socket: Path, name: str) -> None:
    answered = ask(warm_socket, TEXTS[name])
    assert answered is not None
    assert to_json(answered) == to_json(_found(TEXTS[name]))


def _raw_exchange(path: Path, request: bytes) -> Any:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(WAIT)
        client.connect(str(path))
        client.sendall(request)
        client.shutdown(socket.SHUT_WR)
        reader = client.makefile("rb")
        assert reader.readline() == warm.ACCEPTED
        return json.loads(reader.read())


@pytest.mark.parametrize(
    ("request_line", "error"),
    [
        (json.dumps({"version": "older code", "text": "A text."}) + "\n", "version mismatch"),
        (json.dumps({"text": "A text."}) + "\n", "version mismatch"),
        (json.dumps(["not", "a", "request"]) + "\n", "a request is {version, text}"),
        ("{not json\n", "bad request (JSONDecodeError)"),
        (json.dumps({"version": "v", "text": "no newline"}), "bad request (ValueError)"),
    ],
    ids=["other-version", "no-version", "not-an-object", "not-json", "cut-short"],
)
def test_the_worker_refuses_what_is_not_a_request_of_this_code(
    warm_socket: Path, request_line: str, error: str
) -> None:
    assert _raw_exchange(warm_socket, request_line.encode()) == {"error": error}
    assert ask(warm_socket, "Still serving, said Ann Lee.") is not None  # and keeps serving


def _serve_once(path: Path, reply: bytes) -> threading.Thread:
    """A fake worker at ``path`` that answers one request with ``reply``."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    server.settimeout(WAIT)

    def answer() -> None:
        with server, server.accept()[0] as connection:
            connection.sendall(warm.ACCEPTED)
            connection.makefile("rb").readline()
            connection.sendall(reply)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    "reply",
    [
        b"not json\n",
        b'{"error": "version mismatch"}\n',
        b'{"candidates": "{\\"actors\\": 3}"}\n',
        b'{"candidates": 7}\n',
        b"",
    ],
    ids=["not-json", "refused", "damaged-candidates", "wrong-type", "closed"],
)
def test_a_bad_reply_means_candidates_found_in_process(workers: Workers, reply: bytes) -> None:
    assert workers.path is not None
    workers.path.parent.mkdir(mode=0o700)
    thread = _serve_once(workers.path, reply)
    finder = WarmFinder(workers.path)
    text = TEXTS["quotes"]
    assert to_json(find_candidates(text, None, finder)) == to_json(_found(text))
    thread.join(WAIT)
    assert (finder.answered, finder.spawned) == (0, None)  # a worker answered: none spawned


def test_meanwhile_runs_while_the_worker_parses(warm_socket: Path) -> None:
    ran: list[bool] = []
    finder = WarmFinder(warm_socket, meanwhile=lambda: ran.append(True))
    assert finder(TEXTS["plain"]) is not None
    assert finder(TEXTS["plain"]) is not None
    assert (ran, finder.answered) == ([True], 2)  # once per command, not per article


# -- lifetime ---------------------------------------------------------------------------------


def test_a_stale_socket_file_is_replaced(workers: Workers) -> None:
    assert workers.path is not None
    workers.path.parent.mkdir(mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(workers.path))
    stale.close()  # the file stays; connecting to it is refused
    assert ask(workers.path, "A text.") is None
    workers.ready()
    assert ask(workers.path, TEXTS["plain"]) is not None
    assert (workers.path.stat().st_mode & 0o777, workers.path.parent.stat().st_mode & 0o777) == (
        0o600,
        0o700,
    )


def test_it_stops_after_its_idle_time_and_removes_its_socket(workers: Workers) -> None:
    process = workers.ready(idle=1.0)
    assert process.wait(timeout=WAIT) == 0
    assert workers.path is not None and not workers.path.exists()


@pytest.mark.parametrize(
    "change",
    [lambda path: path.unlink(), lambda path: path.rename(path.with_suffix(".old"))],
    ids=["removed", "replaced"],
)
def test_it_stops_soon_after_its_socket_file_goes(
    workers: Workers, change: Callable[[Path], None]
) -> None:
    process = workers.ready()
    assert workers.path is not None
    change(workers.path)
    assert process.wait(timeout=WAIT) == 0


def test_sigterm_stops_it_cleanly(workers: Workers) -> None:
    process = workers.ready()
    process.terminate()
    assert process.wait(timeout=WAIT) == 0
    assert workers.path is not None and not workers.path.exists()


def test_two_spawners_make_one_worker(workers: Workers) -> None:
    first, second = workers.start(), workers.start()
    outcomes = sorted([_ready(first), _ready(second)])
    assert outcomes == [False, True]
    loser = first if second.poll() is None else second
    assert loser.wait(timeout=WAIT) == 0
    assert len(running_workers(workers.home / "run")) == 1


def test_a_spawned_worker_loads_once_its_command_has_ended(workers: Workers) -> None:
    command = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    worker = workers.start(after=command.pid)
    assert command.stdin is not None
    command.stdin.close()
    assert command.wait(timeout=WAIT) == 0
    assert _ready(worker)


def test_waiting_for_a_process_to_end() -> None:
    from briefer.nlp.worker import _ended

    assert _ended(os.getpid(), 0.01) is False  # this one runs on: the wait times out
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait(timeout=WAIT)
    assert _ended(ended.pid, WAIT) is True


def test_without_spacy_it_does_not_start(workers: Workers) -> None:
    assert workers.path is not None
    code = (
        "import sys; sys.modules['spacy'] = None; from briefer.nlp.worker import main; "
        f"raise SystemExit(main({_worker_command(workers.path)[3:]!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(workers.home),
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert done.returncode == 0
    assert "not installed" in done.stderr
    assert not workers.path.exists()


def test_a_socket_path_over_the_limit_means_no_worker(tmp_path: Path) -> None:
    assert socket_path(tmp_path / ("x" * 100)) is None
    path = socket_path(Path("/tmp/h"))
    assert path is not None and code_version()[:16] in path.name


# -- the command line -------------------------------------------------------------------------


def _brief(
    home: Path, fake: FakeOpenAI, *flags: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "briefer.cli",
            *flags,
            "brief",
            str(SEED),
            "-f",
            "json",
            "--no-cache",
            "--base-url",
            fake.base_url,
        ],
        env=_env(home, **env),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )


def _content(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    brief: dict[str, Any] = json.loads(done.stdout)
    brief.pop("meta")
    return brief


def test_a_brief_gets_its_candidates_from_a_running_worker(
    workers: Workers, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    workers.ready()
    warm = _brief(workers.home, fake_openai, "-v")
    assert "candidates from the warm spaCy worker" in warm.stderr
    assert "keeping spaCy warm" not in warm.stderr  # one answered: none spawned
    monkeypatch.setenv("BRIEFER_NLP_WORKER", "0")
    args = ["-v", "brief", str(SEED), "-f", "json", "--no-cache", "--base-url"]
    cold = CliRunner().invoke(cli, [*args, fake_openai.base_url])
    assert cold.exit_code == 0 and "warm spaCy worker" not in cold.output
    in_process = json.loads(cold.stdout)
    in_process.pop("meta")
    assert _content(warm) == in_process
    assert in_process["claims"]  # chosen from the candidates (the fake answers none)


def test_a_brief_without_a_worker_spawns_one_and_says_so(
    workers: Workers, fake_openai: FakeOpenAI
) -> None:
    done = _brief(workers.home, fake_openai)
    notes = [line for line in done.stderr.splitlines() if "keeping spaCy warm" in line]
    assert len(notes) == 1, done.stderr
    pid = int(notes[0].split("(pid ")[1].split(";")[0])
    workers.pids.append(pid)
    assert b"briefer.nlp.worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert _content(done)["claims"]


def _spawned(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record spawns instead of starting a worker; each "started" one is pid 4242."""
    calls: list[Path] = []

    def recorded(path: Path, **_: Any) -> Any:
        calls.append(path)
        return SimpleNamespace(pid=4242, poll=lambda: None)  # still running

    monkeypatch.setattr("briefer.nlp.warm.spawn", recorded)
    return calls


@pytest.mark.parametrize(
    ("config", "env"),
    [("nlp_worker = false\n", {}), ("", {"BRIEFER_NLP_WORKER": "0"})],
    ids=["config-file", "environment"],
)
def test_turned_off_no_worker_is_asked_or_spawned(
    short_home: Path,
    fake_openai: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    config: str,
    env: dict[str, str],
) -> None:
    (short_home / "briefer.toml").write_text(config)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spawned = _spawned(monkeypatch)
    result = CliRunner().invoke(
        cli, ["-v", "brief", str(SEED), "--no-cache", "--base-url", fake_openai.base_url]
    )
    assert result.exit_code == 0, result.output
    assert (spawned, "warm spaCy worker" in result.output) == ([], False)
    shown = CliRunner().invoke(cli, ["config", "--json"])
    assert json.loads(shown.output)["nlp_worker"]["value"] is False


def test_no_worker_for_the_embedded_model(short_home: Path) -> None:
    from briefer.cli.brief import _warm_finder

    assert _warm_finder(Settings(backend="local")) is None
    assert isinstance(_warm_finder(Settings(base_url="http://127.0.0.1:9/v1")), WarmFinder)


@pytest.mark.parametrize(("flags", "notes"), [([], 1), (["-q"], 0)], ids=["normal", "quiet"])
def test_on_by_default_it_spawns_once_when_none_answers(
    short_home: Path,
    fake_openai: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    notes: int,
) -> None:
    spawned = _spawned(monkeypatch)
    other = short_home / "other.txt"
    other.write_text(TEXTS["quotes"], encoding="utf-8")
    args = [*flags, "brief", str(SEED), str(other), "--no-cache", "--base-url"]
    result = CliRunner().invoke(cli, [*args, fake_openai.base_url])
    assert result.exit_code == 0, result.output
    assert spawned == [socket_path()]  # for two articles, one worker
    said = [line for line in result.output.splitlines() if "keeping spaCy warm" in line]
    assert len(said) == notes
    assert all("(pid 4242;" in line for line in said)
    assert Settings().nlp_worker is True


def test_worker_status_and_stop(workers: Workers) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["worker", "status"]).output == "no worker running\n"
    process = workers.ready()
    status = runner.invoke(cli, ["worker", "status"])
    assert status.output == f"running: pid {process.pid} at {workers.path}\n"
    stopped = runner.invoke(cli, ["worker", "stop"])
    assert stopped.output == f"stopped pid {process.pid}\n"
    assert process.wait(timeout=WAIT) == 0
    assert runner.invoke(cli, ["worker", "stop"]).output == "no worker running\n"


def test_spawn_starts_a_detached_worker_with_a_log(workers: Workers) -> None:
    assert workers.path is not None
    process = spawn(workers.path, idle=600.0)
    workers.started.append(process)
    assert os.getsid(process.pid) == process.pid  # its own session: ^C of the shell spares it
    assert (workers.path.parent / "nlp-worker.log").exists()
    assert lock_path(workers.path).parent == workers.path.parent
