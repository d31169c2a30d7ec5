"""``briefer daily`` against inputs meant to break it: each case loses no article, prints no
traceback and ends with the documented exit code. Real CLI, real clients, loopback fakes."""

from __future__ import annotations

import json
import os
import re
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from briefer.backends import ChatRequest
from briefer.backends.fake import FakeBackend
from briefer.config import load_settings
from briefer.digest import DailyOptions, load_digest, run_day
from tests.dailyrun import (
    IGNORES_PERMISSIONS,
    LIBRARY,
    TODAY,
    articles_folder,
    clean,
    daily,
    failed,
    titles,
)
from tests.fakes import DEFAULT_BRIEF, FakeOpenAI, FakeWeb, Reply
from tests.test_daily import Model
from tests.test_sources import NOW, STRIKE, page, rss

# -- one bad input never aborts a day ---------------------------------------------------------


def test_files_that_break_the_parsers_are_each_one_failure(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder = articles_folder(tmp_path)
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)  # RecursionError
    (folder / "bigint.json").write_text('{"title": ' + "9" * 5000 + ', "text": "x"}')  # ValueError
    out = tmp_path / "out"
    result = daily([str(folder)], fake_openai, config, out)
    assert result.exit_code == 1, result.output
    clean(result)
    assert titles(out) == ["Library reopens"]
    problems = failed(out)
    assert set(problems) == {str(folder / "deep.json"), str(folder / "bigint.json")}
    for stage, reason in problems.values():
        assert stage == "source" and "\n" not in reason and reason
    for name in ("deep.json", "bigint.json"):
        assert f"failed (source): {folder / name}: " in result.stderr


def explode_on_marker(request: ChatRequest) -> str:
    """A bug (RuntimeError) for the article that says EXPLODE; its title echoed otherwise."""
    user = request.messages[-1][1]
    if "EXPLODE" in user:
        raise RuntimeError("the backend fell over\nacross two lines")
    title = re.search(r"^Title: (.*)$", user, re.MULTILINE)
    return json.dumps({**DEFAULT_BRIEF, "title": title.group(1) if title else "Untitled"})


def test_a_bug_while_briefing_one_story_costs_only_that_story(tmp_path: Path) -> None:
    folder = articles_folder(tmp_path)
    (folder / "boom.md").write_text("# Boom\n\nThe Ashby parish council met. EXPLODE\n")
    settings = load_settings({"backend": "openai", "cache": False})
    options = DailyOptions(sources=[str(folder)], out=tmp_path / "out")
    fake = FakeBackend(respond=explode_on_marker)
    digest = run_day(options, settings, day=date.fromisoformat(TODAY), backend=fake)
    assert [s.brief.title for s in digest.stories] == ["Library reopens"]
    (failure,) = digest.failures
    assert (failure.stage, failure.item) == ("brief", "Boom")
    assert failure.reason == (
        "unexpected RuntimeError: the backend fell over across two lines; "
        "this is a briefer bug, please report it"
    )
    assert load_digest(tmp_path / "out" / TODAY) == digest


# -- --out, concurrency, credentials ----------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        "under a file",
        pytest.param(
            "read-only folder",
            marks=pytest.mark.skipif(IGNORES_PERMISSIONS, reason="this user ignores modes"),
        ),
    ],
)
def test_an_unwritable_out_is_a_usage_error_before_any_fetch_or_call(
    fake_web: FakeWeb,
    fake_openai: FakeOpenAI,
    model: Model,
    config: Path,
    tmp_path: Path,
    kind: str,
) -> None:
    fake_web.add("/news/strike", page("Teachers strike in Northfield", STRIKE))
    if kind == "under a file":
        (tmp_path / "file").write_text("not a folder")
        out = tmp_path / "file" / "briefings"
    else:
        out = tmp_path / "readonly"
        out.mkdir()
        out.chmod(0o555)
    result = daily(
        [str(articles_folder(tmp_path)), fake_web.url("/news/strike")], fake_openai, config, out
    )
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"briefer: error: {out}: cannot write the day's briefings there (")
    assert line.endswith("give --out (or [daily] out in briefer.toml) a folder you can write to")
    assert fake_openai.calls == 0 and fake_web.requests == []


