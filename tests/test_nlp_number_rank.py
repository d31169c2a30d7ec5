"""Listed quantities ranked by informativeness (briefer.nlp.number_rank): amounts of a named
thing first, labels, ages, years, durations and bare numbers last, a repeat once."""

from __future__ import annotations

import pytest

from briefer.citations import CitedArticle
from briefer.nlp.number_rank import BARE, INFORMATIVE, LAST, WORDED, number_tier, rank_numbers

LEAD = "The board met on the quay in the morning."


def ranked_labels(text: str) -> list[str]:
    cited = CitedArticle(text)
    return [cited.listed[i - 1].quantity.text for i in rank_numbers(cited)]


@pytest.mark.parametrize(
    ("sentence", "number", "tier"),
    [
        ("The board will spend £40m on the quay.", "£40m", INFORMATIVE),
        ("Traffic grew by 15% at the quay.", "15%", INFORMATIVE),
        ("The board will buy 12 cranes for the quay.", "12", INFORMATIVE),
        ("The board met two leaders on the quay.", "two", WORDED),
        ("The crane lifted 62 before the storm.", "62", BARE),
        ("The board talked for 3 hours on the quay.", "3", LAST),
        ("Dockers with type 2 diabetes get more breaks.", "2", LAST),
        ("The notice on the quay was printed in 14 pt letters.", "14", LAST),
        ("The notice on the quay was printed in font size 14.", "14", LAST),
        ("A 24-year-old docker was hurt on the quay.", "24", LAST),
        ("The docker, aged 35, was hurt on the quay.", "35", LAST),
        ("Ship 59 left the quay before the storm.", "59", INFORMATIVE),
        ("The ship Progress 59 left the quay.", "59", LAST),
    ],
)
def test_tier(sentence: str, number: str, tier: int) -> None:
    cited = CitedArticle(f"{LEAD} {sentence}")
    listed = next(n for n in cited.listed if n.quantity.text == number)
    assert number_tier(cited, listed) == tier


def test_a_list_marker_opening_a_sentence_goes_last() -> None:
    cited = CitedArticle(f"{LEAD}\n3. Cranes go to the north quay.\nThe board has 9 cranes.")
    assert [cited.listed[i - 1].quantity.text for i in rank_numbers(cited)] == ["9", "3"]


def test_four_short_sentences_with_counts_of_other_things_are_no_table() -> None:
    text = "The board has 5 cranes. It hired 30 dockers. It has two ships. It owns 9 berths."
    assert ranked_labels(text) == ["5", "30", "9", "two"]


def test_informative_first_then_reading_order() -> None:
    text = (
        "The board talked for 3 hours. The crane lifted 62 before the storm. "
        "The board will buy 12 cranes. It will spend £40m on them."
    )
    assert ranked_labels(text) == ["12", "£40m", "62", "3"]


def test_a_repeated_quantity_is_ranked_once_at_its_first_mention() -> None:
    text = "The board will buy 12 cranes. Dockers cheered. The 12 cranes arrive in May."
    cited = CitedArticle(text)
    assert rank_numbers(cited) == (1,)


@pytest.mark.parametrize(
    ("text", "ranked"),
    [
        ("The port hired 1,200 dockers. Dockers cheered. The 1,200 were all new.", (1,)),
        ("The talks took six hours. Dockers cheered. The six were all new.", (2, 1)),
    ],
)
def test_a_big_bare_number_repeating_a_value_is_a_repeat(
    text: str, ranked: tuple[int, ...]
) -> None:
    assert rank_numbers(CitedArticle(text)) == ranked


def test_the_same_value_of_another_unit_is_kept() -> None:
    text = "The board will buy 12 cranes. It will also hire 12 dockers."
    assert ranked_labels(text) == ["12", "12"]


def test_a_table_keeps_its_first_row_only_in_front() -> None:
    names = ["Alfa", "Bravo", "Charlie", "Delta"]
    rows = "\n".join(f"Crane {name} (Lindholm) 1:3{i}.5" for i, name in enumerate(names, start=1))
    text = f"The board will buy 12 cranes.\n{rows}\nThe board will spend £40m."
    cited = CitedArticle(text)
    ranked = [cited.listed[i - 1] for i in rank_numbers(cited)]
    front = [n.quantity.text for n in ranked[:3]]
    assert front == ["12", "1:31.5", "£40m"]
