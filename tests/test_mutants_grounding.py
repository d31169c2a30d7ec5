"""Grounding, pinned where mutation testing found it loose (docs/testing.md).

Tables of small articles: which number is grounded by kind (percent, money, a count) and
by what the sentence is about, which name is mentioned, what content words a text has,
and the counts and lists ``ground`` returns, strict or not.
"""

from __future__ import annotations

import pytest

from briefer.grounding import ArticleIndex, ground, ground_number
from briefer.schema import ActorDraft, BriefDraft, ClaimDraft, GroundingCounts, NumberDraft
from briefer.vocabulary import content_words


def number(value: float, unit: str | None, text: str, context: str) -> NumberDraft:
    return NumberDraft(value=value, unit=unit, text=text, context=context)


@pytest.mark.parametrize(
    ("article", "draft", "grounded"),
    [
        # a percent is grounded by its value and kind alone, whatever the context says
        ("Sales rose 12% in May.", number(12, "%", "12%", "growth"), True),
        ("The port bought 12 cranes.", number(12, "%", "12%", "cranes"), False),  # not a percent
        # money: the currency must be the one the article states
        ("The plan costs £40 million.", number(40e6, "GBP", "£40m", "price"), True),
        ("The plan costs £40 million.", number(40e6, "USD", "$40m", "price"), False),
        # a count is not grounded by a percent or a sum of the same value ...
        ("Crane sales rose 12% this year.", number(12, "cranes", "12", "crane sales"), False),
        ("The cranes cost £12 each.", number(12, "cranes", "12", "cranes"), False),
        # ... but a number without a unit may be any kind, about the same thing
        ("Crane sales rose 12% this year.", number(12, None, "12", "crane sales"), True),
        # the unit counts as what the number is about
        ("The port bought 12 cranes.", number(12, "cranes", "12", "purchase made"), True),
        ("The port bought 12 cranes.", number(12, "jobs", "12", "purchase made"), False),
        # a cited number's context is the article's own clause, even one of function words
        ("There would be 12 of them.", number(12, None, "12", "there would be 12 of them"), True),
        ("There would be 12 of them.", number(12, None, "12", "there would be 12 of us"), False),
        ("There were 12. Then 12 of them.", number(12, None, "12", "then 12 of them"), True),
        ("There were 7. Then 12 of them.", number(7, None, "7", "then 12 of them"), False),
    ],
)
def test_a_number_is_grounded_by_kind_and_subject(
    article: str, draft: NumberDraft, grounded: bool
) -> None:
    assert ground_number(draft, ArticleIndex(article)).grounded is grounded


def test_wording_the_article_has_but_no_value_can_be_read_from_keeps_the_models_value() -> None:
    found = ground_number(
        number(24, "protesters", "dozens", "protesters"),
        ArticleIndex("Police met dozens of protesters."),
    )
    assert found.value == 24 and found.text == "dozens"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("companies", {"company"}),
        ("boxes", {"box"}),
        ("cats", {"cat"}),  # the shortest word that loses its "s"
        ("bus", {"bus"}),  # too short to lose it
        ("workers'", {"worker"}),
    ],
)
def test_content_words_stem_plurals(text: str, words: set[str]) -> None:
    assert content_words(text) == words


@pytest.mark.parametrize(
    ("name", "article", "mentioned"),
    [
        ("Mr Ada Lind", "Ada Lind said so.", True),  # titles are not part of the name
        ("Mr Ada Lind", "Ada Brown said so.", False),
        ("Ada Lind", "Ada said Lind's plan works.", True),  # only the possessive form
        ("Tom Jones", "Tom said Jones would sing.", True),  # a name that ends in s
        ("Smiths", "Smith played on.", True),  # a plural of a name the article has
    ],
)
def test_names_are_mentioned_by_their_words(name: str, article: str, mentioned: bool) -> None:
    assert ArticleIndex(article).mentions_name(name) is mentioned


