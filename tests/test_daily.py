"""``briefer daily`` end to end: a loopback feed and pages, the fake model, the real clients."""

from __future__ import annotations

import json
import re
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from briefer.articles import USER_AGENT
from briefer.cli import cli
from briefer.config import load_settings
from briefer.digest import DailyOptions, DayObserver, StoryEvent, load_digest, run_day
from briefer.errors import InputError
from tests.briefs import cite
from tests.fakes import DEFAULT_BRIEF, FakeOpenAI, FakeSlack, FakeWeb, Reply
from tests.test_sources import HARBOUR, NOW, STRIKE, page, rss

TODAY = date.today().isoformat()
FLOOD = [
    "The river at Riverton rose two metres overnight and the town hall told 600 households to "
    "prepare sandbags before the next high tide. FAILME",
    "Engineers said the old levee would hold, but asked people to stay away from the banks.",
]
LIBRARY = "# Library reopens\n\nThe Northfield library reopened on Saturday after a long repair.\n"

BRIEFS: dict[str, dict[str, Any]] = {
    "harbour crane": {
        "title": "Port Ellis funds a harbour crane",
        "summary": "The council voted to fund a new harbour crane.",
        "actors": [{"name": "Ada Lind", "role": "mayor of Port Ellis"}],
        "claims": [
            {
                "text": "The council voted to fund a crane.",
                "attributed_to": None,
                "evidence": "voted 7 to 2 on Tuesday to fund a new harbour crane",
            }
        ],
        "numbers": [
            {
                "value": 4500000,
                "unit": "euros",
                "text": "4.5 million euros",
                "context": "cost of the crane",
            }
        ],
        "open_questions": [],
    },
    "walked out": {
        "title": "Northfield teachers strike over pay",
        "summary": "Teachers at four schools walked out over pay.",
        "actors": [{"name": "Ben Okafor", "role": "union organiser"}],
        "claims": [],
        "numbers": [
            {
                "value": 2300,
                "unit": "pupils",
                "text": "2,300",
                "context": "pupils whose classrooms closed",
            }
        ],
        "open_questions": [],
    },
}


class Model:
    """A responder: per-article briefs, the title echoed otherwise, FAILME always a 500."""

    def __init__(self) -> None:
        self.failing = True

    def __call__(self, request: dict[str, Any]) -> Reply:
        user = request["messages"][1]["content"]
        if self.failing and "FAILME" in user:
            return Reply.status(500)
        brief = next((cite(b, user) for key, b in BRIEFS.items() if key in user), None)
        if brief is None:
            title = re.search(r"^Title: (.*)$", user, re.MULTILINE)
            brief = {**DEFAULT_BRIEF, "title": title.group(1) if title else "A brief"}
        return Reply.content(json.dumps(brief), prompt_tokens=200, completion_tokens=80)


def run(args: list[str], fake: FakeOpenAI, config: Path) -> Result:
    env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "sk-test-secret-123"}
    return CliRunner().invoke(
        cli, [*args, "--config", str(config)], env=env, catch_exceptions=False
    )


def serve_day(web: FakeWeb, *, with_failures: bool) -> str:
    """The feed URL: a harbour story in two versions (and a tracking-link duplicate), a strike,
    an old entry; ``with_failures`` adds a story the model fails on and a page that 500s."""
    web.add("/news/harbour", page("Port Ellis votes to fund harbour crane", HARBOUR))
    rewrite = ["PORT ELLIS (Wire) - " + HARBOUR[0], HARBOUR[1], "The vote ends a year of debate."]
    web.add("/wire/harbour", page("Port Ellis votes to fund harbour crane - Wire", rewrite))
    web.add("/news/strike", page("Teachers strike in Northfield", STRIKE))
    web.add("/news/old", page("Last week's news", STRIKE[:2]))
    entries = [
        (
            "Port Ellis votes to fund harbour crane",
            web.url("/news/harbour"),
            NOW - timedelta(hours=3),
        ),
        ("Harbour crane vote", web.url("/wire/harbour"), NOW - timedelta(hours=2)),
        ("Harbour (again)", web.url("/news/harbour?utm_source=rss#top"), NOW - timedelta(hours=2)),
        ("Teachers strike", web.url("/news/strike"), NOW - timedelta(hours=5)),
        ("Last week's news", web.url("/news/old"), NOW - timedelta(days=6)),
    ]
    if with_failures:
        web.add("/news/flood", page("Riverton braces for flood", FLOOD))
        web.add("/news/bakery", "<h1>Internal Server Error</h1>", status=500)
        entries += [
            ("Riverton braces for flood", web.url("/news/flood"), NOW - timedelta(hours=1)),
            ("Bakery wins prize", web.url("/news/bakery"), NOW - timedelta(hours=1)),
        ]
    web.add("/feed.xml", rss(entries), content_type="application/rss+xml; charset=utf-8")
    return web.url("/feed.xml")


