"""The synthesized template and the questions the infra tests ask of it. A uniquely named helper module: test
files import it directly, never `conftest` (several tiers have one)."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Synthesized:
    template: dict[str, Any]
    outdir: Path
    synth_error: (
        str | None
    )  # cdk-nag findings fail the synth; the template is still written before validation


class TemplateView:
    """Questions the tests ask of a CloudFormation template."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.template = template
        self.resources: dict[str, dict[str, Any]] = template["Resources"]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {lid: r for lid, r in self.resources.items() if r["Type"] == resource_type}

    def props(self, logical_id: str) -> dict[str, Any]:
        properties: dict[str, Any] = self.resources[logical_id].get("Properties", {})
        return properties

    @staticmethod
    def target(value: Any) -> str:
        """The logical id a Ref / Fn::GetAtt points at."""
        if isinstance(value, dict) and "Ref" in value:
            return str(value["Ref"])
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
        raise AssertionError(f"expected a Ref or Fn::GetAtt, got {value!r}")

    @staticmethod
    def referenced_ids(value: Any) -> Iterator[str]:
        """Every logical id referenced anywhere inside `value`."""
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "Ref" and isinstance(inner, str):
                    yield inner
                elif key == "Fn::GetAtt":
                    yield inner[0] if isinstance(inner, list) else inner.split(".")[0]
                else:
                    yield from TemplateView.referenced_ids(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from TemplateView.referenced_ids(inner)

    def statements_of_function(self, function_id: str) -> list[dict[str, Any]]:
        """Every IAM statement attached to a function's execution role."""
        role_id = self.target(self.props(function_id)["Role"])
        statements: list[dict[str, Any]] = []
        for policy in self.of_type("AWS::IAM::Policy").values():
            if {"Ref": role_id} in policy["Properties"]["Roles"]:
                statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
        statements.extend(
            statement
            for inline in self.props(role_id).get("Policies", [])
            for statement in inline["PolicyDocument"]["Statement"]
        )
        return statements

    def actions_on(self, function_id: str) -> dict[str, set[str]]:
        """action -> logical ids of the resources it is granted on ('*' for a wildcard resource)."""
        granted: dict[str, set[str]] = {}
        for statement in self.statements_of_function(function_id):
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            targets = {"*"} if "*" in resources else set(self.referenced_ids(resources))
            for action in actions:
                granted.setdefault(action, set()).update(targets)
        return granted
