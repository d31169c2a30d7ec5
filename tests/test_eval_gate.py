"""``briefer eval`` end to end: the real CLI and openai client against the loopback fake.

The fake answers each case with the gold brief, citing the prompt's sentence and number
ids (so the base scores 1.0); a candidate prompt set carries a marker that makes the fake
drop a number or cite one the article does not have, as a worse prompt would.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import statistics
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from briefer.cli import cli
from briefer.prompts import default_prompts_dir
from tests.briefs import REPO, SEED, cite
from tests.fakes import FakeOpenAI, Reply

DROP, INVENT = "EVAL-TEST: DROP A NUMBER", "EVAL-TEST: INVENT A NUMBER"
NO_NUMBERS = "EVAL-TEST: NO NUMBERS"
INVENTED = {"value": 3200, "unit": "tanks", "text": "3,200", "context": "tanks sent to Kursk"}
SEED_ID = "seed-trump-putin-call"

HARBOUR = (
    "Port of Lindholm orders new cranes\n\nThe Port of Lindholm will buy 12 cranes for "
    '£40 million, harbour master Ada Lind said on Monday. "The harbour cannot grow without '
    'them," Lind said. The council approved the plan by 9 votes to 2. Critics asked who will '
    "pay for the upkeep.\n"
)
MEALS = (
    "Free school meals extended\n\nThe city will give free lunches to 3,500 more pupils from "
    "September, education chief Omar Haddad said. The scheme costs $2.5m a year. Haddad said "
    "demand had risen by 15%.\n"
)
SMALL_GOLD: dict[str, tuple[str, str, dict[str, Any]]] = {
    "local-harbour-cranes": (
        "dev",
        HARBOUR,
        {
            "title": "Lindholm port buys 12 cranes for £40m",
            "summary": "The Port of Lindholm will buy 12 cranes for £40 million.",
            "actors": [
                {"name": "Ada Lind", "role": "harbour master"},
                {"name": "Port of Lindholm", "role": "buyer of the cranes"},
            ],
            "claims": [
                {
                    "text": "The harbour cannot grow without new cranes.",
                    "attributed_to": "Ada Lind",
                    "evidence": "The harbour cannot grow without them",
                },
                {
                    "text": "The council approved the plan by 9 votes to 2.",
                    "attributed_to": None,
                    "evidence": "The council approved the plan by 9 votes to 2",
                },
            ],
            "numbers": [
                {
                    "value": 12,
                    "unit": "cranes",
                    "text": "12",
                    "context": "cranes the port will buy",
                },
                {
                    "value": 40000000,
                    "unit": "GBP",
                    "text": "£40 million",
                    "context": "price of the cranes",
                },
            ],
            "open_questions": ["Who will pay for the upkeep of the cranes?"],
        },
    ),
    "local-school-meals": (
        "test",
        MEALS,
        {
            "title": "Free school meals for 3,500 more pupils",
            "summary": "The city extends free lunches to 3,500 more pupils at $2.5m a year.",
            "actors": [{"name": "Omar Haddad", "role": "education chief"}],
            "claims": [
                {
                    "text": "Demand for free meals has risen by 15%.",
                    "attributed_to": "Omar Haddad",
                    "evidence": "demand had risen by 15%",
                }
            ],
            "numbers": [
                {
                    "value": 3500,
                    "unit": "pupils",
                    "text": "3,500",
                    "context": "more pupils given lunches",
                },
                {"value": 2500000, "unit": "USD", "text": "$2.5m", "context": "yearly cost"},
                {"value": 15, "unit": "%", "text": "15%", "context": "rise in demand"},
            ],
            "open_questions": ["How will the city pay for the scheme?"],
        },
    ),
}
# A phrase of each article, to tell which case a request is about.
MARKERS = {
    SEED_ID: "Kursk",
    "local-harbour-cranes": "Lindholm",
    "local-school-meals": "free lunches",
}


@dataclass
class Workspace:
    root: Path
    gold: Path
    base: Path

    def prompts(self, name: str, marker: str) -> Path:
        """A copy of the base prompt set with ``marker`` appended to the system prompt."""
        target = self.root / name
        shutil.copytree(self.base, target)
        system = target / "brief_system.j2"
        system.write_text(system.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
        return target

    def gold_brief(self, case_id: str) -> dict[str, Any]:
        brief: dict[str, Any] = json.loads((self.gold / f"{case_id}.json").read_text())["brief"]
        return brief


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A small repo: evals/gold with the seed case and two local cases, and a prompt set."""
    root = tmp_path / "repo"
    gold = root / "evals" / "gold"
    gold.mkdir(parents=True)
    (root / "seeds").mkdir()
    shutil.copy(SEED, root / "seeds" / SEED.name)
    shutil.copy(REPO / "evals" / "gold" / f"{SEED_ID}.json", gold)
    for case_id, (split, text, brief) in SMALL_GOLD.items():
        article = root / "articles" / f"{case_id}.txt"
        article.parent.mkdir(exist_ok=True)
        article.write_text(text, encoding="utf-8")
        case = {
            "id": case_id,
            "article": {"root": "repo", "source": f"articles/{case_id}.txt"},
            "article_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "topic": "local",
            "split": split,
            "author": "test",
            "notes": "",
            "brief": brief,
        }
        (gold / f"{case_id}.json").write_text(json.dumps(case), encoding="utf-8")
    base = tmp_path / "prompts-base"
    shutil.copytree(default_prompts_dir(), base)
    return Workspace(tmp_path, gold, base)


