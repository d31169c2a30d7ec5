"""The day's sources → unique articles: folders, URL lists, RSS/Atom feeds, pages.

A source is one of:

* a folder: every article file in it (``.txt .md .html .json`` …, not recursive);
* a URL list: a text file whose entries (lines neither blank nor starting with ``#``) are
  mostly URLs (the URL-list rule below): the pages of its http(s) URLs;
* an RSS/Atom feed, as a URL or a local file: its entries' pages, skipping entries
  published outside the briefing window (entries without a date are kept);
* any other http(s) URL or file: one article.

Pages and feeds are fetched with one ``httpx`` client (timeouts, a size cap and briefer's
user agent, via ``articles.fetch_bytes``); article text is extracted by trafilatura. Each
article is kept once: same URL after normalisation (``normalize_url``) or same text hash
(``Article.id``). A failure of one source or page is recorded, never fatal.

URL-list rule: a file is a URL list when at least one entry is an http(s) URL and
URL-looking entries (one token, no spaces, with a ``.`` or ``/`` in it: an http(s) URL, a
URL with another scheme or a typo, a bare domain or domain/path such as ``example.org/news``)
are more than half of the entries *and* hold more than half of their characters. Each other entry of a URL list is a ``source``
problem named ``<file>:<line>`` (a typo, a missing ``https://``, a note without ``#``), never
briefed. A file that fails the rule is one article, so an article whose prose quotes a URL
or two stays an article.

A local path that does not exist is the caller's usage error (``missing_local_sources``);
``collect_articles`` itself only records it as a problem.
"""

from __future__ import annotations

import calendar
import os
import re
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from itertools import chain, zip_longest
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

import feedparser
import httpx

from briefer.articles import (
    DEFAULT_MAX_CHARS,
    USER_AGENT,
    Article,
    fetch_article,
    fetch_bytes,
    load_file,
)
from briefer.errors import BrieferError

ARTICLE_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".json"}
)
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom"})
FETCH_WORKERS = 8
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_OTHER_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)
_URL_LOOKING = re.compile(r"^[^\s./]*[./]\S*$")
_SHOWN_LINE = 80  # characters of a bad URL-list line quoted in its problem
_TRACKING_PARAM = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ocid|cmpid|_ga|ref|ref_src)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

Stage = Literal["source", "fetch"]


@dataclass(frozen=True)
class Window:
    """Feed entries published in ``[start, end]`` belong to the briefing."""

    start: datetime
    end: datetime

    def contains(self, moment: datetime | None) -> bool:
        return moment is None or self.start <= moment <= self.end


@dataclass(frozen=True)
class Candidate:
    """One article to load: a file or a page URL, with hints from the feed entry."""

    location: str
    is_url: bool
    origin: str
    title: str | None = None
    date: str | None = None

    @cached_property
    def key(self) -> str:
        return source_key(self.location, is_url=self.is_url)


@dataclass(frozen=True)
class Problem:
    """A source or page that gave no article, and why (one line)."""

    item: str
    stage: Stage
    reason: str


@dataclass(frozen=True)
class SourcedArticle:
    """A unique article and every place it was found (``keys``/``locations``, first wins)."""

    article: Article
    locations: tuple[str, ...]
    keys: tuple[str, ...]
    origin: str

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(location for location in self.locations if _URL.match(location))


@dataclass
class Collected:
    articles: list[SourcedArticle] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duplicates: int = 0
    outside_window: int = 0
    known: list[Candidate] = field(default_factory=list)
    """Candidates whose key the caller already knows (finished work): not loaded."""


@dataclass
class _Expanded:
    candidates: list[Candidate] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    outside_window: int = 0


def normalize_url(url: str) -> str:
    """The identity of a page: no scheme, ``www.``, fragment, tracking parameters or trailing
    slash; lower-case host; sorted query. ``http://www.x.org/a/?utm_source=y#top`` → ``x.org/a``.
    """
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").lower().removeprefix("www.")
    if port and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = urlencode(
        sorted(
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING_PARAM.match(name)
        )
    )
    return f"{host}{path}" + (f"?{query}" if query else "")


def source_key(location: str, *, is_url: bool) -> str:
    """How a re-run recognises an article it has seen: the normalised URL or the file path."""
    return f"url:{normalize_url(location)}" if is_url else f"file:{os.path.abspath(location)}"


