from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from briefer.errors import InputError
from briefer.prompts import default_prompts_dir, load_prompts


def test_default_set_loads_with_version_and_hash() -> None:
    prompts = load_prompts()
    assert prompts.version == "1"
    assert len(prompts.hash) == 16
    system, user = prompts.brief_messages(article_text="A story.")
    assert system[0] == "system" and "JSON" in system[1]
    assert user[1].endswith("<article>\nA story.\n</article>")


def test_json_object_mode_puts_the_schema_in_the_prompt() -> None:
    system, _ = load_prompts().brief_messages(
        article_text="x", json_mode="object", schema_json='{"S": 1}'
    )
    assert '{"S": 1}' in system[1]
    plain, _ = load_prompts().brief_messages(article_text="x")
    assert '{"S": 1}' not in plain[1]


def test_swapped_set_changes_hash(tmp_path: Path) -> None:
    other = tmp_path / "prompts"
    shutil.copytree(default_prompts_dir(), other)
    (other / "brief_system.j2").write_text("Be brief. Answer JSON.\n")
    assert load_prompts(other).hash != load_prompts().hash
    assert load_prompts(other).brief_messages(article_text="x")[0][1] == "Be brief. Answer JSON."


def test_undefined_variables_are_errors(tmp_path: Path) -> None:
    other = tmp_path / "prompts"
    shutil.copytree(default_prompts_dir(), other)
    (other / "brief_user.j2").write_text("{{ no_such_variable }}")
    with pytest.raises(InputError, match="no_such_variable"):
        load_prompts(other).brief_messages(article_text="x")


def test_sandbox_blocks_unsafe_template_code(tmp_path: Path) -> None:
    other = tmp_path / "prompts"
    shutil.copytree(default_prompts_dir(), other)
    (other / "brief_user.j2").write_text("{{ article_text.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(InputError):
        load_prompts(other).brief_messages(article_text="x")


def test_missing_template_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"merge_user\.j2"):
        (tmp_path / "manifest.toml").write_text('version = "x"')
        for name in ("brief_system.j2", "brief_user.j2", "merge_system.j2"):
            (tmp_path / name).write_text("x")
        load_prompts(tmp_path)
