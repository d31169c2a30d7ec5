"""``briefer brief SOURCE`` against hostile and odd inputs: never a traceback, never unbounded.

Each bad input is one ``briefer: error:`` line naming the input (without its credentials) and
the fix, with exit 2, before the model is called. Good inputs in unusual encodings are read
as the text they are. Through the real CLI, the real httpx client and the loopback fakes.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from briefer.articles import DEFAULT_MAX_BYTES, fetch_bytes, load_article
from briefer.cli import cli
from briefer.errors import InputError
from briefer.sources import http_client
from tests.briefs import SEED, as_content, seed_answer
from tests.fakes import FakeOpenAI, FakeWeb, Reply

ENGLISH = (
    "The mayor said “we will build it” — and the council agreed. It’s a €4.5 million plan… "
    "The vote, on Tuesday, was 7–2.\n"
) * 3
PAGE_TEXT = (
    "The council of Port Ellis voted on Tuesday to fund a new harbour crane after a long debate. "
)
LINUX = sys.platform.startswith("linux")


def brief(source: str, fake_openai: FakeOpenAI, *extra: str, stdin: Any = None) -> Result:
    return CliRunner().invoke(
        cli,
        ["brief", source, *extra],
        input=stdin,
        env={"OPENAI_BASE_URL": fake_openai.base_url},
        catch_exceptions=False,
    )


def error_line(result: Result) -> str:
    """The one error line; fails on a traceback, a second line or another exit code."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("briefer: error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- files --------------------------------------------------------------------------------


def _write(name: str, data: bytes) -> Callable[[Path], str]:
    def make(tmp_path: Path) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return make


