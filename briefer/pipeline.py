"""The pipeline for one article: chunk → cite → prompt → model → validate → resolve → merge → ground.

``Briefer`` holds what is costly to build (backend, cache, prompt set, encoding) and is
reused across articles and threads; ``brief_article`` is the one-call convenience.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefer.articles import Article, load_article
from briefer.backends import Backend
from briefer.backends.stack import build_backend
from briefer.backends.tally import Tally
from briefer.chunking import Chunk, split_article
from briefer.citations import MAX_LISTED, CitedArticle, Excerpt, resolve
from briefer.config import Settings, load_settings
from briefer.errors import InputError, ModelError
from briefer.grounding import ground
from briefer.llm import ModelClient
from briefer.merge import apply_selection, list_lengths, merge_drafts, over_caps, truncate_to_caps
from briefer.prompts import PromptSet, load_prompts
from briefer.schema import (
    Brief,
    BriefDraft,
    BriefMeta,
    CitedDraft,
    Selection,
    cited_json_schema,
    selection_json_schema,
)
from briefer.tokens import encoding_for_model, known_model, utf8_bytes
from briefer.urls import redact_url

if TYPE_CHECKING:
    import tiktoken

Counter = Callable[[str], int]

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
        # In json_object mode the schema, with its id enums, is part of the prompt; budget
        # for a chunk of up to this many sentences (its numbers are capped anyway).
        self._budget_schema_text = json.dumps(
            cited_json_schema(range(1, BUDGET_SENTENCES + 1), range(1, MAX_LISTED + 1)),
            separators=(",", ":"),
        )

    @cached_property
    def encoding(self) -> tiktoken.Encoding:
        """Built on first use (about 0.45 s): an article that fits by its bytes never needs it."""
        return encoding_for_model(self.backend.model)

    def brief(self, article: Article, tally: Tally | None = None) -> Brief:
        """The article's brief. Pass ``tally`` to learn what it cost even when it raises."""
        started = time.monotonic()
        stats = tally if tally is not None else Tally()
        cited = CitedArticle(article.text)
        cited.require_sentences(redact_url(article.url or article.source or article.id))
        chunks = self.chunk(article, cited)
        resolutions = [
            resolve(self._brief_chunk(article, cited, chunk, len(chunks), stats), cited)
            for chunk in chunks
        ]
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
                usage=stats.billed,
                cached_usage=stats.cached,
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
        budget = self._budget(article, self._tokens)
        if budget < 64:
            raise InputError(
                f"the context window ({self.settings.window()} tokens) leaves {budget} tokens for the "
                "article after the prompt and the reserved output; raise --context-window or "
                "lower --max-output-tokens"
            )
        return budget

    def _budget(self, article: Article, count: Counter) -> int:
        empty = self._chunk_messages(  # worded as part 1 of 2, longer than a whole article
            article, Excerpt((), ()), 0, 2, self.client.json_mode, self._budget_schema_text
        )
        prompt_tokens = sum(count(content) for _, content in empty)
        budget = (
            self.settings.window()
            - prompt_tokens
            - self.settings.max_output_tokens
            - PROMPT_OVERHEAD_MARGIN * len(empty)
        )
        budget = int(budget / CITATION_HEADROOM)
        if not known_model(self.backend.model):
            budget = int(budget / FOREIGN_TOKENIZER_HEADROOM)
        return budget

    def chunk(self, article: Article, cited: CitedArticle | None = None) -> list[Chunk]:
        """Chunks whose rendered prompts fit the window with the output reserved.

        The budget is a first guess; the numbered sentences and the list of quantities cost
        more where an article is full of numbers (a 966-word article's prompt came to 2,825
        Qwen tokens), so each chunk's whole prompt is counted and the budget cut until all fit.
        """
        cited = cited or CitedArticle(article.text)
        whole = self._whole_by_bytes(article, cited)
        if whole is not None:
            return [whole]
        budget = self.input_budget(article)
        for _ in range(MAX_RECHUNKS):
            chunks = split_article(
                article.text, budget=budget, encoding=self.encoding, overlap=self.settings.overlap_tokens
            )
            worst = max(self._prompt_tokens(article, cited, c, len(chunks)) for c in chunks)
            if worst <= self._prompt_room():
                return chunks
            budget = int(budget * RECHUNK_FACTOR)
            if budget < MIN_CHUNK_BUDGET:
                break
        raise InputError(
            f"the context window ({self.settings.window()} tokens) cannot hold a prompt of this "
            "article with the reserved output; raise --context-window or lower --max-output-tokens"
        )

    def _whole_by_bytes(self, article: Article, cited: CitedArticle) -> Chunk | None:
        """The article as its one chunk, when counting UTF-8 bytes already proves it fits.

        A tiktoken token is at least one byte of the text's UTF-8 (its BPE merges bytes and
        never splits one), so bytes bound tokens from above: every test below that passes on
        bytes passes on tokens, and the answer is the chunk counting tokens would give (one,
        the whole text). Then the encoding (0.45 s to build) is never built.
        """
        size = utf8_bytes(article.text)
        budget = self._budget(article, utf8_bytes)
        if budget < 64 or size > budget:
            return None
        whole = Chunk(0, 0, len(article.text), article.text, size)
        if self._prompt_tokens(article, cited, whole, 1, utf8_bytes) > self._prompt_room():
            return None
        return whole

    def _prompt_room(self) -> int:
        return self.settings.window() - self.settings.max_output_tokens

    def _prompt_tokens(
        self, article: Article, cited: CitedArticle, chunk: Chunk, count: int,
        counter: Counter | None = None,
    ) -> int:
        """Tokens of a chunk's rendered prompt, as the budget counts them (``counter``: an
        upper bound instead)."""
        counter = counter or self._tokens
        messages = self._chunk_messages(
            article, cited.excerpt(chunk.start, chunk.end), chunk.index, count,
            self.client.json_mode, self._budget_schema_text,
        )
        tokens = sum(counter(text) for _, text in messages)
        tokens += PROMPT_OVERHEAD_MARGIN * len(messages)
        return tokens if known_model(self.backend.model) else int(tokens * FOREIGN_TOKENIZER_HEADROOM)

    def _tokens(self, text: str) -> int:
        return len(self.encoding.encode(text, disallowed_special=()))

    def _chunk_messages(
        self, article: Article, excerpt: Excerpt, index: int, count: int, json_mode: str,
        schema_text: str,
    ) -> tuple[tuple[str, str], ...]:
        return self.prompts.brief_messages(
            excerpt=excerpt,
            title=article.title,
            source=article.source,
            date=article.date,
            chunk_index=index,
            chunk_count=count,
            json_mode=json_mode,
            schema_json=schema_text,
        )

    def _brief_chunk(
        self, article: Article, cited: CitedArticle, chunk: Chunk, count: int, stats: Tally
    ) -> CitedDraft:
        excerpt = cited.excerpt(chunk.start, chunk.end)
        schema = cited_json_schema(excerpt.sentence_ids, excerpt.listed_ids)
        schema_text = json.dumps(schema, separators=(",", ":"))

        def messages(json_mode: str) -> tuple[tuple[str, str], ...]:
            return self._chunk_messages(article, excerpt, chunk.index, count, json_mode, schema_text)

        draft, _ = self.client.structured(messages, CitedDraft, schema, stats)
        return draft

    def _reduce(
        self, article: Article, partials: list[BriefDraft], stats: Tally
    ) -> tuple[BriefDraft, int]:
        """Merge partial briefs (with one chunk this only removes repeated items), then
        condense lists over their caps; also the number of invalid ids the condensing cited."""
        merged = merge_drafts(partials)
        if not over_caps(merged):
            return BriefDraft.model_validate(merged.model_dump()), 0
        return self._condense(article, merged, [p.summary for p in partials], stats)

    def _condense(
        self, article: Article, merged: BriefDraft, summaries: list[str], stats: Tally
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
