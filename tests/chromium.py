"""Headless Chromium driven over the DevTools protocol, for tests that need a real browser.

No new dependency: ``--remote-debugging-pipe`` speaks DevTools JSON over the child's file
descriptors 3 (commands in) and 4 (events and answers out), one message per NUL-terminated
chunk. Every read waits at most ``timeout`` seconds, and the browser is always killed when
the ``with`` block ends (even when a step failed or timed out).

    with Chromium.start(profile_dir) as browser:
        tab = browser.open_tab(width=390, height=800, dark=True)
        tab.load(path)
        tab.evaluate("document.title")
        tab.click("details > summary")
        tab.screenshot(png_path)
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

BINARIES = ("chromium", "chromium-browser", "google-chrome")
STEP_TIMEOUT = 10.0  # seconds for any one browser step (start, load, evaluate, screenshot)


class BrowserError(RuntimeError):
    """The browser died, answered with an error, or did not answer in time."""


def find_chromium() -> str | None:
    return next((path for name in BINARIES if (path := shutil.which(name))), None)


_TRAMPOLINE = """
import os, sys
commands, answers = int(sys.argv[1]), int(sys.argv[2])
os.dup2(commands, 3)
os.dup2(answers, 4)
os.close(commands)
os.close(answers)
os.execvp(sys.argv[3], sys.argv[3:])
"""


def _pipe() -> tuple[int, int]:
    """A pipe whose ends are above 9, so putting them on 3 and 4 never overwrites one."""
    ends = os.pipe()
    high = tuple(fcntl.fcntl(end, fcntl.F_DUPFD, 10) for end in ends)
    for end in ends:
        os.close(end)
    return high[0], high[1]


class Chromium:
    def __init__(self, process: subprocess.Popen[bytes], commands: int, answers: int) -> None:
        self.process, self.commands, self.answers = process, commands, answers
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    @classmethod
    @contextmanager
    def start(cls, profile: Path, binary: str | None = None) -> Iterator[Chromium]:
        binary = binary or find_chromium()
        if binary is None:
            raise BrowserError("no chromium on PATH")
        to_browser_r, to_browser_w = _pipe()
        from_browser_r, from_browser_w = _pipe()
        flags = [
            "--headless",
            "--remote-debugging-pipe",
            "--no-sandbox",  # CI containers often run as root, which the sandbox refuses
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--mute-audio",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        # A Python trampoline puts our pipe ends on the descriptors 3 and 4 Chromium reads
        # (dash, /bin/sh on Debian, cannot name a descriptor above 9).
        trampoline = [sys.executable, "-c", _TRAMPOLINE, str(to_browser_r), str(from_browser_w)]
        profile.mkdir(parents=True, exist_ok=True)
        with (profile.parent / f"{profile.name}.log").open("wb") as log:
            process = subprocess.Popen(
                [*trampoline, binary, *flags],
                pass_fds=(to_browser_r, from_browser_w),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        os.close(to_browser_r)
        os.close(from_browser_w)
        browser = cls(process, to_browser_w, from_browser_r)
        try:
            browser.call("Browser.getVersion")
            yield browser
        finally:
            browser.close()

    def close(self) -> None:
        for fd in (self.commands, self.answers):
            with suppress(OSError):
                os.close(fd)
        if self.process.poll() is None:
            with suppress(ProcessLookupError):  # the whole group: the browser and its helpers
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STEP_TIMEOUT)

    # -- the protocol --------------------------------------------------------------------------

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float = STEP_TIMEOUT,
    ) -> dict[str, Any]:
        """Send one command and wait (bounded) for its answer; events meanwhile are kept."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline, method)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.events.append(answer)

    def wait_for(self, method: str, session: str, timeout: float = STEP_TIMEOUT) -> None:
        """Wait (bounded) for an event of ``session``, kept or still to come."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    self.events.remove(event)
                    return
            self.events.append(self._read(deadline, method))

    def _read(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.answers], [], [], max(left, 0))
            if not ready:
                raise BrowserError(f"no answer to {waiting_for} within the step timeout")
            chunk = os.read(self.answers, 1 << 20)
            if not chunk:
                raise BrowserError(f"chromium exited while waiting for {waiting_for}")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def open_tab(self, *, width: int, height: int, dark: bool = False) -> Tab:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        tab = Tab(self, target, attached["sessionId"])
        tab.call("Page.enable")
        tab.call("Network.enable")
        tab.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        scheme = "dark" if dark else "light"
        features = [{"name": "prefers-color-scheme", "value": scheme}]
        tab.call("Emulation.setEmulatedMedia", {"features": features})
        return tab


class Tab:
    def __init__(self, browser: Chromium, target: str, session: str) -> None:
        self.browser, self.target, self.session = browser, target, session

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.call(method, params, session=self.session)

    def close(self) -> None:
        self.browser.call("Target.closeTarget", {"targetId": self.target})

    def load(self, path: Path) -> None:
        self.call("Page.navigate", {"url": path.resolve().as_uri()})
        self.browser.wait_for("Page.loadEventFired", self.session)

    def requested_urls(self) -> list[str]:
        """Every URL this tab asked the network for so far (the page itself included)."""
        return [
            event["params"]["request"]["url"]
            for event in self.browser.events
            if event.get("method") == "Network.requestWillBeSent"
            and event.get("sessionId") == self.session
        ]

    def evaluate(self, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in answer:
            raise BrowserError(f"{expression!r}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click (press and release) at the middle of the first match."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        params: dict[str, Any] = {"format": "png", "optimizeForSpeed": True}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": size["width"],
                "height": size["height"],
                "scale": 1,
            }
        data = self.call("Page.captureScreenshot", params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path


__all__ = ["STEP_TIMEOUT", "BrowserError", "Chromium", "Tab", "find_chromium"]
