"""Claim candidates ranked by salience (briefer.nlp.salience): each news cue moves a
sentence, furniture and repeats are left out, and the order is deterministic."""

from __future__ import annotations

import pytest

from briefer.article_index import index_of
from briefer.nlp.salience import claim_features, is_furniture, rank_claims

PLAIN = "The harbour board met in the town hall on a wet morning to talk about the docks."


def ranked_ids(text: str, **kwargs: object) -> list[int]:
    return [c.sentence for c in rank_claims(text, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sentence", "furniture"),
    [
        (PLAIN, False),
        ("Image copyright Getty Images of the harbour at dawn.", True),
        ("Read more about the harbour plans on our website today.", True),
        ("Scroll down for video of the cranes arriving at the port.", True),
        ("Jane Doe and Tom Roe contributed to this report from Lindholm.", True),
        ("Would you pay more tax for a bigger harbour in your town?", True),
        (  # a caption run into the text: the text is kept
            "Scroll down for video The harbour board met in the town hall on a wet morning to "
            "talk about the docks, the cranes, the ferries and the new berths that the city "
            "wants built before the summer season begins.",
            False,
        ),
        ("Harbour plans in numbers", True),  # a bare heading: few words, no full stop
        ("Cranes arrive.", True),  # a fragment
        ("The board said the cranes would arrive in the spring.", False),
    ],
)
def test_furniture(sentence: str, furniture: bool) -> None:
    assert is_furniture(sentence) is furniture


@pytest.mark.parametrize(
    ("sentence", "field", "expected"),
    [
        ("The mayor said the plan was ready for the harbour board.", "reported", True),
        ("According to the board, the plan was ready for a vote.", "reported", True),
        ("The plan was “ready” for the harbour board to vote on.", "reported", True),
        ("The plan was ready for the harbour board to vote on.", "reported", False),
        ("The board will spend £40m on the new harbour cranes.", "quantity", True),
        ("The board will buy 12 cranes for the new harbour.", "quantity", True),
        ("The board met for 3 hours to talk about the harbour.", "quantity", False),  # a duration
        ("The board met to talk about the harbour and the cranes.", "quantity", False),
        ("The board met Ada Lind and Omar Haddad at the harbour.", "actors", 2),
        ("The board met Ada Lind at the harbour.", "actors", 1),  # one name, two words
        ("The board met the harbour master at the harbour.", "actors", 0),
        ("'We need them, and soon,' she went on, looking at the cranes.", "reported", True),
        ("Dockers' pay will rise in May, the harbour board decided.", "reported", False),
    ],
)
def test_features(sentence: str, field: str, expected: object) -> None:
    assert getattr(claim_features(sentence), field) == expected


def test_actor_names_replace_the_capitalised_stand_in() -> None:
    sentence = "The board met Ada Lind and the Harbour Trust at the Docks."
    assert claim_features(sentence, ["Ada Lind"]).actors == 1
    assert claim_features(sentence, ["Omar Haddad"]).actors == 0


FILLER = "A crowd gathered on the quay to watch the grey sea roll in slowly."


@pytest.mark.parametrize(
    "cue",
    [
        "The board said it would spend the money on the harbour quay.",  # reported
        "The board will spend £40m on the harbour quay this year.",  # money
        "The harbour quay will be run by Ada Lind and Nordic Cranes.",  # named actors
    ],
)
def test_a_cue_lifts_a_later_sentence_over_an_earlier_plain_one(cue: str) -> None:
    text = f"{FILLER} {PLAIN} {cue}"
    ids = ranked_ids(text)
    assert ids.index(3) < ids.index(2)


def test_a_known_speaker_makes_a_sentence_reported() -> None:
    text = f"{FILLER} {PLAIN} The plan is ready for the harbour board to vote on soon."
    assert ranked_ids(text).index(3) > ranked_ids(text).index(2)
    with_speaker = ranked_ids(text, speakers={3: "Ada Lind"})
    assert with_speaker.index(3) < with_speaker.index(2)


@pytest.mark.parametrize("text", ["", "   ", "Image copyright Getty Images"])
def test_no_claim_sentences_no_candidates(text: str) -> None:
    assert rank_claims(text) == ()


def test_position_decides_between_equal_sentences() -> None:
    text = f"{PLAIN} {FILLER} The dockers went home early before the storm reached the quay."
    assert ranked_ids(text) == [1, 2, 3]


def test_a_near_duplicate_keeps_the_first() -> None:
    repeat = "On a wet morning the harbour board met in the town hall about the docks."
    text = f"{PLAIN} {FILLER} {repeat}"
    assert ranked_ids(text) == [1, 2]


def test_one_candidate_per_sentence_with_the_given_speaker() -> None:
    text = f"{PLAIN} Lind said the cranes would arrive in May at the harbour. {FILLER}"
    candidates = rank_claims(text, speakers={2: "Ada Lind"})
    assert sorted(c.sentence for c in candidates) == [1, 2, 3]
    assert {c.sentence: c.speaker for c in candidates} == {1: None, 2: "Ada Lind", 3: None}
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)


def test_ids_are_those_of_the_article_index() -> None:
    text = f"Image copyright Getty Images. {PLAIN} {FILLER}"
    ids = ranked_ids(text)
    sentences = index_of(text).sentences
    assert [sentences[i - 1].text for i in sorted(ids)] == [PLAIN, FILLER]


def test_deterministic() -> None:
    text = f"{PLAIN} {FILLER} The board said it would spend £40m on the quay."
    assert rank_claims(text) == rank_claims(text)
