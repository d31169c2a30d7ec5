"""``dayplan``'s promises: a re-run's articles meet the day's finished stories. A known
article or a copy of a briefed text only adds its link (the brief is kept); a new text of a
finished story gets the story briefed again from all its texts, replacing it once written;
without the stored texts it is briefed on its own. Importance counts verified items only."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from briefer.articles import Article, make_article
from briefer.daymodels import SourceLink, Story
from briefer.dayplan import make_story, plan_stories, source_links
from briefer.digest import load_digest
from briefer.sources import SourcedArticle
from briefer.stories import StoryGroup
from tests.briefs import cite, empty_brief
from tests.dailyrun import TODAY, daily
from tests.fakes import DEFAULT_BRIEF, FakeOpenAI, Reply


def words(prefix: str, count: int) -> str:
    return " ".join(f"{prefix}{n}" for n in range(count))


def found(
    text: str,
    title: str | None = None,
    *places: str,
    url: str | None = None,
    date: str | None = None,
) -> SourcedArticle:
    """An article as collected, at ``places`` (URLs or paths; one path by default)."""
    article = make_article(text, label="t", title=title, url=url, source="Gazette", date=date)
    places = places or (f"/day/{article.id}.md",)
    keys = tuple(f"url:{p}" if p.startswith("http") else f"file:{p}" for p in places)
    return SourcedArticle(article, places, keys, "test")


def finished(*members: SourcedArticle) -> Story:
    return make_story(StoryGroup(members), empty_brief())


def stored(*articles: SourcedArticle) -> Any:
    texts: dict[str, Article] = {m.article.id: m.article for m in articles}
    return texts.get


MORNING = found(words("m", 30), "Live updates: storm hits the coast")
EVENING = found(words("e", 30), "Live updates: storm hits the coast")


def test_a_known_article_found_again_adds_its_new_place_only() -> None:
    story = finished(MORNING)
    again = SourcedArticle(
        MORNING.article, ("/day/m.md", "https://x.org/m"), ("file:/day/m.md", "url:x.org/m"), "t"
    )
    plan = plan_stories([again], {story.id: story}, stored(MORNING))
    assert plan.groups == [] and plan.replaces == {}
    (updated,) = plan.updated
    assert updated.brief == story.brief and updated.id == story.id
    assert [link.key for link in updated.sources] == [
        *(link.key for link in story.sources),
        "file:/day/m.md",
        "url:x.org/m",
    ]
    unchanged = plan_stories([MORNING], {story.id: story})  # nothing new, texts not stored
    assert (unchanged.groups, unchanged.updated) == ([], [])
    elsewhere = plan_stories([again], {story.id: story})  # known by its id, not its text
    assert elsewhere.groups == [] and len(elsewhere.updated[0].sources) == 3


def test_a_new_text_of_a_finished_story_is_briefed_with_all_its_texts() -> None:
    story = finished(MORNING)
    plan = plan_stories([EVENING], {story.id: story}, stored(MORNING))
    (group,) = plan.groups
    assert [m.article for m in group.members] == [MORNING.article, EVENING.article]
    assert group.members[0].locations == MORNING.locations
    assert group.members[0].keys == MORNING.keys
    assert plan.replaces == {group.id: story} and plan.updated == []
    assert plan.new_members(group) == (EVENING,)
    other = StoryGroup((EVENING,))
    assert plan.new_members(other) == (EVENING,)


def test_a_copy_of_a_briefed_text_adds_only_its_link() -> None:
    story = finished(MORNING)
    copy = found(MORNING.article.text + " m30", None, "https://wire.example/m")  # Jaccard 27/28
    plan = plan_stories([copy], {story.id: story}, stored(MORNING))
    assert plan.groups == [] and plan.replaces == {}
    (updated,) = plan.updated
    assert updated.brief == story.brief
    assert [link.url for link in updated.sources] == [None, "https://wire.example/m"]


def test_at_the_copy_threshold_a_text_is_a_copy_and_just_under_it_new() -> None:
    base = found(words("c", 11), "Storm closes the harbour today")  # 9 shingles
    story = finished(base)
    copy = found(words("c", 10) + " d0", None)  # 8 / 10 = 0.8: a copy
    assert plan_stories([copy], {story.id: story}, stored(base)).groups == []
    new = found(words("c", 10) + " d0 d1", None)  # 8 / 11: new text
    assert len(plan_stories([new], {story.id: story}, stored(base)).groups) == 1


def test_a_late_article_joins_by_an_overlapping_text_or_any_source_s_title() -> None:
    first, second = (
        found(words("a", 8), "Harbour"),
        found(words("z", 8), "Storm closes the harbour"),
    )
    story = finished(first, second)
    overlap = found(words("a", 6) + " b0 b1", None)  # Jaccard 0.5 with the first text
    by_title = found(words("q", 8), "Storm closes the harbour again")
    unrelated = found(words("a", 6) + " b0 b1 b2", None)  # 0.44: its own story
    for late, joins in ((overlap, True), (by_title, True), (unrelated, False)):
        plan = plan_stories([late], {story.id: story}, stored(first, second))
        (group,) = plan.groups
        assert (group.id in plan.replaces) is joins
        assert len(group.members) == (3 if joins else 1)


def test_without_the_stored_texts_a_late_text_is_briefed_on_its_own() -> None:
    story = finished(MORNING)
    plan = plan_stories([EVENING], {story.id: story})
    assert [g.members for g in plan.groups] == [(EVENING,)] and plan.replaces == {}
    half = stored(MORNING)  # one of the story's two texts is missing
    two = finished(MORNING, found(words("x", 30), "Other"))
    plan = plan_stories([EVENING], {two.id: two}, half)
    assert [g.members for g in plan.groups] == [(EVENING,)] and plan.replaces == {}


def test_late_articles_of_two_finished_stories_go_each_to_its_own() -> None:
    harbour = found(words("h", 20), "Port Ellis votes to fund crane")
    strike = found(words("s", 20), "Teachers strike in Northfield schools")
    one, two = finished(harbour), finished(strike)
    late_h = found(words("h", 19) + " new", "Port Ellis votes to fund crane today")
    late_s = found(words("t", 20), "Teachers strike in Northfield schools again")
    fresh = found(words("f", 20), "Bakery wins the county prize")
    plan = plan_stories(
        [late_h, fresh, late_s], {one.id: one, two.id: two}, stored(harbour, strike)
    )
    assert [m.article.id for g in plan.groups for m in g.members] == [
        fresh.article.id,
        strike.article.id,
        late_s.article.id,
    ]
    (updated,) = plan.updated  # the harbour's late text is a near copy: its link only
    assert updated.id == one.id and len(updated.sources) == 2
    assert list(plan.replaces.values()) == [two]


def test_a_stored_story_with_an_article_at_two_places_is_one_member() -> None:
    twice = found(
        words("m", 30), "Live updates: storm hits the coast", "/day/a.md", "https://x.org/a"
    )
    story = finished(twice)
    plan = plan_stories([EVENING], {story.id: story}, stored(twice))
    (group,) = plan.groups
    first = group.members[0]
    assert first.locations == ("/day/a.md", "https://x.org/a")
    assert first.keys == twice.keys
    assert first.origin == "stored"


def test_source_links_one_per_place_urls_without_credentials() -> None:
    article = found(
        "The council met.",
        "Council",
        "/day/c.md",
        "https://ann:pw@x.org/c?token=abc",
        url="https://x.org/page",
        date="2026-05-04",
    )
    assert source_links(article) == [
        SourceLink(
            key="file:/day/c.md",
            article_id=article.article.id,
            title="Council",
            site="Gazette",
            url="https://x.org/page",
            path="/day/c.md",
            date="2026-05-04",
        ),
        SourceLink(
            key="url:https://ann:pw@x.org/c?token=abc",
            article_id=article.article.id,
            title="Council",
            site="Gazette",
            url="https://x.org/c?token=REDACTED",
            path=None,
            date="2026-05-04",
        ),
    ]


def test_make_story_lists_every_place_and_when_it_was_briefed() -> None:
    group = StoryGroup((MORNING, found("Another text entirely.", None, "/a", "/b")))
    story = make_story(group, empty_brief())
    # two texts: the one found at /a and /b is one source, listed at both places
    assert story.id == group.id and len(story.sources) == 3 and story.importance == 6.0
    assert datetime.fromisoformat(story.briefed_at).utcoffset() is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", story.briefed_at)


# -- importance, through the CLI --------------------------------------------------------------

HARBOUR = (
    "# Port Ellis funds a crane\n\nMayor Ada Lind said the crane would cost 4.5 million euros "
    "and be ready by spring.\n"
)


def inflating(request: dict[str, Any]) -> Reply:
    """A model that adds a name and a number the article does not have."""
    user = request["messages"][1]["content"]
    draft = {
        **DEFAULT_BRIEF,
        "title": "Port Ellis funds a crane",
        "actors": [
            {"name": "Ada Lind", "role": "mayor"},
            {"name": "Zora Invented", "role": "not in the article"},
            {"name": "Quentin Madeup", "role": "not in the article"},
        ],
        "claims": [],
        "open_questions": [],
        "numbers": [
            {"value": 4500000, "unit": "euros", "text": "4.5 million euros", "context": "cost"},
            {"value": 99, "unit": "cranes", "text": "99", "context": "no such quantity"},
        ],
    }
    return Reply.content(json.dumps(cite(draft, user)))


def test_importance_counts_verified_actors_and_numbers_only(
    fake_openai: FakeOpenAI, config: Path, tmp_path: Path
) -> None:
    fake_openai.responder = inflating
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "harbour.md").write_text(HARBOUR)
    result = daily([str(folder)], fake_openai, config, tmp_path / "out")
    assert result.exit_code == 0, result.output
    (story,) = load_digest(tmp_path / "out" / TODAY).stories
    assert [a.grounded for a in story.brief.actors] == [True, False, False]
    assert [n.grounded for n in story.brief.numbers] == [True]  # a made-up id is dropped
    assert story.importance == 3 * 1 + 1 * 1 + 0.5 * 1
