"""The agency number's IVR: VoiceFn answers Twilio's signed voice webhook (POST /twilio/voice) with TwiML.

It reads the caller's thread and consent, texts through the OutboundQueue (continue by text, a booking's
confirmation), books callbacks through the callback workflow (the stack grants that with `allow_booking`),
and counts calls for the reports: the table, the queue and the Twilio secret, nothing else."""

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.api import add_public_route
from infra.lambdas import WEBHOOK_TIMEOUT, FunctionKit, contract_function, grant_table_read_write

TWILIO_VOICE_PATH = "/twilio/voice"


class VoiceConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        http_api: apigwv2.HttpApi,
        table: dynamodb.ITable,
        twilio_secret: secretsmanager.ISecret,
        outbound_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.voice_fn = contract_function(
            self,
            "VoiceFn",
            kit=kit,
            handler="channels.handlers.voice_webhook.handler",
            timeout=WEBHOOK_TIMEOUT,
            service="voice",
            description="POST /twilio/voice: checks Twilio's signature, answers the agency number's IVR with "
            "TwiML (pending status, text, callback, alerts, a person)",
        )
        grant_table_read_write(table, self.voice_fn)
        twilio_secret.grant_read(self.voice_fn)
        outbound_queue.grant_send_messages(self.voice_fn)
        add_public_route(
            http_api,
            TWILIO_VOICE_PATH,
            [apigwv2.HttpMethod.POST],
            HttpLambdaIntegration("VoiceIntegration", self.voice_fn),
            "Twilio cannot present a JWT. The handler validates X-Twilio-Signature over PUBLIC_API_URL + "
            "path + query + every form field; fails closed (403).",
        )