@pytest.fixture
def fake(workspace: Workspace) -> Iterator[FakeOpenAI]:
    """Answers with the case's gold brief, altered as the system prompt's marker says."""

    def answer(request: dict[str, Any]) -> Reply:
        system, user = (m["content"] for m in request["messages"][:2])
        case_id = next(c for c, marker in MARKERS.items() if marker in user)
        brief = copy.deepcopy(workspace.gold_brief(case_id))
        if DROP in system:
            brief["numbers"] = brief["numbers"][1:]
        if NO_NUMBERS in system:
            brief["numbers"] = []
        if INVENT in system and case_id == SEED_ID:
            brief["numbers"] = [*brief["numbers"][:9], INVENTED]
        answer = cite(brief, user)
        if INVENT in system and case_id == SEED_ID:
            answer["numbers"].append(999)  # an id the prompt does not list
        return Reply.content(json.dumps(answer), prompt_tokens=1000, completion_tokens=200)

    with FakeOpenAI(answer) as server:
        yield server


@pytest.fixture(autouse=True)
def scripted_briefs_as_they_stand(isolated_env: Path) -> None:
    """The gate's tests answer with gold briefs: keep their claims and actors as written."""
    (isolated_env / "briefer.toml").write_text('choose = "model"\n')


def invoke(fake: FakeOpenAI, *args: str | Path) -> Result:
    env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "sk-test"}
    return CliRunner().invoke(cli, ["eval", *map(str, args)], env=env, catch_exceptions=False)


def run_into(fake: FakeOpenAI, ws: Workspace, prompts: Path, out: Path, *extra: str) -> Result:
    return invoke(fake, "run", "--prompts", prompts, "--gold", ws.gold, "--out", out, *extra)


def summary(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "summary.json").read_text())["summary"]
    return data


