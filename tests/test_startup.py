"""Start-up stays small: the command line loads the library only for the command that runs.

No timings here (the machine's speed varies); instead each test starts a fresh interpreter
and checks which heavy third-party packages ended up in ``sys.modules``. The figures these
guard (``briefer --help`` under 0.3 s) come from ``python bench/overhead.py``.
"""

from __future__ import annotations

import importlib
import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from tests.briefs import SEED
from tests.fakes import FakeOpenAI
from tests.fresh import fresh_python

REPO = Path(__file__).resolve().parent.parent

# Measured with ``python -X importtime``: each costs 20 ms (rich) to 500 ms (openai) to import.
HEAVY = (
    "spacy",
    "openai",
    "httpx",
    "pydantic",
    "rich",
    "trafilatura",
    "feedparser",
    "tiktoken",
    "jinja2",
    "rapidfuzz",
    "slack_sdk",
    "tenacity",
    "charset_normalizer",
    "numpy",
    "llama_cpp",
)

_PROBE = """
import json, sys
from briefer.cli import cli
args = json.loads(sys.argv[1])
code = 0
if args is not None:
    try:
        cli(args, prog_name="briefer")
    except SystemExit as exit:
        code = exit.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(sys.argv[2])))
print(json.dumps({"code": code, "heavy": heavy}))
"""


def heavy_modules_after(
    args: list[str] | None, exit_code: int = 0, stderr: int | None = None, **extra_env: str
) -> list[str]:
    """The HEAVY packages a fresh ``briefer ARGS`` process (which must end with
    ``exit_code``) has imported by the end; its stderr is captured unless ``stderr`` (a
    file descriptor) is given."""
    env = {**os.environ, "PYTHONPATH": str(REPO), **extra_env}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args), json.dumps(HEAVY)],
        env=env,
        cwd=REPO,  # `python -c` puts the working folder first on sys.path
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if stderr is None else stderr,
        text=True,
        timeout=60,
        check=True,
    )
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["code"] == exit_code, result.stderr
    loaded: list[str] = probe["heavy"]
    return loaded


@pytest.mark.parametrize(
    "args",
    [
        None,  # just `import briefer.cli`
        ["--help"],
        ["--version"],
        ["brief", "--help"],
        ["daily", "--help"],
        ["slack", "post", "--help"],
        ["eval", "run", "--help"],
        ["models", "--help"],
    ],
    ids=lambda args: "import" if args is None else " ".join(args),
)
def test_the_command_line_starts_without_the_heavy_libraries(args: list[str] | None) -> None:
    assert heavy_modules_after(args) == []


def test_the_probe_sees_a_command_that_loads_the_library(tmp_path: Path) -> None:
    """The check above can fail: a command that runs does load pydantic (its settings)."""
    config = tmp_path / "briefer.toml"
    config.write_text("timeout = -1\n")  # refused while loading the settings: no model call
    assert "pydantic" in heavy_modules_after(["brief", "-", "--config", str(config)], exit_code=2)