def library_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "library.md").write_text(LIBRARY)
    return folder


def test_full_day_end_to_end(
    fake_web: FakeWeb,
    fake_openai: FakeOpenAI,
    fake_slack: FakeSlack,
    model: Model,
    config: Path,
    tmp_path: Path,
) -> None:
    feed = serve_day(fake_web, with_failures=False)
    out = tmp_path / "briefings"
    result = run(
        [
            "daily",
            feed,
            str(library_folder(tmp_path)),
            "--out",
            str(out),
            "--date",
            TODAY,
            "--concurrency",
            "2",
        ],
        fake_openai,
        config,
    )
    assert result.exit_code == 0, result.output
    day = out / TODAY
    digest = json.loads((day / "digest.json").read_text())
    titles = [s["brief"]["title"] for s in digest["stories"]]
    assert titles == [
        "Port Ellis funds a harbour crane",
        "Northfield teachers strike over pay",
        "Library reopens",
    ]
    harbour = digest["stories"][0]
    assert [s["url"] for s in harbour["sources"]] == [
        fake_web.url("/news/harbour"),
        fake_web.url("/wire/harbour"),
    ]
    assert harbour["brief"]["actors"][0]["grounded"] and harbour["brief"]["numbers"][0]["grounded"]
    assert harbour["importance"] == 3 * 2 + 1 + 0.5
    assert digest["failures"] == []
    stats = digest["stats"]
    assert (stats["articles"], stats["duplicates"], stats["outside_window"]) == (4, 1, 1)
    assert stats["model_calls"] == fake_openai.calls == 3
    assert stats["usage"] == {"prompt_tokens": 600, "completion_tokens": 240}
    stories = sorted((day / "stories").glob("*.json"))
    assert sorted(json.loads(p.read_text())["id"] for p in stories) == sorted(
        s["id"] for s in digest["stories"]
    )
    assert "/news/old" not in [path for path, _ in fake_web.requests]
    assert {headers["user-agent"] for _, headers in fake_web.requests} == {USER_AGENT}
    markdown = (day / "digest.md").read_text()
    assert (
        markdown.index("## 1. [Port Ellis funds")
        < markdown.index("## 2. [Northfield")
        < markdown.index("## 3. Library")
    )
    assert "Failed" not in markdown
    html = (day / "digest.html").read_text()
    harbour_link = f'<a href="{fake_web.url("/news/harbour")}" rel="noopener noreferrer">'
    assert f"<h2>1. {harbour_link}Port Ellis funds a harbour crane</a></h2>" in html
    assert f'href="{fake_web.url("/wire/harbour")}"' in html
    assert "3 stories" in result.stderr and "sk-test-secret-123" not in result.output

    slack_env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake_slack.api_url}
    posted = CliRunner().invoke(cli, ["slack", "post", str(day), "--channel", "C1"], env=slack_env)
    assert posted.exit_code == 0, posted.output
    header, *replies = fake_slack.posts
    assert [r["text"] for r in replies] == [f"{n}. {t}" for n, t in enumerate(titles, start=1)]
    assert {r["thread_ts"] for r in replies} == {header["ts"]}


