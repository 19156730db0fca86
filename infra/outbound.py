"""Outbound: the sender that turns agents' replies into Twilio messages."""

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.lambdas import CONSUMER_TIMEOUT, FunctionKit, contract_function, grant_table_read_write
from infra.queues import queue_trigger


class OutboundConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        table: dynamodb.ITable,
        twilio_secret: secretsmanager.ISecret,
        outbound_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.sms_sender_fn = contract_function(
            self,
            "SmsSenderFn",
            kit=kit,
            handler="outbound.handlers.sms_sender.handler",
            timeout=CONSUMER_TIMEOUT,
            service="outbound",
            description="OutboundQueue consumer: sends a reply through Twilio and records its SID and status",
        )
        self.sms_sender_fn.add_event_source(queue_trigger(outbound_queue))
        grant_table_read_write(table, self.sms_sender_fn)
        twilio_secret.grant_read(self.sms_sender_fn)
