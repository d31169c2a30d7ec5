"""Articles: loading text, Markdown, HTML, JSON, stdin and URLs into one ``Article``.

Every failure a user can fix raises ``InputError`` with one line naming the input and
the fix. Article text is data: nothing here interprets it beyond extracting it.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import sys
import unicodedata
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from briefer.decoding import charset_from_content_type, declared_html_charset, decode_bytes
from briefer.errors import InputError
from briefer.fetching import DEFAULT_FETCH_DEADLINE, DEFAULT_MAX_BYTES, USER_AGENT, fetch_bytes
from briefer.schema import ArticleRef
from briefer.urls import redact_url

if TYPE_CHECKING:
    import httpx

DEFAULT_MAX_CHARS = 200_000
TEXT_KEYS = ("text", "article", "body", "content")
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ""}
_HTTP = re.compile(r"^https?://", re.IGNORECASE)
_ANY_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.IGNORECASE)


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
    source: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    timeout: float = 20.0,
    fetch_deadline: float = DEFAULT_FETCH_DEADLINE,
) -> Article:
    """Load an article from a path, ``-`` (stdin) or an http(s) URL."""
    if source == "-":
        return _from_bytes(read_stdin(), label="stdin", suffix=".txt", max_chars=max_chars)
    if _HTTP.match(source):
        return fetch_article(source, max_chars=max_chars, timeout=timeout, deadline=fetch_deadline)
    scheme = _ANY_SCHEME.match(source)
    if scheme:
        raise _unsupported_scheme(source, scheme.group(1).lower())
    return load_file(Path(source), max_chars=max_chars)


def read_stdin(max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """All of stdin, or an InputError once it passes ``max_bytes`` (never reads past it)."""
    if sys.stdin is None:
        raise InputError("stdin: is closed; pipe the article in, or give a file or URL")
    return _read_capped(sys.stdin.buffer, label="stdin", max_bytes=max_bytes)


def load_file(path: Path, *, max_chars: int = DEFAULT_MAX_CHARS) -> Article:
    """A file's article. Pipes and devices are read with the same byte cap as files."""
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise InputError(
                f"{path}: is a folder; give one article file (briefer daily takes folders)"
            )
        if stat.S_ISREG(status.st_mode) and status.st_size > DEFAULT_MAX_BYTES:
            raise InputError(
                f"{path}: {status.st_size:,} bytes is over the {DEFAULT_MAX_BYTES:,}-byte limit; "
                "give one article (split longer text into several files)"
            )
        with path.open("rb") as stream:
            data = _read_capped(stream, label=str(path), max_bytes=DEFAULT_MAX_BYTES)
    except FileNotFoundError:
        raise InputError(
            f"{path}: no such file; check the path (or give a URL or - for stdin)"
        ) from None
    except OSError as error:
        raise InputError(
            f"{path}: cannot read ({error.strerror or type(error).__name__}); "
            "check the path and its permissions"
        ) from error
    return _from_bytes(data, label=str(path), suffix=path.suffix.lower(), max_chars=max_chars)


def _read_capped(stream: IO[bytes], *, label: str, max_bytes: int) -> bytes:
    """All of ``stream``, reading at most ``max_bytes + 1`` bytes; an InputError past the cap."""
    chunks: list[bytes] = []
    received = 0
    while received <= max_bytes:
        chunk = stream.read(max_bytes + 1 - received)
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
    if received > max_bytes:
        raise InputError(
            f"{label}: the input is over the {max_bytes:,}-byte limit; "
            "give one article (split longer text into several files)"
        )
    return b"".join(chunks)


def fetch_article(
    url: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    timeout: float = 20.0,
    deadline: float = DEFAULT_FETCH_DEADLINE,
    client: httpx.Client | None = None,
) -> Article:
    """The article at ``url``; its ``url``, ``source`` and every message are redacted."""
    shown = redact_url(url)
    data, content_type = fetch_bytes(url, timeout=timeout, deadline=deadline, client=client)
    declared = charset_from_content_type(content_type) or declared_html_charset(data)
    text = decode_bytes(data, label=shown, declared=declared)
    if "json" in content_type.split(";", 1)[0]:
        return _from_json(text, label=shown, max_chars=max_chars, url=shown)
    if "html" in content_type or _looks_like_html(text):
        return _from_html(text, label=shown, url=shown, max_chars=max_chars)
    return make_article(text, label=shown, source=shown, url=shown, max_chars=max_chars)


