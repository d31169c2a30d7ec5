"""Title and summary checked like every other field: the checker, the re-ask, the fallback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from briefer.articles import make_article
from briefer.backends.fake import FakeBackend
from briefer.config import load_settings
from briefer.evals.dataset import ArticleResolver, checkout_root, default_gold_dir, load_cases
from briefer.headline import check_headline, lead_headline
from briefer.pipeline import Briefer
from briefer.prompts import OPTIONAL_TEMPLATE_NAMES, default_prompts_dir, load_prompts
from briefer.schema import Brief

ARTICLE = (
    "Mayor Ana Ruiz said the bridge over the Tamar will cost 12 million dollars. "
    "The council voted 7 to 2 on Tuesday. "
    "US President-elect Donald Trump sent a letter of support, Ruiz said. "
    "Ukraine's President Volodymyr Zelensky also wrote, and Syrian officials visited. "
    "Three engineers from Lindholm and one from the United Nations will check the plans, "
    "and fees will rise by 4%."
)


@pytest.mark.parametrize(
    ("title", "summary", "found"),
    [
        # supported: names as the article gives them, titles dropped, possessives, acronyms
        ("Mayor Ruiz backs a bridge", "Ana Ruiz's bridge will cost 12 million dollars.", []),
        ("The council backs a bridge", "The UN and the U.S. back the plan of the council.", []),
        ("Bridge approved 7 to 2", "Four engineers will check it; fees rise by 4 per cent.", []),
        ("Syria watches the Tamar bridge", "Damascus sent officials, Ruiz said.", []),
        ("Council Backs Costly Bridge Over The Tamar", "The council voted on Tuesday.", []),
        ("Bridge vote", "US President-elect Donald Trump backs the bridge.", []),
        ("Bridge vote", "Donald Trump, the US president-elect, wrote.", []),
        # a name the article does not have: in the title, the summary, a Title-Case title
        ("Mayor Ana Lopez backs a bridge", "The council voted.", [("title", "name", "Ana Lopez")]),
        ("Bridge vote", "Governor Jake Smith opposed it.", [("summary", "name", "Jake Smith")]),
        ("Kowalczyk Slams Costly Bridge", "The council voted.", [("title", "name", "Kowalczyk")]),
        ("Bridge vote", "The EU paid for it.", [("summary", "name", "EU")]),
        # a number the article does not state, or states as another kind
        (
            "Bridge will cost 15 million dollars",
            "It passed.",
            [("title", "number", "15 million dollars")],
        ),
        ("Bridge vote", "Fees rise by 7%.", [("summary", "number", "7%")]),
        ("Bridge vote", "It costs £12 million.", [("summary", "number", "£12 million")]),
        # a role the article gives someone else, or never gives the name
        (
            "Bridge vote",
            "Ukraine's President-elect Donald Trump backs the bridge.",
            [("summary", "role", "Ukraine's President-elect Donald Trump")],
        ),
        (
            "Bridge vote",
            "Ukraine's President Donald Trump wrote.",
            [("summary", "role", "Ukraine's President Donald Trump")],
        ),
        # a title given to the wrong body, with no name after it (the 1.5B model's headline)
        (
            "Ukraine's President-elect backs the bridge",
            "The council voted 7 to 2.",
            [("title", "role", "Ukraine's President-elect")],
        ),
        ("Bridge vote", "Ukraine's President wrote.", []),  # the article says so
        # not checked: a title without a qualifier, an ordinal
        ("Bridge vote", "President Trump wrote first.", []),
    ],
)
def test_check_headline(title: str, summary: str, found: list[tuple[str, str, str]]) -> None:
    problems = check_headline(title, summary, ARTICLE)
    assert [(p.field, p.kind, p.text) for p in problems] == found


def test_a_problem_says_what_the_article_lacks() -> None:
    (problem,) = check_headline("Bridge vote", "Mayor Ana Lopez voted.", ARTICLE)
    assert problem.message == "names 'Ana Lopez', which the article does not mention"


def test_the_lead_headline_is_the_first_sentence_and_the_first_two() -> None:
    title, summary = lead_headline(ARTICLE, title_chars=40)
    assert title == "Mayor Ana Ruiz said the bridge over the"
    assert summary.startswith("Mayor Ana Ruiz said") and summary.endswith("on Tuesday.")
    assert check_headline(*lead_headline(ARTICLE), ARTICLE) == []


def test_no_gold_title_or_summary_is_flagged() -> None:
    """The 21 gold briefs' titles and summaries, written by people, are all supported."""
    corpus = Path("/work/shared/data")
    if not (corpus / "frank" / "articles.jsonl").is_file():
        pytest.skip("the FRANK corpus is not here")
    resolver = ArticleResolver(repo_root=checkout_root(), corpus_root=corpus)
    flagged = {}
    for case in load_cases(default_gold_dir()):
        article = resolver.resolve(case).article
        assert article is not None, case.id
        problems = check_headline(case.brief.title, case.brief.summary, article.text)
        if problems:
            flagged[case.id] = [p.message for p in problems]
    assert flagged == {}


