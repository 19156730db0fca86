"""The HTTP API (routes, JWT authorizer, stage) and the agent page's CloudFront distribution and headers."""

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template
from infra_template_view import Synthesized, TemplateView

from infra.app import STACK_NAME, build_app, deployment_region
from infra.auth import cognito_origin
from infra.web import content_security_policy

ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AWS managed origin request policy
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # AWS managed cache policy


def routes(cfn: TemplateView) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["RouteKey"]: r["Properties"] for r in cfn.of_type("AWS::ApiGatewayV2::Route").values()
    }


def test_routes_are_exactly_the_contract(cfn: TemplateView) -> None:
    assert set(routes(cfn)) == {
        "POST /twilio/messages",
        "POST /twilio/status",
        "ANY /api/{proxy+}",
        "ANY /api/admin/{proxy+}",
        "POST /api/public/signup",
        "GET /api/public/topics",
        "ANY /chat/{proxy+}",
        "ANY /api/webchat/{proxy+}",
        "ANY /api/calls/{proxy+}",
        "POST /twilio/calls/status",
        "POST /twilio/voice",
        "ANY /api/notices",
        "ANY /api/notices/{proxy+}",
        "ANY /api/alerts",
        "ANY /api/alerts/{proxy+}",
        "GET /r/{token}",
        "GET /u/{token}",
        "POST /u/{token}",
        "POST /twilio/alert-calls/{alert_id}",
        "GET /open311/v2/{proxy+}",
        "POST /open311/v2/{proxy+}",
    }
    integrations = cfn.of_type("AWS::ApiGatewayV2::Integration")
    targets = {}
    for key, route in routes(cfn).items():
        integration_id = route["Target"]["Fn::Join"][1][1]["Ref"]
        integration = integrations[integration_id]["Properties"]
        assert integration["PayloadFormatVersion"] == "2.0"
        targets[key] = cfn.target(integration["IntegrationUri"])
    assert targets == {
        "POST /twilio/messages": "TwilioWebhookFn",
        "POST /twilio/status": "TwilioStatusFn",
        "ANY /api/{proxy+}": "AgentApiFn",
        "ANY /api/admin/{proxy+}": "StaffAdminFn",
        "POST /api/public/signup": "SignupFn",
        "GET /api/public/topics": "SignupFn",
        "ANY /chat/{proxy+}": "WebChatFn",
        "ANY /api/webchat/{proxy+}": "WebChatFn",
        "ANY /api/calls/{proxy+}": "CallsFn",
        "POST /twilio/calls/status": "CallStatusFn",
        "POST /twilio/voice": "VoiceFn",
        "ANY /api/notices": "NoticesFn",
        "ANY /api/notices/{proxy+}": "NoticesFn",
        "ANY /api/alerts": "AlertsApiFn",
        "ANY /api/alerts/{proxy+}": "AlertsApiFn",
        "GET /r/{token}": "LinkRedirectFn",
        "GET /u/{token}": "UnsubscribeFn",  # issue 22: email alerts' one-click unsubscribe
        "POST /u/{token}": "UnsubscribeFn",
        "POST /twilio/alert-calls/{alert_id}": "AlertCallFn",  # a voice alert's repeat key
        "GET /open311/v2/{proxy+}": "Open311Fn",
        "POST /open311/v2/{proxy+}": "Open311Fn",
    }


