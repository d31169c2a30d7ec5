"""Inputs: every format a user gives, and a one-line error with exit 2 for every bad one.

The output path (``-o``) is checked the same way, before any model call.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer.articles import DEFAULT_MAX_BYTES, article_id, load_article
from briefer.cli import cli
from briefer.cli.common import check_output, write_output
from briefer.errors import InputError
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


def test_stdin_over_the_byte_cap_is_refused_before_the_model(fake_openai: FakeOpenAI) -> None:
    result = CliRunner().invoke(
        cli,
        ["brief", "-"],
        input=b"a" * (DEFAULT_MAX_BYTES + 1),
        env={"OPENAI_BASE_URL": fake_openai.base_url},
        catch_exceptions=False,
    )
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("briefer: error:")]
    assert lines == [
        f"briefer: error: stdin: the input is over the {DEFAULT_MAX_BYTES:,}-byte limit; "
        "give one article (split longer text into several files)"
    ]
    assert fake_openai.calls == 0


def test_stdin_at_the_byte_cap_is_read(fake_openai: FakeOpenAI) -> None:
    result = CliRunner().invoke(
        cli,
        ["brief", "-"],
        input=b"a" * DEFAULT_MAX_BYTES,
        env={"OPENAI_BASE_URL": fake_openai.base_url},
        catch_exceptions=False,
    )
    assert result.exit_code == 2
    assert "over the 200,000 limit" in result.stderr  # read whole, then the character cap
    assert "byte limit" not in result.stderr


def _unwritable_outputs(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "a-file.txt").write_text("not a folder")
    return {
        "impossible": "/proc/nope/x.md",
        "under-a-file": str(tmp_path / "a-file.txt" / "deeper" / "x.md"),
    }


@pytest.mark.parametrize("case", ["impossible", "under-a-file"])
def test_unwritable_output_fails_before_the_model_call(
    tmp_path: Path, case: str, fake_openai: FakeOpenAI
) -> None:
    if case == "impossible" and not sys.platform.startswith("linux"):
        pytest.skip("/proc is Linux's")
    output = _unwritable_outputs(tmp_path)[case]
    result = CliRunner().invoke(
        cli,
        ["brief", str(SEED), "-o", output],
        env={"OPENAI_BASE_URL": fake_openai.base_url},
        catch_exceptions=False,
    )
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("briefer: error:")]
    assert len(lines) == 1
    assert lines[0].startswith(f"briefer: error: {output}: cannot write the output")
    assert lines[0].endswith("choose an output path in a folder you can write to")
    assert "Traceback" not in result.output
    assert fake_openai.calls == 0


def test_output_under_a_file_names_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file.txt"
    blocker.write_text("not a folder")
    output = blocker / "x.md"
    with pytest.raises(InputError, match=f"{re.escape(str(blocker))} is a file, not a folder"):
        check_output(output)
    # the late write (after the model call) fails the same way, not with a traceback
    with pytest.raises(InputError, match=f"{re.escape(str(output))}: cannot write the output"):
        write_output("# brief\n", output)
    assert blocker.read_text() == "not a folder"


def test_output_folder_is_created(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    output = tmp_path / "new" / "deeper" / "brief.md"
    result = CliRunner().invoke(
        cli,
        ["brief", str(SEED), "-o", str(output)],
        env={"OPENAI_BASE_URL": fake_openai.base_url},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert output.read_text().startswith("# ")
    assert sorted(p.name for p in output.parent.iterdir()) == ["brief.md"]  # no probe left
