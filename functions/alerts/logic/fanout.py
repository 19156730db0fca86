"""The planner: an alert's audience, one AlertSendQueue message per (alert, resident, channel), in batches
of ten.

Started by the API (send now) or by the alert's one-time schedule; woken again by each quiet-hours wave.
It may run twice (SQS at least once, a crash half-way): the audience is counted once (the conditional
scheduled → sending step), and a message enqueued twice is harmless, the sender's claim keeps it to one text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.clock import format_timestamp
from switchboard.observability import logger, metrics

from alerts.logic.audience import Recipient, Subscriber, select_recipients
from alerts.logic.shards import SHARD_SIZE, ShardQueue, ShardStore, run_shard, shard_jobs
from alerts.models.alerts import DELIVERY_CHANNELS, Alert, DeliveryJob, PlanJob


class PlannerStore(Protocol):
    def get_alert(self, alert_id: str, *, consistent: bool = False) -> Alert | None: ...

    def subscribers(self, topic: str) -> Iterable[Subscriber]: ...

    def start_sending(
        self, alert_id: str, audience: int, at: str, *, by_channel: Mapping[str, int] | None = None
    ) -> bool: ...

    def mark_enqueued(self, alert_id: str, at: str) -> None: ...

    def wave(self, alert_id: str, wake_at: str) -> Iterator[dict[str, Any]]: ...


class DeliveryQueue(Protocol):
    def enqueue(self, jobs: Sequence[DeliveryJob]) -> None:
        """Every job, in SendMessageBatch calls of ten; raises if any could not be sent."""
        ...


class PlanOutcome(StrEnum):
    ENQUEUED = "enqueued"
    RESUMED = "resumed"  # a planner that stopped half-way: everything enqueued again
    WOKEN = "woken"
    NOTHING = "nothing"  # cancelled, unknown, or enqueued before
    SHARDED = "sharded"  # a large audience: counted, and one shard job per SHARD_SIZE residents enqueued


@dataclass(frozen=True)
class Sharding:
    """Where a large audience's shard jobs go (the planner's own queue) and how large a shard is."""

    store: ShardStore
    queue: ShardQueue
    size: int = SHARD_SIZE


@dataclass(frozen=True)
class PlanResult:
    outcome: PlanOutcome
    enqueued: int


def plan(
    job: PlanJob,
    store: PlannerStore,
    queue: DeliveryQueue,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    sharding: Sharding | None = None,
) -> PlanResult:
    alert = store.get_alert(job.alert_id, consistent=True)
    if alert is None or alert.status == "cancelled":
        return _done(job, PlanResult(PlanOutcome.NOTHING, 0))
    if job.kind == "alert.shard":
        if sharding is None or alert.enqueued_at:
            return _done(job, PlanResult(PlanOutcome.NOTHING, 0))

        def enqueue(recipients: list[Recipient]) -> int:
            jobs = [job for recipient in recipients for job in _jobs(alert, recipient)]
            queue.enqueue(jobs)
            return len(jobs)

        def mark_enqueued() -> None:
            store.mark_enqueued(alert.alert_id, format_timestamp(now()))

        enqueued = run_shard(alert, job, sharding.store, enqueue, mark_enqueued)
        outcome = PlanOutcome.NOTHING if enqueued is None else PlanOutcome.ENQUEUED
        return _done(job, PlanResult(outcome, enqueued or 0))
    if job.kind == "alert.wake":
        assert job.wake_at is not None
        jobs = [
            DeliveryJob(
                kind="alert.deliver",
                alert_id=alert.alert_id,
                address=str(item["address"]),
                language=str(item["language"]) if item.get("language") else None,
                zones=[str(z) for z in item.get("zones", [])],
                channel=item.get("channel") or "sms",
            )
            for item in store.wave(alert.alert_id, job.wake_at)
        ]
        queue.enqueue(jobs)
        return _done(job, PlanResult(PlanOutcome.WOKEN, len(jobs)))
    if alert.enqueued_at:
        return _done(job, PlanResult(PlanOutcome.NOTHING, 0))
    recipients = select_recipients((store.subscribers(topic) for topic in alert.topics), alert.zones)
    # One delivery per (resident, channel they chose): the audience counts deliveries, like the figures.
    by_channel: Counter[str] = Counter(
        channel for recipient in recipients for channel in DELIVERY_CHANNELS if channel in recipient.channels
    )
    audience = sum(by_channel.values())
    started = store.start_sending(alert.alert_id, audience, format_timestamp(now()), by_channel=by_channel)
    if not started:
        # Started before: either another planner is on it or it stopped half-way. Re-read to tell.
        again = store.get_alert(alert.alert_id, consistent=True)
        if again is None or again.status != "sending" or again.enqueued_at:
            return _done(job, PlanResult(PlanOutcome.NOTHING, 0))
    if sharding is not None and len(recipients) > sharding.size:
        # Resumed or not, every shard job again: the finished ones skip themselves.
        sharding.queue.enqueue_plans(shard_jobs(alert.alert_id, recipients, sharding.size))
        return _done(job, PlanResult(PlanOutcome.SHARDED, 0))  # the shards enqueue (and count) the messages
    jobs = [job for recipient in recipients for job in _jobs(alert, recipient)]
    queue.enqueue(jobs)
    store.mark_enqueued(alert.alert_id, format_timestamp(now()))
    return _done(job, PlanResult(PlanOutcome.ENQUEUED if started else PlanOutcome.RESUMED, len(jobs)))


def _jobs(alert: Alert, recipient: Recipient) -> list[DeliveryJob]:
    return [
        DeliveryJob(
            kind="alert.deliver",
            alert_id=alert.alert_id,
            address=recipient.address,
            language=recipient.language,
            zones=list(recipient.zones),
            channel=channel,  # type: ignore[arg-type]
        )
        for channel in DELIVERY_CHANNELS
        if channel in recipient.channels
    ]


def _done(job: PlanJob, result: PlanResult) -> PlanResult:
    logger.info(
        "Alert planned",
        extra={
            "alert_id": job.alert_id,
            "kind": job.kind,
            "outcome": result.outcome.value,
            "enqueued": result.enqueued,
        },
    )
    metrics.add_metric(name="AlertMessagesEnqueued", unit=MetricUnit.Count, value=result.enqueued)
    return result
