"""The warm spaCy worker: finds an article's candidates in a process that stays loaded.

Importing spaCy, loading its pipeline and a first parse cost about a second per process,
which an interactive ``briefer brief`` would pay every time; this process pays it once and
answers on a Unix-domain socket (``briefer.nlp.warm`` is the client that spawns it).

Run as ``python -m briefer.nlp.worker --socket PATH [--idle SECONDS] [--after PID]``. One JSON line in,
``{"version": code_version(), "text": ...}``; out, ``accepted`` as it takes a connection (a
client gives up soon without it), then one JSON line, ``{"candidates": to_json(...)}`` or
``{"error": ...}``; a request from other code (another version) is
refused. One worker per socket: it holds an exclusive ``flock`` on the lock file beside the
socket for its whole life, and a second one exits at once. It stops after ``--idle``
seconds without a request, soon after its socket file is removed or replaced (deleting the
home stops it), and on SIGTERM, unlinking its socket if it is still its own. Without spaCy
it does not start: the rules need no worker.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import select
import signal
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from briefer.derived import code_version
from briefer.errors import InputError
from briefer.nlp.warm import ACCEPTED, DEFAULT_IDLE, lock_path

POLL_SECONDS = 1.0  # how often it checks that its socket file is still there
# Bytes of one request line; a 200,000-character article (max_chars) is under 1 MB.
REQUEST_LIMIT = 16 * 1024 * 1024
READ_SECONDS = 30.0  # for a client to send its whole request once connected
# The longest wait for the command that spawned it: loading spaCy meanwhile would compete
# with that command's own parse for a core (on one core its brief took 1.4 s longer).
AFTER_SECONDS = 120.0
WARM_TEXT = 'The mayor, Jane Doe, said on Monday that the city would spend $5 million. "We must act," she said.'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m briefer.nlp.worker")
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--idle", type=float, default=DEFAULT_IDLE)
    parser.add_argument("--poll", type=float, default=POLL_SECONDS)
    parser.add_argument("--after", type=int, help="load spaCy once this process has ended")
    args = parser.parse_args(argv)
    path: Path = args.socket
    try:  # not the home itself: one deleted before this started stays deleted
        path.parent.mkdir(mode=0o700, exist_ok=True)
        os.chmod(path.parent, 0o700)
    except FileNotFoundError:
        return 0
    with _exclusive(lock_path(path)) as lock:
        if lock is None:
            return 0  # another worker holds this socket
        _write_pid(lock)  # now: a pid left by an earlier worker must not be signalled
        server = _bound(path)  # before spaCy loads: a path it cannot take is not worth it
        if server is None:
            return 0
        with suppress(_Stopped), _listening(server, path) as identity:
            signal.signal(signal.SIGTERM, _stop)  # now the way out removes the socket file
            if args.after is not None:
                _ended(args.after, AFTER_SECONDS)
            if not _warmed():
                return 0
            server.listen(8)  # until now a client is refused, as with no worker, and spawns
            _log(f"serving {path.name} (pid {os.getpid()})")
            print("ready", flush=True)  # for a caller that waits (the tests); else /dev/null
            _serve(server, path, identity, idle=args.idle, poll=args.poll)
    return 0


class _Stopped(BaseException):
    """SIGTERM: leave whatever runs (no ``except Exception`` catches it) and clean up."""


def _stop(_signum: int, _frame: Any) -> None:
    raise _Stopped


@contextmanager
def _exclusive(path: Path) -> Iterator[IO[str] | None]:
    """The lock file, held exclusively for the block; None when another process holds it."""
    with path.open("a+", encoding="utf-8") as file:
        os.chmod(path, 0o600)
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield None
            return
        yield file


def _write_pid(lock: IO[str]) -> None:
    lock.seek(0)
    lock.truncate()
    lock.write(f"{os.getpid()}\n")
    lock.flush()


def _ended(pid: int, limit: float) -> bool:
    """Wait up to ``limit`` seconds for process ``pid`` to end; whether it has."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    except (AttributeError, OSError):  # no pidfd (not Linux): look now and then
        deadline = time.monotonic() + limit
        while _alive(pid):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        return True
    try:
        return bool(select.select([handle], [], [], limit)[0])
    finally:
        os.close(handle)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _warmed() -> bool:
    """Load the pipeline and parse once (spaCy's first parse is slow); False without spaCy
    or when the model files fail their check (the client then parses in-process and says
    so itself)."""
    from briefer.nlp import find_candidates
    from briefer.nlp.model import parse, pipeline

    try:
        if pipeline() is None:
            _log("spaCy or its model is not installed: no worker needed")
            return False
    except InputError as error:
        _log(error.message)
        return False
    find_candidates(WARM_TEXT)
    parse.cache_clear()
    return True


