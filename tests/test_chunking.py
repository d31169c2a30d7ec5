from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefer.chunking import paragraph_spans, sentence_spans, split_article
from briefer.tokens import get_encoding

ENC = get_encoding("o200k_base")


def article(paragraphs: int, sentences: int) -> str:
    return "\n\n".join(
        " ".join(
            f"Paragraph {p} sentence {s} says the port spent {p * s} euros."
            for s in range(sentences)
        )
        for p in range(paragraphs)
    )


def test_short_article_is_one_chunk() -> None:
    text = "One short article. It fits."
    [chunk] = split_article(text, budget=100, encoding=ENC)
    assert (chunk.start, chunk.end, chunk.text) == (0, len(text), text)


def test_chunks_respect_budget_and_offsets() -> None:
    text = article(12, 6)
    chunks = split_article(text, budget=120, encoding=ENC, overlap=0)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.tokens <= 120
        assert text[chunk.start : chunk.end] == chunk.text
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for before, after in pairwise(chunks):
        assert after.start >= before.end  # no overlap asked for


def test_chunks_split_on_paragraphs_when_possible() -> None:
    # Every sentence starts with "Paragraph", so only the offsets tell a paragraph cut from a
    # sentence cut: each chunk is two whole paragraphs (about 56 tokens each, 150 fit 2).
    text = article(6, 4)
    paragraphs = paragraph_spans(text)
    assert len(paragraphs) == 6
    chunks = split_article(text, budget=150, encoding=ENC)
    assert [(c.start, c.end) for c in chunks] == [
        (paragraphs[i][0], paragraphs[i + 1][1]) for i in range(0, 6, 2)
    ]


def test_a_paragraph_over_budget_is_cut_between_sentences() -> None:
    text = article(2, 12)  # each paragraph about 168 tokens, over the budget of 150
    sentences = sentence_spans(text)
    starts, ends = {a for a, _ in sentences}, {b for _, b in sentences}
    chunks = split_article(text, budget=150, encoding=ENC)
    assert len(chunks) == 3
    assert all(c.start in starts and c.end in ends for c in chunks)
    first_paragraph_end = paragraph_spans(text)[0][1]
    assert chunks[0].end < first_paragraph_end  # the first paragraph alone does not fit


def test_overlap_repeats_the_end_of_the_previous_chunk() -> None:
    text = article(10, 3)
    chunks = split_article(text, budget=150, encoding=ENC, overlap=60)
    assert any(after.start < before.end for before, after in pairwise(chunks))
    assert all(c.tokens <= 150 for c in chunks)


def test_giant_sentence_falls_back_to_token_windows() -> None:
    text = "word " * 3000
    chunks = split_article(text.strip(), budget=200, encoding=ENC)
    assert len(chunks) >= 15
    assert all(c.tokens <= 200 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")


def test_budget_too_small_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        split_article("x", budget=3, encoding=ENC)


def test_sentence_spans() -> None:
    text = "He said “no.” Then 3 people left. Dr. Lind stayed!"
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans[0] == "He said “no.”"
    assert spans[-1].endswith("stayed!")


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        # Japanese and Chinese: no space, no capital after 。！？; closing quotes stay
        (
            "東京で地震があった。死者は１２３人に上った！本当？！「行く。」と彼は言った。",
            [
                "東京で地震があった。",
                "死者は１２３人に上った！",
                "本当？！",
                "「行く。」",
                "と彼は言った。",
            ],
        ),
        (
            "中国经济增长了５％。政府表示满意？是的。",
            ["中国经济增长了５％。", "政府表示满意？", "是的。"],
        ),
        ("政府表示满意!是的.", ["政府表示满意!", "是的."]),
        # Arabic (a full stop, then a letter without case), Arabic ؟ and Urdu ۔
        (
            "قال الوزير إن ٣٤٥ شخصا قتلوا. وأضاف أن الوضع خطير؟ نعم۔ ثم غادر",
            ["قال الوزير إن ٣٤٥ شخصا قتلوا.", "وأضاف أن الوضع خطير؟", "نعم۔", "ثم غادر"],
        ),
        ("यह पहला वाक्य है। यह दूसरा है॥ तीसरा", ["यह पहला वाक्य है।", "यह दूसरा है॥", "तीसरा"]),
        ("Путин сказал. Россия ответила.", ["Путин сказал.", "Россия ответила."]),
        ("Ο υπουργός μίλησε. Η βουλή απάντησε.", ["Ο υπουργός μίλησε.", "Η βουλή απάντησε."]),
        ("Il a dit non. École fermée.", ["Il a dit non.", "École fermée."]),
        # Thai ends a sentence with a space (not one next to a number)
        ("วันนี้ฝนตก มีผู้เสียชีวิต 345 คน", ["วันนี้ฝนตก", "มีผู้เสียชีวิต 345 คน"]),
        # English as before: abbreviations and decimals keep together
        (
            "U.S. officials said 3.5m left. The end.Whether it",
            ["U.S. officials said 3.5m left.", "The end.", "Whether it"],
        ),
        ("It rose 2.5 per cent. e.g. this stays", ["It rose 2.5 per cent. e.g. this stays"]),
    ],
)
def test_sentences_end_where_each_script_ends_them(text: str, sentences: list[str]) -> None:
    assert [text[a:b] for a, b in sentence_spans(text)] == sentences


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
            min_size=1,
            max_size=200,
        ),
        min_size=1,
        max_size=12,
    )
)
def test_chunks_always_cover_the_text_within_budget(paragraphs: list[str]) -> None:
    text = "\n\n".join(paragraphs).strip() or "x"
    chunks = split_article(text, budget=40, encoding=ENC)
    assert all(c.tokens <= 40 for c in chunks)
    assert all(text[c.start : c.end] == c.text for c in chunks)
    covered = "".join(ch for c in chunks for ch in c.text if not ch.isspace())
    assert covered == "".join(ch for ch in text if not ch.isspace())


