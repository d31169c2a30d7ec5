"""``briefer eval list``: the run folders under a directory, newest first.

Only each run's ``summary.json`` is read (spec and means), so a long history lists fast.
A folder that looks like a run (it has ``summary.json`` or ``results.jsonl``) but cannot
be read is reported as a problem and the others are still listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ValidationError

from briefer.evals.run import RESULTS, SUMMARY, SummaryFile
from briefer.rendering.blocks import Cell, Mark, Table

MAX_DEPTH = 3  # a compare --out folder holds base/ and candidate/ runs one level down


class RunEntry(BaseModel):
    path: str
    created_at: str
    prompt_version: str
    prompt_hash: str
    model: str
    backend: str
    split: str | None
    cases: dict[str, int]
    failed: int
    metrics: dict[str, float | None]
    lead: dict[str, float | None] | None


class Problem(BaseModel):
    path: str
    reason: str


def candidates(root: Path, depth: int = 0) -> Iterator[Path]:
    """Folders under ``root`` that hold a run file; a run folder's subfolders are not searched."""
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return
    for child in children:
        if (child / SUMMARY).exists() or (child / RESULTS).exists():
            yield child
        elif depth + 1 < MAX_DEPTH:
            yield from candidates(child, depth + 1)


def read_entry(folder: Path, root: Path) -> RunEntry | Problem:
    name = str(folder.relative_to(root))
    if not (folder / RESULTS).is_file():
        return Problem(path=name, reason=f"no {RESULTS}")
    try:
        data = SummaryFile.model_validate_json((folder / SUMMARY).read_bytes())
    except FileNotFoundError:
        return Problem(path=name, reason=f"no {SUMMARY}")
    except OSError as error:
        return Problem(path=name, reason=error.strerror or type(error).__name__)
    except ValidationError as error:
        return Problem(path=name, reason=f"unreadable {SUMMARY} ({error.errors()[0]['msg']})")
    spec, summary = data.spec, data.summary
    return RunEntry(
        path=name,
        created_at=spec.created_at,
        prompt_version=spec.prompt_version,
        prompt_hash=spec.prompt_hash,
        model=spec.model,
        backend=spec.backend,
        split=spec.split,
        cases=summary.case_counts,
        failed=summary.stats.failed,
        metrics=summary.metrics.get("all", {}),
        lead=(summary.lead_metrics or {}).get("all") if summary.lead_metrics else None,
    )


def list_runs(root: Path) -> tuple[list[RunEntry], list[Problem]]:
    """Every run under ``root``, newest first, and the folders that could not be read."""
    entries: list[RunEntry] = []
    problems: list[Problem] = []
    for folder in candidates(root):
        found = read_entry(folder, root)
        if isinstance(found, RunEntry):
            entries.append(found)
        else:
            problems.append(found)
    entries.sort(key=lambda e: (e.created_at, e.path), reverse=True)
    return entries, problems


LIST_COLUMNS = {
    "actors_f1": "actors",
    "numbers_f1": "numbers",
    "claims_recall": "claims",
    "attribution_accuracy": "attrib.",
    "evidence_grounding": "evidence",
    "question_coverage": "questions",
    "schema_valid_rate": "valid",
}


def listing_table(entries: list[RunEntry]) -> Table:
    """One row per run: where, when, which prompts and model, how many cases, the headline
    means (all cases)."""
    rows = []
    for entry in entries:
        counts = entry.cases
        cases = f"{counts.get('all', 0)} ({counts.get('dev', 0)} dev, {counts.get('test', 0)} test)"
        failed: tuple[Mark, ...] = ("bad",) if entry.failed else ()
        rows.append(
            (
                Cell(entry.path),
                Cell(entry.created_at.replace("T", " ")[:16]),
                Cell(f"v{entry.prompt_version} {entry.prompt_hash[:8]}"),
                Cell(entry.model),
                Cell(cases + (f", {entry.failed} failed" if entry.failed else ""), failed),
                *(Cell(fmt(entry.metrics.get(name))) for name in LIST_COLUMNS),
            )
        )
    return Table(("run", "date (UTC)", "prompts", "model", "cases", *LIST_COLUMNS.values()), rows)


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"
