"""The one usage tally: what model calls cost, read by a brief's ``meta``, a day's stats and
an eval run alike.

``ModelClient`` keeps it, as it sees every answer (fresh or replayed by the cache), every
re-ask and every call that raised. Two kinds of tokens are kept apart: ``billed`` ones the
endpoint answered this time, and ``cached`` ones of answers the cache replayed (what they
cost when first asked; nothing now). ``calls`` is every request the endpoint received:
retried attempts, re-asks, a rejected ``json_schema`` and the requests of calls that failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from briefer.backends.base import ChatResponse, Spent
from briefer.schema import Usage


@dataclass
class Tally:
    calls: int = 0
    cache_hits: int = 0
    reasks: int = 0
    billed: Usage = field(default_factory=Usage)
    cached: Usage = field(default_factory=Usage)
    model_seconds: float = 0.0
    answered_by: str = ""
    """The model the endpoint said answered (a local server's own name), if it said."""

    @property
    def usage(self) -> Usage:
        """Every answer's tokens, replayed ones too: what the work costs without the cache."""
        return self.billed + self.cached

    def answered(self, response: ChatResponse) -> None:
        """One answer the caller read (a replay it threw away, to ask afresh, is no hit)."""
        self.answered_by = response.model or self.answered_by
        if response.cached:
            self.cache_hits += 1
            self.cached = self.cached + response.usage
            return
        self.calls += response.attempts  # retried attempts reached the endpoint too
        self.billed = self.billed + response.usage
        self.model_seconds += response.seconds

    def failed(self, spent: Spent) -> None:
        """A call that raised: what it spent before it did still counts."""
        self.calls += spent.attempts
        self.billed = self.billed + spent.usage

    def add(self, other: Tally) -> None:
        self.answered_by = other.answered_by or self.answered_by
        self.calls += other.calls
        self.cache_hits += other.cache_hits
        self.reasks += other.reasks
        self.billed = self.billed + other.billed
        self.cached = self.cached + other.cached
        self.model_seconds += other.model_seconds


__all__ = ["Tally"]
