"""The feedback survey on moto (issue 18 item 1), with a frozen clock: closing sends one survey in the
resident's language (or schedules it for 08:00 in quiet hours), never to someone opted out of everything,
never for spam or a critical thread, once per resident per 7 days; a 1-5 reply within 72 hours is a rating
that does not reopen the thread; a low rating with words makes a follow-up; any other reply reopens; the
latest of the survey and a callback offer owns a bare digit."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import boto3
import pytest
from app.feedback_wiring import feedback_surveys, survey_on_close
from app.pipelines import inbound as inbound_registrations
from app.pipelines.inbound import inbound_pipeline, wire_inbound
from app.reports_wiring import report_recorder
from feedback.dal.feedback_table import FeedbackTable
from feedback.integrations.survey_delivery import ScheduledSurveys
from feedback.logic import rating_lists
from feedback.logic.surveys import FeedbackSurveys
from inbox.dal.workspace_table import WorkspaceTable
from inbox.integrations.reply_queue import SqsReplyQueue
from inbox.logic import workspace
from inbox.logic.workspace import WorkspaceDependencies
from inbox.models.conversations import Agent
from inbox.models.queue_messages import IncomingMessage
from inbox.pipeline import InboundMessage, InboundPipeline
from reports.dal.report_table import ReportTable, sum_counters
from reports.logic.recorder import Dims
from switchboard import i18n
from switchboard.audit import AuditLog
from switchboard.quiet_hours import QuietHours
from switchboard.table_keys import THREAD_META_SK, thread_pk

from tests.integration.conftest import MEDIA_BUCKET, REGION, Aws
from tests.integration.fakes import FakeMediaSource
from tests.integration.seed import callback_workflow

RESIDENT = "+15555550142"
AGENCY_NUMBER = "+15555550100"
AGENT_SUB = "a1000000-0000-4000-8000-000000000001"
GROUP = "switchboard-feedback"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:123456789012:function:FeedbackSurveyFn"
ROLE_ARN = "arn:aws:iam::123456789012:role/feedback-scheduler"
# Monday 2 March 2026, 10:00 in New York (EST, UTC-5): inside business hours, outside quiet hours.
MONDAY_10AM = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class NoMedia:
    def has(self, thread_id: str, sid: str, index: int) -> bool:
        return False

    def put(self, *args: Any) -> None:
        raise AssertionError("no media in these texts")


@dataclass
class RecordingEvents:
    """What the reports would be told (functions/feedback FeedbackEvents)."""

    sent: list[tuple[Any, ...]] = field(default_factory=list)
    ratings: list[tuple[Any, ...]] = field(default_factory=list)

    def survey_sent(self, day: str, department: str | None, channel: str, agent: str | None) -> None:
        self.sent.append((day, department, channel, agent))

    def rating_received(
        self,
        day: str,
        department: str | None,
        channel: str,
        agent: str | None,
        rating: int,
        has_words: bool,
    ) -> None:
        self.ratings.append((day, department, channel, agent, rating, has_words))


@dataclass
class World:
    aws: Aws
    clock: list[datetime]
    surveys: FeedbackSurveys
    pipeline: InboundPipeline
    events: RecordingEvents
    deps: WorkspaceDependencies
    sid_counter: list[int] = field(default_factory=lambda: [0])

    def now(self) -> datetime:
        return self.clock[0]

    def at(self, moment: datetime) -> None:
        self.clock[0] = moment

    def write(self, body: str, at: datetime | None = None, sid: str | None = None) -> str:
        """The resident texts `body` (stored and run through every registered step, as the consumer does)."""
        if sid is None:
            self.sid_counter[0] += 1
            sid = f"SM{self.sid_counter[0]:032d}"
        moment = at or self.now()
        incoming = IncomingMessage(
            sid=sid,
            account_sid="AC" + "0" * 32,
            from_address=RESIDENT,
            to_address=AGENCY_NUMBER,
            body=body,
            received_at=moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        )
        message = InboundMessage(incoming=incoming, address=RESIDENT, channel="sms")
        self.pipeline.run(message)
        assert message.thread_id
        return message.thread_id

    def thread(self, thread_id: str) -> dict[str, Any]:
        item = self.aws.table.get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK})["Item"]
        return dict(item)

    def handle(self, thread_id: str, *, department: str = "water", language: str | None = None) -> None:
        """An agent of `department` took the conversation and answered (nobody waits any more); routing found
        the language."""
        names = {"#a": "assignee", "#d": "department_id"}
        values: dict[str, Any] = {":a": AGENT_SUB, ":d": department}
        expression = "SET #a = :a, #d = :d"
        if language:
            names["#l"] = "language"
            values[":l"] = language
            expression += ", #l = :l"
        self.aws.table.update_item(
            Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            UpdateExpression=expression + " REMOVE waiting_since",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def close(self, thread_id: str, reason: Any = None) -> None:
        workspace.close(self.deps, Agent(sub=AGENT_SUB, email="agent@county.example"), thread_id, reason)

    def reopen(self, thread_id: str) -> None:
        workspace.reopen(self.deps, Agent(sub=AGENT_SUB), thread_id)

    def automatic_texts(self, thread_id: str) -> list[dict[str, Any]]:
        response = self.aws.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
            ExpressionAttributeValues={":pk": thread_pk(thread_id), ":msg": "MSG#"},
        )
        return [m for m in response["Items"] if m["author"] == "switchboard"]

    def survey_texts(self, thread_id: str) -> list[str]:
        surveys = {i18n.say("feedback.survey", lang, agency="County") for lang in i18n.languages()}
        return [str(m["body"]) for m in self.automatic_texts(thread_id) if m["body"] in surveys]

    def schedules(self) -> list[dict[str, Any]]:
        client = boto3.client("scheduler", region_name=REGION)
        names = [s["Name"] for s in client.list_schedules(GroupName=GROUP)["Schedules"]]
        return [client.get_schedule(GroupName=GROUP, Name=name) for name in names]

    def ratings(self) -> list[dict[str, Any]]:
        day = self.now().date()
        return FeedbackTable(self.aws.table).ratings(
            [(day + timedelta(days=n)).isoformat() for n in range(-2, 10)]
        )


@pytest.fixture
def world(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> World:
    boto3.client("scheduler", region_name=REGION).create_schedule_group(Name=GROUP)
    clock = [MONDAY_10AM]
    events = RecordingEvents()
    # The reports' observer, as the lead wires it: the inbound path tells it of ratings too.
    monkeypatch.setattr("app.feedback_wiring.feedback_events", lambda table: events)
    queue = SqsReplyQueue(aws.sqs, aws.queue_urls["OutboundQueue"])
    surveys = feedback_surveys(
        aws.table,
        outbound=queue,
        agency_name=lambda: "County",
        schedule=ScheduledSurveys(
            boto3.client("scheduler", region_name=REGION),
            group=GROUP,
            function_arn=FUNCTION_ARN,
            role_arn=ROLE_ARN,
        ),
        events=events,
    )
    surveys.now = lambda: clock[0]
    wiring = wire_inbound(
        aws.table,
        archive=NoMedia(),
        media_source=FakeMediaSource(),
        s3=aws.s3,
        media_bucket=MEDIA_BUCKET,
        outbound=queue,
        agency_name="County",
    )
    deps = WorkspaceDependencies(
        store=WorkspaceTable(aws.table),
        audit=AuditLog(aws.table),
        now=lambda: clock[0],
        on_close=survey_on_close(lambda: surveys),
    )
    return World(aws, clock, surveys, inbound_pipeline(wiring), events, deps)


def conversation(world: World, **handled: Any) -> str:
    """Monday 09:50: the resident writes, an agent of the water department takes it; closed at 10:00."""
    thread_id = world.write("My water is brown", at=MONDAY_10AM - timedelta(minutes=10))
    world.handle(thread_id, **handled)
    return thread_id


# --- the survey on close -----------------------------------------------------------------------------------


def test_closing_sends_one_survey_in_the_residents_language_and_keeps_the_thread_closed(world: World) -> None:
    thread_id = conversation(world, language="es")
    world.close(thread_id)

    texts = world.automatic_texts(thread_id)
    assert [t["body"] for t in texts] == [i18n.say("feedback.survey", "es", agency="County")]
    assert texts[0]["body"].startswith("County: ¿Cómo lo hicimos? Responda del 1 al 5")
    # Queued for the sender as a non-transactional text: consent is read again right before Twilio.
    [queued] = [json.loads(m["Body"]) for m in world.aws.queue_messages("OutboundQueue")]
    assert queued["message_id"] == texts[0]["message_id"] and queued["category"] == "non_transactional"
    thread = world.thread(thread_id)
    assert thread["status"] == "closed"
    assert world.events.sent == [("2026-03-02", "water", "sms", AGENT_SUB)]


def test_in_quiet_hours_the_survey_waits_for_eight_in_the_morning(world: World) -> None:
    thread_id = conversation(world)
    # Closed Monday 22:30 in New York (03:30 UTC Tuesday): quiet hours run 21:00-08:00.
    world.at(datetime(2026, 3, 3, 3, 30, tzinfo=UTC))
    world.close(thread_id)

    assert world.survey_texts(thread_id) == []
    [schedule] = world.schedules()
    assert schedule["ScheduleExpression"] == "at(2026-03-03T13:00:00)"  # 08:00 EST
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["Target"]["Arn"] == FUNCTION_ARN
    payload = json.loads(schedule["Target"]["Input"])

    # When the schedule fires at 08:00, the survey goes out
    world.at(datetime(2026, 3, 3, 13, 0, tzinfo=UTC))
    assert world.surveys.send_due(payload["thread_id"], payload["survey_id"]) == "sent"
    assert len(world.survey_texts(thread_id)) == 1
    # ... once: a second firing sends nothing
    assert world.surveys.send_due(payload["thread_id"], payload["survey_id"]) == "not_scheduled"
    assert len(world.survey_texts(thread_id)) == 1


def test_a_scheduled_survey_is_not_sent_when_the_conversation_was_reopened_meanwhile(world: World) -> None:
    thread_id = conversation(world)
    world.at(datetime(2026, 3, 3, 3, 30, tzinfo=UTC))
    world.close(thread_id)
    [schedule] = world.schedules()
    payload = json.loads(schedule["Target"]["Input"])
    world.write("one more thing", at=datetime(2026, 3, 3, 4, 0, tzinfo=UTC))

    world.at(datetime(2026, 3, 3, 13, 0, tzinfo=UTC))
    assert world.surveys.send_due(payload["thread_id"], payload["survey_id"]) == "cancelled_reopened"
    assert world.survey_texts(thread_id) == []
    # A survey never sent does not use up the resident's week: the next close that day asks them
    world.at(datetime(2026, 3, 3, 15, 0, tzinfo=UTC))
    world.close(thread_id)
    assert len(world.survey_texts(thread_id)) == 1


def test_no_survey_to_a_resident_opted_out_of_everything(world: World) -> None:
    thread_id = conversation(world)
    world.write("STOP", at=MONDAY_10AM - timedelta(minutes=5))
    world.close(thread_id)
    assert world.survey_texts(thread_id) == []
    assert world.events.sent == []


@pytest.mark.parametrize("how", ["reason", "label"])
def test_no_survey_for_a_thread_closed_as_spam(world: World, how: str) -> None:
    thread_id = conversation(world)
    if how == "label":
        world.aws.table.update_item(
            Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            UpdateExpression="SET labels = :l",
            ExpressionAttributeValues={":l": ["Spam"]},
        )
        world.close(thread_id)
    else:
        world.close(thread_id, "spam")
        assert world.thread(thread_id)["close_reason"] == "spam"
    assert world.survey_texts(thread_id) == []


def test_no_survey_for_a_thread_flagged_critical(world: World) -> None:
    thread_id = world.write("I want to kill myself", at=MONDAY_10AM - timedelta(minutes=10))
    world.handle(thread_id)
    assert world.thread(thread_id).get("triage_level") == "critical"
    world.close(thread_id)
    assert world.survey_texts(thread_id) == []


def test_at_most_one_survey_per_resident_per_seven_days(world: World) -> None:
    thread_id = conversation(world)
    world.close(thread_id)
    assert len(world.survey_texts(thread_id)) == 1

    # Three days later they write again, it is answered and closed: no second survey
    world.at(MONDAY_10AM + timedelta(days=3))
    world.write("Still brown", at=world.now() - timedelta(minutes=5))
    world.close(thread_id)
    assert len(world.survey_texts(thread_id)) == 1

    # Eight days after the first, a new conversation closed gets one again
    world.at(MONDAY_10AM + timedelta(days=8))
    world.write("And again", at=world.now() - timedelta(minutes=5))
    world.close(thread_id)
    assert len(world.survey_texts(thread_id)) == 2


# --- the answer --------------------------------------------------------------------------------------------


def test_a_digit_within_72_hours_is_a_rating_that_does_not_reopen_the_thread(world: World) -> None:
    thread_id = conversation(world, department="roads")
    world.close(thread_id)
    closed = world.thread(thread_id)

    world.write("4", at=MONDAY_10AM + timedelta(hours=71))

    thread = world.thread(thread_id)
    assert thread["status"] == "closed" and thread["closed_at"] == closed["closed_at"]
    assert "waiting_since" not in thread
    assert thread["unread"] == closed["unread"]
    [rating] = world.ratings()
    assert (rating["rating"], rating["words"], rating["thread_id"]) == (4, "", thread_id)
    assert (rating["agent"], rating["department"], rating["channel"]) == (AGENT_SUB, "roads", "sms")
    assert world.events.ratings == [("2026-03-05", "roads", "sms", AGENT_SUB, 4, False)]
    # The resident is thanked in their language; nobody is asked to follow up
    assert world.automatic_texts(thread_id)[-1]["body"] == i18n.say("feedback.thanks", "en", agency="County")
    assert rating_lists.follow_up_list(FeedbackTable(world.aws.table)).follow_ups == []


def test_a_rating_to_a_closed_conversation_is_not_a_reopening_in_the_reports(world: World) -> None:
    # Given a conversation the reports saw open, then closed (the agent API's counting, called directly here)
    thread_id = conversation(world)
    world.close(thread_id)
    recorder = report_recorder(world.aws.table)
    closed_at = str(world.thread(thread_id)["closed_at"])
    recorder.conversation_closed(thread_id, closed_at, Dims.of_thread(world.thread(thread_id)))
    reports = ReportTable(world.aws.table)
    # When the resident answers the survey with a digit
    world.write("5", at=MONDAY_10AM + timedelta(hours=1))
    # Then it is a message in, but the conversation stays closed for the reports: no reopening, nobody waits
    state = reports.conversation_state(thread_id)
    assert state is not None and state["phase"] == "closed" and "live" not in state
    day = (MONDAY_10AM + timedelta(hours=1)).date().isoformat()
    totals = sum_counters(reports.cells("*", "D", day, day))
    assert (totals.get("reopened", 0), totals["messages_in"]) == (0, 2)  # the first message, the rating
    assert sum_counters(reports.gauges("*")).get("open", 0) == 0


def test_a_redelivered_rating_is_recorded_once(world: World) -> None:
    thread_id = conversation(world)
    world.close(thread_id)
    at = MONDAY_10AM + timedelta(hours=1)
    world.write("5", at=at, sid="SM" + "9" * 32)
    world.write("5", at=at, sid="SM" + "9" * 32)
    assert [r["rating"] for r in world.ratings()] == [5]
    assert len(world.events.ratings) == 1
    assert world.thread(thread_id)["status"] == "closed"


def test_after_72_hours_a_digit_is_an_ordinary_message_that_reopens(world: World) -> None:
    thread_id = conversation(world)
    world.close(thread_id)
    world.write("4", at=MONDAY_10AM + timedelta(hours=72, minutes=1))
    assert world.ratings() == []
    thread = world.thread(thread_id)
    assert thread["status"] == "open" and "waiting_since" in thread


def test_a_low_rating_with_words_makes_a_follow_up_for_supervisors(world: World) -> None:
    thread_id = conversation(world)
    world.close(thread_id)
    world.write("2 slow answer", at=MONDAY_10AM + timedelta(hours=2))

    [rating] = world.ratings()
    assert (rating["rating"], rating["words"]) == (2, "slow answer")
    [follow_up] = rating_lists.follow_up_list(FeedbackTable(world.aws.table)).follow_ups
    assert (follow_up.thread_id, follow_up.rating, follow_up.words, follow_up.state) == (
        thread_id,
        2,
        "slow answer",
        "open",
    )
    assert world.thread(thread_id)["status"] == "closed"
    assert world.events.ratings[0][4:] == (2, True)
    # A low rating without words asks nobody to follow up (tested by the pure rule), nor does a 3 with words
    assert world.automatic_texts(thread_id)[-1]["body"] == i18n.say(
        "feedback.thanks_follow_up", "en", agency="County"
    )


def test_any_other_reply_reopens_as_today_and_ends_the_survey(world: World) -> None:
    thread_id = conversation(world)
    world.close(thread_id)
    world.write("Actually the water is still brown", at=MONDAY_10AM + timedelta(hours=1))
    thread = world.thread(thread_id)
    assert thread["status"] == "open" and "waiting_since" in thread
    # A later digit is no longer read as the survey's answer: it is a message for staff
    world.write("5", at=MONDAY_10AM + timedelta(hours=2))
    assert world.ratings() == []


# --- a callback offer and the survey: the latest prompt wins ------------------------------------------------


@pytest.fixture
def with_callbacks(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The stack's callback workflow (a state machine in moto) and a roster, and the pipeline rebuilt with
    the callbacks' keyword step registered, as deployed."""
    callback_workflow(world.aws.table, monkeypatch, [AGENT_SUB], REGION)
    queue = SqsReplyQueue(world.aws.sqs, world.aws.queue_urls["OutboundQueue"])
    wiring = wire_inbound(
        world.aws.table,
        archive=NoMedia(),
        media_source=FakeMediaSource(),
        s3=world.aws.s3,
        media_bucket=MEDIA_BUCKET,
        outbound=queue,
        agency_name="County",
    )
    world.pipeline = inbound_registrations.inbound_pipeline(wiring)
    assert "callback_keywords" in [c.name for c in world.pipeline.contracts]
    return world


