"""Citations: sentence and number ids in the prompt, resolved back to the article's words."""

from __future__ import annotations

import pytest

from briefer.citations import MAX_LISTED, CitedArticle, evidence_span, resolve, whole_sentences
from briefer.errors import InputError
from briefer.merge import apply_selection
from briefer.schema import (
    MAX_CLAIMS,
    MAX_EVIDENCE_CHARS,
    MODEL_MAX_CLAIMS,
    ActorDraft,
    BriefDraft,
    CitedDraft,
    ClaimDraft,
    Selection,
    cited_json_schema,
    selection_json_schema,
)
from tests.briefs import (
    NUMBER_50_THOUSAND,
    NUMBER_145,
    NUMBER_10000,
    SEED,
    SENTENCE_PESKOV_POSITIVE,
    SENTENCE_TSAR_ADVICE,
    seed_answer,
)

STORY = (
    "The port will buy 12 cranes for £40 million, Ada Lind said. It was 2015.\n\n"
    "Lind said demand rose by 15%. Half a million people live nearby."
)


def cited(**fields: object) -> CitedDraft:
    base: dict[str, object] = {
        "title": "t",
        "summary": "s",
        "actors": [],
        "claims": [],
        "numbers": [],
        "questions": [],
    }
    return CitedDraft.model_validate({**base, **fields})


def test_the_seed_ids_the_test_answers_cite() -> None:
    article = CitedArticle(SEED.read_text(encoding="utf-8"))
    assert len(article.sentences) == 31 and len(article.listed) == 18
    assert article.sentences[SENTENCE_TSAR_ADVICE - 1].text.startswith("According to the newspaper")
    assert "the signs are positive" in article.sentences[SENTENCE_PESKOV_POSITIVE - 1].text
    listed = {n.id: (n.quantity.text, n.sentence) for n in article.listed}
    assert listed[NUMBER_50_THOUSAND] == ("50 thousand", 18)
    assert listed[NUMBER_10000] == ("10,000", 23)
    assert listed[NUMBER_145] == ("145", 25)


def test_sentences_are_numbered_spans_and_years_are_not_listed() -> None:
    article = CitedArticle(STORY)
    assert [s.id for s in article.sentences] == [1, 2, 3, 4]
    for sentence in article.sentences:
        assert STORY[sentence.start : sentence.end] == sentence.text
    assert [(n.id, n.quantity.text, n.sentence) for n in article.listed] == [
        (1, "12", 1),
        (2, "£40 million", 1),
        (3, "15%", 3),
        (4, "Half a million", 4),
    ]  # "2015" is a year: not a number that matters
    assert article.listed[0].phrase == "12 cranes for"
    assert [(n.unit, n.tier) for n in article.listed] == [
        ("cranes", 0),
        ("GBP", 0),
        ("%", 0),
        ("people", 0),
    ]


def test_an_excerpt_keeps_global_ids_and_clips_to_the_chunk() -> None:
    article = CitedArticle(STORY)
    start = STORY.index("demand")
    excerpt = article.excerpt(start, len(STORY))
    assert excerpt.sentence_ids == [3, 4]
    assert excerpt.sentences[0].text == "demand rose by 15%."  # clipped to the chunk
    assert excerpt.listed_ids == [3, 4]


def test_a_prompt_lists_at_most_max_listed_numbers() -> None:
    text = " ".join(f"Team {i} scored {i + 10} goals." for i in range(1, 60))
    excerpt = CitedArticle(text).excerpt()
    assert len(excerpt.listed) == MAX_LISTED
    assert excerpt.listed[0].quantity.text == "1"


def test_resolution_fills_in_evidence_values_and_wording_from_the_article() -> None:
    article = CitedArticle(STORY)
    resolution = resolve(
        cited(
            actors=[{"name": "Ada Lind", "role": "harbour master"}],
            claims=[{"text": "The port buys cranes.", "by": "Ada Lind", "sentence": 1}],
            numbers=[1, 2, 4, 1],  # the same quantity twice counts once
            questions=["Who pays?"],
        ),
        article,
    )
    draft = resolution.draft
    assert resolution.invalid_citations == 0
    assert draft.claims == [
        ClaimDraft(
            text="The port buys cranes.",
            attributed_to="Ada Lind",
            evidence="The port will buy 12 cranes for £40 million, Ada Lind said.",
        )
    ]
    assert [(n.value, n.unit, n.text, n.context) for n in draft.numbers] == [
        (12.0, "cranes", "12", "The port will buy 12 cranes for £40 million"),
        (40_000_000.0, "GBP", "£40 million", "The port will buy 12 cranes for £40 million"),
        (500_000.0, "people", "Half a million", "Half a million people live nearby"),
    ]
    assert draft.actors == [ActorDraft(name="Ada Lind", role="harbour master")]
    assert draft.open_questions == ["Who pays?"]


