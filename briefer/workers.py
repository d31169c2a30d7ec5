"""Worker threads that Ctrl-C can leave behind: the day run's fetches and briefs.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter exits, so
after Ctrl-C a process would wait for every fetch or model call in flight (minutes, with
retries). ``WorkerPool`` runs the same kind of work on daemon threads: ``cancel`` drops
what has not started, nothing ever waits for what has, and a process can exit at once.
Work still in flight when the process lives on finishes on its own; ``stop`` tells it not
to start another model call (``backends.stack.StoppableBackend``).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class WorkerPool(Generic[Item, Result]):
    """``work(item)`` for every item on up to ``workers`` daemon threads, in order.

    ``futures`` matches ``items``; use it with ``concurrent.futures.as_completed``/``wait``.
    As a context manager, leaving on an exception (Ctrl-C) cancels what has not started.
    """

    def __init__(
        self,
        work: Callable[[Item], Result],
        items: Sequence[Item],
        *,
        workers: int,
        name: str,
        stop: threading.Event | None = None,
    ) -> None:
        self.stop = stop or threading.Event()
        self.futures: list[Future[Result]] = [Future() for _ in items]
        self._work = work
        self._queue: queue.SimpleQueue[tuple[Item, Future[Result]]] = queue.SimpleQueue()
        for job in zip(items, self.futures, strict=True):
            self._queue.put(job)
        for number in range(min(workers, len(items))):
            threading.Thread(target=self._run, name=f"{name}-{number}", daemon=True).start()

    def cancel(self) -> None:
        """Cancel every item not started yet and ask running work to stop at its next step."""
        self.stop.set()
        for future in self.futures:
            future.cancel()

    def _run(self) -> None:
        while True:
            try:
                item, future = self._queue.get_nowait()
            except queue.Empty:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = self._work(item)
            except BaseException as error:  # handed to whoever reads the future
                future.set_exception(error)
            else:
                future.set_result(result)

    def __enter__(self) -> WorkerPool[Item, Result]:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is not None:
            self.cancel()


__all__ = ["WorkerPool"]
