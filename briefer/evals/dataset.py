"""The eval's inputs: gold cases, the articles they brief, and ``evals/config.toml``.

A gold case is one JSON file in the gold directory (default ``<repo>/evals/gold``)::

    {"id": "seed-trump-putin-call",            # = the file name without .json
     "article": {"root": "repo", "source": "seeds/000_2ebbe5879b4b5f11.txt"},
     "article_sha256": "01aa…",                # of the file's bytes / the record's text
     "topic": "world", "split": "dev", "author": "…", "notes": "…",
     "brief": {… BriefDraft fields …}}

``root`` says where ``source`` is relative to: ``"repo"``, the directory holding
``evals/`` (found upwards from the gold directory), or ``"corpus"``, the ``--corpus``
directory (default ``$BRIEFER_EVAL_CORPUS``, else ``<repo>/../shared/data``). A source
``file.jsonl#ID`` is the ``article`` field of the record whose ``hash`` is ``ID``.

An article that cannot be found makes its case *missing*; one whose sha256 differs from
``article_sha256`` makes it *changed*. Neither is briefed or scored; both are reported.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from briefer.articles import Article, load_file, make_article
from briefer.config import EVAL_CORPUS_ENV, eval_corpus_override
from briefer.errors import BrieferError, InputError
from briefer.evals.metrics import HEADLINE_METRICS, METRICS
from briefer.schema import BriefDraft

CORPUS_ENV = EVAL_CORPUS_ENV
Split = Literal["dev", "test"]
ArticleStatus = Literal["ok", "missing", "changed"]


class ArticleSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    root: Literal["repo", "corpus"]
    source: str = Field(min_length=1)


class GoldCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    article: ArticleSource
    article_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    topic: str
    split: Split
    author: str
    notes: str = ""
    brief: BriefDraft

    def gold_sha256(self) -> str:
        """A hash of the gold brief, so a comparison can tell when the gold changed."""
        blob = json.dumps(self.brief.model_dump(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


# --- locations --------------------------------------------------------------------------


def checkout_root() -> Path:
    """The source checkout holding ``evals/`` (this package's parent), else the cwd."""
    package_parent = Path(__file__).resolve().parents[2]
    return package_parent if (package_parent / "evals").is_dir() else Path.cwd()


def default_gold_dir() -> Path:
    return checkout_root() / "evals" / "gold"


def repo_root_of(gold_dir: Path) -> Path:
    """The nearest directory at or above ``gold_dir`` that holds ``evals/``; else gold_dir."""
    gold_dir = gold_dir.resolve()
    for candidate in (gold_dir, *gold_dir.parents):
        if (candidate / "evals").is_dir():
            return candidate
    return gold_dir


def default_corpus_dir(repo_root: Path, environ: dict[str, str] | None = None) -> Path:
    return eval_corpus_override(environ) or repo_root.parent / "shared" / "data"


# --- gold cases -------------------------------------------------------------------------


def load_case(path: Path) -> GoldCase:
    try:
        case = GoldCase.model_validate_json(path.read_bytes())
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "root"
        raise InputError(
            f"{path}: invalid gold case at {where}: {first['msg']}; fix the file"
        ) from None
    if case.id != path.stem:
        raise InputError(f"{path}: id {case.id!r} differs from the file name; rename one of them")
    return case


def load_cases(gold_dir: Path, pattern: str = "*", split: Split | None = None) -> list[GoldCase]:
    """Gold cases whose id matches the glob ``pattern`` (and ``split``), sorted by id."""
    if not gold_dir.is_dir():
        raise InputError(f"{gold_dir}: no gold directory; check --gold")
    cases = [load_case(path) for path in sorted(gold_dir.glob("*.json"))]
    chosen = [
        case
        for case in cases
        if fnmatch.fnmatchcase(case.id, pattern) and (split is None or case.split == split)
    ]
    if not chosen:
        where = f" in split {split!r}" if split else ""
        raise InputError(f"{gold_dir}: no gold case matches {pattern!r}{where}; check --cases")
    return chosen


# --- articles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedArticle:
    status: ArticleStatus
    location: str
    article: Article | None = None
    sha256: str | None = None
    reason: str | None = None


@dataclass
class ArticleResolver:
    """Finds each case's article; JSONL files are read once and indexed by ``hash``."""

    repo_root: Path
    corpus_root: Path
    _records: dict[Path, dict[str, dict[str, Any]]] = field(default_factory=dict, repr=False)

    def root_for(self, source: ArticleSource) -> Path:
        return self.repo_root if source.root == "repo" else self.corpus_root

    def resolve(self, case: GoldCase) -> ResolvedArticle:
        path_text, _, record_id = case.article.source.partition("#")
        path = self.root_for(case.article) / path_text
        location = f"{path}#{record_id}" if record_id else str(path)
        if not path.is_file():
            hint = "--corpus / $" + CORPUS_ENV if case.article.root == "corpus" else "the repo"
            return ResolvedArticle("missing", location, reason=f"no file {path} (check {hint})")
        try:
            raw, article = self._load(path, record_id, case)
        except BrieferError as error:
            return ResolvedArticle("missing", location, reason=error.message)
        digest = hashlib.sha256(raw).hexdigest()
        if digest != case.article_sha256:
            reason = (
                f"article changed: sha256 {digest[:12]}… differs from the gold's "
                f"{case.article_sha256[:12]}…; re-check the gold brief, then update article_sha256"
            )
            return ResolvedArticle("changed", location, article, digest, reason)
        return ResolvedArticle("ok", location, article, digest)

    def _load(self, path: Path, record_id: str, case: GoldCase) -> tuple[bytes, Article]:
        if not record_id:
            return path.read_bytes(), load_file(path)
        record = self._index(path).get(record_id)
        if record is None or not isinstance(record.get("article"), str):
            raise InputError(f"{path}: no record with hash {record_id!r} and an article field")
        text: str = record["article"]
        article = make_article(
            text, label=f"{path}#{record_id}", source=case.article.source, url=record.get("url")
        )
        return text.encode("utf-8"), article

    def _index(self, path: Path) -> dict[str, dict[str, Any]]:
        if path not in self._records:
            records: dict[str, dict[str, Any]] = {}
            with path.open(encoding="utf-8") as lines:
                for number, line in enumerate(lines, 1):
                    if not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError:
                        raise InputError(f"{path}:{number}: not a JSON line") from None
                    if isinstance(record, dict) and "hash" in record:
                        records[str(record["hash"])] = record
            self._records[path] = records
        return self._records[path]


# --- evals/config.toml ------------------------------------------------------------------


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GateConfig(_Config):
    headline: list[str] = Field(default_factory=lambda: list(HEADLINE_METRICS))
    tolerance: float = Field(default=0.02, ge=0, description="largest allowed drop, absolute")
    tolerances: dict[str, float] = Field(default_factory=dict, description="per-metric overrides")
    fail_on_new_hallucinated_number: bool = True
    fail_on_new_invalid_citations: bool = True
    fail_below_lead: bool = True
    lead_exempt: list[str] = Field(
        default_factory=lambda: ["schema_valid_rate", "evidence_grounding", "attribution_accuracy"],
        description="headline metrics not checked against the lead baseline",
    )

    @field_validator("headline", "lead_exempt")
    @classmethod
    def _known_metrics(cls, names: list[str]) -> list[str]:
        unknown = [name for name in names if name not in METRICS]
        if unknown:
            raise ValueError(f"unknown metric(s) {unknown}; known: {', '.join(METRICS)}")
        return names

    def tolerance_for(self, metric: str) -> float:
        return self.tolerances.get(metric, self.tolerance)


class BootstrapConfig(_Config):
    resamples: int = Field(default=2000, ge=100)
    confidence: float = Field(default=0.95, gt=0, lt=1)
    seed: int = 0


class Price(_Config):
    input_per_million: float = Field(ge=0)
    output_per_million: float = Field(ge=0)


class EvalConfig(_Config):
    gate: GateConfig = Field(default_factory=GateConfig)
    bootstrap: BootstrapConfig = Field(default_factory=BootstrapConfig)
    prices: dict[str, Price] = Field(default_factory=dict, description="USD per million tokens")


def default_config_path() -> Path:
    return checkout_root() / "evals" / "config.toml"


def load_eval_config(path: Path | None = None) -> EvalConfig:
    """``evals/config.toml`` (or ``path``); the defaults when the default file is absent."""
    explicit = path is not None
    path = path or default_config_path()
    if not path.is_file():
        if explicit:
            raise InputError(f"{path}: no such eval config; check --eval-config")
        return EvalConfig()
    try:
        return EvalConfig.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: invalid TOML ({error}); fix the file") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"{path}: {where}: {first['msg']}") from None
