"""The contract functions: handler strings, runtime, environment, logs, tracing, and least privilege."""

from typing import Any

from infra_template_view import TemplateView

from infra.app import REPO_ROOT

# docs/architecture.md: construct id -> (handler, timeout seconds)
CONTRACT_FUNCTIONS = {
    "TwilioWebhookFn": ("channels.handlers.twilio_webhook.handler", 10),
    "TwilioStatusFn": ("channels.handlers.twilio_status.handler", 10),
    "InboundConsumerFn": ("app.handlers.inbound_consumer.handler", 30),
    "StatusConsumerFn": ("app.handlers.status_consumer.handler", 30),
    "AgentApiFn": ("app.handlers.agent_api.handler", 15),
    "SmsSenderFn": ("outbound.handlers.sms_sender.handler", 30),
    "StaffAdminFn": ("staff.handlers.staff_admin.handler", 15),
    "SignupFn": ("app.handlers.signup_api.handler", 15),
    "CallbackStepsFn": ("callbacks.handlers.workflow_steps.handler", 30),
    "ReminderStepsFn": ("reminders.handlers.workflow_step.handler", 30),
    "WebChatFn": ("app.handlers.chat_api.handler", 15),
    "AlertsApiFn": ("app.handlers.alerts_api.handler", 29),
    "AlertPlannerFn": ("alerts.handlers.alert_planner.handler", 300),
    "AlertSenderFn": ("alerts.handlers.alert_sender.handler", 60),
    "LinkRedirectFn": ("alerts.handlers.link_redirect.handler", 5),
    "CallsFn": ("calls.handlers.call_routes.handler", 15),
    "CallStatusFn": ("channels.handlers.call_status.handler", 10),
    "VoiceFn": ("channels.handlers.voice_webhook.handler", 10),
    "NoticesFn": ("app.handlers.notice_routes.handler", 15),
    "NoticeFireFn": ("app.handlers.fire_notice.handler", 30),
    "TriageRescoreFn": ("triage.handlers.rescore.handler", 300),
    "Open311Fn": ("servicerequests.handlers.open311_api.handler", 15),
    "FeedbackSurveyFn": ("app.handlers.feedback_survey.handler", 30),
    "CityForwardFn": ("servicerequests.handlers.city_forward.handler", 120),
    "CityPollFn": ("servicerequests.handlers.city_poll.handler", 300),
    # Issue 22: alerts by voice call and email.
    "UnsubscribeFn": ("alerts.handlers.unsubscribe.handler", 10),
    "AlertCallFn": ("channels.handlers.alert_call.handler", 5),
    "EmailFeedbackFn": ("alerts.handlers.email_feedback.handler", 30),
}
CONTRACT_ENVIRONMENT = {
    "TABLE_NAME",
    "USER_POOL_ID",
    "INBOUND_QUEUE_URL",
    "STATUS_QUEUE_URL",
    "OUTBOUND_QUEUE_URL",
    "MEDIA_BUCKET",
    "TWILIO_SECRET_ARN",
    "PUBLIC_API_URL",
    "TWILIO_FROM_NUMBER",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_API_BASE_URL",
    "AGENCY_NAME",
    "AGENCY_TIME_ZONE",
    "SUPERVISOR_SCOPE",
    "ALERT_PLAN_QUEUE_URL",
    "ALERT_PLAN_QUEUE_ARN",
    "ALERT_SEND_QUEUE_URL",
    "ALERT_SCHEDULE_GROUP",
    "ALERT_SCHEDULER_ROLE_ARN",
    "ALERT_SEND_RATE",
    "PUBLIC_TEXTS_PER_DAY",
    "TEXT_COUNTRY_CODES",
    "TRIAGE_RESCORE_QUEUE_URL",
    "CITY_FORWARD_QUEUE_URL",
    "ALERT_EMAIL_SENDER",
    "ALERT_EMAIL_CONFIGURATION_SET",
    "ALERT_CALL_RATE",
    "ALERT_EMAIL_RATE",
    "WEBCHAT_TOKEN_SECRET_ARN",
    "CHAT_ALLOWED_ORIGINS",
    "CHAT_BUSINESS_HOURS",
    "CHAT_TIMEZONE",
    "LOG_HASH_SECRET_ARN",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_TRACE_DISABLED",
    "LOG_LEVEL",
}


