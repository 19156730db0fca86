"""A work queue with its dead-letter queue and the alarms that say when work is stuck or lost."""

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_lambda_event_sources import SqsEventSource
from constructs import Construct

from infra.nag import pin_logical_id

MAX_RECEIVE_COUNT = 5
# AWS guidance for Lambda event sources: visibility >= 6x the function timeout, so a throttled or retried
# batch is not redelivered while a consumer still holds it.
VISIBILITY_PER_CONSUMER_TIMEOUT = 6
# A message older than this means a consumer is failing or a FIFO group is blocked.
OLDEST_MESSAGE_ALARM_AGE = Duration.minutes(15)
DEAD_LETTER_RETENTION = Duration.days(14)
# A dead letter this old is half-way to being deleted by SQS: re-drive it or lose it.
DEAD_LETTER_AGE_ALARM = Duration.days(7)
SQS_BATCH_SIZE = 10


def queue_trigger(queue: sqs.IQueue) -> SqsEventSource:
    """The contract's SQS trigger: batches of 10, failed records reported one by one."""
    return SqsEventSource(queue, batch_size=SQS_BATCH_SIZE, report_batch_item_failures=True)


def dead_letter_alarm(
    scope: Construct, dead_letters: sqs.IQueue, alarm_topic: sns.ITopic, description: str
) -> cloudwatch.Alarm:
    """`DlqNotEmptyAlarm`: fires on the first message in `dead_letters`, published to the ops topic."""
    alarm = cloudwatch.Alarm(
        scope,
        "DlqNotEmptyAlarm",
        alarm_description=description,
        metric=dead_letters.metric_approximate_number_of_messages_visible(
            period=Duration.minutes(1), statistic=cloudwatch.Stats.MAXIMUM
        ),
        threshold=0,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluation_periods=1,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
    return alarm


def oldest_message_alarm(
    scope: Construct,
    construct_id: str,
    queue: sqs.IQueue,
    *,
    older_than: Duration,
    period: Duration,
    alarm_topic: sns.ITopic,
    description: str,
) -> cloudwatch.Alarm:
    """Fires when `queue`'s oldest message is older than `older_than`, published to the ops topic."""
    alarm = cloudwatch.Alarm(
        scope,
        construct_id,
        alarm_description=description,
        metric=queue.metric_approximate_age_of_oldest_message(
            period=period, statistic=cloudwatch.Stats.MAXIMUM
        ),
        threshold=older_than.to_seconds(),
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluation_periods=1,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
    return alarm


class QueueWithDeadLetters(Construct):
    """`<name>Queue` plus `<name>Dlq` (same FIFO-ness), SQS-managed SSE, TLS only, and two alarms."""

    def __init__(
        self,
        scope: Construct,
        name: str,
        *,
        fifo: bool,
        consumer_timeout: Duration,
        alarm_topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, f"{name}Queues")
        self.dead_letter_queue = sqs.Queue(
            self,
            "Dlq",
            fifo=fifo or None,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DEAD_LETTER_RETENTION,
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            fifo=fifo or None,
            # Producers set the deduplication id (MessageSid, message_id): content-based dedup would collapse
            # two residents' identical texts.
            content_based_deduplication=False if fifo else None,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(4),
            visibility_timeout=Duration.seconds(
                consumer_timeout.to_seconds() * VISIBILITY_PER_CONSUMER_TIMEOUT
            ),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=MAX_RECEIVE_COUNT, queue=self.dead_letter_queue
            ),
        )
        pin_logical_id(self.queue, f"{name}Queue")
        pin_logical_id(self.dead_letter_queue, f"{name}Dlq")

        self.dead_letter_alarm = dead_letter_alarm(
            self,
            self.dead_letter_queue,
            alarm_topic,
            f"{name}Dlq holds messages that failed {MAX_RECEIVE_COUNT} times. Find the cause in the "
            f"consumer's logs, fix it, then re-drive: make replay-dlq QUEUE={name}Queue",
        )
        # Work stuck in the queue, and dead letters about to be deleted by SQS.
        self.age_alarm, self.dead_letter_age_alarm = (
            oldest_message_alarm(
                self,
                construct_id,
                queue,
                older_than=age,
                period=period,
                alarm_topic=alarm_topic,
                description=text,
            )
            for construct_id, queue, age, period, text in (
                (
                    "OldestMessageAlarm",
                    self.queue,
                    OLDEST_MESSAGE_ALARM_AGE,
                    Duration.minutes(5),
                    f"The oldest message in {name}Queue is older than "
                    f"{OLDEST_MESSAGE_ALARM_AGE.to_minutes()} minutes: its consumer is failing or throttled, "
                    "or a FIFO message group is blocked by a failing message.",
                ),
                (
                    "DlqOldestMessageAlarm",
                    self.dead_letter_queue,
                    DEAD_LETTER_AGE_ALARM,
                    Duration.hours(1),
                    f"A message has waited in {name}Dlq for over {DEAD_LETTER_AGE_ALARM.to_days():.0f} days; "
                    f"SQS deletes it at {DEAD_LETTER_RETENTION.to_days():.0f}. Fix the cause, then re-drive: "
                    f"make replay-dlq QUEUE={name}Queue",
                ),
            )
        )