def test_every_api_route_needs_the_cognito_jwt_and_no_twilio_route_does(cfn: TemplateView) -> None:
    authorizers = cfn.of_type("AWS::ApiGatewayV2::Authorizer")
    for key, route in routes(cfn).items():
        path = key.split(" ", 1)[1]
        if path.startswith("/api/public/"):
            # The residents' sign-up page: no staff account; double opt-in by text (infra/subscriptions.py).
            assert route.get("AuthorizationType", "NONE") == "NONE", key
            assert "AuthorizerId" not in route, key
        elif path.startswith("/chat/"):
            # The web chat widget: residents have no account; the function checks its own signed session
            # token, the allowed origins and rate limits (infra/webchat.py).
            assert route.get("AuthorizationType", "NONE") == "NONE", key
            assert "AuthorizerId" not in route, key
        elif path.startswith("/r/"):
            # Tracked alert links: residents tap them in a text; the token names one stored URL (no open
            # redirect).
            assert route.get("AuthorizationType", "NONE") == "NONE", key
            assert "AuthorizerId" not in route, key
        elif path.startswith("/u/"):
            # One-click unsubscribe from email alerts (RFC 8058): mail clients POST without an account; the
            # token names one resident, and only their email channel changes (infra/alert_channels.py).
            assert route.get("AuthorizationType", "NONE") == "NONE", key
            assert "AuthorizerId" not in route, key
        elif path.startswith("/open311/"):
            # Open311 GeoReport v2: public records for city systems; creating a request needs an api_key the
            # function checks against its hash, rate-limited per key (infra/servicerequests.py).
            assert route.get("AuthorizationType", "NONE") == "NONE", key
            assert "AuthorizerId" not in route, key
        elif path.startswith("/api/"):
            assert route["AuthorizationType"] == "JWT", key
            authorizer = authorizers[cfn.target(route["AuthorizerId"])]["Properties"]
            assert authorizer["AuthorizerType"] == "JWT"
            assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
            assert authorizer["JwtConfiguration"]["Audience"] == [{"Ref": "UserPoolClient"}]
            assert {"Ref": "UserPool"} in authorizer["JwtConfiguration"]["Issuer"]["Fn::Join"][1]
        else:
            assert path.startswith("/twilio/"), key
            assert route.get("AuthorizationType", "NONE") == "NONE", key
            assert "AuthorizerId" not in route, key


