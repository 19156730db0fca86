"""A large alert audience in shards (alerts.logic.shards): every resident enqueued exactly once across the
shards, a failed shard run again without holding the others, a redelivered shard or plan job enqueueing
nothing more, and the DAL's address ranges agreeing with DynamoDB's key order (moto)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from typing import Any

import pytest
from alerts.dal.alerts_table import AlertsTable
from alerts.integrations.queues import SqsDeliveryQueue, SqsPlanQueue
from alerts.logic.fanout import PlanOutcome, Sharding, plan
from alerts.logic.shards import shard_jobs
from alerts.models.alerts import PlanJob

from bench.planner_shards import ALERT_ID, PLAN_URL, SEND_URL, MemorySqs, alert_store, run_alert
from tests.unit.moto_table import pk_sk_table


def sent(sqs: MemorySqs) -> Counter[tuple[str, str]]:
    return Counter(
        (job["address"], job.get("channel", "sms")) for job in map(json.loads, sqs.bodies.get(SEND_URL, []))
    )


def audience_of(store: Any) -> set[str]:
    return {address for rows in store.topics.values() for address, _ in rows}


def test_every_resident_is_enqueued_exactly_once_across_the_shards() -> None:
    # Given 1,000 residents on two topics (every tenth on both), in shards of at most 70
    store, sqs = alert_store(1_000), MemorySqs()

    figures = run_alert(store, sqs, concurrency=4, shard_size=70)

    # Then 15 shards ran, each resident got one delivery, and the last shard marked the alert enqueued once
    assert figures["shards"] == 15 and store.done == set(range(15))
    assert set(address for address, _ in sent(sqs)) == audience_of(store)
    assert max(sent(sqs).values()) == 1 and figures["enqueued"] == 1_000 == store.started[0][0]
    assert len(store.enqueued_at) == 1


def test_shard_ranges_are_contiguous_and_at_most_the_shard_size() -> None:
    store = alert_store(95)
    from alerts.logic.audience import select_recipients

    recipients = select_recipients(((s for _, s in store.topics[topic]) for topic in store.topics), zones=())
    jobs = shard_jobs(ALERT_ID, recipients, shard_size=10)
    assert [job.shard for job in jobs] == list(range(10)) and {job.shards for job in jobs} == {10}
    assert jobs[0].first is None and jobs[-1].before is None
    assert all(a.before == b.first for a, b in zip(jobs, jobs[1:], strict=False))
    addresses = sorted(r.address for r in recipients)
    for job in jobs:
        inside = [
            a
            for a in addresses
            if (job.first is None or a >= job.first) and (job.before is None or a < job.before)
        ]
        assert 1 <= len(inside) <= 10


def test_a_shard_that_failed_half_way_runs_again_and_the_alert_is_enqueued_only_after_it() -> None:
    # Given the send queue fails on 5 SendMessageBatch calls (one shard's job raises)
    store, sqs = alert_store(600), MemorySqs()
    sqs.fail_url, sqs.fail_sends = SEND_URL, 5

    figures = run_alert(store, sqs, concurrency=3, shard_size=100)

    # Then the failed shard ran again, every resident has a delivery (a repeat is kept to one text by the
    # sender's claim), and the alert was marked enqueued once, after every shard finished
    assert figures["shard_jobs_run_again"] >= 1
    assert set(address for address, _ in sent(sqs)) == audience_of(store)
    assert store.done == set(range(figures["shards"])) and len(store.enqueued_at) == 1


class Planner:
    """The real planner over in-memory fakes, in shards of 100; `run(job)` is one delivery of a job."""

    def __init__(self, residents: int) -> None:
        self.store, self.sqs = alert_store(residents), MemorySqs()
        self.sharding = Sharding(self.store, SqsPlanQueue(self.sqs, PLAN_URL), size=100)
        self.queue = SqsDeliveryQueue(self.sqs, SEND_URL)
        self.plan_job = PlanJob(kind="alert.plan", alert_id=ALERT_ID)

    def run(self, job: PlanJob) -> Any:
        return plan(job, self.store, self.queue, sharding=self.sharding)

    def shard_jobs(self) -> list[PlanJob]:
        return [PlanJob.model_validate_json(body) for body in self.sqs.take(PLAN_URL)]


def test_a_failed_shard_holds_back_only_the_enqueued_mark() -> None:
    planner = Planner(300)
    assert planner.run(planner.plan_job).outcome == PlanOutcome.SHARDED
    first, second, third = planner.shard_jobs()
    planner.run(first)
    planner.sqs.fail_url, planner.sqs.fail_sends = SEND_URL, 100
    with pytest.raises(ConnectionError):
        planner.run(second)
    planner.sqs.fail_sends = 0
    planner.run(third)
    assert planner.store.done == {0, 2} and planner.store.enqueued_at == []  # a shard is still missing
    planner.run(second)  # SQS redelivers the failed one
    assert planner.store.done == {0, 1, 2} and len(planner.store.enqueued_at) == 1


def test_redelivered_shard_and_plan_jobs_enqueue_nothing_more() -> None:
    planner = Planner(500)
    planner.run(planner.plan_job)
    shards = planner.shard_jobs()
    # A shard delivered twice while the others have not run yet: the second run skips itself
    planner.run(shards[0])
    again = planner.run(shards[0])
    assert again.outcome == PlanOutcome.NOTHING and again.enqueued == 0
    for job in shards[1:]:
        planner.run(job)
    before = sum(sent(planner.sqs).values())
    # Every job delivered again after the alert was enqueued: nothing more is enqueued
    for job in [planner.plan_job, *shards]:
        assert planner.run(job).enqueued == 0
    assert sum(sent(planner.sqs).values()) == before == 500 and planner.shard_jobs() == []
    assert max(sent(planner.sqs).values()) == 1


def test_a_plan_job_run_again_before_the_shards_finished_enqueues_the_shards_again_not_the_audience() -> None:
    planner = Planner(250)
    planner.run(planner.plan_job)
    first_round = planner.shard_jobs()
    planner.run(first_round[0])
    # The planner crashed after enqueueing the shard jobs; SQS brings the plan job back
    result = planner.run(planner.plan_job)
    assert result.outcome == PlanOutcome.SHARDED and planner.shard_jobs() == first_round
    assert len(planner.store.started) == 1  # the audience was counted once
    for job in first_round:
        planner.run(job)
    assert max(sent(planner.sqs).values()) == 1 and len(sent(planner.sqs)) == 250


def test_a_small_audience_is_enqueued_by_the_planner_itself_and_a_cancelled_alert_by_no_shard() -> None:
    store, sqs = alert_store(50), MemorySqs()
    sharding = Sharding(store, SqsPlanQueue(sqs, PLAN_URL), size=100)
    queue = SqsDeliveryQueue(sqs, SEND_URL)
    result = plan(PlanJob(kind="alert.plan", alert_id=ALERT_ID), store, queue, sharding=sharding)
    assert result.outcome == PlanOutcome.ENQUEUED and result.enqueued == 50 and sqs.take(PLAN_URL) == []

    cancelled, sqs = alert_store(300), MemorySqs()
    cancelled.alert = dataclasses.replace(cancelled.alert, status="cancelled")
    shard = PlanJob(kind="alert.shard", alert_id=ALERT_ID, shard=0, shards=3, before="+13")
    assert (
        plan(shard, cancelled, queue, sharding=Sharding(cancelled, SqsPlanQueue(sqs, PLAN_URL))).enqueued == 0
    )


def test_the_tables_address_ranges_follow_dynamodbs_key_order() -> None:
    addresses = ["+12025550100", "+12025550101", "+13125550100", "+14155550100", "whatsapp:+14155550199"]
    with pk_sk_table() as table:
        for address in addresses:
            table.put_item(Item={"pk": "SUBS#WATER", "sk": f"ADDR#{address}", "address": address})
        table.put_item(Item={"pk": "SUBS#STORM", "sk": "ADDR#+12025550100", "address": "+12025550100"})
        alerts = AlertsTable(table)

        def between(first: str | None, before: str | None) -> list[str]:
            return [s.address for s in alerts.subscribers("WATER", first=first, before=before)]

        assert between(None, None) == addresses
        assert between(None, "+13125550100") == addresses[:2]
        assert between("+12025550101", "+14155550100") == addresses[1:3]  # first in, before out
        assert between("+14155550100", None) == addresses[3:]
        # Contiguous ranges cover every subscriber once
        cuts = [None, "+12025550101", "+14155550100", None]
        assert sum((between(a, b) for a, b in zip(cuts, cuts[1:], strict=False)), []) == addresses


def test_the_messages_enqueued_are_counted_once_by_the_shards_not_again_by_the_planner() -> None:
    planner = Planner(450)
    counted = [planner.run(planner.plan_job).enqueued]  # AlertMessagesEnqueued, per job
    counted += [planner.run(job).enqueued for job in planner.shard_jobs()]
    assert counted[0] == 0 and sum(counted) == 450 == sum(sent(planner.sqs).values())
