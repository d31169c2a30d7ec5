"""An on-disk response cache (SQLite), so a repeated run costs zero model calls.

The key hashes everything that can change an answer: backend, endpoint, model, messages,
schema and sampling parameters. Retries and timeouts are left out on purpose.

Only answers the caller accepted are stored (``CachedBackend.remember``), so a failure is
never replayed; a row that does not read back as a response is a miss, and deleted.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from briefer.backends import ChatRequest, ChatResponse

Migration = Callable[[sqlite3.Connection], None]


def _m001_responses(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, "
        "response TEXT NOT NULL, created REAL NOT NULL)"
    )


MIGRATIONS: list[tuple[str, Migration]] = [("m001_responses", _m001_responses)]


def migrate(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied REAL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    for name, migration in MIGRATIONS:
        if name not in done:
            migration(db)
            db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, time.time()))
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


class ResponseCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; skip an fsync per answer
        migrate(self._db)

    def get(self, key: str) -> ChatResponse | None:
        with self._lock:
            row = self._db.execute(
                "SELECT response FROM responses WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        try:
            return ChatResponse.model_validate_json(row[0])
        except ValidationError:  # a damaged or foreign row: a miss, and gone
            self.delete(key)
            return None

    def put(self, key: str, model: str, response: ChatResponse) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?)",
                (key, model, response.model_dump_json(), time.time()),
            )
            self._db.commit()

    def delete(self, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM responses WHERE key = ?", (key,))
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