@pytest.mark.timeout(20)
def test_the_same_day_twice_at_once_the_second_is_refused(
    fake_openai: FakeOpenAI, config: Path, tmp_path: Path
) -> None:
    folder = articles_folder(tmp_path)
    out = tmp_path / "out"
    started, release = threading.Event(), threading.Event()

    def hold(request: dict[str, Any]) -> Reply:
        started.set()
        release.wait(10)
        return Model()(request)

    fake_openai.responder = hold
    settings = load_settings(
        {"base_url": fake_openai.base_url, "backend": "openai", "max_attempts": 1}
    )
    options = DailyOptions(sources=[str(folder)], out=out)
    first: list[Any] = []
    runner = threading.Thread(
        target=lambda: first.append(run_day(options, settings, day=date.fromisoformat(TODAY)))
    )
    runner.start()
    try:
        assert started.wait(10)
        second = daily([str(folder)], fake_openai, config, out)
    finally:
        release.set()
        runner.join(10)
    assert second.exit_code == 2, second.output
    assert second.stderr.splitlines() == [
        f"briefer: error: {out / TODAY}: another briefer daily run is using this folder; "
        "wait for it"
    ]
    assert fake_openai.calls == 1  # the first run's only
    assert [s.brief.title for s in first[0].stories] == ["Library reopens"]