def http_client(timeout: float = 20.0) -> httpx.Client:
    """The one client for feeds and pages: timeouts, redirects, a real user agent."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_connections=FETCH_WORKERS * 2),
    )


class _LazyClient:
    """``http_client()`` made on first use: a folder-only day never builds the TLS context."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def get(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = http_client(self.timeout)
            return self._client

    def __enter__(self) -> _LazyClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._client is not None:
            self._client.close()


def collect_articles(
    sources: Sequence[str],
    *,
    window: Window,
    known_keys: frozenset[str] = frozenset(),
    max_articles: int | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    timeout: float = 20.0,
) -> Collected:
    """Every unique article of ``sources``; ``known_keys`` are skipped without loading.

    ``max_articles`` caps the candidates (taken round-robin across sources, so one big feed
    cannot crowd out the others) before anything is fetched.
    """
    with _LazyClient(timeout) as http:
        expanded = [_expand_source(source, window=window, http=http) for source in sources]
        candidates = _interleave([e.candidates for e in expanded])
        collected = Collected(
            problems=[p for e in expanded for p in e.problems],
            outside_window=sum(e.outside_window for e in expanded),
        )
        unique = _unique_candidates(candidates, collected)[:max_articles]
        collected.known = [c for c in unique if c.key in known_keys]
        to_load = [c for c in unique if c.key not in known_keys]
        loaded = _load_all(to_load, http=http, max_chars=max_chars, timeout=timeout)
    by_text: dict[str, int] = {}
    for candidate, result in zip(to_load, loaded, strict=True):
        if isinstance(result, Problem):
            collected.problems.append(result)
        else:
            _add_unique(collected, by_text, candidate, result)
    return collected


def missing_local_sources(sources: Iterable[str]) -> list[str]:
    """The sources that are not http(s) URLs and name no existing file or folder."""
    return [
        source
        for source in sources
        if not _URL.match(source) and not Path(source).expanduser().exists()
    ]


def _expand_source(source: str, *, window: Window, http: _LazyClient) -> _Expanded:
    """One command-line or config source → the article candidates it names."""
    if _URL.match(source):
        return _expand_url(source, window=window, http=http)
    path = Path(source).expanduser()
    if path.is_dir():
        return _Expanded(candidates=_folder_candidates(path))
    if not path.is_file():
        return _Expanded(problems=[Problem(source, "source", "no such file, folder or URL")])
    try:
        return _expand_file(path, window=window)
    except OSError as error:
        return _Expanded(problems=[Problem(source, "source", f"cannot read ({error.strerror})")])


def _expand_url(url: str, *, window: Window, http: _LazyClient) -> _Expanded:
    try:
        data, _ = fetch_bytes(url, client=http.get())
    except BrieferError as error:
        return _Expanded(problems=[Problem(url, "source", _without_label(error.message, url))])
    feed = _parse_feed(data)
    if feed is None:  # not a feed: the URL is an article page
        return _Expanded(candidates=[Candidate(url, True, url)])
    return _feed_candidates(feed, origin=url, window=window)


def _expand_file(path: Path, *, window: Window) -> _Expanded:
    data = path.read_bytes()
    head = data[:512].lstrip().lower()
    if path.suffix.lower() in FEED_SUFFIXES or head.startswith((b"<?xml", b"<rss", b"<feed")):
        feed = _parse_feed(data)
        if feed is not None:
            return _feed_candidates(feed, origin=str(path), window=window)
    listed = _url_list(data)
    if listed is None:
        return _Expanded(candidates=[Candidate(str(path), False, str(path))])
    return _Expanded(
        candidates=[Candidate(url, True, str(path)) for url in listed.urls],
        problems=[
            Problem(f"{path}:{number}", "source", _bad_line_reason(line))
            for number, line in listed.bad
        ],
    )


def _folder_candidates(folder: Path) -> list[Candidate]:
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in ARTICLE_SUFFIXES
    )
    return [Candidate(str(p), False, str(folder)) for p in files]


@dataclass(frozen=True)
class _UrlList:
    urls: list[str]
    bad: list[tuple[int, str]]
    """(line number from 1, the line) of every entry that is not an http(s) URL."""


