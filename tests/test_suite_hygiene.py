"""Tests that cannot fail, found by reading the suite's own source (an AST scan of tests/).

A test passes when nothing in it raises. One that checks nothing, or checks only under a
condition that never holds, passes whatever the code does. The scan finds three shapes:

* a test function with no assertion at all: no ``assert``, no ``raise AssertionError``, no
  ``pytest.raises`` / ``pytest.warns`` / ``pytest.fail``, no call of a helper that asserts;
* a test whose every assertion sits under an ``if`` without an ``else`` that asserts too
  (``if finish_reason == "stop": assert ...``: when the condition never holds, nothing runs);
* an assertion inside a ``try`` whose handler swallows ``AssertionError`` (``except
  Exception: pass``).

A helper asserts when it is a function defined in tests/ whose body asserts (directly or
through another such helper), or when its name says so (``assert_*``, as ``Mock`` has).
Calls are resolved by name within the module, through ``from tests.x import name`` and
through ``module.name`` for a tests module imported whole.

The scanner is checked on snippets first (each rule fails on its bad shape and passes the
good one), then run over the suite.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PYTEST_ASSERTIONS = frozenset({"raises", "warns", "fail", "deprecated_call"})
SWALLOWING = frozenset({"AssertionError", "Exception", "BaseException"})
ASSERTING_PREFIXES = ("assert_",)

Function = ast.FunctionDef | ast.AsyncFunctionDef


class Module:
    def __init__(self, name: str, tree: ast.Module) -> None:
        self.name = name
        """Dotted name under tests/, e.g. ``tests.test_local``."""
        nodes = list(ast.walk(tree))
        self.functions = [node for node in nodes if isinstance(node, Function)]
        self.names, self.modules = self._imports(nodes)
        """name → (module, name) for ``from tests.x import name``; alias → tests module."""

    @staticmethod
    def _imports(nodes: list[ast.AST]) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
        names: dict[str, tuple[str, str]] = {}
        modules: dict[str, str] = {}
        for node in nodes:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if node.module == "tests":
                        modules[alias.asname or alias.name] = f"tests.{alias.name}"
                    elif node.module.startswith("tests."):
                        names[alias.asname or alias.name] = (node.module, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("tests.") and alias.asname:
                        modules[alias.asname] = alias.name
        return names, modules


@dataclass(frozen=True)
class Finding:
    where: str
    test: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where} {self.test}: {self.problem}"


class Scan:
    """The suite's modules and which of their helpers assert."""

    def __init__(self, modules: list[Module]) -> None:
        self.modules = {module.name: module for module in modules}
        # A helper asserts when its body does, or when it calls a helper that asserts.
        self.calls: dict[int, tuple[bool, set[tuple[str, str]]]] = {}
        calls: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self.asserting: set[tuple[str, str]] = set()
        for module in modules:
            for function in module.functions:
                key = (module.name, function.name)
                direct, callees = False, set()
                for node in ast.walk(function):
                    target = self._target(module, node)
                    if target is True:
                        direct = True
                    elif target:
                        callees.add(target)
                self.calls[id(function)] = (direct, callees)
                calls.setdefault(key, set()).update(callees)
                if direct:
                    self.asserting.add(key)
        changed = True
        while changed:
            changed = False
            for key, callees in calls.items():
                if key not in self.asserting and not callees.isdisjoint(self.asserting):
                    self.asserting.add(key)
                    changed = True

    # -- what counts as an assertion ----------------------------------------------------------

    def is_assertion(self, module: Module, node: ast.AST) -> bool:
        target = self._target(module, node)
        return target is True or (bool(target) and target in self.asserting)

    def _target(self, module: Module, node: ast.AST) -> bool | tuple[str, str]:
        """True for an assertion; the (module, name) a call may resolve to; else False."""
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            return isinstance(raised, ast.Name) and raised.id == "AssertionError"
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = func.value
            if isinstance(owner, ast.Name) and owner.id == "pytest":
                return func.attr in PYTEST_ASSERTIONS
            if func.attr.startswith(ASSERTING_PREFIXES):
                return True
            if isinstance(owner, ast.Name) and owner.id in module.modules:
                return (module.modules[owner.id], func.attr)
            return (module.name, func.attr)  # self.method, a local class's
        if isinstance(func, ast.Name):
            if func.id.startswith(ASSERTING_PREFIXES):
                return True
            return module.names.get(func.id, (module.name, func.id))
        return False

    def _asserts(self, function: Function) -> bool:
        direct, callees = self.calls[id(function)]
        return direct or not callees.isdisjoint(self.asserting)

    # -- the rules ----------------------------------------------------------------------------

    def tests(self) -> Iterator[tuple[Module, Function]]:
        for module in self.modules.values():
            for function in module.functions:
                if function.name.startswith("test_"):
                    yield module, function

    def findings(self) -> list[Finding]:
        found: list[Finding] = []
        for module, test in self.tests():
            where = f"{module.name.removeprefix('tests.')}.py:{test.lineno}"
            if not self._asserts(test):
                found.append(Finding(where, test.name, "asserts nothing"))
            elif not self.always_asserts(module, test.body):
                found.append(
                    Finding(where, test.name, "every assertion sits under an if without an else")
                )
            for line in self.swallowed(module, test):
                found.append(
                    Finding(where, test.name, f"line {line}: a try swallows the AssertionError")
                )
        return found

    def always_asserts(self, module: Module, body: list[ast.stmt]) -> bool:
        """Does running ``body`` reach an assertion whichever way each ``if`` goes?

        Loops count as running their body (a table-driven loop over a literal is the usual
        case); an ``if`` counts only when both of its branches assert; nested functions count
        only through their calls.
        """
        return any(self._statement_asserts(module, statement) for statement in body)

    def _statement_asserts(self, module: Module, statement: ast.stmt) -> bool:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return False
        if isinstance(statement, ast.If):
            return self.always_asserts(module, statement.body) and self.always_asserts(
                module, statement.orelse
            )
        if isinstance(statement, ast.Match):
            return all(self.always_asserts(module, case.body) for case in statement.cases)
        if isinstance(statement, ast.Try | ast.TryStar):
            return self.always_asserts(module, statement.body) or self.always_asserts(
                module, statement.finalbody
            )
        if isinstance(statement, ast.For | ast.AsyncFor | ast.While | ast.With | ast.AsyncWith):
            head = ast.Module(body=[], type_ignores=[])
            if isinstance(statement, ast.With | ast.AsyncWith):
                head.body = [ast.Expr(item.context_expr) for item in statement.items]
            if any(self.is_assertion(module, node) for node in ast.walk(head)):
                return True  # with pytest.raises(...)
            return self.always_asserts(module, statement.body)
        return any(self.is_assertion(module, node) for node in ast.walk(statement))

    def swallowed(self, module: Module, test: Function) -> Iterator[int]:
        for node in ast.walk(test):
            if not isinstance(node, ast.Try | ast.TryStar):
                continue
            if not any(
                self.is_assertion(module, inner) for s in node.body for inner in ast.walk(s)
            ):
                continue
            for handler in node.handlers:
                if _catches_assertion(handler) and not any(
                    isinstance(inner, ast.Raise) for s in handler.body for inner in ast.walk(s)
                ):
                    yield handler.lineno


