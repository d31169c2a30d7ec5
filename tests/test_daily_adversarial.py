"""``briefer daily`` against inputs meant to break it: each case loses no article, prints no
traceback and ends with the documented exit code. Real CLI, real clients, loopback fakes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from briefer.backends import ChatRequest, ChatResponse
from briefer.cli import cli
from briefer.config import load_settings
from briefer.digest import DailyOptions, load_digest, run_day
from briefer.pipeline import make_backend
from tests.fakes import FakeOpenAI, FakeWeb, Reply
from tests.test_daily import Model
from tests.test_sources import NOW, STRIKE, page, rss

TODAY = date.today().isoformat()
LIBRARY = "# Library reopens\n\nThe Northfield library reopened on Saturday after a long repair.\n"


def _permissions_enforced() -> bool:
    """Whether this user is refused a file with mode 000 (root usually is not)."""
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe"
        probe.write_text("x")
        probe.chmod(0)
        try:
            probe.read_text()
        except PermissionError:
            return True
        return False


IGNORES_PERMISSIONS = not _permissions_enforced()


@pytest.fixture
def model(fake_openai: FakeOpenAI) -> Model:
    responder = Model()
    fake_openai.responder = responder
    return responder


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "briefer.toml"
    path.write_text("max_attempts = 1\n")
    return path


def daily(args: list[str], fake: FakeOpenAI, config: Path, out: Path) -> Result:
    env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "sk-test-secret-123"}
    return CliRunner().invoke(
        cli,
        ["daily", *args, "--out", str(out), "--date", TODAY, "--config", str(config)],
        env=env,
        catch_exceptions=False,
    )


def clean(result: Result) -> None:
    """No traceback reached the user: every line is one of briefer's own."""
    assert "Traceback" not in result.output
    for line in result.stderr.splitlines():
        assert line.startswith(("briefer: ", "failed (", "wrote ")), line


def articles_folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    (folder / "library.md").write_text(LIBRARY)
    for name in names:
        (folder / f"{name}.md").write_text(f"# {name.title()} news\n\nThe {name} council met.\n")
    return folder


def titles(out: Path) -> list[str]:
    return [s.brief.title for s in load_digest(out / TODAY).stories]


def failed(out: Path) -> dict[str, tuple[str, str]]:
    return {f.item: (f.stage, f.reason) for f in load_digest(out / TODAY).failures}


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


