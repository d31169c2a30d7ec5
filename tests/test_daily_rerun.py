"""``briefer daily`` re-runs of a day: late articles for finished stories, and Ctrl-C.

Real CLI, real clients, loopback fakes; no wall-clock assertions (events and barriers)."""

from __future__ import annotations

import shutil
import signal
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from briefer.digest import load_digest
from tests.dailyrun import (
    TODAY,
    articles_folder,
    clean,
    daily,
    titles,
)
from tests.fakes import FakeOpenAI, Reply
from tests.test_daily import Model
from tests.test_sources import STRIKE, page

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


def morning_run(
    fake_openai: FakeOpenAI, config: Path, tmp_path: Path, name: str = "morning.md"
) -> tuple[Path, Path]:
    """The day's first run: one article, MORNING, briefed into ``out``; (its folder, out)."""
    folder = tmp_path / "live"
    folder.mkdir()
    (folder / name).write_text(MORNING)
    out = tmp_path / "out"
    assert daily([str(folder)], fake_openai, config, out).exit_code == 0
    return folder, out


def test_a_late_article_with_new_text_is_briefed_with_its_story(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder, out = morning_run(fake_openai, config, tmp_path)
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
            {
                "update.md": MORNING.replace(
                    "# Live updates: storm hits the coast", "# Harbour shut"
                )
                + "\nAt noon the ferries ran again and the school bus kept to the inland road.\n"
            },
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
    folder, out = morning_run(fake_openai, config, tmp_path, "a-morning.md")
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
    folder, out = morning_run(fake_openai, config, tmp_path)
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
    folder, out = morning_run(fake_openai, config, tmp_path, "a-morning.md")
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
    folder, out = morning_run(fake_openai, config, tmp_path)
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


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt, as in a terminal, whatever the test process inherited:
    mutmut's fork server ignores SIGINT, and without this the Ctrl-C tests would fail (and
    "kill") every mutant they run against, after waiting out their timeouts."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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
    fake_openai: FakeOpenAI, config: Path, tmp_path: Path, sigint_raises: None
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
    fake_openai: FakeOpenAI,
    model: Model,
    config: Path,
    tmp_path: Path,
    slow_pages: str,
    sigint_raises: None,
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
