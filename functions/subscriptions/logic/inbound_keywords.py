"""A resident's text read for consent and subscription commands: two steps of the inbound pipeline.

`ConsentKeywordsStep` (order 200) answers the consent commands (STOP..., START, HELP, JOIN, a ZIP or an
address in reply to the prompt) before any other keyword flow, and claims what it answers.
`RevocationFlagStep` (order 390, after every keyword flow) flags for staff a longer text that reads like
"stop contacting me". Idempotent per MessageSid: SQS may deliver a message again, and a redelivered STOP
must neither be lost nor answered with a second, different reply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from inbox.logic.consent_rules import apply_change
from inbox.models.consent import (
    ALL_TOPICS,
    AWAITING_ZIP,
    ConsentAction,
    ConsentChange,
    ConsentState,
    Topic,
)
from inbox.pipeline import CONTINUE, InboundMessage, InboundText, StepContract, StepResult, SystemReplies
from switchboard.geo.places import Place, ZoneSource, describe_zones, place_of_text
from switchboard.geo.zones import AddressNotFound
from switchboard.observability import logger, metrics, redact_address

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
    ZipCode,
    parse_command,
    reads_like_revocation,
)

REVOCATION_FLAG = "revocation_request"

# Words no other keyword step may take: the consent step owns them (it runs first).
RESERVED_WORDS = STOP_WORDS | START_WORDS | HELP_WORDS | JOIN_WORDS | {"OPT", "PLEASE"}


class ConsentStore(Protocol):
    def load_state(self, address: str) -> ConsentState: ...

    def applied(self, address: str, at: str, source_id: str) -> bool: ...

    def record(self, changes: Sequence[ConsentChange], before: ConsentState, after: ConsentState) -> bool: ...

    def topics(self) -> tuple[Topic, ...]: ...

    def flag_thread(self, thread_id: str, flag: str, at: str) -> bool: ...


@dataclass(frozen=True)
class Plan:
    kind: str
    changes: tuple[ConsentChange, ...]
    after: ConsentState
    reply: str


@dataclass(frozen=True)
class KeywordOutcome:
    kind: str  # opt_out, opt_in, help, join, zone, zone_unknown
    replied: bool = False
    replayed: bool = False


CONSENT_KEYWORDS = StepContract(
    name="consent_keywords",
    order=200,
    reads=("body", "consent_state", "topics", "zones"),
    writes=("consent_ledger", "consent_state", "system_reply"),
    may_claim=True,
)

REVOCATION_FLAG_STEP = StepContract(
    name="revocation_flag",
    order=390,
    reads=("body",),
    writes=("thread.flags",),
)


class ConsentKeywordsStep:
    contract = CONSENT_KEYWORDS

    def __init__(
        self,
        *,
        consent: ConsentStore,
        replies: SystemReplies,
        agency_name: Callable[[], str],
        places: ZoneSource | None = None,
    ) -> None:
        self._consent = consent
        self._replies = replies
        self._agency_name = agency_name
        self._places = places

    def run(self, message: InboundMessage) -> StepResult:
        outcome = answer_consent(
            message.text(),
            consent=self._consent,
            replies=self._replies,
            agency_name=self._agency_name(),
            places=self._places,
        )
        if outcome is None:
            return CONTINUE
        return StepResult(claimed=True, answered=outcome.replied, fact=outcome)


class RevocationFlagStep:
    contract = REVOCATION_FLAG_STEP

    def __init__(self, consent: ConsentStore) -> None:
        self._consent = consent

    def run(self, message: InboundMessage) -> StepResult:
        if message.thread_id is None or not reads_like_revocation(message.body):
            return CONTINUE
        self._consent.flag_thread(message.thread_id, REVOCATION_FLAG, message.received_at)
        logger.info("Possible request to stop flagged for staff", extra=message.log_keys())
        metrics.add_metric(name="RevocationFlagged", unit=MetricUnit.Count, value=1)
        return StepResult(fact=REVOCATION_FLAG)


def answer_consent(
    text: InboundText,
    *,
    consent: ConsentStore,
    replies: SystemReplies,
    agency_name: str,
    places: ZoneSource | None = None,
) -> KeywordOutcome | None:
    """The consent command `text` is, answered and recorded; None when it is none (a message for staff)."""
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
    return None


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
