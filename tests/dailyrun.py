"""Helpers for the ``briefer daily`` CLI tests: run the real CLI against the fakes, read the
day back, and check that no traceback reached the user."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from click.testing import CliRunner, Result

from briefer.cli import cli
from briefer.digest import load_digest
from tests.fakes import FakeOpenAI

TODAY = date.today().isoformat()
LIBRARY = "# Library reopens\n\nThe Northfield library reopened on Saturday after a long repair.\n"


def _permissions_enforced() -> bool:
    """Whether this user is refused a file with mode 000 (root usually is not)."""
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe"
        probe.write_text("x")
        probe.chmod(0)
        try:
            probe.read_text()
        except PermissionError:
            return True
        return False


IGNORES_PERMISSIONS = not _permissions_enforced()


def daily(args: list[str], fake: FakeOpenAI, config: Path, out: Path) -> Result:
    env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "sk-test-secret-123"}
    return CliRunner().invoke(
        cli,
        ["daily", *args, "--out", str(out), "--date", TODAY, "--config", str(config)],
        env=env,
        catch_exceptions=False,
    )


def clean(result: Result) -> None:
    """No traceback reached the user: every line is one of briefer's own."""
    assert "Traceback" not in result.output
    for line in result.stderr.splitlines():
        assert line.startswith(("briefer: ", "failed (", "wrote ")), line


def articles_folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    (folder / "library.md").write_text(LIBRARY)
    for name in names:
        (folder / f"{name}.md").write_text(f"# {name.title()} news\n\nThe {name} council met.\n")
    return folder


def titles(out: Path) -> list[str]:
    return [s.brief.title for s in load_digest(out / TODAY).stories]


def failed(out: Path) -> dict[str, tuple[str, str]]:
    return {f.item: (f.stage, f.reason) for f in load_digest(out / TODAY).failures}
