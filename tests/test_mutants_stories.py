"""``stories``' promises as tables: what text and titles are compared on, the exact edges of
"same story" (title ratio ≥ 85, text 3-shingle Jaccard ≥ 0.5) and of "a copy adds no text"
(≥ 0.8), the story id, and the merged material. One ``briefer daily`` run shows the text
keys end to end: an overlapping text joins the story, a copy adds only its link."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from briefer.articles import make_article
from briefer.digest import load_digest
from briefer.sources import SourcedArticle
from briefer.stories import (
    StoryGroup,
    group_stories,
    jaccard,
    merge_material,
    normalize_text,
    normalize_title,
    shingles,
    story_id,
    titles_match,
)
from tests.dailyrun import TODAY, daily
from tests.fakes import FakeOpenAI
from tests.test_daily import Model


def words(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n}" for n in range(count)]


def item(
    text: str, title: str | None = None, source: str | None = "test", url: str = ""
) -> SourcedArticle:
    article = make_article(text, label="t", title=title, source=source, url=url or None)
    location = url or f"/articles/{article.id}.md"
    return SourcedArticle(article, (location,), (f"file:{location}",), "test")


# Eight words (6 shingles); the other text shares its first six (4 shingles) and adds two:
# 4 / (6 + 6 - 4) = 0.5 exactly.
HALF_A = " ".join(words("a", 8))
HALF_B = " ".join([*words("a", 6), "b0", "b1"])
# One more new word instead: 4 / (6 + 7 - 4) = 0.44.
UNDER_B = " ".join([*words("a", 6), "b0", "b1", "b2"])
# Eleven words (9 shingles); the other keeps the first ten and adds one: 8 / 10 = 0.8.
COPY_A = " ".join(words("c", 11))
COPY_B = " ".join([*words("c", 10), "d0"])


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("Port, votes!  For\tthe CRANE.", "port votes for the crane"),
        ("ﬁre in the Ｈａｌｌ", "fire in the hall"),  # NFKC before lower case
        ("snake_case stays—dashes go", "snake_case stays dashes go"),
        ("  ", ""),
    ],
)
def test_what_texts_are_compared_on(text: str, normal: str) -> None:
    assert normalize_text(text) == normal


@pytest.mark.parametrize(
    ("title", "normal"),
    [
        ("Port votes for crane - The Gazette", "port votes for crane"),
        ("Port votes for crane | Gazette", "port votes for crane"),
        ("Port votes for crane – Gazette", "port votes for crane"),
        ("Port votes for crane — Gazette", "port votes for crane"),
        ("Port votes for crane - G", "port votes for crane g"),  # one letter: not a site
        ("Port votes - " + "x" * 41, "port votes " + "x" * 41),  # too long for a site
        ("Port votes - " + "x" * 40, "port votes"),
        ("Port votes-for crane", "port votes for crane"),  # no spaces: not a suffix
        (None, ""),
    ],
)
def test_a_title_without_its_site(title: str | None, normal: str) -> None:
    assert normalize_title(title) == normal


BASE = "Council votes to fund new harbour crane"


@pytest.mark.parametrize(
    ("other", "same"),
    [
        ("Council votes to fund new harbour crane - Gazette", True),
        ("crane harbour new fund to votes Council", True),  # token-sort
        ("Council votes to fund new harbour tram", True),  # ratio 85.7
        ("Council votes to fund new port crane", False),  # ratio 82.7
        ("Stocks fall as inflation fears grow", False),
        (None, False),
    ],
)
def test_titles_match_from_a_ratio_of_85(other: str | None, same: bool) -> None:
    assert titles_match(BASE, other) is same
    assert titles_match(other, BASE) is same
    members = [item("First text about one thing.", BASE), item("Second, other words.", other)]
    assert len(group_stories(members)) == (1 if same else 2)


@pytest.mark.parametrize(
    ("title", "same"), [("Live updates here", False), ("Live updates here now", True)]
)
def test_titles_of_fewer_than_four_words_never_match(title: str, same: bool) -> None:
    assert titles_match(title, title) is same
    assert len(group_stories([item("One text.", title), item("Other words.", title)])) == (
        1 if same else 2
    )


def test_shingles_and_jaccard() -> None:
    assert shingles("Two words") == frozenset({hash(("two", "words"))})
    assert shingles("") == frozenset({hash(())})
    assert shingles("a b c") == frozenset({hash(("a", "b", "c"))})
    assert shingles("A, b. C d") == frozenset({hash(("a", "b", "c")), hash(("b", "c", "d"))})
    assert len(shingles(" ".join(words("w", 300)))) == 248  # the first 250 words only
    # 250 words of 19 characters: only the first 4,000 characters (200 words) are read
    assert len(shingles(" ".join(f"{n:019d}" for n in range(250)))) == 198
    assert jaccard(frozenset({1, 2}), frozenset({2, 3})) == pytest.approx(1 / 3)
    assert jaccard(frozenset({1}), frozenset({1})) == 1.0
    assert jaccard(frozenset({1}), frozenset({2})) == 0.0
    assert jaccard(frozenset(), frozenset()) == 0.0
    assert jaccard(shingles(HALF_A), shingles(HALF_B)) == 0.5
    assert jaccard(shingles(COPY_A), shingles(COPY_B)) == 0.8


@pytest.mark.parametrize(
    ("a", "b", "groups"),
    [(HALF_A, HALF_B, 1), (HALF_A, UNDER_B, 2), (HALF_A, HALF_A + " tail", 1)],
)
def test_texts_overlapping_by_half_are_one_story(a: str, b: str, groups: int) -> None:
    assert len(group_stories([item(a), item(b)])) == groups


def test_stories_are_connected_groups_in_order_of_their_first_article() -> None:
    lone = item("Nothing in common with the rest at all.")
    first = item(HALF_A, "Port Ellis storm closes the harbour")
    by_text = item(HALF_B, "Other")
    by_title = item("Entirely different words here.", "Storm closes the Port Ellis harbour")
    joined_late = item(HALF_B + " b2", None)  # overlaps by_text only (6/7, and 4/9 with first)
    groups = group_stories([lone, first, by_text, joined_late, by_title])
    assert [g.members for g in groups] == [(lone,), (first, by_text, joined_late, by_title)]
    assert group_stories([]) == []


def test_a_title_close_to_many_others_joins_every_one() -> None:
    hub = "baa caa daa eaa faa gaa"
    spokes = [hub.replace(word, word[0] + "zz") for word in hub.split()]  # 91.3 to the hub,
    assert not titles_match(spokes[0], spokes[1])  # 82.6 to each other
    members = [item(f"Text number {n}.", title) for n, title in enumerate([hub, *spokes])]
    assert [len(g.members) for g in group_stories(members)] == [7]


def test_a_story_id_depends_only_on_its_set_of_articles() -> None:
    expected = hashlib.sha256(b"a\nb").hexdigest()[:12]
    assert story_id(["b", "a"]) == story_id(["a", "b"]) == expected
    one, two = item("One text."), item("Two text.")
    group = StoryGroup((one, two))
    assert group.id == story_id([one.article.id, two.article.id])
    assert group.size == len("One text.") + len("Two text.")


def test_merged_material_takes_each_distinct_text_once_longest_first() -> None:
    short = item(COPY_B, "Short", source="Wire", url="https://wire.example/1")
    longest = item(COPY_A + " " + " ".join(words("e", 5)), "Longest", source="Gazette")
    copy = item(COPY_A, "Copy", source="Gazette")  # Jaccard 0.8 with COPY_B: a copy
    other = item(HALF_A, "Other", source=None)
    merged = merge_material(StoryGroup((short, copy, longest, other)))
    assert merged.title == "Longest" and merged.url is None
    assert merged.source == "4 sources: Gazette, Wire"
    assert merged.text == (
        f"[Source 1] Longest (Gazette)\n\n{longest.article.text}\n\n"
        f"[Source 2] Copy (Gazette)\n\n{COPY_A}\n\n"
        f"[Source 3] Other\n\n{HALF_A}"
    )
    untitled = item(UNDER_B, None, source="Wire", url="https://wire.example/2")
    merged = merge_material(StoryGroup((other, untitled)))
    assert merged.text == (
        f"[Source 1] Untitled (Wire · https://wire.example/2)\n\n{UNDER_B}\n\n"
        f"[Source 2] Other\n\n{HALF_A}"
    )
    assert merged.source == "2 sources: Wire"
    assert merge_material(StoryGroup((other, item(UNDER_B, None, None)))).source is None
    assert merge_material(StoryGroup((short,))) is short.article


def test_merged_material_stops_at_the_cap_but_always_takes_the_first() -> None:
    first = item("f " * 300 + "end", "First", source=None)  # 603 characters
    second = item(" ".join(words("s", 40)), "Second", source=None)
    section_1 = f"[Source 1] First\n\n{first.article.text}"
    section_2 = f"[Source 2] Second\n\n{second.article.text}"
    group = StoryGroup((second, first))
    assert merge_material(group, max_chars=100).text == section_1  # over the cap, alone
    exact = len(section_1) + 2 + len(section_2)
    assert merge_material(group, max_chars=exact).text == f"{section_1}\n\n{section_2}"
    assert merge_material(group, max_chars=exact - 1).text == section_1
    third = item(" ".join(words("t", 30)), "Third", source=None)
    section_3 = f"[Source 3] Third\n\n{third.article.text}"
    three = StoryGroup((third, second, first))
    # what is used so far counts every section taken: the third does not fit after two
    assert merge_material(three, max_chars=exact + 2 + len(section_3) - 1).text == (
        f"{section_1}\n\n{section_2}"
    )


def test_merged_material_is_the_longest_article_s_and_may_pass_the_cap() -> None:
    longest = make_article(
        "x" * 200_000, label="t", title="Long", url="https://x.org/l", date="2026-05-04"
    )
    other = item("Another text.", "Other", url="https://y.org/o")
    group = StoryGroup((other, SourcedArticle(longest, ("https://x.org/l",), ("url:l",), "t")))
    merged = merge_material(group)  # the first section alone is over the 200,000 cap
    assert len(merged.text) > 200_000 and merged.text.startswith("[Source 1] Long (")
    assert (merged.url, merged.date, merged.title) == ("https://x.org/l", "2026-05-04", "Long")


def test_a_day_briefs_overlapping_texts_as_one_story_and_a_copy_once(
    fake_openai: FakeOpenAI, model: Model, config: Path, tmp_path: Path
) -> None:
    story = (
        "The harbour at Port Ellis closed at dawn as the storm reached the coast, and ferries "
        "to the islands were cancelled until noon while crews checked the sea wall."
    )
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.md").write_text(f"# Storm\n\n{story}\n")
    (folder / "b.md").write_text(f"# Storm\n\n{story} The coast road stays shut tonight.\n")
    (folder / "c.md").write_text(f"# Storm\n\n{story} The coast road stays shut today.\n")
    result = daily([str(folder)], fake_openai, config, tmp_path / "out")
    assert result.exit_code == 0, result.output
    (brief,) = load_digest(tmp_path / "out" / TODAY).stories
    assert len(brief.sources) == 3 and fake_openai.calls == 1
    prompt = fake_openai.requests[0]["messages"][1]["content"]
    assert prompt.count("ferries to the islands") == 1  # the copies add their links only
    assert "The coast road stays shut tonight." in prompt