def test_run_writes_a_scored_run_folder_and_a_rerun_makes_no_calls(
    fake: FakeOpenAI, workspace: Workspace
) -> None:
    first = run_into(fake, workspace, workspace.base, workspace.root / "run1")
    assert first.exit_code == 0, first.output
    folder = workspace.root / "run1"
    assert sorted(p.name for p in folder.iterdir()) == [
        "report.html",
        "report.md",
        "results.jsonl",
        "summary.json",
        "view.html",
    ]
    assert fake.calls == 3
    metrics = summary(folder)["metrics"]
    assert metrics["all"]["numbers_f1"] == 1.0 and metrics["all"]["schema_valid_rate"] == 1.0
    assert summary(folder)["case_counts"] == {"all": 3, "dev": 2, "test": 1}
    results = [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]
    assert [r["status"] for r in results] == ["ok"] * 3 and results[0]["brief"]["meta"][
        "calls"
    ] == 1
    assert "| actors_f1 ★ | 1.000 |" in first.stdout

    again = run_into(fake, workspace, workspace.base, workspace.root / "run2")
    assert again.exit_code == 0 and fake.calls == 3  # all from the response cache
    stats = summary(workspace.root / "run2")["stats"]
    assert stats["calls"] == 0 and stats["cache_hits"] == 3
    assert stats["tokens_in"] == summary(folder)["stats"]["tokens_in"] == 3000


def results(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]


def test_a_run_scores_the_lead_baseline_beside_the_model(
    fake: FakeOpenAI, workspace: Workspace
) -> None:
    folder = workspace.root / "run"
    result = run_into(fake, workspace, workspace.base, folder)
    assert result.exit_code == 0, result.output
    assert fake.calls == 3  # one per case: the lead costs no model call
    cases = results(folder)
    assert all(case["lead_scores"]["schema_valid_rate"] == 1.0 for case in cases)
    data = summary(folder)
    lead, minus = data["lead_metrics"], data["model_minus_lead"]
    for split in ("all", "dev", "test"):
        chosen = [c for c in cases if split == "all" or c["split"] == split]
        expected = statistics.fmean(c["lead_scores"]["numbers_f1"] for c in chosen)
        assert lead[split]["numbers_f1"] == pytest.approx(expected)
        assert minus[split]["numbers_f1"] == pytest.approx(
            data["metrics"][split]["numbers_f1"] - expected
        )
    assert 0 < lead["all"]["numbers_f1"] < 1 and lead["all"]["claims_recall"] < 1
    assert lead["all"]["question_coverage"] == 0.0  # the lead asks nothing
    row = (
        f"| numbers_f1 ★ | 1.000 | {lead['all']['numbers_f1']:.3f} | "
        f"+{minus['all']['numbers_f1']:.3f} | 1.000 | {lead['dev']['numbers_f1']:.3f} |"
    )
    assert row in result.stdout
    report = (folder / "report.md").read_text()
    assert "| metric | all (3) | all lead | all − lead | dev (2) |" in report and row in report
    assert "<th>all − lead</th>" in (folder / "report.html").read_text()


def lenient(workspace: Workspace, extra: str = "") -> Path:
    """A gate whose drop rule cannot fail (tolerance 1.0), so the lead rule is what is tested."""
    path = workspace.root / "lenient.toml"
    path.write_text("[gate]\ntolerance = 1.0\n" + extra)
    return path


@pytest.mark.parametrize(
    ("extra", "fails"),
    [
        ("", True),
        ("fail_below_lead = false\n", False),
        ('lead_exempt = ["numbers_f1"]\n', False),
    ],
)
def test_a_candidate_below_the_lead_baseline_fails_the_gate(
    fake: FakeOpenAI, workspace: Workspace, extra: str, fails: bool
) -> None:
    base, candidate = workspace.root / "base-run", workspace.root / "weak-run"
    assert run_into(fake, workspace, workspace.base, base).exit_code == 0
    weak = workspace.prompts("prompts-weak", NO_NUMBERS)
    assert run_into(fake, workspace, weak, candidate).exit_code == 0
    lead = summary(candidate)["lead_metrics"]["all"]["numbers_f1"]
    result = invoke(fake, "compare", base, candidate, "--eval-config", lenient(workspace, extra))
    assert result.exit_code == (1 if fails else 0), result.output
    if fails:
        assert result.stderr.count("gate failed") == 1
        assert (
            f"numbers_f1 of the candidate 0.000 is below the lead baseline's {lead:.3f} "
            f"(candidate − lead {-lead:+.3f}"
        ) in result.stderr
        assert (
            "furthest: local-school-meals 0.000 vs lead 1.000, seed-trump-putin-call"
            in result.stderr
        )
        assert "FAIL [numbers_f1_below_lead]" in result.stdout
        assert (
            f"| {lead:.3f} | +{1 - lead:.3f} | {-lead:+.3f} | below lead **✗** |" in result.stdout
        )
    else:
        assert "PASS" in result.stdout


def test_a_candidate_above_the_lead_baseline_passes(fake: FakeOpenAI, workspace: Workspace) -> None:
    base, candidate = workspace.root / "base-run", workspace.root / "drop-run"
    out = workspace.root / "cmp"
    assert run_into(fake, workspace, workspace.base, base).exit_code == 0
    assert (
        run_into(fake, workspace, workspace.prompts("prompts-drop", DROP), candidate).exit_code == 0
    )
    after = summary(candidate)
    lead, model = after["lead_metrics"]["all"], after["metrics"]["all"]
    assert 1.0 > model["numbers_f1"] > lead["numbers_f1"]  # worse than the base, above the lead
    result = invoke(
        fake, "compare", base, candidate, "--eval-config", lenient(workspace), "--out", out
    )
    assert result.exit_code == 0, result.output
    assert "PASS" in result.stdout
    figures = (
        f"| {lead['numbers_f1']:.3f} | +{1 - lead['numbers_f1']:.3f} | "
        f"+{model['numbers_f1'] - lead['numbers_f1']:.3f} | ok **✓** |"
    )
    assert figures in result.stdout
    numbers = next(
        m
        for m in json.loads((out / "compare.json").read_text())["metrics"]
        if m["metric"] == "numbers_f1"
    )
    assert numbers["lead"] == pytest.approx(lead["numbers_f1"])
    assert numbers["base_minus_lead"] == pytest.approx(1 - lead["numbers_f1"])
    assert numbers["candidate_minus_lead"] == pytest.approx(
        model["numbers_f1"] - lead["numbers_f1"]
    )
    assert numbers["lead_checked"] and not numbers["below_lead"]


def test_a_run_saved_before_the_lead_still_compares_and_score_adds_it(
    fake: FakeOpenAI, workspace: Workspace
) -> None:
    old = workspace.root / "old-run"
    assert run_into(fake, workspace, workspace.base, old).exit_code == 0
    cases = results(old)
    for case in cases:
        del case["lead_scores"]
    (old / "results.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    saved = json.loads((old / "summary.json").read_text())
    for key in ("lead_metrics", "model_minus_lead"):
        del saved["summary"][key]
    (old / "summary.json").write_text(json.dumps(saved))
    copy_of_old = workspace.root / "old-copy"
    shutil.copytree(old, copy_of_old)

    result = invoke(fake, "compare", old, copy_of_old)
    assert result.exit_code == 0, result.output
    assert "| numbers_f1 ★ | 1.000 | 1.000 | +0.000 |" in result.stdout
    assert "| 0 | 0 | ok **✓** | — | — | — |  |" in result.stdout  # no lead: "—"
    assert "neither run has lead baseline scores" in result.stdout

    calls = fake.calls
    scored = invoke(fake, "score", old, "--gold", workspace.gold)
    assert scored.exit_code == 0, scored.output
    assert fake.calls == calls  # the lead needs no model
    assert all(case["lead_scores"] is not None for case in results(old))
    assert summary(old)["lead_metrics"]["all"]["numbers_f1"] is not None
    after = invoke(fake, "compare", copy_of_old, old)
    assert after.exit_code == 0 and "neither run has lead" not in after.stdout


def test_a_no_op_prompt_change_passes_the_gate(fake: FakeOpenAI, workspace: Workspace) -> None:
    reworded = workspace.prompts("prompts-noop", "{# reworded, same instructions #}")
    result = invoke(
        fake,
        "compare",
        workspace.base,
        reworded,
        "--gold",
        workspace.gold,
        "--out",
        workspace.root / "cmp",
    )
    assert result.exit_code == 0, result.output
    assert "PASS" in result.stdout and "| numbers_f1 ★ | 1.000 | 1.000 | +0.000 |" in result.stdout
    assert (workspace.root / "cmp" / "base" / "results.jsonl").is_file()
    assert (workspace.root / "cmp" / "compare.md").read_text() == result.stdout


def test_a_dropped_number_fails_the_gate_and_names_the_cases(
    fake: FakeOpenAI, workspace: Workspace
) -> None:
    base, candidate = workspace.root / "base-run", workspace.root / "drop-run"
    assert run_into(fake, workspace, workspace.base, base).exit_code == 0
    assert (
        run_into(fake, workspace, workspace.prompts("prompts-drop", DROP), candidate).exit_code == 0
    )
    result = invoke(fake, "compare", base, candidate)
    assert result.exit_code == 1
    failure = next(line for line in result.stderr.splitlines() if "numbers_f1 fell" in line)
    assert "local-harbour-cranes 1.000 → 0.667" in failure  # 2·1/(1+2)
    assert "local-school-meals 1.000 → 0.800" in failure
    assert "regression (tolerance 0.020) **✗**" in result.stdout
    assert "FAIL [numbers_f1]" in result.stdout


def test_a_number_the_article_lacks_fails_the_gate(fake: FakeOpenAI, workspace: Workspace) -> None:
    inventing = workspace.prompts("prompts-invent", INVENT)
    out = workspace.root / "cmp"
    result = invoke(
        fake, "compare", workspace.base, inventing, "--gold", workspace.gold, "--out", out
    )
    assert result.exit_code == 1
    failure = next(
        line
        for line in result.stderr.splitlines()
        if "new_invalid" in line or "did not list" in line
    )
    assert f"{SEED_ID}: 1 cited sentence/number id(s) the prompt did not list (base 0)" in failure
    assert "numbers_recall | 1.000 | 0.967 | -0.033" in result.stdout  # the number is left out
    seed = next(
        json.loads(line)
        for line in (out / "candidate" / "results.jsonl").read_text().splitlines()
        if json.loads(line)["id"] == SEED_ID
    )
    assert seed["brief"]["meta"]["invalid_citations"] == 1


def test_an_invented_number_fails_the_gate_naming_case_and_field(
    fake: FakeOpenAI, workspace: Workspace
) -> None:
    """Cited briefs cannot state a value the article lacks, but a run made another way can."""
    lenient = workspace.root / "lenient.toml"
    lenient.write_text("[gate]\ntolerance = 1.0\n")  # only the hallucination rule can fail
    base, candidate = workspace.root / "base-run", workspace.root / "edited-run"
    assert run_into(fake, workspace, workspace.base, base).exit_code == 0
    shutil.copytree(base, candidate)
    results = [json.loads(line) for line in (candidate / "results.jsonl").read_text().splitlines()]
    seed = next(r for r in results if r["id"] == SEED_ID)
    seed["brief"]["numbers"][-1] = {**INVENTED, "grounded": False}
    (candidate / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in results))
    assert invoke(fake, "score", candidate, "--gold", workspace.gold).exit_code == 0
    result = invoke(fake, "compare", base, candidate, "--eval-config", lenient)
    assert result.exit_code == 1
    assert result.stderr.count("gate failed") == 1
    assert (
        f"{SEED_ID}: field numbers: new hallucinated number '3,200' (value 3200 tanks) "
        "is not in the article"
    ) in result.stderr
    invented = next(
        line
        for line in (candidate / "report.md").read_text().splitlines()
        if line.startswith("|  | 3,200")
    )
    assert "**⚠ ungrounded** **⚠ number not in article**" in invented
    assert 'class="has-ungrounded has-hallucinated"' in (candidate / "report.html").read_text()