def contract_functions(cfn: TemplateView) -> dict[str, dict[str, Any]]:
    """Our functions, without CDK's BucketDeployment handler (a deploy-time custom resource)."""
    return {
        lid: f["Properties"]
        for lid, f in cfn.of_type("AWS::Lambda::Function").items()
        if not lid.startswith("CustomCDKBucketDeployment")
    }


def test_exactly_the_contract_functions_with_their_handlers_and_timeouts(cfn: TemplateView) -> None:
    functions = contract_functions(cfn)
    assert {lid: (p["Handler"], p["Timeout"]) for lid, p in functions.items()} == CONTRACT_FUNCTIONS


def test_functions_run_python312_on_arm64_traced_with_both_layers(cfn: TemplateView) -> None:
    for logical_id, props in contract_functions(cfn).items():
        assert props["Runtime"] == "python3.12", logical_id
        assert props["Architectures"] == ["arm64"], logical_id
        assert props["TracingConfig"] == {"Mode": "Active"}, logical_id
        assert {cfn.target(layer) for layer in props["Layers"]} == {"SharedLayer", "DepsLayer"}, logical_id
    for layer in ("SharedLayer", "DepsLayer"):
        assert cfn.props(layer)["CompatibleRuntimes"] == ["python3.12"]
        assert cfn.props(layer)["CompatibleArchitectures"] == ["arm64"]


def test_functions_carry_exactly_the_contract_environment_their_code_reads(cfn: TemplateView) -> None:
    """Each function gets the contract variables its code reads (infra.function_environment), the libraries'
    own, and no other: a parameter change updates only the functions that read it."""
    from infra.function_environment import variables_read

    library = {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_TRACE_DISABLED",
        "LOG_LEVEL",
    }
    extra = {  # set by a construct on the one function that uses it, beyond the contract environment
        "InboundConsumerFn": {"CALLBACK_STATE_MACHINE_ARN", "CALLBACK_HOURS"},
        "VoiceFn": {"CALLBACK_STATE_MACHINE_ARN", "CALLBACK_HOURS"},  # books callbacks by voice
        "NoticesFn": {
            "NOTICE_SCHEDULE_GROUP",
            "NOTICE_FIRE_FUNCTION_ARN",
            "NOTICE_SCHEDULER_ROLE_ARN",
            "NOTICE_DLQ_ARN",
        },
        # The agent API plans uploaded reminder records and schedules a feedback survey that waits for quiet
        # hours to end (issue 18).
        "AgentApiFn": {
            "REMINDER_STATE_MACHINE_ARN",
            "FEEDBACK_SCHEDULE_GROUP",
            "FEEDBACK_SURVEY_FUNCTION_ARN",
            "FEEDBACK_SCHEDULER_ROLE_ARN",
            "FEEDBACK_SCHEDULE_DLQ_ARN",
        },
        # The key of the signed links to requests' photos: Open311Fn signs and checks, CityForwardFn signs.
        "Open311Fn": {"MEDIA_LINK_SECRET_ARN"},
        "CityForwardFn": {"MEDIA_LINK_SECRET_ARN"},
    }
    seen: set[str] = set()
    for logical_id, props in contract_functions(cfn).items():
        variables = props["Environment"]["Variables"]
        reads = variables_read(props["Handler"]) & (CONTRACT_ENVIRONMENT - library)
        assert set(variables) == reads | library | extra.get(logical_id, set()), logical_id
        seen |= set(variables)
        expected = {
            "POWERTOOLS_METRICS_NAMESPACE": "Switchboard",
            "TWILIO_API_BASE_URL": "",  # only the local stack points the SDK elsewhere
            "TABLE_NAME": {"Ref": "Table"},
            "USER_POOL_ID": {"Ref": "UserPool"},
            "SUPERVISOR_SCOPE": "all",  # supervisors see every department unless configured
            "INBOUND_QUEUE_URL": {"Ref": "InboundQueue"},
            "STATUS_QUEUE_URL": {"Ref": "StatusQueue"},
            "OUTBOUND_QUEUE_URL": {"Ref": "OutboundQueue"},
            "MEDIA_BUCKET": {"Ref": "MediaBucket"},
            "TWILIO_SECRET_ARN": {"Ref": "TwilioCredentials"},
            "PUBLIC_API_URL": {"Fn::GetAtt": ["HttpApi", "ApiEndpoint"]},
            "TWILIO_FROM_NUMBER": {"Ref": "TwilioFromNumber"},
            "TWILIO_MESSAGING_SERVICE_SID": {"Ref": "TwilioMessagingServiceSid"},
            "AGENCY_NAME": {"Ref": "AgencyName"},
            "WEBCHAT_TOKEN_SECRET_ARN": {"Ref": "WebChatTokenKey"},
            "CHAT_ALLOWED_ORIGINS": {"Ref": "ChatAllowedOrigins"},
            "CHAT_BUSINESS_HOURS": {"Ref": "ChatBusinessHours"},
            "CHAT_TIMEZONE": {"Ref": "ChatTimezone"},
        }
        for name, value in expected.items():
            if name in variables:
                assert variables[name] == value, (logical_id, name)
    assert CONTRACT_ENVIRONMENT <= seen  # every contract variable is read by some function
    # The webhook is not handed the table, the Twilio API base or alert settings it never reads.
    webhook = contract_functions(cfn)["TwilioWebhookFn"]["Environment"]["Variables"]
    assert {"TABLE_NAME", "TWILIO_API_BASE_URL", "ALERT_SEND_RATE", "AGENCY_NAME"}.isdisjoint(webhook)
    sizes = [len(p["Environment"]["Variables"]) for p in contract_functions(cfn).values()]
    assert max(sizes) < len(CONTRACT_ENVIRONMENT)


