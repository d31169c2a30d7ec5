"""briefer's exceptions, and the exit code each maps to at the command line.

Exception
├── BrieferError            anything briefer reports to a user as one line
│   ├── InputError          bad usage or input: exit 2 (names the input and the fix)
│   └── ModelError          the model could not produce a usable brief: exit 1
│       └── BriefValidationError   output still invalid after the bounded re-asks
└── (anything else)         briefer itself failed, a bug: exit 3, one line
                            ``briefer: internal error: …`` (BRIEFER_DEBUG=1 adds the traceback)

Besides these: click's own usage errors exit 2, a full disk or read-only file system exits
2, Ctrl-C exits 130. The Python API raises all of them unchanged.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class BrieferError(Exception):
    exit_code = EXIT_PARTIAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(BrieferError):
    exit_code = EXIT_USAGE


class ModelError(BrieferError):
    exit_code = EXIT_PARTIAL


class BriefValidationError(ModelError):
    def __init__(self, message: str, *, last_output: str, attempts: int) -> None:
        super().__init__(message)
        self.last_output = last_output
        self.attempts = attempts
