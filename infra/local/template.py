"""The synthesized template, read as the cloud would: intrinsic functions resolved against local physical ids.

The CDK app is synthesized in-process with asset staging off, so every Lambda function's `aws:asset:path`
metadata names its source folder. Resolution is lazy: asking for `Ref X` or `Fn::GetAtt X.Attr` asks the
`PhysicalIds` callback for X, which creates X in moto on first use. That gives dependency order for free.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
STACK_NAME = "Switchboard"
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass
class SynthesizedStack:
    template: dict[str, Any]
    assets: dict[str, Any]
    outdir: Path

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template.get("Resources", {})

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {lid: r for lid, r in self.resources.items() if r.get("Type") == resource_type}

    def asset_source(self, object_key: str) -> Path | None:
        """The source folder of a file asset, from the assets manifest, by its S3 object key."""
        for asset in self.assets.get("files", {}).values():
            for destination in asset.get("destinations", {}).values():
                if destination.get("objectKey") == object_key:
                    path = Path(asset["source"]["path"])
                    return path if path.is_absolute() else self.outdir / path
        return None


def synthesize(outdir: Path | None = None) -> SynthesizedStack:
    """Synthesize the app exactly as `cdk synth` would, cdk-nag included, with asset staging off."""
    from infra.app import build_app  # heavy (jsii): imported only when a stack is started

    out = Path(outdir or tempfile.mkdtemp(prefix="switchboard-synth-"))
    app = build_app({"aws:cdk:disable-asset-staging": True}, outdir=str(out))
    assembly = app.synth()
    stack = assembly.get_stack_by_name(STACK_NAME)
    assets_file = out / f"{STACK_NAME}.assets.json"
    assets = json.loads(assets_file.read_text()) if assets_file.exists() else {}
    return SynthesizedStack(template=stack.template, assets=assets, outdir=out)


@dataclass
class Resolver:
    """Resolves intrinsic functions. `physical(logical_id)` returns (ref_value, attributes) for a resource."""

    stack: SynthesizedStack
    physical: Callable[[str], tuple[str, dict[str, str]]]
    parameters: dict[str, str] = field(default_factory=dict)

    def pseudo(self) -> dict[str, str]:
        return {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": STACK_NAME,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{STACK_NAME}/local",
            "AWS::NoValue": "",
        }

    def ref(self, name: str) -> str:
        if name in self.pseudo():
            return self.pseudo()[name]
        if name in self.parameters:
            return self.parameters[name]
        declared = self.stack.template.get("Parameters", {}).get(name)
        if declared is not None:
            return str(declared.get("Default", ""))
        return self.physical(name)[0]

    def get_att(self, name: str, attribute: str) -> str:
        attributes = self.physical(name)[1]
        if attribute not in attributes:
            raise KeyError(f"the local stack does not know {name}.{attribute}")
        return attributes[attribute]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                name, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(name, attribute)
            if key == "Fn::Join":
                separator, parts = arg
                return separator.join(str(self.resolve(part)) for part in self.resolve(parts))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                separator, text = arg
                return str(self.resolve(text)).split(separator)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::If":
                condition, when_true, when_false = arg
                return self.resolve(when_true if self._condition(condition) else when_false)
            if key == "Fn::GetAZs":
                return [f"{REGION}a", f"{REGION}b"]
        return {key: self.resolve(item) for key, item in value.items()}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                resource, attribute = name.split(".", 1)
                return self.get_att(resource, attribute)
            return self.ref(name)

        return _SUB_VARIABLE.sub(replace, text)

    def _condition(self, name: str) -> bool:
        expression = self.stack.template.get("Conditions", {})[name]
        return bool(self._evaluate(expression))

    def _evaluate(self, expression: Any) -> Any:
        if isinstance(expression, dict) and len(expression) == 1:
            ((key, arg),) = expression.items()
            if key == "Fn::Equals":
                left, right = (self.resolve(self._evaluate(x)) for x in arg)
                return left == right
            if key == "Fn::Not":
                return not self._evaluate(arg[0])
            if key == "Fn::And":
                return all(self._evaluate(x) for x in arg)
            if key == "Fn::Or":
                return any(self._evaluate(x) for x in arg)
            if key == "Condition":
                return self._condition(arg)
        return self.resolve(expression)
