"""A brief as Markdown (the default, readable in a terminal), JSON or HTML.

``brief_blocks`` builds the brief once; the Markdown and HTML renderers escape everything
that comes from the article or the model for their target. Items grounding could not
verify are marked, never hidden (unless ``--strict`` dropped them). The item builders
(``actor_item`` …) are shared with the digest and the Slack messages.
"""

from __future__ import annotations

from briefer.rendering.blocks import (
    Block,
    BulletList,
    Em,
    Footer,
    Group,
    Heading,
    Inlines,
    Item,
    Link,
    Lit,
    Para,
    Strong,
    TextOnly,
    Unverified,
)
from briefer.schema import Actor, Brief, Claim, Number

FORMATS = ("md", "json", "html")


def render(brief: Brief, fmt: str = "md") -> str:
    if fmt == "json":
        return brief.model_dump_json(indent=2) + "\n"
    # Each renderer is imported for its own format: a JSON brief needs neither.
    if fmt == "html":
        from briefer.rendering import html

        return html.page(brief.title, html.block(brief_article(brief)))
    if fmt == "md":
        from briefer.rendering import markdown

        return markdown.to_markdown(brief_blocks(brief))
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def brief_blocks(brief: Brief, *, rank: int | None = None) -> list[Block]:
    """Title, summary, a heading and a list per part, the run details. In a digest
    (``rank``) the title is one level down and numbered in the text formats."""
    level = 1 if rank is None else 2
    numbered: Inlines = () if rank is None else (TextOnly((Lit(f"{rank}. "),)),)
    blocks: list[Block] = [
        Heading((*numbered, brief.title), level, html_level=2),
        Para((brief.summary,)),
    ]
    parts = (
        ("Actors", [Item(actor_item(a)) for a in brief.actors]),
        ("Claims", [Item(claim_item(c), quote=c.evidence) for c in brief.claims]),
        ("Numbers", [Item(number_item(n)) for n in brief.numbers]),
        ("Open questions", [Item((q,)) for q in brief.open_questions]),
    )
    for heading, items in parts:
        if items:
            title = Heading((Lit(heading),), level + 1, html_level=3)
            blocks.append(Group([title, BulletList(items)]))
    blocks.append(Footer(run_details(brief)))
    return blocks


def brief_article(brief: Brief, *, rank: int | None = None) -> Group:
    """The brief as one HTML ``<article>``, for pages that hold several briefs."""
    return Group(brief_blocks(brief, rank=rank), tag="article", role="brief", lines=True)


# -- the items ---------------------------------------------------------------------------------


def flag(grounded: bool) -> Inlines:
    """The unverified mark after an item, or nothing."""
    return () if grounded else (Lit(" "), Unverified())


def actor_item(actor: Actor, separator: str = " — ") -> Inlines:
    return (Strong((actor.name,)), Lit(separator), actor.role, *flag(actor.grounded))


def claim_item(claim: Claim) -> Inlines:
    who: Inlines = (Lit(" — "), Em((claim.attributed_to,))) if claim.attributed_to else ()
    return (claim.text, *who, *flag(claim.grounded))


def number_item(number: Number, *, value: bool = True) -> Inlines:
    """``**50 thousand** (50,000 soldiers): context``; without ``value``, as Slack shows
    it: ``*50 thousand* soldiers: context``."""
    unit: Inlines = (Lit(" "), number.unit) if number.unit else ()
    amount: Inlines = (Lit(" ("), number_value(number.value), *unit, Lit(")")) if value else unit
    return (Strong((number.text,)), *amount, Lit(": "), number.context, *flag(number.grounded))


def number_value(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def run_details(brief: Brief) -> Inlines:
    """The source and the run; HTML shows the short form (``TextOnly`` is left out)."""
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


__all__ = [
    "FORMATS",
    "actor_item",
    "brief_article",
    "brief_blocks",
    "claim_item",
    "flag",
    "number_item",
    "render",
    "run_details",
]
