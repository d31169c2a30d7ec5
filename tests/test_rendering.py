"""The render layer: each document node in each target, and one escaper per target.

A table per promise: the same inline node as Markdown, HTML and Slack mrkdwn. Outputs as a
whole (briefs, digests, Slack payloads, eval reports) are pinned in test_slack,
test_mutants_slack_blocks, test_untrusted_text and the eval tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from briefer.daymodels import Digest, DigestStats, Failure, SourceLink, Story
from briefer.digestrender import digest_html, digest_markdown, key_number, story_lead
from briefer.rendering import html, markdown
from briefer.rendering.blocks import (
    UNVERIFIED,
    Aside,
    Block,
    BulletList,
    Cell,
    Disclosure,
    Em,
    Footer,
    Group,
    Heading,
    Inline,
    Item,
    Label,
    Link,
    Listing,
    Lit,
    Para,
    Strong,
    Subtitle,
    Table,
    TextOnly,
    Unverified,
)
from briefer.schema import Actor, ArticleRef, Brief, Claim, GroundingCounts, Number
from briefer.slack_blocks import mrkdwn, to_block_kit
from tests.briefs import empty_brief

HOSTILE = "a  *b*\n_c_ <i>&amp; [x](javascript:y) | #"


@pytest.mark.parametrize(
    ("node", "md", "page", "slack"),
    [
        (
            HOSTILE,
            r"a \*b\* \_c\_ \<i\>&amp; \[x\](javascript:y) \| \#",
            "a  *b*\n_c_ &lt;i&gt;&amp;amp; [x](javascript:y) | #",
            "a *b* _c_ &lt;i&gt;&amp;amp; [x](javascript:y) | #",
        ),
        (Lit(" — <"), r" — \<", " — &lt;", " — &lt;"),
        (Strong(("x*",)), r"**x\***", "<b>x*</b>", "*x**"),
        (Em(("x_",)), r"_x\__", "<i>x_</i>", "_x__"),
        (Label("Sources:"), "**Sources:**", "Sources:", "*Sources:*"),
        (Label("fetch", "stage"), "**fetch**", '<span class="stage">fetch</span>', "*fetch*"),
        (
            Aside("2 sources", "count"),
            "(2 sources)",
            '<span class="count">· 2 sources</span>',
            "(2 sources)",
        ),
        (
            Link("https://x.org/a b?q=1&r=<2>", "X|Y"),
            r"[X\|Y](<https://x.org/a%20b?q=1&r=%3C2%3E>)",
            '<a href="https://x.org/a%20b?q=1&amp;r=%3C2%3E" rel="noopener noreferrer">X|Y</a>',
            "<https://x.org/a%20b?q=1&amp;r=%3C2%3E|X|Y>",
        ),
        (Link("javascript:alert(1)", "bank"), "bank", "bank", "bank"),
        (Link("https://x.org/", "X", style="page"), "X", '<a href="https://x.org/">X</a>', "X"),
        (Link("story-2", "T", style="anchor"), "T", '<a href="#story-2">T</a>', "T"),
        (
            Unverified(),
            f"_{UNVERIFIED}_",
            f'<span class="unverified">{UNVERIFIED}</span>',
            f"_{UNVERIFIED}_",
        ),
        (TextOnly((Lit(" (openai)"),)), " (openai)", "", " (openai)"),
        (
            Cell("x <y>", ("missed", "ungrounded")),
            r"x \<y\> **✗ missed** **⚠ ungrounded**",
            '<span class="has-missed has-ungrounded">x &lt;y&gt;<span class="mark m-missed">✗ missed'
            '</span><span class="mark m-ungrounded">⚠ ungrounded</span></span>',
            "x &lt;y&gt;",
        ),
    ],
)
def test_each_inline_node_in_each_target(node: Inline, md: str, page: str, slack: str) -> None:
    assert markdown.MarkdownRenderer().inline(node) == md
    assert html.inline(node) == page
    assert mrkdwn((node,)) == slack


@pytest.mark.parametrize(
    ("text", "strict", "loose"),
    [
        ("actors_f1 [#3]", r"actors\_f1 \[\#3\]", "actors_f1 [#3]"),
        (
            "[x](javascript:y) <b>|`",
            r"\[x\](javascript:y) \<b\>\|\`",
            r"[x]\(javascript:y) \<b\>\|\`",
        ),
    ],
)
def test_the_markdown_escaper_strict_and_loose(text: str, strict: str, loose: str) -> None:
    assert markdown.escape(text) == strict
    assert markdown.escape(text, loose=True) == loose


HEADER: list[Block] = [Heading(("T <1>",), 1), Subtitle((Lit("2 stories"),))]
DOCUMENT: list[Block] = [
    Group(HEADER, tag="header"),
    Group(
        [
            Heading((Lit("Claims"),), 2, anchor="c", html_level=3),
            BulletList([Item(("x",), quote="said\nso"), Item(("y",))]),
        ],
        tag="article",
        role="brief",
        lines=True,
    ),
    BulletList([Item(("one",)), Item(("two",))], ordered=True),
    Para(("p",), role="sources"),
    Table(("a|b", "c"), [(Cell("1"), Cell("2", ("ok",)))]),
    Footer((Lit("Source: "), "s")),
]


def test_one_document_in_markdown() -> None:
    assert markdown.to_markdown(DOCUMENT) == (
        "# T \\<1\\>\n\n_2 stories_\n\n## Claims\n\n- x\n  > “said so”\n- y\n\n"
        "1. one\n2. two\n\np\n\n| a\\|b | c |\n|---|---|\n| 1 | 2 **✓** |\n\n_Source: s_\n"
    )


def test_one_document_in_html() -> None:
    assert html.to_html(DOCUMENT) == (
        "<header><h1>T &lt;1&gt;</h1><p>2 stories</p></header>\n"
        '<article class="brief"><h3 id="c">Claims</h3>\n'
        "<ul><li>x<blockquote>said\nso</blockquote></li><li>y</li></ul>\n</article>\n"
        "<ol><li>one</li><li>two</li></ol>\n"
        '<p class="sources">p</p>\n'
        "<table><thead><tr><th>a|b</th><th>c</th></tr></thead><tbody><tr><td>1</td>"
        '<td class="has-ok">2<span class="mark m-ok">✓</span></td></tr></tbody></table>\n'
        "<footer>Source: s</footer>"
    )


def test_one_document_as_block_kit() -> None:
    """A page title is a header, subtitle and footer are context lines, the rest sections;
    Slack has no tables and leaves quotes out."""
    page = [*HEADER, *DOCUMENT[1:4], DOCUMENT[5]]
    assert to_block_kit(page) == [
        {"type": "header", "text": {"type": "plain_text", "text": "T <1>"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "2 stories"}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Claims*\n• x\n• y"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "1. one\n2. two"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "p"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Source: s"}]},
    ]


DETAILS = Disclosure(
    (Lit("1 claim"),),
    [Listing((Lit("Claims (1)"),), [Item(("c <1>",), quote="q\nq"), Item(("d",))])],
    role="details",
)


def test_a_disclosure_is_details_in_html_and_a_nested_list_in_markdown() -> None:
    assert html.block(DETAILS) == (
        '<details class="details"><summary>1 claim</summary><h3>Claims (1)</h3>'
        "<ul><li>c &lt;1&gt;<blockquote>q\nq</blockquote></li><li>d</li></ul></details>"
    )
    assert markdown.to_markdown([DETAILS]) == ("- Claims (1)\n  - c \\<1\\>\n    > “q q”\n  - d\n")


# -- the digest --------------------------------------------------------------------------------


def brief(**fields: Any) -> Brief:
    return empty_brief().model_copy(update=fields)


def story(brief: Brief, *urls: str | None, ungrounded: int = 0) -> Story:
    meta = brief.meta.model_copy(update={"grounding": GroundingCounts(ungrounded=ungrounded)})
    sources = [
        SourceLink(key=f"k{n}", article_id="a", url=url, site=f"site{n}.example", path="/a.md")
        for n, url in enumerate(urls)
    ]
    return Story(
        id="s",
        importance=1,
        sources=sources,
        brief=brief.model_copy(update={"meta": meta}),
        briefed_at="t",
    )


CLAIM = Claim(text="Rents rose in every district.", attributed_to=None, evidence="e", grounded=True)
RESTATED = Claim(text="The council approved the budget.", attributed_to=None, evidence="e")
SAID = Number(value=4, unit="m", text="4m", context="a 4m budget", grounded=True)
FRESH = Number(value=12, unit="%", text="12%", context="rents rose 12% in May", grounded=True)
BARE = Number(value=9, unit="pupils", text="nine", context="classes closed", grounded=True)
MADE_UP = FRESH.model_copy(update={"text": "15%", "grounded": False})


@pytest.mark.parametrize(
    ("summary", "claims", "numbers", "lead"),
    [
        (  # two sentences: the second is why it matters
            "The council approved a 4m budget. Rents will rise.",
            [CLAIM],
            [SAID, FRESH],
            ("The council approved a 4m budget.", "Rents will rise.", ["12%"]),
        ),
        (  # one sentence: the first verified claim that says something new
            "The council approved a 4m budget.",
            [RESTATED.model_copy(update={"grounded": True}), CLAIM],
            [MADE_UP, BARE, FRESH, FRESH],
            ("The council approved a 4m budget.", CLAIM.text, ["nine", "12%"]),
        ),
        (  # no verified claim: no why; unverified numbers are never key
            "The council approved a 4m budget.",
            [CLAIM.model_copy(update={"grounded": False})],
            [MADE_UP],
            ("The council approved a 4m budget.", None, []),
        ),
    ],
)
def test_a_story_lead(
    summary: str, claims: list[Claim], numbers: list[Number], lead: tuple[str, Any, list[str]]
) -> None:
    found = story_lead(story(brief(summary=summary, claims=claims, numbers=numbers)))
    why = markdown.MarkdownRenderer().inlines(found.why) if found.why else None
    assert (found.summary, why, [n.text for n in found.numbers]) == (
        lead[0],
        lead[1] and markdown.escape(lead[1]),
        lead[2],
    )


@pytest.mark.parametrize(
    ("number", "md", "page"),
    [
        (FRESH, "rents rose **12%** in May", "rents rose <b>12%</b> in May"),
        (BARE, "**nine** pupils: classes closed", "<b>nine</b> pupils: classes closed"),
        (SAID.model_copy(update={"context": "4m"}), "**4m**", "<b>4m</b>"),
    ],
)
def test_a_key_number_is_bold_in_its_context(number: Number, md: str, page: str) -> None:
    assert markdown.MarkdownRenderer().inlines(key_number(number)) == md
    assert html.inlines(key_number(number)) == page


def two_story_digest() -> Digest:
    first = brief(
        title="Rents <rise>",
        summary="Rents rose. Councils worry.",
        actors=[Actor(name="Ada Lind", role="mayor", grounded=True)],
        claims=[Claim(text="Rents rose.", attributed_to="Ada Lind", evidence="up 12%")],
        numbers=[FRESH],
        article=ArticleRef(id="a", url="https://a.example/1"),
    )
    second = brief(title="Library opens", summary="The library opened.")
    failure = Failure(stage="fetch", item="https://c.example/x", reason="HTTP 500")
    stats = DigestStats(articles=3, stories=2, briefed=2, failed=1, model_calls=2, seconds=1.25)
    return Digest(
        date="2026-11-25",
        generated_at="2026-11-25T07:00:00+00:00",
        stories=[
            story(first, "https://a.example/1", "javascript:alert(1)", ungrounded=1),
            story(second, None),
        ],
        failures=[failure],
        stats=stats,
    )


def test_the_digest_in_markdown_compact_stories_then_failures_then_one_footer() -> None:
    assert digest_markdown(two_story_digest()) == (
        "# Daily briefing — 2026-11-25\n\n_2 stories from 3 articles · 1 failed_\n\n"
        "## 1. [Rents \\<rise\\>](<https://a.example/1>)\n\n"
        "[site0.example](<https://a.example/1>) · site1.example · **⚠ 1 unverified**\n\n"
        "Rents rose.\n\n**Why it matters:** Councils worry.\n\n"
        "**Key numbers:**\n\n- rents rose **12%** in May\n\n"
        "- Actors (1)\n  - **Ada Lind** — mayor\n"
        "- Claims (1)\n  - Rents rose. — _Ada Lind_ _⚠ unverified_\n    > “up 12%”\n"
        "- Numbers (1)\n  - **12%** (12 %): rents rose 12% in May\n\n"
        "## 2. Library opens\n\na.md\n\nThe library opened.\n\n"
        "## Failed (1)\n\nA re-run of the same day retries these.\n\n"
        "- **fetch** https://c.example/x: HTTP 500\n\n"
        "_Run: model m (openai) · prompts v1 (00000000) · 3 articles, 0 duplicates · "
        "2 briefed, 0 resumed, 1 failed · 0 grounded, 1 unverified · 2 model calls, 0 cached · "
        "0+0 tokens · 1.2 s · generated 2026-11-25T07:00:00+00:00_\n"
    )


def test_the_digest_in_html_links_the_headline_and_hides_the_details() -> None:
    page = digest_html(two_story_digest())
    story_1 = page[page.index('<article class="story" id="story-1">') : page.index("</article>")]
    assert '<h2>1. <a href="https://a.example/1" rel="noopener noreferrer">Rents &lt;rise&gt;' in (
        story_1
    )
    assert story_1.count('href="https://a.example/1"') == 2  # the headline and its source
    assert "javascript" not in page and "<script" not in page
    assert '<details class="details"><summary>1 actor · 1 claim · 1 number</summary>' in story_1
    assert story_1.index("<details") > story_1.index("Key numbers")
    assert page.count("<footer>") == 1 and page.count("prompts v1") == 1
    assert "@media (prefers-color-scheme: dark)" in page and "<link" not in page
