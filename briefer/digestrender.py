"""The digest as Markdown and HTML: contents, each story's brief and sources, the failures.

Everything from an article or a model is escaped (``render.md_escape``, ``html.escape``);
only http(s) links are rendered (``render.safe_url``).
"""

from __future__ import annotations

import html
from pathlib import Path

from briefer.daymodels import Digest, SourceLink
from briefer.render import html_page, md_escape, render_html_fragment, render_markdown, safe_url


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


def digest_markdown(digest: Digest) -> str:
    lines = [
        f"# {md_escape(digest_title(digest))}",
        "",
        f"_{md_escape(digest_summary(digest))}_",
        "",
    ]
    if digest.stories:
        lines += ["## Contents", ""]
        lines += [
            f"{rank}. {md_escape(s.brief.title)} ({plural(len(s.sources), 'source')})"
            for rank, s in enumerate(digest.stories, start=1)
        ]
        lines.append("")
    for rank, story in enumerate(digest.stories, start=1):
        body = render_markdown(story.brief, heading_level=2).split("\n", 1)[1]
        lines += [f"## {rank}. {md_escape(story.brief.title)}", body.rstrip("\n"), ""]
        lines += ["**Sources:** " + " · ".join(_md_link(link) for link in story.sources), ""]
    if digest.failures:
        lines += [
            f"## Failed ({len(digest.failures)})",
            "",
            "A re-run of the same day retries these.",
            "",
        ]
        lines += [
            f"- **{f.stage}** {md_escape(f.item)}: {md_escape(f.reason)}" for f in digest.failures
        ]
        lines.append("")
    return "\n".join(lines)


def _md_link(link: SourceLink) -> str:
    url = safe_url(link.url)
    label = md_escape(link_label(link))
    return f"[{label}](<{url}>)" if url else label


DIGEST_STYLE = """<style>
nav ol { padding-left: 1.4rem; } nav .count, .sources { color: #666; font-size: .9em; }
section.failures li { margin-bottom: .3rem; } .stage { font-weight: 600; text-transform: uppercase;
font-size: .8em; color: #a12; }
</style>"""


def digest_html(digest: Digest) -> str:
    e = html.escape
    parts = [
        DIGEST_STYLE,
        f"<header><h1>{e(digest_title(digest))}</h1><p>{e(digest_summary(digest))}</p></header>",
    ]
    if digest.stories:
        items = "".join(
            f'<li><a href="#story-{rank}">{e(s.brief.title)}</a> '
            f'<span class="count">· {e(plural(len(s.sources), "source"))}</span></li>'
            for rank, s in enumerate(digest.stories, start=1)
        )
        parts.append(f"<nav><h2>Contents</h2><ol>{items}</ol></nav>")
    for rank, story in enumerate(digest.stories, start=1):
        links = " · ".join(_html_link(link) for link in story.sources)
        parts.append(
            f'<section id="story-{rank}">{render_html_fragment(story.brief)}'
            f'<p class="sources">Sources: {links}</p></section>'
        )
    if digest.failures:
        items = "".join(
            f'<li><span class="stage">{e(f.stage)}</span> {e(f.item)}: {e(f.reason)}</li>'
            for f in digest.failures
        )
        parts.append(
            f'<section class="failures" id="failures"><h2>Failed ({len(digest.failures)})</h2>'
            f"<p>A re-run of the same day retries these.</p><ul>{items}</ul></section>"
        )
    return html_page(digest_title(digest), "\n".join(parts))


def _html_link(link: SourceLink) -> str:
    url = safe_url(link.url)
    label = html.escape(link_label(link))
    return f'<a href="{html.escape(url)}" rel="noopener noreferrer">{label}</a>' if url else label


__all__ = [
    "digest_html",
    "digest_markdown",
    "digest_summary",
    "digest_title",
    "link_label",
    "plural",
]
