"""cfn-lint, once, on the synthesized template: no error (CloudFormation would reject or misdeploy it)."""

import json
from pathlib import Path

from cfnlint.api import ManualArgs, lint, lint_file
from infra_template_view import Synthesized

from infra.app import STACK_NAME, deployment_region


def errors(matches: list) -> list[str]:
    return [
        f"{m.rule.id} {'/'.join(map(str, m.path))}: {m.message}" for m in matches if m.rule.id.startswith("E")
    ]


def test_the_synthesized_template_has_no_cfn_lint_error(synthesized: Synthesized) -> None:
    template = synthesized.outdir / f"{STACK_NAME}.template.json"
    found = lint_file(Path(template), config=ManualArgs(regions=[deployment_region()]))
    assert errors(found) == []


def test_cfn_lint_reports_an_error_it_should() -> None:
    # Proves the gate can fail: a function on a runtime Lambda does not have.
    template = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python2.0",
                    "Handler": "app.handler",
                    "Role": "arn:aws:iam::123456789012:role/r",
                    "Code": {"ZipFile": "x"},
                },
            }
        }
    }
    assert any("python2.0" in error for error in errors(lint(json.dumps(template), regions=["us-east-1"])))
