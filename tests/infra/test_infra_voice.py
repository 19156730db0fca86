"""The IVR's function: a Twilio route (signed, no JWT) that may read and write the table, text through the
OutboundQueue, read the Twilio and log-hash secrets and start or stop callback executions, nothing more."""

from infra_template_view import TemplateView


def test_the_voice_function_gets_only_what_the_ivr_does(cfn: TemplateView) -> None:
    actions = cfn.actions_on("VoiceFn")
    services = {action.split(":")[0] for action in actions}
    assert services == {"dynamodb", "secretsmanager", "sqs", "states", "logs", "xray"}
    assert actions["secretsmanager:GetSecretValue"] == {"TwilioCredentials", "LogHashKey"}
    assert {a for a in actions if a.startswith("sqs:")} >= {"sqs:SendMessage"}
    assert all(targets <= {"OutboundQueue"} for a, targets in actions.items() if a.startswith("sqs:"))
    # Booking by voice starts the callback workflow, rescheduling stops the old execution: that machine only
    assert actions["states:StartExecution"] == {"CallbackWorkflow"}
    assert not any(a.startswith(("s3:", "cognito-idp:", "scheduler:")) for a in actions)


def test_the_voice_webhook_is_a_twilio_route_signed_not_jwt(cfn: TemplateView) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"] for r in cfn.of_type("AWS::ApiGatewayV2::Route").values()
    }
    assert routes["POST /twilio/voice"].get("AuthorizationType", "NONE") == "NONE"
