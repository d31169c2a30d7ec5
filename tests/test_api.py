"""The public Python API: what people who script against briefer import."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType

import pytest

import briefer
from briefer.backends.fake import FakeBackend
from tests.briefs import SEED, as_content, seed_answer
from tests.fakes import FakeOpenAI, Reply


def test_every_exported_name_resolves() -> None:
    assert sorted(briefer.__all__) == sorted(briefer._EXPORTS)
    for name in briefer.__all__:
        assert getattr(briefer, name) is not None, name


@pytest.mark.parametrize("name", briefer.__all__)
def test_an_exported_name_stays_itself_once_its_module_is_imported(name: str) -> None:
    """A submodule named like an export (``briefer/render.py`` and ``render``) replaced the
    export on the package once imported: ``briefer.render(brief)`` then called a module."""
    first = getattr(briefer, name)
    importlib.import_module(briefer._EXPORTS[name])
    assert getattr(briefer, name) is first and not isinstance(first, ModuleType)


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
        "schema_version",
        "title",
        "summary",
        "actors",
        "claims",
        "numbers",
        "open_questions",
        "article",
        "meta",
        "disagreements",
    }


def test_an_unwritable_home_is_an_input_error_before_any_call(
    fake_openai: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plain-file").write_text("x")
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path / "plain-file" / "home"))
    with pytest.raises(
        briefer.InputError, match=r"^BRIEFER_HOME .*plain-file is a file, not a folder"
    ):
        briefer.brief_article(SEED, base_url=fake_openai.base_url)
    assert fake_openai.calls == 0


def test_bad_settings_raise_an_input_error_naming_the_setting() -> None:
    with pytest.raises(briefer.InputError, match=r"^--timeout inf: should be a finite number"):
        briefer.load_settings({"timeout": float("inf")})


def test_the_python_api_raises_unexpected_errors_unchanged() -> None:
    # Exit 3 is the command line's; a script sees the exception itself, with its traceback.
    settings = briefer.load_settings({"backend": "openai", "cache": False})
    with pytest.raises(RuntimeError, match="a bug"):
        buggy = FakeBackend(model="gpt-4o-mini").enqueue(RuntimeError("a bug"))
        briefer.Briefer(settings, backend=buggy).brief(briefer.load_article(str(SEED)))
