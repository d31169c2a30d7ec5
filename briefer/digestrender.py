"""The digest as Markdown and HTML: contents, each story's brief and sources, the failures.

``digest_blocks`` builds the digest once (``briefer.rendering``); the renderers escape
everything from an article or a model and render only http(s) links.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from briefer.daymodels import Digest, Failure, SourceLink, Story
from briefer.followlines import followup_blocks
from briefer.rendering import html, markdown
from briefer.rendering.blocks import (
    Aside,
    Block,
    BulletList,
    Group,
    Heading,
    Inlines,
    Item,
    Label,
    Link,
    Lit,
    Para,
    Subtitle,
)
from briefer.rendering.brief import brief_article


def digest_title(digest: Digest) -> str:
    return f"Daily briefing — {digest.date}"


def digest_summary(digest: Digest) -> str:
    """``"12 stories from 30 articles · 2 failed"``."""
    stats = digest.stats
    stories = plural(len(digest.stories), "story", "stories")
    text = f"{stories} from {plural(stats.articles, 'article')}"
    return text + (f" · {len(digest.failures)} failed" if digest.failures else "")


def plural(count: int, one: str, many: str | None = None) -> str:
    """``plural(1, "story", "stories")`` is "1 story"; ``plural(3, "source")`` "3 sources"."""
    return f"{count} {one if count == 1 else many or one + 's'}"


def link_label(link: SourceLink) -> str:
    """``"Title (site)"`` for a page (or whichever of them it has, else the URL); the title
    or the file name for a file."""
    if not link.url:
        return link.title or Path(link.path or link.key).name
    if link.title and link.site and link.site not in link.title:
        return f"{link.title} ({link.site})"
    return link.title or link.site or link.url


# -- the parts, shared with the Slack messages -------------------------------------------------


def digest_header(digest: Digest) -> list[Block]:
    return [Heading((Lit(digest_title(digest)),), 1), Subtitle((Lit(digest_summary(digest)),))]


def contents_list(digest: Digest) -> BulletList:
    """``1. Title (2 sources)``; in HTML each title links to its story."""
    return BulletList(
        [
            Item(
                (
                    Link(f"story-{rank}", story.brief.title, style="anchor"),
                    Lit(" "),
                    Aside(plural(len(story.sources), "source"), "count"),
                )
            )
            for rank, story in enumerate(digest.stories, start=1)
        ],
        ordered=True,
    )


def source_links(story: Story) -> Inlines:
    """``Sources: a · b``, each source linked when it has an http(s) URL."""
    links: list[Link | Lit] = []
    for link in story.sources:
        links += [Lit(" · "), Link(link.url, link_label(link))]
    return (Label("Sources:"), Lit(" "), *links[1:])


def failure_item(failure: Failure) -> Inlines:
    return (Label(failure.stage, "stage"), Lit(" "), failure.item, Lit(": "), failure.reason)


def failure_items(failures: Sequence[Failure]) -> BulletList:
    return BulletList([Item(failure_item(f)) for f in failures])


# -- the page ----------------------------------------------------------------------------------


def digest_blocks(digest: Digest) -> list[Block]:
    blocks: list[Block] = [Group(digest_header(digest), tag="header")]
    if digest.stories:
        blocks.append(Group([Heading((Lit("Contents"),), 2), contents_list(digest)], tag="nav"))
    for rank, story in enumerate(digest.stories, start=1):
        sources = Para(source_links(story), role="sources")
        blocks.append(
            Group(
                [brief_article(story.brief, rank=rank), *followup_blocks(story), sources],
                "section",
                f"story-{rank}",
            )
        )
    if digest.failures:
        failed: list[Block] = [
            Heading((Lit(f"Failed ({len(digest.failures)})"),), 2),
            Para((Lit("A re-run of the same day retries these."),)),
            failure_items(digest.failures),
        ]
        blocks.append(Group(failed, "section", "failures", role="failures"))
    return blocks


def digest_markdown(digest: Digest) -> str:
    return markdown.to_markdown(digest_blocks(digest))


DIGEST_STYLE = """<style>
nav ol { padding-left: 1.4rem; } nav .count, .sources { color: #666; font-size: .9em; }
section.failures li { margin-bottom: .3rem; } .stage { font-weight: 600; text-transform: uppercase;
font-size: .8em; color: #a12; }
</style>"""


def digest_html(digest: Digest) -> str:
    body = html.to_html(digest_blocks(digest))
    return html.page(digest_title(digest), f"{DIGEST_STYLE}\n{body}")


__all__ = [
    "contents_list",
    "digest_blocks",
    "digest_header",
    "digest_html",
    "digest_markdown",
    "digest_summary",
    "digest_title",
    "failure_item",
    "failure_items",
    "link_label",
    "plural",
    "source_links",
]
