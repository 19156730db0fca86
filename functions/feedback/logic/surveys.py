"""One short survey when a conversation is closed, and its answer read as a rating (issue 18 item 1).

On close: no survey for a thread closed as spam (the close reason, or the label `spam`) or flagged critical
(triage), none to a resident opted out of everything, at most one per resident per 7 days. Inside quiet hours
(switchboard.quiet_hours, in the resident's zone, else the agency's) it waits for their end (08:00): a
one-time schedule calls `send_due`, which checks again (the thread may have been reopened meanwhile, or the
resident may have texted STOP). The sender checks consent once more right before calling Twilio.

The answer: a reply of a digit 1-5 (with or without words) within 72 hours of the survey, while the survey is
the thread's latest prompt (a callback offer made later wins the "2"), is stored as a rating with the agent,
department and channel of the closed conversation. It does not reopen the thread (the store step asks
`answers_survey` before storing) and is not waiting for anyone. Any other reply ends the survey and reopens
the thread as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from inbox.dal.pending_prompts import PendingPrompt
from inbox.models.queue_messages import IncomingMessage
from switchboard import i18n
from switchboard.clock import format_timestamp
from switchboard.observability import logger
from switchboard.quiet_hours import QuietHours, zone_for

from feedback.logic.ratings import ParsedRating, parse_rating
from feedback.models.feedback import SURVEY_PROMPT, Survey

ANSWER_WINDOW = timedelta(hours=72)
ONCE_PER = timedelta(days=7)
SPAM = "spam"


class FeedbackEvents(Protocol):
    """What the reports (another feature) count as surveys go out and answers come in; the app injects it.
    `day` is the UTC day (YYYY-MM-DD) of the event; `agent` the staff sub the thread was assigned to."""

    def survey_sent(self, day: str, department: str | None, channel: str, agent: str | None) -> None: ...

    def rating_received(
        self,
        day: str,
        department: str | None,
        channel: str,
        agent: str | None,
        rating: int,
        has_words: bool,
    ) -> None: ...


class NoFeedbackEvents:
    def survey_sent(self, day: str, department: str | None, channel: str, agent: str | None) -> None:
        return None

    def rating_received(
        self,
        day: str,
        department: str | None,
        channel: str,
        agent: str | None,
        rating: int,
        has_words: bool,
    ) -> None:
        return None


class SurveyStore(Protocol):
    def claim_resident(self, address: str, survey_id: str, now: str, week_ago: str) -> bool: ...

    def release_resident(self, address: str, survey_id: str) -> None: ...

    def put_survey(self, survey: Survey) -> None: ...

    def survey(self, thread_id: str) -> Survey | None: ...

    def mark_sent(self, survey: Survey, sent_at: str) -> bool: ...

    def move(self, survey: Survey, from_states: Any, to_state: str) -> bool: ...

    def record_rating(self, survey: Survey, sid: str, parsed: ParsedRating, at: str) -> bool: ...


class Prompts(Protocol):
    def record(self, thread_id: str, prompt: PendingPrompt) -> None: ...

    def latest(self, thread_id: str) -> PendingPrompt | None: ...


class SurveyTexts(Protocol):
    def send(self, survey: Survey, message_id: str, body: str, at: str) -> None:
        """Store `body` in the survey's thread as an automatic message (once per id) and queue it."""


class SurveySchedule(Protocol):
    def send_at(self, survey: Survey, at: datetime) -> None:
        """Call `send_due(thread_id, survey_id)` at `at` (a one-time schedule)."""


