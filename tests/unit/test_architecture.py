"""The layers, checked over the import graph of every module (imports inside functions and under
TYPE_CHECKING included): channels -> app -> feature domains -> inbox -> shared. Nothing imports upward, a
feature domain imports only itself, inbox and the shared layer, and inbox imports no feature."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
SHARED = ROOT / "layers" / "shared" / "python"

CHANNELS, APP, INBOX, SHARED_PACKAGE = "channels", "app", "inbox", "switchboard"
PACKAGES = sorted(p.name for p in FUNCTIONS.iterdir() if (p / "__init__.py").exists())
FEATURES = [p for p in PACKAGES if p not in {CHANNELS, APP, INBOX}]

# What each layer may import besides itself and the standard library and third-party packages.
ALLOWED: dict[str, set[str]] = {
    CHANNELS: {APP, *FEATURES, INBOX, SHARED_PACKAGE},
    APP: {*FEATURES, INBOX, SHARED_PACKAGE},
    **{feature: {INBOX, SHARED_PACKAGE} for feature in FEATURES},
    INBOX: {SHARED_PACKAGE},
    SHARED_PACKAGE: set(),
}
OURS = {*PACKAGES, SHARED_PACKAGE}


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """Our top-level packages `path` imports, with the line of each import."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        found |= {(name.split(".")[0], node.lineno) for name in names if name.split(".")[0] in OURS}
    return found


def import_graph() -> dict[str, list[str]]:
    """package -> ["importing/file.py:line imports package", ...] for every import of another package."""
    graph: dict[str, list[str]] = defaultdict(list)
    for package, base in [*[(p, FUNCTIONS) for p in PACKAGES], (SHARED_PACKAGE, SHARED)]:
        for path in sorted((base / package).rglob("*.py")):
            for imported, line in imported_packages(path):
                if imported != package:
                    graph[package].append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return graph


def test_the_layers_are_the_ones_the_architecture_draws() -> None:
    assert {CHANNELS, APP, INBOX} <= set(PACKAGES)
    assert {"alerts", "callbacks", "subscriptions", "routing"} <= set(FEATURES)


@pytest.mark.parametrize("package", [*PACKAGES, SHARED_PACKAGE])
def test_no_package_imports_past_its_layer(package: str) -> None:
    graph = import_graph()
    offending = [edge for edge in graph.get(package, []) if edge.rsplit(" ", 1)[1] not in ALLOWED[package]]
    assert offending == [], f"{package} may import only {sorted(ALLOWED[package])}"


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The graph reads imports anywhere in a module: inside functions and under TYPE_CHECKING too."""
    module = tmp_path / "sneaky.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from alerts.models.alerts import Alert\n"
        "def later():\n    import app.pipelines\n    from inbox.pipeline import KeywordStep\n",
        encoding="utf-8",
    )
    assert {name for name, _ in imported_packages(module)} == {"alerts", "app", "inbox"}


def test_every_inbound_capability_is_a_registered_step() -> None:
    """The consumer wires no feature itself: every feature reacting to a resident's message is a step
    registered in app/pipelines/."""
    consumer = FUNCTIONS / "app" / "handlers" / "inbound_consumer.py"
    assert {name for name, _ in imported_packages(consumer)} <= {APP, INBOX, SHARED_PACKAGE}
