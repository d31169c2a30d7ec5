"""The day's sources → unique articles: folders, URL lists, RSS/Atom feeds, pages.

A source is one of:

* a folder: every article file in it (``.txt .md .html .json`` …, not recursive; a broken
  symlink or an unreadable file is a problem of its own);
* a URL list: a text file whose entries (lines neither blank nor starting with ``#``) are
  mostly URLs (the URL-list rule, ``urllists``): the pages of its http(s) URLs;
* an RSS/Atom feed, as a URL or a local file: its entries' pages, skipping entries
  published outside the briefing window (entries without a date are kept);
* any other http(s) URL or file: one article.

Pages and feeds are fetched with one ``httpx`` client (timeouts, a size cap and briefer's
user agent, via ``articles.fetch_bytes``); article text is extracted by trafilatura. Each
article is kept once: same URL after normalisation (``normalize_url``) or same text hash
(``Article.id``). A failure of one source or page is recorded, never fatal.

The URL-list rule and a page's identity are in ``urllists``. URLs are fetched as given,
but every key, failure and stored link holds them without credentials (``redact_url``).
Any failure while expanding a source or loading an article, even a bug, is that item's
``Problem``, never the day's end.

A local path that does not exist is the caller's usage error (``missing_local_sources``);
``collect_articles`` itself only records it as a problem.
"""

from __future__ import annotations

import calendar
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from itertools import chain, zip_longest
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin

import feedparser
import httpx

from briefer.articles import (
    DEFAULT_FETCH_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_CHARS,
    USER_AGENT,
    Article,
    fetch_article,
    fetch_bytes,
    load_file,
)
from briefer.errors import BrieferError
from briefer.urllists import URL, is_fetchable, normalize_url, parse_url_list, scrubber
from briefer.urls import redact_url
from briefer.workers import WorkerPool

ARTICLE_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".json"}
)
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom"})
FETCH_WORKERS = 8
_SHOWN_ERROR = 200  # characters of an unexpected error's message kept in its reason

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


Loader = Callable[[Candidate], Article]
"""Loads one candidate or raises (``InputError`` for a bad input; anything else is a bug)."""


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
        return tuple(location for location in self.locations if URL.match(location))


@dataclass
class Collected:
    articles: list[SourcedArticle] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duplicates: int = 0
    outside_window: int = 0
    over_limit: int = 0
    """Unique candidates beyond ``max_articles``: not taken."""
    known: list[Candidate] = field(default_factory=list)
    """Candidates whose key the caller already knows (finished work): not loaded."""


@dataclass
class _Expanded:
    candidates: list[Candidate] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    outside_window: int = 0


def source_key(location: str, *, is_url: bool) -> str:
    """How a re-run recognises an article it has seen: the normalised URL or the file path."""
    return f"url:{normalize_url(location)}" if is_url else f"file:{os.path.abspath(location)}"


def unexpected_reason(error: BaseException) -> str:
    """The one-line reason for an exception briefer did not expect: its type and message."""
    message = " ".join(str(error).split())
    if len(message) > _SHOWN_ERROR:
        message = message[: _SHOWN_ERROR - 1] + "…"
    detail = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return f"unexpected {detail}; this is a briefer bug, please report it"


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

    def __init__(self, timeout: float, deadline: float) -> None:
        self.timeout = timeout
        self.deadline = deadline
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
    fetch_deadline: float = DEFAULT_FETCH_DEADLINE,
    loader: Loader | None = None,
) -> Collected:
    """Every unique article of ``sources``; ``known_keys`` are skipped without loading.

    ``max_articles`` caps the candidates (taken round-robin across sources, so one big feed
    cannot crowd out the others) before anything is fetched. ``loader`` replaces how one
    candidate is loaded (tests).
    """
    with _LazyClient(timeout, fetch_deadline) as http:
        expanded = [_expand_source(source, window=window, http=http) for source in sources]
        candidates = _interleave([e.candidates for e in expanded])
        collected = Collected(
            problems=[p for e in expanded for p in e.problems],
            outside_window=sum(e.outside_window for e in expanded),
        )
        unique = _unique_candidates(candidates, collected)
        if max_articles is not None:
            collected.over_limit = max(0, len(unique) - max_articles)
            unique = unique[:max_articles]
        collected.known = [c for c in unique if c.key in known_keys]
        to_load = [c for c in unique if c.key not in known_keys]
        load = loader or _default_loader(http, max_chars=max_chars, timeout=timeout)
        loaded = _load_all(to_load, load)
    by_text: dict[str, int] = {}
    for candidate, result in zip(to_load, loaded, strict=True):
        if isinstance(result, Problem):
            collected.problems.append(result)
        else:
            _add_unique(collected, by_text, candidate, result)
    return collected


