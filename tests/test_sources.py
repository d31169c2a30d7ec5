"""Sources → unique articles → stories: folders, URL lists, feeds, the window, dedup, grouping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from briefer.articles import USER_AGENT, Article, load_file, make_article
from briefer.errors import InputError
from briefer.sources import (
    Candidate,
    SourcedArticle,
    Window,
    collect_articles,
    missing_local_sources,
    normalize_url,
)
from briefer.stories import group_stories, merge_material, story_id, titles_match
from briefer.urllists import is_fetchable
from tests.fakes import FakeWeb

NOW = datetime.now(UTC)
WINDOW = Window(start=NOW - timedelta(hours=24), end=NOW + timedelta(hours=1))

HARBOUR = [
    "The city council of Port Ellis voted 7 to 2 on Tuesday to fund a new harbour crane, after a "
    "debate that lasted most of the evening and drew a crowd of dock workers to the gallery.",
    "Mayor Ada Lind said the crane would cost 4.5 million euros and be ready by spring, and that "
    "the port authority would cover a third of the price from its own reserves.",
    "Opponents said the money should go to housing instead, and promised to raise it again at "
    "the next budget meeting in March.",
]
STRIKE = [
    "Teachers at four schools in Northfield walked out on Monday over pay, closing classrooms for "
    "about 2,300 pupils while the union and the county council met for talks.",
    "Union organiser Ben Okafor said the strike would continue until the council improved its "
    "offer, which he called an insult to staff who had waited three years for a raise.",
    "The council said it had offered a 4 percent rise and hoped the schools would reopen by "
    "Friday.",
]


def page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<nav>Home | World | Sport</nav><article><h1>{title}</h1>\n{body}</article>"
        "<footer>Copyright The Gazette</footer></body></html>"
    )


def rss(entries: list[tuple[str, str, datetime]]) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for title, link, when in entries
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>'
        f"<link>https://gazette.example/</link><description>News</description>{items}</channel></rss>"
    )


def sourced(title: str, text: str, location: str) -> SourcedArticle:
    article = make_article(text, label=location, title=title, source="test")
    return SourcedArticle(article, (location,), (f"url:{location}",), "test")


def test_normalize_url_ignores_scheme_www_tracking_and_fragment() -> None:
    same = [
        "https://www.Example.org/news/a/?utm_source=x&id=3#top",
        "http://example.org/news/a?id=3&fbclid=abc",
        "https://example.org:443/news/a?id=3",
    ]
    assert {normalize_url(url) for url in same} == {"example.org/news/a?id=3"}
    assert normalize_url("https://example.org/news/a?id=4") != normalize_url(same[0])
    assert normalize_url("https://example.org:8080/a") == "example.org:8080/a"


def test_feed_entries_outside_the_window_are_skipped_unfetched(fake_web: FakeWeb) -> None:
    fake_web.add("/harbour", page("Harbour vote", HARBOUR))
    fake_web.add("/strike", page("Teachers strike", STRIKE))
    fake_web.add("/old", page("Old news", STRIKE[:1]))
    fake_web.add(
        "/feed.xml",
        rss(
            [
                ("Harbour vote", fake_web.url("/harbour"), NOW - timedelta(hours=2)),
                ("Teachers strike", fake_web.url("/strike"), NOW - timedelta(hours=20)),
                ("Old news", fake_web.url("/old"), NOW - timedelta(days=5)),
            ]
        ),
        content_type="application/rss+xml",
    )
    collected = collect_articles([fake_web.url("/feed.xml")], window=WINDOW)
    assert [a.article.title for a in collected.articles] == ["Harbour vote", "Teachers strike"]
    assert collected.outside_window == 1 and collected.problems == []
    assert "4.5 million euros" in collected.articles[0].article.text
    assert "Copyright" not in collected.articles[0].article.text
    assert collected.articles[0].article.date  # from the page or the feed entry
    paths = [path for path, _ in fake_web.requests]
    assert "/old" not in paths
    assert {headers["user-agent"] for _, headers in fake_web.requests} == {USER_AGENT}


def test_same_url_and_same_text_are_kept_once(fake_web: FakeWeb, tmp_path: Path) -> None:
    fake_web.add("/harbour", page("Harbour vote", HARBOUR))
    fake_web.add("/mirror/harbour", page("Harbour vote", HARBOUR))
    urls = tmp_path / "urls.txt"
    urls.write_text(
        "# today's links\n"
        f"{fake_web.url('/harbour')}\n{fake_web.url('/harbour')}?utm_source=newsletter#comments\n\n"
        f"{fake_web.url('/mirror/harbour')}\n"
    )
    collected = collect_articles([str(urls)], window=WINDOW)
    assert len(collected.articles) == 1
    assert collected.duplicates == 2
    assert collected.articles[0].urls == (fake_web.url("/harbour"), fake_web.url("/mirror/harbour"))
    assert [path for path, _ in fake_web.requests].count("/harbour") == 1


def test_failures_are_recorded_not_fatal(fake_web: FakeWeb, tmp_path: Path) -> None:
    fake_web.add("/broken", "oops", status=500)
    fake_web.add("/strike", page("Teachers strike", STRIKE))
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{fake_web.url('/broken')}\n{fake_web.url('/strike')}\n")
    collected = collect_articles(
        [str(urls), str(tmp_path / "missing"), fake_web.url("/gone.xml")], window=WINDOW
    )
    assert [a.article.title for a in collected.articles] == ["Teachers strike"]
    problems = {(p.item, p.stage): p.reason for p in collected.problems}
    assert "HTTP 500" in problems[(fake_web.url("/broken"), "fetch")]
    assert "no such file" in problems[(str(tmp_path / "missing"), "source")]
    assert "HTTP 404" in problems[(fake_web.url("/gone.xml"), "source")]


def test_folder_url_list_and_feed_file(fake_web: FakeWeb, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "harbour.md").write_text("# Harbour vote\n\n" + "\n\n".join(HARBOUR))
    (folder / "strike.txt").write_text("\n\n".join(STRIKE))
    (folder / ".draft.md").write_text("# Draft\n\nNot yet.")
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    fake_web.add("/strike", page("Teachers strike", [*STRIKE, "The talks resume on Thursday."]))
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([("Teachers strike", fake_web.url("/strike"), NOW - timedelta(hours=1))]))
    collected = collect_articles([str(folder), str(feed)], window=WINDOW)
    assert [a.article.title for a in collected.articles] == [
        "Harbour vote",
        "Teachers strike",
        None,
    ]
    assert collected.articles[0].keys == (f"file:{folder / 'harbour.md'}",)


def test_max_articles_takes_sources_in_turn(tmp_path: Path) -> None:
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        for number in range(3):
            (folder / f"{number}.txt").write_text(
                f"Story {name}{number}: the {name} council met {number} times."
            )
    collected = collect_articles(
        [str(tmp_path / "a"), str(tmp_path / "b")], window=WINDOW, max_articles=3
    )
    assert [Path(a.locations[0]).relative_to(tmp_path).as_posix() for a in collected.articles] == [
        "a/0.txt",
        "b/0.txt",
        "a/1.txt",
    ]


def test_known_keys_are_not_loaded(fake_web: FakeWeb, tmp_path: Path) -> None:
    fake_web.add("/harbour", page("Harbour vote", HARBOUR))
    urls = tmp_path / "urls.txt"
    urls.write_text(fake_web.url("/harbour") + "\n")
    key = f"url:{normalize_url(fake_web.url('/harbour'))}"
    collected = collect_articles([str(urls)], window=WINDOW, known_keys=frozenset({key}))
    assert collected.articles == [] and [c.key for c in collected.known] == [key]
    assert fake_web.requests == []


def test_copies_and_rewrites_group_into_one_story() -> None:
    original = sourced(
        "Port Ellis votes to fund harbour crane", "\n\n".join(HARBOUR), "https://a.example/1"
    )
    rewrite = sourced(
        "Port Ellis votes to fund harbour crane - Wire Service",
        "PORT ELLIS (Wire) - " + "\n\n".join(HARBOUR[:2]) + "\n\nThe vote ends a year of debate.",
        "https://wire.example/2",
    )
    copy = sourced(
        "Council backs crane", "\n\n".join(HARBOUR) + " (Reprinted.)", "https://b.example/3"
    )
    strike = sourced(
        "Teachers strike in Northfield schools", "\n\n".join(STRIKE), "https://a.example/4"
    )
    groups = group_stories([original, strike, rewrite, copy])
    assert [[m.locations[0] for m in g.members] for g in groups] == [
        ["https://a.example/1", "https://wire.example/2", "https://b.example/3"],
        ["https://a.example/4"],
    ]
    merged = merge_material(groups[0])
    assert (
        merged.text.count("voted 7 to 2") == 2
    )  # the original and the rewrite; the copy adds no text
    assert "The vote ends a year of debate." in merged.text
    assert merged.title == "Council backs crane"  # the longest text leads
    assert merged.source == "3 sources: test"
    assert merge_material(groups[1]) is strike.article
    assert groups[0].id == story_id(reversed([m.article.id for m in groups[0].members]))


def test_title_similarity() -> None:
    assert titles_match(
        "Trump and Putin talk Ukraine in first call",
        "Trump, Putin talk about Ukraine in first phone call - Reuters",
    )
    assert not titles_match(
        "Stocks fall as inflation fears grow", "Stocks rise as inflation fears ease"
    )
    assert not titles_match("Live updates", "Live updates")  # too short to tell stories apart


def test_a_url_list_with_bad_lines_fetches_the_urls_and_names_each_bad_line(
    fake_web: FakeWeb, tmp_path: Path
) -> None:
    fake_web.add("/harbour", page("Harbour vote", HARBOUR))
    fake_web.add("/strike", page("Teachers strike", STRIKE))
    urls = tmp_path / "links.txt"
    typo_url = fake_web.url("/strike").replace("http://", "htps://")
    urls.write_text(
        "# today's links\n"
        f"{fake_web.url('/harbour')}\n"
        "gazette.example/news/flood\n"
        "\n"
        f"{typo_url}\n"
        "ftp://files.example/report.txt\n"
        f"{fake_web.url('/strike')}\n"
        "ask Ben about the strike\n"
    )
    collected = collect_articles([str(urls)], window=WINDOW)
    assert [a.article.title for a in collected.articles] == ["Harbour vote", "Teachers strike"]
    problems = {p.item: (p.stage, p.reason) for p in collected.problems}
    assert set(problems) == {f"{urls}:{n}" for n in (3, 5, 6, 8)}
    assert {stage for stage, _ in problems.values()} == {"source"}
    assert "write it as https://gazette.example/news/flood" in problems[f"{urls}:3"][1]
    assert f"'{typo_url}'" in problems[f"{urls}:5"][1]
    assert "only http:// and https://" in problems[f"{urls}:6"][1]
    assert "'ask Ben about the strike'" in problems[f"{urls}:8"][1]
    assert sorted(path for path, _ in fake_web.requests) == ["/harbour", "/strike"]

    typo = tmp_path / "one.txt"  # one URL and one broken one: still a list, not an article
    typo.write_text(f"{fake_web.url('/harbour')}\nhttps//gazette.example/x\n")
    collected = collect_articles([str(typo)], window=WINDOW)
    assert [a.locations for a in collected.articles] == [(fake_web.url("/harbour"),)]
    assert [(p.item, p.stage) for p in collected.problems] == [(f"{typo}:2", "source")]


def test_an_article_that_quotes_urls_stays_an_article(fake_web: FakeWeb, tmp_path: Path) -> None:
    fake_web.add("/harbour", page("Harbour vote", HARBOUR))
    article = tmp_path / "harbour.md"
    article.write_text(
        f"# Harbour vote\n\n{HARBOUR[0]}\n\n{fake_web.url('/harbour')}\n{fake_web.url('/more')}\n"
    )
    quoted = tmp_path / "quoted.txt"
    quoted.write_text(f"{HARBOUR[1]}\nSee {fake_web.url('/harbour')} for more.\n{HARBOUR[2]}\n")
    collected = collect_articles([str(article), str(quoted)], window=WINDOW)
    assert [a.locations for a in collected.articles] == [(str(article),), (str(quoted),)]
    assert collected.articles[0].article.title == "Harbour vote"
    assert "voted 7 to 2" in collected.articles[0].article.text
    assert collected.problems == [] and fake_web.requests == []


def test_missing_local_sources_are_named(tmp_path: Path) -> None:
    (tmp_path / "there.txt").write_text("The council met.")
    sources = [
        str(tmp_path / "there.txt"),
        str(tmp_path),
        "https://gazette.example/feed.xml",
        str(tmp_path / "gone"),
        "gazette.example/feed.xml",
    ]
    assert missing_local_sources(sources) == [str(tmp_path / "gone"), "gazette.example/feed.xml"]


def test_whatever_a_loader_raises_is_that_article_s_problem(tmp_path: Path) -> None:
    """Through the ``loader`` seam: a bug (any exception) is named as one, with its type and
    message on one line; a bad input or a read error keeps its own reason; the rest load."""
    names = ["good", "bug", "input", "oserror"]
    for name in names:
        (tmp_path / f"{name}.txt").write_text(f"The {name} council met on Monday.")

    def loader(candidate: Candidate) -> Article:
        name = Path(candidate.location).stem
        if name == "bug":
            raise KeyError("text\nfield")
        if name == "input":
            raise InputError(f"{candidate.location}: the article text is empty; give text")
        if name == "oserror":
            raise PermissionError(13, "Permission denied")
        return load_file(Path(candidate.location))

    collected = collect_articles([str(tmp_path)], window=WINDOW, loader=loader)
    assert [Path(a.locations[0]).stem for a in collected.articles] == ["good"]
    assert {Path(p.item).stem: (p.stage, p.reason) for p in collected.problems} == {
        "bug": (
            "source",
            "unexpected KeyError: 'text\\nfield'; this is a briefer bug, please report it",
        ),
        "input": ("source", "the article text is empty; give text"),
        "oserror": ("source", "cannot read (Permission denied); check its permissions"),
    }


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://ann:pw@x.org/a?token=abc&page=2", "x.org/a?page=2&token=REDACTED"),
        ("https://x.org/a?page=2&token=other", "x.org/a?page=2&token=REDACTED"),
        ("https://x.org/a/?api_key=k1#top", "x.org/a?api_key=REDACTED"),
        ("http://[::1", "http://[::1"),  # does not parse: kept as given, never a crash
    ],
)
def test_a_page_s_identity_holds_no_credentials(url: str, key: str) -> None:
    assert normalize_url(url) == key


@pytest.mark.parametrize(
    ("url", "fetchable"),
    [
        ("https://x.org/a", True),
        ("http://127.0.0.1:8080/a?b=1", True),
        ("http://[::1]:80/a", True),
        ("http://[oops/news", False),
        ("http://[::1", False),
        ("http:///no-host", False),
        ("http://x.org:port/a", False),
        ("ftp://x.org/a", False),
        ("x.org/a", False),
    ],
)
def test_is_fetchable(url: str, fetchable: bool) -> None:
    assert is_fetchable(url) is fetchable
