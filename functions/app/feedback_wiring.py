"""The feedback survey (issue 18) wired for the functions that use it: the agent API (a close sends or
schedules it), the inbound consumer (a rating is stored without reopening the thread) and FeedbackSurveyFn
(the end of quiet hours). What the reports count is injected here (`events`), so feedback never imports
the reports."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from feedback.dal.feedback_table import FeedbackTable
from feedback.integrations.survey_delivery import ScheduledSurveys, ThreadSurveyTexts
from feedback.logic.surveys import FeedbackEvents, FeedbackSurveys, ResidentConsent
from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_table import InboxTable
from inbox.dal.pending_prompts import PendingPrompts
from inbox.integrations.thread_replies import OutboundQueue
from switchboard.observability import logger

from app.reports_wiring import report_recorder

SCHEDULE_ENVIRONMENT = (
    "FEEDBACK_SCHEDULE_GROUP",
    "FEEDBACK_SURVEY_FUNCTION_ARN",
    "FEEDBACK_SCHEDULER_ROLE_ARN",
)


def feedback_events(table: Any) -> FeedbackEvents:
    """The reports' counters: surveys sent and ratings received feed the CSAT figures (issue 18 item 3)."""
    return report_recorder(table)


def survey_schedule(scheduler_client: Callable[[], Any]) -> ScheduledSurveys | None:
    """None when the stack has no survey schedules: a survey due in quiet hours then waits, unsent."""
    group, function_arn, role_arn = (os.environ.get(name, "") for name in SCHEDULE_ENVIRONMENT)
    if not (group and function_arn and role_arn):
        return None
    return ScheduledSurveys(
        scheduler_client(),
        group=group,
        function_arn=function_arn,
        role_arn=role_arn,
        dead_letter_arn=os.environ.get("FEEDBACK_SCHEDULE_DLQ_ARN", ""),
    )


def feedback_surveys(
    table: Any,
    *,
    outbound: OutboundQueue,
    agency_name: Callable[[], str],
    schedule: ScheduledSurveys | None = None,
    events: FeedbackEvents | None = None,
) -> FeedbackSurveys:
    consent = ConsentTable(table)

    def resident_consent(address: str) -> ResidentConsent:
        state = consent.load_state(address)
        return ResidentConsent(opted_out_all=state.opted_out_all, language=state.language)

    inbox = InboxTable(table)
    return FeedbackSurveys(
        store=FeedbackTable(table),
        prompts=PendingPrompts(table),
        texts=ThreadSurveyTexts(inbox, outbound),
        threads=inbox,
        consent=resident_consent,
        agency_name=agency_name,
        schedule=schedule,
        events=events or feedback_events(table),
        agency_zone=os.environ.get("AGENCY_TIME_ZONE", "America/New_York"),
    )


class _NoSurveyTexts:
    """The outbound queue of a wiring that sends no survey (the inbound path only reads answers)."""

    def enqueue(self, thread_id: str, message_id: str, message_sk: str, **options: Any) -> None:
        raise RuntimeError("this wiring sends no feedback survey")


def replies_only() -> OutboundQueue:
    return _NoSurveyTexts()


def survey_on_close(surveys: Callable[[], FeedbackSurveys]) -> Callable[[dict[str, Any], str | None], None]:
    """The workspace's close hook. The thread is closed by then: a failing survey is logged, not a failed
    close."""

    def on_close(thread: dict[str, Any], reason: str | None) -> None:
        try:
            surveys().on_close(thread, reason)
        except Exception:  # noqa: BLE001 - the close succeeded; the survey is best effort and logged
            logger.exception("Feedback survey failed", extra={"thread_id": thread.get("thread_id")})

    return on_close