def booked(world: World, thread_id: str) -> bool:
    item = world.aws.table.get_item(Key={"pk": f"CBTHREAD#{thread_id}", "sk": "META"}).get("Item")
    return item is not None


def live(world: World) -> datetime:
    """The callbacks stamp their offers with the real clock: these tests run the survey on it too (quiet
    hours off, so that the real time of day does not matter)."""
    world.surveys.quiet_hours = QuietHours(start=time(0, 0), end=time(0, 0))
    now = datetime.now(UTC)
    world.at(now)
    return now


def test_survey_after_a_callback_offer_owns_the_digit(with_callbacks: World) -> None:
    world = with_callbacks
    now = live(world)
    thread_id = world.write("My water is brown", at=now - timedelta(minutes=10))
    world.handle(thread_id)
    # The resident asked for a callback and was offered three times, then the conversation was closed
    world.write("CALLBACK", at=now - timedelta(minutes=5))
    world.at(datetime.now(UTC) + timedelta(seconds=1))
    world.close(thread_id)
    assert len(world.survey_texts(thread_id)) == 1

    world.write("2", at=world.now() + timedelta(minutes=1))

    assert [r["rating"] for r in world.ratings()] == [2]
    assert not booked(world, thread_id)
    assert world.thread(thread_id)["status"] == "closed"


