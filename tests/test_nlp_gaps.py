"""Gaps the article itself shows (briefer.nlp.gaps): each cue gives its kind and a hint
naming the sentence; a quoted hedge is no unattributed claim; at most MAX_GAPS."""

from __future__ import annotations

import pytest

from briefer.nlp.gaps import MAX_GAPS, find_gaps

LEAD = "The harbour board met on the quay in the morning."


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("The crane maker declined to comment on the delay.", "declined"),
        ("The ferry firm did not respond to requests for comment.", "declined"),
        ("It was not immediately clear who owns the berth.", "declined"),
        ("The mayor denied that the cranes were bought too early.", "disputed"),
        ("The dockers' union disputed the board's figures on safety.", "disputed"),
        ("The board will decide on the plan next week.", "pending"),
        ("The cranes are expected to arrive in the spring.", "pending"),
        ("A ruling on the berth is awaited from the court.", "pending"),
        ("The council has yet to approve the new berth.", "pending"),
        ("The cranes were allegedly bought without a tender.", "unattributed"),
        ("It is unclear how the board will pay for the cranes.", "unattributed"),
        ("It is not yet clear who will pay for the cranes.", "unattributed"),
        ("The cranes are said to have cost more than the board admits.", "unattributed"),
        ("Both bidders have until 18 March to make firm offers for the port.", "pending"),
        ("A strike could start in the next few days at the quay.", "pending"),
        ("Few details have been given by the crane maker so far.", "declined"),
        ("Analysts have questioned the wisdom of buying more cranes.", "disputed"),
        ("The figures could not be verified by reporters at the quay.", "unattributed"),
    ],
)
def test_cue_gives_its_kind(sentence: str, kind: str) -> None:
    gaps = find_gaps(f"{LEAD} {sentence}")
    assert [(g.kind, g.sentence) for g in gaps] == [(kind, 2)]
    assert gaps[0].hint.startswith("sentence 2: ")


@pytest.mark.parametrize(
    "sentence",
    [
        "The board bought the cranes for the quay in the spring.",
        "The mayor decided on the plan last week after a long meeting.",
        "The dockers commented on the cranes at length.",
    ],
)
def test_no_cue_no_gap(sentence: str) -> None:
    assert find_gaps(f"{LEAD} {sentence}") == ()


def test_a_hedge_someone_is_quoted_making_is_theirs() -> None:
    text = f"{LEAD} The cranes were reportedly bought without a tender, Lind said."
    assert [g.kind for g in find_gaps(text)] == ["unattributed"]
    assert find_gaps(text, speakers={2: "Ada Lind"}) == ()


def test_a_count_with_no_baseline() -> None:
    text = f"{LEAD} The board will buy 12 cranes for the quay."
    gaps = find_gaps(text)
    assert [(g.kind, g.sentence) for g in gaps] == [("no-baseline", 2)]
    assert "12 cranes" in gaps[0].hint


def test_a_count_with_a_comparison_has_a_baseline() -> None:
    assert find_gaps(f"{LEAD} The board will buy 12 cranes, up from 8 last year.") == ()


def test_a_number_describing_a_thing_needs_no_baseline() -> None:
    assert find_gaps(f"{LEAD} Dockers must type a four-digit code at the gate.") == ()


def test_one_no_baseline_gap_only() -> None:
    text = f"{LEAD} The board will buy 12 cranes. It will hire 30 dockers."
    assert [g.kind for g in find_gaps(text)] == ["no-baseline"]


def test_most_useful_kind_first_and_at_most_max() -> None:
    sentences = [
        "The board will decide on the plan soon after it meets.",
        "The cranes were allegedly bought without a tender.",
        "The crane maker declined to comment on the delay.",
        "The mayor denied that the cranes were bought too early.",
    ] * 3
    gaps = find_gaps(" ".join([LEAD, *sentences]))
    assert len(gaps) == MAX_GAPS
    kinds = [g.kind for g in gaps]
    assert kinds == ["pending", "unattributed", "declined", "disputed", "pending", "unattributed"]
