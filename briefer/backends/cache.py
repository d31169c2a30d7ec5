"""An on-disk response cache (SQLite), so a repeated run costs zero model calls.

The key hashes everything that can change an answer: backend, endpoint, model, messages,
schema and sampling parameters. Retries and timeouts are left out on purpose.

Only answers the caller accepted are stored (``CachedBackend.remember``), so a failure is
never replayed. A file that is not a usable cache (garbage, truncated, tables of another
shape) is moved aside as ``cache.sqlite.corrupt-<time>`` and a new one started, said once
on stderr; a cache that cannot be written at all is an ``InputError`` naming the fix.

The same file remembers, per endpoint and model, that the endpoint refused strict
``json_schema`` output, so later runs go straight to ``json_object`` mode.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from briefer.backends import Backend, ChatRequest, ChatResponse, JsonMode, Wrapper
from briefer.errors import InputError

Migration = Callable[[sqlite3.Connection], None]
T = TypeVar("T")

SQLITE_MAGIC = b"SQLite format 3\x00"
# How long a refused json_schema is remembered: an upgraded server is found again.
JSON_MODE_DAYS = 7
BUSY_SECONDS = 30.0  # how long to wait for another process's lock on the file
_NO_CACHE_FIX = "make BRIEFER_HOME writable or pass --no-cache"
_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}


# The cache's SQL, in one place.
_CREATE_RESPONSES = (
    "CREATE TABLE responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, "
    "response TEXT NOT NULL, created REAL NOT NULL)"
)
_CREATE_JSON_MODES = (
    "CREATE TABLE json_modes (backend TEXT NOT NULL, endpoint TEXT NOT NULL, "
    "model TEXT NOT NULL, json_mode TEXT NOT NULL, learned REAL NOT NULL, "
    "PRIMARY KEY (backend, endpoint, model))"
)
_CREATE_MIGRATIONS = "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied REAL)"
_APPLIED_MIGRATIONS = "SELECT name FROM _migrations"
_RECORD_MIGRATION = "INSERT INTO _migrations VALUES (?, ?)"
# What the pipeline derived from an article before asking (its NLP candidates), so a brief
# the cache answers needs no parser either.
_CREATE_DERIVED = (
    "CREATE TABLE derived (key TEXT PRIMARY KEY, value TEXT NOT NULL, created REAL NOT NULL)"
)
_GET_DERIVED = "SELECT value FROM derived WHERE key = ?"
_PUT_DERIVED = "INSERT OR REPLACE INTO derived VALUES (?, ?, ?)"
_GET_RESPONSE = "SELECT response FROM responses WHERE key = ?"
_PUT_RESPONSE = "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?)"
_DELETE_RESPONSE = "DELETE FROM responses WHERE key = ?"
_GET_JSON_MODE = (
    "SELECT json_mode FROM json_modes WHERE backend = ? AND endpoint = ? AND model = ? "
    "AND learned >= ?"
)
_PUT_JSON_MODE = "INSERT OR REPLACE INTO json_modes VALUES (?, ?, ?, ?, ?)"
_WAL = "PRAGMA journal_mode=WAL"
_SYNC_NORMAL = "PRAGMA synchronous=NORMAL"


def _m001_responses(db: sqlite3.Connection) -> None:
    db.execute(_CREATE_RESPONSES)


def _m002_json_modes(db: sqlite3.Connection) -> None:
    db.execute(_CREATE_JSON_MODES)


def _m003_derived(db: sqlite3.Connection) -> None:
    db.execute(_CREATE_DERIVED)


MIGRATIONS: list[tuple[str, Migration]] = [
    ("m001_responses", _m001_responses),
    ("m002_json_modes", _m002_json_modes),
    ("m003_derived", _m003_derived),
]
TABLE_COLUMNS = {
    "_migrations": ["name", "applied"],
    "responses": ["key", "model", "response", "created"],
    "json_modes": ["backend", "endpoint", "model", "json_mode", "learned"],
    "derived": ["key", "value", "created"],
}


def now() -> float:
    """The clock entries are stamped with and aged by (tests replace it)."""
    return time.time()


def migrate(db: sqlite3.Connection) -> None:
    db.execute(_CREATE_MIGRATIONS)
    done = {row[0] for row in db.execute(_APPLIED_MIGRATIONS)}
    for name, migration in MIGRATIONS:
        if name not in done:
            migration(db)
            db.execute(_RECORD_MIGRATION, (name, now()))
    db.commit()


def cache_key(backend: str, endpoint: str, model: str, request: ChatRequest) -> str:
    payload = {
        "backend": backend,
        "endpoint": endpoint,
        "model": model,
        "messages": request.messages,
        "schema": request.json_schema,
        "json_mode": request.json_mode,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def warn(message: str) -> None:
    print(f"briefer: warning: {message}", file=sys.stderr, flush=True)


class Unusable(Exception):
    """The file is not a cache this briefer can use; ``str()`` says why, in a few words."""


class ResponseCache:
    def __init__(self, path: Path, *, notify: Callable[[str], None] = warn) -> None:
        self.path = path
        self._notify = notify
        self._lock = threading.Lock()
        self._said: set[str] = set()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise InputError(
                f"{path.parent}: cannot create the response cache folder ({reason}); "
                + _NO_CACHE_FIX
            ) from error
        self._db = self._open()

    # -- answers ----------------------------------------------------------------------------

    def get(self, key: str) -> ChatResponse | None:
        row = self._run(lambda db: db.execute(_GET_RESPONSE, (key,)).fetchone(), None)
        if row is None:
            return None
        try:
            return ChatResponse.model_validate_json(row[0])
        except ValidationError:  # a damaged or foreign row: a miss, and gone
            self.delete(key)
            return None

    def put(self, key: str, model: str, response: ChatResponse) -> None:
        blob = response.model_dump_json()
        self._write(_PUT_RESPONSE, (key, model, blob, now()))

    def delete(self, key: str) -> None:
        self._write(_DELETE_RESPONSE, (key,))

    # -- what was derived from an article --------------------------------------------------

    def derived(self, key: str) -> str | None:
        row = self._run(lambda db: db.execute(_GET_DERIVED, (key,)).fetchone(), None)
        return str(row[0]) if row else None

    def put_derived(self, key: str, value: str) -> None:
        self._write(_PUT_DERIVED, (key, value, now()))

    # -- what each endpoint accepts ---------------------------------------------------------

    def json_mode(self, backend: str, endpoint: str, model: str) -> JsonMode | None:
        """The json mode learned for this endpoint and model in the last ``JSON_MODE_DAYS``."""
        since = now() - JSON_MODE_DAYS * 86400
        row = self._run(
            lambda db: db.execute(
                _GET_JSON_MODE,
                (backend, endpoint, model, since),
            ).fetchone(),
            None,
        )
        mode = row[0] if row else None
        return "object" if mode == "object" else "schema" if mode == "schema" else None

    def learn_json_mode(self, backend: str, endpoint: str, model: str, mode: JsonMode) -> None:
        self._write(
            _PUT_JSON_MODE,
            (backend, endpoint, model, mode, now()),
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- keeping the file usable ------------------------------------------------------------

    def _write(self, sql: str, parameters: tuple[Any, ...]) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute(sql, parameters)
            db.commit()

        self._run(write, None)

    def _run(self, operation: Callable[[sqlite3.Connection], T], fallback: T) -> T:
        """``operation`` on the database; on failure ``fallback``, and a damaged file replaced."""
        with self._lock:
            try:
                return operation(self._db)
            except sqlite3.DatabaseError as error:
                if _error_name(error) in _DAMAGED:
                    self._db.close()
                    self._db = self._replace(Unusable(str(error)))
                else:  # busy past the timeout, disk full: this answer goes uncached
                    self._say_once(
                        "failing",
                        f"{self.path}: the response cache failed ({error}); going on without it",
                    )
                return fallback

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except Unusable as problem:
            return self._replace(problem)

    def _replace(self, problem: Unusable) -> sqlite3.Connection:
        aside = self._set_aside()
        self._say_once(
            "replaced",
            f"{self.path}: the response cache was unusable ({problem}); moved it to {aside.name} "
            "and started a new one",
        )
        try:
            return self._connect()
        except Unusable as again:
            raise InputError(
                f"{self.path}: cannot start a new response cache ({again}); {_NO_CACHE_FIX}"
            ) from again

    def _connect(self) -> sqlite3.Connection:
        _check_file(self.path)
        try:
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=BUSY_SECONDS)
        except sqlite3.DatabaseError as error:
            raise self._classify(error) from error
        try:
            _check_tables(db)  # before anything writes to a file that may be set aside
            db.execute(_WAL)
            db.execute(_SYNC_NORMAL)  # WAL stays consistent; no fsync per answer
            migrate(db)
            _check_tables(db, complete=True)
        except sqlite3.DatabaseError as error:
            db.close()
            raise self._classify(error) from error
        except Unusable:
            db.close()
            raise
        return db

    def _classify(self, error: sqlite3.DatabaseError) -> Exception:
        """``Unusable`` for a damaged file or tables of another shape; else an InputError
        (cannot write, disk full, held by another process): moving it aside would not help."""
        name = _error_name(error)
        if name in _DAMAGED or name == "SQLITE_ERROR":
            return Unusable(str(error))
        if name in _BUSY:
            return InputError(
                f"{self.path}: the response cache is locked by another process; "
                "wait for it or pass --no-cache"
            )
        return InputError(f"{self.path}: cannot use the response cache ({error}); {_NO_CACHE_FIX}")

    def _set_aside(self) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now()))
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for n in range(1, 100):
            if not aside.exists():
                break
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            self.path.replace(aside)
            for suffix in ("-wal", "-shm"):  # a stale log must not be replayed into the new file
                journal = self.path.with_name(self.path.name + suffix)
                if journal.exists():
                    journal.replace(aside.with_name(aside.name + suffix))
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise InputError(
                f"{self.path}: the response cache is unusable and cannot be moved aside "
                f"({reason}); {_NO_CACHE_FIX}"
            ) from error
        return aside

    def _say_once(self, topic: str, message: str) -> None:
        if topic not in self._said:
            self._said.add(topic)
            self._notify(message)


class CachedBackend(Wrapper):
    """Replays answers from a ``ResponseCache``; keeps only those the caller ``remember``s."""

    def __init__(self, inner: Backend, cache: ResponseCache) -> None:
        super().__init__(inner)
        self.cache = cache

    def complete(self, request: ChatRequest) -> ChatResponse:
        hit = self.cache.get(self._key(request))
        if hit is not None:
            return hit.model_copy(update={"cached": True, "seconds": 0.0, "attempts": 0})
        return self.inner.complete(request)

    def remember(self, request: ChatRequest, response: ChatResponse) -> None:
        if not response.cached:
            kept = response.model_copy(update={"attempts": 1})
            self.cache.put(self._key(request), self.model, kept)

    def forget(self, request: ChatRequest) -> None:
        self.cache.delete(self._key(request))

    def learned_json_mode(self) -> JsonMode | None:
        return self.cache.json_mode(self.name, self.endpoint, self.model)

    def learn_json_mode(self, mode: JsonMode) -> None:
        self.cache.learn_json_mode(self.name, self.endpoint, self.model, mode)

    def _key(self, request: ChatRequest) -> str:
        return cache_key(self.name, self.endpoint, self.model, request)


def _error_name(error: sqlite3.DatabaseError) -> str:
    name = getattr(error, "sqlite_errorname", "")
    return name if isinstance(name, str) else ""


def _check_file(path: Path) -> None:
    """Unusable unless ``path`` is missing, empty or an SQLite file as long as its header says.

    The length check is skipped while a write-ahead log exists: its pages may still be due.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            header = file.read(100)
    except FileNotFoundError:
        return
    except OSError:
        return  # unreadable: sqlite3 says what is wrong, as an InputError
    if size == 0:
        return
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise Unusable("not an SQLite database")
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    header_valid = header[24:28] == header[92:96] and pages > 0
    if header_valid and pages * page_size > size:
        raise Unusable(f"truncated: {size} of {pages * page_size} bytes")


def _check_tables(db: sqlite3.Connection, *, complete: bool = False) -> None:
    """Unusable when a table has other columns (or, if ``complete``, is missing)."""
    for table, columns in TABLE_COLUMNS.items():
        found = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        if found != columns and (found or complete):
            raise Unusable(f"table {table} has columns {found or 'none'}, not {columns}")
