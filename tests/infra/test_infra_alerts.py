"""Alerts in the template: routes behind the JWT authorizer (the redirect public), least-privilege scheduling,
the pacing parameter, the sender's bounded concurrency, DLQs with alarms."""

import json

from infra_template_view import TemplateView


def route_keys(cfn: TemplateView) -> dict[str, bool]:
    return {
        r["Properties"]["RouteKey"]: "AuthorizerId" in r["Properties"]
        for r in cfn.of_type("AWS::ApiGatewayV2::Route").values()
    }


def test_alert_routes_need_a_jwt_and_the_redirect_does_not(cfn: TemplateView) -> None:
    routes = route_keys(cfn)
    assert routes["ANY /api/alerts"] is True
    assert routes["ANY /api/alerts/{proxy+}"] is True
    assert routes["GET /r/{token}"] is False


def test_scheduling_is_limited_to_the_alerts_group_and_the_plan_queue(cfn: TemplateView) -> None:
    api = cfn.actions_on("AlertsApiFn")
    sender = cfn.actions_on("AlertSenderFn")
    assert "scheduler:CreateSchedule" in api and "scheduler:DeleteSchedule" in api
    assert "scheduler:CreateSchedule" in sender and "scheduler:DeleteSchedule" not in sender
    assert "iam:PassRole" in api and "iam:PassRole" in sender
    for fn in ("AlertPlannerFn", "LinkRedirectFn", "SmsSenderFn"):
        assert not any(action.startswith("scheduler:") for action in cfn.actions_on(fn)), fn
    # The agent API schedules only a feedback survey that waits for quiet hours (issue 18): its own group and
    # role, never the alerts'.
    agent_api = {a: r for a, r in cfn.actions_on("AgentApiFn").items() if a.startswith("scheduler:")}
    assert agent_api == {"scheduler:CreateSchedule": {"FeedbackScheduleGroup", "AWS::AccountId"}}
    assert cfn.actions_on("AgentApiFn")["iam:PassRole"] == {"FeedbackSchedulerRole"}
    # The scheduler's role may only put jobs on AlertPlanQueue.
    role_policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in cfn.of_type("AWS::IAM::Policy").values()
        if any(cfn.target(r) == "AlertSchedulerRole" for r in p["Properties"].get("Roles", []))
    ]
    [statements] = role_policies
    actions = {
        a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert actions <= {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
    assert cfn.props("AlertScheduleGroup")["Name"]


def test_the_redirect_only_reads_links_and_counts_clicks(cfn: TemplateView) -> None:
    services = {a.split(":")[0] for a in cfn.actions_on("LinkRedirectFn")}
    assert services == {"xray", "logs", "dynamodb"}
    assert {a for a in cfn.actions_on("LinkRedirectFn") if a.startswith("dynamodb:")} == {
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
    }


def test_send_rate_is_a_parameter_and_the_sender_concurrency_is_bounded(cfn: TemplateView) -> None:
    parameter = cfn.template["Parameters"]["AlertSendRate"]
    assert parameter["Type"] == "Number" and parameter["MinValue"] == 1
    mappings = [
        m["Properties"]
        for m in cfn.of_type("AWS::Lambda::EventSourceMapping").values()
        if cfn.target(m["Properties"]["FunctionName"]) == "AlertSenderFn"
    ]
    assert mappings[0]["ScalingConfig"]["MaximumConcurrency"] == 5


def test_scheduling_rights_name_the_alerts_group_schedules(cfn: TemplateView) -> None:
    # The resource must be arn:aws:scheduler:<region>:<account>:schedule/<group>/*; an ARN that stops at
    # ":schedule" matches no schedule and send-later alerts would be refused in AWS (moto does not check IAM).
    for fn in ("AlertsApiFn", "AlertSenderFn"):
        resources = [
            statement["Resource"]
            for statement in cfn.statements_of_function(fn)
            if "scheduler:" in json.dumps(statement["Action"])
        ]
        assert resources, fn
        for resource in resources:
            parts = resource["Fn::Join"][1]
            assert parts[-3:] == [":schedule/", {"Ref": "AlertScheduleGroup"}, "/*"], (fn, resource)


def test_email_alerts_may_only_be_sent_from_the_alerts_identity_in_their_configuration_set(
    cfn: TemplateView,
) -> None:
    """Issue 22: ses:SendEmail on the verified sender identity and the configuration set, nothing wider;
    no other function may send email."""
    senders = {fn for fn in cfn.of_type("AWS::Lambda::Function") if "ses:SendEmail" in cfn.actions_on(fn)}
    assert senders == {"AlertSenderFn"}
    assert {a for a in cfn.actions_on("AlertSenderFn") if a.startswith("ses:")} == {"ses:SendEmail"}
    [statement] = [
        s for s in cfn.statements_of_function("AlertSenderFn") if "ses:" in json.dumps(s["Action"])
    ]
    resources = json.dumps(statement["Resource"])
    assert ":identity/" in resources and ":configuration-set/" in resources and '"*"' not in resources
    assert {"AlertEmailSender", "AlertCallRate", "AlertEmailRate"} <= set(cfn.template["Parameters"])
    identity = cfn.props("AlertEmailIdentity")
    assert identity["EmailIdentity"] == {"Ref": "AlertEmailSender"}


def test_ses_events_reach_the_feedback_queue_and_the_public_routes_are_the_expected_ones(
    cfn: TemplateView,
) -> None:
    destinations = cfn.of_type("AWS::SES::ConfigurationSetEventDestination")
    [destination] = [d["Properties"]["EventDestination"] for d in destinations.values()]
    assert set(destination["MatchingEventTypes"]) == {"bounce", "complaint", "delivery"}
    assert "EventBridgeDestination" in destination
    rule = cfn.props("SesEventsRule")
    assert rule["EventPattern"]["source"] == ["aws.ses"]
    assert [cfn.target(t["Arn"]) for t in rule["Targets"]] == ["EmailFeedbackQueue"]
    routes = route_keys(cfn)
    assert routes["GET /u/{token}"] is False and routes["POST /u/{token}"] is False
    assert routes["POST /twilio/alert-calls/{alert_id}"] is False
