"""The response cache, pinned where mutation testing found it loose (docs/testing.md).

The file keeps working whatever happens to it: its folder is made as needed; a damaged row
is dropped; a damaged or foreign file is set aside under a dated name that never replaces
an earlier one, its journals with it; a file another process holds, or one that cannot be
opened, is one line naming it and the fix; a learned json mode is kept exactly
``JSON_MODE_DAYS``; a cache that fails mid-run is said once and the run goes on without it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefer.backends import ChatResponse
from briefer.backends import cache as cache_module
from briefer.backends.cache import JSON_MODE_DAYS, ResponseCache, Unusable
from briefer.cli import cli
from briefer.errors import InputError
from tests.briefs import SEED, as_content, seed_answer
from tests.fakes import FakeOpenAI, Reply

FIX = "make BRIEFER_HOME writable or pass --no-cache"
T = 1_800_000_000.0  # the cache's clock in these tests
STAMP = time.strftime("%Y%m%dT%H%M%S", time.localtime(T))
ANSWER = ChatResponse(text="kept", model="m")


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The cache's clock stopped at ``T``; a test moves it by setting ``now[0]``."""
    now = [T]
    monkeypatch.setattr(cache_module, "now", lambda: now[0])
    yield now


def brief(fake: FakeOpenAI) -> Result:
    env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "sk-test"}
    return CliRunner().invoke(cli, ["brief", str(SEED)], env=env, catch_exceptions=False)


def errors(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("briefer: error:")]


def garbage(path: Path) -> bytes:
    data = b"\x00\xffnot a database\n" * 300
    path.write_bytes(data)
    return data


# -- the folder, and rows -------------------------------------------------------------------


def test_the_cache_folder_is_made_with_its_parents(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "a" / "b" / "c.sqlite")
    cache.put("k", "m", ANSWER)
    assert cache.get("k") == ANSWER


def test_a_folder_that_cannot_be_made_is_one_line_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file, not a folder")
    folder = tmp_path / "blocker" / "sub"
    with pytest.raises(InputError) as raised:
        ResponseCache(folder / "c.sqlite")
    assert raised.value.message == (
        f"{folder}: cannot create the response cache folder (Not a directory); {FIX}"
    )


def test_a_row_that_does_not_load_is_a_miss_and_removed(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)
    cache.put("bad", "m", ANSWER)
    cache.put("good", "m", ANSWER)
    cache._db.execute("UPDATE responses SET response = 'not json' WHERE key = 'bad'")
    cache._db.commit()
    assert cache.get("bad") is None
    with sqlite3.connect(path) as db:
        assert [row[0] for row in db.execute("SELECT key FROM responses")] == ["good"]


def test_entries_are_stamped_with_the_caches_clock(tmp_path: Path, frozen: list[float]) -> None:
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)
    cache.put("k", "m", ANSWER)
    cache.learn_json_mode("openai", "h:1", "m", "object")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT model, created FROM responses").fetchall() == [("m", T)]
        assert db.execute("SELECT learned FROM json_modes").fetchall() == [(T,)]
        assert {row[0] for row in db.execute("SELECT applied FROM _migrations")} == {T}


# -- what each endpoint accepts -------------------------------------------------------------


@pytest.mark.parametrize("mode", ["schema", "object"])
def test_a_learned_json_mode_is_kept_exactly_its_days(
    tmp_path: Path, frozen: list[float], mode: str
) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    cache.learn_json_mode("openai", "h:1", "m", mode)  # type: ignore[arg-type]
    frozen[0] = T + JSON_MODE_DAYS * 86400
    assert cache.json_mode("openai", "h:1", "m") == mode
    assert cache.json_mode("local", "h:1", "m") is None
    assert cache.json_mode("openai", "h:2", "m") is None
    frozen[0] += 1
    assert cache.json_mode("openai", "h:1", "m") is None


def test_a_json_mode_the_code_does_not_know_is_none(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    cache.learn_json_mode("openai", "h:1", "m", "grammar")  # type: ignore[arg-type]
    assert cache.json_mode("openai", "h:1", "m") is None


# -- a cache that fails mid-run ---------------------------------------------------------------


def test_a_full_cache_is_said_once_and_the_run_goes_on(tmp_path: Path) -> None:
    said: list[str] = []
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path, notify=said.append)
    cache._db.execute("PRAGMA max_page_count = 1")  # the disk "full" at its current size
    for key in ("a", "b"):
        cache.put(key, "m", ChatResponse(text="x" * 20000))
        assert cache.get(key) is None
    assert said == [
        f"{path}: the response cache failed (database or disk is full); going on without it"
    ]
    assert list(tmp_path.glob("c.sqlite.corrupt-*")) == []  # full is not damaged


