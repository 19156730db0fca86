"""Triage (issue 17): the background re-score of open threads after an admin saves new rules. The agent API
puts the first job on TriageRescoreQueue; TriageRescoreFn re-scores a few pages of open threads per
invocation and puts the rest of the walk back on the same queue. (Scoring each message happens in the
inbound consumer's pipeline; the override and rules routes are in the agent API.)"""

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_lambda_event_sources import SqsEventSource
from constructs import Construct

from infra.lambdas import FunctionKit, contract_function, grant_table_read_write

RESCORE_TIMEOUT = Duration.seconds(300)


class TriageConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        table: dynamodb.ITable,
        rescore_queue: sqs.IQueue,
        agent_api_fn: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rescore_fn = contract_function(
            self,
            "TriageRescoreFn",
            kit=kit,
            handler="triage.handlers.rescore.handler",
            timeout=RESCORE_TIMEOUT,
            service="triage",
            description="TriageRescoreQueue consumer: re-scores open threads with the current triage rules, "
            "a few pages per invocation, and queues the rest of the walk",
            memory_size=512,
        )
        grant_table_read_write(table, self.rescore_fn)
        rescore_queue.grant_send_messages(self.rescore_fn)  # the rest of the walk
        # One job at a time: a walk is sequential by design (its cursor), and it must not crowd out replies.
        self.rescore_fn.add_event_source(
            SqsEventSource(rescore_queue, batch_size=1, report_batch_item_failures=True, max_concurrency=2)
        )
        rescore_queue.grant_send_messages(agent_api_fn)  # a rules save starts the walk
