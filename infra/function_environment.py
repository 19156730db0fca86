"""Which environment variables a handler reads, derived from its code: each function gets only those.

Giving every function the whole contract environment made any parameter change update every function (and
each one's configuration carried names it never reads). The set is derived from the source, not declared, so
it cannot drift: from the handler's module, every module of ours it imports (at module level or inside a
function, package `__init__`s included) is read, and a variable counts as read when the code

- names it in `os.environ[...]`, `os.environ.get(...)` or `os.getenv(...)` (a string literal, or a
  module-level string constant of that module or one it imports by name), or
- names a settings model of `switchboard.settings` or `switchboard.webhook_settings` (its fields' aliases,
  base models included).

Variables read by libraries (Powertools' `POWERTOOLS_*`, `LOG_LEVEL`) go to every function. Over-reading is
safe (a function may get a variable one branch never reads); under-reading is what the test
(tests/infra/test_function_environment.py) guards against, by importing each handler with only its variables.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE_ROOTS = (ROOT / "functions", ROOT / "layers" / "shared" / "python")
SETTINGS_MODULES = ("switchboard.settings", "switchboard.webhook_settings")
LIBRARY_PREFIXES = ("POWERTOOLS_",)
LIBRARY_VARIABLES = frozenset({"LOG_LEVEL"})


def _module_file(name: str) -> Path | None:
    parts = name.split(".")
    for root in CODE_ROOTS:
        package = root.joinpath(*parts, "__init__.py")
        if package.is_file():
            return package
        module = root.joinpath(*parts[:-1], parts[-1] + ".py")
        if module.is_file():
            return module
    return None


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


@cache
def _parse(name: str) -> ast.Module | None:
    path = _module_file(name)
    return ast.parse(path.read_text(encoding="utf-8"), str(path)) if path else None


def _is_package(name: str) -> bool:
    path = _module_file(name)
    return path is not None and path.name == "__init__.py"


def _imports(name: str, tree: ast.Module) -> set[str]:
    """Every module of ours `name` imports, anywhere in it (lazy imports too)."""
    found: set[str] = set()
    package = name if _is_package(name) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.update(_with_parents(alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base = ".".join(base_parts[: len(base_parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.update(_with_parents(target))
            for alias in node.names:  # `from package import module`
                found.add(f"{target}.{alias.name}")
    return {module for module in found if _module_file(module) is not None}


def modules_imported(handler_module: str) -> set[str]:
    """The handler's module and every module of ours it reaches."""
    seen: set[str] = set()
    pending = _with_parents(handler_module)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        tree = _parse(name)
        if tree is None:
            continue
        seen.add(name)
        pending.extend(_imports(name, tree) - seen)
    return seen


def _string_constants(tree: ast.Module) -> dict[str, str]:
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            if isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        constants[target.id] = node.value.value
    return constants


def _constants_in_scope(name: str, tree: ast.Module) -> dict[str, str]:
    """This module's string constants and those it imports by name (`from m import NAME_ENV`)."""
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            source = _parse(node.module)
            if source is not None:
                theirs = _string_constants(source)
                constants.update({a.asname or a.name: theirs[a.name] for a in node.names if a.name in theirs})
    constants.update(_string_constants(tree))
    return constants


def _is_os_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and _is_name(node.value, "os")


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _direct_reads(name: str, tree: ast.Module) -> set[str]:
    constants = _constants_in_scope(name, tree)

    def value(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        return None

    read: set[str] = set()
    for node in ast.walk(tree):
        argument: ast.AST | None = None
        if isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            argument = node.slice
        elif isinstance(node, ast.Call) and node.args:
            function = node.func
            environ_get = (
                isinstance(function, ast.Attribute)
                and function.attr == "get"
                and _is_os_environ(function.value)
            )
            getenv = (
                isinstance(function, ast.Attribute)
                and function.attr == "getenv"
                and _is_name(function.value, "os")
            )
            if environ_get or getenv:
                argument = node.args[0]
        if argument is not None and (variable := value(argument)) is not None:
            read.add(variable)
    return read


@cache
def settings_aliases() -> dict[str, frozenset[str]]:
    """Each settings model's variables (its fields' aliases and its bases')."""
    own: dict[str, set[str]] = {}
    bases: dict[str, list[str]] = {}
    trees = [_parse(module) for module in SETTINGS_MODULES]
    assert all(trees), SETTINGS_MODULES
    for node in (node for tree in trees if tree for node in tree.body):
        if not isinstance(node, ast.ClassDef):
            continue
        bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]
        own[node.name] = set()
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and _is_name(call.func, "Field"):
                for keyword in call.keywords:
                    if keyword.arg == "alias" and isinstance(keyword.value, ast.Constant):
                        own[node.name].add(str(keyword.value.value))

    def resolved(model: str) -> set[str]:
        return own.get(model, set()).union(*(resolved(base) for base in bases.get(model, [])))

    return {model: frozenset(resolved(model)) for model in own if model.endswith("Settings")}


def _settings_used(tree: ast.Module) -> set[str]:
    models = settings_aliases()
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in models:
            used.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in models:
            used.add(node.attr)
    return used


@cache
def variables_read(handler: str) -> frozenset[str]:
    """The variables the code behind `handler` ("package.module.function") reads, libraries' excluded."""
    module = handler.rsplit(".", 1)[0]
    read: set[str] = set()
    models = settings_aliases()
    for name in modules_imported(module):
        tree = _parse(name)
        assert tree is not None
        read |= _direct_reads(name, tree)
        if name not in SETTINGS_MODULES:
            for model in _settings_used(tree):
                read |= models[model]
    return frozenset(read)


def for_function(handler: str, environment: Iterable[str]) -> set[str]:
    """Of `environment`'s names, those the function gets: what its code reads, and the libraries' own."""
    read = variables_read(handler)
    return {
        name
        for name in environment
        if name in read or name in LIBRARY_VARIABLES or name.startswith(LIBRARY_PREFIXES)
    }
