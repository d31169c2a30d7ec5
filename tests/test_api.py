"""The public Python API: what people who script against briefer import."""

from __future__ import annotations

import json

import pytest

import briefer
from tests.briefs import SEED, as_content, seed_answer
from tests.fakes import FakeOpenAI, Reply


def test_every_exported_name_resolves() -> None:
    assert sorted(briefer.__all__) == sorted(briefer._EXPORTS)
    for name in briefer.__all__:
        assert getattr(briefer, name) is not None, name


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = briefer.no_such_thing


def test_brief_article_from_python(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.content(as_content(seed_answer())))
    brief = briefer.brief_article(SEED, base_url=fake_openai.base_url)
    assert isinstance(brief, briefer.Brief)
    assert brief.actors[0].name == "Donald Trump" and brief.actors[0].grounded
    contract = json.loads(brief.model_dump_json())
    assert set(contract) == {
        "schema_version", "title", "summary", "actors", "claims", "numbers",
        "open_questions", "article", "meta",
    }
