"""Web chat in the template: its parameters, the token key only its function reads, and the opt-in WAF."""

import json
from typing import Any

import pytest
from infra_template_view import TemplateView

from infra.app import STACK_NAME, build_app


def test_allowed_origins_hours_and_zone_are_deploy_parameters(cfn: TemplateView) -> None:
    parameters = cfn.template["Parameters"]
    assert parameters["ChatAllowedOrigins"]["Default"] == ""  # no site may embed the widget until listed
    assert parameters["ChatBusinessHours"]["Default"] == "Mon-Fri 08:00-17:00"
    assert parameters["ChatTimezone"]["Default"] == "America/New_York"


def test_only_the_chat_function_may_read_the_token_key(cfn: TemplateView) -> None:
    readers = set()
    for logical_id, policy in cfn.of_type("AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            if {"Ref": "WebChatTokenKey"} in resources:
                readers.add(logical_id)
    assert len(readers) == 1 and next(iter(readers)).startswith("WebChatWebChatFnRole")


@pytest.fixture(scope="module")
def waf_template(synth_context: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> TemplateView:
    outdir = tmp_path_factory.mktemp("chat-waf")
    # synth() raises when cdk-nag reports anything unacknowledged: the WAF variant is held to the same bar.
    build_app(
        {**synth_context, "chatWaf": "true", "chatAllowedOrigins": "https://www.county.example"},
        outdir=str(outdir),
    ).synth()
    return TemplateView(json.loads((outdir / f"{STACK_NAME}.template.json").read_text(encoding="utf-8")))


def test_waf_flag_puts_a_rate_rule_on_the_chat_routes_in_front_of_cloudfront(
    waf_template: TemplateView,
) -> None:
    acl = waf_template.props("ChatWebAcl")
    assert acl["Scope"] == "CLOUDFRONT"
    assert acl["DefaultAction"] == {"Allow": {}}
    (rule,) = acl["Rules"]
    assert rule["Action"] == {"Block": {}}
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP" and 100 <= rate["Limit"] <= 2000
    match = rate["ScopeDownStatement"]["ByteMatchStatement"]
    assert match["SearchString"] == "/chat/" and match["PositionalConstraint"] == "STARTS_WITH"
    (distribution,) = waf_template.of_type("AWS::CloudFront::Distribution").values()
    assert distribution["Properties"]["DistributionConfig"]["WebACLId"] == {
        "Fn::GetAtt": ["ChatWebAcl", "Arn"]
    }
    assert (
        waf_template.template["Parameters"]["ChatAllowedOrigins"]["Default"] == "https://www.county.example"
    )