def test_failures_are_named_and_a_rerun_retries_only_them(
    fake_web: FakeWeb,
    fake_openai: FakeOpenAI,
    model: Model,
    config: Path,
    tmp_path: Path,
) -> None:
    feed = serve_day(fake_web, with_failures=True)
    out = tmp_path / "briefings"
    args = ["daily", feed, "--out", str(out), "--date", TODAY]
    first = run(args, fake_openai, config)
    assert first.exit_code == 1, first.output
    assert (
        f"failed (fetch): {fake_web.url('/news/bakery')}: the server answered HTTP 500"
        in first.stderr
    )
    assert (
        "failed (brief): Riverton braces for flood: model call failed after retries: HTTP 500"
        in first.stderr
    )
    day = out / TODAY
    digest = load_digest(day)
    assert [s.brief.title for s in digest.stories] == [
        "Port Ellis funds a harbour crane",
        "Northfield teachers strike over pay",
    ]
    assert {(f.stage, f.item) for f in digest.failures} == {
        ("fetch", fake_web.url("/news/bakery")),
        ("brief", "Riverton braces for flood"),
    }
    markdown = (day / "digest.md").read_text()
    failed = markdown[markdown.index("## Failed (2)") :]
    assert "Riverton braces for flood" in failed and "/news/bakery" in failed
    assert "Riverton" in (day / "digest.html").read_text().split('id="failures"')[1]
    finished = {p.name: p.read_bytes() for p in (day / "stories").glob("*.json")}
    calls = fake_openai.calls

    fake_web.add(
        "/news/bakery",
        page("Bakery wins prize", ["The Crumb bakery won the county prize for its rye bread."]),
    )
    model.failing = False
    second = run(args, fake_openai, config)
    assert second.exit_code == 0, second.output
    assert fake_openai.calls - calls == 2  # the flood and the bakery stories; nothing else
    assert {
        p.name: p.read_bytes() for p in (day / "stories").glob("*.json") if p.name in finished
    } == finished
    digest = load_digest(day)
    assert len(digest.stories) == 4 and digest.failures == [] and digest.stats.resumed == 2

    third = run(args, fake_openai, config)
    assert third.exit_code == 0 and fake_openai.calls - calls == 2
    assert load_digest(day).stats.model_calls == 0
    assert "0 model calls" in third.stderr


class InterruptAfterFirst(DayObserver):
    def __init__(self) -> None:
        self.interrupted = threading.Event()

    def story(self, event: StoryEvent) -> None:
        self.interrupted.set()
        raise KeyboardInterrupt


class AfterFirst(Model):
    """Answers the first call at once, the others only after the run was interrupted (bounded):
    some stories are surely still to brief when Ctrl-C comes, without a real delay."""

    def __init__(self, interrupted: threading.Event) -> None:
        super().__init__()
        self.interrupted = interrupted
        self.first = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> Reply:
        if not self.first.acquire(blocking=False):
            self.interrupted.wait(10)
        return super().__call__(request)


def test_ctrl_c_leaves_a_consistent_day_that_resumes(
    fake_openai: FakeOpenAI, model: Model, tmp_path: Path
) -> None:
    observer = InterruptAfterFirst()
    fake_openai.responder = AfterFirst(observer.interrupted)
    folder = tmp_path / "articles"
    folder.mkdir()
    for number, town in enumerate(("Ashby", "Brill", "Colne", "Dunmow", "Epping")):
        (folder / f"{number}.md").write_text(
            f"# {town} news\n\nThe {town} parish council met {number + 2} times in May.\n"
        )
    settings = load_settings(
        {"base_url": fake_openai.base_url, "backend": "openai", "max_attempts": 1}
    )
    options = DailyOptions(sources=[str(folder)], out=tmp_path / "out", concurrency=1)
    day = date(2026, 5, 4)
    with pytest.raises(KeyboardInterrupt):
        run_day(options, settings, day=day, observer=observer)
    interrupted = load_digest(tmp_path / "out" / "2026-05-04")
    assert 1 <= len(interrupted.stories) < 5
    assert {f.stage for f in interrupted.failures} == {"interrupted"}
    assert len(interrupted.stories) + len(interrupted.failures) == 5
    for thread in threading.enumerate():  # briefs in flight still land in stories/
        if thread.name.startswith("briefer-brief"):
            thread.join(timeout=10)
    resumed = run_day(options, settings, day=day)
    assert len(resumed.stories) == 5 and resumed.failures == []
    assert fake_openai.calls == 5  # no story was briefed twice


