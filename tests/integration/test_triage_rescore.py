"""Re-scoring open threads after a rules change, on moto (issue 17 item 2): every waiting thread takes the new
rules' level and records their version; answered threads and staff overrides are left alone."""

from __future__ import annotations

import json
from typing import Any

from triage.dal.triage_table import TriageTable
from triage.logic.rescore import rescore_page, run_rescore_job
from triage.logic.scorer import Scorer, default_rules
from triage.models.jobs import RescoreJob, ThreadRescore
from triage.models.rules import RuleSet

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_alert_fanout import sqs_event
from tests.integration.test_inbox_views import thread

BODIES = ["the pothole on Elm is huge", "when is bulk trash", "I smell gas"]


def seed(aws: Aws, count: int) -> None:
    """`count` open threads waiting since 09:00, each with its resident's message; thread 1 was answered,
    thread 2 overruled by staff."""
    with aws.table.batch_writer() as batch:
        for n in range(count):
            waiting = f"2026-12-07T09:{n % 60:02d}:00.000000Z"
            fields: dict[str, Any] = {"waiting_since": waiting, "triage_order": "2"}
            if n == 1:
                fields = {}
            if n == 2:
                fields["triage_override"] = {"level": "normal", "reason": "x", "by": "s", "at": waiting}
            batch.put_item(Item=thread(n, **fields))
            batch.put_item(
                Item={
                    "pk": f"THREAD#t{n:03d}",
                    "sk": f"MSG#{waiting}#m{n}",
                    "direction": "in",
                    "body": BODIES[n % 3],
                    "created_at": waiting,
                }
            )


def with_potholes_high() -> Scorer:
    data = default_rules().model_dump()
    data["version"] += 1
    data["rules"].append({"code": "safety.pothole", "level": "high", "phrases": {"en": ["pothole"]}})
    return Scorer(RuleSet.model_validate(data))


def test_every_waiting_thread_takes_the_new_rules_a_page_at_a_time(aws: Aws) -> None:
    seed(aws, 30)
    store, scorer = TriageTable(aws.table), with_potholes_high()
    cursor, pages, seen = None, 0, 0
    while True:
        page = rescore_page(store, scorer, cursor, limit=7)
        pages, seen, cursor = pages + 1, seen + page.threads, page.next_cursor
        if cursor is None:
            break
    assert seen == 29  # every thread someone waits on, once (t001 was answered)
    assert pages >= 5
    threads = {t["thread_id"]: t for t in aws.items() if t["sk"] == "META"}
    for n, body in ((0, 0), (3, 0), (4, 1), (5, 2)):
        t = threads[f"t{n:03d}"]
        assert t["triage_rules_version"] == scorer.version
        assert t["triage_level"] == ["high", "normal", "critical"][body]
    assert threads["t000"]["triage_reasons"][0] == {
        "code": "safety.pothole",
        "text": "pothole",
        "start": 4,
        "end": 11,
        "language": "en",
    }
    assert "triage_level" not in threads["t001"]  # answered: nobody waits, nothing to rank
    assert "triage_level" not in threads["t002"]  # staff overruled it: holds until the resident writes


def test_a_reply_during_the_rescore_wins(aws: Aws) -> None:
    seed(aws, 1)
    store = TriageTable(aws.table)
    # The re-score read waiting_since 09:00, then staff answered (the inbox removed waiting_since).
    aws.table.update_item(Key={"pk": "THREAD#t000", "sk": "META"}, UpdateExpression="REMOVE waiting_since")
    assert not store.set_thread_score(
        "t000", with_potholes_high().score("pothole"), "2026-12-07T09:00:00.000000Z"
    )


def versions_of_waiting_threads(aws: Aws) -> set[Any]:
    """The rules versions on the threads someone waits on, but t002's: staff overruled it, and that holds."""
    return {
        t.get("triage_rules_version")
        for t in aws.items()
        if t["sk"] == "META" and "waiting_since" in t and t["thread_id"] != "t002"
    }


def saved_rules(aws: Aws, scorer: Scorer) -> None:
    TriageTable(aws.table).save_rules(scorer.rules.model_dump_json(), scorer.version, None, "admin", "t")