# -- files that are not a usable cache --------------------------------------------------------


def test_each_file_set_aside_gets_a_name_of_its_own(tmp_path: Path, frozen: list[float]) -> None:
    path = tmp_path / "c.sqlite"
    said: list[str] = []
    for _ in range(3):
        original = garbage(path)
        ResponseCache(path, notify=said.append).close()
    names = [
        f"c.sqlite.corrupt-{STAMP}",
        f"c.sqlite.corrupt-{STAMP}-1",
        f"c.sqlite.corrupt-{STAMP}-2",
    ]
    assert sorted(p.name for p in tmp_path.glob("c.sqlite.corrupt-*")) == names
    assert (tmp_path / names[2]).read_bytes() == original
    assert [
        f"moved it to {name} and started" in line for line, name in zip(said, names, strict=True)
    ]
    assert all(
        line.startswith(f"{path}: the response cache was unusable (not an SQLite database)")
        for line in said
    )


def test_a_damaged_files_journals_go_aside_with_it(tmp_path: Path, frozen: list[float]) -> None:
    path = tmp_path / "c.sqlite"
    garbage(path)
    journals = {suffix: f"stale {suffix} log".encode() * 50 for suffix in ("-wal", "-shm")}
    for suffix, data in journals.items():
        path.with_name("c.sqlite" + suffix).write_bytes(data)
    cache = ResponseCache(path)
    for suffix, data in journals.items():
        assert (tmp_path / f"c.sqlite.corrupt-{STAMP}{suffix}").read_bytes() == data
    cache.put("k", "m", ANSWER)
    assert cache.get("k") == ANSWER


def test_a_file_that_cannot_be_moved_aside_is_one_line(tmp_path: Path, frozen: list[float]) -> None:
    path = tmp_path / "c.sqlite"
    garbage(path)
    path.with_name("c.sqlite-wal").write_bytes(b"stale")
    (tmp_path / f"c.sqlite.corrupt-{STAMP}-wal").mkdir()  # in the journal's way
    with pytest.raises(InputError) as raised:
        ResponseCache(path)
    assert raised.value.message == (
        f"{path}: the response cache is unusable and cannot be moved aside (Is a directory); {FIX}"
    )


def test_a_new_cache_that_cannot_start_either_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.sqlite"
    garbage(path)

    def never(path: Path) -> None:
        raise Unusable("still not a database")

    monkeypatch.setattr(cache_module, "_check_file", never)
    with pytest.raises(InputError) as raised:
        ResponseCache(path)
    assert raised.value.message == (
        f"{path}: cannot start a new response cache (still not a database); {FIX}"
    )


# -- files the cache cannot use, said on the command line -------------------------------------


def test_a_cache_another_process_holds_is_one_line_and_no_call(
    fake_openai: FakeOpenAI, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = isolated_env / "cache.sqlite"
    monkeypatch.setattr(cache_module, "BUSY_SECONDS", 0.0)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN EXCLUSIVE")
    try:
        result = brief(fake_openai)
    finally:
        other.close()
    assert result.exit_code == 2
    assert errors(result) == [
        f"briefer: error: {path}: the response cache is locked by another process; "
        "wait for it or pass --no-cache"
    ]
    assert fake_openai.calls == 0 and path.exists()


def test_a_cache_that_cannot_be_opened_is_one_line_and_no_call(
    fake_openai: FakeOpenAI, isolated_env: Path
) -> None:
    path = isolated_env / "cache.sqlite"
    path.mkdir()  # a folder where the file goes: nothing to set aside, nothing to open
    result = brief(fake_openai)
    assert result.exit_code == 2
    assert errors(result) == [
        f"briefer: error: {path}: cannot use the response cache (unable to open database file); "
        + FIX
    ]
    assert fake_openai.calls == 0 and path.is_dir()


def index_named_responses(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
        db.execute("CREATE INDEX responses ON t (x)")


def damaged_schema_page(path: Path) -> None:
    cache = ResponseCache(path)
    cache.put("k", "m", ANSWER)
    cache.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the tables' list, past the intact header
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (index_named_responses, "there is already an index named responses"),
        (damaged_schema_page, "database disk image is malformed"),
    ],
)
def test_a_file_sqlite_itself_refuses_is_set_aside(
    fake_openai: FakeOpenAI, isolated_env: Path, damage: object, reason: str
) -> None:
    path = isolated_env / "cache.sqlite"
    damage(path)  # type: ignore[operator]
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    result = brief(fake_openai)
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("briefer: w")]
    assert warning.startswith(
        f"briefer: warning: {path}: the response cache was unusable ({reason}); moved it to "
        "cache.sqlite.corrupt-"
    )
    assert len(list(isolated_env.glob("cache.sqlite.corrupt-*"))) == 1


