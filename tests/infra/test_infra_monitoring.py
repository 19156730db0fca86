"""Alarms that page, one topic they page through, a dashboard, and reserved concurrency for the webhook."""

from typing import Any

import aws_cdk as cdk
import pytest
from infra_template_view import TemplateView
from test_infra_functions import CONTRACT_FUNCTIONS

from infra.concurrency import RESERVED_CONCURRENCY, reserved_concurrency


def alarms(cfn: TemplateView) -> dict[str, dict[str, Any]]:
    return {lid: r["Properties"] for lid, r in cfn.of_type("AWS::CloudWatch::Alarm").items()}


def alarm_topic(cfn: TemplateView) -> str:
    (topic_id,) = cfn.of_type("AWS::SNS::Topic")
    return topic_id


def metric_alarms(cfn: TemplateView, namespace: str, metric: str) -> list[dict[str, Any]]:
    return [
        p for p in alarms(cfn).values() if p.get("Namespace") == namespace and p.get("MetricName") == metric
    ]


def expression_metrics(alarm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["Id"]: m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m}


def test_every_alarm_publishes_to_the_one_encrypted_topic(cfn: TemplateView) -> None:
    topic = alarm_topic(cfn)
    assert cfn.target(cfn.props(topic)["KmsMasterKeyId"]) in cfn.of_type("AWS::KMS::Key")
    found = alarms(cfn)
    assert len(found) >= 3 * len(CONTRACT_FUNCTIONS)
    for logical_id, alarm in found.items():
        assert [cfn.target(action) for action in alarm["AlarmActions"]] == [topic], logical_id
        assert alarm["AlarmDescription"], logical_id


def test_the_agency_subscribes_an_email_with_an_optional_parameter(cfn: TemplateView) -> None:
    parameter = cfn.template["Parameters"]["AlarmEmail"]
    assert parameter["Default"] == ""
    (logical_id, subscription), *_ = cfn.of_type("AWS::SNS::Subscription").items()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert cfn.target(subscription["Properties"]["TopicArn"]) == alarm_topic(cfn)
    condition = cfn.template["Conditions"][subscription["Condition"]]
    assert condition == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}, logical_id


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_each_function_alarms_on_its_first_error_and_throttle(cfn: TemplateView, metric: str) -> None:
    found = metric_alarms(cfn, "AWS/Lambda", metric)
    watched = {cfn.target(a["Dimensions"][0]["Value"]) for a in found}
    assert watched == set(CONTRACT_FUNCTIONS)
    for alarm in found:
        assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
            "Sum",
            0,
            "GreaterThanThreshold",
        )


def test_each_function_alarms_when_its_p99_duration_nears_its_timeout(cfn: TemplateView) -> None:
    found = metric_alarms(cfn, "AWS/Lambda", "Duration")
    by_function = {cfn.target(a["Dimensions"][0]["Value"]): a for a in found}
    assert set(by_function) == set(CONTRACT_FUNCTIONS)
    for function, alarm in by_function.items():
        timeout_ms = cfn.props(function)["Timeout"] * 1000
        assert alarm["ExtendedStatistic"] == "p99"
        assert alarm["Threshold"] == pytest.approx(0.8 * timeout_ms), function


def test_api_4xx_rate_and_5xx_count_alarm(cfn: TemplateView) -> None:
    (server,) = metric_alarms(cfn, "AWS/ApiGateway", "5xx")
    assert cfn.target(server["Dimensions"][0]["Value"]) == "HttpApi"
    (client,) = [a for a in alarms(cfn).values() if "4xx" in str(a.get("Metrics"))]
    used = expression_metrics(client)
    assert {m["MetricName"] for m in used.values()} == {"4xx", "Count"}
    assert all(cfn.target(m["Dimensions"][0]["Value"]) == "HttpApi" for m in used.values())


def test_a_single_rejected_twilio_webhook_alarms(cfn: TemplateView) -> None:
    # The metric accept_twilio_post publishes, under the namespace and service the webhooks run with
    (alarm,) = metric_alarms(cfn, "Switchboard", "TwilioWebhookRejected")
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "channels"}]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Sum",
        0,
        "GreaterThanThreshold",
    )
    webhook = cfn.props("TwilioWebhookFn")["Environment"]["Variables"]
    assert (webhook["POWERTOOLS_METRICS_NAMESPACE"], webhook["POWERTOOLS_SERVICE_NAME"]) == (
        "Switchboard",
        "channels",
    )


def test_alert_texts_refused_by_twilio_alarm_as_a_share_of_attempts(cfn: TemplateView) -> None:
    (alarm,) = [a for a in alarms(cfn).values() if "AlertDeliveryRejected" in str(a.get("Metrics"))]
    used = {m["MetricName"]: m for m in expression_metrics(alarm).values()}
    assert set(used) == {"AlertDeliverySent", "AlertDeliveryRejected"}
    assert all(m["Namespace"] == "Switchboard" for m in used.values())


def test_every_dead_letter_queue_alarms_on_depth_and_on_age(cfn: TemplateView) -> None:
    dlqs = {lid for lid in cfn.of_type("AWS::SQS::Queue") if lid.endswith("Dlq")}
    depth = metric_alarms(cfn, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    age = metric_alarms(cfn, "AWS/SQS", "ApproximateAgeOfOldestMessage")

    def watched(found: list[dict[str, Any]]) -> set[str]:
        return {cfn.target(a["Dimensions"][0]["Value"]) for a in found}

    assert watched(depth) == dlqs
    assert {dlq for dlq in dlqs if dlq not in {"NoticeScheduleDlq", "FeedbackScheduleDlq"}} <= watched(age)
    assert {"InboundQueue", "StatusQueue", "OutboundQueue"} <= watched(age)


def test_the_dashboard_shows_every_function_and_the_alarms(cfn: TemplateView) -> None:
    (dashboard,) = cfn.of_type("AWS::CloudWatch::Dashboard").values()
    body = str(dashboard["Properties"]["DashboardBody"])
    for function in CONTRACT_FUNCTIONS:
        assert function in body, function
    assert "TwilioWebhookRejected" in body and '"alarm"' in body


def test_the_webhook_reserves_concurrency_and_public_routes_are_capped(cfn: TemplateView) -> None:
    reserved = {
        lid: props["ReservedConcurrentExecutions"]
        for lid, props in ((lid, cfn.props(lid)) for lid in CONTRACT_FUNCTIONS)
        if "ReservedConcurrentExecutions" in props
    }
    assert reserved == {"TwilioWebhookFn": 50, "WebChatFn": 25, "SignupFn": 5, "LinkRedirectFn": 20}
    # The account must keep 100 unreserved: with the default quota of 1,000 this leaves 900.
    assert sum(reserved.values()) <= 100


def test_reservations_come_from_context_and_zero_means_none() -> None:
    app = cdk.App(context={"twilioWebhookConcurrency": "80", "signupConcurrency": 0})
    stack = cdk.Stack(app, "Throwaway")
    assert reserved_concurrency(stack, "twilioWebhookConcurrency") == 80
    assert reserved_concurrency(stack, "signupConcurrency") is None
    assert reserved_concurrency(stack, "webChatConcurrency") == RESERVED_CONCURRENCY["webChatConcurrency"]
    bad = cdk.Stack(cdk.App(context={"linkRedirectConcurrency": -1}), "Bad")
    with pytest.raises(ValueError, match="linkRedirectConcurrency"):
        reserved_concurrency(bad, "linkRedirectConcurrency")