def test_every_function_logs_to_its_own_group_with_a_retention(cfn: TemplateView) -> None:
    groups = [cfn.target(p["LoggingConfig"]["LogGroup"]) for p in contract_functions(cfn).values()]
    assert len(set(groups)) == len(groups)
    for group in groups:
        assert cfn.props(group)["RetentionInDays"] == 365
    for logical_id, group in cfn.of_type("AWS::Logs::LogGroup").items():
        assert "RetentionInDays" in group["Properties"], f"{logical_id} keeps logs forever"


def test_nothing_bills_by_the_hour_when_idle(cfn: TemplateView) -> None:
    types = {r["Type"] for r in cfn.resources.values()}
    assert not {t for t in types if t.startswith("AWS::EC2::")}, "no VPC, NAT gateway or instances"
    assert not types & {"AWS::Lambda::Alias", "AWS::Lambda::Version"}, "no provisioned concurrency"
    # Reserved concurrency (the webhook and the public routes, test_infra_monitoring) costs nothing.
    for logical_id, props in contract_functions(cfn).items():
        assert "ProvisionedConcurrencyConfig" not in str(props), logical_id
        assert "VpcConfig" not in props, logical_id


def test_function_code_and_layers_point_at_their_source_folders(cfn: TemplateView) -> None:
    """The local stack imports handlers from `aws:asset:path` (synth without asset staging)."""
    for logical_id in CONTRACT_FUNCTIONS:
        assert cfn.resources[logical_id]["Metadata"]["aws:asset:path"] == str(REPO_ROOT / "functions")
    assert cfn.resources["SharedLayer"]["Metadata"]["aws:asset:path"] == str(REPO_ROOT / "layers" / "shared")
    assert (
        cfn.resources["DepsLayer"]["Metadata"]["aws:asset:path"].endswith("deps")
        or "deps-layer" in (cfn.resources["DepsLayer"]["Metadata"]["aws:asset:path"])
    )


