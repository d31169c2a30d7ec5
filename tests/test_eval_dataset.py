"""Gold cases and their articles (briefer.evals.dataset)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from briefer.errors import InputError
from briefer.evals.dataset import (
    ArticleResolver,
    default_corpus_dir,
    default_gold_dir,
    load_case,
    load_cases,
    load_eval_config,
    repo_root_of,
)

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "data"
ARTICLE = "The council will buy 12 cranes, Ada Lind said.\n"
BRIEF: dict[str, Any] = {
    "title": "Council buys cranes",
    "summary": "The council will buy 12 cranes.",
    "actors": [{"name": "Ada Lind", "role": "councillor"}],
    "claims": [],
    "numbers": [{"value": 12, "unit": "cranes", "text": "12", "context": "cranes to buy"}],
    "open_questions": [],
}


def write_case(gold: Path, case_id: str, root: str, source: str, sha: str, **extra: Any) -> Path:
    gold.mkdir(parents=True, exist_ok=True)
    case = {
        "id": case_id,
        "article": {"root": root, "source": source},
        "article_sha256": sha,
        "topic": "local",
        "split": "dev",
        "author": "test",
        "notes": "",
        "brief": BRIEF,
        **extra,
    }
    path = gold / f"{case_id}.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    return path


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_repo_gold_set_loads() -> None:
    cases = load_cases(default_gold_dir())
    assert len(cases) >= 21
    assert len({c.id for c in cases}) == len(cases)
    assert {c.split for c in cases} == {"dev", "test"}
    assert [c.id for c in load_cases(default_gold_dir(), "seed-*")] == ["seed-trump-putin-call"]
    assert all(c.split == "test" for c in load_cases(default_gold_dir(), split="test"))


def test_no_matching_case_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no gold case matches 'nope-\\*'"):
        load_cases(default_gold_dir(), "nope-*")


def test_invalid_case_names_the_file_and_field(tmp_path: Path) -> None:
    path = write_case(tmp_path, "bad", "repo", "a.txt", sha(ARTICLE), split="train")
    with pytest.raises(InputError, match=r"bad\.json: invalid gold case at split"):
        load_case(path)
    renamed = write_case(tmp_path, "good", "repo", "a.txt", sha(ARTICLE))
    renamed.rename(tmp_path / "other.json")
    with pytest.raises(InputError, match="differs from the file name"):
        load_case(tmp_path / "other.json")


def test_repo_article_resolves_and_a_change_is_detected(tmp_path: Path) -> None:
    gold = tmp_path / "evals" / "gold"
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    write_case(gold, "ok-case", "repo", "articles/a.txt", sha(ARTICLE))
    write_case(gold, "changed-case", "repo", "articles/a.txt", sha(ARTICLE + "edited"))
    write_case(gold, "missing-case", "repo", "articles/gone.txt", sha(ARTICLE))
    assert repo_root_of(gold) == tmp_path.resolve()
    resolver = ArticleResolver(repo_root_of(gold), tmp_path / "corpus")
    by_id = {c.id: resolver.resolve(c) for c in load_cases(gold)}
    ok = by_id["ok-case"]
    assert ok.status == "ok" and ok.article is not None and ok.article.text == ARTICLE.strip()
    assert by_id["changed-case"].status == "changed"
    assert "article changed" in (by_id["changed-case"].reason or "")
    assert by_id["missing-case"].status == "missing"
    assert "gone.txt" in (by_id["missing-case"].reason or "")


def test_corpus_jsonl_record_is_found_by_hash(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "news").mkdir(parents=True)
    records = [
        {"hash": "abc", "article": ARTICLE, "url": "http://x"},
        {"hash": "def", "article": "Other."},
    ]
    (corpus / "news" / "articles.jsonl").write_text(
        "\n".join(json.dumps(r) for r in records) + "\n"
    )
    gold = tmp_path / "evals" / "gold"
    write_case(gold, "found", "corpus", "news/articles.jsonl#abc", sha(ARTICLE))
    write_case(gold, "no-record", "corpus", "news/articles.jsonl#zzz", sha(ARTICLE))
    resolver = ArticleResolver(tmp_path, corpus)
    found, no_record = (resolver.resolve(c) for c in load_cases(gold))
    assert found.status == "ok" and found.article is not None and found.article.url == "http://x"
    assert no_record.status == "missing" and "no record with hash 'zzz'" in (no_record.reason or "")
    elsewhere = ArticleResolver(tmp_path, tmp_path / "no-corpus").resolve(
        load_cases(gold, "found")[0]
    )
    assert elsewhere.status == "missing" and "--corpus" in (elsewhere.reason or "")


def test_corpus_root_defaults(tmp_path: Path) -> None:
    assert default_corpus_dir(tmp_path / "repo", {}) == tmp_path / "shared" / "data"
    assert default_corpus_dir(tmp_path, {"BRIEFER_EVAL_CORPUS": "/data/x"}) == Path("/data/x")


def test_eval_config_defaults_and_validation(tmp_path: Path) -> None:
    config = load_eval_config()  # the repo's evals/config.toml
    assert config.gate.tolerance == 0.02 and "numbers_f1" in config.gate.headline
    bad = tmp_path / "config.toml"
    bad.write_text('[gate]\nheadline = ["actors_f2"]\n')
    with pytest.raises(InputError, match="unknown metric"):
        load_eval_config(bad)
    with pytest.raises(InputError, match="no such eval config"):
        load_eval_config(tmp_path / "absent.toml")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/data (the FRANK corpus)")
def test_every_repo_gold_article_resolves_unchanged() -> None:
    resolver = ArticleResolver(REPO, CORPUS)
    statuses = {c.id: resolver.resolve(c).status for c in load_cases(default_gold_dir())}
    assert set(statuses.values()) == {"ok"}, statuses
