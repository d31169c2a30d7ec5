"""The render layer: each document node in each target, and one escaper per target.

A table per promise: the same inline node as Markdown, HTML and Slack mrkdwn. Outputs as a
whole (briefs, digests, Slack payloads, eval reports) are pinned in test_slack,
test_mutants_slack_blocks, test_untrusted_text and the eval tests.
"""

from __future__ import annotations

import pytest

from briefer.rendering import html, markdown
from briefer.rendering.blocks import (
    UNVERIFIED,
    Aside,
    Block,
    BulletList,
    Cell,
    Em,
    Footer,
    Group,
    Heading,
    Inline,
    Item,
    Label,
    Link,
    Lit,
    Para,
    Strong,
    Subtitle,
    Table,
    TextOnly,
    Unverified,
)
from briefer.slack_blocks import mrkdwn, to_block_kit

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