def test_sources_from_config_and_usage_errors(
    fake_openai: FakeOpenAI,
    model: Model,
    tmp_path: Path,
) -> None:
    folder = library_folder(tmp_path)
    config = tmp_path / "daily.toml"
    config.write_text(
        f'[daily]\nsources = ["{folder}"]\nout = "{tmp_path / "out"}"\nconcurrency = 2\n'
    )
    result = run(["daily", "--date", "2026-05-04"], fake_openai, config)
    assert result.exit_code == 0, result.output
    assert [s.brief.title for s in load_digest(tmp_path / "out" / "2026-05-04").stories] == [
        "Library reopens"
    ]

    empty = tmp_path / "empty.toml"
    empty.write_text("")
    no_sources = run(["daily"], fake_openai, empty)
    assert no_sources.exit_code == 2 and "no sources" in no_sources.stderr
    bad_date = run(["daily", str(folder), "--date", "May 4"], fake_openai, empty)
    assert bad_date.exit_code == 2
    config.write_text("[daily]\nconcurrency = 0\n")
    bad_config = run(["daily", str(folder)], fake_openai, config)
    assert bad_config.exit_code == 2 and "concurrency" in bad_config.stderr
    with pytest.raises(InputError, match=r"no digest\.json"):
        load_digest(tmp_path / "out" / "1999-01-01")


def test_untrusted_text_cannot_inject_html_or_links(
    fake_openai: FakeOpenAI,
    model: Model,
    config: Path,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "x.json").write_text(
        json.dumps(
            {
                "title": "<script>alert(1)</script> [click](javascript:alert(2))",
                "url": "javascript:alert(3)",
                "source": "<b>Evil</b>",
                # The hostile title is in the text too, so the title check keeps it as the
                # brief's title, where the renderers must escape it.
                "text": "The council met on Monday and agreed nothing at all. "
                "<script>alert(1)</script> [click](javascript:alert(2))",
            }
        )
    )
    out = tmp_path / "out"
    assert (
        run(
            ["daily", str(folder), "--out", str(out), "--date", TODAY], fake_openai, config
        ).exit_code
        == 0
    )
    html = (out / TODAY / "digest.html").read_text()
    assert "<script>" not in html and "<b>Evil" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html
    markdown = (out / TODAY / "digest.md").read_text()
    assert "[click](javascript" not in markdown and r"\[click\](javascript" in markdown
    assert r"\<script\>" in markdown


def test_window_covers_the_day_before_its_end() -> None:
    from briefer.digest import briefing_window

    now = datetime(2026, 5, 4, 7, 0).astimezone()
    today = briefing_window(date(2026, 5, 4), 24, now)
    assert (today.start, today.end) == (
        now - timedelta(hours=24),
        datetime(2026, 5, 5).astimezone(),
    )
    past = briefing_window(date(2026, 5, 1), 24, now)
    assert (past.start, past.end) == (
        datetime(2026, 5, 1).astimezone(),
        datetime(2026, 5, 2).astimezone(),
    )


def test_a_missing_source_path_is_a_usage_error_before_anything_runs(
    fake_web: FakeWeb,
    fake_openai: FakeOpenAI,
    model: Model,
    config: Path,
    tmp_path: Path,
) -> None:
    folder = library_folder(tmp_path)
    out = tmp_path / "out"
    missing = tmp_path / "artcles"
    result = run(["daily", str(folder), str(missing), "--out", str(out)], fake_openai, config)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"briefer: error: no such file or folder: {str(missing)!r}; fix the path, or give "
        "feeds and pages as http:// or https:// URLs"
    ]
    assert not out.exists() and fake_openai.calls == 0

    in_config = tmp_path / "daily.toml"
    in_config.write_text(f'[daily]\nsources = ["{folder}", "gazette.example/feed.xml"]\n')
    from_config = run(["daily", "--out", str(out)], fake_openai, in_config)
    assert from_config.exit_code == 2
    assert "'gazette.example/feed.xml' (in [daily] sources in briefer.toml)" in from_config.stderr
    assert not out.exists() and fake_openai.calls == 0

    settings = load_settings({"base_url": fake_openai.base_url, "backend": "openai"})
    options = DailyOptions(sources=[str(missing)], out=out)
    with pytest.raises(InputError, match="artcles"):
        run_day(options, settings, day=date(2026, 5, 4))
    assert not out.exists()

    # A URL that fails to load is still one failed source of a written digest: exit 1.
    unreachable = run(
        ["daily", str(folder), fake_web.url("/gone.xml"), "--out", str(out), "--date", TODAY],
        fake_openai,
        config,
    )
    assert unreachable.exit_code == 1, unreachable.output
    digest = load_digest(out / TODAY)
    assert [s.brief.title for s in digest.stories] == ["Library reopens"]
    assert [(f.stage, f.item) for f in digest.failures] == [("source", fake_web.url("/gone.xml"))]


