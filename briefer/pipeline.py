"""The pipeline for one article: chunk → cite → prompt → model → validate → resolve → merge →
check the title and summary → ground.

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
from briefer.backends import Backend, Deferred
from briefer.backends.cache import ResponseCache
from briefer.backends.stack import build_backend, response_cache
from briefer.backends.tally import Tally
from briefer.chunking import Chunk, split_article
from briefer.citations import MAX_LISTED, CitedArticle, Excerpt, resolve
from briefer.config import Settings, cache_file, load_settings
from briefer.derived import chunks_json, derived_key, kept_chunks
from briefer.errors import InputError, ModelError
from briefer.grounding import ground
from briefer.headline_step import HeadlineStep
from briefer.llm import ModelClient
from briefer.merge import apply_selection, list_lengths, merge_drafts, over_caps, truncate_to_caps
from briefer.nlp import (
    Finder,
    chosen_actors,
    chosen_claims,
    find_candidates,
    useful_questions,
    with_rule_speakers,
)
from briefer.nlp.candidates import Candidates, Shown, shown_in
from briefer.prompts import PromptSet, load_prompts
from briefer.schema import (
    CITED_NAME_CHARS,
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
        find: Finder | None = None,  # candidates found elsewhere (briefer.nlp.warm), or None
    ) -> None:
        self.settings = settings or load_settings()
        self.find = find
        self.prompts = prompts or load_prompts(self.settings.prompts_dir)
        self.backend = backend or build_backend(self.settings)
        # Candidates are kept beside the responses, so a cached brief needs no parse.
        self._derived = (
            (response_cache(self.backend) or ResponseCache(cache_file()))
            if self.settings.cache
            else None
        )
        self.client = ModelClient(
            self.backend,
            reasks=self.settings.reasks,
            max_tokens=self.settings.max_output_tokens,
            temperature=self.settings.temperature,
        )
        self.headline = HeadlineStep(self.client, self.prompts, self._derived)
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

    def brief(self, article: Article | str | Path, tally: Tally | None = None) -> Brief:
        """Brief one article: an ``Article``, or a path, URL or ``-`` as ``brief_article``.
        Pass ``tally`` to learn what it cost even when it raises."""
        article = self._loaded(article)
        started = time.monotonic()
        stats = tally if tally is not None else Tally()
        cited = CitedArticle(article.text)
        cited.require_sentences(redact_url(article.url or article.source or article.id))
        candidates = find_candidates(article.text, self._derived, self.find)
        chunks = self.chunk(article, cited, candidates)
        answers = []
        deferred: Deferred | None = None
        for chunk in chunks:  # a chunk queued for a batch does not stop the others being queued
            try:
                answers.append(
                    self._brief_chunk(article, cited, candidates, chunk, len(chunks), stats)
                )
            except Deferred as queued:
                deferred = queued
        if deferred is not None:
            raise deferred
        resolutions = [resolve(answer, cited) for answer, _ in answers]
        draft, invalid_selections = self._reduce(article, [r.draft for r in resolutions], stats)
        draft, headline_checks = self.headline.checked(article, draft, stats)
        items = ground(draft, article.text, strict=self.settings.strict)
        return items.brief(
            draft,
            article.ref(),
            BriefMeta(
                model=stats.answered_by or self.backend.model,  # what the endpoint served
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
                + sum(unlisted for _, unlisted in answers)
                + invalid_selections,
                strict=self.settings.strict,
                headline_checks=headline_checks,
            ),
        )

    def _loaded(self, source: Article | str | Path) -> Article:
        if isinstance(source, Article):
            return source
        return load_article(
            str(source),
            max_chars=self.settings.max_chars,
            timeout=self.settings.timeout,
            fetch_deadline=self.settings.fetch_deadline,
        )

    def rendered_prompts(self, article: Article | str | Path) -> list[tuple[tuple[str, str], ...]]:
        """The (role, content) messages each chunk's call would send, as ``brief`` renders
        them (``briefer brief --show-prompt``); no model call."""
        article = self._loaded(article)
        cited = CitedArticle(article.text)
        cited.require_sentences(redact_url(article.url or article.source or article.id))
        candidates = find_candidates(article.text, self._derived, self.find)
        chunks = self.chunk(article, cited, candidates)
        prompts = []
        for chunk in chunks:
            excerpt, shown, _, schema_text = self._chunk_request(cited, candidates, chunk)
            prompts.append(
                self._chunk_messages(
                    article,
                    excerpt,
                    chunk.index,
                    len(chunks),
                    self.client.json_mode,
                    schema_text,
                    shown,
                )
            )
        return prompts

    def _chunk_request(
        self, cited: CitedArticle, candidates: Candidates, chunk: Chunk
    ) -> tuple[Excerpt, Shown, dict[str, Any], str]:
        """A chunk's sentences and numbers, the candidates it shows, and its answer schema."""
        excerpt = cited.excerpt(chunk.start, chunk.end)
        shown = _shown(candidates, excerpt)
        schema = cited_json_schema(*_choices(excerpt, shown))
        return excerpt, shown, schema, json.dumps(schema, separators=(",", ":"))

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

    def chunk(
        self,
        article: Article,
        cited: CitedArticle | None = None,
        candidates: Candidates | None = None,
    ) -> list[Chunk]:
        """Chunks whose rendered prompts fit the window with the output reserved.

        The budget is a first guess; the numbered sentences and the list of quantities cost
        more where an article is full of numbers (a 966-word article's prompt came to 2,825
        Qwen tokens), so each chunk's whole prompt is counted and the budget cut until all fit.
        """
        cited = cited or CitedArticle(article.text)
        candidates = candidates or find_candidates(article.text, self._derived, self.find)
        whole = self._whole_by_bytes(article, cited, candidates)
        if whole is not None:
            return [whole]
        key = self._chunks_key(article)
        kept = kept_chunks(self._derived.derived(key), article.text) if self._derived else None
        if kept:
            return kept
        chunks = self._counted_chunks(article, cited, candidates)
        if self._derived:
            self._derived.put_derived(key, chunks_json(chunks))
        return chunks

    def _chunks_key(self, article: Article) -> str:
        """Everything that decides an article's chunks (the text, its title, source and
        date, the window, the prompts, the answer mode): kept chunks need no tokenizer."""
        return derived_key(
            "chunks",
            article.text,
            article.title or "",
            article.source or "",
            article.date or "",
            self.backend.model,
            self.prompts.hash,
            self.client.json_mode,
            str(self.settings.window()),
            str(self.settings.max_output_tokens),
            str(self.settings.overlap_tokens),
        )

    def _counted_chunks(
        self, article: Article, cited: CitedArticle, candidates: Candidates
    ) -> list[Chunk]:
        budget = self.input_budget(article)
        for _ in range(MAX_RECHUNKS):
            chunks = split_article(
                article.text,
                budget=budget,
                encoding=self.encoding,
                overlap=self.settings.overlap_tokens,
            )
            worst = max(
                self._prompt_tokens(article, cited, candidates, c, len(chunks)) for c in chunks
            )
            if worst <= self._prompt_room():
                return chunks
            budget = int(budget * RECHUNK_FACTOR)
            if budget < MIN_CHUNK_BUDGET:
                break
        raise InputError(
            f"the context window ({self.settings.window()} tokens) cannot hold a prompt of this "
            "article with the reserved output; raise --context-window or lower --max-output-tokens"
        )

    def _whole_by_bytes(
        self, article: Article, cited: CitedArticle, candidates: Candidates
    ) -> Chunk | None:
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
        if (
            self._prompt_tokens(article, cited, candidates, whole, 1, utf8_bytes)
            > self._prompt_room()
        ):
            return None
        return whole

    def _prompt_room(self) -> int:
        return self.settings.window() - self.settings.max_output_tokens

    def _prompt_tokens(
        self,
        article: Article,
        cited: CitedArticle,
        candidates: Candidates,
        chunk: Chunk,
        count: int,
        counter: Counter | None = None,
    ) -> int:
        """Tokens of a chunk's rendered prompt, as the budget counts them (``counter``: an
        upper bound instead)."""
        counter = counter or self._tokens
        excerpt = cited.excerpt(chunk.start, chunk.end)
        messages = self._chunk_messages(
            article,
            excerpt,
            chunk.index,
            count,
            self.client.json_mode,
            self._budget_schema_text,
            _shown(candidates, excerpt),
        )
        tokens = sum(counter(text) for _, text in messages)
        tokens += PROMPT_OVERHEAD_MARGIN * len(messages)
        return (
            tokens if known_model(self.backend.model) else int(tokens * FOREIGN_TOKENIZER_HEADROOM)
        )

    def _tokens(self, text: str) -> int:
        return len(self.encoding.encode(text, disallowed_special=()))

    def _chunk_messages(
        self,
        article: Article,
        excerpt: Excerpt,
        index: int,
        count: int,
        json_mode: str,
        schema_text: str,
        shown: Shown | None = None,
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
            shown=shown,
        )

    def _brief_chunk(
        self,
        article: Article,
        cited: CitedArticle,
        candidates: Candidates,
        chunk: Chunk,
        count: int,
        stats: Tally,
    ) -> tuple[CitedDraft, int]:
        """The chunk's answer, and how many claim ids it cited that the article lacks when
        the pipeline chose the claims instead (the gate watches those)."""
        excerpt, shown, schema, schema_text = self._chunk_request(cited, candidates, chunk)

        def messages(json_mode: str) -> tuple[tuple[str, str], ...]:
            return self._chunk_messages(
                article, excerpt, chunk.index, count, json_mode, schema_text, shown
            )

        answer, _ = self.client.structured(messages, CitedDraft, schema, stats)
        answer = answer.model_copy(update={"questions": useful_questions(answer.questions)})
        unlisted = 0
        if self.settings.choose == "pipeline":
            unlisted = sum(cited.sentence(c.sentence) is None for c in answer.claims)
            answer = chosen_actors(chosen_claims(answer, cited, shown), article.text, candidates)
        if self.settings.speakers == "rules":
            answer = with_rule_speakers(answer, cited, candidates)
        return answer, unlisted

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


def _shown(candidates: Candidates, excerpt: Excerpt) -> Shown:
    return shown_in(candidates, excerpt.sentence_ids, excerpt.listed_ids)


def _choices(excerpt: Excerpt, shown: Shown) -> tuple[list[int], list[int], list[str]]:
    """What the model may cite: the shown candidates, or the whole chunk where too few are
    shown to fill a brief (a short article, no candidates found)."""
    sentences = [c.sentence for c in shown.claims] if shown.claims_decide else excerpt.sentence_ids
    numbers = list(shown.numbers) or excerpt.listed_ids
    names = [a.name for a in shown.actors if _enum_safe(a.name)]
    return sentences, numbers, names


def _enum_safe(name: str) -> bool:
    """A name the schema can hold as an enum value: within the field's bound, and without a
    quote or backslash (llama.cpp's grammar builder mis-escapes those: the article failed)."""
    return (
        len(name) <= CITED_NAME_CHARS and not any(c in name for c in '"\\') and name.isprintable()
    )


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