def test_default_stage_logs_access_and_throttles(cfn: TemplateView) -> None:
    (stage,) = cfn.of_type("AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert props["DefaultRouteSettings"]["ThrottlingBurstLimit"] > 0
    log_format = json.loads(props["AccessLogSettings"]["Format"])
    assert log_format["requestId"] == "$context.requestId"
    assert not any("body" in value.lower() or "querystring" in value.lower() for value in log_format.values())


def test_user_pool_is_admin_only_email_strong_passwords_optional_totp(cfn: TemplateView) -> None:
    pool = cfn.props("UserPool")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["UsernameAttributes"] == ["email"]
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(
        policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    groups = {g["Properties"]["GroupName"] for g in cfn.of_type("AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"agent", "supervisor", "admin"}
    client = cfn.props("UserPoolClient")
    assert client["GenerateSecret"] is False
    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"} <= set(client["ExplicitAuthFlows"])


def test_security_headers_carry_the_strict_csp(cfn: TemplateView) -> None:
    (policy,) = cfn.of_type("AWS::CloudFront::ResponseHeadersPolicy").values()
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert csp == content_security_policy(cognito_origin(deployment_region()))
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"]


def test_cloudfront_serves_the_page_privately_and_passes_api_through_uncached(cfn: TemplateView) -> None:
    (distribution,) = cfn.of_type("AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    s3_origin, api_origin = config["Origins"]
    assert "OriginAccessControlId" in s3_origin
    assert cfn.target(s3_origin["DomainName"]) == "WebBucket"
    assert api_origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert {"Fn::GetAtt": ["HttpApi", "ApiEndpoint"]} in api_origin["DomainName"]["Fn::Select"][1][
        "Fn::Split"
    ]
    api_behavior, chat_behavior = config["CacheBehaviors"]
    assert api_behavior["PathPattern"] == "/api/*"
    # The widget calls the API on the origin that served widget.js: /chat/* goes to the API the same way.
    assert {k: v for k, v in chat_behavior.items() if k != "PathPattern"} == {
        k: v for k, v in api_behavior.items() if k != "PathPattern"
    }
    assert chat_behavior["PathPattern"] == "/chat/*"
    assert "WebACLId" not in config  # WAF only with -c chatWaf=true (it bills when idle)
    assert api_behavior["TargetOriginId"] == api_origin["Id"]
    assert api_behavior["CachePolicyId"] == CACHING_DISABLED
    assert api_behavior["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert set(api_behavior["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    for behavior in (config["DefaultCacheBehavior"], api_behavior):
        assert behavior["ViewerProtocolPolicy"] in {"https-only", "redirect-to-https"}
        assert cfn.target(behavior["ResponseHeadersPolicyId"]).startswith("WebSecurityHeaders")
    assert "Logging" in config
    web_bucket = cfn.props("WebBucket")
    assert all(web_bucket["PublicAccessBlockConfiguration"].values())


def test_agent_page_config_points_at_cognito_and_the_page_client(cfn: TemplateView) -> None:
    (deployment,) = cfn.of_type("Custom::CDKBucketDeployment").values()
    markers = deployment["Properties"]["SourceMarkers"]
    assert {"Ref": "UserPoolClient"} in [
        part for marker in markers for value in marker.values() for part in value["Fn::Join"][1]
    ]


def test_outputs_tell_the_agency_what_to_do(cfn: TemplateView) -> None:
    outputs = cfn.template["Outputs"]
    required = {
        "ApiUrl",
        "AgentPageUrl",
        "TwilioWebhookUrl",
        "TwilioStatusCallbackUrl",
        "UserPoolId",
        "UserPoolClientId",
        "TwilioSecretArn",
        "InboundDlqUrl",
        "StatusDlqUrl",
        "OutboundDlqUrl",
        "AlarmTopicArn",
    }
    assert required <= set(outputs)
    for name, output in outputs.items():
        assert len(output.get("Description", "")) > 10, name
    assert outputs["TwilioWebhookUrl"]["Value"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": ["HttpApi", "ApiEndpoint"]}, "/twilio/messages"]]
    }
    assert outputs["TwilioStatusCallbackUrl"]["Value"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": ["HttpApi", "ApiEndpoint"]}, "/twilio/status"]]
    }


def test_template_has_no_dependency_cycle(synthesized: Synthesized) -> None:
    Template.from_json(synthesized.template, skip_cyclical_dependencies_check=False)


@pytest.fixture(scope="module")
def custom_domain_template(
    synth_context: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> TemplateView:
    outdir = tmp_path_factory.mktemp("custom-domain")
    build_app({**synth_context, "publicApiUrl": "https://sms.agency.example/"}, outdir=str(outdir)).synth()
    return TemplateView(json.loads((outdir / f"{STACK_NAME}.template.json").read_text(encoding="utf-8")))


def test_public_api_url_context_replaces_the_endpoint_twilio_signs(
    custom_domain_template: TemplateView,
) -> None:
    cfn = custom_domain_template
    functions = cfn.of_type("AWS::Lambda::Function")
    urls = {
        f["Properties"]["Environment"]["Variables"]["PUBLIC_API_URL"]
        for lid, f in functions.items()
        if not lid.startswith("CustomCDKBucketDeployment")
        and "PUBLIC_API_URL" in f["Properties"]["Environment"]["Variables"]  # the functions that read it
    }
    assert urls == {"https://sms.agency.example"}  # no trailing slash: signatures cover URL + route path
    assert "PUBLIC_API_URL" in cfn.props("TwilioWebhookFn")["Environment"]["Variables"]
    assert (
        cfn.template["Outputs"]["TwilioWebhookUrl"]["Value"] == "https://sms.agency.example/twilio/messages"
    )


def test_the_public_sign_up_route_is_throttled_harder_than_the_stage(cfn: TemplateView) -> None:
    [stage] = cfn.of_type("AWS::ApiGatewayV2::Stage").values()
    limits = stage["Properties"]["RouteSettings"]["POST /api/public/signup"]
    assert limits == {"ThrottlingRateLimit": 2, "ThrottlingBurstLimit": 10}
    assert limits["ThrottlingRateLimit"] < stage["Properties"]["DefaultRouteSettings"]["ThrottlingRateLimit"]