BAD_FILES: dict[str, tuple[Callable[[Path], str], str]] = {
    "json nested 100,000 deep (list)": (
        _write("deep.json", b"[" * 100_000 + b"]" * 100_000),
        "nested too deeply",
    ),
    "json nested 100,000 deep (object)": (
        _write("deep2.json", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
        "nested too deeply",
    ),
    "json with a 5,000-digit number": (
        _write("big.json", b'{"text": "x", "n": ' + b"1" * 5000 + b"}"),
        "invalid JSON",
    ),
    "json list": (_write("list.json", b'["The council voted."]'), "the JSON is a list"),
    "json number": (_write("num.json", b"42"), "the JSON is a number"),
    "json null": (_write("null.json", b"null"), "the JSON is null"),
    "json text is a number": (
        _write("t.json", b'{"text": 5}'),
        "field 'text' is a number, not a string",
    ),
    "json text is a list": (
        _write("t.json", b'{"text": ["a"]}'),
        "field 'text' is a list, not a string",
    ),
    "json text is an object": (
        _write("t.json", b'{"body": {"p": "a"}}'),
        "field 'body' is an object, not a string",
    ),
    "json empty object": (_write("e.json", b"{}"), "no text field"),
    "utf-16 BOM, odd length": (_write("odd.txt", b"\xff\xfeA\x00B"), "byte-order mark"),
    "folder": (lambda tmp_path: str(tmp_path), "is a folder"),
    "empty file": (_write("empty.txt", b""), "empty"),
    "only whitespace": (_write("blank.md", b" \n\t\r\n  "), "empty"),
    "name too long": (lambda tmp_path: str(tmp_path / ("x" * 300)), "cannot read"),
    "ftp URL": (lambda _: "ftp://example.org/article.txt", "only http:// and https://"),
    "file URL": (lambda _: "file:///tmp/article.txt", "give the path itself (/tmp/article.txt)"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_one_line_exit_2(case: str, tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    make, expected = BAD_FILES[case]
    source = make(tmp_path)
    line = error_line(brief(source, fake_openai))
    assert line.startswith(f"briefer: error: {source}: ") and expected in line
    assert fake_openai.calls == 0


@pytest.mark.skipif(not LINUX, reason="/dev/zero as a path is Linux's")
def test_dev_zero_is_read_only_up_to_the_byte_cap(fake_openai: FakeOpenAI) -> None:
    line = error_line(brief("/dev/zero", fake_openai))
    cap = f"{DEFAULT_MAX_BYTES:,}-byte limit"
    assert line.startswith(f"briefer: error: /dev/zero: the input is over the {cap}")
    assert fake_openai.calls == 0


def _fifo_with(tmp_path: Path, data: bytes) -> str:
    """A named pipe a daemon thread writes ``data`` into (a reader may hang up early)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write() -> None:
        try:
            with fifo.open("wb") as pipe:
                pipe.write(data)
        except BrokenPipeError:
            pass  # the reader stopped at its cap

    threading.Thread(target=write, daemon=True).start()
    return str(fifo)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_over_the_byte_cap_is_refused(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    fifo = _fifo_with(tmp_path, b"word " * (DEFAULT_MAX_BYTES // 5 + 10))
    line = error_line(brief(fifo, fake_openai))
    assert "over the 5,000,000-byte limit" in line and fake_openai.calls == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_is_briefed_like_a_file(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    """``briefer brief <(curl …)`` hands briefer a pipe: it must still work."""
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    result = brief(_fifo_with(tmp_path, SEED.read_bytes()), fake_openai, "-f", "json")
    assert result.exit_code == 0, result.output
    assert "Kursk" in fake_openai.requests[0]["messages"][1]["content"]


class _Endless(io.RawIOBase):
    """A stdin that never ends (like ``yes | briefer brief -``); counts what was read."""

    def __init__(self) -> None:
        super().__init__()
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), 1 << 20)
        buffer[:size] = b"a" * size
        self.read_bytes += size
        return size

    def readall(self) -> bytes:
        raise AssertionError("stdin must be read in bounded pieces")


def test_an_endless_stdin_is_read_only_up_to_the_byte_cap(fake_openai: FakeOpenAI) -> None:
    endless = _Endless()
    line = error_line(brief("-", fake_openai, stdin=endless))
    assert line.startswith("briefer: error: stdin: the input is over the 5,000,000-byte limit")
    assert endless.read_bytes == DEFAULT_MAX_BYTES + 1


# -- URLs ---------------------------------------------------------------------------------


def _serve_bad_pages(web: FakeWeb) -> None:
    web.add("/missing", "no", status=404)
    web.add("/broken", "oops", status=500)
    web.add("/loop", "", status=302, headers={"Location": web.url("/loop")})
    web.add("/photo", b"\x89PNG\r\n\x1a\n" + bytes(200), content_type="image/png")
    web.add("/paper", b"%PDF-1.7\n" + bytes(range(256)), content_type="application/pdf")
    web.add("/binary-as-html", bytes(range(256)) * 4, content_type="text/html")
    web.add("/scripts", "<html><body><script>var a = 1;</script></body></html>")
    web.add("/nothing", "")


BAD_URLS = {
    "/missing": "the server answered HTTP 404; check the URL",
    "/broken": "the server answered HTTP 500; try again later",
    "/loop": "redirects in a loop",
    "/photo": "the server sent image/png, not a page or text",
    "/paper": "the server sent application/pdf",
    "/binary-as-html": "looks like binary data",
    "/scripts": "no article text found",
    "/nothing": "no article text found",
}


@pytest.mark.parametrize("path", list(BAD_URLS))
def test_a_bad_page_is_one_line_exit_2(
    path: str, fake_web: FakeWeb, fake_openai: FakeOpenAI
) -> None:
    _serve_bad_pages(fake_web)
    url = fake_web.url(path)
    line = error_line(brief(url, fake_openai))
    assert line.startswith(f"briefer: error: {url}: ") and BAD_URLS[path] in line
    assert fake_openai.calls == 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://[::1", "not a valid URL"),
        ("http://a..b/x", "not a valid URL"),
        ("http://", "not an http(s) URL"),
        ("http://127.0.0.1:1/x", "could not connect"),
    ],
)
def test_an_unusable_url_is_one_line_exit_2(
    url: str, expected: str, fake_openai: FakeOpenAI
) -> None:
    line = error_line(brief(url, fake_openai))
    assert line.startswith(f"briefer: error: {url}: ") and expected in line


def test_a_dripping_page_fails_at_the_fetch_deadline(
    fake_web: FakeWeb, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    # 200 bytes at 0.1 s each: 20 s, although no single read waits near --timeout
    fake_web.add("/slow", "x" * 200, content_type="text/plain", drip=0.1)
    config = tmp_path / "briefer.toml"
    config.write_text("fetch_deadline = 0.5\n")
    url = fake_web.url("/slow")
    line = error_line(brief(url, fake_openai, "--config", str(config)))
    assert line == (
        f"briefer: error: {url}: no complete answer within the 0.5-second fetch deadline; "
        "try again later, or raise fetch_deadline in briefer.toml"
    )
    assert fake_openai.calls == 0


def test_the_daily_runs_shared_client_keeps_the_deadline_too(fake_web: FakeWeb) -> None:
    fake_web.add("/slow", "x" * 200, content_type="text/plain", drip=0.1)
    with http_client(timeout=20.0) as client, pytest.raises(InputError, match="fetch deadline"):
        fetch_bytes(fake_web.url("/slow"), client=client, deadline=0.3)


def test_a_fast_page_within_the_deadline_is_read(fake_web: FakeWeb) -> None:
    fake_web.add("/quick", PAGE_TEXT, content_type="text/plain", drip=0.001)
    data, _ = fetch_bytes(fake_web.url("/quick"), deadline=20.0)
    assert data == PAGE_TEXT.encode()


def test_url_credentials_are_never_printed_or_stored(
    fake_web: FakeWeb, fake_openai: FakeOpenAI
) -> None:
    fake_web.add("/page", SEED.read_text(), content_type="text/plain; charset=utf-8")
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    url = f"http://u:secret@127.0.0.1:{fake_web.port}/page?token=abc"
    result = brief(url, fake_openai, "-f", "json")
    assert result.exit_code == 0, result.output
    assert fake_web.requests[0].headers["authorization"] == "Basic REDACTED"  # still used
    shown = f"http://127.0.0.1:{fake_web.port}/page?token=REDACTED"
    article = json.loads(result.stdout)["article"]
    assert (article["url"], article["source"]) == (shown, shown)
    prompt = json.dumps(fake_openai.requests[0])
    for secret in ("secret", "abc"):
        assert secret not in result.stdout and secret not in result.stderr
        assert secret not in prompt


def test_url_credentials_are_not_in_an_error(fake_web: FakeWeb, fake_openai: FakeOpenAI) -> None:
    url = f"http://u:secret@127.0.0.1:{fake_web.port}/gone?token=abc"
    line = error_line(brief(url, fake_openai))
    assert line.startswith(f"briefer: error: http://127.0.0.1:{fake_web.port}/gone?token=REDACTED")
    assert "secret" not in line and "abc" not in line


def test_a_json_articles_url_is_stored_without_credentials(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    record = {"text": PAGE_TEXT, "url": "https://me:pw@x.org/a?api_key=k1", "source": "Gazette"}
    path.write_text(json.dumps(record))
    article = load_article(str(path))
    assert (article.url, article.source) == ("https://x.org/a?api_key=REDACTED", "Gazette")


# -- encodings ----------------------------------------------------------------------------

ENCODED_FILES: dict[str, tuple[str, bytes]] = {
    "cp1252 English": ("a.txt", ENGLISH.encode("cp1252")),
    "UTF-8": ("a.txt", ENGLISH.encode("utf-8")),
    "UTF-8 with BOM": ("a.txt", b"\xef\xbb\xbf" + ENGLISH.encode("utf-8")),
    "UTF-16 LE with BOM": ("a.txt", b"\xff\xfe" + ENGLISH.encode("utf-16-le")),
    "UTF-16 BE with BOM": ("a.txt", b"\xfe\xff" + ENGLISH.encode("utf-16-be")),
    "UTF-16 LE without BOM": ("a.txt", ENGLISH.encode("utf-16-le")),
    "UTF-32 with BOM": ("a.txt", ENGLISH.encode("utf-32")),
    "cp1252 HTML declaring utf-8 (wrong)": (
        "a.html",
        f'<html><head><meta charset="utf-8"></head><body><article><p>{ENGLISH}</p>'
        "</article></body></html>".encode("cp1252"),
    ),
    "cp1252 HTML declaring windows-1252": (
        "a.html",
        f'<html><head><meta charset="windows-1252"></head><body><article><p>{ENGLISH}</p>'
        "</article></body></html>".encode("cp1252"),
    ),
}


@pytest.mark.parametrize("case", list(ENCODED_FILES))
def test_a_file_is_read_in_its_encoding(case: str, tmp_path: Path) -> None:
    name, data = ENCODED_FILES[case]
    path = tmp_path / name
    path.write_bytes(data)
    text = load_article(str(path)).text
    assert "“we will build it” — and the council agreed. It’s a €4.5 million plan…" in text
    assert "7–2" in text


def test_french_latin1_is_not_read_as_central_european(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(
        "Le maire de Zürich a déclaré que la grève était terminée, après trois jours.".encode(
            "latin-1"
        )
    )
    text = load_article(str(path)).text
    assert "Zürich" in text and "la grève était terminée, après" in text


def _html(text: str) -> str:
    body = f"<body><article><p>{text}</p></article></body>"
    return f"<html><head><title>Harbour</title></head>{body}</html>"


ENCODED_PAGES: dict[str, tuple[bytes, str]] = {
    "UTF-16 declared, no BOM": (
        _html(ENGLISH).encode("utf-16-le"),
        "text/html; charset=utf-16",
    ),
    "UTF-16 declared, with BOM": (_html(ENGLISH).encode("utf-16"), "text/html; charset=UTF-16"),
    "UTF-16BE declared": (_html(ENGLISH).encode("utf-16-be"), "text/html; charset=utf-16be"),
    "cp1252 declared": (_html(ENGLISH).encode("cp1252"), "text/html; charset=windows-1252"),
    "cp1252 declared as iso-8859-1": (
        _html(ENGLISH).encode("cp1252"),
        "text/html; charset=iso-8859-1",
    ),
    "cp1252 undeclared": (_html(ENGLISH).encode("cp1252"), "text/html"),
    "UTF-8 declared as iso-8859-1 (wrong)": (
        _html(ENGLISH).encode("utf-8"),
        "text/html; charset=iso-8859-1",
    ),
    "cp1252 declared as utf-8 (wrong)": (
        _html(ENGLISH).encode("cp1252"),
        "text/html; charset=utf-8",
    ),
    "unknown charset declared": (_html(ENGLISH).encode("utf-8"), "text/html; charset=x-bogus"),
    "UTF-8 declared as utf-16 (wrong)": (
        _html(ENGLISH).encode("utf-8"),
        "text/html; charset=utf-16",
    ),
    "cp1252 declared in a meta tag only": (
        _html(ENGLISH).replace("<head>", '<head><meta charset="windows-1252">').encode("cp1252"),
        "text/html",
    ),
}


@pytest.mark.parametrize("case", list(ENCODED_PAGES))
def test_a_page_is_read_in_its_encoding(case: str, fake_web: FakeWeb) -> None:
    body, content_type = ENCODED_PAGES[case]
    fake_web.add("/page", body, content_type=content_type)
    text = load_article(fake_web.url("/page")).text
    assert "“we will build it” — and the council agreed. It’s a €4.5 million plan…" in text


def test_cp1252_english_reaches_the_model_as_written(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    path = tmp_path / "seed-cp1252.txt"
    path.write_bytes(SEED.read_text().encode("cp1252"))
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    result = brief(str(path), fake_openai, "-f", "json")
    assert result.exit_code == 0, result.output
    prompt = fake_openai.requests[0]["messages"][1]["content"]
    assert "Trump advised the “tsar” not to escalate" in prompt
    assert all(claim["grounded"] for claim in json.loads(result.stdout)["claims"])


def test_a_file_over_the_byte_cap_is_refused_by_its_size(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"word " * (DEFAULT_MAX_BYTES // 5 + 1))
    line = error_line(brief(str(path), fake_openai))
    assert f"{path}: 5,000,005 bytes is over the 5,000,000-byte limit" in line


# -- the byte caps, at their edge ---------------------------------------------------------


def _padded_seed(size: int) -> bytes:
    """The seed article padded with trailing spaces to ``size`` bytes: briefed like the seed
    (the spaces are stripped), so only the byte count decides whether the input is read."""
    seed = SEED.read_bytes().rstrip() + b"\n"
    return seed + b" " * (size - len(seed))


@pytest.mark.parametrize("size", [DEFAULT_MAX_BYTES - 1, DEFAULT_MAX_BYTES], ids=["under", "at"])
def test_a_file_up_to_the_byte_cap_is_briefed(
    size: int, tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(_padded_seed(size))
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    result = brief(str(path), fake_openai, "-f", "json")
    assert result.exit_code == 0, result.output
    assert fake_openai.calls == 1 and json.loads(result.stdout)["claims"]


def test_a_file_one_byte_over_the_byte_cap_is_refused(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(_padded_seed(DEFAULT_MAX_BYTES + 1))
    assert error_line(brief(str(path), fake_openai)) == (
        f"briefer: error: {path}: 5,000,001 bytes is over the 5,000,000-byte limit; "
        "give one article (split longer text into several files)"
    )
    assert fake_openai.calls == 0


@pytest.mark.parametrize("size", [DEFAULT_MAX_BYTES - 1, DEFAULT_MAX_BYTES], ids=["under", "at"])
def test_a_page_up_to_the_byte_cap_is_briefed(
    size: int, fake_web: FakeWeb, fake_openai: FakeOpenAI
) -> None:
    fake_web.add("/big", _padded_seed(size), content_type="text/plain; charset=utf-8")
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    result = brief(fake_web.url("/big"), fake_openai, "-f", "json")
    assert result.exit_code == 0, result.output
    assert fake_openai.calls == 1 and json.loads(result.stdout)["claims"]


def test_a_page_one_byte_over_the_byte_cap_is_refused(
    fake_web: FakeWeb, fake_openai: FakeOpenAI
) -> None:
    fake_web.add("/big", _padded_seed(DEFAULT_MAX_BYTES + 1), content_type="text/plain")
    url = fake_web.url("/big")
    assert error_line(brief(url, fake_openai)) == (
        f"briefer: error: {url}: the page is over the 5,000,000-byte limit; "
        "give a smaller page, or save the article's text to a file"
    )
    assert fake_openai.calls == 0