def test_a_brief_the_cache_answers_never_loads_the_openai_sdk(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    env = {"BRIEFER_HOME": str(tmp_path), "OPENAI_BASE_URL": fake_openai.base_url}
    args = ["brief", str(SEED), "-f", "json"]
    first = heavy_modules_after(args, **env)
    # The first brief parses and asks the model (through the retry layer).
    assert {"openai", "spacy", "tenacity"} <= set(first)
    assert fake_openai.calls == 1
    cached = heavy_modules_after(args, **env)
    # A UTF-8 file: no guess at its encoding; its candidates are kept: no parse; the
    # endpoint's URL is plain: no httpx to check it; no request: no retry layer; stderr
    # is no terminal: no spinner.
    unneeded = {"openai", "charset_normalizer", "spacy", "httpx", "tenacity", "rich"}
    assert not unneeded & set(cached), cached
    assert fake_openai.calls == 1


def test_progress_loads_rich_only_for_a_terminal(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    """A piped stderr gets plain lines (no rich); a terminal gets rich's spinner."""
    env = {"BRIEFER_HOME": str(tmp_path), "OPENAI_BASE_URL": fake_openai.base_url}
    args = ["brief", str(SEED), "-f", "json"]
    heavy_modules_after(args, **env)  # fills the cache (its parse loads rich: spaCy imports httpx)
    assert "rich" not in heavy_modules_after(args, **env)
    primary, terminal = pty.openpty()
    try:
        assert "rich" in heavy_modules_after(args, stderr=terminal, **env)
    finally:
        os.close(terminal)
        os.close(primary)


def test_reading_a_local_file_loads_no_http_client() -> None:
    code = (
        "import sys\n"
        "from briefer.articles import load_article\n"
        f"load_article({str(SEED)!r})\n"
        "print(sorted({'httpx', 'charset_normalizer'} & set(sys.modules)))\n"
    )
    result = fresh_python(code)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.parametrize("args", [["--version"], ["brief", "--nope"]])
def test_the_command_freezes_what_it_made_so_the_exit_does_not_walk_it(args: list[str]) -> None:
    """``main`` ends (succeeding or not) with ``gc.freeze()``: the interpreter's collections
    at exit skip the imports' objects, a quarter of a second of an uncached brief."""
    code = (
        "import gc, sys\n"
        "from briefer.cli import main\n"
        f"sys.argv = ['briefer', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
        "print(code, gc.get_freeze_count() > 0, file=sys.stderr)\n"
    )
    result = fresh_python(code, check=False)
    assert result.stderr.strip().splitlines()[-1] == f"{0 if args == ['--version'] else 2} True"


def test_the_python_api_is_importable_from_the_package() -> None:
    import briefer
    from briefer.pipeline import Briefer, brief_article

    assert briefer.Briefer is Briefer and briefer.brief_article is brief_article
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        briefer.nope  # noqa: B018


def test_the_command_lines_copies_of_library_constants_agree() -> None:
    """The CLI names choices without importing the modules that define them."""
    from briefer import config
    from briefer.evals import dataset
    from briefer.rendering import brief as rendered

    brief = importlib.import_module("briefer.cli.brief")  # the name `brief` is the command
    evals = importlib.import_module("briefer.cli.evals")

    assert brief.FORMATS == rendered.FORMATS
    assert get_args(dataset.Split) == evals.SPLITS
    assert evals.CORPUS_ENV == config.EVAL_CORPUS_ENV == dataset.CORPUS_ENV


_TOKENS_PROBE = """
import json, sys
from briefer import tokens
from briefer.cli import cli
try:
    cli(json.loads(sys.argv[1]), prog_name="briefer")
except SystemExit as exit:
    assert exit.code == 0, exit.code
print(json.dumps([sorted(tokens._built), tokens.token_keys.cache_info().currsize]))
"""


def test_a_brief_that_fits_by_bytes_builds_no_bpe_encoding(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """The headline's name check reads the BPE file's keys; only counting builds an Encoding."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "BRIEFER_HOME": str(tmp_path),
        "OPENAI_BASE_URL": fake_openai.base_url,
    }
    args = ["brief", str(SEED), "-f", "json", "--no-cache"]
    result = subprocess.run(
        [sys.executable, "-c", _TOKENS_PROBE, json.dumps(args)], env=env, cwd=REPO,
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    built, keys_read = json.loads(result.stdout.strip().splitlines()[-1])
    assert fake_openai.calls == 1
    assert (built, keys_read) == ([], 1)


def httpx_says(url: str) -> bool:
    """``is_http_url`` as it was: every URL parsed by httpx."""
    import re
    from urllib.parse import urlsplit

    import httpx

    if not re.match(r"^https?://\S+$", url, re.IGNORECASE):
        return False
    try:
        split = urlsplit(url)
        split.port  # noqa: B018
        parsed = httpx.URL(url)
    except Exception:
        return False
    host_chars = set(split.hostname or "")
    return parsed.scheme in ("http", "https") and bool(parsed.host) and not host_chars & set("[]")


URLS = [
    "https://api.openai.com/v1",
    "http://localhost:8000/v1",
    "http://127.0.0.1:11434/v1",
    "HTTP://LOCALHOST:8000/V1",
    "https://x.org",
    "https://x.org/",
    "https://x.org:443/",
    "http://a-b.c-d.example/v1/",
    "http://-/",  # httpx takes any ASCII reg-name
    "http://1.2.3/v1",  # three parts: a host name, not an address
    "http://255.255.255.255/",
    "http://256.1.1.1/",  # not an IPv4 address
    "http://127.000.0.1/",  # leading zeros refused
    "http://0.0.0.0:0/",
    "http://host:65535/",
    "http://host:65536/",
    "http://host:99999/",
    "http://host:/v1",
    "http://host:80a/",
    "http://[::1]:8000/v1",
    "http://[zz]/",
    "http://bücher.example/",
    "http://xn--bcher-kva.example/",
    "http://\u212a.example/",  # KELVIN SIGN, which [a-z] matches without re.ASCII
    "http://ex\u0131mple.org/",
    "http://h\u0661.org:8\u0661/",  # Arabic-Indic digits
    "http://user:pw@host/v1",
    "http://host/v1?key=abc",
    "http://host/v1#frag",
    "http://host/a b",
    "http://host/a%20b",
    "http://host/../v1",
    "http://host//v1",
    "http://",
    "http:///v1",
    "http://:8000/v1",
    "http://gateway:notaport/v1",
    "https://.example/",
    "https://example./",
    "https://exa..mple/",
    "ftp://host/",
    "host:8000",
    "http://host\t/",
    "http://ho_st/",
]


@pytest.mark.parametrize("url", URLS)
def test_the_plain_url_shortcut_answers_as_httpx_does(url: str) -> None:
    from briefer.urls import is_http_url

    assert is_http_url(url) == httpx_says(url)


def test_a_plain_endpoint_url_is_checked_without_httpx() -> None:
    code = (
        "import sys\n"
        "from briefer.urls import is_http_url\n"
        "assert is_http_url('http://127.0.0.1:8000/v1') and is_http_url('https://api.openai.com/v1')\n"
        "print('httpx' in sys.modules)\n"
        "assert not is_http_url('http://256.1.1.1/')  # the full check, with httpx\n"
        "print('httpx' in sys.modules)\n"
    )
    result = fresh_python(code)
    assert result.stdout.split() == ["False", "True"], result.stderr


def test_a_json_brief_loads_no_text_renderer() -> None:
    code = (
        "import sys\n"
        "from briefer.rendering.brief import render\n"
        "from tests.briefs import empty_brief\n"
        "BRIEF = empty_brief()\n"
        "loaded = lambda: [m in sys.modules for m in ('briefer.rendering.html', 'briefer.rendering.markdown')]\n"
        "render(BRIEF, 'json'); print(loaded())\n"
        "render(BRIEF, 'html'); render(BRIEF, 'md'); print(loaded())\n"
    )
    result = fresh_python(code)
    assert result.stdout.split() == ["[False,", "False]", "[True,", "True]"], result.stderr