def missing_local_sources(sources: Iterable[str]) -> list[str]:
    """The sources that are not http(s) URLs and name no existing file or folder."""
    return [source for source in sources if not URL.match(source) and not _exists(source)]


def _exists(source: str) -> bool:
    try:
        return Path(source).expanduser().exists()
    except (OSError, ValueError):  # a name too long for the system, a NUL byte
        return False


def _expand_source(source: str, *, window: Window, http: _LazyClient) -> _Expanded:
    """One command-line or config source → the article candidates it names (or problems)."""
    try:
        if URL.match(source):
            return _expand_url(source, window=window, http=http)
        return _expand_path(source, window=window)
    except Exception as error:  # one source's bug must not cost the other sources
        return _Expanded(problems=[_problem(source, URL.match(source) is not None, error)])


def _expand_path(source: str, *, window: Window) -> _Expanded:
    path = Path(source).expanduser()
    if path.is_dir():
        return _folder(path)
    if not path.exists():
        return _Expanded(problems=[Problem(source, "source", "no such file, folder or URL")])
    if not path.is_file():
        reason = (
            "not a regular file or folder (a pipe, socket or device); give article files, "
            "folders, URL lists or feeds"
        )
        return _Expanded(problems=[Problem(source, "source", reason)])
    return _expand_file(path, window=window)


def _expand_url(url: str, *, window: Window, http: _LazyClient) -> _Expanded:
    if not is_fetchable(url):
        reason = "not a valid http(s) URL (it does not parse, or names no host); fix it"
        return _Expanded(problems=[Problem(redact_url(url), "source", reason)])
    data, _ = fetch_bytes(url, timeout=http.timeout, deadline=http.deadline, client=http.get())
    feed = _parse_feed(data)
    if feed is None:  # not a feed: the URL is an article page
        return _Expanded(candidates=[Candidate(url, True, url)])
    return _feed_candidates(feed, origin=url, window=window)


def _expand_file(path: Path, *, window: Window) -> _Expanded:
    with path.open("rb") as handle:
        data = handle.read(DEFAULT_MAX_BYTES + 1)
    if len(data) > DEFAULT_MAX_BYTES:
        reason = (
            f"over the {DEFAULT_MAX_BYTES:,}-byte limit for one article, URL list or feed; "
            "split it into several files"
        )
        return _Expanded(problems=[Problem(str(path), "source", reason)])
    head = data[:512].lstrip().lower()
    if path.suffix.lower() in FEED_SUFFIXES or head.startswith((b"<?xml", b"<rss", b"<feed")):
        feed = _parse_feed(data)
        if feed is not None:
            return _feed_candidates(feed, origin=str(path), window=window)
    listed = parse_url_list(data)
    if listed is None:
        return _Expanded(candidates=[Candidate(str(path), False, str(path))])
    return _Expanded(
        candidates=[Candidate(url, True, str(path)) for url in listed.urls],
        problems=[Problem(f"{path}:{number}", "source", reason) for number, reason in listed.bad],
    )


def _folder(folder: Path) -> _Expanded:
    expanded = _Expanded()
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in ARTICLE_SUFFIXES:
            continue
        if path.is_file():
            expanded.candidates.append(Candidate(str(path), False, str(folder)))
        elif path.is_symlink() and not path.exists():
            reason = "a broken symlink or a symlink loop; fix or remove it"
            expanded.problems.append(Problem(str(path), "source", reason))
    return expanded


