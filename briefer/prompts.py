"""Prompt templates: a versioned set of Jinja2 files rendered in a sandbox.

Templates come only from the prompt directory; article text is only ever passed in as a
variable (its title, source, date, numbered sentences and listed quantities, see
``citations``), so ``{{ 7*7 }}`` inside an article reaches the model literally. Every
untrusted string goes through :func:`fenced_text`, inside a fence (``<article>``,
``<numbers>``, ``<merged_brief>``) that no spelling of its closing tag in the text can end.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from briefer.article_index import Sentence
from briefer.citations import Excerpt, Listed
from briefer.errors import InputError
from briefer.nlp.candidates import Shown
from briefer.schema import LIST_CAPS, MODEL_MAX_CLAIMS, BriefDraft
from briefer.urls import redact_url

TEMPLATE_NAMES = ("brief_system.j2", "brief_user.j2", "merge_system.j2", "merge_user.j2")
# A set may leave these out: the built-in ones (``default_prompts_dir()``) stand in.
OPTIONAL_TEMPLATE_NAMES = ("headline_system.j2", "headline_user.j2")
CAPS = {**LIST_CAPS, "model_claims": MODEL_MAX_CLAIMS}

Messages = tuple[tuple[str, str], ...]

# The tags that fence untrusted text in the default templates (a swapped set should too).
FENCES = ("metadata", "article", "actors", "claims", "numbers", "gaps", "merged_brief", "brief")
_FENCE_NAMES = "|".join(FENCES)
# The "<" of a tag a model may read as one of them: any case, spaces around the slash.
_FENCE_TAG = re.compile(rf"<(?=\s*/?\s*(?:{_FENCE_NAMES})(?![\w-]))", re.IGNORECASE)


def default_prompts_dir() -> Path:
    """``prompts/`` of a source checkout, else the copy packaged inside the wheel."""
    package = Path(__file__).resolve().parent
    checkout = package.parent / "prompts"
    return checkout if (checkout / "manifest.toml").is_file() else package / "_prompts"


@dataclass(frozen=True)
class PromptSet:
    directory: Path
    version: str
    hash: str
    environment: SandboxedEnvironment

    def brief_messages(
        self,
        *,
        excerpt: Excerpt,
        title: str | None = None,
        source: str | None = None,
        date: str | None = None,
        chunk_index: int = 0,
        chunk_count: int = 1,
        json_mode: str = "schema",
        schema_json: str = "",
        shown: Shown | None = None,
    ) -> Messages:
        """The messages for one chunk; ``shown`` is the chunk's candidates (without them
        the prompt lists every number in reading order and no actors or claims)."""
        common = {"caps": CAPS, "json_mode": json_mode, "schema_json": schema_json}
        user = {
            "sentences": [
                {"id": s.id, "text": fenced_text(s.text)} for s in _shown_sentences(excerpt, shown)
            ],
            "numbers": [
                {"id": n.id, "label": fenced_text(n.label), "sentence": n.sentence}
                for n in _shown_numbers(excerpt, shown)
            ],
            "actors": [
                {"name": fenced_text(a.name), "kind": a.kind, "mentions": a.mentions}
                for a in (shown.actors if shown else ())
            ],
            "claims": [
                {"sentence": c.sentence, "speaker": fenced_text(c.speaker) if c.speaker else None}
                for c in (shown.claims if shown else ())
            ],
            "gaps": [{"hint": fenced_text(g.hint)} for g in (shown.gaps if shown else ())],
            "title": fenced_text(title) if title else None,
            "source": fenced_text(redact_url(source)) if source else None,
            "date": fenced_text(date) if date else None,
            "chunk_index": chunk_index,
            "chunk_count": chunk_count,
        }
        return (
            ("system", self._render("brief_system.j2", common)),
            ("user", self._render("brief_user.j2", {**common, **user})),
        )

    def merge_messages(
        self,
        *,
        merged: BriefDraft,
        summaries: list[str],
        title: str | None = None,
        json_mode: str = "schema",
        schema_json: str = "",
    ) -> Messages:
        common = {"caps": CAPS, "json_mode": json_mode, "schema_json": schema_json}
        lists = [
            ("actors", [f"{a.name} — {a.role}" for a in merged.actors]),
            (
                "claims",
                [f"{c.text} (by {c.attributed_to or 'the article'})" for c in merged.claims],
            ),
            ("numbers", [f"{n.text} {n.unit or ''}: {n.context}" for n in merged.numbers]),
            ("questions", list(merged.open_questions)),
        ]
        user = {
            "title": fenced_text(title) if title else None,
            "summaries": [fenced_text(summary) for summary in summaries],
            "lists": [
                {"name": name, "cap": CAPS[name], "entries": [fenced_text(i) for i in items]}
                for name, items in lists
            ],
        }
        return (
            ("system", self._render("merge_system.j2", common)),
            ("user", self._render("merge_user.j2", {**common, **user})),
        )

    def headline_messages(
        self,
        *,
        problem: str,
        title: str,
        summary: str,
        claims: list[str],
        actors: list[str],
        article_title: str | None = None,
        json_mode: str = "schema",
        schema_json: str = "",
    ) -> Messages:
        """The re-ask of an unsupported title and summary: the problem in one line and the
        brief's checked items to write them from."""
        common = {"json_mode": json_mode, "schema_json": schema_json}
        user = {
            "problem": fenced_text(problem),
            "title": fenced_text(title),
            "summary": fenced_text(summary),
            "claims": [fenced_text(claim) for claim in claims],
            "actors": [fenced_text(actor) for actor in actors],
            "article_title": fenced_text(article_title) if article_title else None,
        }
        return (
            ("system", self._render("headline_system.j2", common)),
            ("user", self._render("headline_user.j2", {**common, **user})),
        )

    def _render(self, name: str, context: dict[str, Any]) -> str:
        try:
            return self.environment.get_template(name).render(context).strip()
        except jinja2.TemplateError as error:
            raise InputError(f"{self.directory / name}: {error}; fix the template") from error


