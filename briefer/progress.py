"""Progress on long work: a spinner on a terminal, plain log lines otherwise (stderr only)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console


@contextmanager
def status(message: str) -> Iterator[Callable[[str], None]]:
    """Show ``message`` while the block runs; the yielded function replaces the message."""
    console = Console(stderr=True)
    started = time.monotonic()
    if console.is_terminal:
        with console.status(message) as live:
            yield lambda text: live.update(text)
        console.print(f"[dim]done in {time.monotonic() - started:.1f}s[/dim]")
        return
    print(f"briefer: {message}", file=sys.stderr, flush=True)
    yield lambda text: print(f"briefer: {text}", file=sys.stderr, flush=True)
