"""Channels: Twilio's webhooks. Check the signature, enqueue, answer fast (Twilio gives a webhook 15 s)."""

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.api import add_public_route
from infra.concurrency import reserved_concurrency
from infra.lambdas import WEBHOOK_TIMEOUT, FunctionKit, contract_function, execution_role
from infra.nag import acknowledge

TWILIO_MESSAGES_PATH = "/twilio/messages"
TWILIO_STATUS_PATH = "/twilio/status"
OVERSIZE_OBJECTS = "oversize/*"  # channels.logic.accept_twilio_post.OVERSIZE_PREFIX

_OVERSIZE_GRANT = {
    "AwsSolutions-IAM5[Action::s3:Abort*]": "grant_put includes s3:AbortMultipartUpload; limited to the "
    "oversize/ prefix of the media bucket.",
    "AwsSolutions-IAM5[Resource::<MediaBucket.Arn>/oversize/*]": "An oversize post's key is its MessageSid, "
    "known only at run time; the grant is limited to the oversize/ prefix.",
}
_WHY_PUBLIC = (
    "Twilio cannot present a JWT or IAM signature. The handler validates "
    "X-Twilio-Signature (HMAC-SHA1 with the account's auth token over PUBLIC_API_URL + path + every form "
    "field) and fails closed (403)."
)


class ChannelsConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        http_api: apigwv2.HttpApi,
        inbound_queue: sqs.IQueue,
        status_queue: sqs.IQueue,
        twilio_secret: secretsmanager.ISecret,
        media_bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.twilio_webhook_fn = contract_function(
            self,
            "TwilioWebhookFn",
            kit=kit,
            handler="channels.handlers.twilio_webhook.handler",
            timeout=WEBHOOK_TIMEOUT,
            service="channels",
            description="POST /twilio/messages: checks Twilio's signature, enqueues the message, answers "
            "TwiML",
            # Reserved: residents' texts always find room, whatever the public routes are doing.
            reserved_concurrency=reserved_concurrency(self, "twilioWebhookConcurrency"),
        )
        inbound_queue.grant_send_messages(self.twilio_webhook_fn)
        twilio_secret.grant_read(self.twilio_webhook_fn)
        # Fields too long for a queue message are kept whole under their own prefix (and only there).
        media_bucket.grant_put(self.twilio_webhook_fn, OVERSIZE_OBJECTS)
        acknowledge(execution_role(self.twilio_webhook_fn), _OVERSIZE_GRANT)

        self.twilio_status_fn = contract_function(
            self,
            "TwilioStatusFn",
            kit=kit,
            handler="channels.handlers.twilio_status.handler",
            timeout=WEBHOOK_TIMEOUT,
            service="channels",
            description="POST /twilio/status: checks Twilio's signature, enqueues the delivery status",
        )
        status_queue.grant_send_messages(self.twilio_status_fn)
        twilio_secret.grant_read(self.twilio_status_fn)
        media_bucket.grant_put(self.twilio_status_fn, OVERSIZE_OBJECTS)
        acknowledge(execution_role(self.twilio_status_fn), _OVERSIZE_GRANT)

        for path, function, integration_id in (
            (TWILIO_MESSAGES_PATH, self.twilio_webhook_fn, "TwilioWebhookIntegration"),
            (TWILIO_STATUS_PATH, self.twilio_status_fn, "TwilioStatusIntegration"),
        ):
            add_public_route(
                http_api,
                path,
                [apigwv2.HttpMethod.POST],
                HttpLambdaIntegration(integration_id, function),
                _WHY_PUBLIC,
            )
