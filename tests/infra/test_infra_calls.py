"""Click-to-call: who may place calls and read call progress, and nothing more."""

from infra_template_view import TemplateView


def test_only_the_calls_functions_read_and_write_what_calls_need(cfn: TemplateView) -> None:
    for function in ("CallsFn", "CallStatusFn"):
        services = {action.split(":")[0] for action in cfn.actions_on(function)}
        # The table, the Twilio secret, logs and tracing: no queues, buckets, Cognito or Step Functions.
        assert services == {"dynamodb", "secretsmanager", "logs", "xray"}, function
        secret = cfn.actions_on(function)["secretsmanager:GetSecretValue"]
        # CallStatusFn logs through the webhook path, which names the caller by a keyed digest
        log_hash = {"LogHashKey"} if function == "CallStatusFn" else set()
        assert secret == {"TwilioCredentials"} | log_hash, function


def test_the_call_status_callback_is_a_twilio_route_signed_not_jwt(cfn: TemplateView) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"] for r in cfn.of_type("AWS::ApiGatewayV2::Route").values()
    }
    assert routes["POST /twilio/calls/status"].get("AuthorizationType", "NONE") == "NONE"
    assert routes["ANY /api/calls/{proxy+}"]["AuthorizationType"] == "JWT"
