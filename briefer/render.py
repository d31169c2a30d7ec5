"""Render a brief as Markdown (the default, readable in a terminal), JSON or HTML.

Everything that comes from the article or the model is escaped for the target format.
Items grounding could not verify are marked, never hidden (unless ``--strict`` dropped them).
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from briefer.schema import Brief

UNVERIFIED = "⚠ unverified"
FORMATS = ("md", "json", "html")


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are ever rendered, percent-encoded (no ``javascript:``, no spaces)."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


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
    text = " ".join(text.split())
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def _flag(grounded: bool) -> str:
    return "" if grounded else f" _{UNVERIFIED}_"


def _number_value(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def render_markdown(brief: Brief, *, heading_level: int = 1) -> str:
    h = "#" * heading_level
    lines = [f"{h} {md_escape(brief.title)}", "", md_escape(brief.summary), ""]
    if brief.actors:
        lines += [f"{h}# Actors", ""]
        lines += [
            f"- **{md_escape(a.name)}** — {md_escape(a.role)}{_flag(a.grounded)}"
            for a in brief.actors
        ]
        lines.append("")
    if brief.claims:
        lines += [f"{h}# Claims", ""]
        for claim in brief.claims:
            who = f" — _{md_escape(claim.attributed_to)}_" if claim.attributed_to else ""
            lines.append(f"- {md_escape(claim.text)}{who}{_flag(claim.grounded)}")
            lines.append(f"  > “{md_escape(claim.evidence)}”")
        lines.append("")
    if brief.numbers:
        lines += [f"{h}# Numbers", ""]
        for number in brief.numbers:
            unit = f" {md_escape(number.unit)}" if number.unit else ""
            lines.append(
                f"- **{md_escape(number.text)}** ({_number_value(number.value)}{unit}): "
                f"{md_escape(number.context)}{_flag(number.grounded)}"
            )
        lines.append("")
    if brief.open_questions:
        lines += [f"{h}# Open questions", ""]
        lines += [f"- {md_escape(q)}" for q in brief.open_questions]
        lines.append("")
    lines.append(_md_footer(brief))
    return "\n".join(lines) + "\n"


def _md_footer(brief: Brief) -> str:
    meta, counts = brief.meta, brief.meta.grounding
    source = brief.article.url or brief.article.source or brief.article.id
    dropped = f", {counts.dropped} dropped (--strict)" if counts.dropped else ""
    return (
        f"_Source: {md_escape(source)} · model {md_escape(meta.model)} ({meta.backend}) · "
        f"prompts v{meta.prompt_version} ({meta.prompt_hash}) · {counts.grounded} grounded, "
        f"{counts.ungrounded} unverified{dropped} · {meta.chunks} chunk(s), {meta.calls} call(s), "
        f"{meta.cache_hits} cached · {meta.usage.prompt_tokens}+{meta.usage.completion_tokens} tokens · "
        f"{meta.seconds:.1f}s_"
    )


def render_html_fragment(brief: Brief) -> str:
    """The brief as an HTML ``<article>`` element, for pages that hold several briefs."""
    e = html.escape

    def flag(grounded: bool) -> str:
        return "" if grounded else f' <span class="unverified">{UNVERIFIED}</span>'

    parts = [f'<article class="brief"><h2>{e(brief.title)}</h2>', f"<p>{e(brief.summary)}</p>"]
    if brief.actors:
        items = "".join(
            f"<li><b>{e(a.name)}</b> — {e(a.role)}{flag(a.grounded)}</li>" for a in brief.actors
        )
        parts.append(f"<h3>Actors</h3><ul>{items}</ul>")
    if brief.claims:
        items = "".join(
            f"<li>{e(c.text)}{' — <i>' + e(c.attributed_to) + '</i>' if c.attributed_to else ''}"
            f"{flag(c.grounded)}<blockquote>{e(c.evidence)}</blockquote></li>"
            for c in brief.claims
        )
        parts.append(f"<h3>Claims</h3><ul>{items}</ul>")
    if brief.numbers:
        items = "".join(
            f"<li><b>{e(n.text)}</b> ({e(_number_value(n.value))}{' ' + e(n.unit) if n.unit else ''}): "
            f"{e(n.context)}{flag(n.grounded)}</li>"
            for n in brief.numbers
        )
        parts.append(f"<h3>Numbers</h3><ul>{items}</ul>")
    if brief.open_questions:
        items = "".join(f"<li>{e(q)}</li>" for q in brief.open_questions)
        parts.append(f"<h3>Open questions</h3><ul>{items}</ul>")
    source = brief.article.url or brief.article.source or brief.article.id
    url = safe_url(brief.article.url)
    link = f'<a href="{e(url)}">{e(source)}</a>' if url else e(source)
    parts.append(
        f"<footer>Source: {link} · model {e(brief.meta.model)} · prompts v{e(brief.meta.prompt_version)}"
        f" · {brief.meta.grounding.grounded} grounded, {brief.meta.grounding.ungrounded} unverified</footer>"
    )
    parts.append("</article>")
    return "\n".join(parts)


PAGE_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1, h2 { line-height: 1.2; } h3 { margin-bottom: .2rem; font-size: 1rem; text-transform: uppercase; color: #555; }
blockquote { margin: .2rem 0 .6rem 1rem; color: #555; font-style: italic; }
.unverified { color: #a15c00; font-size: .85em; white-space: nowrap; }
article.brief { border-top: 1px solid #ddd; padding-top: 1rem; margin-top: 1.5rem; }
footer { color: #777; font-size: .85em; }
"""


def html_page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{PAGE_STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def render_html_page(brief: Brief) -> str:
    return html_page(brief.title, render_html_fragment(brief))
