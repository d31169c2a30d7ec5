"""The client of the warm spaCy worker (``briefer.nlp.worker``); it never imports spaCy.

``WarmFinder`` is the ``find`` an interactive ``briefer brief`` gives the pipeline: it asks
the worker for an article's candidates and returns None on any failure (no socket, refused,
not taken within ``TAKEN_SECONDS`` (busy with another command's article, or frozen),
timeout, a bad or refused reply), so the pipeline parses in-process as it would without a
worker: a worker can make a brief faster, never fail it or change it. When no worker
answers it spawns one for the *next* command and does not wait for it. No ``AF_UNIX``
(Windows) or a socket path over the OS's limit: no worker.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from briefer.config import user_dir
from briefer.derived import code_version
from briefer.nlp.candidates import Candidates
from briefer.nlp.store import from_json

CONNECT_SECONDS = 0.2  # a warm worker accepts at once
# For the worker to take the request (``ACCEPTED``): one that is busy with another
# command's article, or frozen, is not waited for: the brief parses in-process.
TAKEN_SECONDS = 1.0
REPLY_SECONDS = 120.0  # once taken: a 200,000-character article parses in well under this
ACCEPTED = b"accepted\n"  # the worker's first line: it is on this request
MAX_SOCKET_PATH = 100  # bytes: sun_path is 108 on Linux, 104 on macOS
LOG_LIMIT = 1 << 20  # the worker log is started afresh past this size
DEFAULT_IDLE = 600.0  # seconds without a request before a worker stops


def lock_path(socket_path: Path) -> Path:
    """The lock file beside a socket, held by its worker for the worker's whole life."""
    return socket_path.with_suffix(".lock")


def run_dir() -> Path:
    return user_dir() / "run"


def socket_path(home: Path | None = None) -> Path | None:
    """The socket of this code's worker (named by ``code_version()``, so changed code gets
    its own), or None where there can be none."""
    if not hasattr(socket, "AF_UNIX") or sys.platform == "win32":  # the worker needs fcntl
        return None
    folder = home / "run" if home is not None else run_dir()
    path = folder / f"nlp-{code_version()[:16]}.sock"
    return path if len(os.fsencode(path)) <= MAX_SOCKET_PATH else None


class _Absent(Exception):
    """No worker listens there: worth spawning one."""


def ask(path: Path, text: str, *, reply_seconds: float = REPLY_SECONDS) -> Candidates | None:
    """The worker's candidates for ``text``, or None on any failure (one question, no
    spawning: ``WarmFinder`` is what a command uses)."""
    try:
        return _ask(path, text, reply_seconds, None)
    except (_Absent, OSError, ValueError):
        return None


def _ask(
    path: Path, text: str, reply_seconds: float, meanwhile: Callable[[], object] | None
) -> Candidates | None:
    request = json.dumps({"version": code_version(), "text": text}, ensure_ascii=False)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(CONNECT_SECONDS)
        try:
            client.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise _Absent from None
        client.settimeout(TAKEN_SECONDS)
        client.sendall(request.encode("utf-8", "surrogatepass") + b"\n")
        if meanwhile is not None:
            meanwhile()
        reader = client.makefile("rb")
        if reader.readline(len(ACCEPTED)) != ACCEPTED:
            raise ValueError("the worker did not take the request")
        client.settimeout(reply_seconds)
        reply = json.loads(reader.read())
    kept = reply.get("candidates") if isinstance(reply, dict) else None
    return from_json(kept) if isinstance(kept, str) else None


def worker_possible() -> bool:
    """spaCy and its model are installed (found, not imported): else no worker is needed."""
    from briefer.nlp.model import model_data_dir

    return importlib.util.find_spec("spacy") is not None and model_data_dir() is not None


def spawn(path: Path, *, idle: float = DEFAULT_IDLE) -> subprocess.Popen[bytes]:
    """Start a detached worker for ``path`` (the same interpreter and environment), its
    output in ``run/nlp-worker.log``; it exits at once if one already holds the socket, and
    loads spaCy once this process has ended."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    log_file = path.parent / "nlp-worker.log"
    fresh = not log_file.exists() or log_file.stat().st_size > LOG_LIMIT
    with log_file.open("ab") as log:  # appending: other workers may write to it too
        if fresh:
            log.truncate(0)
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "briefer.nlp.worker",
                "--socket",
                str(path),
                "--idle",
                str(idle),
                "--after",
                str(os.getpid()),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )


@dataclass
class WarmFinder:
    """Candidates from the worker at ``path``; spawns one (once) when none answers."""

    path: Path
    idle: float = DEFAULT_IDLE
    answered: int = 0  # articles the worker answered
    spawned: int | None = None  # pid of the worker this process started (0: it failed)
    announced: bool = False  # the command said it started one
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)  # that one
    # Work for this thread while the worker parses (the first ask only): the SDK's import.
    meanwhile: Callable[[], object] | None = field(default=None, repr=False)

    def __call__(self, text: str) -> Candidates | None:
        meanwhile, self.meanwhile = self.meanwhile, None
        try:
            found = _ask(self.path, text, REPLY_SECONDS, meanwhile)
        except _Absent:
            self._spawn_once()
            return None
        except (OSError, ValueError):
            return None
        self.answered += found is not None
        return found

    def _spawn_once(self) -> None:
        if self.spawned is not None or not worker_possible():
            return
        try:
            self.process = spawn(self.path, idle=self.idle)
        except OSError:
            self.spawned = 0  # could not start one: in-process, as without a worker
            return
        self.spawned = self.process.pid

    def starting(self) -> bool:
        """The worker this process spawned still runs: one that found the lock taken (by
        another command's, started at the same time) or its socket path unusable has
        ended already, and is not to be named."""
        return self.process is not None and self.process.poll() is None


def running_workers(folder: Path | None = None) -> list[tuple[Path, int]]:
    """Each worker alive in ``run/`` (of any code version): its socket and pid."""
    folder = folder or run_dir()
    found = []
    for lock in sorted(folder.glob("nlp-*.lock")):
        pid = _holder(lock)
        if pid is not None:
            found.append((lock.with_suffix(".sock"), pid))
    return found


def _holder(lock: Path) -> int | None:
    """The pid written in a lock file a process holds, else None."""
    try:
        import fcntl
    except ImportError:  # Windows: there are no workers
        return None

    try:
        with lock.open("r", encoding="utf-8") as file:
            try:
                fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                text = file.read().strip()
                return int(text) if text.isdigit() else None
            fcntl.flock(file, fcntl.LOCK_UN)
            return None
    except OSError:
        return None
