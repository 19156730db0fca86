"""Reminders: one Standard state machine execution per uploaded record (its name is the record id).

Start ─► Advance ─► Choice: finish ─► Finished; continue ─► Advance; wait ─► Wait until $.step.until ─►
Advance. Advance (ReminderStepsFn) plans the next reminder (phase "plan") or sends it (phase "send": consent,
quiet hours, the resident's language); a record stopped by DONE, by staff or by a newer due date finishes at
its next wake-up. Lambda errors retry with exponential backoff and full jitter; anything else goes to
RecordFailure ─► Failed, which marks the record failed so staff see it.
"""

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.lambdas import FunctionKit, contract_function, grant_table_read_write
from infra.workflow_kit import STEP_TIMEOUT, standard_state_machine, with_jittered_retry

# A record is uploaded at most a year before its due date; Standard executions may run up to a year.
WORKFLOW_TIMEOUT = Duration.days(365)


class RemindersConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        table: dynamodb.ITable,
        outbound_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.steps_fn = contract_function(
            self,
            "ReminderStepsFn",
            kit=kit,
            handler="reminders.handlers.workflow_step.handler",
            timeout=STEP_TIMEOUT,
            service="reminders",
            description="Steps of the reminder workflow: plan the next reminder, send it (consent, quiet "
            "hours)",
        )
        grant_table_read_write(table, self.steps_fn)
        outbound_queue.grant_send_messages(self.steps_fn)

        def step(name: str, payload: dict[str, object], result_path: str) -> tasks.LambdaInvoke:
            task = tasks.LambdaInvoke(
                self,
                name,
                lambda_function=self.steps_fn,
                payload=sfn.TaskInput.from_object(payload),
                payload_response_only=True,
                retry_on_service_exceptions=False,  # replaced below: the default has no jitter
                task_timeout=sfn.Timeout.duration(STEP_TIMEOUT),
                result_path=result_path,
            )
            return with_jittered_retry(task)

        record_failure = step(
            "RecordFailure",
            {"step": "failed", "record_id": sfn.JsonPath.string_at("$.record_id")},
            "$.failure",
        )
        failed = sfn.Fail(self, "Failed", error="ReminderFailed", cause="A reminder step failed; see history")
        record_failure.next(failed)
        record_failure.add_catch(failed, errors=["States.ALL"], result_path="$.failure_error")

        advance = step(
            "Advance",
            {
                "step": "advance",
                "record_id": sfn.JsonPath.string_at("$.record_id"),
                "phase": sfn.JsonPath.string_at("$.step.phase"),
                "index": sfn.JsonPath.number_at("$.step.index"),
            },
            "$.step",
        )
        advance.add_catch(record_failure, errors=["States.ALL"], result_path="$.error")
        wait = sfn.Wait(self, "WaitUntilDue", time=sfn.WaitTime.timestamp_path("$.step.until"))
        finished = sfn.Succeed(self, "Finished")
        choice = (
            sfn.Choice(self, "Next")
            .when(sfn.Condition.string_equals("$.step.action", "finish"), finished)
            .when(sfn.Condition.string_equals("$.step.action", "wait"), wait)
            .otherwise(advance)
        )
        wait.next(advance)
        advance.next(choice)
        definition = sfn.Pass(
            self,
            "Start",
            parameters={"record_id.$": "$.record_id", "step": {"phase": "plan", "index": 0}},
        ).next(advance)

        self.state_machine = standard_state_machine(
            self,
            "ReminderWorkflow",
            definition=definition,
            timeout=WORKFLOW_TIMEOUT,
            comment="One execution per reminder record; the execution name is the record id",
            steps_function_id="ReminderStepsFn",
        )

    def allow_planning(self, function: lambda_.Function) -> None:
        """`function` starts an execution per uploaded record (named by the record id)."""
        function.add_environment("REMINDER_STATE_MACHINE_ARN", self.state_machine.state_machine_arn)
        self.state_machine.grant_start_execution(function)
