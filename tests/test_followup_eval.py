"""The follow-up eval: the labelled stories of ``evals/followup`` and their scorer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer.cli import cli
from briefer.evals.followup import DEFAULT_DIR, load_fixtures, score

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / DEFAULT_DIR


def story(days: list[dict[str, object]]) -> dict[str, object]:
    return {"id": "t", "days": days}


def day(date: str, *texts: str, **labels: object) -> dict[str, object]:
    articles = [{"source": f"site {n}", "title": "t", "text": t} for n, t in enumerate(texts)]
    return {"date": date, "articles": articles, **labels}


def write(folder: Path, *stories: dict[str, object]) -> Path:
    folder.mkdir()
    for n, body in enumerate(stories):
        (folder / f"{n}.json").write_text(json.dumps({**body, "id": f"s{n}"}))
    return folder


def test_the_labelled_set_has_ten_stories_with_traps_and_scores_well() -> None:
    fixtures = [f for f in load_fixtures(FIXTURES) if f.split == "dev"]
    assert len(fixtures) >= 10
    assert all(len(f.days) > 1 or len(f.days[0].articles) > 1 for f in fixtures)
    result = score(fixtures)
    assert result.changes.labels >= 8 and result.disagreements.labels >= 8
    for tally in (result.changes, result.disagreements):  # a floor, not the figure itself
        assert tally.precision is not None and tally.precision >= 0.8
        assert tally.recall is not None and tally.recall >= 0.8


def test_the_scorer_counts_misses_and_wrong_finds(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "set",
        # found and labelled
        story([day("d1", "12 people were killed in the blast.", "15 people were killed in the blast.",
                   disagreements=[{"counts": "killed", "values": [12, 15]}])]),
        # found but not labelled: a wrong find
        story([day("d1", "The crane will cost £4m.", "The crane will cost £5m.")]),
        # labelled but the rules cannot see it (different counted nouns): a miss
        story([day("d1", "The rally drew 10,000 marchers.", "The rally drew 20,000 people.",
                   disagreements=[{"counts": "marchers", "values": [10000, 20000]}])]),
        # a change across days
        story([day("d1", "Officials said 120 flights were cancelled."),
               day("d2", "Officials said 200 flights were cancelled.",
                   changes=[{"counts": "flights", "old": 120, "new": 200}])]),
    )  # fmt: skip
    result = score(load_fixtures(folder))
    tally = result.disagreements
    assert (tally.labels, tally.found, tally.correct, tally.recalled) == (2, 2, 1, 1)
    assert tally.false == ["s1 d1: 4e+06 / 5e+06"]
    assert tally.misses == ["s2 d1: 10000 / 20000"]
    assert (result.changes.precision, result.changes.recall) == (1.0, 1.0)


def test_briefer_eval_followup_prints_the_figures(tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["eval", "followup", str(FIXTURES)])
    assert shown.exit_code == 0, shown.output
    assert "| changed numbers |" in shown.output and "| disagreements |" in shown.output
    assert "## dev" in shown.output and "## test" in shown.output
    figures = json.loads(runner.invoke(cli, ["eval", "followup", str(FIXTURES), "--json"]).output)
    assert figures["all"]["stories"] >= 15 and figures["all"]["disagreements"]["labelled"] >= 10
    assert figures["test"]["stories"] >= 5


@pytest.mark.parametrize("content", ["{not json", json.dumps({"id": "x", "days": []})])
def test_a_broken_fixture_is_named(tmp_path: Path, content: str) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "bad.json").write_text(content)
    result = CliRunner().invoke(cli, ["eval", "followup", str(folder)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"briefer: error: {folder / 'bad.json'}: not a follow-up")
