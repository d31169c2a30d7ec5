"""Inputs: every format a user gives, and a one-line error with exit 2 for every bad one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer.articles import article_id, load_article
from briefer.cli import cli
from tests.briefs import SEED, as_content, seed_answer
from tests.fakes import FakeOpenAI, FakeWeb, Reply

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Harbour vote</title></head>
<body><nav>Home | World | Sport</nav><article><h1>Harbour vote</h1>
<p>The city council of Port Ellis voted 7 to 2 on Tuesday to fund a new harbour crane, after a
debate that lasted most of the evening and drew a crowd of dock workers to the public gallery.</p>
<p>Mayor Ada Lind said the crane would cost 4.5 million euros and be ready by spring, and that the
port authority would cover a third of the price from its own reserves.</p>
<p>Opponents said the money should go to housing instead, and promised to raise it again at the
next budget meeting in March.</p></article><footer>Copyright Port Ellis Gazette</footer></body></html>"""


def test_plain_text_file() -> None:
    article = load_article(str(SEED))
    assert article.text.startswith("First phone call between President-elect Donald Trump")
    assert article.id == article_id(SEED.read_text())
    assert article.source == str(SEED)


def test_id_is_stable_across_whitespace_changes() -> None:
    assert article_id("A  story\n\nabout ports.") == article_id("A story about ports.")
    assert article_id("A story") != article_id("Another story")


def test_markdown_title(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("# Harbour vote\n\nThe council voted on Tuesday.\n")
    article = load_article(str(path))
    assert article.title == "Harbour vote"


def test_html_file_extracts_main_text(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE)
    article = load_article(str(path))
    assert "4.5 million euros" in article.text
    assert "Copyright" not in article.text and "Home | World" not in article.text
    assert article.title == "Harbour vote"


def test_json_file_with_text_field(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(
        json.dumps(
            {"title": "Harbour", "url": "https://example.org/h", "text": "The council voted."}
        )
    )
    article = load_article(str(path))
    assert (article.title, article.url, article.text) == (
        "Harbour",
        "https://example.org/h",
        "The council voted.",
    )


def test_latin1_file_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(
        "Le maire de Zürich a déclaré que la grève était terminée, après trois jours.".encode(
            "latin-1"
        )
    )
    assert "Zürich" in load_article(str(path)).text


def test_url_is_fetched_with_user_agent(fake_web: FakeWeb) -> None:
    fake_web.add("/news/harbour", PAGE)
    article = load_article(fake_web.url("/news/harbour"))
    assert "Mayor Ada Lind" in article.text
    assert article.url == fake_web.url("/news/harbour")
    assert "briefer" in fake_web.requests[0].headers["user-agent"]


def test_stdin_through_the_cli(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    result = CliRunner().invoke(
        cli,
        ["brief", "-", "-f", "json"],
        input=SEED.read_text(),
        env={"OPENAI_BASE_URL": fake_openai.base_url},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "Kursk" in fake_openai.requests[0]["messages"][1]["content"]


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[str, str]]:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blank.txt").write_text("   \n\t \n")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (tmp_path / "huge.txt").write_text("word " * 50_000)
    (tmp_path / "broken.json").write_text('{"text": ')
    (tmp_path / "notext.json").write_text('{"headline": "x"}')
    (tmp_path / "empty.html").write_text("<html><body><script>var a = 1;</script></body></html>")
    return {
        "missing": (str(tmp_path / "nope.txt"), "no such file"),
        "empty": (str(tmp_path / "empty.txt"), "empty"),
        "whitespace": (str(tmp_path / "blank.txt"), "empty"),
        "binary": (str(tmp_path / "binary.txt"), "binary"),
        "too-long": (str(tmp_path / "huge.txt"), "over the 200,000 limit"),
        "bad-json": (str(tmp_path / "broken.json"), "invalid JSON"),
        "json-without-text": (str(tmp_path / "notext.json"), "no text field"),
        "html-without-article": (str(tmp_path / "empty.html"), "no article text"),
        "folder": (str(tmp_path), "is a folder"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "empty",
        "whitespace",
        "binary",
        "too-long",
        "bad-json",
        "json-without-text",
        "html-without-article",
        "folder",
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, case: str, fake_openai: FakeOpenAI) -> None:
    source, expected = _bad_inputs(tmp_path)[case]
    result = CliRunner().invoke(
        cli,
        ["brief", source],
        env={"OPENAI_BASE_URL": fake_openai.base_url},
        catch_exceptions=False,
    )
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("briefer: error:")]
    assert len(lines) == 1 and expected in lines[0]
    assert source in lines[0] or case == "folder"
    assert fake_openai.calls == 0


def test_undecodable_bytes_fail_clearly(tmp_path: Path) -> None:
    path = tmp_path / "weird.txt"
    path.write_bytes(bytes(range(128, 256)) * 4)
    result = CliRunner().invoke(
        cli, ["brief", str(path)], env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    )
    assert result.exit_code == 2
    assert str(path) in result.stderr


def test_url_error_status_is_exit_2(fake_web: FakeWeb) -> None:
    fake_web.add("/gone", "nope", status=500)
    result = CliRunner().invoke(
        cli, ["brief", fake_web.url("/gone")], env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    )
    assert result.exit_code == 2
    assert "HTTP 500" in result.stderr


def test_max_chars_flag(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    path = tmp_path / "a.txt"
    path.write_text("The council voted on the harbour budget. " * 10)
    result = CliRunner().invoke(
        cli,
        ["brief", str(path), "--max-chars", "50"],
        env={"OPENAI_BASE_URL": fake_openai.base_url},
    )
    assert result.exit_code == 2 and "--max-chars" in result.stderr
