"""Loopback fakes of the services briefer talks to (OpenAI-compatible API, Slack, the web).

Standard library only; see each module. Tests use them through the fixtures in
``tests/conftest.py`` or directly as context managers.
"""

from .openai_server import DEFAULT_BRIEF, DEFAULT_CONTENT, FakeOpenAI, Reply, error_body
from .slack_server import FakeSlack, SlackReply, SlackRequest
from .web_server import FakeWeb, LoopbackServer, WebRequest, redact_headers

__all__ = [
    "DEFAULT_BRIEF",
    "DEFAULT_CONTENT",
    "FakeOpenAI",
    "FakeSlack",
    "FakeWeb",
    "LoopbackServer",
    "Reply",
    "SlackReply",
    "SlackRequest",
    "WebRequest",
    "error_body",
    "redact_headers",
]
