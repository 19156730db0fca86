"""A large audience in shards: the planner counts the audience once, then, instead of enqueueing every
delivery itself, cuts the residents (in address order) into shards of at most `SHARD_SIZE` and enqueues one
`alert.shard` job per shard on its own queue. The planner's event source mapping runs those jobs side by side
(up to its maximum concurrency), each reading only its address range of every topic and enqueueing its
deliveries, so enqueueing an alert scales out with concurrency instead of running in one function.

Exactly once: a resident's address falls in exactly one range (ranges are contiguous, `first` inclusive,
`before` exclusive, the first and last open-ended), and a resident on two topics is chosen once inside the
shard that holds the address. A shard job that runs twice (SQS at least once) skips itself once its number is
in the alert's finished set; a shard that failed half-way runs again whole, and the deliveries it had
already enqueued are kept to one text by the sender's claim. The shard that completes the set marks the alert
enqueued.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

from alerts.logic.audience import Recipient, Subscriber, select_recipients
from alerts.models.alerts import Alert, PlanJob

# Residents per shard: a shard's deliveries are enqueued in ~SHARD_SIZE / 10 SendMessageBatch calls (8 in
# flight) within seconds, far inside the planner's timeout; 1,000,000 residents are 100 shards.
SHARD_SIZE = 10_000


class ShardStore(Protocol):
    def subscribers(
        self, topic: str, *, first: str | None = None, before: str | None = None
    ) -> Iterable[Subscriber]: ...

    def shards_done(self, alert_id: str) -> frozenset[int]: ...

    def finish_shard(self, alert_id: str, shard: int) -> frozenset[int]: ...


class ShardQueue(Protocol):
    def enqueue_plans(self, jobs: Sequence[PlanJob]) -> None:
        """Every job, in SendMessageBatch calls of ten; raises if any could not be sent."""
        ...


def shard_jobs(alert_id: str, recipients: Sequence[Recipient], shard_size: int = SHARD_SIZE) -> list[PlanJob]:
    """Contiguous address ranges of at most `shard_size` of `recipients` each, covering every address."""
    addresses = sorted(recipient.address for recipient in recipients)
    starts = addresses[shard_size::shard_size]  # each shard after the first begins at one of these
    bounds: list[str | None] = [None, *starts, None]
    count = len(bounds) - 1
    return [
        PlanJob(
            kind="alert.shard",
            alert_id=alert_id,
            shard=i,
            shards=count,
            first=bounds[i],
            before=bounds[i + 1],
        )
        for i in range(count)
    ]


def shard_recipients(alert: Alert, job: PlanJob, store: ShardStore) -> list[Recipient]:
    """The residents of one shard: every topic's subscribers in the shard's range, each once."""

    def in_range(topic: str) -> Iterator[Subscriber]:
        yield from store.subscribers(topic, first=job.first, before=job.before)

    return select_recipients((in_range(topic) for topic in alert.topics), alert.zones)


def run_shard(
    alert: Alert,
    job: PlanJob,
    store: ShardStore,
    enqueue: Callable[[list[Recipient]], int],
    mark_enqueued: Callable[[], None],
) -> int | None:
    """Enqueue one shard's deliveries (`enqueue` returns how many); None when the shard was finished before.
    The shard that completes the set marks the alert enqueued (a redelivery of it may mark it again)."""
    assert job.shard is not None and job.shards is not None
    if job.shard in store.shards_done(alert.alert_id):
        return None
    enqueued = enqueue(shard_recipients(alert, job, store))
    if len(store.finish_shard(alert.alert_id, job.shard)) >= job.shards:
        mark_enqueued()
    return enqueued
