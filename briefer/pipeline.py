"""The pipeline for one article: chunk → cite → prompt → model → validate → resolve → merge → ground.

``Briefer`` holds what is costly to build (backend, cache, prompt set, encoding) and is
reused across articles and threads; ``brief_article`` is the one-call convenience.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from briefer.articles import Article, load_article
from briefer.backends import Backend, Deferred
from briefer.backends.stack import build_backend
from briefer.chunking import Chunk, split_article
from briefer.citations import MAX_LISTED, CitedArticle, Excerpt, resolve
from briefer.config import Settings, load_settings
from briefer.errors import InputError, ModelError
from briefer.grounding import ground
from briefer.llm import CallStats, ModelClient
from briefer.merge import apply_selection, list_lengths, merge_drafts, over_caps, truncate_to_caps
from briefer.nlp import find_candidates, with_rule_speakers
from briefer.nlp.candidates import Candidates, Shown, shown_in
from briefer.prompts import PromptSet, load_prompts
from briefer.schema import (
    MIN_CLAIMS,
    Brief,
    BriefDraft,
    BriefMeta,
    CitedDraft,
    Selection,
    cited_json_schema,
    selection_json_schema,
)
from briefer.tokens import encoding_for_model, known_model
from briefer.urls import redact_url

PROMPT_OVERHEAD_MARGIN = 32  # tokens for chat-template wrapping around each message
# Budgets are counted with tiktoken. Models with other tokenizers (the embedded Qwen, most
# models behind a local server) usually need more tokens for the same text, so their
# article budget keeps this much headroom to stay inside the context window.
FOREIGN_TOKENIZER_HEADROOM = 1.25
# The prompt shows the article as numbered sentences plus a list of its quantities; the
# ids and the list cost about this much on top of the plain text (measured on the gold
# articles: 1.08-1.22), so chunks are cut that much smaller.
CITATION_HEADROOM = 1.3
BUDGET_SENTENCES = 80
MAX_RECHUNKS = 8
RECHUNK_FACTOR = 0.8
MIN_CHUNK_BUDGET = 64
ACTOR_NAME_CHARS = 60  # CitedActor.name


class Briefer:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        backend: Backend | None = None,
        prompts: PromptSet | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.prompts = prompts or load_prompts(self.settings.prompts_dir)
        self.backend = backend or build_backend(self.settings)
        self.client = ModelClient(
            self.backend,
            reasks=self.settings.reasks,
            max_tokens=self.settings.max_output_tokens,
            temperature=self.settings.temperature,
        )
        self.encoding = encoding_for_model(self.backend.model)
        # In json_object mode the schema, with its id enums, is part of the prompt; budget
        # for a chunk of up to this many sentences (its numbers are capped anyway).
        self._budget_schema_text = json.dumps(
            cited_json_schema(range(1, BUDGET_SENTENCES + 1), range(1, MAX_LISTED + 1)),
            separators=(",", ":"),
        )

    def brief(self, article: Article) -> Brief:
        started = time.monotonic()
        stats = CallStats()
        cited = CitedArticle(article.text)
        cited.require_sentences(redact_url(article.url or article.source or article.id))
        candidates = find_candidates(article.text)
        chunks = self.chunk(article, cited)
        resolutions = []
        deferred: Deferred | None = None
        for chunk in chunks:  # a chunk queued for a batch does not stop the others being queued
            try:
                answer = self._brief_chunk(article, cited, candidates, chunk, len(chunks), stats)
            except Deferred as queued:
                deferred = queued
                continue
            resolutions.append(resolve(answer, cited))
        if deferred is not None:
            raise deferred
        draft, invalid_selections = self._reduce(article, [r.draft for r in resolutions], stats)
        items = ground(draft, article.text, strict=self.settings.strict)
        return items.brief(
            draft,
            article.ref(),
            BriefMeta(
                model=self.backend.model,
                backend=self.backend.name,
                endpoint_host=self.backend.endpoint,
                prompt_version=self.prompts.version,
                prompt_hash=self.prompts.hash,
                usage=stats.usage,
                calls=stats.calls,
                cache_hits=stats.cache_hits,
                chunks=len(chunks),
                reasks=stats.reasks,
                seconds=round(time.monotonic() - started, 3),
                model_seconds=round(stats.model_seconds, 3),
                grounding=items.counts,
                invalid_citations=sum(r.invalid_citations for r in resolutions)
                + invalid_selections,
                strict=self.settings.strict,
            ),
        )

    def input_budget(self, article: Article) -> int:
        """Context window − rendered prompt (without the article) − reserved output tokens."""
        empty = self.prompts.brief_messages(
            excerpt=Excerpt((), ()),
            title=article.title,
            source=article.source,
            date=article.date,
            chunk_index=0,
            chunk_count=2,
            json_mode=self.client.json_mode,
            schema_json=self._budget_schema_text,
        )
        prompt_tokens = sum(
            len(self.encoding.encode(content, disallowed_special=())) for _, content in empty
        )
        budget = (
            self.settings.window()
            - prompt_tokens
            - self.settings.max_output_tokens
            - PROMPT_OVERHEAD_MARGIN * len(empty)
        )
        budget = int(budget / CITATION_HEADROOM)
        if not known_model(self.backend.model):
            budget = int(budget / FOREIGN_TOKENIZER_HEADROOM)
        if budget < 64:
            raise InputError(
                f"the context window ({self.settings.window()} tokens) leaves {budget} tokens for the "
                "article after the prompt and the reserved output; raise --context-window or "
                "lower --max-output-tokens"
            )
        return budget

    def chunk(self, article: Article, cited: CitedArticle | None = None) -> list[Chunk]:
        """Chunks whose rendered prompts fit the window with the output reserved.

        The budget is a first guess; the numbered sentences and the list of quantities cost
        more where an article is full of numbers (a 966-word article's prompt came to 2,825
        Qwen tokens), so each chunk's whole prompt is counted and the budget cut until all fit.
        """
        budget = self.input_budget(article)
        cited = cited or CitedArticle(article.text)
        for _ in range(MAX_RECHUNKS):
            chunks = split_article(
                article.text, budget=budget, encoding=self.encoding, overlap=self.settings.overlap_tokens
            )
            worst = max(self._prompt_tokens(article, cited, c, len(chunks)) for c in chunks)
            if worst + self.settings.max_output_tokens <= self.settings.window():
                return chunks
            budget = int(budget * RECHUNK_FACTOR)
            if budget < MIN_CHUNK_BUDGET:
                break
        raise InputError(
            f"the context window ({self.settings.window()} tokens) cannot hold a prompt of this "
            "article with the reserved output; raise --context-window or lower --max-output-tokens"
        )

    def _prompt_tokens(self, article: Article, cited: CitedArticle, chunk: Chunk, count: int) -> int:
        """Tokens of a chunk's rendered prompt, as the budget counts them."""
        excerpt = cited.excerpt(chunk.start, chunk.end)
        messages = self._chunk_messages(
            article, excerpt, chunk, count, self.client.json_mode, self._budget_schema_text,
            _shown(find_candidates(article.text), excerpt),
        )
        tokens = sum(len(self.encoding.encode(text, disallowed_special=())) for _, text in messages)
        tokens += PROMPT_OVERHEAD_MARGIN * len(messages)
        return tokens if known_model(self.backend.model) else int(tokens * FOREIGN_TOKENIZER_HEADROOM)

    def _chunk_messages(
        self, article: Article, excerpt: Excerpt, chunk: Chunk, count: int, json_mode: str,
        schema_text: str, shown: Shown,
    ) -> tuple[tuple[str, str], ...]:
        return self.prompts.brief_messages(
            excerpt=excerpt,
            title=article.title,
            source=article.source,
            date=article.date,
            chunk_index=chunk.index,
            chunk_count=count,
            json_mode=json_mode,
            schema_json=schema_text,
            shown=shown,
        )

    def _brief_chunk(
        self, article: Article, cited: CitedArticle, candidates: Candidates, chunk: Chunk,
        count: int, stats: CallStats,
    ) -> CitedDraft:
        excerpt = cited.excerpt(chunk.start, chunk.end)
        shown = _shown(candidates, excerpt)
        schema = cited_json_schema(*_choices(excerpt, shown))
        schema_text = json.dumps(schema, separators=(",", ":"))

        def messages(json_mode: str) -> tuple[tuple[str, str], ...]:
            return self._chunk_messages(article, excerpt, chunk, count, json_mode, schema_text, shown)

        answer, _ = self.client.structured(messages, CitedDraft, schema, stats)
        if self.settings.speakers == "rules":
            answer = with_rule_speakers(answer, cited, candidates)
        return answer

    def _reduce(
        self, article: Article, partials: list[BriefDraft], stats: CallStats
    ) -> tuple[BriefDraft, int]:
        """Merge partial briefs (with one chunk this only removes repeated items), then
        condense lists over their caps; also the number of invalid ids the condensing cited."""
        merged = merge_drafts(partials)
        if not over_caps(merged):
            return BriefDraft.model_validate(merged.model_dump()), 0
        return self._condense(article, merged, [p.summary for p in partials], stats)

    def _condense(
        self, article: Article, merged: BriefDraft, summaries: list[str], stats: CallStats
    ) -> tuple[BriefDraft, int]:
        schema = selection_json_schema(list_lengths(merged))
        schema_text = json.dumps(schema, separators=(",", ":"))

        def messages(json_mode: str) -> tuple[tuple[str, str], ...]:
            return self.prompts.merge_messages(
                merged=merged,
                summaries=summaries,
                title=article.title,
                json_mode=json_mode,
                schema_json=schema_text,
            )

        try:
            selection, _ = self.client.structured(messages, Selection, schema, stats)
        except ModelError:  # the deterministic merge is still a usable brief
            return truncate_to_caps(merged), 0
        return apply_selection(merged, selection)


def _shown(candidates: Candidates, excerpt: Excerpt) -> Shown:
    return shown_in(candidates, excerpt.sentence_ids, excerpt.listed_ids)


def _choices(excerpt: Excerpt, shown: Shown) -> tuple[list[int], list[int], list[str]]:
    """What the model may cite: the shown candidates, or the whole chunk where too few are
    shown to fill a brief (a short article, no candidates found)."""
    claims = [c.sentence for c in shown.claims]
    sentences = claims if len(claims) >= MIN_CLAIMS else excerpt.sentence_ids
    numbers = list(shown.numbers) or excerpt.listed_ids
    names = [a.name for a in shown.actors if len(a.name) <= ACTOR_NAME_CHARS]
    return sentences, numbers, names


def brief_article(
    source: str | Path | Article, *, settings: Settings | None = None, **flags: Any
) -> Brief:
    """Brief one article: a path, URL, ``-`` or an ``Article``. Flags override settings."""
    settings = settings or load_settings(flags)
    article = (
        source
        if isinstance(source, Article)
        else load_article(str(source), max_chars=settings.max_chars)
    )
    return Briefer(settings).brief(article)
