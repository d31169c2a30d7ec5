"""Precision and recall of changed numbers (stories across days) and of disagreements
(sources of one story), on the hand-labelled stories of ``evals/followup/``.

Each fixture is one story: its days, each with its articles (site, title, text) and the
true labels: ``disagreements`` between that day's sources and ``changes`` from the day
before (``{"counts", "old", "new"}``: the values). No model is involved: a day's brief is
taken to hold every number its articles state (as if the model chose them all), so what is
measured is the comparison rules (``briefer.counted``), not a model's choice of numbers.

``split``: ``dev`` stories were written while the rules were shaped, ``test`` ones after
the rules were last changed (their figures are the honest ones; never tune on them).

Matching: a found disagreement matches a label with the same two values; a found change
matches a label with the same old value and a new value within the tolerance. A found item
that matches a label is correct (two finds may match one label); a label is recalled when
some find matches it.

    briefer eval followup [evals/followup] [--json]
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from briefer.citations import CitedArticle
from briefer.counted import REL_TOL
from briefer.disagreements import SourceText, find_disagreements
from briefer.errors import InputError
from briefer.followup import since_of
from briefer.schema import ArticleRef, Brief, BriefMeta, Number

DEFAULT_DIR = Path("evals/followup")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FixtureArticle(_Strict):
    source: str
    title: str
    text: str


class LabelledDisagreement(_Strict):
    counts: str
    values: list[float] = Field(min_length=2, max_length=2)


class LabelledChange(_Strict):
    counts: str
    old: float
    new: float


class FixtureDay(_Strict):
    date: str
    articles: list[FixtureArticle] = Field(min_length=1)
    disagreements: list[LabelledDisagreement] = Field(default_factory=list)
    changes: list[LabelledChange] = Field(default_factory=list)


class Fixture(_Strict):
    id: str
    split: Literal["dev", "test"] = Field(
        "dev", description="test: written after the rules were last changed, never tuned on"
    )
    note: str = ""
    days: list[FixtureDay] = Field(min_length=1)


def load_fixtures(folder: Path = DEFAULT_DIR) -> list[Fixture]:
    """The fixtures of ``folder``; InputError naming the first unreadable one, or none."""
    fixtures: list[Fixture] = []
    for path in sorted(folder.glob("*.json")):
        try:
            fixtures.append(Fixture.model_validate_json(path.read_bytes()))
        except (OSError, ValidationError) as error:
            raise InputError(
                f"{path}: not a follow-up fixture ({type(error).__name__}); see "
                "briefer/evals/followup.py for the shape"
            ) from None
    if not fixtures:
        raise InputError(f"{folder}: no *.json fixtures; give the folder of labelled stories")
    return fixtures


# -- what the rules find ----------------------------------------------------------------------


def day_brief(day: FixtureDay) -> Brief:
    """A brief of the day that holds every number its articles state."""
    numbers = [
        Number(
            value=listed.quantity.value,
            unit=listed.unit,
            text=listed.quantity.text,
            context=listed.context,
            grounded=True,
        )
        for article in day.articles
        for listed in CitedArticle(article.text).listed
    ]
    meta = BriefMeta(model="none", backend="none", prompt_version="-", prompt_hash="-")
    return Brief(
        title=day.articles[0].title,
        summary="",
        actors=[],
        claims=[],
        numbers=numbers,
        open_questions=[],
        article=ArticleRef(id=day.date),
        meta=meta,
    )


def found_disagreements(day: FixtureDay) -> list[tuple[float, float]]:
    sources = [SourceText(a.source, a.text) for a in day.articles]
    return [_pair(d.values[0].value, d.values[1].value) for d in find_disagreements(sources)]


def found_changes(before: FixtureDay, day: FixtureDay) -> list[tuple[float, float]]:
    since = since_of(day_brief(before), day_brief(day), old_date=before.date, new_date=day.date)
    return [(c.old_value, c.new_value) for c in since.changed_numbers]


def _pair(a: float, b: float) -> tuple[float, float]:
    low, high = sorted((a, b))
    return low, high


# -- scoring ----------------------------------------------------------------------------------


@dataclass
class Tally:
    found: int = 0
    correct: int = 0
    labels: int = 0
    recalled: int = 0
    misses: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.correct / self.found if self.found else None

    @property
    def recall(self) -> float | None:
        return self.recalled / self.labels if self.labels else None


@dataclass
class FollowupScore:
    stories: int = 0
    changes: Tally = field(default_factory=Tally)
    disagreements: Tally = field(default_factory=Tally)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL)


def _tally(
    tally: Tally,
    found: Sequence[tuple[float, float]],
    labels: Sequence[tuple[float, float]],
    where: str,
) -> None:
    def matches(f: tuple[float, float], g: tuple[float, float]) -> bool:
        return f[0] == g[0] and _close(f[1], g[1])

    tally.found += len(found)
    tally.labels += len(labels)
    for item in found:
        if any(matches(item, label) for label in labels):
            tally.correct += 1
        else:
            tally.false.append(f"{where}: {item[0]:g} / {item[1]:g}")
    for label in labels:
        if any(matches(item, label) for item in found):
            tally.recalled += 1
        else:
            tally.misses.append(f"{where}: {label[0]:g} / {label[1]:g}")


def score(fixtures: Sequence[Fixture]) -> FollowupScore:
    result = FollowupScore(stories=len(fixtures))
    for fixture in fixtures:
        previous: FixtureDay | None = None
        for day in fixture.days:
            where = f"{fixture.id} {day.date}"
            labels = [_pair(*d.values) for d in day.disagreements]
            _tally(result.disagreements, found_disagreements(day), labels, where)
            if previous is not None:
                changes = [(c.old, c.new) for c in day.changes]
                _tally(result.changes, found_changes(previous, day), changes, where)
            previous = day
    return result


def score_splits(fixtures: Sequence[Fixture]) -> dict[str, FollowupScore]:
    """The scores of the ``dev`` stories, the ``test`` ones (never tuned on) and all."""
    splits = {name: [f for f in fixtures if f.split == name] for name in ("dev", "test")}
    return {
        **{name: score(chosen) for name, chosen in splits.items() if chosen},
        "all": score(fixtures),
    }


def splits_report(scores: dict[str, FollowupScore]) -> str:
    return "\n\n".join(
        "\n".join([f"## {name}", *report_lines(result)]) for name, result in scores.items()
    )


def splits_json(scores: dict[str, FollowupScore]) -> str:
    return "{\n" + ",\n".join(f'"{name}": {as_json(r)}' for name, r in scores.items()) + "\n}"


def report_lines(result: FollowupScore) -> list[str]:
    def figure(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    lines = [
        f"{result.stories} stories",
        "",
        "| | labelled | found | correct | precision | recall |",
    ]
    lines.append("|---|---:|---:|---:|---:|---:|")
    for name, tally in (
        ("changed numbers", result.changes),
        ("disagreements", result.disagreements),
    ):
        lines.append(
            f"| {name} | {tally.labels} | {tally.found} | {tally.correct} | "
            f"{figure(tally.precision)} | {figure(tally.recall)} |"
        )
    for name, tally in (("changes", result.changes), ("disagreements", result.disagreements)):
        lines += [f"missed {name}: {m}" for m in tally.misses]
        lines += [f"wrong {name}: {f}" for f in tally.false]
    return lines


def as_json(result: FollowupScore) -> str:
    def part(tally: Tally) -> dict[str, object]:
        return {
            "labelled": tally.labels,
            "found": tally.found,
            "correct": tally.correct,
            "precision": tally.precision,
            "recall": tally.recall,
            "missed": tally.misses,
            "wrong": tally.false,
        }

    body = {
        "stories": result.stories,
        "changes": part(result.changes),
        "disagreements": part(result.disagreements),
    }
    return json.dumps(body, indent=2)


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    folder = Path(args[0]) if args else DEFAULT_DIR
    print(splits_report(score_splits(load_fixtures(folder))))


if __name__ == "__main__":
    main()


__all__ = [
    "DEFAULT_DIR",
    "Fixture",
    "FollowupScore",
    "as_json",
    "day_brief",
    "found_changes",
    "found_disagreements",
    "load_fixtures",
    "report_lines",
    "score",
    "score_splits",
    "splits_json",
    "splits_report",
]
