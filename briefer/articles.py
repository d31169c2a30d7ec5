"""Articles: loading text, Markdown, HTML, JSON, stdin and URLs into one ``Article``.

Every failure a user can fix raises ``InputError`` with one line naming the input and
the fix. Article text is data: nothing here interprets it beyond extracting it.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import httpx
from charset_normalizer import from_bytes
from pydantic import BaseModel, ConfigDict

from briefer.errors import InputError
from briefer.schema import ArticleRef

DEFAULT_MAX_CHARS = 200_000
DEFAULT_MAX_BYTES = 5_000_000
USER_AGENT = "briefer/0.1 (+https://pypi.org/project/briefer/)"
TEXT_KEYS = ("text", "article", "body", "content")
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ""}


class Article(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    date: str | None = None

    def ref(self) -> ArticleRef:
        return ArticleRef(
            id=self.id, title=self.title, source=self.source, url=self.url, date=self.date
        )


def article_id(text: str) -> str:
    """A stable id: the hash of the text with Unicode and whitespace normalised."""
    normalized = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16]


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(value: str) -> str:
    """``value`` with lone surrogates (a file name that is not UTF-8, a JSON "\\ud800"
    escape) shown as U+FFFD: no request body, cache key or output file can encode them."""
    return _LONE_SURROGATE.sub("\ufffd", value)


def make_article(
    text: str, *, label: str, max_chars: int = DEFAULT_MAX_CHARS, **fields: Any
) -> Article:
    text = _encodable(text).replace("\r\n", "\n").replace("\r", "\n").strip()
    fields = {key: _encodable(v) if isinstance(v, str) else v for key, v in fields.items()}
    if not text:
        raise InputError(f"{label}: the article text is empty; give a file with the article's text")
    if len(text) > max_chars:
        raise InputError(
            f"{label}: the article has {len(text):,} characters, over the {max_chars:,} limit; "
            "raise it with --max-chars or split the file"
        )
    return Article(id=article_id(text), text=text, **fields)


def load_article(
    source: str, *, max_chars: int = DEFAULT_MAX_CHARS, timeout: float = 20.0
) -> Article:
    """Load an article from a path, ``-`` (stdin) or an http(s) URL."""
    if source == "-":
        return _from_bytes(read_stdin(), label="stdin", suffix=".txt", max_chars=max_chars)
    if re.match(r"^https?://", source, re.IGNORECASE):
        return fetch_article(source, max_chars=max_chars, timeout=timeout)
    return load_file(Path(source), max_chars=max_chars)


def read_stdin(max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """All of stdin, or an InputError once it passes ``max_bytes`` (never reads past it)."""
    chunks: list[bytes] = []
    received = 0
    while received <= max_bytes:
        chunk = sys.stdin.buffer.read(max_bytes + 1 - received)
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
    if received > max_bytes:
        raise InputError(
            f"stdin: the input is over the {max_bytes:,}-byte limit; "
            "give one article (split longer text into several files)"
        )
    return b"".join(chunks)


def load_file(path: Path, *, max_chars: int = DEFAULT_MAX_CHARS) -> Article:
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path (or give a URL or - for stdin)")
    if path.is_dir():
        raise InputError(
            f"{path}: is a folder; give one article file (briefer daily takes folders)"
        )
    size = path.stat().st_size
    if size > DEFAULT_MAX_BYTES:
        raise InputError(
            f"{path}: {size:,} bytes is over the {DEFAULT_MAX_BYTES:,}-byte limit; "
            "give one article (split longer text into several files)"
        )
    data = path.read_bytes()
    return _from_bytes(data, label=str(path), suffix=path.suffix.lower(), max_chars=max_chars)


def fetch_article(
    url: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    timeout: float = 20.0,
    client: httpx.Client | None = None,
) -> Article:
    data, content_type = fetch_bytes(url, timeout=timeout, client=client)
    charset = _charset_from_content_type(content_type)
    text = decode_bytes(data, label=url, declared=charset)
    if "html" in content_type or _looks_like_html(text):
        return _from_html(text, label=url, url=url, max_chars=max_chars)
    return make_article(text, label=url, source=url, url=url, max_chars=max_chars)


def fetch_bytes(
    url: str,
    *,
    timeout: float = 20.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    client: httpx.Client | None = None,
) -> tuple[bytes, str]:
    """GET ``url`` with a timeout, a size cap and a real user agent: (body, content type)."""
    own_client = client is None
    http = client or httpx.Client(
        timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}
    )
    try:
        with http.stream("GET", url) as response:
            if response.status_code >= 400:
                raise InputError(
                    f"{url}: the server answered HTTP {response.status_code}; check the URL"
                )
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise InputError(f"{url}: the page is over the {max_bytes:,}-byte limit")
                chunks.append(chunk)
            return b"".join(chunks), response.headers.get("content-type", "").lower()
    except httpx.HTTPError as error:
        raise InputError(
            f"{url}: could not fetch ({type(error).__name__}); check the URL and network"
        ) from error
    finally:
        if own_client:
            http.close()


def decode_bytes(data: bytes, *, label: str, declared: str | None = None) -> str:
    """Decode article bytes: UTF-8 first, then the declared charset, then a detected one."""
    if _looks_binary(data):
        raise InputError(
            f"{label}: looks like binary data, not an article; give text, Markdown, HTML or JSON"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{label}: cannot tell the text encoding; save the file as UTF-8")
    return str(best)


def _from_bytes(data: bytes, *, label: str, suffix: str, max_chars: int) -> Article:
    text = decode_bytes(data, label=label, declared=_declared_html_charset(data))
    if suffix == ".json":
        return _from_json(text, label=label, max_chars=max_chars)
    if suffix in HTML_SUFFIXES or (suffix not in TEXT_SUFFIXES and _looks_like_html(text)):
        return _from_html(text, label=label, url=None, max_chars=max_chars)
    if suffix == "" and _looks_like_html(text):
        return _from_html(text, label=label, url=None, max_chars=max_chars)
    return make_article(
        text, label=label, source=label, title=_text_title(text), max_chars=max_chars
    )


def _from_json(text: str, *, label: str, max_chars: int) -> Article:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{label}: invalid JSON ({error.msg} at line {error.lineno}); fix the file"
        ) from error
    if not isinstance(record, dict):
        raise InputError(f"{label}: JSON must be an object with a 'text' field")
    body = next((record[key] for key in TEXT_KEYS if isinstance(record.get(key), str)), None)
    if body is None:
        raise InputError(f"{label}: JSON has no text field; add one of: {', '.join(TEXT_KEYS)}")
    fields = {key: str(record[key]) for key in ("title", "url", "date") if record.get(key)}
    return make_article(
        body, label=label, source=str(record.get("source") or label), max_chars=max_chars, **fields
    )


def _from_html(html: str, *, label: str, url: str | None, max_chars: int) -> Article:
    import trafilatura  # slow to import; only HTML needs it

    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=False)
    if not text or not text.strip():
        raise InputError(
            f"{label}: no article text found in the HTML; give the article's own page or its text"
        )
    metadata = trafilatura.extract_metadata(html, default_url=url)
    title = getattr(metadata, "title", None) if metadata else None
    date = getattr(metadata, "date", None) if metadata else None
    site = getattr(metadata, "sitename", None) if metadata else None
    return make_article(
        text,
        label=label,
        source=site or label,
        url=url,
        title=title,
        date=date,
        max_chars=max_chars,
    )


def _text_title(text: str) -> str | None:
    first = text.strip().split("\n", 1)[0].strip()
    if first.startswith("#"):
        return first.lstrip("#").strip() or None
    if (
        len(first) <= 100
        and not first.endswith((".", "!", "?", ":", ";", ","))
        and "\n" in text.strip()
    ):
        return first
    return None


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return bool(sample) and controls / len(sample) > 0.05


def _looks_like_html(text: str) -> bool:
    head = text[:2048].lower()
    return "<html" in head or "<!doctype html" in head or ("<body" in head and "</" in head)


def _declared_html_charset(data: bytes) -> str | None:
    match = re.search(rb"""<meta[^>]+charset=["']?([\w-]+)""", data[:4096], re.IGNORECASE)
    return match.group(1).decode("ascii") if match else None


def _charset_from_content_type(content_type: str) -> str | None:
    match = re.search(r"charset=([\w-]+)", content_type)
    return match.group(1) if match else None
