"""Render a brief as Markdown (the default, readable in a terminal), JSON or HTML.

``brief_blocks`` builds the brief once (``briefer.rendering``); the Markdown and HTML
renderers escape everything that comes from the article or the model for their target.
Items grounding could not verify are marked, never hidden (unless ``--strict`` dropped them).
"""

from __future__ import annotations

from briefer.rendering import html, markdown
from briefer.rendering.blocks import (
    UNVERIFIED,
    Block,
    BulletList,
    Em,
    Footer,
    Group,
    Heading,
    Inline,
    Inlines,
    Item,
    Link,
    Lit,
    Para,
    Strong,
    TextOnly,
    Unverified,
    safe_url,
)
from briefer.schema import Actor, Brief, Claim, Number

FORMATS = ("md", "json", "html")


def render(brief: Brief, fmt: str = "md") -> str:
    if fmt == "json":
        return brief.model_dump_json(indent=2) + "\n"
    if fmt == "html":
        return render_html_page(brief)
    if fmt == "md":
        return render_markdown(brief)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def md_escape(text: str) -> str:
    """Neutralise Markdown/HTML syntax in untrusted text, keeping it readable."""
    return markdown.escape(text)


def flag(grounded: bool) -> Inlines:
    """The unverified mark after an item, or nothing."""
    return () if grounded else (Lit(" "), Unverified())


def number_value(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def actor_item(actor: Actor, separator: str = " — ") -> Inlines:
    return (Strong((actor.name,)), Lit(separator), actor.role, *flag(actor.grounded))


def claim_item(claim: Claim) -> Inlines:
    who: Inlines = (Lit(" — "), Em((claim.attributed_to,))) if claim.attributed_to else ()
    return (claim.text, *who, *flag(claim.grounded))


def number_item(number: Number) -> Inlines:
    unit: Inlines = (Lit(" "), number.unit) if number.unit else ()
    return (
        Strong((number.text,)),
        Lit(" ("),
        number_value(number.value),
        *unit,
        Lit("): "),
        number.context,
        *flag(number.grounded),
    )


def brief_blocks(brief: Brief, *, level: int = 1, rank: int | None = None) -> list[Block]:
    """The brief: title, summary, a heading and list per part, the run details. ``rank``
    (in a digest) numbers the title in the text formats."""
    numbered: Inlines = (TextOnly((Lit(f"{rank}. "),)),) if rank is not None else ()
    blocks: list[Block] = [
        Heading((*numbered, brief.title), level, html_level=2),
        Para((brief.summary,)),
    ]
    parts: list[tuple[str, list[Item]]] = [
        ("Actors", [Item(actor_item(a)) for a in brief.actors]),
        ("Claims", [Item(claim_item(c), quote=c.evidence) for c in brief.claims]),
        ("Numbers", [Item(number_item(n)) for n in brief.numbers]),
        ("Open questions", [Item((q,)) for q in brief.open_questions]),
    ]
    for heading, items in parts:
        if items:
            blocks.append(
                Group([Heading((Lit(heading),), level + 1, html_level=3), BulletList(items)])
            )
    blocks.append(Footer(_footer(brief)))
    return blocks


def _footer(brief: Brief) -> Inlines:
    """The source and run details; HTML shows the short form (TextOnly is left out)."""
    meta, counts = brief.meta, brief.meta.grounding
    source = brief.article.url or brief.article.source or brief.article.id
    dropped = f", {counts.dropped} dropped (--strict)" if counts.dropped else ""
    details = (
        f"{dropped} · {meta.chunks} chunk(s), {meta.calls} call(s), {meta.cache_hits} cached · "
        f"{meta.usage.prompt_tokens}+{meta.usage.completion_tokens} tokens · {meta.seconds:.1f}s"
    )
    return (
        Lit("Source: "),
        Link(brief.article.url, source, style="page"),
        Lit(" · model "),
        meta.model,
        TextOnly((Lit(f" ({meta.backend})"),)),
        Lit(" · prompts v"),
        meta.prompt_version,
        TextOnly((Lit(f" ({meta.prompt_hash})"),)),
        Lit(f" · {counts.grounded} grounded, {counts.ungrounded} unverified"),
        TextOnly((Lit(details),)),
    )


def render_markdown(brief: Brief, *, heading_level: int = 1) -> str:
    return markdown.to_markdown(brief_blocks(brief, level=heading_level))


def brief_article(brief: Brief, *, rank: int | None = None) -> Group:
    """The brief as one ``<article>`` (HTML), for pages that hold several briefs."""
    level = 1 if rank is None else 2
    return Group(
        brief_blocks(brief, level=level, rank=rank), tag="article", role="brief", lines=True
    )


def render_html_fragment(brief: Brief) -> str:
    """The brief as an HTML ``<article>`` element, for pages that hold several briefs."""
    return html.block(brief_article(brief))


def html_page(title: str, body: str) -> str:
    return html.page(title, body)


def render_html_page(brief: Brief) -> str:
    return html.page(brief.title, render_html_fragment(brief))


__all__ = [
    "FORMATS",
    "UNVERIFIED",
    "Inline",
    "brief_article",
    "brief_blocks",
    "md_escape",
    "render",
    "render_html_fragment",
    "render_html_page",
    "render_markdown",
    "safe_url",
]
