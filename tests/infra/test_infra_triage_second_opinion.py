"""Triage's optional second stage in the template (issue 17 item 2): off by default, the inbound consumer has
no Comprehend permission; with `-c triageSecondOpinion=comprehend` it may call comprehend:DetectSentiment and
nothing else of Comprehend, the setting reaches the function, and cdk-nag stays clean (with the reason)."""

import json
from typing import Any

import pytest
from infra_template_view import TemplateView

from infra.app import STACK_NAME, build_app
from tests.infra.test_infra_nag import violations


def test_off_by_default_no_function_may_call_comprehend(cfn: TemplateView) -> None:
    for logical_id, props in cfn.resources.items():
        if props.get("Type") == "AWS::IAM::Policy":
            assert "comprehend" not in json.dumps(props), logical_id
    variables = cfn.resources["InboundConsumerFn"]["Properties"]["Environment"]["Variables"]
    assert "TRIAGE_SECOND_OPINION" not in variables  # the setting's default: off


@pytest.fixture(scope="module")
def with_comprehend(synth_context: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Any:
    outdir = tmp_path_factory.mktemp("cdk.out.comprehend")
    app = build_app({**synth_context, "triageSecondOpinion": "comprehend"}, outdir=str(outdir))
    app.synth()
    template = json.loads((outdir / f"{STACK_NAME}.template.json").read_text(encoding="utf-8"))
    return TemplateView(template), outdir


def test_turned_on_the_inbound_consumer_may_ask_for_sentiment_only(with_comprehend: Any) -> None:
    cfn, outdir = with_comprehend
    variables = cfn.resources["InboundConsumerFn"]["Properties"]["Environment"]["Variables"]
    assert variables["TRIAGE_SECOND_OPINION"] == "comprehend"
    granted = [
        (logical_id, props)
        for logical_id, props in cfn.resources.items()
        if props.get("Type") == "AWS::IAM::Policy" and "comprehend" in json.dumps(props)
    ]
    assert len(granted) == 1 and "InboundConsumerFnRole" in granted[0][0]
    listed = [s["Action"] for s in granted[0][1]["Properties"]["PolicyDocument"]["Statement"]]
    flat = [a for each in listed for a in (each if isinstance(each, list) else [each])]
    actions = [a for a in flat if "comprehend" in a]
    assert actions == ["comprehend:DetectSentiment"]  # (CDK merges it with X-Ray's, also on "*")
    report = outdir / "validation-report.json"
    assert (violations(report) if report.exists() else []) == []
