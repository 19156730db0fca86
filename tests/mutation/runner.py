"""A small mutation runner: one change at a time to a guarded module, then the tests that cover it.

Mutants (from the module's AST, one site each): a comparison's boundary flipped (`<` / `<=`, `==` / `!=`,
`in` / `not in`, `is` / `is not`), a number off by one either way, `True` / `False` swapped, `and` / `or`
swapped, a `not` dropped, an arithmetic operator swapped (`//` -> `/`, `+` -> `-`, ...), one element dropped
from a literal set, list or tuple of constants (`STOP_WORDS` without "END"), a statement inside a function
replaced by `pass`, a keyword argument dropped from a call. Calls to `logger.*` and `metrics.*` are not
mutated: their text reaches no resident (their count is reported).

Each mutant runs in a forked child that serves the mutated source for the module's import name, so nothing is
written to the working tree, and pytest stops at the first failure (`-x`). A mutant is killed when the tests
fail or time out, survives when they pass. Results are kept per module with a hash of the module, its tests
and the runner's MUTATORS version: a module whose hash has not changed is not run again.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib.abc
import importlib.util
import json
import os
import signal
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TARGETS = HERE / "targets.toml"
EQUIVALENT = HERE / "equivalent.toml"
STATE = HERE / "state.json"
REPORT = ROOT / "docs" / "mutation.md"
SOURCE_ROOTS = ("functions/", "layers/shared/python/")
# Observability: text only, never a resident's outcome.
UNMUTATED_CALLS = ("logger", "metrics", "log")
MUTATORS = "2"  # bump when the mutants change: every module runs again

_COMPARE_FLIPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
}


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    tests: tuple[str, ...]

    @property
    def module(self) -> str:
        relative = next(
            (self.path.removeprefix(r) for r in SOURCE_ROOTS if self.path.startswith(r)), self.path
        )
        return relative.removesuffix(".py").replace("/", ".")


@dataclass(frozen=True)
class Mutant:
    key: str  # stable across runs while the code it mutates is unchanged: what equivalent.toml names
    line: int
    description: str
    apply: Callable[[ast.Module], None] = field(compare=False, repr=False)


def load_targets() -> list[Target]:
    data = tomllib.loads(TARGETS.read_text())
    return [Target(t["name"], t["path"], tuple(t["tests"])) for t in data["target"]]


# --- mutants ---


def _scopes(tree: ast.Module) -> tuple[dict[int, str], set[int]]:
    """Node position -> enclosing qualified name; positions not to mutate (annotations, docstrings, logs)."""
    order = {id(node): n for n, node in enumerate(ast.walk(tree))}
    scope: dict[int, str] = {}
    skip: set[int] = set()

    def mark(node: ast.AST | None, into: set[int]) -> None:
        if node is not None:
            into.update(order[id(n)] for n in ast.walk(node))

    def visit(node: ast.AST, name: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = f"{name}.{node.name}" if name else node.name
            for decorator in node.decorator_list:
                mark(decorator, skip)
            if not isinstance(node, ast.ClassDef):
                mark(node.returns, skip)
                arguments = node.args
                for arg in [*arguments.args, *arguments.kwonlyargs, *arguments.posonlyargs]:
                    mark(arg.annotation, skip)
                for rest in (arguments.vararg, arguments.kwarg):
                    mark(rest.annotation if rest else None, skip)
        if isinstance(node, ast.AnnAssign):
            mark(node.annotation, skip)
        if _is_observability(node):
            mark(node, skip)
        scope[order[id(node)]] = name or "<module>"
        for child in ast.iter_child_nodes(node):
            visit(child, name)

    visit(tree, "")
    return scope, skip


def _is_docstring_or_ellipsis(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _is_observability(node: ast.AST) -> bool:
    """A call on `logger` or `metrics` (or a statement that is only one): it changes text, not outcomes."""
    if isinstance(node, ast.Expr):
        node = node.value
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    while isinstance(func, ast.Attribute):
        func = func.value
    return isinstance(func, ast.Name) and func.id in UNMUTATED_CALLS


Site = tuple[str, str, Callable[[ast.AST], None]] | tuple[str, str, Callable[[ast.AST], None], int]


def _sites(node: ast.AST, in_function: bool) -> Iterator[Site]:
    """(kind, description, how to apply it to this node in a fresh tree) for every mutation of `node`."""
    src = ast.unparse(node) if not isinstance(node, ast.stmt) else ""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            flipped = _COMPARE_FLIPS.get(type(op))
            if flipped is not None:
                after = copy.deepcopy(node)
                after.ops[i] = flipped()

                def flip(n: ast.AST, i: int = i, flipped: type[ast.cmpop] = flipped) -> None:
                    n.ops[i] = flipped()  # type: ignore[attr-defined]

                yield "compare", f"`{src}` -> `{ast.unparse(after)}`", flip
    elif isinstance(node, ast.BoolOp):
        swapped = ast.Or if isinstance(node.op, ast.And) else ast.And
        either = copy.deepcopy(node)
        either.op = swapped()

        def swap(n: ast.AST, swapped: type[ast.boolop] = swapped) -> None:
            n.op = swapped()  # type: ignore[attr-defined]

        yield "boolop", f"`{src[:80]}` -> `{ast.unparse(either)[:80]}`", swap
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):

        def drop_not(n: ast.AST) -> None:
            n.operand = ast.UnaryOp(op=ast.Not(), operand=n.operand)  # type: ignore[attr-defined]

        yield "not", f"`{src[:80]}` -> `bool({ast.unparse(node.operand)[:70]})`", drop_not
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
        swapped_op = _BINOP_SWAPS[type(node.op)]
        other = copy.deepcopy(node)
        other.op = swapped_op()

        def swap_op(n: ast.AST, swapped_op: type[ast.operator] = swapped_op) -> None:
            n.op = swapped_op()  # type: ignore[attr-defined]

        yield "binop", f"`{src[:80]}` -> `{ast.unparse(other)[:80]}`", swap_op
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):

        def negate(n: ast.AST) -> None:
            n.value = not n.value  # type: ignore[attr-defined]

        yield "bool", f"`{node.value}` -> `{not node.value}`", negate
    elif isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        for delta in (1, -1):

            def shift(n: ast.AST, delta: int = delta) -> None:
                n.value = n.value + delta  # type: ignore[attr-defined]

            yield "number", f"`{node.value!r}` -> `{node.value + delta!r}`", shift
    elif isinstance(node, ast.Set | ast.List | ast.Tuple) and len(node.elts) >= 2:
        if all(isinstance(e, ast.Constant) for e in node.elts):
            for i, element in enumerate(node.elts):

                def drop_element(n: ast.AST, i: int = i) -> None:
                    del n.elts[i]  # type: ignore[attr-defined]

                yield "element", f"{ast.unparse(element)} dropped from `{src[:70]}`", drop_element
    if isinstance(node, ast.Call):
        for i, keyword in enumerate(node.keywords):
            if keyword.arg is None:
                continue

            def drop_keyword(n: ast.AST, i: int = i) -> None:
                del n.keywords[i]  # type: ignore[attr-defined]

            yield "keyword", f"`{keyword.arg}=` dropped from `{src[:70]}`", drop_keyword
    if in_function:
        for name in ("body", "orelse", "finalbody"):
            statements = getattr(node, name, None)
            if not isinstance(statements, list) or isinstance(node, ast.ClassDef):
                continue
            for i, statement in enumerate(statements):
                if _is_observability(statement):
                    yield "delete", "observability", lambda n: None, -1  # counted as left alone
                    continue
                if _is_docstring_or_ellipsis(statement) or isinstance(
                    statement, ast.Pass | ast.FunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom
                ):
                    continue

                def delete(n: ast.AST, name: str = name, i: int = i) -> None:
                    getattr(n, name)[i] = ast.Pass()

                first = ast.unparse(statement).splitlines()[0][:80]
                yield "delete", f"`{first}` deleted", delete, statement.lineno


def mutants_of(source: str) -> tuple[list[Mutant], int]:
    """Every mutant of `source`, and how many sites were left alone because they only log or count."""
    tree = ast.parse(source)
    scope, skip = _scopes(tree)
    nodes = list(ast.walk(tree))
    functions = {
        n
        for n, node in enumerate(nodes)
        if scope.get(n, "<module>") != "<module>" and not isinstance(node, ast.ClassDef)
    }
    lines = source.splitlines()
    seen: Counter[str] = Counter()
    found: list[Mutant] = []
    skipped = 0
    for position, node in enumerate(nodes):
        in_function = position in functions and not isinstance(node, ast.ClassDef)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_function = True
        for kind, description, how, *at in _sites(node, in_function):
            if position in skip or at == [-1]:
                skipped += 1
                continue
            line = at[0] if at else getattr(node, "lineno", 0)
            where = "" if kind == "delete" else f" in `{lines[line - 1].strip()[:70]}`" if line else ""
            base = f"{scope.get(position, '<module>')}: {kind} {description}{where}"
            seen[base] += 1
            key = base if seen[base] == 1 else f"{base} #{seen[base]}"

            def apply(
                tree: ast.Module, position: int = position, how: Callable[[ast.AST], None] = how
            ) -> None:
                how(list(ast.walk(tree))[position])

            found.append(Mutant(key, line, description, apply))
    return found, skipped


def mutated_source(source: str, mutant: Mutant) -> str:
    tree = ast.parse(source)
    mutant.apply(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


# --- running the tests in a forked child ---


class _ServeMutant(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, module: str, path: Path, source: str) -> None:
        self.module, self.path, self.source = module, path, source

    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name != self.module:
            return None
        return importlib.util.spec_from_file_location(name, self.path, loader=self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        exec(compile(self.source, str(self.path), "exec"), module.__dict__)  # noqa: S102 - the mutant under test


def _child(target: Target, source: str | None) -> int:
    import pytest

    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    if source is not None:
        sys.meta_path.insert(0, _ServeMutant(target.module, ROOT / target.path, source))
    os.environ["SWITCHBOARD_HYPOTHESIS_PROFILE"] = "mutation"
    return int(pytest.main([*target.tests, "-x", "-q", "-p", "no:cacheprovider", "-W", "ignore"]))


def _is_project_module(module: Any) -> bool:
    path = str(getattr(module, "__file__", "") or "")
    return path.startswith(str(ROOT)) and "/.venv/" not in path and "site-packages" not in path


def warm_up(target: Target) -> None:
    """Import the target's tests once here, so each forked child finds the libraries they use loaded; then
    forget every module of this repository, so each child imports the project (and the mutant) afresh."""
    for entry in ("functions", "layers/shared/python", "."):
        if str(ROOT / entry) not in sys.path:
            sys.path.insert(0, str(ROOT / entry))
    for test in target.tests:
        name = test.split("::")[0].removesuffix(".py").replace("/", ".")
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - only a speed-up: the child reports real import errors
            continue
    for name, module in list(sys.modules.items()):
        if _is_project_module(module) or name == "tests" or name.startswith("tests."):
            if name != __name__ and not name.startswith("tests.mutation"):
                del sys.modules[name]


def start(target: Target, source: str | None) -> int:
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            os.chdir(ROOT)
            code = _child(target, source)
        finally:
            os._exit(code)
    return pid


def finish(pid: int, deadline: float) -> int | None:
    """The child's exit code; None when it ran past `deadline` (it is killed)."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.02)


