"""The log-hash key in the template: a generated secret, named in every function's environment, and readable
by exactly the functions whose code hashes with it (read from the code's imports, so a new caller of
redact_address without the grant fails here, not with AccessDenied in production)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from infra_template_view import TemplateView

from infra.log_hash import LOG_HASHING_FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
CODE_ROOTS = (ROOT / "functions", ROOT / "layers" / "shared" / "python")
HASHING_CALLS = {"redact_address", "keyed_digest"}
# Where those are defined (and call each other): not a function's own use of the key.
DEFINING_MODULES = {"switchboard.observability", "switchboard.log_hash"}


@cache
def modules() -> dict[str, ast.Module]:
    found = {}
    for root in CODE_ROOTS:
        for path in root.rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = ast.parse(path.read_text(encoding="utf-8"))
    return found


def imported_by(tree: ast.Module) -> set[str]:
    """Every project module `tree` imports, at the top or inside a function (lazy imports count)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name in modules()}


def calls_hashing(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in HASHING_CALLS:
                return True
    return False


def hashes(handler_module: str) -> bool:
    seen: set[str] = set()
    todo = [handler_module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(imported_by(modules()[name]))
    return any(calls_hashing(modules()[name]) for name in seen - DEFINING_MODULES)


def key_readers(cfn: TemplateView) -> set[str]:
    """Functions whose role may read the LogHashKey secret."""
    roles = set()
    for policy in cfn.of_type("AWS::IAM::Policy").values():
        document = policy["Properties"]["PolicyDocument"]
        for statement in document["Statement"]:
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            if {"Ref": "LogHashKey"} in resources and "secretsmanager:GetSecretValue" in statement["Action"]:
                roles.update(cfn.target(role) for role in policy["Properties"]["Roles"])
    return {
        function_id
        for function_id, function in cfn.of_type("AWS::Lambda::Function").items()
        if cfn.target(function["Properties"]["Role"]) in roles
    }


def test_the_key_is_generated_in_the_template(cfn: TemplateView) -> None:
    generated = cfn.props("LogHashKey")["GenerateSecretString"]
    assert generated["PasswordLength"] >= 32 and generated["ExcludePunctuation"] is True


def test_every_function_names_the_key_and_exactly_the_hashing_ones_may_read_it(cfn: TemplateView) -> None:
    functions = cfn.of_type("AWS::Lambda::Function")
    handlers = {
        function_id: function["Properties"]["Handler"].rsplit(".", 1)[0]
        for function_id, function in functions.items()
        if function["Properties"].get("Handler", "").count(".") >= 2 and function_id.endswith("Fn")
    }
    for function_id in handlers:
        environment = functions[function_id]["Properties"]["Environment"]["Variables"]
        assert environment["LOG_HASH_SECRET_ARN"] == {"Ref": "LogHashKey"}, function_id

    needed = {function_id for function_id, module in handlers.items() if hashes(module)}
    assert needed == set(LOG_HASHING_FUNCTIONS), "update infra/log_hash.py LOG_HASHING_FUNCTIONS"
    assert key_readers(cfn) == needed


def test_the_import_walk_sees_a_hashing_call_several_imports_away() -> None:
    """The check above is only as good as its walk: the webhook hashes in channels.logic, two imports down."""
    assert hashes("channels.handlers.twilio_webhook")
    assert not hashes("staff.handlers.staff_admin")
