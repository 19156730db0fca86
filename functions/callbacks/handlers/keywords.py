"""CALLBACK, RESCHEDULE and the numbered pick: the callbacks' keyword step of the inbound pipeline.

The booking logic, its models and the Step Functions client load on the first callback keyword, not when the
inbound consumer starts: most texts are not callback keywords (cold start)."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from functools import cache
from typing import TYPE_CHECKING, Any

from inbox.pipeline import InboundText, KeywordStep, StepContract, SystemReplies
from switchboard import i18n
from switchboard.words import OtherKeyword

from callbacks.logic.offer import OFFERED

if TYPE_CHECKING:
    from callbacks.logic.booking import Booking

CALLBACK_KEYWORDS = StepContract(
    name="callback_keywords",
    order=310,
    reads=("body", "thread", "callback_offer"),
    writes=("callback_booking", "callback_workflow", "system_reply"),
    may_claim=True,
)


def callback_keyword_step(
    table: Any,
    agency_name: Callable[[], str],
    replies: SystemReplies,
    reserved: Collection[str] = (),
) -> KeywordStep | None:
    """None when the stack has no callback workflow (CALLBACK_STATE_MACHINE_ARN unset)."""
    arn = os.environ.get("CALLBACK_STATE_MACHINE_ARN", "")
    if not arn:
        return None
    zone = os.environ.get("AGENCY_TIME_ZONE", "America/New_York")
    hours_text = os.environ.get("CALLBACK_HOURS", "Mon-Fri 09:00-17:00")
    department = os.environ.get("CALLBACK_DEPARTMENT", "general")

    @cache
    def wired() -> tuple[Any, Any, Any, Any]:
        import boto3
        from inbox.dal.consent_table import ConsentTable

        from callbacks.dal.callback_table import BookingTable
        from callbacks.integrations.task_responses import WorkflowStarter
        from callbacks.logic.booking import BusinessHours

        hours = BusinessHours.parse(hours_text, zone)
        workflows = WorkflowStarter(boto3.client("stepfunctions"), arn)
        return BookingTable(table), workflows, hours, ConsentTable(table)

    words = i18n.keyword_words  # CALLBACK, LLAMADA, GỌI...: word -> language (catalogs' keywords.json)

    def booking(text: InboundText, lang: str | None = None) -> Booking:
        """The booking for this resident, answering in `lang` when given, else in their stored language (the
        sign-up's, or a consent keyword's)."""
        from callbacks.logic.booking import Booking

        bookings, workflows, hours, consent = wired()
        lang = lang or consent.load_state(text.address).language
        return Booking(bookings, workflows, hours, agency_name(), department, lang=lang)

    def keyword_language(keyword: OtherKeyword, key: str) -> str | None:
        """The language of a non-English keyword ("LLAMADA": es); None for English's, which everyone uses."""
        lang = words(key).get(keyword.keyword)
        return lang if lang and lang != i18n.DEFAULT else None

    def offer(text: InboundText, keyword: OtherKeyword, key: str) -> str:
        lang = keyword_language(keyword, key)
        answer = booking(text, lang).offer_slots(text.thread_id)
        wired()[0].remember_offer_language(text.thread_id, lang)  # the pick answers in the offer's words
        return answer

    def on_callback(text: InboundText, keyword: OtherKeyword) -> str | None:
        if keyword.rest and keyword.rest[0] in words("callback_cancel"):  # CALLBACK CANCEL, LLAMADA CANCELAR
            return booking(text, keyword_language(keyword, "callback")).cancel(text.thread_id)
        if keyword.rest:
            return None  # "callback me tomorrow please": a message for staff
        return offer(text, keyword, "callback")

    def on_reschedule(text: InboundText, keyword: OtherKeyword) -> str | None:
        return offer(text, keyword, "reschedule") if not keyword.rest else None

    def on_number(text: InboundText, keyword: OtherKeyword) -> str | None:
        if keyword.rest:
            return None
        return booking(text, wired()[0].offer_language(text.thread_id)).pick(
            text.thread_id, int(keyword.keyword)
        )

    handlers = {word: on_callback for word in words("callback")}
    handlers.update({word: on_reschedule for word in words("reschedule")})
    handlers.update({str(number): on_number for number in range(1, OFFERED + 1)})
    return KeywordStep(CALLBACK_KEYWORDS, handlers, replies, reserved=reserved)