# --- the pipeline: re-ask once, then the lead ---------------------------------------------

PIPELINE_ARTICLE = (
    "Mayor Ana Ruiz said the bridge will cost 12 million dollars. "
    "The council voted 7 to 2 on Tuesday."
)


def answer(title: str, summary: str) -> str:
    return json.dumps(
        {
            "title": title,
            "summary": summary,
            "actors": [{"name": "Ana Ruiz", "role": "mayor"}],
            "claims": [{"text": "The bridge will cost $12m.", "by": "Ana Ruiz", "sentence": 1}],
            "numbers": [1],
            "questions": [],
        }
    )


def headline(title: str, summary: str) -> str:
    return json.dumps({"title": title, "summary": summary})


def brief_with(*answers: str, prompts: Path | None = None) -> tuple[Brief, FakeBackend]:
    fake = FakeBackend().enqueue(*answers)
    flags: dict[str, Any] = {"backend": "openai", "cache": False}
    if prompts is not None:
        flags["prompts_dir"] = prompts
    settings = load_settings(flags)
    brief = Briefer(settings, backend=fake).brief(make_article(PIPELINE_ARTICLE, label="bridge"))
    return brief, fake


def test_a_supported_headline_costs_no_call() -> None:
    brief, fake = brief_with(answer("Mayor Ruiz backs a bridge", "The council voted 7 to 2."))
    checks = brief.meta.headline_checks
    assert checks is not None and (checks.title, checks.summary) == ("ok", "ok")
    assert checks.problems == [] and len(fake.history) == 1 and brief.meta.calls == 1


def test_a_wrong_name_is_re_asked_and_the_fix_is_kept() -> None:
    brief, fake = brief_with(
        answer("Mayor Ana Lopez backs a bridge", "The council voted 7 to 2."),
        headline("Mayor Ana Ruiz backs a bridge", "The council voted for the bridge."),
    )
    assert brief.title == "Mayor Ana Ruiz backs a bridge"
    assert brief.summary == "The council voted 7 to 2."  # it passed: kept as first written
    checks = brief.meta.headline_checks
    assert checks is not None and (checks.title, checks.summary) == ("reasked", "ok")
    assert [(p.field, p.text) for p in checks.problems] == [("title", "Ana Lopez")]
    assert checks.reask_problems == [] and brief.meta.calls == 2
    reask = fake.history[1]
    assert reask.schema_name == "headline" and set(reask.json_schema["properties"]) == {
        "title",
        "summary",
    }
    user = reask.messages[-1][1]
    assert "Problem: the title names 'Ana Lopez', which the article does not mention." in user
    assert "The bridge will cost $12m. (by Mayor Ana Ruiz)" in user  # written from the claims


def test_still_wrong_after_the_re_ask_the_lead_stands_in_and_meta_says_so() -> None:
    brief, _ = brief_with(
        answer("Bridge vote", "Governor Jake Smith said it costs 15 million dollars."),
        headline("Bridge vote", "Governor Jake Smith backs it."),
    )
    assert brief.title == "Bridge vote"
    assert brief.summary == PIPELINE_ARTICLE
    checks = brief.meta.headline_checks
    assert checks is not None and (checks.title, checks.summary) == ("ok", "replaced")
    assert [(p.kind, p.text) for p in checks.problems] == [
        ("name", "Jake Smith"),
        ("number", "15 million dollars"),
    ]
    assert [p.text for p in checks.reask_problems] == ["Jake Smith"]
    dumped = brief.model_dump(mode="json")["meta"]["headline_checks"]
    assert dumped["summary"] == "replaced" and dumped["reask_problems"][0]["field"] == "summary"


def test_a_failed_re_ask_falls_back_to_the_lead() -> None:
    brief, fake = brief_with(
        answer("Mayor Ana Lopez backs a bridge", "The council voted."),
        *["not json"] * 3,  # the re-ask and its two validation re-asks
    )
    assert brief.title == "Mayor Ana Ruiz said the bridge will cost 12 million dollars."
    checks = brief.meta.headline_checks
    assert checks is not None and checks.title == "replaced" and len(fake.history) == 4


def test_a_prompt_set_without_headline_templates_uses_the_built_in_ones(tmp_path: Path) -> None:
    other = tmp_path / "prompts"
    shutil.copytree(default_prompts_dir(), other)
    for name in OPTIONAL_TEMPLATE_NAMES:
        (other / name).unlink()
    assert load_prompts(other).hash == load_prompts(default_prompts_dir()).hash
    brief, fake = brief_with(
        answer("Mayor Ana Lopez backs a bridge", "The council voted."),
        headline("Mayor Ana Ruiz backs a bridge", "The council voted."),
        prompts=other,
    )
    checks = brief.meta.headline_checks
    assert checks is not None and checks.title == "reasked"
    assert "<brief>" in fake.history[1].messages[-1][1]