def run_all(target: Target, sources: list[str], timeout_s: float, jobs: int) -> list[str]:
    """Outcome of each source: "killed", "timeout" or "survived"."""
    outcomes = [""] * len(sources)
    running: dict[int, tuple[int, float]] = {}
    pending = list(range(len(sources)))
    while pending or running:
        while pending and len(running) < jobs:
            index = pending.pop(0)
            running[start(target, sources[index])] = (index, time.monotonic() + timeout_s)
        for pid, (index, deadline) in list(running.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                outcomes[index] = "survived" if os.waitstatus_to_exitcode(status) == 0 else "killed"
            elif time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                outcomes[index] = "timeout"
            else:
                continue
            del running[pid]
        time.sleep(0.02)
    return outcomes


# --- state, report ---


def fingerprint(target: Target) -> str:
    digest = hashlib.sha256(MUTATORS.encode())
    for path in (target.path, *(test.split("::")[0] for test in target.tests)):
        digest.update(path.encode() + b"\0" + (ROOT / path).read_bytes() + b"\0")
    return digest.hexdigest()


def load_json(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text())) if path.exists() else {}


def render(targets: list[Target], state: dict[str, Any], equivalent: dict[str, dict[str, str]]) -> str:
    lines = [
        "# Mutation testing",
        "",
        "Generated by `make mutation` (tests/mutation/runner.py; modules and their tests in tests/mutation/"
        "targets.toml, equivalent mutants and why in tests/mutation/equivalent.toml). Do not edit by hand.",
        "",
        "A mutant is one small change to a module (a flipped comparison, a number off by one, `and` for",
        "`or`, a dropped `not`, a swapped operator, an element dropped from a literal set, a deleted",
        "statement, a dropped keyword argument); it is killed when the module's tests (last column) fail.",
        "`left alone` counts sites inside `logger.*`/`metrics.*` calls and type annotations, which are not",
        "mutated. `killed %` is of the non-equivalent mutants.",
        "",
        "| module | mutants | killed | equivalent | survived | killed % | left alone | tests | run |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    details: list[str] = []
    for target in targets:
        entry = state.get(target.path)
        if entry is None:
            lines.append(f"| {target.path} | not run yet | | | | | | | |")
            continue
        reasons = equivalent.get(target.path, {})
        survivors = entry["survivors"]
        killed = entry["mutants"] - len(survivors)
        equivalents = [r for r in survivors if r["key"] in reasons]
        open_ = [r for r in survivors if r["key"] not in reasons]
        counted = entry["mutants"] - len(equivalents)
        percent = 100.0 * killed / counted if counted else 100.0
        tests = ", ".join(Path(t).name for t in target.tests)
        lines.append(
            f"| {target.path} | {entry['mutants']} | {killed} | {len(equivalents)} | {len(open_)} | "
            f"{percent:.1f}% | {entry['skipped']} | {tests} | {entry['ran_at']}, {entry['seconds']:.0f} s |"
        )
        if survivors:
            details += ["", f"## {target.path} ({target.name})", ""]
            for r in open_:
                details.append(f"- **not killed** (line {r['line']}): `` {r['key']} ``")
            for r in equivalents:
                details.append(f"- equivalent (line {r['line']}): `` {r['key']} ``: {reasons[r['key']]}")
    return "\n".join([*lines, *details, ""])


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="make mutation", description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="run every module, changed or not")
    parser.add_argument("--only", nargs="*", default=[], help="names or paths of targets to run")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATION_JOBS", "2")))
    args = parser.parse_args(argv)

    for heavy in ("pytest", "hypothesis", "pydantic", "boto3", "botocore", "moto", "aws_lambda_powertools"):
        try:  # imported once here, shared by every forked child
            __import__(heavy)
        except ImportError:
            pass

    targets = load_targets()
    state = load_json(STATE)
    equivalent = tomllib.loads(EQUIVALENT.read_text()) if EQUIVALENT.exists() else {}
    began = time.monotonic()
    for target in targets:
        if args.only and target.name not in args.only and target.path not in args.only:
            continue
        digest = fingerprint(target)
        if not args.all and state.get(target.path, {}).get("hash") == digest:
            print(f"{target.path}: unchanged since {state[target.path]['ran_at']}, not run", flush=True)
            continue
        source = (ROOT / target.path).read_text()
        mutants, skipped = mutants_of(source)
        warm_up(target)
        clock = time.monotonic()
        baseline = finish(start(target, None), time.monotonic() + 900)
        took = time.monotonic() - clock
        if baseline != 0:
            print(f"{target.path}: its tests fail without any mutant (exit {baseline}): fix them first")
            return 1
        print(f"{target.path}: {len(mutants)} mutants, tests take {took:.1f} s", flush=True)
        clock = time.monotonic()
        outcomes = run_all(target, [mutated_source(source, m) for m in mutants], 3 * took + 10, args.jobs)
        state[target.path] = {
            "hash": digest,
            "ran_at": time.strftime("%Y-%m-%d", time.gmtime()),
            "seconds": time.monotonic() - clock,
            "skipped": skipped,
            "mutants": len(mutants),
            "timeouts": outcomes.count("timeout"),
            "survivors": [
                {"key": m.key, "line": m.line}
                for m, o in zip(mutants, outcomes, strict=True)
                if o == "survived"
            ],
        }
        survived = sum(o == "survived" for o in outcomes)
        print(
            f"  killed {len(mutants) - survived}/{len(mutants)} in {state[target.path]['seconds']:.0f} s",
            flush=True,
        )
        STATE.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    report = render(targets, state, equivalent)
    REPORT.write_text(report)
    print("\n".join(line for line in report.splitlines() if line.startswith("| ")))
    print(f"total {time.monotonic() - began:.0f} s; survivors listed in {REPORT.relative_to(ROOT)}")
    return 0