class ExplodingBackend:
    """The configured backend, but a bug (RuntimeError) for the article that says EXPLODE."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.model, self.endpoint = inner.name, inner.model, inner.endpoint

    def complete(self, request: ChatRequest) -> ChatResponse:
        if "EXPLODE" in request.messages[-1][1]:
            raise RuntimeError("the backend fell over\nacross two lines")
        response: ChatResponse = self.inner.complete(request)
        return response


def test_a_bug_while_briefing_one_story_costs_only_that_story(
    fake_openai: FakeOpenAI, model: Model, tmp_path: Path
) -> None:
    folder = articles_folder(tmp_path)
    (folder / "boom.md").write_text("# Boom\n\nThe Ashby parish council met. EXPLODE\n")
    settings = load_settings(
        {"base_url": fake_openai.base_url, "backend": "openai", "max_attempts": 1, "cache": False}
    )
    options = DailyOptions(sources=[str(folder)], out=tmp_path / "out")
    digest = run_day(
        options, settings, day=date.fromisoformat(TODAY), backend=ExplodingBackend(
            make_backend(settings)
        )
    )
    assert [s.brief.title for s in digest.stories] == ["Library reopens"]
    (failure,) = digest.failures
    assert (failure.stage, failure.item) == ("brief", "Boom")
    assert failure.reason == (
        "unexpected RuntimeError: the backend fell over across two lines; "
        "this is a briefer bug, please report it"
    )
    assert load_digest(tmp_path / "out" / TODAY) == digest


# -- no article silently dropped: a finished story that gains a source ------------------------

MORNING = (
    "# Live updates: storm hits the coast\n\n"
    "The storm reached Port Ellis at dawn and closed the harbour to every boat. Ferries to the "
    "islands were cancelled until noon, and the coast road was shut at the lighthouse after "
    "waves broke over the sea wall. The council opened the sports hall for families who left "
    "their homes near the beach, and the fire service asked drivers to stay off the roads.\n"
)
EVENING = (
    "# Live updates: storm hits the coast\n\n"
    "By evening the wind had dropped and the harbour reopened. Crews cleared 40 fallen trees "
    "from the coast road and power came back to most of the town.\n"
)


def story_files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (out / TODAY / "stories").glob("*.json")}


def test_a_late_article_with_new_text_is_briefed_with_its_story(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "live"
    folder.mkdir()
    (folder / "morning.md").write_text(MORNING)
    out = tmp_path / "out"
    assert daily([str(folder)], fake_openai, config, out).exit_code == 0
    assert fake_openai.calls == 1
    morning_file = story_files(out)

    (folder / "evening.md").write_text(EVENING)
    evening = daily([str(folder)], fake_openai, config, out)
    assert evening.exit_code == 0, evening.output
    assert fake_openai.calls == 2  # the story, briefed again from both texts
    prompt = fake_openai.requests[-1]["messages"][1]["content"]
    assert "closed the harbour" in prompt and "40 fallen trees" in prompt
    digest = load_digest(out / TODAY)
    (story,) = digest.stories
    assert [Path(link.path or "").name for link in story.sources] == ["morning.md", "evening.md"]
    assert story.brief.meta.calls == 1 and digest.stats.rebriefed == 1
    assert digest.failures == []
    assert list(story_files(out)) == [f"{story.id}.json"]  # the old story was replaced

    again = daily([str(folder)], fake_openai, config, out)
    assert again.exit_code == 0 and fake_openai.calls == 2
    assert load_digest(out / TODAY).stories == [story]

    # A run that stopped between writing the new story and removing the old one: the old
    # one (all of whose articles the new one has) is dropped, not listed twice.
    (out / TODAY / "stories" / next(iter(morning_file))).write_bytes(*morning_file.values())
    after_crash = daily([str(folder)], fake_openai, config, out)
    assert after_crash.exit_code == 0 and fake_openai.calls == 2
    assert load_digest(out / TODAY).stories == [story]
    assert list(story_files(out)) == [f"{story.id}.json"]


@pytest.mark.parametrize(
    ("late", "sources"),
    [
        pytest.param({"evening.md": EVENING}, 2, id="a close title"),
        pytest.param(
            {"update.md": MORNING.replace("# Live updates: storm hits the coast", "# Harbour shut")
             + "\nAt noon the ferries ran again and the school bus kept to the inland road.\n"},
            2,
            id="an overlapping text",
        ),
        pytest.param({"copy.md": MORNING, "evening.md": EVENING}, 3, id="with a copy as well"),
    ],
)
def test_a_late_article_joins_its_finished_story_as_within_one_run(
    fake_openai: FakeOpenAI,
    model: Model,
    config: Path,
    tmp_path: Path,
    late: dict[str, str],
    sources: int,
) -> None:
    folder = tmp_path / "live"
    folder.mkdir()
    (folder / "a-morning.md").write_text(MORNING)
    out = tmp_path / "out"
    assert daily([str(folder)], fake_openai, config, out).exit_code == 0
    for name, text in late.items():
        (folder / name).write_text(text)
    result = daily([str(folder)], fake_openai, config, out)
    assert result.exit_code == 0, result.output
    assert fake_openai.calls == 2
    (story,) = load_digest(out / TODAY).stories
    assert len(story.sources) == sources
    prompt = fake_openai.requests[-1]["messages"][1]["content"]
    assert all(text.split("\n")[-2][-40:] in prompt for text in late.values())


def test_a_failed_rebrief_keeps_the_finished_brief_and_is_retried(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "live"
    folder.mkdir()
    (folder / "morning.md").write_text(MORNING)
    out = tmp_path / "out"
    assert daily([str(folder)], fake_openai, config, out).exit_code == 0
    finished = story_files(out)
    (morning,) = load_digest(out / TODAY).stories

    (folder / "evening.md").write_text(EVENING.replace("reopened.", "reopened. FAILME"))
    evening = daily([str(folder)], fake_openai, config, out)
    assert evening.exit_code == 1, evening.output
    assert story_files(out) == finished  # byte for byte
    digest = load_digest(out / TODAY)
    assert digest.stories == [morning]
    (failure,) = digest.failures
    assert failure.stage == "brief"
    assert [Path(link.path or "").name for link in failure.sources] == ["evening.md"]
    assert failure.reason.endswith("; the story's earlier brief is kept")

    model.failing = False
    retried = daily([str(folder)], fake_openai, config, out)
    assert retried.exit_code == 0, retried.output
    (story,) = load_digest(out / TODAY).stories
    assert len(story.sources) == 2 and story.id != morning.id


@pytest.mark.parametrize(
    "late_text",
    [
        pytest.param(MORNING, id="the same text at another file"),
        pytest.param(MORNING.replace("every boat", "all boats"), id="a near copy, same title"),
    ],
)
def test_a_late_copy_of_a_briefed_text_only_adds_its_link(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path, late_text: str
) -> None:
    folder = tmp_path / "live"
    folder.mkdir()
    (folder / "a-morning.md").write_text(MORNING)
    out = tmp_path / "out"
    assert daily([str(folder)], fake_openai, config, out).exit_code == 0
    (before,) = load_digest(out / TODAY).stories

    (folder / "b-copy.md").write_text(late_text)
    result = daily([str(folder)], fake_openai, config, out)
    assert result.exit_code == 0, result.output
    assert fake_openai.calls == 1
    (story,) = load_digest(out / TODAY).stories
    assert story.brief == before.brief and story.id == before.id
    assert [Path(link.path or "").name for link in story.sources] == ["a-morning.md", "b-copy.md"]


def test_without_the_stored_texts_a_late_article_is_briefed_on_its_own(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "live"
    folder.mkdir()
    (folder / "morning.md").write_text(MORNING)
    out = tmp_path / "out"
    assert daily([str(folder)], fake_openai, config, out).exit_code == 0
    shutil.rmtree(out / TODAY / "articles")  # a day folder from an older briefer
    (folder / "evening.md").write_text(EVENING)
    result = daily([str(folder)], fake_openai, config, out)
    assert result.exit_code == 0, result.output
    assert fake_openai.calls == 2
    digest = load_digest(out / TODAY)
    assert sorted(Path(s.sources[0].path or "").name for s in digest.stories) == [
        "evening.md",
        "morning.md",
    ]
    assert "40 fallen trees" in fake_openai.requests[-1]["messages"][1]["content"]


# -- Ctrl-C -----------------------------------------------------------------------------------


def interrupt_main() -> None:
    """What Ctrl-C does: SIGINT to the main thread (which wakes from any blocking wait)."""
    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)


class InterruptingModel(Model):
    """Answers the first call; the second sends Ctrl-C (once the first story is on disk) and
    hangs until ``release``, so the run must end without it."""

    def __init__(self, stories: Path) -> None:
        super().__init__()
        self.stories = stories
        self.release = threading.Event()
        self.answered_blocked = threading.Event()
        self.arrivals = 0
        self.lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> Reply:
        with self.lock:
            self.arrivals += 1
            blocking = self.arrivals == 2
        if not blocking:
            return super().__call__(request)
        for _ in range(500):  # bounded (5 s): the first story is saved before Ctrl-C
            if list(self.stories.glob("*.json")):
                break
            self.release.wait(0.01)
        interrupt_main()
        self.release.wait(10)
        self.answered_blocked.set()
        return super().__call__(request)


def worker_threads() -> list[threading.Thread]:
    return [
        thread
        for thread in threading.enumerate()
        if thread.name.startswith(("briefer-brief", "briefer-fetch"))
    ]


def join_workers() -> None:
    for thread in worker_threads():
        thread.join(timeout=10)


@pytest.mark.timeout(20)
def test_ctrl_c_during_a_model_call_ends_the_day_without_waiting_for_it(
    fake_openai: FakeOpenAI, config: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for number, town in enumerate(("Ashby", "Brill", "Colne", "Dunmow")):
        (folder / f"{town.lower()}.md").write_text(
            f"# {town} news\n\nThe {town} parish council met {number + 2} times in May.\n"
        )
    out = tmp_path / "out"
    responder = InterruptingModel(out / TODAY / "stories")
    fake_openai.responder = responder
    try:
        result = daily([str(folder), "--concurrency", "1"], fake_openai, config, out)
        assert not responder.answered_blocked.is_set()  # it did not wait for the call
        assert all(thread.daemon for thread in worker_threads())  # nor will the process
    finally:
        responder.release.set()
    assert result.exit_code == 130, result.output
    assert result.stderr.splitlines()[-1] == "briefer: interrupted"
    clean(result)
    digest = load_digest(out / TODAY)
    assert len(digest.stories) == 1
    assert [f.stage for f in digest.failures] == ["interrupted"] * 3
    join_workers()
    # The call in flight finished after the run; a story waiting for the model slot then
    # did not start another call.
    assert fake_openai.calls == 2

    fake_openai.responder = Model()
    resumed = daily([str(folder)], fake_openai, config, out)
    assert resumed.exit_code == 0, resumed.output
    assert len(titles(out)) == 4
    assert fake_openai.calls == 4  # no story was briefed twice


class _SlowPages(BaseHTTPRequestHandler):
    """/fast answers; /slow sends Ctrl-C and hangs until the test releases it."""

    release = threading.Event()
    answered = threading.Event()

    def do_GET(self) -> None:
        if self.path.startswith("/slow"):
            interrupt_main()
            self.release.wait(10)
            self.answered.set()
        body = page("Teachers strike in Northfield", STRIKE).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client hangs up on /slow when the run stops: expected


@pytest.fixture
def slow_pages() -> Iterator[str]:
    _SlowPages.release = threading.Event()
    _SlowPages.answered = threading.Event()
    server = _QuietServer(("127.0.0.1", 0), _SlowPages)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        _SlowPages.release.set()
        server.shutdown()
        server.server_close()


@pytest.mark.timeout(20)
def test_ctrl_c_while_fetching_ends_the_day_and_keeps_finished_stories(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path, slow_pages: str
) -> None:
    folder = articles_folder(tmp_path)
    out = tmp_path / "out"
    assert daily([str(folder)], fake_openai, config, out).exit_code == 0
    links = tmp_path / "links.txt"
    links.write_text(f"{slow_pages}/fast\n{slow_pages}/slow\n")
    try:
        result = daily([str(folder), str(links)], fake_openai, config, out)
        assert not _SlowPages.answered.is_set()
        assert all(thread.daemon for thread in worker_threads())
    finally:
        _SlowPages.release.set()
    assert result.exit_code == 130, result.output
    clean(result)
    digest = load_digest(out / TODAY)
    assert titles(out) == ["Library reopens"]
    assert {(f.stage, f.item) for f in digest.failures} == {
        ("interrupted", str(folder)),
        ("interrupted", str(links)),
    }
    assert fake_openai.calls == 1
    join_workers()


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
    assert sorted(titles(out)) == ["Library reopens", "Market moves", "Northfield teachers strike over pay"]
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
        [by_title["Library reopens"].name, by_title["Library reopens"].name + ".corrupt",
         by_title["Ashby news"].name + ".corrupt"]
    )

    again = daily([str(folder)], fake_openai, config, out)
    assert again.exit_code == 0 and fake_openai.calls == 2
    assert "note" not in again.stderr