def _bound(path: Path) -> socket.socket | None:
    """A socket bound at ``path`` (0600; a stale socket file there is replaced: the lock is
    ours), or None, said in the log, where there can be none (a directory there, a
    read-only or full folder)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    umask = os.umask(0o177)
    try:
        with suppress(FileNotFoundError):
            path.unlink()
        server.bind(str(path))
    except OSError as error:
        server.close()
        _log(f"cannot listen at {path.name}: {error.strerror or error}")
        return None
    finally:
        os.umask(umask)
    return server


@contextmanager
def _listening(server: socket.socket, path: Path) -> Iterator[tuple[int, int] | None]:
    """The identity of the file ``server`` is bound at; on the way out the socket is closed
    and the file unlinked unless another file has replaced it."""
    identity = _identity(path)
    try:
        yield identity
    finally:
        server.close()
        if identity is not None and _identity(path) == identity:
            path.unlink()
        _log(f"stopped (pid {os.getpid()})")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _serve(
    server: socket.socket,
    path: Path,
    identity: tuple[int, int] | None,
    *,
    idle: float,
    poll: float,
) -> None:
    """Answer until ``idle`` seconds pass without a request or the file at ``path`` is no
    longer the one bound (``identity``, taken at the bind: a later look could see none)."""
    last = time.monotonic()
    server.settimeout(poll)
    while time.monotonic() - last < idle and identity is not None and _identity(path) == identity:
        try:
            connection, _ = server.accept()
        except TimeoutError:
            continue
        with connection:
            _answer(connection)
        last = time.monotonic()


def _answer(connection: socket.socket) -> None:
    connection.settimeout(READ_SECONDS)
    try:
        connection.sendall(ACCEPTED)  # a client waits for this line only briefly
        request = _read_line(connection)
        reply = _reply(request)
    except (OSError, ValueError) as error:
        reply = {"error": f"bad request ({type(error).__name__})"}
    with suppress(OSError):  # the client gave up: it parses in-process
        connection.sendall(json.dumps(reply, ensure_ascii=False).encode() + b"\n")


def _read_line(connection: socket.socket) -> bytes:
    data = bytearray()
    while not data.endswith(b"\n"):
        block = connection.recv(1 << 16)
        if not block:
            raise ValueError("the request ended before its newline")
        data += block
        if len(data) > REQUEST_LIMIT:
            raise ValueError("the request is too long")
    return bytes(data)


def _reply(request: bytes) -> dict[str, str]:
    from briefer.nlp import find_candidates
    from briefer.nlp.model import parse
    from briefer.nlp.store import to_json

    data = json.loads(request)
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return {"error": "a request is {version, text}"}
    if data.get("version") != code_version():
        return {"error": "version mismatch"}
    try:
        return {"candidates": to_json(find_candidates(data["text"]))}
    except Exception as error:  # a rule's bug: the client parses in-process and shows it
        _log(f"finding candidates failed: {type(error).__name__}")
        return {"error": f"failed ({type(error).__name__})"}
    finally:
        parse.cache_clear()  # the Doc of a long article is most of the memory


def _log(line: str) -> None:
    print(
        f"{time.strftime('%Y-%m-%dT%H:%M:%S')} briefer nlp worker: {line}",
        file=sys.stderr,
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
