"""Stories followed across days and sources that disagree: the comparison rules as tables,
then two days of ``briefer daily`` end to end (real CLI, loopback model) and ``briefer story``.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from briefer.cli import cli
from briefer.counted import Fact, consistent, make_fact, precision, same_thing
from briefer.digest import load_digest
from briefer.disagreements import SourceText, find_disagreements
from briefer.followlines import story_lines
from briefer.followup import since_of
from briefer.schema import Number
from briefer.slack_blocks import build_messages
from tests.briefs import cite, empty_brief
from tests.fakes import FakeOpenAI, Reply


def fact(counts: str | None, text: str, context: str, value: float | None = None) -> Fact:
    from briefer.quantities import parse_number

    number = value if value is not None else parse_number(text)
    assert number is not None
    made = make_fact(number, counts, text, context)
    assert made is not None
    return made


# -- the rules ----------------------------------------------------------------------------------

TROOPS_A = "At least 10,000 troops were sent to the border"
CONSISTENCY = [
    # (a: counts, text, context), (b: ...), consistent?
    (("troops", "10,000", "10,000 troops were sent to the border"),
     ("troops", "12,000", "12,000 troops were sent to the border"), False),
    (("troops", "10,000", TROOPS_A), ("troops", "12,000", "12,000 troops were sent to the border"), True),
    (("troops", "10,000", TROOPS_A), ("troops", "8,000", "8,000 troops were sent to the border"), False),
    (("troops", "10,000", "Up to 10,000 troops were sent to the border"),
     ("troops", "12,000", "12,000 troops were sent to the border"), False),
    (("troops", "10,000", "Up to 10,000 troops were sent to the border"),
     ("troops", "9,000", "9,000 troops were sent to the border"), True),
    (("troops", "10,000", "About 10,000 troops were sent to the border"),
     ("troops", "10,200", "10,200 troops were sent to the border"), True),
    (("troops", "10,000", "10,000 troops were sent to the border"),
     ("troops", "10,150", "10,150 troops were sent to the border"), True),  # within 2 %
    (("troops", "10,000", "More than 10,000 troops were sent to the border"),
     ("troops", "15,000", "At least 15,000 troops were sent to the border"), True),
    (("troops", "10,000", "Nearly 10,000 troops were sent to the border"),
     ("troops", "9,700", "9,700 troops were sent to the border"), True),
    (("troops", "10,000", "Nearly 10,000 troops were sent to the border"),
     ("troops", "12,000", "12,000 troops were sent to the border"), False),
    (("people", "12", "12 people were killed in the blast"),
     ("people", "13", "13 people were killed in the blast"), False),  # small counts: exact
    (("fans", "62,000", "the stadium will hold about 62,000 fans"),
     ("fans", "60,000", "the stadium will hold 60,000 fans"), True),  # the coarser precision
    (("troops", "12,000", "Some 12,000 troops were sent to the border"),
     ("troops", "10,000", "Up to 10,000 troops were sent to the border"), False),  # a bound
    (("patients", "7.6 million", "7.6 million patients are waiting for treatment"),
     ("patients", "7.7 million", "7.7 million patients are waiting for treatment"), False),
    (("GBP", "£4m", "the repairs to the bridge will cost £4m"),
     ("GBP", "£4.5m", "the bridge repairs will cost £4.5m"), False),
    (("GBP", "£4.5m", "the repairs to the bridge will cost about £4.5m"),
     ("GBP", "£4.52m", "the bridge repairs will cost £4.52m"), True),
]  # fmt: skip


@pytest.mark.parametrize(("a", "b", "expected"), CONSISTENCY)
def test_values_are_consistent_within_tolerance_and_bounds(
    a: tuple[str | None, str, str], b: tuple[str | None, str, str], expected: bool
) -> None:
    first, second = fact(*a), fact(*b)
    assert same_thing(first, second)
    assert consistent(first, second) is expected
    assert consistent(second, first) is expected


SAME_THING = [
    (("troops", "10,000", "10,000 troops were sent to the border"),
     ("Russian troops", "12,000", "12,000 Russian troops were sent to the border"), True),
    (("Russian troops", "10,000", "10,000 Russian troops were sent to the border"),
     ("Ukrainian troops", "12,000", "12,000 Ukrainian troops were sent to the border"), False),
    (("people", "12", "12 people were killed in the blast on Monday"),
     ("people", "30", "30 people were injured in the blast on Monday"), False),
    (("people", "20", "20 people were killed and 34 injured in the blast"),
     ("people", "34", "twelve died and 34 people were injured in the blast"), False),
    (("GBP", "£4m", "the repairs will cost £4m"),
     ("GBP", "£4m", "the charity raised £4m for repairs"), False),
    (("GBP", "£4m", "the repairs will cost £4m"), ("USD", "$4m", "the repairs will cost $4m"), False),
    (("troops", "10,000", "10,000 troops were sent to the border"),
     ("troops", "10,000", "10,000 troops took part in the parade"), False),  # no shared context
    ((None, "15", "the death toll rose to 15"), (None, "12", "the death toll stood at 12"), True),
    ((None, "15", "the toll rose to 15"), (None, "12", "the toll stood at 12"), True),  # outcome
    ((None, "15", "the score rose to 15"), (None, "12", "the score stood at 12"), False),  # 1 word
    (("GBP", "£4m", "The crane will cost £4m"),
     ("GBP", "£4.5m", "which will cost £4.5m according to the budget papers"), True),
    (("%", "4.5%", "unemployment rose to 4.5%"), ("%", "3%", "inflation fell to 3%"), False),
    (("protesters", "20,000", "around 20,000 protesters marched through the capital"),
     ("protesters", "50,000", "more than 50,000 protesters joined the march"), True),  # stems
]  # fmt: skip


@pytest.mark.parametrize(("a", "b", "expected"), SAME_THING)
def test_the_same_counted_thing_is_matched_conservatively(
    a: tuple[str | None, str, str], b: tuple[str | None, str, str], expected: bool
) -> None:
    assert same_thing(fact(*a), fact(*b)) is expected
    assert same_thing(fact(*b), fact(*a)) is expected


@pytest.mark.parametrize(
    ("value", "step"), [(10_000, 10_000), (10_200, 100), (4_500_000, 100_000), (12.5, 0.1), (7, 1)]
)
def test_precision_is_the_place_of_the_last_digit_written(value: float, step: float) -> None:
    assert precision(value) == pytest.approx(step)


@pytest.mark.parametrize(
    ("context", "text", "bound", "written"),
    [
        ("At least 10,000 troops", "10,000", "at_least", "at least 10,000"),
        ("more than 10,000 troops", "10,000", "at_least", "more than 10,000"),
        ("up to 10,000 troops", "10,000", "at_most", "up to 10,000"),
        ("nearly 10,000 troops", "10,000", "nearly", "nearly 10,000"),
        ("some 10,000 troops", "10,000", "about", "some 10,000"),
        ("10,000 troops or more", "10,000", "at_least", "10,000"),
        ("the 10,000 troops", "10,000", "exact", "10,000"),
    ],
)
def test_bounds_are_read_from_the_words_around_the_number(
    context: str, text: str, bound: str, written: str
) -> None:
    made = fact("troops", text, context)
    assert (made.bound, made.text) == (bound, written)


def test_years_and_durations_are_never_compared() -> None:
    assert make_fact(2015, None, "2015", "in 2015 the bridge opened") is None
    assert make_fact(24, "hours", "24", "for 24 hours the road was shut") is None


# -- disagreements --------------------------------------------------------------------------------

BBC = SourceText(
    "BBC",
    "At least 10,000 troops have been sent to the border, officials said. The repairs to the "
    "border bridge will cost £4m, the ministry said. Twelve people were killed in the blast.",
)
REUTERS = SourceText(
    "Reuters",
    "Some 12,000 troops were sent to the border region on Tuesday. The bridge repairs will "
    "cost £4.5m. Twelve people died in the blast.",
)
AP = SourceText("AP", "Up to 10,000 troops were sent to the border, the army said.")
RESTATING = SourceText(
    "Wire", "Up to 12,000 troops were sent to the border, up from 10,000 troops last week."
)


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ([BBC, REUTERS], {("£4m", "BBC", "£4.5m", "Reuters")}),
        ([REUTERS, AP], {("some 12,000", "Reuters", "up to 10,000", "AP")}),
        ([BBC, AP], set()),  # at least 10,000 and up to 10,000: both can be true
        ([AP, RESTATING], set()),  # the wire states 10,000 too
        ([BBC, SourceText("BBC", REUTERS.text)], set()),  # one site is not two sources
    ],
)
def test_disagreements_pair_sources_with_inconsistent_values(
    sources: list[SourceText], expected: set[tuple[str, str, str, str]]
) -> None:
    found = {
        (d.values[0].text, d.values[0].source, d.values[1].text, d.values[1].source)
        for d in find_disagreements(sources)
    }
    assert found == expected


# -- what changed since the previous day ------------------------------------------------------


def number(value: float, unit: str | None, text: str, context: str) -> Number:
    return Number(value=value, unit=unit, text=text, context=context, grounded=True)


def test_since_names_changed_new_and_restated_numbers() -> None:
    old = empty_brief("day 1").model_copy(
        update={
            "numbers": [
                number(12, "people", "12", "12 people were killed when the bridge fell"),
                number(4_000_000, "GBP", "£4m", "repairs to the bridge will cost £4m"),
            ]
        }
    )
    new = empty_brief("day 2").model_copy(
        update={
            "numbers": [
                number(15, "people", "15", "15 people were killed when the bridge fell"),
                number(4_000_000, "GBP", "£4m", "the bridge repairs will cost £4m"),
                number(30, "divers", "30", "30 divers searched the river"),
            ]
        }
    )
    since = since_of(old, new, old_date="2026-11-30", new_date="2026-12-01")
    assert [(c.counts, c.old_text, c.new_text) for c in since.changed_numbers] == [
        ("people", "12", "15")
    ]
    assert [n.text for n in since.new_numbers] == ["30"]


# -- two days end to end ----------------------------------------------------------------------

DAY_1 = date(2026, 11, 30)
DAY_2 = DAY_1 + timedelta(days=1)
TITLE = "Bridge collapses over the river in Riverton"
FIRST = (
    "The old road bridge over the river in Riverton collapsed on Sunday evening. "
    "Police said 12 people were killed when the bridge fell into the water. "
    "Engineers had warned the council about cracks in the main span last spring."
)
SECOND_BBC = (
    "Rescue teams worked through the night in Riverton after the bridge collapse. "
    "Police said 15 people were killed when the bridge fell into the water. "
    "The council said repairs to the crossing would cost £4m and take two years."
)
SECOND_WIRE = (
    "Divers searched the river in Riverton on Monday, a day after the road bridge gave way. "
    "Officials said 17 people were killed when the bridge fell into the water. "
    "The mayor promised a full inquiry into the inspections of the span."
)


def draft(killed: int, claim: str) -> dict[str, Any]:
    return {
        "title": TITLE,
        "summary": "A road bridge in Riverton collapsed.",
        "actors": [],
        "claims": [{"text": claim, "attributed_to": None, "evidence": claim}],
        "numbers": [{"value": killed, "unit": "people", "text": str(killed), "context": ""}],
        "open_questions": [],
    }


DRAFTS: dict[str, dict[str, Any]] = {
    "collapsed on Sunday": draft(12, "Engineers had warned the council about cracks"),
    "Rescue teams": draft(15, "The mayor promised a full inquiry"),
}


def responder(request: dict[str, Any]) -> Reply:
    user = request["messages"][1]["content"]
    other = {**draft(0, "The Northfield library reopened"), "title": "Library", "numbers": []}
    chosen = next((d for key, d in DRAFTS.items() if key in user), other)
    return Reply.content(json.dumps(cite(chosen, user)))


def article(folder: Path, name: str, source: str, title: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    record = {"title": title, "text": text, "source": source}
    (folder / f"{name}.json").write_text(json.dumps(record))


def daily_on(day: date, folder: Path, fake: FakeOpenAI, config: Path, out: Path) -> Result:
    env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "sk-test-secret-123"}
    args = ["daily", str(folder), "--out", str(out), "--date", day.isoformat()]
    return CliRunner().invoke(cli, [*args, "--config", str(config)], env=env)


def two_days(fake: FakeOpenAI, config: Path, tmp_path: Path) -> Path:
    fake.responder = responder
    out = tmp_path / "briefings"
    article(tmp_path / "day1", "bridge", "Gazette", TITLE, FIRST)
    assert daily_on(DAY_1, tmp_path / "day1", fake, config, out).exit_code == 0
    article(tmp_path / "day2", "bbc", "BBC", TITLE, SECOND_BBC)
    article(tmp_path / "day2", "wire", "Wire", f"{TITLE} - Wire", SECOND_WIRE)
    assert daily_on(DAY_2, tmp_path / "day2", fake, config, out).exit_code == 0
    return out


def test_a_story_continues_with_a_changed_number_and_sources_that_disagree(
    fake_openai: FakeOpenAI, config: Path, tmp_path: Path
) -> None:
    out = two_days(fake_openai, config, tmp_path)
    (first,) = load_digest(out / DAY_1.isoformat()).stories
    (second,) = load_digest(out / DAY_2.isoformat()).stories
    assert first.since is None and first.thread_id == first.id
    assert second.thread_id == first.id != second.id
    assert second.since is not None and second.since.story_id == first.id
    change = second.since.changed_numbers[0]
    assert (change.old_value, change.new_value) == (12, 15)
    assert (change.old_date, change.new_date) == (DAY_1.isoformat(), DAY_2.isoformat())

    raw = json.loads((out / DAY_2.isoformat() / "digest.json").read_text())
    (disagreement,) = raw["stories"][0]["brief"]["disagreements"]
    assert {(v["value"], v["source"]) for v in disagreement["values"]} == {
        (15, "BBC"),
        (17, "Wire"),
    }

    markdown = (out / DAY_2.isoformat() / "digest.md").read_text()
    assert "Continuing since 2026-11-30: people 12 → 15; 1 new claim\n" in markdown
    assert re.search(r"Sources disagree: 1[57] people \((BBC|Wire)\) vs 1[57]", markdown)
    assert "New story" in (out / DAY_1.isoformat() / "digest.md").read_text()
    slack = json.dumps([m.payload() for m in build_messages(load_digest(out / DAY_2.isoformat()))])
    assert "Continuing since 2026-11-30" in slack and "Sources disagree" in slack


def test_follow_days_zero_turns_following_off(
    fake_openai: FakeOpenAI, config: Path, tmp_path: Path
) -> None:
    config.write_text(config.read_text() + "\n[daily]\nfollow_days = 0\n")
    out = two_days(fake_openai, config, tmp_path)
    (second,) = load_digest(out / DAY_2.isoformat()).stories
    assert second.since is None and second.thread_id == second.id


def test_briefer_story_shows_the_timeline(
    fake_openai: FakeOpenAI, config: Path, tmp_path: Path
) -> None:
    out = two_days(fake_openai, config, tmp_path)
    (second,) = load_digest(out / DAY_2.isoformat()).stories
    runner = CliRunner()
    text = runner.invoke(cli, ["story", second.id, "--out", str(out)])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0].startswith(f"2026-11-30  {TITLE}") and lines[1] == "    new story"
    assert lines[0].startswith(f"2026-11-30  {TITLE}  (1 source, story ")
    assert lines[2].startswith(f"2026-12-01  {TITLE}  (2 sources")
    assert "    changed: people 12 → 15" in lines

    as_json = runner.invoke(cli, ["story", str(second.thread_id), "--out", str(out), "--json"])
    days = json.loads(as_json.output)
    assert [d["date"] for d in days] == ["2026-11-30", "2026-12-01"]
    assert days[1]["since"]["changed_numbers"][0]["new_value"] == 15

    missing = runner.invoke(cli, ["story", "nosuchstory", "--out", str(out)])
    assert missing.exit_code == 2
    assert missing.stderr.startswith("briefer: error: nosuchstory: no such story")


def test_story_lines_say_nothing_for_an_unfollowed_story() -> None:
    from briefer.daymodels import Story

    story = Story(id="x", importance=0, sources=[], brief=empty_brief(), briefed_at="now")
    assert story_lines(story) == []
    assert story_lines(story.model_copy(update={"thread_id": "x"})) == ["New story"]


def test_the_lines_are_escaped_like_article_text() -> None:
    from briefer.daymodels import Digest, DigestStats, Story
    from briefer.digestrender import digest_html
    from briefer.schema import Disagreement, ReportedNumber

    def reported(value: float, source: str) -> ReportedNumber:
        return ReportedNumber(value=value, text=f"{value:g}", source=source, context="c")

    hostile = "<script>alert(1)</script> <https://evil.example|click>"
    brief = empty_brief().model_copy(
        update={
            "disagreements": [
                Disagreement(counts="troop", values=[reported(10, hostile), reported(12, "AP")])
            ]
        }
    )
    story = Story(id="x", importance=0, sources=[], brief=brief, briefed_at="now", thread_id="x")
    digest = Digest(date="2026-12-01", generated_at="now", stories=[story], failures=[],
                    stats=DigestStats())  # fmt: skip
    html = digest_html(digest)
    assert "Sources disagree: 10 troop (&lt;script&gt;" in html and "<script>" not in html
    slack = json.dumps([m.payload() for m in build_messages(digest)])
    assert "Sources disagree" in slack and "<https://evil.example|click>" not in slack


@pytest.mark.parametrize("rule", ["same source key", "overlapping text"])
def test_a_story_continues_by_its_source_or_its_text(
    fake_openai: FakeOpenAI, config: Path, tmp_path: Path, rule: str
) -> None:
    """Titles too short to match: the same file (a live page) or a copy of the text."""
    fake_openai.responder = responder
    out, first, second = tmp_path / "briefings", tmp_path / "one", tmp_path / "two"
    article(first, "live", "Gazette", "Live: Riverton", FIRST)
    assert daily_on(DAY_1, first, fake_openai, config, out).exit_code == 0
    if rule == "same source key":
        article(first, "live", "Gazette", "Live: Riverton", SECOND_BBC)
        second = first
    else:
        article(second, "copy", "Wire", "Update", FIRST + " Rescue teams searched the river.")
    article(second, "library", "Post", "Library", "The Northfield library reopened on Saturday.")
    assert daily_on(DAY_2, second, fake_openai, config, out).exit_code == 0
    (before,) = load_digest(out / DAY_1.isoformat()).stories
    after = {s.brief.title: s for s in load_digest(out / DAY_2.isoformat()).stories}
    assert after[TITLE].thread_id == before.id and after[TITLE].since is not None
    assert after["Library"].since is None and after["Library"].thread_id == after["Library"].id
