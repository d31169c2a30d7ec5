"""Reference points for eval scores: the lead baseline (briefer.evals.baseline) and human
agreement between two gold sets (briefer.evals.agreement)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from briefer.articles import load_file, make_article
from briefer.citations import CitedArticle, resolve
from briefer.evals.agreement import agreement_markdown, score_agreement
from briefer.evals.baseline import (
    LEAD_ACTORS,
    LEAD_CLAIMS,
    LEAD_NUMBERS,
    has_speaker,
    lead_brief,
    lead_draft,
    score_lead,
)
from briefer.evals.dataset import default_gold_dir, load_cases
from briefer.schema import Brief, BriefDraft, CitedDraft
from tests.briefs import SEED

LINDHOLM = (
    "Lindholm buys cranes\n\n"
    "The city of Lindholm will buy 12 cranes for £40 million, the harbour board announced on "
    "Monday. Harbour master Ada Lind said the harbour could not grow without them. "
    '"We need them," Lind told reporters. Critics worry about the upkeep of 3 new berths. '
    "The council approved the plan by 9 votes to 2. According to Mayor Omar Haddad, work "
    "starts in May. Lind's team drew up the plan with Nordic Cranes. Nordic Cranes employs "
    "400 people in Lindholm. Dockers welcomed the plan. Shipping lines expect 15% more "
    "traffic, Lind added. Haddad will open the first berth.\n"
)


def synthetic() -> Brief:
    return lead_brief(make_article(LINDHOLM, label="lindholm"))


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("The council approved the plan by 9 votes to 2.", False),
        ("Harbour master Ada Lind said the harbour could not grow.", True),
        ("Officials say the work will start in May.", True),
        ("Lind told reporters the plan was ready.", True),
        ("According to the mayor, work starts in May.", True),
        ("according\nto the mayor, work starts in May.", True),  # the phrase across a line
        ('"We need them," the harbour master wrote.', True),  # a quote mark
        ("Trump advised the “tsar” not to escalate the war.", True),
        ("Putin’s offensive goes on.", False),  # an apostrophe is no quote mark
        ("The saidi family sold the boat.", False),  # whole words only
    ],
)
def test_has_speaker(sentence: str, speaker: bool) -> None:
    assert has_speaker(sentence) is speaker


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # A sentence opener counts only when the article writes it capitalised elsewhere.
        ("Shares in Apple fell. Apple makes the iPhone.", ["Apple"]),  # not "Shares", "Phone"
        ("Putin's aides met Vladimir Putin. Putin left.", ["Vladimir Putin"]),  # 3 for one
        (
            "On Monday, President-elect Donald Trump called Dr Jane Roe.",
            ["Donald Trump", "Jane Roe"],
        ),
        ("The Russian army left Russia for the U.S. border.", ["Russia", "U.S."]),  # no "Russian"
        ("Critics of the plan met the board. Many stayed.", []),
    ],
)
def test_lead_actors_are_the_capitalised_names(text: str, names: list[str]) -> None:
    assert [a.name for a in lead_draft(text).actors] == names


def test_the_lead_of_a_synthetic_article() -> None:
    brief = synthetic()
    assert brief.title == "Lindholm buys cranes"
    assert brief.summary.startswith("Lindholm buys cranes The city of Lindholm will buy 12 cranes")
    assert brief.summary.endswith("announced on Monday.")
    # The first six sentences without a speaker; "said", a quote, "told" and "According to"
    # are passed over.
    assert [c.evidence[:24] for c in brief.claims] == [
        "Lindholm buys cranes",
        "The city of Lindholm wil",
        "Critics worry about the ",
        "The council approved the",
        "Lind's team drew up the ",
        "Nordic Cranes employs 40",
    ]
    assert all(c.text == c.evidence and c.attributed_to is None for c in brief.claims)
    # "Lind" (3 times) counts for "Ada Lind"; the title "Mayor" is dropped; "Monday", "May"
    # and sentence openers that are no names ("Critics", "Dockers", "According") are out.
    assert [(a.name, a.role) for a in brief.actors] == [
        ("Ada Lind", ""),
        ("Lindholm", ""),
        ("Omar Haddad", ""),
        ("Nordic Cranes", ""),
    ]
    # The prompt's order: counted things, money and % first, the bare "2" last; no ordinal.
    assert [(n.text, n.value, n.unit) for n in brief.numbers] == [
        ("12", 12, "cranes"),
        ("£40 million", 40_000_000, "GBP"),
        ("3", 3, "new berths"),
        ("9", 9, "votes"),
        ("400", 400, "people"),
        ("15%", 15, "%"),
        ("2", 2, None),
    ]
    assert brief.open_questions == []
    assert brief.meta.calls == 0 and brief.meta.usage.prompt_tokens == 0


def test_the_lead_of_the_seed_article_is_deterministic_and_valid() -> None:
    article = load_file(SEED)
    brief = lead_brief(article)
    assert lead_brief(article).model_dump() == brief.model_dump()  # deterministic
    assert Brief.model_validate_json(brief.model_dump_json()) == brief
    draft = lead_draft(article.text)  # within the contract's caps and lengths
    assert BriefDraft.model_validate(draft.model_dump()) == draft and draft.title == brief.title
    cited = CitedArticle(article.text)
    sentences = [s.text for s in cited.sentences]
    assert brief.title == sentences[0] and brief.summary == f"{sentences[0]} {sentences[1]}"
    assert len(brief.claims) == LEAD_CLAIMS
    speaker_free = [s for s in sentences if not has_speaker(s)]
    assert [c.evidence for c in brief.claims] == speaker_free[:LEAD_CLAIMS]
    # Numbers: the prompt's first ten listed ids, resolved as the pipeline resolves a model's.
    ids = cited.excerpt().listed_ids[:LEAD_NUMBERS]
    answer = CitedDraft(title="t", summary="s", actors=[], claims=[], numbers=ids, questions=[])
    expected = resolve(answer, cited).draft.numbers
    assert [n.model_dump(exclude={"grounded"}) for n in brief.numbers] == [
        n.model_dump() for n in expected
    ]
    assert len(brief.numbers) == LEAD_NUMBERS and all(n.grounded for n in brief.numbers)
    names = [a.name for a in brief.actors]
    assert len(names) == LEAD_ACTORS and names[0] == "Donald Trump"  # 6 "Trump" + 2 in full
    assert "Vladimir Putin" in names
    assert not {"Russian", "Ukrainian", "Almost", "President-elect Donald Trump"} & set(names)


def test_the_lead_scores_as_a_brief_with_the_existing_metrics() -> None:
    case = next(c for c in load_cases(default_gold_dir(), "seed-*"))
    scores = score_lead(load_file(SEED), case.brief)
    assert scores["schema_valid_rate"] == 1.0 and scores["evidence_grounding"] == 1.0
    assert scores["hallucinated_number_rate"] == 0.0  # the article's own quantities
    assert scores["question_coverage"] == 0.0  # the lead asks nothing
    assert 0.0 < (scores["numbers_f1"] or 0) < 1.0 and 0.0 < (scores["actors_f1"] or 0) < 1.0


# --- human agreement --------------------------------------------------------------------

ARTICLES = {
    "harbour": "Lindholm buys cranes\n\nThe Port of Lindholm will buy 12 cranes, Ada Lind said.\n",
    "meals": "Meals for pupils\n\nThe city gives free lunches to 3,500 more pupils.\n",
    "third": "A third story\n\nNothing happened on the third day.\n",
}


def brief(actors: list[str], numbers: list[tuple[float, str, str]]) -> dict[str, Any]:
    return {
        "title": "t",
        "summary": "s",
        "actors": [{"name": name, "role": "r"} for name in actors],
        "claims": [],
        "numbers": [
            {"value": v, "unit": u, "text": t, "context": f"{u} counted"} for v, u, t in numbers
        ],
        "open_questions": [],
    }


def write_gold(repo: Path, folder: str, briefs: dict[str, dict[str, Any]]) -> Path:
    gold = repo / "evals" / folder
    gold.mkdir(parents=True)
    for case_id, content in briefs.items():
        text = ARTICLES[case_id]
        (repo / "articles").mkdir(exist_ok=True)
        (repo / "articles" / f"{case_id}.txt").write_text(text, encoding="utf-8")
        case = {
            "id": case_id,
            "article": {"root": "repo", "source": f"articles/{case_id}.txt"},
            "article_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "topic": "local",
            "split": "test" if case_id == "meals" else "dev",
            "author": folder,
            "notes": "",
            "brief": content,
        }
        (gold / f"{case_id}.json").write_text(json.dumps(case), encoding="utf-8")
    return gold


@pytest.fixture
def two_golds(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "repo"
    meals = brief(["city"], [(3500, "pupils", "3,500")])
    gold_a = write_gold(
        repo,
        "gold",
        {
            "harbour": brief(["Ada Lind", "Port of Lindholm"], [(12, "cranes", "12")]),
            "meals": meals,
            "third": brief([], []),
        },
    )
    gold_b = write_gold(
        repo,
        "gold-second",
        {
            "harbour": brief(["Lind"], [(12, "cranes", "12")]),  # one of A's two actors
            "meals": meals,
        },
    )
    return gold_a, gold_b


def test_agreement_scores_one_gold_set_against_the_other(two_golds: tuple[Path, Path]) -> None:
    gold_a, gold_b = two_golds
    result = score_agreement(gold_a, gold_b)
    assert [c.id for c in result.cases] == ["harbour", "meals"]
    assert result.only_in_a == ["third"] and result.only_in_b == [] and result.skipped == {}
    assert result.case_counts == {"all": 2, "dev": 1, "test": 1}
    means = result.means["all"]
    assert means["actors_precision"] == 1.0
    assert means["actors_recall"] == pytest.approx((0.5 + 1) / 2)
    assert means["actors_f1"] == pytest.approx((2 / 3 + 1) / 2)
    assert means["numbers_f1"] == 1.0 and means["schema_valid_rate"] == 1.0
    assert means["claims_recall"] is None  # neither brief has claims: unscored
    assert result.means["dev"]["actors_f1"] == pytest.approx(2 / 3)
    # B as the gold: precision and recall swap, F1 stays.
    swapped = score_agreement(gold_b, gold_a).means["all"]
    assert swapped["actors_precision"] == pytest.approx(0.75) and swapped["actors_recall"] == 1.0
    assert swapped["actors_f1"] == pytest.approx(means["actors_f1"])
    table = agreement_markdown(result)
    assert "| actors_f1 ★ | 0.833 | 0.667 | 1.000 |" in table and "only in A: third" in table


def test_agreement_skips_a_case_whose_article_differs(two_golds: tuple[Path, Path]) -> None:
    gold_a, gold_b = two_golds
    path = gold_b / "meals.json"
    case = json.loads(path.read_text())
    case["article_sha256"] = "0" * 64
    path.write_text(json.dumps(case))
    result = score_agreement(gold_a, gold_b)
    assert [c.id for c in result.cases] == ["harbour"]
    assert "different articles" in result.skipped["meals"]