def test_callback_offer_after_the_survey_owns_the_digit(with_callbacks: World) -> None:
    world = with_callbacks
    now = live(world) - timedelta(minutes=30)
    world.at(now)
    thread_id = world.write("My water is brown", at=now - timedelta(minutes=10))
    world.handle(thread_id)
    world.close(thread_id)
    assert len(world.survey_texts(thread_id)) == 1
    # The resident answers with a request instead, and is offered times: the offer is the latest prompt now
    world.write("CALLBACK", at=now + timedelta(minutes=10))

    world.write("2", at=now + timedelta(minutes=20))

    assert world.ratings() == []
    assert booked(world, thread_id)


def test_an_offer_recorded_after_the_survey_wins_even_without_a_reply_between(with_callbacks: World) -> None:
    """The prompt record alone decides: the callbacks' own write of an offer (the thread's pending prompt)
    made after the survey takes the bare digit from it."""
    from callbacks.dal.callback_table import BookingTable

    world = with_callbacks
    thread_id = conversation(world)
    world.close(thread_id)
    later = (MONDAY_10AM + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    slot = "2026-12-31T15:00:00Z"
    BookingTable(world.aws.table).save_offer(thread_id, "general", [slot, slot, slot], later)

    world.write("2", at=MONDAY_10AM + timedelta(minutes=30))

    assert world.ratings() == []
    assert world.thread(thread_id)["status"] == "open"


def test_feedback_survey_fn_sends_the_scheduled_survey_once_and_refuses_malformed_input(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schedule's target, as Scheduler invokes it with the schedule's Input."""
    monkeypatch.setenv("AGENCY_NAME", "County")
    import importlib

    from tests.integration.conftest import LambdaContext

    survey_fn = importlib.import_module("app.handlers.feedback_survey")
    survey_fn.dependencies.cache_clear()
    thread_id = conversation(world)
    world.at(datetime(2026, 3, 3, 3, 30, tzinfo=UTC))
    world.close(thread_id)
    [schedule] = world.schedules()
    event = json.loads(schedule["Target"]["Input"])

    assert survey_fn.handler(event, LambdaContext()) == {"result": "sent"}
    assert survey_fn.handler(event, LambdaContext()) == {"result": "not_scheduled"}
    assert len(world.survey_texts(thread_id)) == 1
    assert survey_fn.handler({"kind": "feedback.survey", "thread_id": "../x"}, LambdaContext()) == {
        "result": "malformed input"
    }
    survey_fn.dependencies.cache_clear()
