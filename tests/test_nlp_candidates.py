"""The candidates contract: what a chunk shows, and who a claim is attributed to."""

from __future__ import annotations

import pytest

from briefer.citations import CitedArticle
from briefer.nlp import speaker_of, with_rule_speakers
from briefer.nlp.candidates import (
    SHOWN_CLAIMS,
    ActorCandidate,
    Candidates,
    ClaimCandidate,
    Gap,
    Speaker,
    shown_in,
)
from briefer.pipeline import _choices
from briefer.schema import CitedClaim, CitedDraft

SAID = Speaker(1, "Ana Ruiz", "reporting-verb", confident=True)
GUESS = Speaker(1, "Ana Ruiz", "pronoun", confident=False)


@pytest.mark.parametrize(
    ("model", "found", "sentence", "expected"),
    [
        ("Bo Lind", SAID, "Ana Ruiz said the port shut.", "Ana Ruiz"),  # a confident rule wins
        ("Bo Lind", GUESS, "She said the port shut.", "Bo Lind"),  # a guess does not
        (None, GUESS, "She said the port shut.", None),
        ("Bo Lind", None, "The port shut on Monday.", None),  # no cue, no speaker
        (
            "Bo Lind",
            None,
            "“The port is shut,” the notice read.",
            "Bo Lind",
        ),  # a quote the rules missed
        (None, None, "The port shut on Monday.", None),
    ],
)
def test_speaker_of(
    model: str | None, found: Speaker | None, sentence: str, expected: str | None
) -> None:
    assert speaker_of(model, found, sentence) == expected


def test_rule_speakers_rewrite_only_the_claims_they_decide() -> None:
    cited = CitedArticle("Ana Ruiz said the port shut. Ships waited. “It is over,” a clerk said.")
    candidates = Candidates(speakers={1: SAID})
    answer = CitedDraft(
        title="t",
        summary="s",
        actors=[],
        numbers=[],
        questions=[],
        claims=[
            CitedClaim(text="a", by="Bo", sentence=1),
            CitedClaim(text="b", by="Bo", sentence=2),
            CitedClaim(text="c", by="a clerk", sentence=3),
            CitedClaim(text="d", by="Bo", sentence=99),  # an invalid id stays for resolution
        ],
    )
    decided = with_rule_speakers(answer, cited, candidates)
    assert [c.by for c in decided.claims] == ["Ana Ruiz", None, "a clerk", "Bo"]
    assert [c.text for c in decided.claims] == ["a", "b", "c", "d"]


def test_a_chunk_shows_only_its_own_claims_numbers_and_gaps_best_first() -> None:
    candidates = Candidates(
        actors=(ActorCandidate("Ana Ruiz", "person", 3, 1),),
        claims=tuple(ClaimCandidate(s, float(-s), None) for s in (9, 2, 5, 7)),
        numbers=(4, 1, 3),
        gaps=(Gap("pending", 7, "x"), Gap("declined", 2, "y"), Gap("disputed", None, "z")),
    )
    shown = shown_in(candidates, [5, 6, 7], [3, 4])
    assert [c.sentence for c in shown.claims] == [5, 7]
    assert shown.numbers == (4, 3)
    assert [g.hint for g in shown.gaps] == ["x", "z"]
    assert shown.actors == candidates.actors
    many = Candidates(claims=tuple(ClaimCandidate(s, 0.0, None) for s in range(1, 40)))
    assert len(shown_in(many, range(1, 40), []).claims) == SHOWN_CLAIMS


def test_the_model_may_cite_any_sentence_when_too_few_candidates_are_shown() -> None:
    cited = CitedArticle("Alpha. Beta has 3 cats. Gamma. Delta. Epsilon. Zeta.")
    excerpt = cited.excerpt()
    few = shown_in(Candidates(claims=(ClaimCandidate(2, 1.0, None),)), excerpt.sentence_ids, [])
    assert _choices(excerpt, few) == ([1, 2, 3, 4, 5, 6], [1], [])
    enough = Candidates(
        claims=tuple(ClaimCandidate(s, 0.0, None) for s in (6, 5, 4, 3, 2)),
        numbers=(1,),
        actors=(
            ActorCandidate("N" * 61, "group", 1, 1),
            ActorCandidate('Trimaan "Harry" Dhillon', "person", 1, 1),  # broke llama.cpp's grammar
            ActorCandidate("Ann", "person", 1, 1),
        ),
    )
    shown = shown_in(enough, excerpt.sentence_ids, excerpt.listed_ids)
    assert _choices(excerpt, shown) == ([6, 5, 4, 3, 2], [1], ["Ann"])  # names the schema holds