def _shown_sentences(excerpt: Excerpt, shown: Shown | None) -> list[Sentence]:
    """The chunk's claim candidates in reading order; every sentence when there are too
    few of them to fill a brief (a short article, nothing ranked)."""
    if shown is None or not shown.claims_decide:
        return list(excerpt.sentences)
    chosen = {c.sentence for c in shown.claims}
    return [s for s in excerpt.sentences if s.id in chosen]


def _shown_numbers(excerpt: Excerpt, shown: Shown | None) -> list[Listed]:
    if shown is None or not shown.numbers:  # as the schema then allows every listed id
        return list(excerpt.listed)
    by_id = {n.id: n for n in excerpt.listed}
    return [by_id[i] for i in shown.numbers if i in by_id]


def load_prompts(directory: Path | None = None) -> PromptSet:
    directory = directory or default_prompts_dir()
    missing = [
        name for name in (*TEMPLATE_NAMES, "manifest.toml") if not (directory / name).is_file()
    ]
    if missing:
        raise InputError(
            f"{directory}: prompt set is missing {', '.join(missing)}; copy them from prompts/"
        )
    try:
        manifest = tomllib.loads((directory / "manifest.toml").read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{directory / 'manifest.toml'}: {error}; fix the TOML") from error
    environment = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(_search_path(directory)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )
    return PromptSet(
        directory=directory,
        version=str(manifest.get("version", "unversioned")),
        hash=_hash_templates(directory),
        environment=environment,
    )


def _search_path(directory: Path) -> list[Path]:
    """The set's folder, then the built-in set for the optional templates it leaves out."""
    default = default_prompts_dir()
    return [directory] if directory.resolve() == default.resolve() else [directory, default]


def _template_path(directory: Path, name: str) -> Path:
    for folder in _search_path(directory):
        if (folder / name).is_file():
            return folder / name
    return directory / name


def _hash_templates(directory: Path) -> str:
    """Of every template the set renders: the required four, then each optional one (the
    set's own, or the built-in one standing in)."""
    digest = hashlib.sha256()
    for name in TEMPLATE_NAMES:
        digest.update(name.encode())
        digest.update((directory / name).read_bytes())
    for name in OPTIONAL_TEMPLATE_NAMES:
        path = _template_path(directory, name)
        if path.is_file():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def fenced_text(text: str) -> str:
    """Untrusted text (the article, its title, a model's earlier answer) made safe to fence.

    Any opening or closing tag of a fence the prompts use (``</article>``, ``</ARTICLE>``,
    ``</Article >``, ``< /article>``, a line break before the ``>``, ``<numbers>`` ...)
    loses its ``<`` to ``&lt;``, so it cannot end the block that holds it or open one; and
    line breaks become spaces, so the text cannot start a line of its own ("[9] …",
    "Title: …").
    """
    return " ".join(_FENCE_TAG.sub("&lt;", text).split())
