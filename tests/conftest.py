"""Shared fixtures: loopback fakes of every service, and an isolated environment."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeOpenAI, FakeSlack, FakeWeb

# Removed for every test: real credentials/endpoints must never leak into a test, and
# proxy variables would send loopback traffic elsewhere (slack_sdk ignores NO_PROXY).
_SCRUBBED_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "BRIEFER_MODEL",
    "BRIEFER_BACKEND",
    "SLACK_WEBHOOK_URL",
    "SLACK_BOT_TOKEN",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    # Terminal detection (briefer.evals.viewer.terminal): tests see piped output.
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "NO_COLOR",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """BRIEFER_HOME and TIKTOKEN_CACHE_DIR in fresh tmp dirs; service variables unset; the
    warm spaCy worker off.

    Returns the BRIEFER_HOME directory.
    """
    home = tmp_path / "briefer-home"
    home.mkdir()
    tiktoken_cache = tmp_path / "tiktoken-cache"
    tiktoken_cache.mkdir()
    monkeypatch.setenv("BRIEFER_HOME", str(home))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tiktoken_cache))
    # No test starts a warm spaCy worker unless it asks for one (tests/test_nlp_worker.py):
    # set in the environment, so `briefer` subprocesses inherit it too.
    monkeypatch.setenv("BRIEFER_NLP_WORKER", "0")
    for name in _SCRUBBED_ENV:
        monkeypatch.delenv(name, raising=False)
    return home


MODEL_CACHE_ENV = "BRIEFER_TEST_MODEL_CACHE"


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for assembled local models, shared by every test of the session.

    ``$BRIEFER_TEST_MODEL_CACHE`` when set, else ``briefer-models`` beside pytest's numbered
    base temps (``/tmp/pytest-of-<user>/``), which pytest never prunes. The default model is
    1.1 GB: assembled into each test's own home, it was built again per test, and the three
    base temps pytest keeps held a copy each. ``models.assemble`` writes atomically and keeps
    a verified sidecar, so later sessions (and concurrent ones) reuse the file without
    re-hashing it.
    """
    override = os.environ.get(MODEL_CACHE_ENV)
    beside_base_temps = tmp_path_factory.getbasetemp().parent / "briefer-models"
    folder = Path(override) if override else beside_base_temps
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shared_models(isolated_env: Path, model_cache: Path) -> Path:
    """This test's ``$BRIEFER_HOME/models`` is the session's model cache (a symlink to it), so
    the public path (``default_cache_dir``, ``assemble``) runs unchanged without a new copy."""
    (isolated_env / "models").symlink_to(model_cache, target_is_directory=True)
    return model_cache


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started FakeOpenAI (``.base_url``), stopped after the test."""
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A started FakeSlack (``.webhook_url``, ``.api_url``), stopped after the test."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def fake_web() -> Iterator[FakeWeb]:
    """A started FakeWeb (``.add(path, body)``, ``.url(path)``), stopped after the test."""
    with FakeWeb() as fake:
        yield fake


# -- the day-run tests' model and config (tests/test_daily*.py) -------------------------------


@pytest.fixture
def model(fake_openai: FakeOpenAI) -> Any:
    """The fake endpoint answers as ``tests.test_daily.Model``: per-article briefs, FAILME a 500."""
    from tests.test_daily import Model

    responder = Model()
    fake_openai.responder = responder
    return responder


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "briefer.toml"
    # A failing model call fails at once; the day's briefs are the scripted answers as they
    # stand (the pipeline's own choice of claims and actors is tested through `brief`).
    path.write_text('max_attempts = 1\nchoose = "model"\n')
    return path


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait between Slack retries, recorded instead of slept (no test sleeps for real)."""
    from briefer import slack_client

    recorded: list[float] = []
    monkeypatch.setattr(slack_client, "sleep", recorded.append)
    return recorded


@pytest.fixture(autouse=True)
def model_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait between model-call retries (backoff, Retry-After), recorded instead of slept.

    The retry layer waits through ``remote.sleep``; a test that builds its own
    ``RetryingBackend`` with ``sleep=``, or replaces ``remote``'s clocks, is not affected.
    """
    from briefer.backends import openai as remote

    recorded: list[float] = []
    monkeypatch.setattr(remote, "sleep", recorded.append)
    return recorded


@pytest.fixture
def no_spacy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """spaCy as if it were not installed: the candidates come from the rules."""
    from briefer.nlp import mentions, model

    monkeypatch.setitem(sys.modules, "spacy", None)
    monkeypatch.setattr(model, "_loaded", [])
    model.parse.cache_clear()
    mentions.actor_mentions.cache_clear()
    yield
    model.parse.cache_clear()
    mentions.actor_mentions.cache_clear()