def test_evidence_is_a_span_with_quotes_and_a_full_stop_around_it() -> None:
    index = ArticleIndex('Lind said "the harbour cannot grow without them" on Monday.')
    assert index.contains_span('"The harbour cannot grow without them."')
    assert not index.contains_span('"The harbour can grow."')


ARTICLE = "Ada Lind runs the port. The port bought 12 cranes. Lind said the cranes were cheap."
DRAFT = BriefDraft(
    title="t",
    summary="s",
    open_questions=[],
    actors=[
        ActorDraft(name="Ada Lind", role="harbour master"),
        ActorDraft(name="Omar Haddad", role="critic"),
    ],
    claims=[
        ClaimDraft(text="c1", attributed_to="Ada Lind", evidence="the cranes were cheap"),
        ClaimDraft(text="c2", attributed_to=None, evidence="the cranes were free"),
    ],
    numbers=[
        number(12, "cranes", "12", "cranes the port bought"),
        number(40, "cranes", "40", "cranes ordered"),
    ],
)


def test_ground_marks_every_item_and_counts_them() -> None:
    loose = ground(DRAFT, ARTICLE)
    assert [a.grounded for a in loose.actors] == [True, False]
    assert [c.grounded for c in loose.claims] == [True, False]
    assert [(n.value, n.grounded) for n in loose.numbers] == [(12, True), (40, False)]
    assert loose.counts == GroundingCounts(grounded=3, ungrounded=3, dropped=0)


def test_strict_grounding_keeps_only_the_grounded_items_and_counts_the_dropped() -> None:
    strict = ground(DRAFT, ARTICLE, strict=True)
    assert [a.name for a in strict.actors] == ["Ada Lind"]
    assert [c.text for c in strict.claims] == ["c1"]
    assert [n.value for n in strict.numbers] == [12]
    assert strict.counts == GroundingCounts(grounded=3, ungrounded=0, dropped=3)


def test_the_grounded_brief_keeps_the_drafts_words_and_the_checked_items() -> None:
    from briefer.schema import ArticleRef, BriefMeta

    article = "Mayor Ana Ruiz said the port bought 12 cranes."
    draft = BriefDraft(
        title="Port buys cranes",
        summary="The port bought cranes.",
        actors=[ActorDraft(name="Ana Ruiz", role="mayor"), ActorDraft(name="Tom Berg", role="x")],
        claims=[
            ClaimDraft(
                text="The port bought cranes.",
                attributed_to="Ana Ruiz",
                evidence="the port bought 12 cranes",
            )
        ],
        numbers=[number(12, "cranes", "12", "cranes the port bought")],
        open_questions=["Who pays?"],
    )
    ref = ArticleRef(id="a1", title="Cranes")
    meta = BriefMeta(model="m", backend="fake", prompt_version="8", prompt_hash="h")
    items = ground(draft, article, strict=True)
    brief = items.brief(draft, ref, meta)
    assert (brief.title, brief.summary, brief.open_questions) == (
        "Port buys cranes",
        "The port bought cranes.",
        ["Who pays?"],
    )
    assert [a.name for a in brief.actors] == ["Ana Ruiz"]  # Tom Berg is not in the article
    assert [c.text for c in brief.claims] == ["The port bought cranes."]
    assert [n.value for n in brief.numbers] == [12]
    assert brief.article == ref and brief.meta == meta


def test_a_number_is_grounded_by_its_own_sentence_and_the_one_before_not_an_earlier_one() -> None:
    index = ArticleIndex("Ships came. Nothing else happened today. The port bought 12 cranes.")
    assert ground_number(number(12, "cranes", "12", "cranes bought"), index).grounded
    assert not ground_number(number(12, "ships", "12", "ships"), index).grounded


def test_each_quantitys_span_is_its_place_in_the_whole_article() -> None:
    text = "The port opened. It bought 12 cranes and 3 ships."
    found = [located.quantity for located in ArticleIndex(text).quantities]
    assert [(q.text, text[q.start : q.end]) for q in found] == [("12", "12"), ("3", "3")]