def test_ids_the_article_lacks_are_flagged_never_a_crash() -> None:
    resolution = resolve(
        cited(
            claims=[{"text": "Made up.", "by": None, "sentence": 99}],
            numbers=[0, 3],
        ),
        CitedArticle(STORY),
    )
    assert resolution.invalid_citations == 2
    assert resolution.draft.claims[0].evidence == ""  # grounding marks it unverified
    assert [n.text for n in resolution.draft.numbers] == ["15%"]


def test_long_sentences_give_evidence_cut_at_a_word_that_is_still_a_span() -> None:
    sentence = "word " * 100 + "end."
    evidence = evidence_span(sentence)
    assert len(evidence) <= MAX_EVIDENCE_CHARS and sentence.startswith(evidence)
    assert evidence.endswith("word")
    assert evidence_span("Short.") == "Short."


def test_the_schema_limits_ids_to_those_the_prompt_lists() -> None:
    schema = cited_json_schema([1, 2, 3], [5, 6])
    definitions = schema["$defs"]
    assert definitions["CitedClaim"]["properties"]["sentence"]["enum"] == [1, 2, 3]
    assert schema["properties"]["numbers"]["items"]["enum"] == [5, 6]
    assert (
        schema["properties"]["claims"]["maxItems"] == MODEL_MAX_CLAIMS
    )  # per prompt; merging allows MAX_CLAIMS
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {
        "title",
        "summary",
        "actors",
        "claims",
        "numbers",
        "questions",
    }
    assert schema["properties"]["claims"]["minItems"] == 3
    assert cited_json_schema([1, 2], [])["properties"]["claims"]["minItems"] == 2
    bare = cited_json_schema([], [])
    assert bare["properties"]["numbers"]["maxItems"] == 0
    assert bare["properties"]["claims"]["maxItems"] == 0
    assert "enum" not in bare["properties"]["numbers"]["items"]


def test_the_seed_answer_is_a_valid_cited_draft() -> None:
    CitedDraft.model_validate(seed_answer())
    with pytest.raises(ValueError):
        CitedDraft.model_validate(seed_answer(summary="x" * 301))  # bounded strings


def merged_draft(claims: int) -> BriefDraft:
    return BriefDraft.model_construct(
        title="Merged",
        summary="s",
        actors=[ActorDraft(name="Ada Lind", role="mayor")],
        claims=[
            ClaimDraft(text=f"claim {i}", attributed_to=None, evidence=f"e{i}")
            for i in range(1, claims + 1)
        ],
        numbers=[],
        open_questions=[],
    )


def test_condensing_keeps_the_chosen_items_of_lists_over_their_caps() -> None:
    merged = merged_draft(12)
    schema = selection_json_schema({"actors": 1, "claims": 12, "numbers": 0, "questions": 0})
    assert schema["properties"]["actors"]["maxItems"] == 0  # within its cap: kept whole
    assert schema["properties"]["claims"]["items"]["enum"] == list(range(1, 13))
    selection = Selection(
        title="Whole story",
        summary="All of it.",
        actors=[],
        claims=[12, 3, 3, 40, 1],
        numbers=[],
        questions=[],
    )
    condensed, invalid = apply_selection(merged, selection)
    assert [c.text for c in condensed.claims] == ["claim 12", "claim 3", "claim 1"]
    assert invalid == 1
    assert condensed.title == "Whole story" and condensed.actors == merged.actors
    nothing = Selection(title="t", summary="s", actors=[], claims=[], numbers=[], questions=[])
    fallback, _ = apply_selection(merged, nothing)
    assert [c.text for c in fallback.claims] == [f"claim {i}" for i in range(1, MAX_CLAIMS + 1)]