def test_no_function_is_granted_a_wildcard_action(cfn: TemplateView) -> None:
    for logical_id in CONTRACT_FUNCTIONS:
        for action in cfn.actions_on(logical_id):
            assert action != "*" and not action.endswith(":*"), (logical_id, action)


def test_each_function_may_send_only_to_the_queue_it_feeds(cfn: TemplateView) -> None:
    sends = {fn: cfn.actions_on(fn).get("sqs:SendMessage", set()) for fn in CONTRACT_FUNCTIONS}
    assert sends == {
        "TwilioWebhookFn": {"InboundQueue"},
        "TwilioStatusFn": {"StatusQueue"},
        # answers to STOP, HELP, JOIN go out through the sender; a request made by text goes to the city
        "InboundConsumerFn": {"OutboundQueue", "CityForwardQueue"},
        "StatusConsumerFn": set(),
        # a triage rules save starts the re-score; a request staff make from a thread goes to the city
        "AgentApiFn": {"OutboundQueue", "TriageRescoreQueue", "CityForwardQueue"},
        "SignupFn": {"OutboundQueue"},  # the sign-up's YES-to-confirm text
        "SmsSenderFn": set(),
        "StaffAdminFn": set(),
        "CallbackStepsFn": {"OutboundQueue"},  # the reminder and the no-answer text
        "ReminderStepsFn": {"OutboundQueue"},  # a reminder before a deadline
        "WebChatFn": {"InboundQueue"},  # a web chat message enters where a text does
        "AlertsApiFn": {"AlertPlanQueue"},  # send now: the plan job
        # one message per (alert, resident); a large audience's shard jobs go back on its own queue
        "AlertPlannerFn": {"AlertSendQueue", "AlertPlanQueue"},
        "AlertSenderFn": set(),
        "LinkRedirectFn": set(),
        "CallsFn": set(),
        "CallStatusFn": set(),
        "VoiceFn": {"OutboundQueue"},  # the IVR's continue-by-text and a voice booking's confirmation
        "NoticesFn": set(),
        # a notice occurrence starts an alert like "send now"; Lambda dead-letters one that keeps failing
        "NoticeFireFn": {"AlertPlanQueue", "NoticeScheduleDlq"},
        "TriageRescoreFn": {"TriageRescoreQueue"},  # the rest of its walk over the open threads
        "Open311Fn": set(),
        # a survey at the end of quiet hours; Lambda dead-letters one that keeps failing
        "FeedbackSurveyFn": {"OutboundQueue", "FeedbackScheduleDlq"},
        "CityForwardFn": set(),  # it only delays its own failed job (ChangeMessageVisibility)
        "CityPollFn": {"OutboundQueue"},  # a status change texted to the resident
        "UnsubscribeFn": set(),
        "AlertCallFn": set(),
        "EmailFeedbackFn": set(),
    }


