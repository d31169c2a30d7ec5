"""The digest as Markdown and HTML: numbered compact stories, the failures, one run footer.

``digest_blocks`` builds the digest once (``briefer.rendering``); the renderers escape
everything from an article or a model and render only http(s) links.

A story shows, in this order: its number and title (linked to its first source with an
http(s) URL), its sources and how many of its items are unverified, the lead (below), and
a closed disclosure with its actors, claims (each with its quote), numbers and open
questions. Run details (models, prompt versions, counts, timings) are in one footer for
the whole digest.

The lead (``story_lead``) is deterministic:

* summary: the summary's first sentence;
* why it matters: the rest of the summary when it has more than one sentence, else the
  first verified claim that does not restate the summary (less than ``RESTATES`` of its
  content words are the summary's), else nothing;
* key numbers: the first ``KEY_NUMBERS`` verified numbers whose wording neither line
  already shows.

Markdown has the same content in the same order, plain: the disclosure's parts are a
nested list (raw ``<details>`` would render on GitHub only, and would put HTML, with its
own escaping, into a text format read in terminals and editors).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from briefer.daymodels import Digest, Failure, SourceLink, Story
from briefer.followlines import followup_blocks
from briefer.rendering import html, markdown
from briefer.rendering.blocks import (
    Aside,
    Block,
    BulletList,
    Disclosure,
    Footer,
    Group,
    Heading,
    Inline,
    Inlines,
    Item,
    Label,
    Link,
    Listing,
    Lit,
    Para,
    Strong,
    Subtitle,
    safe_url,
)
from briefer.rendering.brief import actor_item, claim_item, number_item
from briefer.schema import Brief, Number
from briefer.vocabulary import content_words

KEY_NUMBERS = 2
RESTATES = 0.6


def digest_title(digest: Digest) -> str:
    return f"Daily briefing — {digest.date}"


def digest_summary(digest: Digest) -> str:
    """``"12 stories from 30 articles · 2 failed"``."""
    stats = digest.stats
    stories = plural(len(digest.stories), "story", "stories")
    text = f"{stories} from {plural(stats.articles, 'article')}"
    text += f" · {len(digest.failures)} failed" if digest.failures else ""
    return text + (f" · {len(digest.queued)} waiting for a batch" if digest.queued else "")


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


def site_label(link: SourceLink) -> str:
    """Where a source is from, short: a page's site (else its URL's host), a file's name."""
    if not link.url:
        return Path(link.path or link.key).name
    return link.site or urlsplit(link.url).hostname or link.url


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


# -- a story's lead ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lead:
    """What a reader sees of a story before opening it (see the module docstring)."""

    url: str | None
    summary: str
    why: Inlines
    numbers: tuple[Number, ...]


def story_url(story: Story) -> str | None:
    """The first source's http(s) URL (the headline's link), else the brief's article's."""
    urls = [link.url for link in story.sources] + [story.brief.article.url]
    return next((url for url in urls if safe_url(url)), None)


def story_lead(story: Story) -> Lead:
    brief = story.brief
    first, rest = split_first_sentence(brief.summary)
    why: Inlines = (rest,) if rest else why_claim(brief, first)
    said = " ".join([first, rest, *(p for p in why if isinstance(p, str))])
    return Lead(story_url(story), first, why, key_numbers(brief, said))


def split_first_sentence(text: str) -> tuple[str, str]:
    """``text``'s first sentence and the rest (``""`` when it is one sentence)."""
    from briefer.chunking import sentence_spans  # tiktoken is imported only when rendering

    spans = sentence_spans(text)
    if len(spans) < 2:
        return " ".join(text.split()), ""
    return text[: spans[0][1]], text[spans[1][0] :]


def why_claim(brief: Brief, summary: str) -> Inlines:
    """The first verified claim that says something the summary does not, with its speaker."""
    known = content_words(summary)
    for claim in brief.claims:
        words = content_words(claim.text)
        if claim.grounded and words and len(words & known) < RESTATES * len(words):
            return claim_item(claim)
    return ()


def key_numbers(brief: Brief, said: str) -> tuple[Number, ...]:
    fresh = [n for n in brief.numbers if n.grounded and n.text not in said]
    return tuple(fresh[:KEY_NUMBERS])


