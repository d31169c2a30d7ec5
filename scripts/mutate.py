"""``make mutate``: mutation testing of the modules whose bugs break a README promise.

Each module in ``TARGETS`` is mutated by mutmut (one small change at a time: ``<`` for
``<=``, ``and`` for ``or``, a string or number altered, a call argument dropped …) and only
its own test files are run against each mutant. A mutant the tests fail on is killed; one
they pass on survived: either a test is missing, or the change does not alter behaviour
(an equivalent mutant, listed with its reason in docs/testing.md).

Every module runs in its own copy of the project under ``mutants/<name>/`` (ignored by git),
so the working tree is never touched and one module's results never mix with another's.

    python scripts/mutate.py                  every active module
    python scripts/mutate.py slack_blocks     only the named ones
    python scripts/mutate.py --jobs 2         mutants tested in parallel (default: half the cores)
    python scripts/mutate.py --survivors      also print each surviving mutant's diff
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "mutants"
TARGET_SCORE = 90.0


@dataclass(frozen=True)
class Target:
    module: str
    tests: str  # test files under tests/, space-separated, without ".py"
    pending: bool = False  # listed, not run yet
    functions: tuple[str, ...] = ()  # a fixed sample: module-level functions; () the whole module

    @property
    def name(self) -> str:
        return Path(self.module).stem

    @property
    def test_files(self) -> list[str]:
        return [f"tests/{stem}.py" for stem in self.tests.split()]


# The module -> tests table. Only the tests named here run against the module's mutants.
# fmt: off
TARGETS = (
    Target("briefer/slack_blocks.py",  "test_slack test_slack_adversarial test_mutants_slack_blocks test_rendering"),
    Target("briefer/slack_ledger.py",  "test_slack test_slack_adversarial test_mutants_slack_ledger"),
    Target("briefer/evals/metrics.py", "test_eval_metrics test_mutants_metrics"),
    Target("briefer/evals/compare.py", "test_eval_gate test_eval_metrics test_mutants_compare"),
    Target("briefer/grounding.py",     "test_grounding test_citations test_mutants_grounding"),
    Target("briefer/article_index.py", "test_grounding test_citations test_mutants_grounding"),  # spans, names
    Target("briefer/evals/matching.py", "test_eval_metrics test_mutants_metrics"),  # gold-output pairing
    Target("briefer/backends/cache.py", "test_client test_client_adversarial test_mutants_cache test_backends"),  # the cache key
    Target("briefer/backends/openai.py", "test_client test_client_adversarial test_mutants_remote"),  # retries, backoff
    Target("briefer/backends/openai_errors.py", "test_client test_client_adversarial test_mutants_remote"),  # what is retried, billed
    Target("briefer/urllists.py",  "test_sources test_daily_adversarial test_mutants_urllists"),  # URL keys
    Target("briefer/stories.py",   "test_daily test_daily_rerun test_mutants_stories"),  # text duplicate keys
    Target("briefer/dayplan.py",   "test_daily test_daily_rerun test_mutants_dayplan"),  # story plan, late sources
    Target("briefer/daystore.py",  "test_daily test_daily_adversarial test_daily_rerun test_mutants_daystore"),  # store, lock, resume
)
# fmt: on

STATUSES = ("killed", "survived", "timeout", "no tests", "other")


def prepare(target: Target) -> Path:
    """A fresh copy of the project's files for ``target``, mutmut's config in its pyproject."""
    work = WORK / target.name
    shutil.rmtree(work, ignore_errors=True)
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    files = [name for name in listed.split("\0") if name and (REPO / name).is_file()]
    for name in files:
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, work / name)
    # mutmut runs the tests in work/mutants/: everything but the package goes along as is.
    others = sorted({name.split("/")[0] for name in files} - {"briefer", "pyproject.toml"})
    tests = [t for t in target.test_files if (REPO / t).is_file()]
    config = (REPO / "pyproject.toml").read_text(encoding="utf-8") + (
        "\n[tool.mutmut]\n"
        'source_paths = ["briefer"]\n'
        f"only_mutate = [{_toml_str(target.module)}]\n"
        f"also_copy = [{', '.join(_toml_str(n) for n in others)}]\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-m", "not slow"]\n'
        f"pytest_add_cli_args_test_selection = [{', '.join(_toml_str(t) for t in tests)}]\n"
    )
    (work / "pyproject.toml").write_text(config, encoding="utf-8")
    return work


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mutmut(work: Path, *args: str, log: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "mutmut"), *args]
    if log is None:
        return subprocess.run(command, cwd=work, capture_output=True, text=True, check=False)
    with log.open("w", encoding="utf-8") as out, scratch(work.name) as tmp:
        env = {**os.environ, "TMPDIR": str(tmp)}
        return subprocess.run(
            command,
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )


@contextlib.contextmanager
def scratch(name: str) -> Iterator[Path]:
    """The tests' temp folders, in memory where the system has one: the ledger and story
    writes fsync, and thousands of fsyncs on a shared disk are most of a run's time."""
    shm = Path("/dev/shm")
    root = Path(
        tempfile.mkdtemp(
            prefix=f"briefer-mutate-{name}-",
            dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else None,
        )
    )
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def results(work: Path, names: list[str]) -> dict[str, str]:
    """Mutant name -> status, from ``mutmut results --all true`` (only ``names``' when given)."""
    listing = mutmut(work, "results", "--all", "true").stdout
    found = {}
    for line in listing.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name and (not names or any(fnmatch.fnmatch(name, n) for n in names)):
            found[name] = status if status in STATUSES else "other"
    return found