def test_webhooks_touch_no_table_and_only_the_oversize_prefix(cfn: TemplateView) -> None:
    for webhook in ("TwilioWebhookFn", "TwilioStatusFn"):
        actions = cfn.actions_on(webhook)
        services = {action.split(":")[0] for action in actions}
        assert services == {"xray", "logs", "sqs", "secretsmanager", "s3"}, webhook
        # S3: only writing an oversize post's whole form under oversize/ (docs/architecture.md, "Size caps")
        assert {a for a in actions if a.startswith("s3:")} == {
            "s3:PutObject",
            "s3:PutObjectLegalHold",
            "s3:PutObjectRetention",
            "s3:PutObjectTagging",
            "s3:PutObjectVersionTagging",
            "s3:Abort*",
        }
        role = "ChannelsTwilioWebhookFnRole" if webhook == "TwilioWebhookFn" else "ChannelsTwilioStatusFnRole"
        resources = [
            resource
            for logical_id, policy in cfn.of_type("AWS::IAM::Policy").items()
            if logical_id.startswith(role)
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            if any(str(a).startswith("s3:") for a in statement["Action"])
            for resource in (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
        ]
        assert resources == [{"Fn::Join": ["", [{"Fn::GetAtt": ["MediaBucket", "Arn"]}, "/oversize/*"]]}]


def test_secret_and_media_access_follow_the_diagram(cfn: TemplateView) -> None:
    readers = {fn for fn in CONTRACT_FUNCTIONS if "secretsmanager:GetSecretValue" in cfn.actions_on(fn)}
    # webhooks check signatures, the consumer fetches MMS media from Twilio, the sender calls Twilio; the web
    # chat reads its token key (test_infra_webchat: and it alone); alerts go out through Twilio; click-to-call
    # places calls and checks the call progress callbacks' signatures
    assert readers == {
        "TwilioWebhookFn",
        "TwilioStatusFn",
        "InboundConsumerFn",
        "SmsSenderFn",
        "WebChatFn",
        "AlertSenderFn",  # alerts go out through Twilio too
        "CallsFn",
        "CallStatusFn",
        "VoiceFn",  # the IVR checks Twilio's signature on every turn of a call
        # the log-hash key, to the functions that hash (test_infra_log_hash: exactly those)
        "StatusConsumerFn",
        "AgentApiFn",
        "ReminderStepsFn",
        "SignupFn",
        "FeedbackSurveyFn",
        "CityPollFn",  # tells a resident their request's new status: those texts log a hashed number
        # the media-link key: the photos' signed links (Open311 media_url)
        "Open311Fn",
        "CityForwardFn",
        "AlertCallFn",  # checks the Twilio signature of a voice alert's repeat key
        "UnsubscribeFn",  # an email opt-out logs the resident hashed
        "EmailFeedbackFn",
    }
    writers = {fn for fn in CONTRACT_FUNCTIONS if "s3:PutObject" in cfn.actions_on(fn)}
    # The web chat writes only its uploads/ and webchat/ prefixes (test_infra_webchat)
    # The webhooks write only oversize posts under oversize/ (test_webhooks_touch_no_table_...)
    assert writers == {"InboundConsumerFn", "WebChatFn", "TwilioWebhookFn", "TwilioStatusFn"}
    media_readers = {fn for fn in CONTRACT_FUNCTIONS if "s3:GetObject*" in cfn.actions_on(fn)}
    # The consumer reads checked web chat photos; the web chat its prefixes and a resident's own photos
    assert media_readers == {"AgentApiFn", "InboundConsumerFn", "WebChatFn"}
    # Open311 serves requests' re-encoded photos behind its signed links: GetObject only
    assert {a for a in cfn.actions_on("Open311Fn") if a.startswith("s3:")} == {"s3:GetObject"}


def test_only_the_staff_admin_function_may_manage_staff_and_only_in_the_agency_pool(
    cfn: TemplateView,
) -> None:
    cognito = {
        fn: {a: r for a, r in cfn.actions_on(fn).items() if a.startswith("cognito-idp:")}
        for fn in CONTRACT_FUNCTIONS
    }
    assert {fn for fn, actions in cognito.items() if actions} == {"StaffAdminFn"}
    assert set(cognito["StaffAdminFn"]) >= {"cognito-idp:AdminCreateUser", "cognito-idp:AdminDisableUser"}
    assert "cognito-idp:AdminDeleteUser" not in cognito["StaffAdminFn"]
    assert all(resources == {"UserPool"} for resources in cognito["StaffAdminFn"].values())


def test_the_agency_name_is_a_parameter_residents_see_in_keyword_replies(cfn: TemplateView) -> None:
    parameter = cfn.template["Parameters"]["AgencyName"]
    assert parameter["Type"] == "String" and parameter["MaxLength"] == 40 and parameter["MinLength"] == 1
    assert parameter["Default"] == "Switchboard"
