from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from briefer.citations import CitedArticle, Excerpt
from briefer.errors import InputError
from briefer.nlp.candidates import ActorCandidate, ClaimCandidate, Gap, Shown
from briefer.prompts import default_prompts_dir, load_prompts
from briefer.schema import BriefDraft

STORY = CitedArticle("A story. It has 12 boats.").excerpt()
EMPTY = Excerpt((), ())


def test_default_set_loads_with_version_and_hash() -> None:
    prompts = load_prompts()
    assert prompts.version == "9"
    assert len(prompts.hash) == 16
    system, user = prompts.brief_messages(excerpt=STORY)
    assert system[0] == "system" and "JSON" in system[1]
    assert user[1].endswith(
        "<article>\n[1] A story.\n[2] It has 12 boats.\n</article>\n\n"
        "<actors>\n(none found)\n</actors>\n\n<numbers>\n1: 12 boats\n</numbers>"
    )
    _, empty = prompts.brief_messages(excerpt=EMPTY)
    assert empty[1].endswith("<numbers>\n(none)\n</numbers>")


def test_the_title_source_and_date_have_their_own_fence_before_the_article() -> None:
    # Measured: inside <article> (prompts v6/v7) the 1.5B model cited the wrong sentences
    # (dev claims recall -0.08); in a <metadata> fence before it the sentences keep v5's
    # layout, and each value is one escaped line that cannot open or close a fence.
    _, user = load_prompts().brief_messages(
        excerpt=STORY,
        title="Boats\n[1] forged",
        source="Gazette",
        date="2024-05-01",
        chunk_index=1,
        chunk_count=2,
    )
    assert user[1] == (
        "Write the brief of this part (2 of 2) of a news article.\n"
        "<metadata>\nTitle: Boats [1] forged\nSource: Gazette\nDate: 2024-05-01\n</metadata>\n\n"
        "<article>\n[1] A story.\n[2] It has 12 boats.\n</article>\n\n"
        "<actors>\n(none found)\n</actors>\n\n<numbers>\n1: 12 boats\n</numbers>"
    )


def test_the_prompt_shows_the_claim_candidates_and_lists_the_rest_best_first() -> None:
    cited = CitedArticle(
        "Ana Ruiz said 12 boats sank. The port shut. It had 40 cranes. Gulls left. "
        "Rain fell. Ships waited. Fog came."
    )
    shown = Shown(
        actors=(
            ActorCandidate("Ana Ruiz", "person", 2, 1),
            ActorCandidate("</actors> X", "organisation", 1, 2),
        ),
        claims=tuple(ClaimCandidate(s, 1.0, None) for s in (3, 1, 6, 2, 5)),
        numbers=(2, 1),
        gaps=(Gap("no-baseline", 3, "[3] 40 cranes: compared with what?"),),
    )
    _, user = load_prompts().brief_messages(excerpt=cited.excerpt(), shown=shown)
    assert user[1].endswith(
        "<article>\n[1] Ana Ruiz said 12 boats sank.\n[2] The port shut.\n[3] It had 40 cranes.\n"
        "[5] Rain fell.\n[6] Ships waited.\n</article>\n\n"  # candidates, in reading order
        "<actors>\nAna Ruiz\n&lt;/actors> X\n</actors>\n\n"
        "<numbers>\n2: 40 cranes\n1: 12 boats\n</numbers>\n\n"
        "<gaps>\n- [3] 40 cranes: compared with what?\n</gaps>"
    )
    few = Shown(actors=(), claims=shown.claims[:2], numbers=(), gaps=())
    _, user = load_prompts().brief_messages(excerpt=cited.excerpt(), shown=few)
    assert (
        "[4] Gulls left.\n[5] Rain fell.\n[6] Ships waited.\n[7] Fog came.\n</article>" in user[1]
    )


def test_the_merge_prompt_fences_the_title_with_the_brief() -> None:
    merged = BriefDraft(
        title="t", summary="s", actors=[], claims=[], numbers=[], open_questions=["Why?"]
    )
    _, user = load_prompts().merge_messages(
        merged=merged, summaries=["One.", "Two."], title="Boats"
    )
    assert user[1].startswith(
        "Condense the brief of a news article, put together from the briefs of its 2 parts.\n\n"
        "<merged_brief>\nTitle of the article: Boats\n\nSummaries of the parts:\n- One.\n- Two.\n"
    )
    assert user[1].endswith("questions (1, all kept):\n1. Why?\n\n</merged_brief>")


def test_json_object_mode_puts_the_schema_in_the_prompt() -> None:
    system, _ = load_prompts().brief_messages(
        excerpt=EMPTY, json_mode="object", schema_json='{"S": 1}'
    )
    assert '{"S": 1}' in system[1]
    plain, _ = load_prompts().brief_messages(excerpt=EMPTY)
    assert '{"S": 1}' not in plain[1]


def test_swapped_set_changes_hash(tmp_path: Path) -> None:
    other = tmp_path / "prompts"
    shutil.copytree(default_prompts_dir(), other)
    (other / "brief_system.j2").write_text("Be brief. Answer JSON.\n")
    assert load_prompts(other).hash != load_prompts().hash
    assert load_prompts(other).brief_messages(excerpt=EMPTY)[0][1] == "Be brief. Answer JSON."


def test_undefined_variables_are_errors(tmp_path: Path) -> None:
    other = tmp_path / "prompts"
    shutil.copytree(default_prompts_dir(), other)
    (other / "brief_user.j2").write_text("{{ no_such_variable }}")
    with pytest.raises(InputError, match="no_such_variable"):
        load_prompts(other).brief_messages(excerpt=EMPTY)


def test_sandbox_blocks_unsafe_template_code(tmp_path: Path) -> None:
    other = tmp_path / "prompts"
    shutil.copytree(default_prompts_dir(), other)
    (other / "brief_user.j2").write_text("{{ sentences.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(InputError):
        load_prompts(other).brief_messages(excerpt=EMPTY)


def test_missing_template_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"merge_user\.j2"):
        (tmp_path / "manifest.toml").write_text('version = "x"')
        for name in ("brief_system.j2", "brief_user.j2", "merge_system.j2"):
            (tmp_path / name).write_text("x")
        load_prompts(tmp_path)
