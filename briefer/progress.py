"""Progress on long work: a spinner on a terminal, plain log lines otherwise (stderr only)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def status(message: str) -> Iterator[Callable[[str], None]]:
    """Show ``message`` while the block runs; the yielded function replaces the message."""
    if not _plainly_no_terminal():
        from rich.console import Console  # 15-20 ms to import: only when it may draw

        console = Console(stderr=True)
        started = time.monotonic()
        if console.is_terminal:
            with console.status(message) as live:
                yield lambda text: live.update(text)
            console.print(f"[dim]done in {time.monotonic() - started:.1f}s[/dim]")
            return
    print(f"briefer: {message}", file=sys.stderr, flush=True)
    yield lambda text: print(f"briefer: {text}", file=sys.stderr, flush=True)


def _plainly_no_terminal() -> bool:
    """stderr is no terminal and nothing asks rich to treat it as one (``FORCE_COLOR``,
    ``TTY_COMPATIBLE``): rich would print no spinner, so it need not be imported to ask."""
    if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ:
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return isatty is None or not isatty()
    except ValueError:  # closed
        return True