def key_number(number: Number) -> Inlines:
    """The number's context with its wording in bold (``sales fell **1.1%** in May``), or
    ``**2,300** pupils: context`` when the context does not contain the wording."""
    at = number.context.find(number.text)
    if at < 0:
        unit: Inlines = (Lit(" "), number.unit) if number.unit else ()
        return (Strong((number.text,)), *unit, Lit(": "), number.context)
    before, after = number.context[:at], number.context[at + len(number.text) :]
    return (*_spaced(before), Strong((number.text,)), *_spaced(after))


def _spaced(text: str) -> Inlines:
    """``text`` with the spaces at its ends kept (the renderers trim a ``str``)."""
    if not text.strip():
        return (Lit(" "),) if text else ()
    lead = (Lit(" "),) if text[0].isspace() else ()
    tail = (Lit(" "),) if text[-1].isspace() else ()
    return (*lead, text.strip(), *tail)


def unverified(brief: Brief) -> int:
    return brief.meta.grounding.ungrounded


# -- a story -----------------------------------------------------------------------------------


def headline(rank: int, story: Story) -> Inlines:
    """``1. Title``, the title linked to the story's first source."""
    return (Lit(f"{rank}. "), Link(story_url(story), story.brief.title))


def story_meta(story: Story) -> Inlines:
    """``bbc.example · wire.example · ⚠ 2 unverified``: the sources, each linked, once."""
    pieces: list[Inline] = []
    for link in story.sources:
        pieces += [Lit(" · "), Link(link.url, site_label(link))]
    count = unverified(story.brief)
    if count:
        pieces += [Lit(" · "), Label(f"⚠ {count} unverified", "unverified")]
    return tuple(pieces[1:])


def story_details(brief: Brief) -> Disclosure:
    parts = [
        ("actor", [Item(actor_item(a)) for a in brief.actors]),
        ("claim", [Item(claim_item(c), quote=c.evidence or None) for c in brief.claims]),
        ("number", [Item(number_item(n)) for n in brief.numbers]),
        ("open question", [Item((q,)) for q in brief.open_questions]),
    ]
    present = [(name, items) for name, items in parts if items]
    titles = [f"{name.capitalize()}s ({len(items)})" for name, items in present]
    summary = " · ".join(plural(len(items), name) for name, items in present)
    return Disclosure(
        (Lit(summary or "nothing more"),),
        [Listing((Lit(title),), items) for title, (_, items) in zip(titles, present, strict=True)],
        role="details",
    )


def story_blocks(rank: int, story: Story) -> Group:
    lead = story_lead(story)
    blocks: list[Block] = [
        Heading(headline(rank, story), 2),
        Para(story_meta(story), role="meta"),
        Para((lead.summary,), role="summary"),
        *followup_blocks(story),  # new or continuing, sources that disagree
    ]
    if lead.why:
        blocks.append(Para((Label("Why it matters:", "label"), Lit(" "), *lead.why), role="why"))
    if lead.numbers:
        numbers = BulletList([Item(key_number(number)) for number in lead.numbers])
        label = Para((Label("Key numbers:", "label"),))
        blocks.append(Group([label, numbers], tag="div", role="key"))
    if story.brief.actors or story.brief.claims or story.brief.numbers:
        blocks.append(story_details(story.brief))
    return Group(blocks, tag="article", id=f"story-{rank}", role="story", lines=True)


# -- the run footer ----------------------------------------------------------------------------