def test_a_rules_save_starts_the_background_walk_which_rescores_every_open_thread(
    aws: Aws, agent_api: Any, triage_rescore: Any, context: LambdaContext
) -> None:
    seed(aws, 12)
    admin = {"sub": "a-1", "email": "admin@example.org", "cognito:groups": "[admin]"}
    _, current = call(agent_api, context, api_event("GET", "/api/triage/rules", claims=admin))
    rules = current["rules"]
    rules["rules"].append({"code": "safety.pothole", "level": "high", "phrases": {"en": ["pothole"]}})
    body = {"based_on_version": current["version"], "rules": rules}
    status, saved = call(agent_api, context, api_event("PUT", "/api/triage/rules", body=body, claims=admin))
    assert status == 200

    (message,) = aws.queue_messages("TriageRescoreQueue")
    assert json.loads(message["Body"]) == {
        "kind": "triage.rescore",
        "rules_version": saved["version"],
        "cursor": None,
    }
    event = sqs_event([json.loads(message["Body"])])
    assert triage_rescore.handler(event, context) == {"batchItemFailures": []}
    levels = {t["thread_id"]: t.get("triage_level") for t in aws.items() if t["sk"] == "META"}
    assert levels["t000"] == "high" and levels["t005"] == "critical" and levels["t004"] == "normal"
    assert versions_of_waiting_threads(aws) == {saved["version"]}


class RecordedJobs:
    def __init__(self) -> None:
        self.started: list[RescoreJob] = []

    def start(self, job: RescoreJob) -> None:
        self.started.append(job)


def test_a_walk_hands_the_rest_back_to_the_queue_and_a_superseded_walk_stops(aws: Aws) -> None:
    seed(aws, 12)
    scorer = with_potholes_high()
    saved_rules(aws, scorer)
    store, jobs = TriageTable(aws.table), RecordedJobs()

    assert (
        run_rescore_job(RescoreJob(rules_version=scorer.version), store, jobs, pages_per_step=1, page_size=5)
        == 1
    )
    (rest,) = jobs.started
    assert rest.rules_version == scorer.version and rest.cursor
    steps = 1
    while jobs.started:
        job = jobs.started.pop()
        run_rescore_job(job, store, jobs, pages_per_step=1, page_size=5)
        steps += 1
    assert steps == 3  # 11 waiting threads, 5 a page
    assert versions_of_waiting_threads(aws) == {scorer.version}

    # A job for an older version does nothing: the newer save walks with the newer rules.
    assert run_rescore_job(RescoreJob(rules_version=scorer.version - 1), store, jobs) == 0
    assert jobs.started == []


def test_a_page_is_written_in_transactions_and_an_answered_thread_in_one_does_not_stop_the_others(
    aws: Aws,
) -> None:
    # Given 30 waiting threads re-scored with new rules, of which t007 was answered after the read
    seed(aws, 30)
    store, scorer = TriageTable(aws.table), with_potholes_high()
    threads, _ = store.waiting_threads("open", 100, None)
    rescores = [
        ThreadRescore(
            str(t["thread_id"]), scorer.score(BODIES[int(t["thread_id"][1:]) % 3]), t["waiting_since"], t
        )
        for t in threads
        if not t.get("triage_override")
    ]
    aws.table.update_item(Key={"pk": "THREAD#t007", "sk": "META"}, UpdateExpression="REMOVE waiting_since")
    calls: list[int] = []
    original = aws.table.meta.client.transact_write_items

    def counted(**kwargs: Any) -> Any:
        calls.append(len(kwargs["TransactItems"]))
        return original(**kwargs)

    aws.table.meta.client.transact_write_items = counted  # type: ignore[method-assign]
    try:
        # When the page's scores are written
        written = store.set_thread_scores(rescores)
    finally:
        aws.table.meta.client.transact_write_items = original  # type: ignore[method-assign]
    # Then every thread but the answered one holds the new version, in a few requests
    assert written == len(rescores) - 1 == 27
    assert calls == [25, 24, 3]  # the first batch held t007: cancelled, then written again without it
    threads_now = {t["thread_id"]: t for t in aws.items() if t["sk"] == "META"}
    assert "triage_level" not in threads_now["t007"]
    assert threads_now["t000"]["triage_rules_version"] == scorer.version


def test_a_redelivered_job_writes_nothing_when_the_threads_already_hold_its_scores(aws: Aws) -> None:
    seed(aws, 12)
    store, scorer = TriageTable(aws.table), with_potholes_high()
    first = rescore_page(store, scorer, None, limit=50)
    again = rescore_page(store, scorer, None, limit=50)
    assert first.threads == again.threads == 11
    assert first.changed == 10  # t002 is overruled by staff
    assert again.changed == 0  # the same version and scores: not one write


def test_the_rest_of_the_walk_is_queued_before_this_step_scores_so_another_worker_takes_it(aws: Aws) -> None:
    seed(aws, 12)
    scorer = with_potholes_high()
    saved_rules(aws, scorer)
    store = TriageTable(aws.table)
    written_when_queued: list[set[Any]] = []

    class WatchingJobs(RecordedJobs):
        def start(self, job: RescoreJob) -> None:
            written_when_queued.append(versions_of_waiting_threads(aws))
            super().start(job)

    jobs = WatchingJobs()
    run_rescore_job(RescoreJob(rules_version=scorer.version), store, jobs, pages_per_step=1, page_size=5)
    assert written_when_queued == [{None}]  # queued while no thread had been re-scored yet
    assert len(jobs.started) == 1