def _catches_assertion(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(name, ast.Name) and name.id in SWALLOWING for name in caught)


def load_suite(root: Path = TESTS) -> Scan:
    modules = []
    for path in sorted(root.rglob("*.py")):
        dotted = ".".join(("tests", *path.relative_to(root).with_suffix("").parts))
        modules.append(Module(dotted, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return Scan(modules)


def scan_snippet(source: str, helpers: str = "") -> list[str]:
    modules = [Module("tests.test_snippet", ast.parse(textwrap.dedent(source)))]
    if helpers:
        modules.append(Module("tests.helpers", ast.parse(textwrap.dedent(helpers))))
    return [finding.problem for finding in Scan(modules).findings()]


# -- the scanner on snippets: each rule fails on its shape ---------------------------------------

HELPERS = """
def must_be_ok(value):
    assert value == "ok"

def indirect(value):
    must_be_ok(value)

def quiet(value):
    return value
"""

NOTHING = ["asserts nothing"]
UNDER_IF = ["every assertion sits under an if without an else"]


@pytest.mark.parametrize(
    ("source", "problems"),
    [
        ("def test_x():\n    run()\n", NOTHING),
        ("def test_x():\n    assert run()\n", []),
        ("def test_x():\n    raise AssertionError('no')\n", []),
        ("def test_x():\n    with pytest.raises(ValueError):\n        run()\n", []),
        ("def test_x():\n    pytest.fail('no')\n", []),
        ("def test_x(m):\n    m.assert_called_once_with(1)\n", []),
        ("def test_x():\n    assert_cited(run())\n", []),
        ("def test_x():\n    if run() == 'stop':\n        assert ok()\n", UNDER_IF),
        ("def test_x():\n    if run():\n        assert ok()\n    else:\n        assert no()\n", []),
        ("def test_x():\n    if run():\n        assert ok()\n    else:\n        pass\n", UNDER_IF),
        ("def test_x():\n    if run():\n        assert ok()\n    assert done()\n", []),
        ("def test_x():\n    for row in TABLE:\n        assert row\n", []),
        ("def test_x():\n    def inner():\n        assert run()\n", UNDER_IF),
        ("def test_x():\n    def inner():\n        assert run()\n    inner()\n", []),
        (
            "def test_x():\n    try:\n        assert run()\n    except Exception:\n        pass\n",
            ["line 4: a try swallows the AssertionError"],
        ),
        (
            "def test_x():\n    try:\n        assert run()\n    except OSError:\n        pass\n",
            [],
        ),
        (
            "def test_x():\n    try:\n        assert run()\n    except Exception:\n        raise\n",
            [],
        ),
        ("from tests.helpers import must_be_ok\ndef test_x():\n    must_be_ok(run())\n", []),
        ("from tests.helpers import indirect\ndef test_x():\n    indirect(run())\n", []),
        ("from tests.helpers import quiet\ndef test_x():\n    quiet(run())\n", NOTHING),
        ("from tests import helpers\ndef test_x():\n    helpers.indirect(run())\n", []),
        ("from tests import helpers\ndef test_x():\n    helpers.quiet(run())\n", NOTHING),
        ("def must_be_ok(v):\n    assert v\ndef test_x():\n    must_be_ok(run())\n", []),
        ("class TestX:\n    def test_x(self):\n        self.run()\n", NOTHING),
    ],
)
def test_the_scanner_on_snippets(source: str, problems: list[str]) -> None:
    assert scan_snippet(source, HELPERS) == problems


# -- the suite ------------------------------------------------------------------------------------


def test_every_test_in_the_suite_can_fail() -> None:
    scan = load_suite()
    assert sum(1 for _ in scan.tests()) > 400  # the scan sees the suite (456 test functions)
    findings = [str(finding) for finding in scan.findings()]
    assert findings == []
