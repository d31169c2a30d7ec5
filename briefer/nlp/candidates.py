"""What the pipeline proposes before the model is asked: the contract between NLP and prompts.

The model chooses among these and writes; it never has to remember a name, a speaker or a
number. Sentence ids and listed-number ids are those of ``briefer.citations.CitedArticle``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from briefer.schema import MIN_CLAIMS

ActorKind = Literal["person", "organisation", "place", "group"]
SpeakerCue = Literal["reporting-verb", "according-to", "quote-continuation", "pronoun"]
GapKind = Literal["unattributed", "disputed", "pending", "declined", "no-baseline"]


@dataclass(frozen=True)
class ActorCandidate:
    name: str  # the fullest form the article uses ("Vladimir Putin", not "Putin")
    kind: ActorKind
    mentions: int  # coreferent mentions merged ("Putin", "Mr Putin", "the Russian president")
    first_sentence: int
    aliases: tuple[str, ...] = ()  # the other forms the article uses
    quoted: int = 0  # sentences the speaker rules attribute to it (continuations aside)


@dataclass(frozen=True)
class Speaker:
    """Who a sentence reports as saying it, found by a rule over the parse."""

    sentence: int
    name: str  # as the article names the speaker (a pronoun resolved to a name)
    cue: SpeakerCue
    confident: bool  # the rule's answer wins over the model's when True


@dataclass(frozen=True)
class ClaimCandidate:
    sentence: int
    score: float  # salience, higher first
    speaker: str | None  # the rule's speaker, if any


@dataclass(frozen=True)
class Gap:
    """Something the article itself leaves open; the model phrases it as a question."""

    kind: GapKind
    sentence: int | None
    hint: str  # a few words for the prompt: "sentence 7 states a number with no baseline"


@dataclass(frozen=True)
class Candidates:
    actors: tuple[ActorCandidate, ...] = ()  # most salient first (briefer.nlp.actors)
    speakers: Mapping[int, Speaker] = field(default_factory=dict)  # by sentence id
    claims: tuple[ClaimCandidate, ...] = ()  # most salient first
    numbers: tuple[int, ...] = ()  # listed-number ids, most informative first
    gaps: tuple[Gap, ...] = ()
    parser: str = "none"  # what found them: the spaCy pipeline and version, or "rules"


# How much of each list a prompt shows: the model chooses among the top of each, and every
# listed line costs prefill time on a local model.
SHOWN_ACTORS = 12
SHOWN_CLAIMS = 12
SHOWN_NUMBERS = 16
SHOWN_GAPS = 5


@dataclass(frozen=True)
class Shown:
    """The candidates one prompt shows: those of its chunk, cut to the shown lengths."""

    actors: tuple[ActorCandidate, ...]
    claims: tuple[ClaimCandidate, ...]
    numbers: tuple[int, ...]
    gaps: tuple[Gap, ...]

    @property
    def claims_decide(self) -> bool:
        """Enough claim candidates to fill a brief: the prompt shows only their sentences
        and the model cites only those; fewer (a short article, nothing ranked), and every
        sentence of the chunk is shown and may be cited."""
        return len(self.claims) >= MIN_CLAIMS


def shown_in(
    candidates: Candidates, sentence_ids: Sequence[int], listed_ids: Sequence[int]
) -> Shown:
    """The candidates a chunk of these sentences and listed numbers shows, best first."""
    sentences, listed = set(sentence_ids), set(listed_ids)
    return Shown(
        actors=candidates.actors[:SHOWN_ACTORS],
        claims=tuple(c for c in candidates.claims if c.sentence in sentences)[:SHOWN_CLAIMS],
        numbers=tuple(n for n in candidates.numbers if n in listed)[:SHOWN_NUMBERS],
        gaps=tuple(g for g in candidates.gaps if g.sentence is None or g.sentence in sentences)[
            :SHOWN_GAPS
        ],
    )
