"""One article, indexed once: its sentences, the quantities they state, the names it has.

Citations number the sentences and list the quantities from it, grounding looks numbers,
spans and names up in it, and the eval metrics read its quantities and spans: each built
from the same parse. :func:`index_of` keeps the last few indexes, so the stages of one
brief (and the scorers of one case) share one without passing it along.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from briefer.chunking import sentence_spans
from briefer.quantities import Quantity, find_quantities
from briefer.vocabulary import TITLES, content_words, fold_text, name_key, name_tokens

__all__ = ["ArticleIndex", "Located", "Sentence", "index_of"]


@dataclass(frozen=True)
class Sentence:
    id: int  # from 1, in reading order
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Located:
    """A quantity of the article (offsets in the article) and the sentence that states it."""

    quantity: Quantity
    sentence: Sentence


class ArticleIndex:
    """What every stage looks things up in, computed once per article (each part lazily)."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def folded(self) -> str:
        return fold_text(self.text)

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(
            Sentence(i, start, end, self.text[start:end])
            for i, (start, end) in enumerate(sentence_spans(self.text), start=1)
        )

    @cached_property
    def quantities(self) -> tuple[Located, ...]:
        """Every quantity, found sentence by sentence (a quantity never spans two)."""
        return tuple(
            Located(_shift(quantity, sentence.start), sentence)
            for sentence in self.sentences
            for quantity in find_quantities(sentence.text)
        )

    def window(self, located: Located) -> set[str]:
        """Content words of the sentence stating ``located`` and of the one before."""
        return self._windows[located.sentence.id - 1]

    @cached_property
    def _windows(self) -> list[set[str]]:
        sentences = self.sentences
        return [
            content_words(self.text[sentences[max(i - 1, 0)].start : sentence.end])
            for i, sentence in enumerate(sentences)
        ]

    @cached_property
    def name_words(self) -> frozenset[str]:
        """The article's tokens as names are split (:func:`~briefer.vocabulary.name_tokens`)."""
        return frozenset(name_tokens(self.text))

    def contains_span(self, span: str) -> bool:
        """Whether ``span`` occurs in the article, ignoring case, spacing, quote and dash style."""
        needle = fold_text(span).strip(" \"'.,;:…")
        return bool(needle) and needle in self.folded

    def mentions_name(self, name: str) -> bool:
        """The name is a span of the article, or each of its tokens but titles is in it
        (a plural "s" aside: "Smiths" is found by "Smith")."""
        if self.contains_span(name):
            return True
        tokens = [t for t in name_key(name) if t not in TITLES]
        words = self.name_words
        return bool(tokens) and all(t in words or t.rstrip("s") in words for t in tokens)


def _shift(quantity: Quantity, offset: int) -> Quantity:
    return Quantity(
        quantity.value,
        quantity.unit,
        quantity.text,
        quantity.start + offset,
        quantity.end + offset,
        quantity.kind,
        quantity.counts,
    )


@lru_cache(maxsize=8)
def index_of(text: str) -> ArticleIndex:
    """The index of ``text``, shared by every caller that asks for the same text."""
    return ArticleIndex(text)
