"""The 311 intake as a step of the inbound pipeline (order 305: before the callbacks' numbered picks, so a
"2" answers the report the resident is in the middle of).

It claims a message only when it starts a report (REPORT, REPORTAR) or answers one in progress; everything
else goes on to staff untouched. REPORT during a report starts it over. A report idle for 30 minutes is
over. When an earlier step claimed the message (STOP, CANCEL, a sign-up YES), a report in progress ends
silently: the consent answer is the answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from inbox.dal.pending_prompts import PendingPrompt, PendingPrompts
from inbox.pipeline import CONTINUE, InboundMessage, StepContract, StepResult, SystemReplies
from switchboard import i18n
from switchboard.clock import format_timestamp
from switchboard.observability import logger
from switchboard.words import words_of

from servicerequests.dal.intake_table import IntakeTable
from servicerequests.dal.requests_table import CatalogueTable, RequestsTable
from servicerequests.logic.intake import START_WORDS, Place, Said, Session, Turn, advance, fold, start
from servicerequests.models.requests import ServiceRequestRecord
from servicerequests.models.services import Service

INTAKE = StepContract(
    name="service_request_intake",
    order=304,
    reads=("body", "media", "location", "thread", "intake_session", "catalogue"),
    writes=("intake_session", "service_request", "system_reply"),
    may_claim=True,
    skip_when_claimed=False,  # it must see a STOP/CANCEL to end a report in progress
    # "the wire is down and my kid is near it" is still scored (and answered), and staff read it translated
    still_read_by=("triage", "translation"),
)
IDLE = timedelta(minutes=30)
REPORT_PROMPT = "report"  # the kind of the thread's pending prompt (inbox.dal.pending_prompts)
REPLY_PURPOSE = "report"  # its own reply slot: a crisis answer to the same text is still sent
TOMBSTONE_S = 24 * 3600
_SOURCES = {"sms": "sms", "whatsapp": "whatsapp", "webchat": "webchat"}


class PhotoFiler(Protocol):
    def file(self, thread_id: str, photo: str, request_id: str, number: int) -> str | None:
        """Copy a stored (already re-encoded) photo of the thread under the request; its key, or None."""


@dataclass(frozen=True)
class IntakeStep:
    contract = INTAKE

    sessions: IntakeTable
    catalogue: CatalogueTable
    requests: RequestsTable
    replies: SystemReplies
    agency_name: Callable[[], str]
    locate: Callable[[str], Place | None]
    language_of: Callable[[str], str | None]
    photos: PhotoFiler
    prompts: PendingPrompts | None = (
        None  # the latest prompt owns a bare "2" (a survey sent after the report)
    )
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    # The Open311 client's queue (CityForwardQueue): every new request, whether or not a city takes it.
    forward: Callable[[str], None] = lambda _request_id: None  # noqa: E731 - no Open311 client wired

    def run(self, message: InboundMessage) -> StepResult:
        if message.thread_id is None:
            return CONTINUE
        thread_id = message.thread_id
        stored = self.sessions.get(thread_id)
        now = self.now()
        live = stored if stored and stored.get("session") and not self._idle(stored, now) else None
        if live and self._overtaken(thread_id):
            live = None  # another prompt (a survey, a callback offer) came after the report's: it answers
        if stored and stored.get("last_sid") == message.sid:
            return self._again(message, stored)  # a redelivery: the same answer, nothing moves twice
        if message.claimed:
            if live:
                self._save(message, None, None, now)
                logger.info("Report ended by a keyword", extra=message.log_keys())
            return CONTINUE
        words = words_of(message.body)
        first = fold(words[0]) if words else ""
        services: Sequence[Service] = ()
        # REPORT again in the middle of a report starts over (it is never an answer: not a place, not a
        # service); after a request was made it starts the next one, which is a request of its own.
        if live is None or first in START_WORDS:
            if first not in START_WORDS:
                return CONTINUE
            services = self.catalogue.services()
            language = self.language_of(message.address) if first == "REPORT" else START_WORDS[first]
            rest = message.body.strip().split(None, 1)[1:]  # the resident's own words, as written
            turn = start(services, i18n.supported(language or START_WORDS[first]), rest[0] if rest else "")
        else:
            session: Session = live["session"]
            # Past the service question the session holds the chosen service: no catalogue read.
            services = self.catalogue.services() if session.service_json is None else ()
            turn = advance(session, self._said(message), services, self.locate)
        return self._apply(message, turn, services, now)

    def _overtaken(self, thread_id: str) -> bool:
        latest = self.prompts.latest(thread_id) if self.prompts else None
        return latest is not None and latest.kind != REPORT_PROMPT

    def _idle(self, stored: dict[str, object], now: datetime) -> bool:
        updated = datetime.fromisoformat(str(stored.get("updated_at", "")).replace("Z", "+00:00"))
        return now - updated > IDLE

    def _said(self, message: InboundMessage) -> Said:
        incoming = message.incoming
        photos = tuple(
            f"{incoming.sid}/{m.index}" for m in incoming.media if m.content_type.startswith("image/")
        )
        shared = None
        if incoming.latitude is not None and incoming.longitude is not None:
            shared = Place(
                address=incoming.place_address or incoming.place_label,
                lat=incoming.latitude,
                long=incoming.longitude,
                resolved=True,
            )
        return Said(text=message.body, photos=photos, shared=shared)

    def _apply(
        self, message: InboundMessage, turn: Turn, services: Sequence[Service], now: datetime
    ) -> StepResult:
        if turn.session is None and turn.say is None:
            self._save(message, None, None, now)  # given up: the message is for staff
            return CONTINUE
        session = turn.session
        language = session.language if session else self._language(message)
        request_id = None
        if turn.create and session is not None:
            request_id = self.requests.next_id()
            service = (
                Service.model_validate_json(session.service_json)
                if session.service_json
                else next(s for s in services if s.service_code == session.service_code)
            )
            reply = self._words("created", language, number=request_id, service=service.service_name)
            # The tombstone first: a crash after it re-creates nothing, it answers again (last_sid).
            self._save(message, None, reply, now, request_id=request_id)
            self._create(message, session, service, request_id, now)
        else:
            assert turn.say is not None
            reply = self._words(turn.say.key, language, **turn.say.fields)
            self._save(message, session, reply, now)
            if session is not None and self.prompts is not None and message.thread_id is not None:
                self.prompts.record(
                    message.thread_id,
                    PendingPrompt(kind=REPORT_PROMPT, ref=message.sid, at=format_timestamp(now)),
                )
        self.replies.send(message.text(), reply, purpose=REPLY_PURPOSE)
        return StepResult(claimed=True, answered=True, fact=request_id)

    def _language(self, message: InboundMessage) -> str:
        return i18n.supported(self.language_of(message.address))

    def _words(self, key: str, language: str, **fields: str) -> str:
        return i18n.say(f"servicerequests.{key}", language, agency=self.agency_name(), **fields)

    def _save(
        self,
        message: InboundMessage,
        session: Session | None,
        reply: str | None,
        now: datetime,
        request_id: str | None = None,
    ) -> None:
        assert message.thread_id is not None
        self.sessions.save(
            message.thread_id,
            session,
            sid=message.sid,
            reply=reply,
            at=format_timestamp(now),
            expires_at=int(time.time()) + TOMBSTONE_S,
            request_id=request_id,
        )

    def _again(self, message: InboundMessage, stored: dict[str, object]) -> StepResult:
        reply = stored.get("last_reply")
        if not reply:
            return CONTINUE
        if stored.get("request_id"):
            # A redelivery after the request was made: the forward may be what failed (it is idempotent).
            self.forward(str(stored["request_id"]))
        self.replies.send(message.text(), str(reply), purpose=REPLY_PURPOSE)
        return StepResult(claimed=True, answered=True, fact=stored.get("request_id"))

    def _create(
        self, message: InboundMessage, session: Session, service: Service, request_id: str, now: datetime
    ) -> None:
        assert message.thread_id is not None
        keys = [
            key
            for number, photo in enumerate(session.photos)
            if (key := self.photos.file(message.thread_id, photo, request_id, number)) is not None
        ]
        place = session.place or Place()
        at = format_timestamp(now)
        self.requests.create(
            ServiceRequestRecord(
                service_request_id=request_id,
                service_code=service.service_code,
                service_name=service.service_name,
                description=(session.description or "")[:4000] or None,
                requested_datetime=at,
                updated_datetime=at,
                address=place.address,
                lat=place.lat,
                long=place.long,
                attributes=session.answers,
                media_keys=keys,
                department=service.department,
                source=_SOURCES.get(message.channel, "sms"),  # type: ignore[arg-type]
                resident=message.address,
                thread_id=message.thread_id,
            )
        )
        self.forward(request_id)
        logger.info(
            "Service request created by text",
            extra={**message.log_keys(), "service_code": service.service_code, "photos": len(keys)},
        )
