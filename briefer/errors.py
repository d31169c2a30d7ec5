"""briefer's exceptions, and the exit code each maps to.

BrieferError            anything briefer reports to a user as one line
├── InputError          bad usage or input: exit 2 (names the input and the fix)
└── ModelError          the model could not produce a usable brief: exit 1
    └── BriefValidationError   output still invalid after the bounded re-asks
"""

from __future__ import annotations


class BrieferError(Exception):
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(BrieferError):
    exit_code = 2


class ModelError(BrieferError):
    exit_code = 1


class BriefValidationError(ModelError):
    def __init__(self, message: str, *, last_output: str, attempts: int) -> None:
        super().__init__(message)
        self.last_output = last_output
        self.attempts = attempts