def _unsupported_scheme(source: str, scheme: str) -> InputError:
    if scheme == "file":
        path = source[len("file://") :] or "/"
        return InputError(f"{source}: file:// URLs are not read; give the path itself ({path})")
    return InputError(
        f"{redact_url(source)}: only http:// and https:// URLs are fetched; "
        "download the article and give the file"
    )


def _from_bytes(data: bytes, *, label: str, suffix: str, max_chars: int) -> Article:
    text = decode_bytes(data, label=label, declared=declared_html_charset(data))
    if suffix == ".json":
        return _from_json(text, label=label, max_chars=max_chars)
    if suffix in HTML_SUFFIXES or (suffix not in TEXT_SUFFIXES and _looks_like_html(text)):
        return _from_html(text, label=label, url=None, max_chars=max_chars)
    if suffix == "" and _looks_like_html(text):
        return _from_html(text, label=label, url=None, max_chars=max_chars)
    return make_article(
        text, label=label, source=label, title=_text_title(text), max_chars=max_chars
    )


def _from_json(text: str, *, label: str, max_chars: int, url: str | None = None) -> Article:
    record = _parse_json(text, label=label)
    if not isinstance(record, dict):
        raise InputError(
            f"{label}: the JSON is {_json_kind(record)}, not an object; "
            'give an object with the article in a "text" field'
        )
    body = _json_text(record, label=label)
    named = ("title", "url", "date")
    fields = {key: _shown(str(record[key])) for key in named if _scalar(record.get(key))}
    if url and "url" not in fields:
        fields["url"] = url
    source = record.get("source")
    return make_article(
        body,
        label=label,
        source=_shown(str(source)) if _scalar(source) else label,
        max_chars=max_chars,
        **fields,
    )


def _parse_json(text: str, *, label: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{label}: invalid JSON ({error.msg} at line {error.lineno}); fix the file"
        ) from error
    except RecursionError:
        raise InputError(
            f"{label}: the JSON is nested too deeply to read; "
            'give a flat object with the article in a "text" field'
        ) from None
    except ValueError as error:  # e.g. an integer over Python's 4,300-digit limit
        raise InputError(f"{label}: invalid JSON ({error}); fix the file") from error


def _json_text(record: dict[str, Any], *, label: str) -> str:
    present = [key for key in TEXT_KEYS if key in record]
    for key in present:
        value = record[key]
        if isinstance(value, str):
            return value
    if present:
        key = present[0]
        raise InputError(
            f"{label}: the JSON field {key!r} is {_json_kind(record[key])}, not a string; "
            "put the article's text in it as one string"
        )
    raise InputError(f"{label}: JSON has no text field; add one of: {', '.join(TEXT_KEYS)}")


def _json_kind(value: Any) -> str:
    kinds = ((bool, "true/false"), (int, "a number"), (float, "a number"), (list, "a list"))
    if value is None:
        return "null"
    return next((name for kind, name in kinds if isinstance(value, kind)), "an object")


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool) and value != ""


def _shown(value: str) -> str:
    """A field as it may be stored: a URL loses its credentials."""
    return redact_url(value) if _ANY_SCHEME.match(value) else value


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


def _looks_like_html(text: str) -> bool:
    head = text[:2048].lower()
    return "<html" in head or "<!doctype html" in head or ("<body" in head and "</" in head)


__all__ = [
    "DEFAULT_FETCH_DEADLINE",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_CHARS",
    "USER_AGENT",
    "Article",
    "article_id",
    "decode_bytes",
    "fetch_article",
    "fetch_bytes",
    "load_article",
    "load_file",
    "make_article",
    "read_stdin",
]
