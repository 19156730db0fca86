"""cdk-nag (AwsSolutions and NIST 800-53 r5): no unacknowledged finding, every acknowledgment has a reason
and a real finding, and the check really fails a synth."""

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from infra_template_view import Synthesized, TemplateView

import infra.nag
from infra.app import add_compliance_checks, build_app


def violations(report_path: Any) -> list[tuple[str, str]]:
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return [
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]


def test_synth_reports_no_unacknowledged_finding(synthesized: Synthesized) -> None:
    report = synthesized.outdir / "validation-report.json"
    found = violations(report) if report.exists() else []
    assert synthesized.synth_error is None and found == [], found or synthesized.synth_error


def test_every_acknowledgment_gives_a_specific_reason(cfn: TemplateView) -> None:
    acknowledged = [
        (logical_id, rule)
        for logical_id, resource in cfn.resources.items()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert acknowledged, "acknowledgments are written to the template (write_suppressions_to_cloud_formation)"
    for logical_id, rule in acknowledged:
        assert rule["id"].startswith(("AwsSolutions-", "NIST.800.53.R5-")), (logical_id, rule)
        assert len(rule["reason"]) >= 40, (logical_id, rule)


class _RecordingValidations:
    """Stands in for aws_cdk.Validations in infra.nag: records acknowledgments instead of applying them."""

    recorded: list[tuple[str, str]] = []

    def __init__(self, scope: Any) -> None:
        self._path = scope.node.path

    @classmethod
    def of(cls, scope: Any) -> "_RecordingValidations":
        return cls(scope)

    def acknowledge(self, *rules: cdk.Acknowledgment) -> None:
        self.recorded.extend((self._path, rule.id) for rule in rules)


def test_every_acknowledgment_matches_a_finding(
    monkeypatch: pytest.MonkeyPatch, synth_context: dict[str, Any], tmp_path: Any
) -> None:
    """A stale acknowledgment hides nothing today and whatever appears there tomorrow: remove it."""
    # Given the app built with every acknowledgment recorded, not applied
    _RecordingValidations.recorded = []
    monkeypatch.setattr(infra.nag, "Validations", _RecordingValidations)
    app = build_app(synth_context, outdir=str(tmp_path))
    # When it is synthesized (aspects such as log group encryption run first) and both rule packs check it
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    findings = violations(tmp_path / "validation-report.json")

    # Then each acknowledgment names a finding on its construct or below, and nothing else is found
    def covers(scope_path: str, path: str) -> bool:
        return path == scope_path or path.startswith(scope_path + "/")

    assert _RecordingValidations.recorded
    stale = [
        (rule_id, scope_path)
        for scope_path, rule_id in _RecordingValidations.recorded
        if not any(rule == rule_id and covers(scope_path, path) for rule, path in findings)
    ]
    unhandled = [
        (rule, path)
        for rule, path in findings
        if not any(
            rule == rule_id and covers(scope_path, path)
            for scope_path, rule_id in _RecordingValidations.recorded
        )
    ]
    assert stale == [], "acknowledgments that match no finding"
    assert unhandled == [], "findings neither fixed nor acknowledged"


def test_the_check_fails_a_synth_on_an_unsafe_resource(tmp_path: Any) -> None:
    """Proves the nag tests can fail: a queue without a DLQ or TLS enforcement, or a log group without a
    customer key, must stop the synth."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Throwaway")
    sqs.Queue(stack, "UnsafeQueue", enforce_ssl=False)
    logs.LogGroup(stack, "PlainLogs")
    add_compliance_checks(app)

    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()

    found = violations(tmp_path / "validation-report.json")
    assert ("AwsSolutions-SQS3", "Throwaway/UnsafeQueue/Resource") in found
    assert ("AwsSolutions-SQS4", "Throwaway/UnsafeQueue/Resource") in found
    assert ("NIST.800.53.R5-CloudWatchLogGroupEncrypted", "Throwaway/PlainLogs/Resource") in found