def _distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def run_footer(digest: Digest) -> Footer:
    """Models, prompt versions, counts and timings of the whole day, on one line."""
    metas = [story.brief.meta for story in digest.stories]
    stats = digest.stats
    pieces: list[Inline] = [Lit("Run: ")]
    for label, values in (
        ("model", _distinct(f"{m.model} ({m.backend})" for m in metas)),
        ("prompts", _distinct(f"v{m.prompt_version} ({m.prompt_hash[:8]})" for m in metas)),
    ):
        if values:
            pieces += [Lit(f"{label} "), ", ".join(values), Lit(" · ")]
    grounded = sum(m.grounding.grounded for m in metas)
    ungrounded = sum(m.grounding.ungrounded for m in metas)
    dropped = sum(m.grounding.dropped for m in metas)
    counts = [
        f"{plural(stats.articles, 'article')}, {stats.duplicates} duplicates",
        f"{stats.briefed} briefed, {stats.resumed} resumed, {stats.failed} failed",
        f"{grounded} grounded, {ungrounded} unverified"
        + (f", {dropped} dropped (--strict)" if dropped else ""),
        f"{plural(stats.model_calls, 'model call')}, {stats.cache_hits} cached",
        f"{stats.usage.prompt_tokens:,}+{stats.usage.completion_tokens:,} tokens",
        f"{stats.seconds:.1f} s",
        f"generated {digest.generated_at}",
    ]
    pieces.append(Lit(" · ".join(counts)))
    return Footer(tuple(pieces))


# -- the page ----------------------------------------------------------------------------------


def digest_blocks(digest: Digest) -> list[Block]:
    blocks: list[Block] = [Group(digest_header(digest), tag="header")]
    blocks += [story_blocks(rank, story) for rank, story in enumerate(digest.stories, start=1)]
    if digest.failures:
        failed: list[Block] = [
            Heading((Lit(f"Failed ({len(digest.failures)})"),), 2),
            Para((Lit("A re-run of the same day retries these."),)),
            failure_items(digest.failures),
        ]
        blocks.append(Group(failed, "section", "failures", role="failures"))
    if digest.queued:
        waiting: list[Block] = [
            Heading((Lit(f"Waiting for a batch ({len(digest.queued)})"),), 2),
            Para((Lit("Run `briefer daily` again to collect their answers."),)),
            failure_items(digest.queued),
        ]
        blocks.append(Group(waiting, "section", "queued", role="failures"))
    blocks.append(run_footer(digest))
    return blocks


def digest_markdown(digest: Digest) -> str:
    return markdown.to_markdown(digest_blocks(digest))


DIGEST_STYLE = """
article.story { border-top: 1px solid var(--line); padding: .9rem 0 .6rem; }
article.story h2 { font-size: 1.2rem; margin: 0 0 .15rem; }
article.story h2 a { color: inherit; text-decoration-color: var(--line); text-underline-offset: .2em; }
article.story h2 a:hover { color: var(--link); text-decoration-color: currentColor; }
article.story p { margin: .25rem 0; }
.meta { color: var(--muted); font-size: .85rem; }
.meta a { color: inherit; }
.why, .key { font-size: .95rem; }
.key { display: flex; flex-wrap: wrap; column-gap: .4rem; }
.key ul { flex: 1 1 20rem; margin: .25rem 0; padding-left: 1.1rem; }
.label { color: var(--muted); font-weight: 600; }
details { margin: .4rem 0 .2rem; }
summary { cursor: pointer; color: var(--link); font-size: .9rem; padding: .15rem 0; width: max-content;
  max-width: 100%; }
details[open] summary { margin-bottom: .3rem; }
details ul { margin: .2rem 0 .5rem; padding-left: 1.2rem; }
details li { margin: .15rem 0; }
section.failures { border-top: 1px solid var(--line); }
section.failures h2 { font-size: 1.2rem; margin: .9rem 0 .2rem; }
section.failures li { margin-bottom: .3rem; }
.stage { font-weight: 600; text-transform: uppercase; font-size: .8em; color: var(--bad); }
body > footer { border-top: 1px solid var(--line); margin-top: 1.5rem; padding-top: .8rem; }
"""


def digest_html(digest: Digest) -> str:
    body = html.to_html(digest_blocks(digest))
    return html.page(digest_title(digest), body, style=html.PAGE_STYLE + DIGEST_STYLE)


__all__ = [
    "KEY_NUMBERS",
    "RESTATES",
    "Lead",
    "contents_list",
    "digest_blocks",
    "digest_header",
    "digest_html",
    "digest_markdown",
    "digest_summary",
    "digest_title",
    "failure_item",
    "failure_items",
    "headline",
    "key_number",
    "key_numbers",
    "link_label",
    "plural",
    "run_footer",
    "site_label",
    "source_links",
    "split_first_sentence",
    "story_blocks",
    "story_details",
    "story_lead",
    "story_meta",
    "story_url",
    "why_claim",
]