def run(target: Target, jobs: int, show_survivors: bool) -> Counter[str]:
    work = prepare(target)
    log = work / "mutmut.log"
    started = time.monotonic()
    names = [f"{target.module[:-3].replace('/', '.')}.x_{f}__mutmut_*" for f in target.functions]
    done = mutmut(work, "run", "--max-children", str(jobs), *names, log=log)
    status = results(work, names)
    counts = Counter(status.values())
    minutes = (time.monotonic() - started) / 60
    if done.returncode != 0 or not status:
        print(f"mutate: {target.module}: mutmut failed (exit {done.returncode}); see {log}")
        counts["failed"] = 1
        return counts
    survivors = sorted(n for n, s in status.items() if s in ("survived", "no tests"))
    print(
        f"mutate: {target.module}: {len(status)} mutants in {minutes:.1f} min"
        + (f", sampled: {', '.join(target.functions)}" if target.functions else "")
    )
    for name in survivors:
        print(f"  survived: {name}")
        if show_survivors:
            print(mutmut(work, "show", name).stdout)
    if survivors:
        print(f"  (see one: cd {work.relative_to(REPO)} && mutmut show <name>)")
    return counts


def score(counts: Counter[str]) -> float:
    total = sum(counts[s] for s in STATUSES)
    return 100.0 * (counts["killed"] + counts["timeout"]) / total if total else 0.0


def table(rows: list[tuple[Target, Counter[str]]]) -> str:
    lines = [
        f"{'module':<28} {'killed':>6} {'survived':>8} {'timeout':>7} {'total':>6} {'% killed':>8}"
    ]
    for target, counts in rows:
        if counts["failed"]:
            lines.append(f"{target.module:<28} {'mutmut failed':>40}")
            continue
        survived = counts["survived"] + counts["no tests"] + counts["other"]
        total = sum(counts[s] for s in STATUSES)
        mark = "" if score(counts) >= TARGET_SCORE else "  < target"
        lines.append(
            f"{target.module:<28} {counts['killed']:>6} {survived:>8} "
            f"{counts['timeout']:>7} {total:>6} {score(counts):>7.1f}%{mark}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "modules", nargs="*", help="module names (slack_blocks …); default: all active"
    )
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    parser.add_argument("--survivors", action="store_true", help="print each survivor's diff")
    args = parser.parse_args()
    known = {t.name: t for t in TARGETS}
    unknown = [m for m in args.modules if m not in known]
    if unknown:
        print(f"mutate: error: unknown module(s) {', '.join(unknown)}; one of {', '.join(known)}")
        return 2
    chosen = [known[m] for m in args.modules] or [t for t in TARGETS if not t.pending]
    rows = [(t, run(t, args.jobs, args.survivors)) for t in chosen]
    print()
    print(table(rows))
    print("(% killed counts timeouts as killed; equivalent survivors: docs/testing.md)")
    return 1 if any(counts["failed"] for _, counts in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
