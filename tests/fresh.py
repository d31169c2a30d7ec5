"""Python run in a fresh interpreter, this checkout first on its path: for what only a new
process shows (which modules an import loads, what a command does as it exits)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def fresh_python(
    code: str, *args: str, check: bool = True, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """``python -c CODE ARGS`` from the repo root (``-c`` puts it first on ``sys.path``), its
    output captured as text; it must succeed unless ``check`` is False."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, "PYTHONPATH": str(REPO), **extra_env},
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )
