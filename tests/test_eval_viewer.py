"""The eval viewer through the real CLI: ``view.html`` of ``eval compare``, ``eval list``,
and rich tables on a terminal.

Run folders are written by hand in tmp (briefs scored with the real metrics), so nothing
calls a model: ``eval compare`` of two run folders and ``eval list`` only read them.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefer.cli import cli
from briefer.evals.metrics import score_case
from briefer.evals.run import CaseResult, EvalRun, RunSpec, summarize, write_run
from briefer.evals.viewer import run_view_html
from briefer.evals.viewer.page import SCRIPT
from briefer.schema import Actor, ArticleRef, Brief, BriefDraft, BriefMeta, Claim, Number

ARTICLE = (
    "Port of Lindholm orders new cranes. The Port of Lindholm will buy 12 cranes for £40 "
    "million, harbour master Ada Lind said. The council approved the plan by 9 votes to 2."
)
GOLD = BriefDraft.model_validate(
    {
        "title": "Lindholm port buys 12 cranes",
        "summary": "The port will buy 12 cranes for £40 million.",
        "actors": [{"name": "Ada Lind", "role": "harbour master"}],
        "claims": [
            {
                "text": "The council approved the plan by 9 votes to 2.",
                "attributed_to": None,
                "evidence": "The council approved the plan by 9 votes to 2",
            }
        ],
        "numbers": [
            {"value": 12, "unit": "cranes", "text": "12", "context": "cranes the port will buy"},
            {
                "value": 40000000,
                "unit": "GBP",
                "text": "£40 million",
                "context": "price of the cranes",
            },
        ],
        "open_questions": ["Who pays for the upkeep?"],
    }
)
HOSTILE = '<script>alert("pwned")</script>'
HOSTILE_ATTRIBUTE = '"><img src=x onerror=alert(1)>'
CASES = ("harbour-a", "harbour-b")


def brief(
    *, numbers: int = 2, title: str = "Lindholm buys cranes", extra_actor: str | None = None
) -> Brief:
    actors = [Actor(name="Ada Lind", role="harbour master", grounded=True)]
    if extra_actor is not None:
        actors.append(Actor(name=extra_actor, role="bystander", grounded=False))
    return Brief(
        title=title,
        summary="The port buys cranes.",
        actors=actors,
        claims=[
            Claim(
                text="The council approved the plan by 9 votes to 2.",
                attributed_to=None,
                evidence="The council approved the plan by 9 votes to 2",
                grounded=True,
            )
        ],
        numbers=[Number(**n.model_dump(), grounded=True) for n in GOLD.numbers[:numbers]],
        open_questions=["Who pays for the upkeep?"],
        article=ArticleRef(id="a"),
        meta=BriefMeta(model="m", backend="openai", prompt_version="1", prompt_hash="0" * 16),
    )


def case(case_id: str, output: Brief | None, split: str = "dev") -> CaseResult:
    score = score_case(output, GOLD, ARTICLE)
    lead = score_case(brief(numbers=1), GOLD, ARTICLE).values
    return CaseResult(
        id=case_id,
        split=split,
        topic="local",
        status="ok" if output else "failed",
        reason=None if output else "ModelError: no answer",
        gold=GOLD,
        gold_sha256="g",
        brief=output,
        scores=score.values,
        details=score.details,
        lead_scores=lead,
    )


def spec(prompt_hash: str, created_at: str = "2026-12-01T10:00:00+00:00") -> RunSpec:
    return RunSpec(
        created_at=created_at,
        prompts_dir="prompts",
        prompt_version=prompt_hash[0],
        prompt_hash=prompt_hash * 4,
        model="gpt-test",
        backend="openai",
        temperature=0.0,
        max_output_tokens=100,
        gold_dir="evals/gold",
        corpus_dir="data",
    )


def save(folder: Path, run: EvalRun) -> Path:
    write_run(run, folder, summarize(run))
    return folder


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    """base: both cases perfect; candidate: harbour-a drops a number and adds an ungrounded
    actor; harbour-b's title is hostile markup (and otherwise as good as the base)."""
    base = EvalRun(spec=spec("1111"), cases=[case(c, brief()) for c in CASES])
    candidate = EvalRun(
        spec=spec("2222", "2026-12-02T10:00:00+00:00"),
        cases=[
            case("harbour-a", brief(numbers=1, extra_actor=HOSTILE_ATTRIBUTE)),
            case("harbour-b", brief(title=HOSTILE), split="test"),
        ],
    )
    return save(tmp_path / "runs" / "base", base), save(tmp_path / "runs" / "cand", candidate)


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["eval", *map(str, args)], env=env, catch_exceptions=False)


def compare_view(runs: tuple[Path, Path], out: Path) -> str:
    result = invoke("compare", *runs, "--out", out, "--eval-config", lenient(out.parent))
    assert result.exit_code == 0, result.output
    assert f"wrote {out / 'view.html'}" in result.stderr
    return (out / "view.html").read_text(encoding="utf-8")


def lenient(folder: Path) -> Path:
    """A gate that lets the dropped number pass, so the view is of a passing compare."""
    config = folder / "eval.toml"
    config.write_text("[gate]\ntolerance = 1.0\nfail_below_lead = false\n", encoding="utf-8")
    return config


def section(page: str, case_id: str) -> str:
    start = page.index(f'<section class="case" id="case-{case_id}">')
    return page[start : page.index("</section>", start)]


def test_the_compare_view_has_the_case_by_run_matrix_coloured_by_delta(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    page = compare_view(runs, tmp_path / "cmp")
    rows = re.findall(r'<tr class="row( worse)?" data-case="case-([a-z-]+)">(.*?)</tr>', page)
    assert [(row[1], bool(row[0])) for row in rows] == [("harbour-a", True), ("harbour-b", False)]
    assert (
        page.count(
            '<th class="sub sep">base</th><th class="sub">cand</th><th class="sub">lead</th>'
        )
        >= 7
    )
    cells = dict(
        (r[1], re.findall(r'<td class="v( sep)?( [a-z0-9]+)?">([0-9.—]+)</td>', r[2])) for r in rows
    )
    # numbers_f1 (the 2nd metric): base 1.00, candidate 0.67 coloured worse, lead 0.67.
    assert [(c[1].strip(), c[2]) for c in cells["harbour-a"][3:6]] == [
        ("", "1.00"),
        ("dn3", "0.67"),
        ("", "0.67"),
    ]
    assert [(c[1].strip(), c[2]) for c in cells["harbour-b"][3:6]] == [
        ("", "1.00"),
        ("same", "1.00"),
        ("", "0.67"),
    ]
    assert (
        "body:has(#regressions-only:checked) table.matrix tbody tr:not(.worse){display:none}"
        in page
    )
    assert "regressions only (1 of 2" in page


def test_the_compare_view_charts_each_metric_with_its_ci(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    page = compare_view(runs, tmp_path / "cmp")
    comparison = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    numbers = next(m for m in comparison["metrics"] if m["metric"] == "numbers_f1")
    assert page.count("<svg") == 2
    delta = f"{numbers['delta']:+.3f} [{numbers['ci_low']:+.3f}, {numbers['ci_high']:+.3f}]"
    assert delta == "-0.167 [-0.333, +0.000]" and delta in page  # the forest plot's label
    assert page.count('<path class="ci"') == 14  # a whisker per run and headline metric
    assert '<circle class="pt worse"' in page and '<rect class="zone"' in page


def test_a_case_opens_the_gold_brief_beside_both_outputs(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    page = compare_view(runs, tmp_path / "cmp")
    case_a = section(page, "harbour-a")
    assert "<th>gold</th><th>base</th><th>candidate</th>" in case_a
    numbers = case_a[case_a.index("<h4>Numbers</h4>") : case_a.index("<h4>Open questions</h4>")]
    price = numbers[numbers.index("<b>£40 million</b>") :]
    row = price[: price.index("</tr>")]
    assert "✓ 1.00" in row and "✗ missed" in row  # the base has the price, the candidate not
    actors = case_a[case_a.index("<h4>Actors</h4>") : case_a.index("<h4>Claims")]
    assert "not in the gold brief" in actors and "+ extra" in actors and "⚠ ungrounded" in actors
    assert "The council approved the plan by 9 votes to 2</q>" in case_a  # evidence shown
    assert ".case:target{display:block}" in page.replace("section.case:target", ".case:target")


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.attributes: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [name for name, _ in attrs]
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def test_model_output_markup_is_inert_and_the_page_fetches_nothing(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    page = compare_view(runs, tmp_path / "cmp")
    assert HOSTILE not in page and HOSTILE_ATTRIBUTE not in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page
    elements = Elements()
    elements.feed(page)
    assert elements.scripts == [SCRIPT]  # the page's own script, nothing from the output
    assert "onerror" not in elements.attributes and "src" not in elements.attributes
    assert not re.search(r"<link|@import|url\(|https?://(?!www\.w3\.org/2000/svg)", page)


def test_a_single_run_view_colours_the_run_against_the_lead(runs: tuple[Path, Path]) -> None:
    from briefer.evals.run import read_run

    page = run_view_html(read_run(runs[1]))
    assert '<th class="sub sep">run</th><th class="sub">lead</th>' in page
    assert "by run − lead" in page and page.count("<svg") == 1  # no delta chart without a base
    assert HOSTILE not in page


@pytest.mark.parametrize(
    ("lowered", "regressions"),
    [({}, 0), ({"evidence_grounding": 0.5}, 0), ({"numbers_f1": 0.5}, 1)],
)
def test_a_single_run_regression_is_below_the_lead_on_a_metric_the_gate_checks(
    lowered: dict[str, float], regressions: int
) -> None:
    """evidence_grounding is lead-exempt (the lead copies article sentences): not a regression."""
    result = case("harbour-a", brief())
    result.scores.update(lowered)
    page = run_view_html(EvalRun(spec=spec("5555"), cases=[result]))
    assert f"regressions only ({regressions} of 1:" in page


def test_eval_run_writes_a_view_with_the_failed_case_marked(tmp_path: Path) -> None:
    run = EvalRun(spec=spec("3333"), cases=[case("harbour-a", brief()), case("harbour-b", None)])
    page = run_view_html(run)
    assert (
        'data-case="case-harbour-b"><td class="case"><a href="#case-harbour-b">harbour-b</a>'
        '<span class="badge bad">run failed</span>' in page
    )
    assert (
        '<span class="badge bad">run: failed</span> <span class="by">ModelError: no answer</span>'
        in page
    )


# --- eval list --------------------------------------------------------------------------


def test_eval_list_shows_past_runs_newest_first_and_skips_a_broken_one(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    root = tmp_path / "runs"
    save(
        root / "compare-x" / "candidate",
        EvalRun(spec=spec("4444", "2026-11-30T08:00:00+00:00"), cases=[case("harbour-a", brief())]),
    )
    (root / "broken").mkdir()
    (root / "broken" / "summary.json").write_text("{not json", encoding="utf-8")
    (root / "broken" / "results.jsonl").write_text("", encoding="utf-8")
    (root / "half").mkdir()
    (root / "half" / "results.jsonl").write_text("", encoding="utf-8")
    (root / "not-a-run").mkdir()

    result = invoke("list", "--runs", root)
    assert result.exit_code == 0, result.output
    listed = [line.split(" | ")[0].lstrip("| ") for line in result.stdout.splitlines()[2:]]
    assert listed == ["cand", "base", "compare-x/candidate"]
    assert (
        "| cand | 2026-12-02 10:00 | v2 22222222 | gpt-test | 2 (1 dev, 1 test) | 0.833 | 0.833 |"
        in result.stdout
    )
    notices = result.stderr.splitlines()
    assert len(notices) == 2 and all(n.startswith("briefer: warning: ") for n in notices)
    assert "broken: skipped, unreadable summary.json" in notices[0]
    assert "half: skipped, no summary.json" in notices[1]

    as_json = json.loads(invoke("list", "--runs", root, "--json").stdout)
    assert [(e["path"], e["prompt_hash"], e["cases"]["all"]) for e in as_json] == [
        ("cand", "2" * 16, 2),
        ("base", "1" * 16, 2),
        ("compare-x/candidate", "4" * 16, 1),
    ]
    assert as_json[0]["metrics"]["numbers_f1"] == pytest.approx(5 / 6)


def test_eval_list_of_a_missing_folder_is_bad_input(tmp_path: Path) -> None:
    result = invoke("list", "--runs", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert (
        result.stderr.strip().startswith("briefer: error: ")
        and len(result.stderr.splitlines()) == 1
    )


# --- terminal tables --------------------------------------------------------------------

COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-7]|9[0-7]|38;[0-9;]+)m")


@pytest.mark.parametrize(
    ("env", "rich", "colour"),
    [
        ({}, False, False),  # piped: the Markdown, as compare.md
        ({"FORCE_COLOR": "1"}, True, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, True, False),
        ({"TTY_COMPATIBLE": "1", "NO_COLOR": "1"}, True, False),
    ],
)
def test_compare_prints_rich_tables_on_a_terminal_and_markdown_when_piped(
    runs: tuple[Path, Path], tmp_path: Path, env: dict[str, str], rich: bool, colour: bool
) -> None:
    result = invoke(
        "compare", *runs, "--eval-config", lenient(tmp_path), env={**env, "COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert ("| metric | base | candidate | Δ |" in out) is not rich
    assert ("━━━" in out) is rich
    assert bool(COLOUR.search(out)) is colour
    row = re.search(r"numbers_f1 ★\W+1\.000\W+0\.833\W+-0\.167\W+\[-0\.333, \+0\.000\]", out)
    assert row is not None  # the same figures either way


@pytest.mark.parametrize("command", ["list", "compare"])
def test_other_tables_print_rich_on_a_terminal(
    runs: tuple[Path, Path], tmp_path: Path, command: str
) -> None:
    args = (
        ("--runs", tmp_path / "runs")
        if command == "list"
        else (*runs, "--eval-config", lenient(tmp_path))
    )
    result = invoke(command, *args, env={"FORCE_COLOR": "1", "NO_COLOR": "1", "COLUMNS": "200"})
    assert result.exit_code == 0 and "|---|" not in result.stdout and "━━━" in result.stdout
