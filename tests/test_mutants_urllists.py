"""``urllists``' promises as tables: a page's identity (the duplicate key of a URL), the
URL-list rule at its exact edges, a bad line's reason, and the scrubbing of a URL's secrets
from text derived from it. One ``briefer daily`` run shows the identity table end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefer.digest import load_digest
from briefer.urllists import bad_line_reason, normalize_url, parse_url_list, scrubber
from tests.dailyrun import TODAY, daily
from tests.fakes import FakeOpenAI, FakeWeb
from tests.test_daily import Model
from tests.test_sources import STRIKE, page

PAGE = "/news/a?id=3&page=2"

# (a variant of PAGE, whether it is the same page); ORIGIN is the fake web's origin.
IDENTITY = [
    ("{origin}/news/a?page=2&id=3", True),  # the query sorted
    ("{origin}/news/a/?id=3&page=2#top", True),  # trailing slash and fragment dropped
    ("{origin}/news/a?utm_source=x&id=3&fbclid=y&page=2&ref=rss", True),  # tracking dropped
    ("{origin_https}/news/a?id=3&page=2", True),  # the scheme ignored (never fetched)
    ("{origin_www}/news/a?id=3&page=2", True),  # www. ignored (never fetched)
    ("{origin}/news/a?id=4&page=2", False),  # another value
    ("{origin}/news/a?id=3&page=2&flag=", False),  # a blank value still counts
    ("{origin}/news/a?id=3&page=2&reference=1", False),  # not a tracking parameter
    ("{origin}/news/B?id=3&page=2", False),  # another path
]


def test_one_day_fetches_each_page_once_whatever_its_spelling(
    fake_web: FakeWeb, fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    fake_web.add("/news/a", page("Teachers strike in Northfield", STRIKE))
    fake_web.add("/news/B", page("Teachers strike in Northfield", STRIKE))
    origin = fake_web.origin
    spell = {
        "origin": origin,
        "origin_https": origin.replace("http://", "https://"),
        "origin_www": origin.replace("http://", "http://www."),
    }
    links = tmp_path / "links.txt"
    variants = [(variant.format(**spell), same) for variant, same in IDENTITY]
    links.write_text("\n".join([origin + PAGE, *(v for v, _ in variants)]) + "\n")
    result = daily([str(links)], fake_openai, config, tmp_path / "out")
    assert result.exit_code == 0, result.output
    fetched = sorted(path for path, _ in fake_web.requests)  # fetched in parallel
    assert fetched == sorted([PAGE, *(v.removeprefix(origin) for v, same in variants if not same)])
    digest = load_digest(tmp_path / "out" / TODAY)
    assert digest.failures == [] and fake_openai.calls == 1  # same text: one story
    (story,) = digest.stories
    assert [link.url for link in story.sources] == [
        origin + PAGE,
        *(v for v, same in variants if not same),
    ]


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.Example.ORG/news/a/?b=2&a=1#top", "example.org/news/a?a=1&b=2"),
        ("http://example.org/a?z=1&utm_medium=m&a=2&gclid=g", "example.org/a?a=2&z=1"),
        ("http://example.org/a?flag=&a=1", "example.org/a?a=1&flag="),
        ("http://example.org:80/a", "example.org/a"),
        ("https://example.org:80/a", "example.org:80/a"),
        ("http://example.org:443/a", "example.org:443/a"),
        ("https://example.org/TAX/", "example.org/TAX"),
        ("https://example.org/a//", "example.org/a"),
        ("http:///no-host", "/no-host"),
        ("  https://x.org/a  ", "x.org/a"),
        ("https://x.org/a?REF=1&Utm_Source=2", "x.org/a"),
        ("https://x.org/a?ref_src=1&refx=2", "x.org/a?refx=2"),
        ("https://x.org:99999/a", "https://x.org:99999/a"),  # no valid port: kept as given
    ],
)
def test_a_page_s_identity(url: str, key: str) -> None:
    assert normalize_url(url) == key


A = "http://a.example/1"  # 18 characters, URL-looking


@pytest.mark.parametrize(
    ("lines", "is_list"),
    [
        ([A, A, "one two", "three four"], False),  # URL-looking: exactly half the entries
        ([A, A, A, "x y"], True),
        # three of four entries URL-looking, but exactly half of the characters: not a list
        ([A, A, A, "w " * 26 + "wz"], False),
        ([A, A, A, "w " * 26 + "w"], True),  # one character fewer: a list
        (["# " + A, "example.org/a", "one two"], False),  # no http(s) URL at all
        (["\ufeff" + A, "", "  # note", A], True),  # BOM, blanks and comments are not entries
    ],
)
def test_the_url_list_rule_at_its_edges(lines: list[str], is_list: bool) -> None:
    assert (parse_url_list("\n".join(lines).encode()) is not None) is is_list


def test_a_url_list_s_lines_and_bad_lines() -> None:
    parsed = parse_url_list(f"{A}\n\nftp://x.org/f\n# c\n{A}/2\nx.org/b\n".encode())
    assert parsed is not None
    assert parsed.urls == [A, f"{A}/2"]
    assert [number for number, _ in parsed.bad] == [3, 6]
    assert parse_url_list(b"\xff\xfe" + A.encode()) is None  # not UTF-8: not a list


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("x" * 80, f"not a URL: {'x' * 80!r}; fix it"),
        ("x" * 81, f"not a URL: {'x' * 79 + '…'!r}; fix it"),
        ("x" * 200, f"not a URL: {'x' * 79 + '…'!r}; fix it"),
        ("http://[oops", "not a valid URL: 'http://[oops'; fix it"),
        ("x.org/a", "not a URL: 'x.org/a'; write it as https://x.org/a"),
        ("ftp://x.org/a", "not an http(s) URL: 'ftp://x.org/a'; only http:// and https://"),
        ("ftp://u:pw@x.org/a", "not an http(s) URL: 'ftp://x.org/a'; only http:// and https://"),
    ],
)
def test_a_bad_line_s_reason_quotes_at_most_80_characters(line: str, reason: str) -> None:
    assert bad_line_reason(line).startswith(reason)


@pytest.mark.parametrize(
    ("url", "text", "scrubbed"),
    [
        ("https://ann:pw@x.org/a", "ann:pw@x.org says", "x.org says"),
        ("https://ann:pw@x.org/a", "logged in as ann:pw", "logged in as REDACTED"),
        ("https://a@b:pw@x.org/a", "a@b:pw@x.org and a@b:pw", "x.org and REDACTED"),
        ("https://x.org/a?token=abcd", "key abcd here", "key REDACTED here"),
        ("https://x.org/a?token=abc", "key abc here", "key abc here"),  # too short to search
        ("https://x.org/a?flag=&token=s3cret", "got s3cret", "got REDACTED"),
        ("https://x.org/a?page=2&token=s3cret", "page 2 of s3cret", "page 2 of REDACTED"),
        ("https://x.org/a?section=sport&token=s3cret", "sport", "sport"),
        ("https://x.org/a?token=REDACTED", "REDACTED stays", "REDACTED stays"),
        (
            "https://x.org/a?sig=s3cret",
            "at https://x.org/a?sig=s3cret",
            "at https://x.org/a?sig=REDACTED",
        ),
        ("http://[::1", "http://[::1 failed", "http://[::1 failed"),  # does not parse
        ("https://x.org/a", "plain", "plain"),
    ],
)
def test_a_url_s_secrets_are_scrubbed_from_text_derived_from_it(
    url: str, text: str, scrubbed: str
) -> None:
    assert scrubber(url)(text) == scrubbed