def test_score_rescores_a_run_offline_against_the_current_gold(
    fake: FakeOpenAI, workspace: Workspace
) -> None:
    folder = workspace.root / "run"
    assert run_into(fake, workspace, workspace.base, folder).exit_code == 0
    path = workspace.gold / "local-school-meals.json"
    case = json.loads(path.read_text())
    case["brief"]["actors"].append({"name": "Mayor Ines Ruiz", "role": "approved the plan"})
    path.write_text(json.dumps(case))
    calls = fake.calls
    result = invoke(fake, "score", folder, "--gold", workspace.gold)
    assert result.exit_code == 0, result.output
    assert fake.calls == calls
    rescored = {
        json.loads(line)["id"]: json.loads(line)
        for line in (folder / "results.jsonl").read_text().splitlines()
    }
    assert rescored["local-school-meals"]["scores"]["actors_recall"] == 0.5
    assert json.loads((folder / "summary.json").read_text())["spec"]["rescored_at"]


def test_missing_and_changed_articles_are_skipped_and_reported(
    fake: FakeOpenAI, workspace: Workspace
) -> None:
    corpus_case = json.loads((workspace.gold / "local-school-meals.json").read_text())
    corpus_case |= {"id": "corpus-case", "article": {"root": "corpus", "source": "x/a.jsonl#1"}}
    (workspace.gold / "corpus-case.json").write_text(json.dumps(corpus_case))
    (workspace.root / "repo" / "articles" / "local-harbour-cranes.txt").write_text(
        HARBOUR + "Edited."
    )
    out = workspace.root / "run"
    result = run_into(
        fake, workspace, workspace.base, out, "--corpus", str(workspace.root / "none")
    )
    assert result.exit_code == 0, result.output
    assert "corpus-case: missing: no file" in result.stderr
    assert "local-harbour-cranes: changed: article changed: sha256" in result.stderr
    statuses = [
        json.loads(line)["status"] for line in (out / "results.jsonl").read_text().splitlines()
    ]
    assert statuses.count("skipped") == 2 and fake.calls == 2  # seed + school meals
    assert summary(out)["stats"]["skipped"] == 2


def test_a_failing_case_is_recorded_and_the_run_goes_on(workspace: Workspace) -> None:
    def answer(request: dict[str, Any]) -> Reply:
        if "Lindholm" in request["messages"][1]["content"]:
            return Reply.content("not json")
        user = request["messages"][1]["content"]
        case_id = next(c for c, marker in MARKERS.items() if marker in user)
        return Reply.content(json.dumps(cite(workspace.gold_brief(case_id), user)))

    with FakeOpenAI(answer) as server:
        result = run_into(server, workspace, workspace.base, workspace.root / "run")
    assert result.exit_code == 1
    assert "local-harbour-cranes: BriefValidationError" in result.stderr
    data = summary(workspace.root / "run")
    assert data["stats"]["ok"] == 2 and data["stats"]["failed"] == 1
    assert data["metrics"]["all"]["schema_valid_rate"] == pytest.approx(2 / 3)


def test_validate_faithfulness_explains_a_missing_module(
    fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "briefer.evals.faithfulness", None)
    result = invoke(fake, "validate-faithfulness", "--data", tmp_path)
    assert result.exit_code == 2
    assert "briefer.evals.faithfulness is not available" in result.stderr


CORPUS = REPO.parent / "shared" / "data"