def test_models_with_other_tokenizers_get_budget_headroom() -> None:
    from briefer.articles import make_article
    from briefer.backends.fake import FakeBackend
    from briefer.config import load_settings
    from briefer.pipeline import FOREIGN_TOKENIZER_HEADROOM, Briefer

    settings = load_settings(
        {"base_url": "http://127.0.0.1:9/v1", "context_window": 8000, "cache": False}
    )
    article = make_article("A short article.", label="t")
    native = Briefer(settings, backend=FakeBackend(model="gpt-4o-mini")).input_budget(article)
    foreign = Briefer(settings, backend=FakeBackend(model="llama3.1")).input_budget(article)
    assert foreign == int(native / FOREIGN_TOKENIZER_HEADROOM)


@pytest.mark.parametrize(
    "text",
    [
        "<|endoftext|> <|im_start|>",
        "\ud800 lone surrogate",
        "日本語の記事",
        "🎉👍🏽 ok",
        "a" * 999,
        " \n\t",
    ],
)
def test_utf8_bytes_bound_the_tokens_of_every_encoding(text: str) -> None:
    from briefer.tokens import SUPPORTED_ENCODINGS, utf8_bytes

    for name in SUPPORTED_ENCODINGS:
        assert len(get_encoding(name).encode(text, disallowed_special=())) <= utf8_bytes(text)


@given(st.text(max_size=300))
@settings(max_examples=60, deadline=None)
def test_utf8_bytes_bound_the_tokens_of_any_text(text: str) -> None:
    from briefer.tokens import utf8_bytes

    assert len(ENC.encode(text, disallowed_special=())) <= utf8_bytes(text)


NUMBERS = " ".join(
    f"In {y} the port paid £{y * 3}m for {y % 97} cranes." for y in range(1990, 2040)
)


@pytest.mark.parametrize("model", ["gpt-4o-mini", "llama3.1"])
@pytest.mark.parametrize("window", [1800, 2600, 4096, 128_000])
@pytest.mark.parametrize(
    "text",
    [article(1, 3), article(6, 6), "東京の港は十二台のクレーンを買う。" * 40, NUMBERS, "🎉 " * 300],
    ids=["short", "long", "cjk", "numbers", "emoji"],
)
def test_counting_bytes_first_chunks_every_article_as_counting_tokens_does(
    model: str, window: int, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefer.articles import make_article
    from briefer.backends.fake import FakeBackend
    from briefer.config import load_settings
    from briefer.errors import InputError
    from briefer.pipeline import Briefer

    settings = load_settings({"backend": "openai", "context_window": window, "cache": False})
    item = make_article(text, label="t")

    def chunks(briefer: Briefer) -> list[tuple[int, int, str]] | str:
        try:
            return [(c.start, c.end, c.text) for c in briefer.chunk(item)]
        except InputError as error:
            return error.message

    fast = chunks(Briefer(settings, backend=FakeBackend(model=model)))
    monkeypatch.setattr(Briefer, "_whole_by_bytes", lambda *args: None)
    assert fast == chunks(Briefer(settings, backend=FakeBackend(model=model)))


def test_an_article_that_fits_by_its_bytes_never_builds_the_encoding() -> None:
    from briefer.articles import make_article
    from briefer.backends.fake import FakeBackend
    from briefer.config import load_settings
    from briefer.pipeline import Briefer

    settings = load_settings({"backend": "openai", "context_window": 16_000, "cache": False})
    briefer = Briefer(settings, backend=FakeBackend(model="gpt-4o-mini"))
    [chunk] = briefer.chunk(make_article(article(1, 3), label="short"))
    assert chunk.tokens == len(chunk.text.encode()) and "encoding" not in vars(briefer)
    assert len(briefer.chunk(make_article(article(60, 6), label="long"))) == 1
    assert "encoding" in vars(briefer)  # counting tokens built it