def test_bad_lines_of_a_url_list_are_failures_in_the_digest(
    fake_web: FakeWeb,
    fake_openai: FakeOpenAI,
    model: Model,
    config: Path,
    tmp_path: Path,
) -> None:
    fake_web.add("/news/strike", page("Teachers strike in Northfield", STRIKE))
    links = tmp_path / "links.txt"
    links.write_text(f"# links\n{fake_web.url('/news/strike')}\ngazette.example/flood\n")
    out = tmp_path / "out"
    result = run(["daily", str(links), "--out", str(out), "--date", TODAY], fake_openai, config)
    assert result.exit_code == 1, result.output
    assert f"failed (source): {links}:3: not a URL: 'gazette.example/flood'" in result.stderr
    digest = load_digest(out / TODAY)
    assert [s.brief.title for s in digest.stories] == ["Northfield teachers strike over pay"]
    assert [(f.stage, f.item) for f in digest.failures] == [("source", f"{links}:3")]
    assert fake_openai.calls == 1  # the list itself was not briefed
    failed = (out / TODAY / "digest.md").read_text().split("## Failed (1)")[1]
    assert "links.txt:3" in failed and "write it as https://gazette.example/flood" in failed


class InFlight:
    """Wraps a responder: each call waits (bounded) until ``width`` calls are answered at once,
    or every one of the ``total`` calls has arrived, so reaching the bound is a certainty, not
    a matter of timing; ``peak`` is the most calls ever in flight together."""

    def __init__(self, inner: Model, width: int, total: int) -> None:
        self.inner, self.width, self.total = inner, width, total
        self.now = self.peak = self.arrived = 0
        self.changed = threading.Condition()

    def __call__(self, request: dict[str, Any]) -> Reply:
        with self.changed:
            self.now += 1
            self.arrived += 1
            self.peak = max(self.peak, self.now)
            self.changed.notify_all()
            self.changed.wait_for(
                lambda: self.now >= self.width or self.arrived >= self.total, timeout=10
            )
        try:
            return self.inner(request)
        finally:
            with self.changed:
                self.now -= 1
                self.changed.notify_all()


@pytest.mark.parametrize("concurrency", [1, 2, 3])
def test_concurrency_bounds_the_model_calls_in_flight(
    fake_openai: FakeOpenAI, config: Path, tmp_path: Path, concurrency: int
) -> None:
    in_flight = InFlight(Model(), width=concurrency, total=6)
    fake_openai.responder = in_flight
    folder = tmp_path / "articles"
    folder.mkdir()
    towns = ("Ashby", "Brill", "Colne", "Dunmow", "Epping", "Frome")
    for number, town in enumerate(towns):
        (folder / f"{number}.md").write_text(
            f"# {town} {('budget', 'bridge', 'school', 'market', 'library', 'bus')[number]}\n\n"
            f"The {town} parish council met {number + 2} times in May about its "
            f"{('budget', 'bridge', 'school', 'market', 'library', 'bus route')[number]}.\n"
        )
    out = tmp_path / "out"
    args = ["daily", str(folder), "--out", str(out), "--date", TODAY]
    result = run([*args, "--concurrency", str(concurrency)], fake_openai, config)
    assert result.exit_code == 0, result.output
    assert len(load_digest(out / TODAY).stories) == 6 and fake_openai.calls == 6
    assert in_flight.peak == concurrency
