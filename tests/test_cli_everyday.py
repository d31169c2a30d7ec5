"""Everyday habits of the command line (issue 13, item 5), each through the real CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefer.cli import cli, days
from briefer.digest import load_digest
from tests.briefs import SEED, as_content, seed_answer
from tests.dailyrun import LIBRARY, TODAY, daily
from tests.fakes import FakeOpenAI, Reply
from tests.test_daily import Model

KEY = "sk-test-secret-123"


def run(args: list[str], fake: FakeOpenAI, *, stdin: str | None = None) -> Result:
    env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": KEY}
    return CliRunner().invoke(cli, args, env=env, input=stdin, catch_exceptions=False)


def seed_reply(**overrides: object) -> Reply:
    return Reply.content(as_content(seed_answer(**overrides)))


def article(folder: Path, name: str, title: str) -> Path:
    path = folder / name
    path.write_text(f"# {title}\n\nThe {title.lower()} was the talk of the town on Monday.\n")
    return path


# -- -o infers the format -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "flag", "starts"),
    [
        ("out.json", None, "{"),
        ("out.JSON", None, "{"),
        ("out.md", None, "# Trump"),
        ("out.html", None, "<!doctype html>"),
        ("out.htm", None, "<!doctype html>"),
        ("out.txt", None, "# Trump"),  # another extension: the default, Markdown
        ("out", None, "# Trump"),
        ("out.json", "md", "# Trump"),  # --format wins over the extension
        ("out.md", "html", "<!doctype html>"),
    ],
)
def test_the_output_format_follows_the_extension_unless_given(
    fake_openai: FakeOpenAI, tmp_path: Path, name: str, flag: str | None, starts: str
) -> None:
    fake_openai.enqueue(seed_reply())
    out = tmp_path / name
    result = run(["brief", str(SEED), "-o", str(out), *(["-f", flag] if flag else [])], fake_openai)
    assert result.exit_code == 0, result.output
    assert out.read_text().lower().startswith(starts.lower())


# -- several articles ---------------------------------------------------------------------------


def test_several_articles_give_one_brief_each_on_stdout(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    second = article(tmp_path, "fair.md", "County fair")
    fake_openai.enqueue(seed_reply(), seed_reply(title="The county fair"))
    result = run(["brief", str(SEED), str(second)], fake_openai)
    assert result.exit_code == 0, result.output
    first, other = result.stdout.split("\n---\n\n")
    assert first.startswith("# Trump and Putin") and other.startswith("# The county fair")

    fake_openai.enqueue(seed_reply(), seed_reply(title="The county fair"))
    lines = run(["brief", str(SEED), str(second), "-f", "json", "--no-cache"], fake_openai)
    titles = [json.loads(line)["title"] for line in lines.stdout.splitlines()]
    assert titles == ["Trump and Putin talked about Ukraine in their first call", "The county fair"]


def test_one_bad_article_costs_only_itself(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    second = article(tmp_path, "fair.md", "County fair")
    missing = tmp_path / "missing.md"
    fake_openai.enqueue(seed_reply(), seed_reply(title="The county fair"))
    result = run(["brief", str(SEED), str(missing), str(second), "-f", "json"], fake_openai)
    assert result.exit_code == 1
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == [
        "Trump and Putin talked about Ukraine in their first call",
        "The county fair",
    ]
    errors = [line for line in result.stderr.splitlines() if line.startswith("briefer: error:")]
    assert errors == [
        f"briefer: error: {missing}: no such file; check the path (or give a URL or - for stdin)"
    ]
    assert "1 of 3 articles failed" in result.stderr


def test_several_articles_with_o_folder_write_one_file_each(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    twin = article(other, SEED.stem + ".txt", "County fair")  # the same name: not overwritten
    out = tmp_path / "briefs"
    fake_openai.enqueue(seed_reply(), seed_reply(title="The county fair"))
    result = run(["brief", str(SEED), str(twin), "-o", str(out), "-f", "html"], fake_openai)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [f"{SEED.stem}-2.html", f"{SEED.stem}.html"]
    assert "county fair" in (out / f"{SEED.stem}-2.html").read_text().lower()
    assert result.stdout == ""


def test_one_article_with_o_an_existing_folder_is_written_into_it(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    fake_openai.enqueue(seed_reply())
    result = run(["brief", str(SEED), "-o", str(tmp_path), "-f", "json"], fake_openai)
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / f"{SEED.stem}.json").read_text())
    assert written["title"].startswith("Trump and Putin")


def test_several_html_briefs_on_stdout_is_bad_usage(fake_openai: FakeOpenAI) -> None:
    result = run(["brief", str(SEED), str(SEED), "-f", "html"], fake_openai)
    assert result.exit_code == 2 and "give -o FOLDER" in result.stderr
    assert fake_openai.calls == 0


# -- daily - ------------------------------------------------------------------------------------


def test_daily_reads_its_sources_from_stdin(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    library = tmp_path / "library.md"
    library.write_text(LIBRARY)
    fair = article(tmp_path, "fair.md", "County fair")
    out = tmp_path / "out"
    listing = f"# today's reading\n{library}\n\n  {fair}  \n"
    args = ["daily", "-", "--out", str(out), "--date", TODAY, "--config", str(config)]
    result = run(args, fake_openai, stdin=listing)
    assert result.exit_code == 0, result.output
    assert load_digest(out / TODAY).stats.articles == 2

    typo = run(args, fake_openai, stdin=f"{tmp_path / 'nope.md'}\n")
    assert typo.exit_code == 2 and "nope.md" in typo.stderr


# -- --date today | yesterday -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("today", date(2026, 11, 26)),
        ("yesterday", date(2026, 11, 25)),
        ("Yesterday", date(2026, 11, 25)),
        ("2026-11-20", date(2026, 11, 20)),
    ],
)
def test_daily_date_accepts_today_and_yesterday(
    fake_openai: FakeOpenAI,
    model: Model,
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    given: str,
    expected: date,
) -> None:
    monkeypatch.setattr(days, "today", lambda: date(2026, 11, 26))
    library = tmp_path / "library.md"
    library.write_text(LIBRARY)
    out = tmp_path / "out"
    args = ["daily", str(library), "--out", str(out), "--date", given, "--config", str(config)]
    assert run(args, fake_openai).exit_code == 0
    assert [p.name for p in out.iterdir()] == [expected.isoformat()]


@pytest.mark.parametrize("bad", ["tomorrow", "2026-13-01", "May 4", "2026-1-2"])
def test_a_date_that_is_not_one_is_bad_usage(fake_openai: FakeOpenAI, bad: str) -> None:
    result = run(["daily", str(SEED), "--date", bad], fake_openai)
    assert result.exit_code == 2 and "give YYYY-MM-DD, today or yesterday" in result.output


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("2026-11-25", "briefings/2026-11-25"),
        ("yesterday", "briefings/2026-11-25"),
        ("today", "briefings/2026-11-26"),
        ("not-a-day", "not-a-day"),
    ],
)
def test_a_day_argument_is_resolved_in_the_folder_of_day_folders(
    monkeypatch: pytest.MonkeyPatch, argument: str, expected: str
) -> None:
    monkeypatch.setattr(days, "today", lambda: date(2026, 11, 26))
    assert days.day_folder(argument, Path("briefings")) == Path(expected)


def test_an_existing_day_folder_is_taken_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11-25"
    folder.mkdir()
    assert days.day_folder(str(folder), Path("elsewhere")) == folder
    assert days.parse_day("today") == days.today() and days.parse_day(
        "yesterday"
    ) == days.today() - timedelta(days=1)


# -- a byte-identical copy, and the article count of a resumed run ------------------------------


def test_a_byte_identical_copy_is_not_a_second_source(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.md").write_text(LIBRARY)
    (folder / "b.md").write_text(LIBRARY)
    single = tmp_path / "single"
    single.mkdir()
    (single / "a.md").write_text(LIBRARY)
    assert daily([str(folder)], fake_openai, config, tmp_path / "copies").exit_code == 0
    assert daily([str(single)], fake_openai, config, tmp_path / "alone").exit_code == 0
    (story,) = load_digest(tmp_path / "copies" / TODAY).stories
    (alone,) = load_digest(tmp_path / "alone" / TODAY).stories
    assert story.importance == alone.importance
    assert [(Path(link.site or "").name, Path(link.path or "").name) for link in story.sources] == [
        ("a.md", "a.md"),
        ("b.md", "b.md"),
    ]


def test_a_resumed_run_counts_the_same_articles(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.md").write_text(LIBRARY)
    (folder / "b.md").write_text(LIBRARY)  # a copy
    article(folder, "fair.md", "County fair")
    out = tmp_path / "out"
    counts = []
    for _ in range(2):
        result = daily([str(folder)], fake_openai, config, out)
        assert result.exit_code == 0
        stats = load_digest(out / TODAY).stats
        counts.append((stats.articles, stats.duplicates))
        assert "2 articles, 1 duplicates" in result.stderr
    assert counts == [(2, 1), (2, 1)]
    assert load_digest(out / TODAY).stats.resumed == 2


# -- the model label, and "Preparing the model" --------------------------------------------------


def _served_by(model_name: str) -> Reply:
    completion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model_name,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": as_content(seed_answer())},
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    return Reply.raw(json.dumps(completion), content_type="application/json")


def test_the_label_is_the_model_the_endpoint_served(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(_served_by("qwen2.5-7b-instruct-q4_k_m.gguf"))
    result = run(["brief", str(SEED), "-f", "json"], fake_openai)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["meta"]["model"] == "qwen2.5-7b-instruct-q4_k_m.gguf"
    cached = run(["brief", str(SEED), "-f", "json"], fake_openai)  # the cache keeps the label
    assert json.loads(cached.stdout)["meta"]["model"] == "qwen2.5-7b-instruct-q4_k_m.gguf"
    assert "Preparing the model" not in result.stderr


def test_preparing_the_model_is_said_for_the_local_backend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from briefer import pipeline
    from briefer.backends.fake import FakeBackend

    local = FakeBackend(
        model="qwen2.5-coder-1.5b", endpoint="local", default=as_content(seed_answer())
    )
    monkeypatch.setattr(pipeline, "build_backend", lambda settings: local)
    result = CliRunner().invoke(cli, ["brief", str(SEED), "--backend", "local", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "briefer: Preparing the model" in result.stderr


def test_an_endpoint_is_not_prepared_and_is_named(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(seed_reply())
    remote = run(["brief", str(SEED), "--no-cache"], fake_openai)
    assert remote.exit_code == 0 and "Preparing the model" not in remote.stderr
    assert (
        f"Briefing with gpt-4o-mini (openai at {fake_openai.base_url.split('/')[2]})"
        in remote.stderr
    )


@pytest.mark.parametrize(
    ("endpoint", "model", "expected"),
    [
        ("api.openai.com", "gpt-4o-mini", 0.00045),
        ("127.0.0.1:8080", "gpt-4o-mini", None),
        ("api.openai.com", "some-new-model", None),
        (None, "gpt-4o-mini", 0.00045),
    ],
)
def test_only_openais_own_endpoint_gets_openais_price(
    endpoint: str | None, model: str, expected: float | None
) -> None:
    from briefer.evals.dataset import EvalConfig, Price
    from briefer.evals.run import RunSpec, estimate_cost

    spec = RunSpec(
        created_at="2026-11-25T00:00:00Z",
        prompts_dir="prompts",
        prompt_version="8",
        prompt_hash="0" * 16,
        model=model,
        backend="openai",
        endpoint_host=endpoint,
        temperature=0.0,
        max_output_tokens=1500,
        gold_dir="g",
        corpus_dir="c",
    )
    config = EvalConfig(
        prices={"gpt-4o-mini": Price(input_per_million=0.15, output_per_million=0.60)}
    )
    assert estimate_cost(spec, 1000, 500, config) == expected


# -- Briefer.brief takes a path -----------------------------------------------------------------


def test_briefer_brief_accepts_a_path_like_brief_article(fake_openai: FakeOpenAI) -> None:
    from briefer import Briefer, brief_article
    from briefer.config import load_settings

    settings = load_settings({"base_url": fake_openai.base_url, "cache": False})
    fake_openai.enqueue(seed_reply(), seed_reply(), seed_reply())
    by_path = Briefer(settings).brief(SEED)
    by_name = Briefer(settings).brief(str(SEED))
    reference = brief_article(SEED, settings=settings)
    assert by_path.article == by_name.article == reference.article
    assert by_path.article.source == str(SEED) and fake_openai.calls == 3


# -- slack post DATE ----------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["2026-11-25", "yesterday"])
def test_slack_post_takes_a_date_in_the_folder_of_day_folders(
    fake_openai: FakeOpenAI,
    model: Model,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    given: str,
) -> None:
    monkeypatch.setattr(days, "today", lambda: date(2026, 11, 26))
    out = tmp_path / "briefings"
    config = tmp_path / "briefer.toml"
    config.write_text(f'max_attempts = 1\n[daily]\nout = "{out}"\n')
    library = tmp_path / "library.md"
    library.write_text(LIBRARY)
    args = ["daily", str(library), "--date", "2026-11-25", "--config", str(config)]
    assert run(args, fake_openai).exit_code == 0
    result = CliRunner().invoke(
        cli, ["slack", "post", given, "--dry-run", "--config", str(config)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "Library reopens" in result.stdout
    missing = CliRunner().invoke(cli, ["slack", "post", "today", "--config", str(config)])
    assert missing.exit_code == 2 and f"{out / '2026-11-26'}: no digest.json" in missing.stderr