def test_units_and_contexts_come_from_the_article_and_durations_are_listed_last() -> None:
    text = (
        "Over 24 hours, rebels fired 145 drones, mostly Iranian. London says 700,000 Kremlin "
        "soldiers were lost; another 67 are missing. He spoke to 70 world leaders after the vote. "
        "The 323-page report took two years, officials said."
    )
    listed = {n.quantity.text: n for n in CitedArticle(text).listed}
    assert {t: n.unit for t, n in listed.items()} == {
        "24": "hours",
        "145": "drones",
        "700,000": "Kremlin soldiers",
        "67": None,
        "70": "world leaders",
        "323": "page",
        "two": "years",
    }
    assert listed["145"].context == "rebels fired 145 drones"
    assert listed["700,000"].context == "London says 700,000 Kremlin soldiers were lost"
    assert listed["67"].context == "another 67 are missing"
    order = [n.quantity.text for n in CitedArticle(text).excerpt().listed]
    assert order == ["145", "700,000", "70", "323", "67", "24", "two"]


def test_a_long_clause_gives_a_context_window_around_the_number() -> None:
    text = "The council " + "really " * 40 + "approved 12 cranes " + "quite " * 40 + "today."
    (listed,) = CitedArticle(text).listed
    assert "approved 12 cranes" in listed.context and len(listed.context) <= 160
    assert listed.context in text


def test_a_summary_cut_by_its_length_bound_keeps_its_whole_sentences() -> None:
    assert (
        whole_sentences("Trump called Putin. The call was last Thursday,") == "Trump called Putin."
    )
    assert whole_sentences("One sentence, cut off") == "One sentence, cut off"  # nothing whole
    assert whole_sentences("Done. Also done!") == "Done. Also done!"


def test_a_japanese_sentence_gives_numbers_a_short_label_and_a_context_around_them() -> None:
    text = (
        "海上保安庁は"
        + "長時間にわたる捜索の結果" * 12
        + "、乗客１２３人は全員救助された"
        + "と発表し" * 20
        + "た。次の文。"
    )
    article = CitedArticle(text)
    assert [s.text for s in article.sentences][1:] == ["次の文。"]
    (listed,) = article.listed
    assert (listed.quantity.value, listed.quantity.text) == (123, "１２３")
    assert listed.label == "１２３人は全員救助され"  # two "words" of at most 4 characters each
    assert "１２３人は全員救助された" in listed.context and len(listed.context) <= 160
    assert listed.context in text


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("བོད་ཀྱི་གསར་འགྱུར་ ༣༤༥ ། " * 60, "Tibetan"),  # one 1,560-character sentence
        ("the council met and voted and " * 60, None),  # Latin: briefed as it is
        ("東京で地震があった。" * 200, None),
        ("བོད་ཀྱི་གསར་འགྱུར་", None),  # short: one sentence is plausible
    ],
)
def test_an_article_whose_sentences_cannot_be_found_is_refused_by_script(
    text: str, refused: str | None
) -> None:
    article = CitedArticle(text)
    if refused is None:
        article.require_sentences("a.txt")
        return
    with pytest.raises(InputError, match=rf"^a\.txt: {refused} text is not supported"):
        article.require_sentences("a.txt")


@pytest.mark.parametrize(
    ("text", "label", "unit"),
    [
        # a scale glued to the digits is part of the number, not what it counts
        ("The fund holds 5mln people's savings.", "5mln people's", "people's"),
        ("Officials counted 5mln people.", "5mln people", "people"),
        ("They stored 2bln litres.", "2bln litres", "litres"),
        ("It fell by 3 centuries.", "3 centuries", "centuries"),
        # a unit written with the digits is shown once, as written
        ("She ran 21km on Sunday.", "21km", "km"),
        ("A 40FT boat sank.", "40FT", "FT"),
        ("Demand rose by 15%.", "15%", "%"),
        ("Demand rose by 3 per cent.", "3 per cent %", "%"),
        ("The scheme costs $2.5m a year.", "$2.5m USD", "USD"),
        ("She ran 21 km on Sunday.", "21 km", "km"),
    ],
)
def test_the_prompt_says_what_a_number_counts_as_the_quantity_parser_does(
    text: str, label: str, unit: str
) -> None:
    (listed,) = CitedArticle(text).listed
    assert (listed.label, listed.unit) == (label, unit)
    assert listed.unit == listed.quantity.counts  # one answer, computed once


def test_a_duration_in_an_irregular_plural_is_listed_last() -> None:
    order = [
        n.quantity.text for n in CitedArticle("It took 3 centuries and 40 ships.").excerpt().listed
    ]
    assert order == ["40", "3"]