def test_url_credentials_are_never_shown_or_stored(
    fake_web: FakeWeb, fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    fake_web.add("/news/strike", page("Teachers strike in Northfield", STRIKE))
    fake_web.add("/feed.xml", rss([("Strike", fake_web.url("/news/strike"), NOW)]))
    origin = fake_web.origin
    secret = origin.replace("http://", "http://ann:SECRET-pass@")
    links = tmp_path / "links.txt"
    links.write_text(
        f"{secret}/news/strike?token=SECRET-tok1&page=2\n"
        f"{origin}/news/strike?page=2&token=SECRET-tok2\n"  # the same page, another token
        f"{origin}/gone?api_key=SECRET-key3\n"
        "ftp://bob:SECRET-ftp@files.example/report.txt\n"
    )
    feed = f"{origin}/feed.xml?access_token=SECRET-feed"
    out = tmp_path / "out"
    result = daily(
        [str(links), feed, f"{secret}/gone.xml?sig=SECRET-sig"], fake_openai, config, out
    )
    assert result.exit_code == 1, result.output
    fetched = [path for path, _ in fake_web.requests]
    assert "/news/strike?token=SECRET-tok1&page=2" in fetched  # the real URL is fetched
    digest = load_digest(out / TODAY)
    assert digest.stats.duplicates == 2  # the token twin and the feed's entry
    (story,) = digest.stories
    assert story.sources[0].url == f"{origin}/news/strike?token=REDACTED&page=2"
    assert {f.item for f in digest.failures} == {
        f"{origin}/gone?api_key=REDACTED",
        f"{links}:4",
        f"{origin}/gone.xml?sig=REDACTED",
    }
    written = [p.read_text() for p in (out / TODAY).rglob("*") if p.is_file()]
    seen = [result.output, *written, json.dumps(fake_openai.requests)]
    leaks = [text[max(0, i - 150) : i + 30] for text in seen if (i := text.find("SECRET")) >= 0]
    assert leaks == []


# -- the adversarial table --------------------------------------------------------------------


def test_a_url_list_with_blank_garbage_and_duplicate_lines(
    fake_web: FakeWeb, fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    fake_web.add("/news/strike", page("Teachers strike in Northfield", STRIKE))
    strike = fake_web.url("/news/strike")
    links = tmp_path / "links.txt"
    links.write_text(
        f"\n\n   \n{strike}\n{strike}\n{strike}/#top\n"
        "http://[oops/news\nhttp:///no-host\n\x7f\x7f\n" + "-" * 300 + "/x\n"
    )
    out = tmp_path / "out"
    result = daily([str(links), "http://[::1"], fake_openai, config, out)
    assert result.exit_code == 1, result.output
    clean(result)
    assert titles(out) == ["Northfield teachers strike over pay"]
    digest = load_digest(out / TODAY)
    assert digest.stats.duplicates == 2
    assert set(failed(out)) == {f"{links}:{n}" for n in (7, 8, 9, 10)} | {"http://[::1"}
    assert all("\n" not in reason and len(reason) < 200 for _, reason in failed(out).values())
    assert [path for path, _ in fake_web.requests] == ["/news/strike"]


def test_a_feed_with_entries_lacking_links_or_dates(
    fake_web: FakeWeb, fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    fake_web.add("/news/strike", page("Teachers strike in Northfield", STRIKE))
    fake_web.add("/news/library", page("Library reopens", [LIBRARY.split("\n\n")[1]]))
    fake_web.add("/news/market", page("Market moves", ["The Brill market moved to the square."]))
    items = (
        "<item><title>No link at all</title></item>"
        f"<item><title>Undated</title><link>{fake_web.url('/news/strike')}</link></item>"
        "<item><title>Relative</title><link>/news/library</link></item>"
        "<item><title>Far future</title><link>" + fake_web.url("/news/market") + "</link>"
        "<pubDate>Fri, 01 Jan 10000 00:00:00 GMT</pubDate></item>"
        f"<item><link>{fake_web.url('/news/strike')}</link></item>"
    )
    fake_web.add(
        "/feed.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>G</title>{items}</channel></rss>',
        content_type="application/rss+xml",
    )
    out = tmp_path / "out"
    result = daily([fake_web.url("/feed.xml")], fake_openai, config, out)
    assert result.exit_code == 1, result.output
    clean(result)
    assert sorted(titles(out)) == [
        "Library reopens",
        "Market moves",
        "Northfield teachers strike over pay",
    ]
    assert failed(out) == {
        f"{fake_web.url('/feed.xml')}: No link at all": ("source", "feed entry has no http(s) link")
    }


@pytest.mark.parametrize(
    "make_bad",
    [
        pytest.param(
            "chmod 000",
            marks=pytest.mark.skipif(IGNORES_PERMISSIONS, reason="this user ignores modes"),
        ),
        pytest.param(
            "read error",
            marks=pytest.mark.skipif(
                not Path("/proc/self/mem").exists(), reason="needs Linux /proc"
            ),
        ),
        "0 bytes",
    ],
)
def test_an_unreadable_or_empty_file_in_a_folder_is_one_failure(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path, make_bad: str
) -> None:
    folder = articles_folder(tmp_path)
    bad = folder / "bad.txt"
    if make_bad == "chmod 000":
        bad.write_text("The council met.")
        bad.chmod(0)
    elif make_bad == "read error":
        bad.symlink_to("/proc/self/mem")  # a regular file (size 0) whose read fails: EIO
    else:
        bad.write_bytes(b"")
    out = tmp_path / "out"
    result = daily([str(folder)], fake_openai, config, out)
    assert result.exit_code == 1, result.output
    clean(result)
    assert titles(out) == ["Library reopens"]
    ((stage, reason),) = [failed(out)[str(bad)]]
    assert stage == "source" and "briefer bug" not in reason


@pytest.mark.skipif(IGNORES_PERMISSIONS, reason="this user ignores modes")
def test_an_unreadable_folder_is_one_failed_source(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.md").write_text("# A\n\nThe council met.\n")
    locked.chmod(0)
    out = tmp_path / "out"
    try:
        result = daily([str(articles_folder(tmp_path)), str(locked)], fake_openai, config, out)
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 1, result.output
    clean(result)
    assert titles(out) == ["Library reopens"]
    assert failed(out) == {
        str(locked): ("source", "cannot read (Permission denied); check its permissions")
    }


def test_symlink_loops_and_dangling_links_in_a_folder_are_named(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder = articles_folder(tmp_path)
    (folder / "loop.md").symlink_to(folder / "loop.md")
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "up").symlink_to(folder)  # a folder loop: not an article, not followed
    out = tmp_path / "out"
    result = daily([str(folder)], fake_openai, config, out)
    assert result.exit_code == 1, result.output
    clean(result)
    assert titles(out) == ["Library reopens"]
    assert set(failed(out)) == {str(folder / "loop.md"), str(folder / "gone.txt")}


@pytest.mark.timeout(20)
@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_pipe_or_device_as_a_source_is_one_failure_not_a_hang(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path, special: str
) -> None:
    if special == "fifo":
        source = tmp_path / "pipe.txt"
        os.mkfifo(source)
    else:
        source = Path(special)
    out = tmp_path / "out"
    result = daily([str(articles_folder(tmp_path)), str(source)], fake_openai, config, out)
    assert result.exit_code == 1, result.output
    assert titles(out) == ["Library reopens"]
    assert failed(out)[str(source)][1].startswith("not a regular file or folder")


def test_many_tiny_files_with_max_articles(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(2000):
        (folder / f"{number:04}.txt").write_text(f"Note {number}: the council met {number} times.")
    out = tmp_path / "out"
    result = daily([str(folder), "--max-articles", "3"], fake_openai, config, out)
    assert result.exit_code == 0, result.output
    digest = load_digest(out / TODAY)
    assert (len(digest.stories), digest.stats.over_limit, fake_openai.calls) == (3, 1997, 3)
    assert "1997 more not taken (--max-articles)" in result.stderr


def test_a_story_file_corrupted_between_runs(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder = articles_folder(tmp_path, "ashby")
    out = tmp_path / "out"
    assert daily([str(folder)], fake_openai, config, out).exit_code == 0
    stories = out / TODAY / "stories"
    by_title = {json.loads(p.read_text())["brief"]["title"]: p for p in stories.glob("*.json")}
    by_title["Library reopens"].write_text('{"id": "trunc')
    by_title["Ashby news"].write_text("[]")
    (folder / "ashby.md").unlink()  # its article is gone from today's sources

    result = daily([str(folder)], fake_openai, config, out)
    assert result.exit_code == 1, result.output
    clean(result)
    assert titles(out) == ["Library reopens"]  # briefed again (from the response cache)
    assert load_digest(out / TODAY).stats.briefed == 1
    (lost,) = load_digest(out / TODAY).failures
    assert lost.item == f"stories/{by_title['Ashby news'].name}"
    assert "set aside" in lost.reason
    assert result.stderr.count("briefer: note: ") == 2
    assert sorted(p.name for p in stories.iterdir()) == sorted(
        [
            by_title["Library reopens"].name,
            by_title["Library reopens"].name + ".corrupt",
            by_title["Ashby news"].name + ".corrupt",
        ]
    )

    again = daily([str(folder)], fake_openai, config, out)
    assert again.exit_code == 0 and fake_openai.calls == 2
    assert "note" not in again.stderr


def test_fetch_deadline_in_briefer_toml_bounds_every_page_of_a_day(
    fake_web: FakeWeb, fake_openai: FakeOpenAI, model: Model, tmp_path: Path
) -> None:
    # 200 bytes at 0.1 s each: 20 s in all, though no single read waits near --timeout
    fake_web.add("/news/slow", "x" * 200, content_type="text/plain", drip=0.1)
    config = tmp_path / "briefer.toml"
    config.write_text("max_attempts = 1\nfetch_deadline = 0.5\n")
    url = fake_web.url("/news/slow")
    result = daily([str(articles_folder(tmp_path)), url], fake_openai, config, tmp_path / "out")
    assert result.exit_code == 1, result.output
    clean(result)
    (failure,) = load_digest(tmp_path / "out" / TODAY).failures
    assert (failure.item, failure.stage) == (url, "source")  # fetched to tell page from feed
    assert failure.reason == (
        "no complete answer within the 0.5-second fetch deadline; "
        "try again later, or raise fetch_deadline in briefer.toml"
    )
