"""Gaps the article itself shows: what it leaves open, for the model to ask about.

Each rule is a cue phrase in a sentence. A sentence gives at most one gap: the first of
these rules that matches (the most specific cue first):

* ``declined``: someone did not answer ("declined to comment", "did not respond",
  "could not be reached", "not immediately clear", "few details");
* ``disputed``: a claim someone contests ("denied", "disputed", "rejected the claims",
  "questioned", "doubts about");
* ``unattributed``: a claim the article does not stand behind ("allegedly",
  "reportedly", "it is not clear", "could not be verified", "is said to"); a hedge in
  a sentence with a known speaker (``speakers``) is that speaker's claim, not a gap;
* ``pending``: a decision or date still to come ("will decide", "is expected to",
  "in the next few days", "next week", "later this year", "have until", "awaiting",
  "has yet to", "deadline", "inconclusive").

They are offered in the order a reader asks: pending, unattributed, declined, disputed,
one of each kind before a second of any, reading order within a kind; at most
``MAX_GAPS``. If room is left, ``no-baseline``: the most informative count (not a
percentage, nor a modifier such as "four-digit") stated alone in a sentence with nothing to compare it with ("than", "from",
"up", "rose", "previous", "average", ...); at most ``MAX_NO_BASELINE``, since nearly every
count lacks one. Each ``hint`` is a few words for the prompt: the sentence id, what is
open, and the cue as the article words it ("sentence 7: still to be decided (next week)").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from briefer.citations import CitedArticle
from briefer.nlp.candidates import Gap, GapKind
from briefer.nlp.number_rank import INFORMATIVE, number_tier, rank_numbers

__all__ = ["MAX_GAPS", "find_gaps"]

MAX_GAPS = 6
MAX_NO_BASELINE = 1


def _cues(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.IGNORECASE)


# In the order a sentence is tried (the most specific cue first): a sentence gives one gap.
_RULES: tuple[tuple[GapKind, re.Pattern[str], str], ...] = (
    (
        "declined",
        _cues(
            r"declined to (?:comment|say|confirm|discuss|elaborate|give)",
            r"(?:refused|would not|wouldn't|did not want) to (?:comment|say|confirm)",
            r"did not (?:immediately )?(?:respond|reply|return)",
            r"(?:has|have) not (?:yet )?(?:responded|replied|commented)",
            r"could not be (?:reached|contacted)",
            r"not immediately (?:clear|known|available|respond\w*)",
            r"no comment",
            r"unavailable for comment",
            r"(?:few|no) details",
        ),
        "no answer given",
    ),
    (
        "disputed",
        _cues(
            r"den(?:ied|ies|y|ying)",
            r"disputed?|disputes",
            r"rejected (?:the|these|those) (?:claims?|allegations?|accusations?|reports?)",
            r"contested|contests",
            r"insisted",
            r"rebuffed|refuted",
            r"(?:have |has )?(?:also )?questioned",
            r"doubts? (?:about|over|on)",
        ),
        "a claim in dispute",
    ),
    (
        "unattributed",
        _cues(
            r"allegedly|alleged",
            r"reportedly",
            r"(?:is|was|remains|it's) (?:still )?(?:not (?:yet )?clear|unclear|not known|unknown)",
            r"unclear (?:whether|how|why|what|who|when)",
            r"could not (?:be )?(?:independently )?(?:verified?|confirmed?)",
            r"unconfirmed|unverified",
            r"no[- ]one knows",
            r"(?:is|are|was|were) (?:thought|believed|understood|said) to",
            r"suggestions?|rumou?rs?|speculation",
        ),
        "a claim not verified",
    ),
    (
        "pending",
        _cues(
            r"will (?:decide|rule|vote|announce|consider|review)",
            r"(?:is|are|was|were) (?:not )?(?:expected|due|set|scheduled|likely) to",
            r"(?:in )?the next (?:few )?(?:days|weeks|months)",
            r"next (?:week|month|year|spring|summer|autumn|winter|monday|tuesday|wednesday"
            r"|thursday|friday|saturday|sunday)",
            r"later (?:this|in the) (?:week|month|year)",
            r"by the end of (?:this|the|next)",
            r"(?:has|have) until",
            r"await(?:s|ed|ing)?",
            r"(?:has|have|had|is|are) yet to",
            r"pending",
            r"deadline",
            r"still (?:outstanding|being decided|to be decided)",
            r"inconclusive",
            r"(?:is|are) (?:still )?under (?:review|investigation|consideration)",
            r"investigation (?:is|was) (?:continuing|ongoing|under way)",
        ),
        "still to be decided",
    ),
)
# The order gaps are offered in: what a reader asks about first ("when will ...?",
# "is it true that ...?"), one of each kind before a second of any.
_USEFUL_FIRST: tuple[GapKind, ...] = ("pending", "unattributed", "declined", "disputed")
# Words that give a number something to compare with in its own sentence.
_BASELINE = _cues(
    r"than|from|compared|versus|vs|up|down|rose|fell|rise|fall|increase\w*|decrease\w*",
    r"dropped|grew|record|previous|last year|per cent|percent|average|out of|of the|total",
)


def _hint(sentence: int, what: str, cue: str) -> str:
    return f"sentence {sentence}: {what} ({' '.join(cue.split()).lower()})"


def _cue_gaps(cited: CitedArticle, speakers: Mapping[int, str | None]) -> list[Gap]:
    by_kind: dict[GapKind, list[Gap]] = {kind: [] for kind, _, _ in _RULES}
    for sentence in cited.sentences:
        for kind, pattern, what in _RULES:
            match = pattern.search(sentence.text)
            if match is None:
                continue
            # A hedge that someone is quoted as making is their claim, not a gap.
            if kind == "unattributed" and speakers.get(sentence.id):
                continue
            by_kind[kind].append(Gap(kind, sentence.id, _hint(sentence.id, what, match.group(0))))
            break
    rounds = max((len(gaps) for gaps in by_kind.values()), default=0)
    return [
        by_kind[kind][i] for i in range(rounds) for kind in _USEFUL_FIRST if i < len(by_kind[kind])
    ]


def _no_baseline(cited: CitedArticle, taken: set[int]) -> list[Gap]:
    gaps: list[Gap] = []
    by_id = {n.id: n for n in cited.listed}
    for listed_id in rank_numbers(cited):
        listed = by_id[listed_id]
        if len(gaps) >= MAX_NO_BASELINE or number_tier(cited, listed) != INFORMATIVE:
            break
        if listed.sentence in taken or listed.quantity.kind == "percent":
            continue
        text = cited.sentences[listed.sentence - 1].text
        if cited.text[listed.quantity.end : listed.quantity.end + 1] == "-":
            continue  # "a four-digit code": the number describes, it does not count
        if _BASELINE.search(text) or sum(n.sentence == listed.sentence for n in cited.listed) > 1:
            continue
        quantity = listed.quantity
        label = quantity.text if quantity.kind == "money" else listed.label
        hint = f"sentence {listed.sentence}: {label} with no baseline to compare"
        gaps.append(Gap("no-baseline", listed.sentence, hint))
    return gaps


def find_gaps(text: str, *, speakers: Mapping[int, str | None] | None = None) -> tuple[Gap, ...]:
    """What the article leaves open, most useful first, at most ``MAX_GAPS``.

    ``speakers`` (sentence id -> name, from quote attribution) marks a hedged sentence as
    someone's claim rather than an unattributed one.
    """
    cited = CitedArticle(text)
    gaps = _cue_gaps(cited, speakers or {})[:MAX_GAPS]
    if len(gaps) < MAX_GAPS:
        gaps += _no_baseline(cited, {gap.sentence for gap in gaps if gap.sentence is not None})
    return tuple(gaps)
