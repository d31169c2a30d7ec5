"""URLs as the day run sees them: a page's identity, what can be fetched, URL-list files.

URL-list rule: a file is a URL list when at least one entry (a line neither blank nor
starting with ``#``) is an http(s) URL and URL-looking entries (one token, no spaces, with
a ``.`` or ``/`` in it: an http(s) URL, a URL with another scheme or a typo, a bare domain
or domain/path such as ``example.org/news``) are more than half of the entries *and* hold
more than half of their characters. Each other entry of a URL list, and each http(s) URL
that does not parse (``http://[oops``, no host), is a bad line, reported with its number
and never briefed. A file that fails the rule is one article, so an article whose prose
quotes a URL or two stays an article.

Identity (``normalize_url``) and everything shown use the URL without its credentials
(``briefer.urls.redact_url``): two links that differ only in a token are the same page,
and no key, failure or log line holds a secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from briefer.urls import REDACTED, is_http_url, redact_url

URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_OTHER_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)
_URL_LOOKING = re.compile(r"^[^\s./]*[./]\S*$")
_SHOWN_LINE = 80  # characters of a bad URL-list line quoted in its problem
_TRACKING_PARAM = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ocid|cmpid|_ga|ref|ref_src)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MIN_SECRET = 4  # shorter query values are not searched for in other text (too common)


is_fetchable = is_http_url  # a URL-list line is fetchable when an HTTP client can reach it


def normalize_url(url: str) -> str:
    """The identity of a page: no credentials, scheme, ``www.``, fragment, tracking
    parameters or trailing slash; lower-case host; sorted query; secret values redacted.
    ``http://www.x.org/a/?utm_source=y#top`` → ``x.org/a``.
    """
    url = redact_url(url.strip())
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
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


def scrubber(url: str) -> Callable[[str], str]:
    """A function that removes ``url``'s credentials from any text derived from it (a site
    name made of its host, an error message quoting it): its user info and secret values."""
    shown = redact_url(url)
    try:
        parts, hidden = urlsplit(url), urlsplit(shown)
    except ValueError:
        return lambda text: text
    userinfo = parts.netloc.rpartition("@")[0]
    secrets = [
        value
        for (_, value), (_, redacted) in zip(
            parse_qsl(parts.query, keep_blank_values=True),
            parse_qsl(hidden.query, keep_blank_values=True),
            strict=False,
        )
        if redacted == REDACTED and len(value) >= _MIN_SECRET and value != REDACTED
    ]

    def scrub(text: str) -> str:
        text = text.replace(url, shown)
        if userinfo:
            text = text.replace(userinfo + "@", "").replace(userinfo, REDACTED)
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        return text

    return scrub


@dataclass(frozen=True)
class UrlList:
    urls: list[str]
    bad: list[tuple[int, str]]
    """(line number from 1, the reason) of every entry that is not a fetchable URL."""


def parse_url_list(data: bytes) -> UrlList | None:
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
    urls = [line for _, line in entries if URL.match(line)]
    if not urls:
        return None
    urlish = [line for _, line in entries if _URL_LOOKING.match(line)]
    total_chars = sum(len(line) for _, line in entries)
    if 2 * len(urlish) <= len(entries) or 2 * sum(map(len, urlish)) <= total_chars:
        return None
    good = [line for _, line in entries if is_fetchable(line)]
    bad = [(number, bad_line_reason(line)) for number, line in entries if not is_fetchable(line)]
    return UrlList(good, bad)


def bad_line_reason(line: str) -> str:
    shown = redact_url(line)
    shown = shown if len(shown) <= _SHOWN_LINE else shown[: _SHOWN_LINE - 1] + "…"
    if URL.match(line):
        return f"not a valid URL: {shown!r}; fix it, or start the line with # to make it a comment"
    if _BARE_DOMAIN.match(line):
        return f"not a URL: {shown!r}; write it as https://{shown}"
    if _OTHER_SCHEME.match(line):
        return f"not an http(s) URL: {shown!r}; only http:// and https:// pages are fetched"
    return f"not a URL: {shown!r}; fix it, or start the line with # to make it a comment"


__all__ = [
    "URL",
    "UrlList",
    "bad_line_reason",
    "is_fetchable",
    "normalize_url",
    "parse_url_list",
    "scrubber",
]
