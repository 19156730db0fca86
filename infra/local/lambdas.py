"""Lambda functions from the template, run in-process: the same handler code, a Lambda-shaped context.

Code and layer folders come from each function's `aws:asset:path` metadata. The third-party deps layer is not
put on sys.path: it holds Lambda's aarch64 wheels, and this virtualenv has the same packages for this machine.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local.template import ACCOUNT_ID, REGION, SynthesizedStack

# Variables a function may set for itself that need not agree across functions in one process.
PER_FUNCTION_VARIABLES = {"POWERTOOLS_SERVICE_NAME"}


class LambdaContext:
    def __init__(self, function: LocalFunction):
        self.function_name = function.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function.arn
        self.memory_limit_in_mb = function.memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + function.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class LocalFunction:
    logical_id: str
    name: str
    arn: str
    handler_path: str
    timeout_s: int
    memory_mb: int
    environment: dict[str, str]
    code_paths: list[Path]
    _handler: Callable[[Any, Any], Any] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # A Lambda instance handles one event at a time, and handlers keep per-request state in module globals
    # (Powertools' resolver holds the current event and context): one invocation at a time per function.
    _invoke_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _initialized: bool = field(default=False, repr=False)

    def handler(self) -> Callable[[Any, Any], Any]:
        with self._lock:
            if self._handler is None:
                module_name, _, attribute = self.handler_path.rpartition(".")
                self._handler = getattr(importlib.import_module(module_name), attribute)
            return self._handler

    def invoke(self, event: Any, *, concurrent: bool = False) -> Any:
        """One invocation. `concurrent`: the caller is an SQS mapping running batches side by side, as Lambda
        runs them on several instances; its handlers keep no per-request state in module globals
        (switchboard.batch gives each thread its own processor). Its first invocation still runs alone:
        the init (clients, caches) is built once, as on one cold instance."""
        handler = self.handler()
        if concurrent and self._initialized:
            return handler(event, LambdaContext(self))
        with self._invoke_lock:
            try:
                return handler(event, LambdaContext(self))
            finally:
                self._initialized = True


def _deps_layer(stack: SynthesizedStack, layer_id: str) -> bool:
    path = stack.resources[layer_id].get("Metadata", {}).get("aws:asset:path", "")
    return "build/layers/deps" in path.replace(os.sep, "/")


def load_functions(stack: SynthesizedStack, resolve: Callable[[Any], Any]) -> dict[str, LocalFunction]:
    """Every Lambda function whose code is a source folder of this repository (not CDK's own helpers)."""
    functions: dict[str, LocalFunction] = {}
    for logical_id, resource in stack.of_type("AWS::Lambda::Function").items():
        code_path = resource.get("Metadata", {}).get("aws:asset:path")
        if not code_path or not Path(code_path).is_dir():
            continue
        properties = resource["Properties"]
        if properties.get("Handler", "").startswith("index."):
            continue  # CDK's bucket-deployment helper: deploy-time only
        paths = [Path(code_path)]
        for layer in properties.get("Layers", []):
            layer_id = layer.get("Ref") if isinstance(layer, dict) else None
            if not layer_id or layer_id not in stack.resources or _deps_layer(stack, layer_id):
                continue
            layer_path = stack.resources[layer_id].get("Metadata", {}).get("aws:asset:path")
            if layer_path:
                paths.append(Path(layer_path) / "python")
        name = resolve({"Ref": logical_id})
        environment = resolve(properties.get("Environment", {}).get("Variables", {}))
        functions[logical_id] = LocalFunction(
            logical_id=logical_id,
            name=name,
            arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
            handler_path=properties["Handler"],
            timeout_s=int(properties.get("Timeout", 3)),
            memory_mb=int(properties.get("MemorySize", 128)),
            environment={k: str(v) for k, v in environment.items()},
            code_paths=paths,
        )
    return functions


def install_environment(functions: dict[str, LocalFunction], overrides: dict[str, str]) -> None:
    """One process runs every function, so their variables must agree; a conflict is a template bug."""
    merged: dict[str, str] = {}
    for function in functions.values():
        for key, value in function.environment.items():
            if key in PER_FUNCTION_VARIABLES:
                continue
            if key in merged and merged[key] != value and key not in overrides:
                raise RuntimeError(f"functions disagree on {key}: the local stack runs them in one process")
            merged[key] = value
    merged.update(overrides)
    os.environ.update(merged)
    forget_imported_code(functions)
    for function in functions.values():
        for path in function.code_paths:
            if str(path) not in sys.path:
                sys.path.insert(0, str(path))


def forget_imported_code(functions: dict[str, LocalFunction]) -> None:
    """Drop the functions' modules already imported in this process, so each handler starts cold with this
    stack's environment. Handlers read settings and build clients at import (as on Lambda); a module left by
    an earlier import (a test tier, an earlier stack) would keep another table's name and another moto's
    clients."""
    roots = {path.resolve() for function in functions.values() for path in function.code_paths}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and any(Path(file).resolve().is_relative_to(root) for root in roots):
            del sys.modules[name]
