"""The log of finished briefs (``briefer logs``): SQLite in the user folder, newest first.

Why a log beside the response cache: the cache keeps raw model answers under a hash of
the request, without the article, so it cannot give back a brief (that needs the article
for the citations and grounding). The log keeps each brief ``briefer brief`` finished, as
its JSON contract, with the columns a listing shows. Only finished briefs are written;
nothing of a failed article, and no secret: the brief holds the article's URL without its
credentials and the endpoint's host only, and every value of a secret-named environment
variable is replaced before the row is written, as a second guard.

A log that cannot be written never costs the brief that was just made: it is said once on
stderr and the brief is shown as usual.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from briefer.config import secret_values, user_dir
from briefer.errors import InputError
from briefer.schema import Brief
from briefer.urls import REDACTED

LOG_FILENAME = "briefs.sqlite"
_CREATE = (
    "CREATE TABLE IF NOT EXISTS briefs (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "created REAL NOT NULL, title TEXT NOT NULL, source TEXT, model TEXT NOT NULL, "
    "backend TEXT NOT NULL, prompt_version TEXT NOT NULL, tokens INTEGER NOT NULL, "
    "brief TEXT NOT NULL)"
)
_INSERT = (
    "INSERT INTO briefs (created, title, source, model, backend, prompt_version, tokens, "
    "brief) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_COLUMNS = "id, created, title, source, model, backend, prompt_version, tokens, brief"
_NEWEST = f"SELECT {_COLUMNS} FROM briefs ORDER BY id DESC LIMIT ?"
_ONE = f"SELECT {_COLUMNS} FROM briefs WHERE id = ?"


def log_path() -> Path:
    return user_dir() / LOG_FILENAME


def now() -> float:
    """The clock entries are stamped with (tests replace it)."""
    return time.time()


@dataclass(frozen=True)
class LogEntry:
    id: int
    created: float
    title: str
    source: str | None
    model: str
    backend: str
    prompt_version: str
    tokens: int
    brief_json: str

    def brief(self) -> Brief:
        return Brief.model_validate_json(self.brief_json)


def record(brief: Brief, *, path: Path | None = None, warn: Callable[[str], None]) -> None:
    """Add a finished brief to the log; a failure to write is ``warn``ed, never raised."""
    path = path or log_path()
    article = brief.article
    usage = brief.meta.usage
    where = article.url or article.source
    row = (
        now(),
        _scrubbed(brief.title),
        _scrubbed(where) if where else None,
        brief.meta.model,
        brief.meta.backend,
        brief.meta.prompt_version,
        usage.prompt_tokens + usage.completion_tokens,
        _scrubbed(brief.model_dump_json()),
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(_connect(path)) as db, db:
            db.execute(_INSERT, row)
    except (OSError, sqlite3.Error) as error:
        warn(f"{path}: the brief was not added to the log ({error}); `briefer logs` will miss it")


def newest(limit: int, *, path: Path | None = None) -> list[LogEntry]:
    """The ``limit`` newest entries, newest first (none when there is no log yet)."""
    path = path or log_path()
    if not path.exists():
        return []
    return [_entry(row) for row in _read(path, _NEWEST, (limit,))]


def entry(entry_id: int, *, path: Path | None = None) -> LogEntry | None:
    path = path or log_path()
    if not path.exists():
        return None
    rows = _read(path, _ONE, (entry_id,))
    return _entry(rows[0]) if rows else None


def _read(path: Path, sql: str, parameters: tuple[int]) -> list[tuple[object, ...]]:
    try:
        with closing(_connect(path)) as db:
            return list(db.execute(sql, parameters))
    except sqlite3.Error as error:
        raise InputError(
            f"{path}: not a readable brief log ({error}); move it aside (a new one is started)"
        ) from None


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30.0)
    db.execute(_CREATE)
    return db


def _entry(row: tuple[object, ...]) -> LogEntry:
    id_, created, title, source, model, backend, version, tokens, blob = row
    return LogEntry(
        id=int(str(id_)),
        created=float(str(created)),
        title=str(title),
        source=None if source is None else str(source),
        model=str(model),
        backend=str(backend),
        prompt_version=str(version),
        tokens=int(str(tokens)),
        brief_json=str(blob),
    )


def _scrubbed(text: str) -> str:
    for value in secret_values():
        text = text.replace(value, REDACTED)
    return text
