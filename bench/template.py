"""The synthesized stack the benchmarks read: template, functions, and the size of every deployment asset.

Synthesized in-process with asset staging off, so each Lambda's `aws:asset:path` names its source folder
(infra/app.py). Asset sizes are measured before the jsii kernel (which holds the CDK's own handler assets in
a temporary folder) goes away.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.cost_model import TableShape

ASSET_PATH = "aws:asset:path"
_SKIPPED_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache"}


@dataclass(frozen=True)
class AssetSize:
    zipped_bytes: int
    unzipped_bytes: int
    files: int


@dataclass(frozen=True)
class LambdaFunction:
    logical_id: str
    handler: str
    memory_mb: int
    code_asset: str | None
    layer_assets: tuple[str, ...]
    environment: dict[str, Any]


@dataclass
class Stack:
    template: dict[str, Any]
    asset_sizes: dict[str, AssetSize] = field(default_factory=dict)

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.template["Resources"].items() if r.get("Type") == resource_type}

    def functions(self) -> list[LambdaFunction]:
        layers = self.resources("AWS::Lambda::LayerVersion")
        result = []
        for logical_id, resource in self.resources("AWS::Lambda::Function").items():
            properties = resource["Properties"]
            layer_assets = tuple(
                layers[ref["Ref"]].get("Metadata", {}).get(ASSET_PATH, "")
                for ref in properties.get("Layers", [])
                if isinstance(ref, dict) and ref.get("Ref") in layers
            )
            result.append(
                LambdaFunction(
                    logical_id=logical_id,
                    handler=properties.get("Handler", ""),
                    memory_mb=int(properties.get("MemorySize", 128)),
                    code_asset=resource.get("Metadata", {}).get(ASSET_PATH),
                    layer_assets=layer_assets,
                    environment=dict(properties.get("Environment", {}).get("Variables", {})),
                )
            )
        return result

    def app_functions(self) -> list[LambdaFunction]:
        """Switchboard's own functions: those whose code is the functions/ folder (not CDK's helpers)."""
        return [f for f in self.functions() if f.code_asset and Path(f.code_asset).name == "functions"]

    def function(self, logical_id: str) -> LambdaFunction:
        return next(f for f in self.functions() if f.logical_id == logical_id)

    def batch_size(self, function_logical_id: str) -> int:
        for mapping in self.resources("AWS::Lambda::EventSourceMapping").values():
            properties = mapping["Properties"]
            if properties.get("FunctionName") == {"Ref": function_logical_id}:
                return int(properties.get("BatchSize", 10))
        raise KeyError(f"no event source mapping for {function_logical_id}")

    def table_shape(self) -> TableShape:
        [table] = self.resources("AWS::DynamoDB::Table").values()
        indexes = table["Properties"].get("GlobalSecondaryIndexes", [])
        return TableShape(gsi_keys=tuple(tuple(k["AttributeName"] for k in i["KeySchema"]) for i in indexes))


def measure_asset(path: Path) -> AssetSize:
    """Bytes of the folder (or .zip) as Lambda receives it: zipped with deflate, caches left out."""
    if path.is_file():
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
            return AssetSize(path.stat().st_size, unzipped, len(archive.infolist()))
    buffer = io.BytesIO()
    unzipped = files = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.rglob("*")):
            if not file.is_file() or _SKIPPED_PARTS & set(file.relative_to(path).parts):
                continue
            archive.write(file, file.relative_to(path).as_posix())
            unzipped += file.stat().st_size
            files += 1
    return AssetSize(len(buffer.getvalue()), unzipped, files)


def synthesize() -> Stack:
    """Synthesize the app in-process (cdk-nag included) and measure its Lambda assets."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.app import STACK_NAME, build_app

    with tempfile.TemporaryDirectory(prefix="bench-synth-") as outdir:
        build_app({"aws:cdk:disable-asset-staging": True}, outdir=outdir).synth()
        template = json.loads((Path(outdir) / f"{STACK_NAME}.template.json").read_text(encoding="utf-8"))
        stack = Stack(template)
        paths = {f.code_asset for f in stack.functions()} | {
            p for f in stack.functions() for p in f.layer_assets
        }
        stack.asset_sizes = {p: measure_asset(Path(p)) for p in paths if p and Path(p).exists()}
    return stack