def _parse_feed(data: bytes) -> Any | None:
    parsed = feedparser.parse(data)
    return parsed if parsed.get("version") else None


def _feed_candidates(feed: Any, *, origin: str, window: Window) -> _Expanded:
    expanded = _Expanded()
    for entry in feed.entries:
        link = _entry_link(entry, origin)
        published = _entry_time(entry)
        if link is None:
            title = entry.get("title") or "untitled entry"
            expanded.problems.append(
                Problem(
                    f"{redact_url(origin)}: {title}", "source", "feed entry has no http(s) link"
                )
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


def _entry_link(entry: Any, origin: str) -> str | None:
    """The entry's page; a relative link is resolved against a feed fetched from a URL."""
    link = str(entry.get("link") or "").strip()
    if link and not URL.match(link) and URL.match(origin):
        link = urljoin(origin, link)
    return link if is_fetchable(link) else None


def _entry_time(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None
    except (OverflowError, OSError, ValueError):  # a date no calendar holds: kept, undated
        return None


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


def _default_loader(http: _LazyClient, *, max_chars: int, timeout: float) -> Loader:
    def load(candidate: Candidate) -> Article:
        if candidate.is_url:
            return fetch_article(
                candidate.location,
                max_chars=max_chars,
                timeout=timeout,
                deadline=http.deadline,
                client=http.get(),
            )
        return load_file(Path(candidate.location), max_chars=max_chars)

    return load


def _load_all(candidates: Sequence[Candidate], load: Loader) -> list[Article | Problem]:
    def attempt(candidate: Candidate) -> Article | Problem:
        return _load(candidate, load)

    if len(candidates) <= 1:
        return [attempt(c) for c in candidates]
    # Daemon workers: Ctrl-C drops the queued pages and never waits for one in flight.
    with WorkerPool(attempt, candidates, workers=FETCH_WORKERS, name="briefer-fetch") as pool:
        return [_result(future) for future in pool.futures]


def _result(future: Future[Article | Problem]) -> Article | Problem:
    return future.result()


def _load(candidate: Candidate, load: Loader) -> Article | Problem:
    """The candidate's article, or the one-line Problem of whatever went wrong."""
    try:
        article = load(candidate)
    except Exception as error:
        return _problem(candidate.location, candidate.is_url, error, stage="fetch")
    hints = {"title": candidate.title, "date": candidate.date}
    update: dict[str, str | None] = {
        name: value for name, value in hints.items() if value and not getattr(article, name)
    }
    if candidate.is_url:  # the article (and so its brief) never holds the URL's credentials
        scrub = scrubber(candidate.location)
        for name in ("title", "source", "url", "date"):
            value = update.get(name, getattr(article, name))
            if value and scrub(value) != value:
                update[name] = scrub(value)
    return article.model_copy(update=update) if update else article


def _problem(location: str, is_url: bool, error: Exception, *, stage: Stage = "source") -> Problem:
    """``error`` as one line; a URL's credentials are never part of it."""
    if isinstance(error, BrieferError):
        reason = _without_label(error.message, location)
    elif isinstance(error, OSError):
        reason = f"cannot read ({error.strerror or type(error).__name__}); check its permissions"
    else:
        reason = unexpected_reason(error)
    if not is_url:
        return Problem(location, "source", reason)
    return Problem(redact_url(location), stage, " ".join(scrubber(location)(reason).split()))


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
    """``articles`` errors start with the input's name (a URL's shown redacted); the failure
    list names it already."""
    return message.removeprefix(f"{label}: ").removeprefix(f"{redact_url(label)}: ")


__all__ = [
    "Candidate",
    "Collected",
    "Loader",
    "Problem",
    "SourcedArticle",
    "Window",
    "collect_articles",
    "http_client",
    "missing_local_sources",
    "normalize_url",
    "source_key",
    "unexpected_reason",
]
