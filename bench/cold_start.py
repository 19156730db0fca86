"""Cold start per Lambda handler: import-and-init time in a fresh interpreter, and deployment package size.

Each run is a new `python` process with the function's environment from the template and the variables
Lambda sets, timing `import <handler module>`:
module-level init (settings validated, Logger/Metrics/processors built) is part of the import. Handlers are
interleaved run by run so drift on a noisy machine hits them all alike. The floor is `import boto3`, which any
handler that calls AWS must pay, timed the same way in the same loop.

`-X importtime` (one extra run each) attributes the time to top-level packages: that is what "dominates".
Package size = the function's code asset + its layers, zipped as Lambda receives them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from bench import harness
from bench.stats import size
from bench.template import Stack

PROBE = (
    "import importlib, json, sys, time\n"
    "started = time.perf_counter()\n"
    "importlib.import_module(sys.argv[1])\n"
    "print(json.dumps({'ms': (time.perf_counter() - started) * 1000}))\n"
)
FLOOR_MODULE = "boto3"


def lambda_environment(stack: Stack, function_name: str, handler: str) -> dict[str, str]:
    """The function's own variables from the template (not the other functions'), resolved, plus Lambda's."""
    code = [str(p) for p in harness.CODE_PATHS]
    functions = stack.app_functions()
    given = {name for f in functions for name in f.environment}
    own = {name for f in functions if f.logical_id == function_name for name in f.environment}
    resolved = harness.resolve_environment(stack)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "PYTHONPATH": os.pathsep.join(code),
        "PYTHONDONTWRITEBYTECODE": "",
        **{name: value for name, value in resolved.items() if name not in given or name in own},
        # What the Lambda runtime sets. POWERTOOLS_TRACE_DISABLED stays as the template sets it: tracing is
        # off unless synthesized with `-c tracing=true` (docs/decisions.md 23), and a handler then never
        # imports the X-Ray SDK (switchboard.observability). Removing it measured a stack nobody deploys.
        "LAMBDA_TASK_ROOT": "/var/task",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "_HANDLER": handler,
    }
    return env


def _import_ms(module: str, env: dict[str, str]) -> float:
    result = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", PROBE, module],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(json.loads(result.stdout.strip().splitlines()[-1])["ms"])


# Every package of ours (functions/, the shared layer), so an entry point in app/ is not taken for a library.
OUR_PACKAGES = {
    path.name
    for base in harness.CODE_PATHS
    for path in Path(base).iterdir()
    if (path / "__init__.py").exists()
}


@dataclass
class _Import:
    name: str
    self_us: int
    cumulative_us: int
    children: list[_Import] = field(default_factory=list)


def _import_tree(importtime_stderr: str) -> list[_Import]:
    """Depth-0 imports with their subtrees, from `-X importtime` lines (printed children first)."""
    pending: defaultdict[int, list[_Import]] = defaultdict(list)
    roots: list[_Import] = []
    for line in importtime_stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, raw_name = line.removeprefix("import time:").split("|")
        depth = (len(raw_name) - len(raw_name.lstrip()) - 1) // 2
        node = _Import(raw_name.strip(), int(self_us), int(cumulative_us), pending.pop(depth + 1, []))
        (roots if depth == 0 else pending[depth]).append(node)
    return roots


def import_breakdown(module: str, env: dict[str, str], top: int = 6) -> list[dict[str, Any]]:
    """Where a handler's import time goes: each third-party package our code imports, with everything it
    pulls in (cumulative), and our own modules' self time; biggest first."""
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    owners: defaultdict[str, int] = defaultdict(int)

    def attribute(node: _Import) -> None:
        package = node.name.split(".")[0]
        if package in OUR_PACKAGES:
            owners["(our code)"] += node.self_us
            for child in node.children:
                attribute(child)
        else:
            owners[package] += node.cumulative_us

    for root in _import_tree(result.stderr):
        if root.name.split(".")[0] in OUR_PACKAGES:
            attribute(root)
    total = sum(owners.values())
    ranked = sorted(owners.items(), key=lambda item: item[1], reverse=True)[:top]
    return [
        {"package": name, "ms": round(us / 1000, 1), "share": round(us / total, 3) if total else 0.0}
        for name, us in ranked
    ]


def run(stack: Stack) -> dict[str, Any]:
    runs = size("cold_runs", 10, 3)
    functions = stack.app_functions()
    envs = {f.logical_id: lambda_environment(stack, f.logical_id, f.handler) for f in functions}
    floor_env = next(iter(envs.values()))
    samples: defaultdict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        samples[FLOOR_MODULE].append(_import_ms(FLOOR_MODULE, floor_env))
        for function in functions:
            module = function.handler.rsplit(".", 1)[0]
            samples[function.logical_id].append(_import_ms(module, envs[function.logical_id]))
    floor_ms = median(samples[FLOOR_MODULE])
    rows = {}
    for function in functions:
        module = function.handler.rsplit(".", 1)[0]
        assets = [function.code_asset or "", *function.layer_assets]
        sizes = [stack.asset_sizes[a] for a in assets if a in stack.asset_sizes]
        handler_ms = median(samples[function.logical_id])
        rows[function.logical_id] = {
            "handler": function.handler,
            "import_ms_median": round(handler_ms, 1),
            "import_ms_p95_of_runs": round(sorted(samples[function.logical_id])[-1], 1),
            "ratio_to_floor": round(handler_ms / floor_ms, 2),
            "dominated_by": import_breakdown(module, envs[function.logical_id]),
            "package_zipped_bytes": sum(s.zipped_bytes for s in sizes),
            "package_unzipped_bytes": sum(s.unzipped_bytes for s in sizes),
            "package_parts": {
                Path(a).name or a: stack.asset_sizes[a].zipped_bytes for a in assets if a in stack.asset_sizes
            },
        }
    return {
        "status": "ok",
        "runs": runs,
        "python": sys.version.split()[0],
        "floor": {"module": FLOOR_MODULE, "import_ms_median": round(floor_ms, 1)},
        "functions": rows,
    }
