"""The shared text vocabulary (briefer.vocabulary): one answer per word, whichever stage asks."""

from __future__ import annotations

import pytest

from briefer.evals.faithfulness import content_terms
from briefer.evals.metrics import text_tokens
from briefer.quantities import find_quantities, normalize_unit
from briefer.vocabulary import (
    CORE_STOPWORDS,
    NOT_COUNTED,
    STOPWORDS,
    bare_words,
    content_words,
    fold_text,
    looks_plural,
    singular,
    stem,
)


@pytest.mark.parametrize(
    ("word", "one"),
    [
        ("soldiers", "soldier"),
        ("species", "species"),
        ("series", "series"),
        ("policies", "policy"),
        ("houses", "house"),
        ("boxes", "box"),
        ("men", "man"),
        ("specimen", "specimen"),
        ("bus", "bus"),
        ("crisis", "crisis"),
        ("People", "people"),
    ],
)
def test_singular(word: str, one: str) -> None:
    assert singular(word) == one


@pytest.mark.parametrize("word", ["species", "soldiers", "policies", "houses"])
def test_every_stage_reads_a_noun_the_same_way(word: str) -> None:
    """Units, grounding's topics, ROUGE tokens and faithfulness terms: one form per noun."""
    one = singular(word)
    assert normalize_unit(word) == one
    assert content_words(f"the {word}") == {one}
    assert text_tokens(f"the {word}") == [one]
    (quantity,) = find_quantities(f"12 {word}")
    assert quantity.unit == one
    assert content_terms([word]) == [stem(word)]


def test_stem_conflates_verb_forms_but_keeps_invariant_nouns() -> None:
    assert {stem(w) for w in ("tumbled", "tumbles", "tumbling")} == {"tumbl"}
    assert stem("species") == "species"


@pytest.mark.parametrize(
    ("word", "plural"),
    [("soldiers", True), ("people", True), ("children", True), ("news", False), ("bus", False)],
)
def test_looks_plural(word: str, plural: bool) -> None:
    assert looks_plural(word) is plural


def test_two_normalisations_two_names() -> None:
    text = "“Port’s” VOTE—for  the crane!"
    assert fold_text(text) == '"port\'s" vote-for the crane!'  # a span stays a span
    assert bare_words(text) == "port s vote for the crane"  # words only


def test_what_a_number_cannot_count() -> None:
    assert CORE_STOPWORDS < STOPWORDS < NOT_COUNTED
    assert {"said", "today", "ago", "of", "behind"} <= NOT_COUNTED
    assert "soldiers" not in NOT_COUNTED