def test_candidates_are_kept_and_read_back_whole() -> None:
    from briefer.nlp import find_candidates
    from briefer.nlp.store import from_json, to_json

    class Store:
        def __init__(self) -> None:
            self.rows: dict[str, str] = {}

        def derived(self, key: str) -> str | None:
            return self.rows.get(key)

        def put_derived(self, key: str, value: str) -> None:
            self.rows[key] = value

    text = "Mayor Ana Ruiz said the bridge will cost 12 million dollars. The council agreed."
    store = Store()
    found = find_candidates(text, store)
    assert found.speakers and found.numbers and found.gaps  # something worth keeping
    (key,) = store.rows
    assert from_json(store.rows[key]) == found
    store.rows[key] = to_json(Candidates(parser="kept"))
    assert find_candidates(text, store).parser == "kept"  # read back, not found again
    store.rows[key] = "{broken"
    assert find_candidates(text, store) == found  # a damaged row is found anew and replaced
    assert from_json(store.rows[key]) == found


def test_kept_chunks_need_no_tokenizer_and_a_damaged_row_is_counted_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from briefer.articles import make_article
    from briefer.backends.fake import FakeBackend
    from briefer.config import load_settings
    from briefer.pipeline import Briefer

    text = "\n\n".join(
        f"Paragraph {p} says the harbour needs {p} cranes by spring." * 6 for p in range(40)
    )
    article = make_article(text, label="long")
    settings = load_settings(
        {"backend": "openai", "context_window": 2048, "max_output_tokens": 400}
    )
    counted = Briefer(settings, backend=FakeBackend()).chunk(article)
    assert len(counted) > 1  # too long to fit by its bytes: the tokenizer counted these

    def no_tokenizer(self: Briefer) -> None:
        raise AssertionError("the tokenizer was built")

    monkeypatch.setattr(Briefer, "encoding", property(no_tokenizer))
    kept = Briefer(settings, backend=FakeBackend()).chunk(article)
    assert [(c.start, c.end, c.tokens, c.text) for c in kept] == [
        (c.start, c.end, c.tokens, c.text) for c in counted
    ]
    briefer = Briefer(settings, backend=FakeBackend())
    assert briefer._derived is not None
    briefer._derived.put_derived(briefer._chunks_key(article), "[[5, 2, 1]]")  # damaged
    with pytest.raises(AssertionError, match="the tokenizer was built"):
        briefer.chunk(article)  # counted again, not trusted


@pytest.mark.parametrize(
    ("claim", "sentence", "kept"),
    [
        (
            "Trump advised Putin not to escalate.",
            "Trump advised the tsar not to escalate the war.",
            True,
        ),
        (
            "The talks were held on Thursday.",
            "The conversation dates back to last Thursday.",
            False,
        ),
        (
            "The conversation was part of a broader campaign strategy.",
            "The conversation dates back to last Thursday, as revealed by the Post.",
            False,
        ),
        ("Ships waited.", "Ships waited at the harbour mouth.", True),
        ("", "Anything.", True),  # nothing to check
        ("All passengers were rescued.", "乗客１２３人は全員救助された。", True),  # another script
    ],
)
def test_a_written_claim_must_say_what_its_sentence_says(
    claim: str, sentence: str, kept: bool
) -> None:
    from briefer.nlp import says_its_sentence

    assert says_its_sentence(claim, sentence) is kept


def test_junk_questions_are_dropped() -> None:
    from briefer.nlp import useful_questions

    asked = ["],", "gaps", "Who pays?", "Who pays for the cranes?", "When will 12 ships sail?"]
    assert useful_questions(asked) == ["Who pays for the cranes?", "When will 12 ships sail?"]


def test_a_claim_its_sentence_does_not_make_is_replaced_by_the_sentence() -> None:
    from briefer.nlp import chosen_claims

    text = " ".join(
        f"Sentence {w} tells of the harbour cranes."
        for w in ("one", "two", "three", "four", "five", "six")
    )
    cited = CitedArticle(text)
    shown = shown_in(
        Candidates(claims=tuple(ClaimCandidate(s, 0.0, None) for s in range(1, 7))),
        cited.excerpt().sentence_ids,
        [],
    )
    answer = CitedDraft(
        title="t",
        summary="s",
        actors=[],
        numbers=[],
        questions=[],
        claims=[CitedClaim(text="A broader campaign strategy unfolded.", by=None, sentence=1)],
    )
    claims = chosen_claims(answer, cited, shown).claims
    assert claims[0].sentence == 1 and claims[0].text == cited.sentence(1).text
