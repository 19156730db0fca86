"""Inbox: residents, threads and messages. Stores what arrives, applies statuses, serves the agent API."""

from aws_cdk import Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.lambdas import (
    AGENT_API_TIMEOUT,
    CONSUMER_TIMEOUT,
    FunctionKit,
    contract_function,
    execution_role,
    grant_table_read_write,
)
from infra.nag import acknowledge
from infra.queues import queue_trigger

AGENT_API_PATH = "/api/{proxy+}"


class InboxConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        http_api: apigwv2.HttpApi,
        authorizer: apigwv2.IHttpRouteAuthorizer,
        table: dynamodb.ITable,
        media_bucket: s3.IBucket,
        twilio_secret: secretsmanager.ISecret,
        inbound_queue: sqs.IQueue,
        status_queue: sqs.IQueue,
        outbound_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.inbound_consumer_fn = contract_function(
            self,
            "InboundConsumerFn",
            kit=kit,
            handler="app.handlers.inbound_consumer.handler",
            timeout=CONSUMER_TIMEOUT,
            memory_size=512,  # downloads MMS media and re-encodes images (~270 MB for a 25 MP HEIC)
            service="inbox",
            description="InboundQueue consumer: stores resident, thread, message and MMS media "
            "(idempotent by SID)",
        )
        self.inbound_consumer_fn.add_event_source(queue_trigger(inbound_queue))
        grant_table_read_write(table, self.inbound_consumer_fn)
        media_bucket.grant_put(self.inbound_consumer_fn)
        twilio_secret.grant_read(self.inbound_consumer_fn)  # Twilio media URLs need the account's credentials
        outbound_queue.grant_send_messages(self.inbound_consumer_fn)  # answers to STOP, HELP, JOIN
        if str(Stack.of(self).node.try_get_context("triageSecondOpinion") or "off") == "comprehend":
            self._ask_comprehend(self.inbound_consumer_fn)
        acknowledge(
            execution_role(self.inbound_consumer_fn),
            {
                "AwsSolutions-IAM5[Action::s3:Abort*]": "grant_put includes s3:AbortMultipartUpload so a "
                "failed large MMS upload can be cleaned up; limited to the media bucket's objects.",
                "AwsSolutions-IAM5[Resource::<MediaBucket.Arn>/*]": "Media object keys are generated per "
                "message at run time; the grant is limited to the media bucket's objects.",
            },
        )

        self.status_consumer_fn = contract_function(
            self,
            "StatusConsumerFn",
            kit=kit,
            handler="app.handlers.status_consumer.handler",
            timeout=CONSUMER_TIMEOUT,
            service="inbox",
            description="StatusQueue consumer: moves a message's delivery status forward only",
        )
        self.status_consumer_fn.add_event_source(queue_trigger(status_queue))
        grant_table_read_write(table, self.status_consumer_fn)

        self.agent_api_fn = contract_function(
            self,
            "AgentApiFn",
            kit=kit,
            handler="app.handlers.agent_api.handler",
            timeout=AGENT_API_TIMEOUT,
            service="inbox",
            description="ANY /api/{proxy+} (Cognito JWT): threads, messages, media, replies",
        )
        grant_table_read_write(table, self.agent_api_fn)
        outbound_queue.grant_send_messages(self.agent_api_fn)
        media_bucket.grant_read(self.agent_api_fn)
        acknowledge(
            execution_role(self.agent_api_fn),
            {
                "AwsSolutions-IAM5[Action::s3:GetObject*]": "grant_read: the API streams media objects (and "
                "their versions) to agents; limited to the media bucket.",
                "AwsSolutions-IAM5[Action::s3:GetBucket*]": "grant_read: bucket metadata of the media bucket "
                "only.",
                "AwsSolutions-IAM5[Action::s3:List*]": "grant_read: listing the media bucket lets a missing "
                "object answer 404 instead of 403; media bucket only.",
                "AwsSolutions-IAM5[Resource::<MediaBucket.Arn>/*]": "Media keys are per message; read access "
                "is limited to the media bucket's objects.",
            },
        )
        http_api.add_routes(
            path=AGENT_API_PATH,
            methods=[apigwv2.HttpMethod.ANY],
            integration=HttpLambdaIntegration("AgentApiIntegration", self.agent_api_fn),
            authorizer=authorizer,
        )

    @staticmethod
    def _ask_comprehend(function: lambda_.Function) -> None:
        """Triage's second stage on (CDK context triageSecondOpinion=comprehend): the inbound consumer may
        ask Amazon Comprehend for a text's sentiment, and only that; off, it has no Comprehend permission."""
        function.add_environment("TRIAGE_SECOND_OPINION", "comprehend")
        statement = iam.PolicyStatement(actions=["comprehend:DetectSentiment"], resources=["*"])
        function.add_to_role_policy(statement)
        acknowledge(
            execution_role(function),
            {
                "AwsSolutions-IAM5[Resource::*]": "comprehend:DetectSentiment acts on the text in the "
                "request, not on a resource: IAM accepts no narrower resource for it. One action, only when "
                "the agency turns triage's second stage on.",
            },
        )
