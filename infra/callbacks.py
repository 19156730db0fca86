"""Callbacks: one Standard state machine execution per booked callback (its name is the callback's id).

booked ─Wait until remind_at─► Remind (text via the outbound queue) ─Wait until slot_at─► OfferToAgents
(.waitForTaskToken: a task on the agent page; nobody takes it within `escalate_after` ─► OfferToSupervisors)
─taken─► AwaitOutcome (.waitForTaskToken: the agent reports done / no_answer)
  done ─► Done;  no_answer on attempt 1 ─Wait retry_after─► OfferToAgents (attempt 2);
  no_answer on attempt 2 ─► TextNoAnswer (a text to the resident).
Every Lambda step retries service errors with exponential backoff and full jitter; any other error goes to
RecordFailure ─► Failed.
"""

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.lambdas import (
    FunctionKit,
    contract_function,
    execution_role,
    grant_table_read_write,
)
from infra.nag import acknowledge
from infra.workflow_kit import STEP_TIMEOUT, TRANSIENT_ERRORS, standard_state_machine, with_jittered_retry


@dataclass(frozen=True)
class CallbackTimings:
    """Configured by CDK context (`callbackEscalateMinutes`, `callbackRetryMinutes`)."""

    escalate_after: Duration = Duration.minutes(10)  # nobody took the task: offer it to supervisors
    supervisor_window: Duration = Duration.hours(4)  # nobody at all: the failure path
    call_window: Duration = Duration.hours(2)  # an agent took it but never reported an outcome
    retry_after: Duration = Duration.minutes(30)  # no answer: one more attempt this much later
    workflow_timeout: Duration = Duration.days(60)  # slots are booked weeks ahead at most


class CallbacksConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        table: dynamodb.ITable,
        outbound_queue: sqs.IQueue,
        timings: CallbackTimings | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        timings = timings or CallbackTimings()
        self.steps_fn = contract_function(
            self,
            "CallbackStepsFn",
            kit=kit,
            handler="callbacks.handlers.workflow_steps.handler",
            timeout=STEP_TIMEOUT,
            service="callbacks",
            description="Steps of the callback workflow: reminder, agent task, outcome, no-answer text",
        )
        grant_table_read_write(table, self.steps_fn)
        outbound_queue.grant_send_messages(self.steps_fn)

        callback = sfn.JsonPath.object_at("$.callback")

        def step(
            name: str, payload: dict[str, object], *, result_path: str | None = None
        ) -> tasks.LambdaInvoke:
            task = tasks.LambdaInvoke(
                self,
                name,
                lambda_function=self.steps_fn,
                payload=sfn.TaskInput.from_object(payload),
                retry_on_service_exceptions=False,  # replaced below: the default has no jitter
                task_timeout=sfn.Timeout.duration(STEP_TIMEOUT),
                result_path=result_path or sfn.JsonPath.DISCARD,
            )
            return with_jittered_retry(task)

        def offer(name: str, status: str, timeout: Duration, result_path: str) -> tasks.LambdaInvoke:
            task = tasks.LambdaInvoke(
                self,
                name,
                lambda_function=self.steps_fn,
                integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
                payload=sfn.TaskInput.from_object(
                    {
                        "step": "offer",
                        "status": status,
                        "task_token": sfn.JsonPath.task_token,
                        "attempt": sfn.JsonPath.number_at("$.attempt"),
                        "callback": callback,
                    }
                ),
                retry_on_service_exceptions=False,
                task_timeout=sfn.Timeout.duration(timeout),
                result_path=result_path,
            )
            # A timeout here means nobody answered: that is an outcome, not something to retry.
            return with_jittered_retry(task, [e for e in TRANSIENT_ERRORS if e != "States.Timeout"])

        record_failure = step("RecordFailure", {"step": "failed", "callback": callback})
        failed = sfn.Fail(self, "Failed", error="CallbackFailed", cause="A callback step failed; see history")
        record_failure.next(failed)
        # The failure path itself may fail (the table is down): the execution still ends as Failed.
        record_failure.add_catch(failed, errors=["States.ALL"], result_path="$.failure_error")

        def catch_failure(task: tasks.LambdaInvoke) -> tasks.LambdaInvoke:
            task.add_catch(record_failure, errors=["States.ALL"], result_path="$.error")
            return task

        wait_reminder = sfn.Wait(
            self, "WaitUntilReminder", time=sfn.WaitTime.timestamp_path("$.callback.remind_at")
        )
        remind = catch_failure(step("Remind", {"step": "remind", "callback": callback}))
        wait_slot = sfn.Wait(self, "WaitUntilSlot", time=sfn.WaitTime.timestamp_path("$.callback.slot_at"))
        to_agents = offer("OfferToAgents", "due", timings.escalate_after, "$.taken")
        to_supervisors = offer("OfferToSupervisors", "escalated", timings.supervisor_window, "$.taken")
        await_outcome = offer("AwaitOutcome", "in_call", timings.call_window, "$.result")
        to_agents.add_catch(to_supervisors, errors=["States.Timeout"], result_path="$.escalation")
        catch_failure(to_agents)
        catch_failure(to_supervisors)
        catch_failure(await_outcome)

        done = catch_failure(step("Done", {"step": "done", "callback": callback}))
        text_no_answer = catch_failure(step("TextNoAnswer", {"step": "no_answer", "callback": callback}))
        wait_retry = sfn.Wait(self, "WaitBeforeRetry", time=sfn.WaitTime.duration(timings.retry_after))
        second_attempt = sfn.Pass(
            self, "SecondAttempt", result=sfn.Result.from_number(2), result_path="$.attempt"
        )
        finished = sfn.Succeed(self, "Finished")

        outcome = (
            sfn.Choice(self, "Outcome")
            .when(sfn.Condition.string_equals("$.result.outcome", "done"), done)
            .when(
                sfn.Condition.and_(
                    sfn.Condition.string_equals("$.result.outcome", "no_answer"),
                    sfn.Condition.number_equals("$.attempt", 1),
                ),
                wait_retry,
            )
            .when(sfn.Condition.string_equals("$.result.outcome", "no_answer"), text_no_answer)
            .otherwise(record_failure)
        )
        done.next(finished)
        text_no_answer.next(finished)
        wait_retry.next(second_attempt).next(to_agents)
        to_agents.next(await_outcome)
        to_supervisors.next(await_outcome)
        await_outcome.next(outcome)

        definition = (
            sfn.Pass(self, "Start", parameters={"callback.$": "$", "attempt.$": "$.attempt"})
            .next(wait_reminder)
            .next(remind)
            .next(wait_slot)
            .next(to_agents)
        )

        self.state_machine = standard_state_machine(
            self,
            "CallbackWorkflow",
            definition=definition,
            timeout=timings.workflow_timeout,
            comment="One execution per booked callback; the execution name is the callback id",
            steps_function_id="CallbackStepsFn",
        )

    def allow_booking(self, function: lambda_.Function, business_hours: str) -> None:
        """`function` books (starts an execution named by the callback id) and cancels (stops it)."""
        function.add_environment("CALLBACK_STATE_MACHINE_ARN", self.state_machine.state_machine_arn)
        function.add_environment("CALLBACK_HOURS", business_hours)
        self.state_machine.grant_start_execution(function)
        self.state_machine.grant_execution(function, "states:StopExecution")
        executions = (
            f"arn:aws:states:{Stack.of(self).region}:<AWS::AccountId>:execution:"
            '{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"CallbackWorkflow"}]}]}:*'
        )
        acknowledge(
            execution_role(function),
            {
                f"AwsSolutions-IAM5[Resource::{executions}]": "Cancelling a callback stops its execution, "
                "named by the callback id at booking time; only this state machine's executions.",
            },
        )
