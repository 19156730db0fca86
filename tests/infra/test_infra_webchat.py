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
    # Blocked requests are logged, without the session token or query strings
    (logging,) = waf_template.of_type("AWS::WAFv2::LoggingConfiguration").values()
    assert logging["Properties"]["ResourceArn"] == {"Fn::GetAtt": ["ChatWebAcl", "Arn"]}
    assert "aws-waf-logs-Switchboard-chat" in json.dumps(logging["Properties"]["LogDestinationConfigs"])
    assert logging["Properties"]["LoggingFilter"]["DefaultBehavior"] == "DROP"
    assert {"SingleHeader": {"Name": "authorization"}} in logging["Properties"]["RedactedFields"]


def _s3_statements(cfn: TemplateView, role_prefix: str) -> list[dict[str, Any]]:
    found = []
    for logical_id, policy in cfn.of_type("AWS::IAM::Policy").items():
        if not logical_id.startswith(role_prefix):
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if any(str(a).startswith("s3:") for a in actions):
                found.append(statement)
    return found


def _object_prefixes(statement: dict[str, Any]) -> set[str]:
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    prefixes = set()
    for resource in resources:
        if isinstance(resource, dict) and "Fn::Join" in resource:
            parts = resource["Fn::Join"][1]
            assert parts[0] == {"Fn::GetAtt": ["MediaBucket", "Arn"]}
            prefixes.add(parts[1])
        else:
            assert resource == {"Fn::GetAtt": ["MediaBucket", "Arn"]}  # bucket-level (List, GetBucket)
    return prefixes


def test_the_chat_reaches_only_its_own_prefixes_of_the_media_bucket(cfn: TemplateView) -> None:
    statements = _s3_statements(cfn, "WebChatWebChatFnRole")
    prefixes = {p for s in statements for p in _object_prefixes(s)}
    assert prefixes == {"/uploads/*", "/webchat/*", "/media/*"}
    writes = {
        p
        for s in statements
        if any(str(a).startswith(("s3:PutObject", "s3:DeleteObject")) for a in s["Action"])
        for p in _object_prefixes(s)
    }
    assert writes == {"/uploads/*", "/webchat/*"}  # never media/: only the consumer writes there
    consumer = {p for s in _s3_statements(cfn, "InboxInboundConsumerFnRole") for p in _object_prefixes(s)}
    assert "/webchat/*" in consumer


def test_the_media_bucket_allows_photo_posts_from_the_listed_origins_only(cfn: TemplateView) -> None:
    bucket = cfn.props("MediaBucket")
    condition, rules, otherwise = bucket["CorsConfiguration"]["Fn::If"]
    assert otherwise == {"Ref": "AWS::NoValue"}  # no origin listed: no CORS at all
    assert cfn.template["Conditions"][condition] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ChatAllowedOrigins"}, ""]}]
    }
    (rule,) = rules["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == {"Fn::Split": [",", {"Ref": "ChatAllowedOrigins"}]}
    assert "AllowedHeaders" not in rule and "ExposedHeaders" not in rule
    # Still private and encrypted with KMS
    assert bucket["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"


def test_unlinked_uploads_and_checked_copies_expire_in_a_day(cfn: TemplateView) -> None:
    rules = {r["Id"]: r for r in cfn.props("MediaBucket")["LifecycleConfiguration"]["Rules"]}
    for rule_id, prefix in (("ExpireChatUploads", "uploads/"), ("ExpireCheckedChatPhotos", "webchat/")):
        rule = rules[rule_id]
        assert rule["Prefix"] == prefix and rule["ExpirationInDays"] == 1
        assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert "Prefix" not in rules["TidyVersionsAndUploads"]  # MMS media under media/ are kept