# -- why a file is set aside, in its own words ------------------------------------------------


def one_page(path: Path, page_size: int = 4096) -> None:
    """A one-page SQLite file cut to 2,000 bytes (its header says ``page_size``)."""
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA page_size = {page_size}")
        db.execute("PRAGMA user_version = 7")
    path.write_bytes(path.read_bytes()[:2000])


def short_with_magic(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + bytes(30))


def one_page_with_empty_log(path: Path) -> None:
    one_page(path)
    path.with_name(path.name + "-wal").write_bytes(b"")


def foreign_table(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, value BLOB)")


def marked_migrated_without_json_modes(path: Path) -> None:
    ResponseCache(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE json_modes")


COLUMNS = "['backend', 'endpoint', 'model', 'json_mode', 'learned']"


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (garbage, "not an SQLite database"),
        (short_with_magic, "not an SQLite database"),
        (one_page, "truncated: 2000 of 4096 bytes"),
        (lambda path: one_page(path, 65536), "truncated: 2000 of 65536 bytes"),
        (one_page_with_empty_log, "truncated: 2000 of 4096 bytes"),
        (
            foreign_table,
            "table responses has columns ['key', 'value'], not "
            "['key', 'model', 'response', 'created']",
        ),
        (marked_migrated_without_json_modes, f"table json_modes has columns none, not {COLUMNS}"),
    ],
    ids=["garbage", "short", "truncated", "truncated-64k", "empty-log", "foreign", "missing"],
)
def test_why_a_file_is_set_aside(tmp_path: Path, damage: object, reason: str) -> None:
    path = tmp_path / "c.sqlite"
    damage(path)  # type: ignore[operator]
    said: list[str] = []
    ResponseCache(path, notify=said.append).put("k", "m", ANSWER)
    (line,) = said
    assert line.startswith(f"{path}: the response cache was unusable ({reason}); moved it to ")


def stale_size_in_header(path: Path) -> None:
    """Cut short, but the header's page count is not valid (SQLite then goes by the file)."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 7")
    data = bytearray(path.read_bytes())
    data[92:96] = (int.from_bytes(data[92:96], "big") + 1).to_bytes(4, "big")
    path.write_bytes(bytes(data[:2000]))


def with_log(size: int) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        one_page(path)
        path.with_name(path.name + "-wal").write_bytes(b"x" * size)

    return damage


@pytest.mark.parametrize(
    "damage",
    [lambda path: path.write_bytes(b""), stale_size_in_header, with_log(1), with_log(100)],
    ids=["empty", "stale-size", "short-with-a-1-byte-log", "short-with-a-log"],
)
def test_a_file_that_may_still_be_good_is_kept(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    """Empty, or short while its write-ahead log may hold the missing pages, or short with a
    page count its header does not vouch for: SQLite can still open these."""
    path = tmp_path / "c.sqlite"
    damage(path)
    said: list[str] = []
    cache = ResponseCache(path, notify=said.append)
    cache.put("k", "m", ANSWER)
    assert cache.get("k") == ANSWER
    assert said == [] and list(tmp_path.glob("*corrupt*")) == []


def test_one_cache_serves_every_thread(tmp_path: Path) -> None:
    """A day's briefs run on several threads and share the one connection."""
    said: list[str] = []
    cache = ResponseCache(tmp_path / "c.sqlite", notify=said.append)
    found: list[ChatResponse | None] = []

    def work() -> None:
        cache.put("k", "m", ANSWER)
        found.append(cache.get("k"))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=30)
    assert found == [ANSWER] and said == []