class Threads(Protocol):
    def get_thread(self, thread_id: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class ResidentConsent:
    opted_out_all: bool
    language: str | None = None
    time_zone: str | None = None


@dataclass(frozen=True)
class CloseOutcome:
    decision: (
        str  # sent | scheduled | skipped_spam | skipped_critical | skipped_opted_out | skipped_recent ...
    )
    survey: Survey | None = None


@dataclass(frozen=True)
class Answer:
    survey: Survey
    rating: ParsedRating


def survey_id_for(thread_id: str, closed_at: str) -> str:
    return hashlib.sha256(f"survey:{thread_id}:{closed_at}".encode()).hexdigest()[:32]


def _iso(moment: datetime) -> str:
    return format_timestamp(moment)


def _parse(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def is_spam(thread: dict[str, Any], reason: str | None) -> bool:
    return reason == SPAM or SPAM in {str(label).lower() for label in thread.get("labels") or []}


def is_critical(thread: dict[str, Any]) -> bool:
    override = thread.get("triage_override") or {}
    return thread.get("triage_level") == "critical" or override.get("level") == "critical"


@dataclass
class FeedbackSurveys:
    store: SurveyStore
    prompts: Prompts
    texts: SurveyTexts
    threads: Threads
    consent: Callable[[str], ResidentConsent]
    agency_name: Callable[[], str]
    schedule: SurveySchedule | None = None
    events: FeedbackEvents = field(default_factory=NoFeedbackEvents)
    agency_zone: str = "America/New_York"
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    # --- on close -------------------------------------------------------------------------------------

    def on_close(self, thread: dict[str, Any], reason: str | None = None) -> CloseOutcome:
        """After staff close `thread` (the item as it is now closed): send, schedule or skip its survey."""
        thread_id = str(thread["thread_id"])
        resident = thread.get("resident") or {}
        address = str(resident.get("address", ""))
        closed_at = str(thread.get("closed_at") or _iso(self.now()))
        log = {"thread_id": thread_id}
        if not address:
            return self._skip("skipped_no_resident", log)
        if is_spam(thread, reason):
            return self._skip("skipped_spam", log)
        if is_critical(thread):
            return self._skip("skipped_critical", log)
        consent = self.consent(address)
        if consent.opted_out_all:
            return self._skip("skipped_opted_out", log)
        now = self.now()
        survey_id = survey_id_for(thread_id, closed_at)
        if not self.store.claim_resident(address, survey_id, _iso(now), _iso(now - ONCE_PER)):
            return self._skip("skipped_recent", log)
        zone = zone_for(consent.time_zone, default=self.agency_zone)
        wake = self.quiet_hours.next_allowed(now, zone)
        survey = Survey(
            survey_id=survey_id,
            thread_id=thread_id,
            address=address,
            channel=str(thread.get("channel") or resident.get("channel") or "sms"),
            language=i18n.supported(consent.language or thread.get("language")),
            closed_at=closed_at,
            state="scheduled",
            agent=thread.get("assignee"),
            department=thread.get("department_id"),
            send_at=_iso(wake),
        )
        self.store.put_survey(survey)
        if wake > now:
            if self.schedule is None:
                logger.warning("Feedback survey held: no schedule to send it after quiet hours", extra=log)
                return CloseOutcome("held_quiet_hours", survey)
            self.schedule.send_at(survey, wake)
            logger.info(
                "Feedback survey waits for quiet hours to end", extra={**log, "send_at": survey.send_at}
            )
            return CloseOutcome("scheduled", survey)
        return CloseOutcome(self._send(survey, now), survey)

    def send_due(self, thread_id: str, survey_id: str) -> str:
        """The scheduled survey, at the end of quiet hours: sent unless things changed since the close."""
        survey = self.store.survey(thread_id)
        if survey is None or survey.survey_id != survey_id or survey.state != "scheduled":
            return "not_scheduled"
        return self._send(survey, self.now())

    def _send(self, survey: Survey, now: datetime) -> str:
        thread = self.threads.get_thread(survey.thread_id) or {}
        # Reopened (by staff, or by the resident writing) since the close: the conversation goes on.
        if thread.get("status") != "closed" or thread.get("closed_at") != survey.closed_at:
            return self._cancel(survey, "cancelled_reopened")
        if self.consent(survey.address).opted_out_all:
            return self._cancel(survey, "cancelled_opted_out")
        sent_at = _iso(now)
        message_id = hashlib.sha256(f"survey-text:{survey.survey_id}".encode()).hexdigest()[:32]
        body = i18n.say("feedback.survey", survey.language, agency=self.agency_name())
        # The prompt first: a reply racing the text is read as an answer to it, not to an older prompt.
        self.prompts.record(
            survey.thread_id, PendingPrompt(kind=SURVEY_PROMPT, ref=survey.survey_id, at=sent_at)
        )
        if self.store.mark_sent(survey, sent_at):
            self.texts.send(survey.but(sent_at=sent_at), message_id, body, sent_at)
            self.events.survey_sent(sent_at[:10], survey.department, survey.channel, survey.agent)
            logger.info("Feedback survey sent", extra={"thread_id": survey.thread_id})
        return "sent"

    def _cancel(self, survey: Survey, why: str) -> str:
        """Not sent after all: the resident's week is free again for the next close."""
        if self.store.move(survey, ["scheduled"], "cancelled"):
            self.store.release_resident(survey.address, survey.survey_id)
        return why

    @staticmethod
    def _skip(decision: str, log: dict[str, str]) -> CloseOutcome:
        logger.info("No feedback survey", extra={**log, "decision": decision})
        return CloseOutcome(decision)

    # --- the answer -----------------------------------------------------------------------------------

    def open_survey(self, thread_id: str, received_at: str, sid: str | None = None) -> Survey | None:
        """The thread's survey a reply at `received_at` may answer: sent (or answered by this very SID, a
        redelivery), within 72 hours, and still the latest prompt of the thread."""
        survey = self.store.survey(thread_id)
        if survey is None or survey.sent_at is None:
            return None
        if not (survey.state == "sent" or (survey.state == "answered" and sid and survey.answer_sid == sid)):
            return None
        if not survey.sent_at <= received_at <= _iso(_parse(survey.sent_at) + ANSWER_WINDOW):
            return None
        prompt = self.prompts.latest(thread_id)
        if prompt is None or prompt.kind != SURVEY_PROMPT or prompt.ref != survey.survey_id:
            return None
        return survey

    def answers_survey(self, thread_id: str, incoming: IncomingMessage) -> bool:
        """Asked by the store step before storing: True keeps the thread as it is (closed, nobody waiting)."""
        if parse_rating(incoming.body) is None:
            return False
        return self.open_survey(thread_id, incoming.received_at) is not None

    def take_answer(self, thread_id: str, sid: str, body: str, received_at: str) -> Answer | None:
        """The rating this reply gives (recorded once), or None: then a reply to an open survey ends it."""
        survey = self.open_survey(thread_id, received_at, sid)
        if survey is None:
            return None
        parsed = parse_rating(body)
        if parsed is None:
            self.store.move(survey, ["sent"], "ended")
            return None
        if survey.state == "sent" and self.store.record_rating(survey, sid, parsed, received_at):
            self.events.rating_received(
                received_at[:10],
                survey.department,
                survey.channel,
                survey.agent,
                parsed.rating,
                parsed.has_words,
            )
            logger.info(
                "Feedback rating stored",
                extra={"thread_id": thread_id, "message_sid": sid, "rating": parsed.rating},
            )
        return Answer(survey, parsed)

    def thanks(self, answer: Answer) -> str:
        key = "feedback.thanks_follow_up" if answer.rating.needs_follow_up else "feedback.thanks"
        return i18n.say(key, answer.survey.language, agency=self.agency_name())