@pytest.mark.skipif(
    not (CORPUS / "frank" / "articles.jsonl").is_file(),
    reason="the FRANK corpus (../shared/data) is not beside the repo",
)
def test_every_gold_brief_can_be_expressed_as_a_cited_answer(tmp_path: Path) -> None:
    """The ceiling of the cited answer format and the candidates: a model that answers each
    prompt with the gold brief (citing the ids the prompt shows) keeps every actor and
    speaker, most numbers, and the claims the shown candidate sentences hold."""
    gold = REPO / "evals" / "gold"
    briefs = [json.loads(path.read_text())["brief"] for path in sorted(gold.glob("*.json"))]
    # Tell the prompts apart by the sentences of each article the gold cites.
    marked = [([c["evidence"][:40] for c in b["claims"]], b) for b in briefs]

    def answer(request: dict[str, Any]) -> Reply:
        user = request["messages"][1]["content"]
        brief = next(b for markers, b in marked if any(m in user for m in markers))
        return Reply.content(json.dumps(cite(brief, user)))

    out = tmp_path / "run"
    config = tmp_path / "briefer.toml"
    config.write_text('speakers = "model"\nchoose = "model"\n')  # the gold's own answers
    with FakeOpenAI(answer) as server:
        result = invoke(
            server, "run", "--gold", gold, "--corpus", CORPUS, "--out", out, "--config", config
        )
    assert result.exit_code == 0, result.output
    metrics = summary(out)["metrics"]["all"]
    assert summary(out)["case_counts"]["all"] == len(briefs) >= 20
    assert metrics["schema_valid_rate"] == 1.0 and metrics["evidence_grounding"] == 1.0
    assert metrics["actors_f1"] == 1.0 and metrics["attribution_accuracy"] == 1.0
    # A prompt shows only the best-ranked candidate sentences (SHOWN_CLAIMS): what a model
    # choosing perfectly among them can reach.
    assert metrics["claims_recall"] >= 0.55
    # Ordinals ("15th", 5 of 154 gold numbers) are not listed, units are the article's
    # words after the number ("100 nations" where the gold says "countries"), and a prompt
    # shows only the top of the ranked list (briefer.nlp.candidates.SHOWN_NUMBERS).
    assert metrics["numbers_f1"] >= 0.88
    assert metrics["hallucinated_number_rate"] == 0.0


def test_a_run_counts_every_request_the_endpoint_received(
    fake: FakeOpenAI, workspace: Workspace
) -> None:
    # Two transient failures before the first case's answer: 3 cases, 5 requests in all.
    fake.enqueue(
        Reply.status(429, headers={"Retry-After": "0"}),
        Reply.status(500, headers={"Retry-After": "0"}),
    )
    folder = workspace.root / "run"
    result = run_into(fake, workspace, workspace.base, folder)
    assert result.exit_code == 0, result.output
    assert summary(folder)["stats"]["calls"] == fake.calls == 5


def test_a_failed_case_still_counts_its_requests_and_tokens(
    fake: FakeOpenAI, workspace: Workspace
) -> None:
    gold_answer = fake.responder
    assert gold_answer is not None

    def broken_harbour(request: dict[str, Any]) -> Reply:
        if "Lindholm" in request["messages"][1]["content"]:
            return Reply.content('{"title": 1}', prompt_tokens=70, completion_tokens=7)
        return gold_answer(request)

    fake.responder = broken_harbour
    folder = workspace.root / "run"
    run_into(fake, workspace, workspace.base, folder)
    (harbour,) = [r for r in results(folder) if r["id"] == "local-harbour-cranes"]
    assert harbour["status"] == "failed" and harbour["brief"] is None
    assert (harbour["calls"], harbour["tokens_in"], harbour["tokens_out"]) == (3, 210, 21)
    assert summary(folder)["stats"]["calls"] == fake.calls == 5


def test_a_write_that_fails_midway_keeps_the_folders_previous_run(
    fake: FakeOpenAI, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = workspace.root / "run"
    assert run_into(fake, workspace, workspace.base, folder).exit_code == 0
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", disk_full)
    again = run_into(fake, workspace, workspace.prompts("worse", DROP), folder)
    assert again.exit_code == 2 and "No space left on device" in again.output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # no half file, no temp


def test_run_prints_its_metrics_as_a_rich_table_on_a_terminal(
    fake: FakeOpenAI, workspace: Workspace
) -> None:
    env = {
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "sk-test",
        "FORCE_COLOR": "1",
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    args = [
        "eval",
        "run",
        "--prompts",
        str(workspace.base),
        "--gold",
        str(workspace.gold),
        "--out",
        str(workspace.root / "run"),
    ]
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "━━━" in result.stdout and "|---|" not in result.stdout
    assert "actors_f1 ★" in result.stdout and "1.000" in result.stdout
    assert (workspace.root / "run" / "view.html").is_file()
