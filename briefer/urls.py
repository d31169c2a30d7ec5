"""What of a URL may be shown or stored: never its credentials.

A URL a user gives briefer can carry secrets (``https://user:pass@host/…``,
``?token=…``). briefer fetches the URL as given, but everything it prints, logs or writes
(briefs, digests, failure lists, Slack messages) uses :func:`redact_url`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"

# Query parameter names that carry secrets: whole names, or names ending in one of these
# (``api_key``, ``access_token``, ``X-Amz-Signature``).
_SECRET_PARAM = re.compile(
    r"(?:^|[_.-])(?:token|key|apikey|secret|password|passwd|pwd|signature|sig|auth|"
    r"credential|credentials|session|sessionid|jwt)$",
    re.IGNORECASE,
)


def is_http_url(url: str) -> bool:
    """An http(s) URL that parses and names a host: what an HTTP client can reach."""
    import httpx  # lazy: config imports this module, and start-up need not pay for httpx

    if not re.match(r"^https?://\S+$", url, re.IGNORECASE):
        return False
    try:
        split = urlsplit(url)
        split.port  # noqa: B018 (raises ValueError for a port that is not a number)
        parsed = httpx.URL(url)
    except Exception:  # ValueError of a bad IPv6 host or port, httpx.InvalidURL
        return False
    host_chars = set(split.hostname or "")
    return parsed.scheme in ("http", "https") and bool(parsed.host) and not host_chars & set("[]")


def redact_url(url: str) -> str:
    """``url`` without its user name and password and with secret query values replaced.

    ``https://me:pw@x.org/a?token=abc&page=2`` → ``https://x.org/a?token=REDACTED&page=2``.
    Anything that does not parse as a URL is returned unchanged.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    if not parts.query:
        return urlunsplit(parts._replace(netloc=netloc))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(_is_secret(name) for name, _ in pairs):
        return urlunsplit(parts._replace(netloc=netloc))
    query = urlencode(
        [(name, REDACTED if _is_secret(name) else value) for name, value in pairs]
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _is_secret(name: str) -> bool:
    # A space or control character around a name ("\x01token") must not hide it.
    return bool(_SECRET_PARAM.search(re.sub(r"[^\w.-]", "", name)))


__all__ = ["REDACTED", "is_http_url", "redact_url"]
