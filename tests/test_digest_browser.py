"""The digest in a real browser: headless Chromium opens a day's digest.html.

The day (``tests.digestday``) has 15 stories briefed with the fake backend from articles
rebuilt out of the gold briefs: several multi-source stories, one failed, one whose brief
has unverified items. At 1280 and 390 px, light and dark, the page must not scroll
sideways; at 1280 a collapsed story is under 500 px; headlines and source lines link to the
sources; a disclosure opens on a real mouse click and shows the claims with their quotes;
the page asks the network for nothing. Screenshots are kept under ``$BRIEFER_ARTIFACTS/
digest-browser`` when that is set, else in this run's pytest temp folder (the path is
printed). Skipped when no Chromium is installed (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from briefer.daymodels import Digest, Story
from tests.chromium import Chromium, Tab, find_chromium
from tests.digestday import FAILING, STORIES, SYNDICATED, UNVERIFIED, make_day

pytestmark = [
    pytest.mark.skipif(find_chromium() is None, reason="no chromium (apt-get install chromium)"),
    pytest.mark.timeout(60),
]

MAX_STORY_HEIGHT = 500  # px, a collapsed story at 1280
SCREENS = [(1280, False), (390, False), (1280, True), (390, True)]
ARTIFACTS_ENV = "BRIEFER_ARTIFACTS"


@dataclass(frozen=True)
class Day:
    page: Path
    digest: Digest

    def story(self, case: str) -> tuple[int, Story]:
        """The rank and story of a gold case (its articles' URLs end with the case id)."""
        return next(
            (rank, story)
            for rank, story in enumerate(self.digest.stories, start=1)
            if any((link.url or "").endswith(case) for link in story.sources)
        )


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    override = os.environ.get(ARTIFACTS_ENV)
    if not override:
        return tmp_path_factory.mktemp("digest-browser")
    folder = Path(override) / "digest-browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory, artifacts: Path) -> Iterator[Day]:
    folder = tmp_path_factory.mktemp("digest-day")
    with pytest.MonkeyPatch.context() as env:  # the per-test isolated_env is not up yet
        env.setenv("BRIEFER_HOME", str(folder / "home"))
        for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BRIEFER_MODEL", "BRIEFER_BACKEND"):
            env.delenv(name, raising=False)
        day_dir, digest = make_day(folder)
    for name in ("digest.html", "digest.md"):
        shutil.copy(day_dir / name, artifacts / name)
    yield Day(day_dir / "digest.html", digest)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    with Chromium.start(tmp_path_factory.mktemp("chromium") / "profile") as started:
        yield started


@pytest.fixture
def tab_of(browser: Chromium, day: Day) -> Iterator[Any]:
    tabs: list[Tab] = []

    def open_digest(width: int, dark: bool = False) -> Tab:
        tab = browser.open_tab(width=width, height=900, dark=dark)
        tabs.append(tab)
        tab.load(day.page)
        return tab

    yield open_digest
    for tab in tabs:
        tab.close()


WIDER_THAN_THE_VIEWPORT = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""
OPEN_EVERY_DISCLOSURE = "document.querySelectorAll('details').forEach(d => d.open = true)"


def luminance(css_color: str) -> float:
    """0 (black) to 1 (white), from ``rgb(r, g, b)``."""
    red, green, blue = (int(part) for part in css_color[4:-1].split(",")[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


@pytest.mark.parametrize(("width", "dark"), SCREENS)
def test_the_digest_never_scrolls_sideways(
    tab_of: Any, artifacts: Path, width: int, dark: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    tab = tab_of(width, dark)
    name = f"digest-{width}-{'dark' if dark else 'light'}"
    tab.screenshot(artifacts / f"{name}.png")
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    assert tab.evaluate(WIDER_THAN_THE_VIEWPORT) == []
    tab.evaluate(OPEN_EVERY_DISCLOSURE)  # long quotes and roles must wrap too
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    assert tab.evaluate(WIDER_THAN_THE_VIEWPORT) == []
    background = luminance(tab.evaluate("getComputedStyle(document.body).backgroundColor"))
    text = luminance(tab.evaluate("getComputedStyle(document.body).color"))
    assert (background < 0.2 and text > 0.8) if dark else (background > 0.9 and text < 0.3)
    with capsys.disabled():
        print(f"\n  screenshot: {artifacts / name}.png", end="")


def test_a_collapsed_story_is_short_and_the_day_is_all_there(tab_of: Any, day: Day) -> None:
    tab = tab_of(1280)
    heights = tab.evaluate(
        "[...document.querySelectorAll('article.story')].map(a => a.getBoundingClientRect().height)"
    )
    assert len(heights) == len(day.digest.stories) == STORIES
    assert max(heights) < MAX_STORY_HEIGHT, heights
    assert tab.evaluate("[...document.querySelectorAll('details')].some(d => d.open)") is False
    assert tab.evaluate("document.querySelectorAll('body > footer').length") == 1
    assert "fake-gold" in tab.evaluate("document.querySelector('body > footer').innerText")


def test_headlines_and_source_lines_link_to_the_sources(tab_of: Any, day: Day) -> None:
    tab = tab_of(1280)
    links = tab.evaluate(
        "[...document.querySelectorAll('article.story')].map(a => ({"
        " headline: a.querySelector('h2 a').href,"
        " sources: [...a.querySelectorAll('p.meta a')].map(l => l.href),"
        " others: [...a.querySelectorAll('a')].filter(l => !l.closest('h2, p.meta'))"
        "   .map(l => l.href)}))"
    )
    for story, found in zip(day.digest.stories, links, strict=True):
        urls = [link.url for link in story.sources]
        assert found == {"headline": urls[0], "sources": urls, "others": []}
    multi = [len(found["sources"]) for found in links if len(found["sources"]) > 1]
    assert sorted(multi) == sorted(1 + len(sites) for sites in SYNDICATED.values())


def test_a_disclosure_opens_on_click_and_shows_the_claims(
    tab_of: Any, day: Day, artifacts: Path
) -> None:
    rank, story = day.story(UNVERIFIED)
    claim = story.brief.claims[0]
    tab = tab_of(390)
    article = f"#story-{rank}"
    visible = (
        f"[...document.querySelectorAll('{article} details li')]"
        ".filter(li => li.checkVisibility()).map(li => li.innerText)"
    )
    assert tab.evaluate(visible) == []
    tab.click(f"{article} details > summary")
    assert tab.evaluate(f"document.querySelector('{article} details').open") is True
    shown = tab.evaluate(visible)
    assert any(claim.text in item and claim.evidence in item for item in shown), shown
    assert sum("⚠ unverified" in item for item in shown) == story.brief.meta.grounding.ungrounded
    tab.screenshot(artifacts / "digest-390-disclosure.png", full_page=False)
    tab.click(f"{article} details > summary")
    assert tab.evaluate(f"document.querySelector('{article} details').open") is False


def test_unverified_items_and_the_failure_show_without_opening_anything(
    tab_of: Any, day: Day
) -> None:
    rank, story = day.story(UNVERIFIED)
    tab = tab_of(1280)
    mark = tab.evaluate(
        f"(() => {{ const m = document.querySelector('#story-{rank} p.meta .unverified');"
        " return m && m.checkVisibility() ? m.innerText : null; })()"
    )
    assert mark == f"⚠ {story.brief.meta.grounding.ungrounded} unverified"
    failed = tab.evaluate("document.querySelector('#failures').innerText")
    (failure,) = day.digest.failures
    assert failure.item in failed and failure.reason in failed
    assert FAILING.split("-")[1] in failure.item.lower()  # the failing case, not another


def test_the_page_asks_the_network_for_nothing(tab_of: Any, day: Day) -> None:
    tab = tab_of(390)
    tab.evaluate(OPEN_EVERY_DISCLOSURE)
    assert tab.requested_urls() == [day.page.resolve().as_uri()]
    assert tab.evaluate("document.querySelectorAll('script, link, img, iframe').length") == 0