def _url_list(data: bytes) -> _UrlList | None:
    """The file as a URL list, or None when it is not one (the module's URL-list rule)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    entries = [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#")
    ]
    urls = [line for _, line in entries if _URL.match(line)]
    if not urls:
        return None
    urlish = [line for _, line in entries if _URL_LOOKING.match(line)]
    total_chars = sum(len(line) for _, line in entries)
    if 2 * len(urlish) <= len(entries) or 2 * sum(map(len, urlish)) <= total_chars:
        return None
    bad = [(number, line) for number, line in entries if not _URL.match(line)]
    return _UrlList(urls, bad)


def _bad_line_reason(line: str) -> str:
    shown = line if len(line) <= _SHOWN_LINE else line[: _SHOWN_LINE - 1] + "…"
    if _BARE_DOMAIN.match(line):
        return f"not a URL: {shown!r}; write it as https://{shown}"
    if _OTHER_SCHEME.match(line):
        return f"not an http(s) URL: {shown!r}; only http:// and https:// pages are fetched"
    return f"not a URL: {shown!r}; fix it, or start the line with # to make it a comment"


def _parse_feed(data: bytes) -> Any | None:
    parsed = feedparser.parse(data)
    return parsed if parsed.get("version") else None


def _feed_candidates(feed: Any, *, origin: str, window: Window) -> _Expanded:
    expanded = _Expanded()
    for entry in feed.entries:
        link = entry.get("link")
        published = _entry_time(entry)
        if not link or not _URL.match(link):
            title = entry.get("title") or "untitled entry"
            expanded.problems.append(
                Problem(f"{origin}: {title}", "source", "feed entry has no http(s) link")
            )
        elif not window.contains(published):
            expanded.outside_window += 1
        else:
            expanded.candidates.append(
                Candidate(
                    link,
                    True,
                    origin,
                    title=entry.get("title") or None,
                    date=published.isoformat() if published else None,
                )
            )
    return expanded


def _entry_time(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def _interleave(lists: Sequence[list[Candidate]]) -> list[Candidate]:
    rounds = zip_longest(*lists)
    return [c for c in chain.from_iterable(rounds) if c is not None]


def _unique_candidates(candidates: Iterable[Candidate], collected: Collected) -> list[Candidate]:
    seen: set[str] = set()
    unique: list[Candidate] = []
    for candidate in candidates:
        if candidate.key in seen:
            collected.duplicates += 1
        else:
            seen.add(candidate.key)
            unique.append(candidate)
    return unique


def _load_all(
    candidates: Sequence[Candidate],
    *,
    http: _LazyClient,
    max_chars: int,
    timeout: float,
) -> list[Article | Problem]:
    def load(candidate: Candidate) -> Article | Problem:
        return _load(candidate, http=http, max_chars=max_chars, timeout=timeout)

    if len(candidates) <= 1:
        return [load(c) for c in candidates]
    with ThreadPoolExecutor(max_workers=FETCH_WORKERS, thread_name_prefix="briefer-fetch") as pool:
        return list(pool.map(load, candidates))


def _load(
    candidate: Candidate, *, http: _LazyClient, max_chars: int, timeout: float
) -> Article | Problem:
    try:
        if candidate.is_url:
            article = fetch_article(
                candidate.location, max_chars=max_chars, timeout=timeout, client=http.get()
            )
        else:
            article = load_file(Path(candidate.location), max_chars=max_chars)
    except BrieferError as error:
        stage: Stage = "fetch" if candidate.is_url else "source"
        return Problem(candidate.location, stage, _without_label(error.message, candidate.location))
    hints = {"title": candidate.title, "date": candidate.date}
    missing = {name: value for name, value in hints.items() if value and not getattr(article, name)}
    return article.model_copy(update=missing) if missing else article


def _add_unique(
    collected: Collected,
    by_text: dict[str, int],
    candidate: Candidate,
    article: Article,
) -> None:
    """Append the article, or record the candidate as one more place of the same text."""
    index = by_text.get(article.id)
    if index is None:
        by_text[article.id] = len(collected.articles)
        collected.articles.append(
            SourcedArticle(article, (candidate.location,), (candidate.key,), candidate.origin)
        )
        return
    collected.duplicates += 1
    existing = collected.articles[index]
    collected.articles[index] = replace(
        existing,
        locations=(*existing.locations, candidate.location),
        keys=(*existing.keys, candidate.key),
    )


def _without_label(message: str, label: str) -> str:
    """``articles`` errors start with the input's name; the failure list names it already."""
    return message.removeprefix(f"{label}: ")


__all__ = [
    "Candidate",
    "Collected",
    "Problem",
    "SourcedArticle",
    "Window",
    "collect_articles",
    "http_client",
    "missing_local_sources",
    "normalize_url",
    "source_key",
]
