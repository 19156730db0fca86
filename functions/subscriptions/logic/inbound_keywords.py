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
from inbox.logic.alert_channels import channel_changes
from inbox.logic.consent_rules import apply_change
from inbox.models.consent import (
    ALL_TOPICS,
    AWAITING_EMAIL,
    AWAITING_ZIP,
    ConsentAction,
    ConsentChange,
    ConsentState,
    Topic,
)
from inbox.pipeline import CONTINUE, InboundMessage, InboundText, StepContract, StepResult, SystemReplies
from switchboard import i18n
from switchboard.email_address import find_email
from switchboard.geo.places import Place, ZoneSource, describe_zones, place_of_text
from switchboard.geo.zones import AddressNotFound
from switchboard.observability import logger, metrics, redact_address
from switchboard.words import words_of

from subscriptions.logic.keywords import (
    ALL,
    Command,
    Help,
    Join,
    OptIn,
    OptOut,
    ZipCode,
    parse_command,
    reads_like_revocation,
    vocabulary,
)

REVOCATION_FLAG = "revocation_request"

# Words no other keyword step may take, in every language: the consent step owns them (it runs first).
RESERVED_WORDS = vocabulary().first_words


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
    command = parse_command(text.body, {topic.code for topic in topics}, topic_aliases(topics))
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

    email = _answer_email(text, consent=consent, replies=replies, agency=agency_name)
    if email is not None:
        logger.info("Email for alerts in reply to the prompt", extra={**log_keys, "outcome": email.kind})
        return email
    if places is not None:
        answered = _answer_place(text, consent=consent, replies=replies, places=places, agency=agency_name)
        if answered is not None:
            logger.info("Place in reply to the zone prompt", extra={**log_keys, "outcome": answered.kind})
            return answered
    return None


def _answer_email(
    text: InboundText, *, consent: ConsentStore, replies: SystemReplies, agency: str
) -> KeywordOutcome | None:
    """An email address in reply to the email prompt (after the ZIP): alerts by email too, a ledger entry
    of its own. None when the text holds no address or no prompt is waiting (a message for staff)."""
    email = find_email(text.body)
    if email is None:
        return None
    state = consent.load_state(text.address)
    replayed = consent.applied(text.address, text.received_at, text.sid)
    if state.awaiting != AWAITING_EMAIL and not replayed:
        return None
    template = ConsentChange(
        address=text.address,
        channel=text.channel,
        topic=ALL_TOPICS,
        action="opt_in",
        at=text.received_at,
        source="keyword",
        source_id=text.sid,
    )
    changes = channel_changes(state, state.channels | {"email"}, email, template=template)
    if changes and not replayed:
        after = state
        for change in changes:
            after = apply_change(after, change)
        consent.record(changes, state, replace(after, awaiting=None))
    replies.send(text, i18n.say("consent.email_set", state.language, agency=agency, email=email))
    metrics.add_metric(name="Keyword_email", unit=MetricUnit.Count, value=1)
    return KeywordOutcome(kind="email", replied=True, replayed=replayed)


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
    lang = state.language
    if place is None or not place.zones:
        key = "consent.address_not_found" if missing else "consent.place_outside_zones"
        replies.send(text, i18n.say(key, lang, agency=agency))
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
    ask_email = not state.alerts_by("email")
    if not replayed:
        after = apply_change(state, change)
        consent.record([change], state, replace(after, awaiting=AWAITING_EMAIL) if ask_email else after)
    where = describe_zones(place.zones, place.names, lang)
    key = "consent.zone_set_ask_email" if ask_email else "consent.zone_set"
    replies.send(text, i18n.say(key, lang, agency=agency, where=where))
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
    """What `command` changes and what to answer; None when it is no command here (an unasked-for ZIP).

    The answer is in the language of the keyword used ("ALTO" is answered in Spanish, and a change it makes
    records Spanish as the resident's language); the carriers' English words keep a language already chosen.
    A ZIP code has no language: the resident's stored one is used.
    """
    lang = state.language if isinstance(command, ZipCode) else command.lang
    names = {topic.code: topic.name_in(lang) for topic in topics}
    codes = ", ".join(topic.word_in(lang) for topic in topics)

    def say(key: str, **values: object) -> str:
        return i18n.say(f"consent.{key}", lang, agency=agency, **values)

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
        if changes and lang != i18n.DEFAULT and not isinstance(command, ZipCode):
            after = replace(after, language=lang)
        return Plan(kind=kind, changes=tuple(changes), after=after, reply=reply)

    if isinstance(command, OptOut):
        if command.topic is None:
            return planned("opt_out", [change(ALL_TOPICS, "opt_out")], say("opted_out_all"))
        topic_name = names.get(command.topic, command.topic)
        return planned(
            "opt_out", [change(command.topic, "opt_out")], say("opted_out_topic", topic=topic_name)
        )
    if isinstance(command, OptIn) and command.topic is None:
        return planned("opt_in", [change(ALL_TOPICS, "opt_in")], say("opted_in_all"))
    if isinstance(command, Help):
        example = topics[0].word_in(lang) if topics else "WATER"
        return planned("help", [], say("help", example=example))
    if isinstance(command, Join) and command.topic is None:
        if command.unknown:
            return planned("join", [], say("not_a_topic", word=command.unknown, codes=codes))
        if not topics:
            return planned("join", [], say("no_topics"))
        return planned("join", [], say("choose_topic", codes=codes))
    if isinstance(command, Join | OptIn):
        chosen = [t.code for t in topics] if command.topic == ALL else [str(command.topic)]
        if not chosen:
            return planned("join", [], say("no_topics"))
        label = codes if command.topic == ALL else names.get(chosen[0], chosen[0])
        if state.zones:
            where = describe_zones(state.zones, (), lang)
            return planned(
                "join",
                [change(code, "opt_in") for code in chosen],
                say("subscribed_for", topics=label, where=where),
            )
        return planned(
            "join",
            [change(code, "opt_in") for code in chosen],
            say("subscribed_ask_place", topics=label),
            awaiting=AWAITING_ZIP,
        )
    if isinstance(command, ZipCode):
        if state.awaiting != AWAITING_ZIP and not replayed:
            return None
        where = describe_zones([f"zip:{command.zip_code}"], (), lang)
        if state.alerts_by("email"):
            return planned(
                "zone",
                [change(ALL_TOPICS, "set_zone", zone=f"zip:{command.zip_code}")],
                say("zone_set", where=where),
            )
        # Issue 22: alerts by email too, if they like: the next text with an address in it says where.
        return planned(
            "zone",
            [change(ALL_TOPICS, "set_zone", zone=f"zip:{command.zip_code}")],
            say("zone_set_ask_email", where=where),
            awaiting=AWAITING_EMAIL,
        )
    return None


def topic_aliases(topics: Sequence[Topic]) -> dict[str, str]:
    """Each topic's word in other languages, as keywords read it ("AGUA" -> "WATER")."""
    return {
        " ".join(words_of(word)): topic.code
        for topic in topics
        for _, word, _ in topic.local
        if words_of(word)
    }
