"""Progress on long work: a spinner on a terminal, plain log lines otherwise (stderr only)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def status(message: str) -> Iterator[Callable[[str], None]]:
    """Show ``message`` while the block runs; the yielded function replaces the message.

    Only a terminal gets the spinner, so rich (15-20 ms to import) is imported only when
    stderr is one; even then rich may decide it is not (``TTY_COMPATIBLE=0``).
    """
    if _is_tty(sys.stderr):
        from rich.console import Console

        console = Console(stderr=True)
        started = time.monotonic()
        if console.is_terminal:
            with console.status(message) as live:
                yield lambda text: live.update(text)
            console.print(f"[dim]done in {time.monotonic() - started:.1f}s[/dim]")
            return
    print(f"briefer: {message}", file=sys.stderr, flush=True)
    yield lambda text: print(f"briefer: {text}", file=sys.stderr, flush=True)


def _is_tty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed
        return False
