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


# What nearly every endpoint and feed URL looks like: an ASCII host name (or dotted IPv4
# address), an optional port, a plain path. httpx accepts each of these, so only other
# URLs pay for importing it (about 70 ms: httpx also loads its command line and rich).
_PLAIN_HTTP_URL = re.compile(
    r"https?://(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::[0-9]{1,5})?(?:/[a-z0-9._~/-]*)?",
    re.IGNORECASE | re.ASCII,
)
_IPV4_STYLE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")  # httpx checks these as IPv4


def is_http_url(url: str) -> bool:
    """An http(s) URL that parses and names a host: what an HTTP client can reach."""
    if not re.match(r"^https?://\S+$", url, re.IGNORECASE):
        return False
    try:
        split = urlsplit(url)
        split.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:  # a bad IPv6 host, or a port out of range
        return False
    plain = _PLAIN_HTTP_URL.fullmatch(url)
    if plain and (not _IPV4_STYLE.fullmatch(plain["host"]) or _is_ipv4(plain["host"])):
        return True
    return _httpx_accepts(url, split.hostname or "")


def _is_ipv4(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.IPv4Address(host)
    except ipaddress.AddressValueError:
        return False
    return True


def _httpx_accepts(url: str, hostname: str) -> bool:
    """The full check: httpx parses ``url`` as an http(s) URL with a host (no brackets)."""
    import httpx  # lazy: config imports this module, and start-up need not pay for httpx

    try:
        parsed = httpx.URL(url)
    except Exception:  # ValueError of a bad IPv6 host or port, httpx.InvalidURL
        return False
    return (
        parsed.scheme in ("http", "https") and bool(parsed.host) and not set(hostname) & set("[]")
    )


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
    query = urlencode([(name, REDACTED if _is_secret(name) else value) for name, value in pairs])
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _is_secret(name: str) -> bool:
    # A space or control character around a name ("\x01token") must not hide it.
    return bool(_SECRET_PARAM.search(re.sub(r"[^\w.-]", "", name)))


__all__ = ["REDACTED", "is_http_url", "redact_url"]
