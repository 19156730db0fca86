"""Recurring notices in CDK: a schedule group, a least-privilege scheduler role, the target function, the
management function's narrow scheduler rights, and an alarmed dead-letter queue."""

from typing import Any

from infra_template_view import TemplateView


def role_statements(cfn: TemplateView, role_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in cfn.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_notices_have_their_own_schedule_group(cfn: TemplateView) -> None:
    group = cfn.props("NoticeScheduleGroup")
    assert group["Name"].endswith("-notices")
    assert cfn.resources["NoticeScheduleGroup"]["Type"] == "AWS::Scheduler::ScheduleGroup"


def test_the_scheduler_role_may_only_invoke_the_target_and_dead_letter(cfn: TemplateView) -> None:
    trust = cfn.props("NoticeSchedulerRole")["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "scheduler.amazonaws.com"}]
    assert trust[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    granted: dict[str, set[str]] = {}
    for statement in role_statements(cfn, "NoticeSchedulerRole"):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            granted.setdefault(action, set()).update(cfn.referenced_ids(statement["Resource"]))
    assert granted["lambda:InvokeFunction"] == {"NoticeFireFn"}
    assert {a for a in granted if a.startswith("sqs:")} == {
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }
    assert granted["sqs:SendMessage"] == {"NoticeScheduleDlq"}
    assert {a.split(":")[0] for a in granted} == {"lambda", "sqs"}


def test_the_management_function_touches_only_notice_schedules_and_passes_only_their_role(
    cfn: TemplateView,
) -> None:
    actions = cfn.actions_on("NoticesFn")
    scheduler = {a for a in actions if a.startswith("scheduler:")}
    assert scheduler == {
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
    }
    for action in scheduler:
        # arn:aws:scheduler:<region>:<account>:schedule/<group>/*
        assert actions[action] - {"AWS::AccountId"} == {"NoticeScheduleGroup"}, action
    assert actions["iam:PassRole"] == {"NoticeSchedulerRole"}
    assert not any(a.startswith(("sqs:", "lambda:")) for a in actions)
    variables = cfn.props("NoticesFn")["Environment"]["Variables"]
    assert variables["NOTICE_SCHEDULE_GROUP"] == {"Ref": "NoticeScheduleGroup"}
    assert variables["NOTICE_FIRE_FUNCTION_ARN"] == {"Fn::GetAtt": ["NoticeFireFn", "Arn"]}
    assert variables["NOTICE_SCHEDULER_ROLE_ARN"] == {"Fn::GetAtt": ["NoticeSchedulerRole", "Arn"]}
    assert variables["NOTICE_DLQ_ARN"] == {"Fn::GetAtt": ["NoticeScheduleDlq", "Arn"]}


def test_a_fired_notice_goes_out_through_the_alerts_plan_queue_only(cfn: TemplateView) -> None:
    actions = cfn.actions_on("NoticeFireFn")
    # NoticeScheduleDlq: Lambda's own send of an occurrence that failed its asynchronous retries
    assert actions["sqs:SendMessage"] == {"AlertPlanQueue", "NoticeScheduleDlq"}
    assert not any(a.startswith(("scheduler:", "iam:", "secretsmanager:")) for a in actions)


def test_undelivered_occurrences_raise_an_alarm(cfn: TemplateView) -> None:
    dlq = cfn.props("NoticeScheduleDlq")
    assert dlq["SqsManagedSseEnabled"] is True
    alarms = [
        a["Properties"]
        for a in cfn.of_type("AWS::CloudWatch::Alarm").values()
        if any(
            d.get("Value") == {"Fn::GetAtt": ["NoticeScheduleDlq", "QueueName"]}
            for d in a["Properties"].get("Dimensions", [])
        )
    ]
    assert len(alarms) == 1 and alarms[0]["Threshold"] == 0
    assert alarms[0]["AlarmActions"] == [{"Ref": "OpsAlarmTopic"}] or alarms[0]["AlarmActions"]


def test_notice_routes_need_the_cognito_jwt(cfn: TemplateView) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"] for r in cfn.of_type("AWS::ApiGatewayV2::Route").values()
    }
    for key in ("ANY /api/notices", "ANY /api/notices/{proxy+}"):
        assert routes[key]["AuthorizationType"] == "JWT", key
