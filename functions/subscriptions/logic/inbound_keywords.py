"""A resident's text read for consent and subscription commands after it is stored in the thread.

Order: the consent commands (STOP..., START, HELP, JOIN, a ZIP in reply to the prompt) first, then keywords
other parts of the product registered (`KeywordRegistry.register("CALLBACK", handler)`), then the free-text
check that flags a thread for staff. Idempotent per MessageSid: SQS may deliver a message again, and a
redelivered STOP must neither be lost nor answered with a second, different reply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from inbox.logic.inbound_messages import InboundOutcome
from inbox.models.queue_messages import IncomingMessage
from inbox.models.records import new_id
from switchboard.observability import logger, metrics, redact_address
from switchboard.phone import Address, Channel, parse_address
from zones.logic.places import Place, ZoneSource, describe_zones, place_of_text
from zones.models.zones import AddressNotFound

from subscriptions.logic.consent_rules import apply_change
from subscriptions.logic.keywords import (
    ALL,
    HELP_WORDS,
    JOIN_WORDS,
    START_WORDS,
    STOP_WORDS,
    Command,
    Help,
    Join,
    OptIn,
    OptOut,
    OtherKeyword,
    ZipCode,
    first_keyword,
    parse_command,
    reads_like_revocation,
)
from subscriptions.models.consent import (
    ALL_TOPICS,
    AWAITING_ZIP,
    ConsentAction,
    ConsentChange,
    ConsentState,
    Topic,
)

REVOCATION_FLAG = "revocation_request"


@dataclass(frozen=True)
class InboundText:
    """A stored inbound message, as keyword handlers see it."""

    sid: str
    address: str
    channel: Channel
    thread_id: str
    body: str
    received_at: str


# A registered keyword's handler: the reply to send the resident (recorded in the thread), or None.
KeywordHandler = Callable[[InboundText, OtherKeyword], str | None]

_RESERVED = STOP_WORDS | START_WORDS | HELP_WORDS | JOIN_WORDS | {"OPT", "PLEASE"}


class KeywordRegistry:
    """Keywords beyond consent, by their first word: `registry.register("CALLBACK", request_callback)`."""

    def __init__(self) -> None:
        self._handlers: dict[str, KeywordHandler] = {}

    def register(self, keyword: str, handler: KeywordHandler) -> None:
        word = keyword.strip().upper()
        if not word.isalnum() or word in _RESERVED:
            raise ValueError(f"{keyword!r} cannot be registered: consent keywords are fixed")
        self._handlers[word] = handler

    def find(self, body: str) -> tuple[KeywordHandler, OtherKeyword] | None:
        keyword = first_keyword(body)
        if keyword is None or keyword.keyword not in self._handlers:
            return None
        return self._handlers[keyword.keyword], keyword


class ConsentStore(Protocol):
    def load_state(self, address: str) -> ConsentState: ...

    def applied(self, address: str, at: str, source_id: str) -> bool: ...

    def record(self, changes: Sequence[ConsentChange], before: ConsentState, after: ConsentState) -> bool: ...

    def topics(self) -> tuple[Topic, ...]: ...

    def flag_thread(self, thread_id: str, flag: str, at: str) -> bool: ...


class SystemReplies(Protocol):
    def send(self, text: InboundText, body: str) -> None:
        """Record `body` in the thread as the answer to `text` (once per inbound SID) and queue it."""


@dataclass(frozen=True)
class Plan:
    kind: str
    changes: tuple[ConsentChange, ...]
    after: ConsentState
    reply: str


@dataclass(frozen=True)
class KeywordOutcome:
    kind: str  # opt_out, opt_in, help, join, zone, keyword:<WORD>, flagged, none
    replied: bool = False
    replayed: bool = False


def respond_to_inbound(
    text: InboundText,
    *,
    consent: ConsentStore,
    replies: SystemReplies,
    registry: KeywordRegistry,
    agency_name: str,
    places: ZoneSource | None = None,
) -> KeywordOutcome:
    log_keys = {
        "message_sid": text.sid,
        "thread_id": text.thread_id,
        "from_hash": redact_address(text.address),
    }
    topics = consent.topics()
    command = parse_command(text.body, {topic.code for topic in topics})
    if command is not None:
        state = consent.load_state(text.address)
        replayed = consent.applied(text.address, text.received_at, text.sid)
        plan = plan_command(command, state, topics, text, agency_name, replayed=replayed)
        if plan is not None:
            if plan.changes and not replayed:
                consent.record(plan.changes, state, plan.after)
            replies.send(text, plan.reply)
            logger.info(
                "Consent keyword answered",
                extra={**log_keys, "keyword": plan.kind, "changes": len(plan.changes), "replayed": replayed},
            )
            metrics.add_metric(name=f"Keyword_{plan.kind}", unit=MetricUnit.Count, value=1)
            return KeywordOutcome(kind=plan.kind, replied=True, replayed=replayed)

    if places is not None:
        answered = _answer_place(text, consent=consent, replies=replies, places=places, agency=agency_name)
        if answered is not None:
            logger.info("Place in reply to the zone prompt", extra={**log_keys, "outcome": answered.kind})
            return answered

    found = registry.find(text.body)
    if found is not None:
        handler, keyword = found
        reply = handler(text, keyword)
        if reply:
            replies.send(text, reply)
        logger.info("Keyword handled", extra={**log_keys, "keyword": keyword.keyword})
        return KeywordOutcome(kind=f"keyword:{keyword.keyword}", replied=bool(reply))

    if reads_like_revocation(text.body):
        consent.flag_thread(text.thread_id, REVOCATION_FLAG, text.received_at)
        logger.info("Possible request to stop flagged for staff", extra=log_keys)
        metrics.add_metric(name="RevocationFlagged", unit=MetricUnit.Count, value=1)
        return KeywordOutcome(kind="flagged")
    return KeywordOutcome(kind="none")


def _answer_place(
    text: InboundText, *, consent: ConsentStore, replies: SystemReplies, places: ZoneSource, agency: str
) -> KeywordOutcome | None:
    """An address or a point in reply to the ZIP/address prompt sets the resident's zones; None when the
    text is no place, or no prompt is waiting (then it is a message for staff like any other)."""
    try:
        place: Place | None = place_of_text(places, text.body)
        missing = False
    except AddressNotFound:
        place, missing = None, True
    if place is None and not missing:
        return None
    state = consent.load_state(text.address)
    replayed = consent.applied(text.address, text.received_at, text.sid)
    if state.awaiting != AWAITING_ZIP and not replayed:
        return None
    if place is None or not place.zones:
        reason = "find that address" if missing else "match that place to an alert area"
        replies.send(
            text,
            f"{agency}: We could not {reason}. Reply with your 5-digit ZIP code, or your street address "
            "(e.g. 120 Elm St).",
        )
        return KeywordOutcome(kind="zone_unknown", replied=True, replayed=replayed)
    change = ConsentChange(
        address=text.address,
        channel=text.channel,
        topic=ALL_TOPICS,
        action="set_zone",
        at=text.received_at,
        source="keyword",
        source_id=text.sid,
        zone=place.zones[0],
        zones=place.zones,
    )
    if not replayed:
        consent.record([change], state, apply_change(state, change))
    replies.send(
        text,
        f"{agency}: Thanks. You will get alerts for {describe_zones(place.zones, place.names)}. "
        "Reply STOP to unsubscribe.",
    )
    metrics.add_metric(name="Keyword_zone", unit=MetricUnit.Count, value=1)
    return KeywordOutcome(kind="zone", replied=True, replayed=replayed)


def plan_command(
    command: Command,
    state: ConsentState,
    topics: Sequence[Topic],
    text: InboundText,
    agency: str,
    *,
    replayed: bool = False,
) -> Plan | None:
    """What `command` changes and what to answer; None when it is no command here (an unasked-for ZIP)."""
    names = {topic.code: topic.name for topic in topics}
    codes = ", ".join(topic.code for topic in topics)

    def change(topic: str, action: ConsentAction, zone: str | None = None) -> ConsentChange:
        return ConsentChange(
            address=text.address,
            channel=text.channel,
            topic=topic,
            action=action,
            at=text.received_at,
            source="keyword",
            source_id=text.sid,
            zone=zone,
        )

    def planned(kind: str, changes: list[ConsentChange], reply: str, awaiting: str | None = None) -> Plan:
        after = state
        for item in changes:
            after = apply_change(after, item)
        if awaiting:
            after = replace(after, awaiting=awaiting)
        return Plan(kind=kind, changes=tuple(changes), after=after, reply=reply)

    if isinstance(command, OptOut):
        if command.topic is None:
            return planned(
                "opt_out",
                [change(ALL_TOPICS, "opt_out")],
                f"{agency}: You are unsubscribed and will get no more messages from us. "
                "Reply START to resubscribe.",
            )
        return planned(
            "opt_out",
            [change(command.topic, "opt_out")],
            f"{agency}: You will no longer get {names.get(command.topic, command.topic)} alerts. "
            "Reply STOP to stop all messages.",
        )
    if isinstance(command, OptIn) and command.topic is None:
        return planned(
            "opt_in",
            [change(ALL_TOPICS, "opt_in")],
            f"{agency}: You are resubscribed. Reply HELP for help, STOP to unsubscribe.",
        )
    if isinstance(command, Help):
        return planned(
            "help",
            [],
            f"{agency}: Reply JOIN for alerts, STOP to end all messages, or STOP and a topic "
            "(e.g. STOP WATER) to end one. Msg&data rates may apply.",
        )
    if isinstance(command, Join) and command.topic is None:
        if command.unknown:
            return planned(
                "join", [], f"{agency}: {command.unknown} is not a topic. Reply JOIN and one of: {codes}."
            )
        if not topics:
            return planned("join", [], f"{agency}: No alert topics are open yet. Reply HELP for help.")
        return planned("join", [], f"{agency}: Reply JOIN and a topic: {codes}. Or reply JOIN ALL.")
    if isinstance(command, Join | OptIn):
        chosen = [t.code for t in topics] if command.topic == ALL else [str(command.topic)]
        if not chosen:
            return planned("join", [], f"{agency}: No alert topics are open yet. Reply HELP for help.")
        label = ", ".join(chosen) if command.topic == ALL else names.get(chosen[0], chosen[0])
        if state.zones:
            where = describe_zones(state.zones)
            return planned(
                "join",
                [change(code, "opt_in") for code in chosen],
                f"{agency}: You are subscribed to {label} alerts for {where}. Reply STOP to unsubscribe.",
            )
        return planned(
            "join",
            [change(code, "opt_in") for code in chosen],
            f"{agency}: You are subscribed to {label} alerts. Reply with your 5-digit ZIP code or street "
            "address to get alerts for your area. Reply STOP to unsubscribe.",
            awaiting=AWAITING_ZIP,
        )
    if isinstance(command, ZipCode):
        if state.awaiting != AWAITING_ZIP and not replayed:
            return None
        return planned(
            "zone",
            [change(ALL_TOPICS, "set_zone", zone=f"zip:{command.zip_code}")],
            f"{agency}: Thanks. You will get alerts for ZIP {command.zip_code}. Reply STOP to unsubscribe.",
        )
    return None


class ResidentThreads(Protocol):
    def thread_for_resident(self, resident: Address, new_thread_id: str, now: str) -> str: ...


def answer_keywords(
    incoming: IncomingMessage,
    outcome: InboundOutcome,
    *,
    store: ResidentThreads,
    consent: ConsentStore,
    replies: SystemReplies,
    registry: KeywordRegistry,
    agency_name: str,
    places: ZoneSource | None = None,
) -> KeywordOutcome:
    """The inbound consumer's step after storing a message (or finding it stored before)."""
    resident = parse_address(incoming.from_address)
    thread_id = outcome.thread_id or store.thread_for_resident(resident, new_id(), incoming.received_at)
    text = InboundText(
        sid=incoming.sid,
        address=resident.value,
        channel=resident.channel,
        thread_id=thread_id,
        body=incoming.body,
        received_at=incoming.received_at,
    )
    return respond_to_inbound(
        text, consent=consent, replies=replies, registry=registry, agency_name=agency_name, places=places
    )
