from __future__ import annotations

import pytest

from briefer.grounding import ArticleIndex, ground, ground_number
from briefer.schema import BriefDraft, NumberDraft
from tests.briefs import SEED, seed_draft

SEED_TEXT = SEED.read_text()
INDEX = ArticleIndex(SEED_TEXT)


def number(value: float, unit: str | None, text: str, context: str) -> NumberDraft:
    return NumberDraft(value=value, unit=unit, text=text, context=context)


def test_number_in_the_right_context_is_grounded() -> None:
    assert ground_number(
        number(10000, "soldiers", "10,000", "North Korean soldiers in Russia"), INDEX
    ).grounded
    assert ground_number(
        number(700000, "soldiers", "700,000", "Russian soldiers killed or wounded"), INDEX
    ).grounded
    assert ground_number(
        number(70, "aircraft", "70", "aircraft the Russians say they destroyed"), INDEX
    ).grounded


def test_real_value_in_the_wrong_context_is_not_grounded() -> None:
    # 10,000 is in the article, but it counts North Korean soldiers, not aircraft.
    assert not ground_number(
        number(10000, "aircraft", "10,000", "aircraft destroyed"), INDEX
    ).grounded


def test_invented_value_is_not_grounded() -> None:
    assert not ground_number(number(3200, "tanks", "3,200", "tanks in Kursk"), INDEX).grounded


def test_scaled_wording_is_understood() -> None:
    grounded = ground_number(
        number(50, "men", "50 thousand", "assault force amassed by the Russians"), INDEX
    )
    assert grounded.value == 50000 and grounded.grounded


def test_evidence_matching_tolerates_quotes_case_and_spaces() -> None:
    draft = BriefDraft.model_validate(
        seed_draft(
            claims=[
                {
                    "text": "x",
                    "attributed_to": None,
                    "evidence": 'TRUMP advised the "tsar"   not to escalate',
                },
                {
                    "text": "y",
                    "attributed_to": None,
                    "evidence": "Trump promised to end the war in a day",
                },
                {
                    "text": "z",
                    "attributed_to": "Angela Merkel",
                    "evidence": "the signs are positive",
                },
            ]
        )
    )
    claims = ground(draft, SEED_TEXT).claims
    assert [c.grounded for c in claims] == [True, False, False]


def test_actor_names_with_titles_and_partial_names() -> None:
    draft = BriefDraft.model_validate(
        seed_draft(
            actors=[
                {"name": "President Volodymyr Zelensky", "role": "r"},
                {"name": "Peskov", "role": "r"},
                {"name": "Emmanuel Macron", "role": "r"},
            ]
        )
    )
    assert [a.grounded for a in ground(draft, SEED_TEXT).actors] == [True, True, False]


def test_counts_and_strict() -> None:
    draft = BriefDraft.model_validate(seed_draft(actors=[{"name": "Emmanuel Macron", "role": "r"}]))
    loose = ground(draft, SEED_TEXT)
    strict = ground(draft, SEED_TEXT, strict=True)
    assert loose.counts.ungrounded == 1 and len(loose.actors) == 1
    assert strict.actors == [] and strict.counts.dropped == 1


def test_repeated_items_from_one_answer_are_merged() -> None:
    from briefer.merge import merge_drafts

    claim = seed_draft()["claims"][0]
    number = seed_draft()["numbers"][0]
    draft = BriefDraft.model_validate(seed_draft(claims=[claim] * 5, numbers=[number] * 4))
    merged = merge_drafts([draft])
    assert len(merged.claims) == 1 and len(merged.numbers) == 1
    assert len(merged.actors) == 3


def test_citations_grounding_and_the_metrics_parse_the_article_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One index per article: each sentence's quantities are found once, whoever asks."""
    import briefer.article_index as article_index
    from briefer.citations import CitedArticle
    from briefer.evals.metrics import score_case

    text = SEED_TEXT + "\n\nA fresh line, so no other test's index is reused: 12 cranes."
    calls: list[str] = []
    real = article_index.find_quantities
    monkeypatch.setattr(article_index, "find_quantities", lambda s: calls.append(s) or real(s))
    cited = CitedArticle(text)
    assert cited.listed
    draft = BriefDraft.model_validate(seed_draft())
    ground(draft, text)
    score_case(draft, draft, text)
    assert len(calls) == len(cited.sentences)
    assert CitedArticle(text).index is cited.index
