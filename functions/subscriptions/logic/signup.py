"""Signing up on the hosted page is a request; the resident's YES by text is the consent (double opt-in).

The page is public: anyone can type any number. So the request only sends one confirmation text (at most one
per number every RESEND_AFTER_S), and nothing is subscribed until the phone's owner answers YES.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from inbox.logic.alert_channels import channel_changes
from inbox.logic.consent_rules import apply_change
from inbox.models.consent import ALL_TOPICS, ConsentChange, Topic
from inbox.models.records import new_id
from inbox.pipeline import InboundText, KeywordStep, StepContract, SystemReplies
from switchboard import i18n
from switchboard.clock import utc_now_iso
from switchboard.geo.places import Place, ZoneSource, describe_zones, place_of_address
from switchboard.geo.zones import AddressNotFound, zip_zone
from switchboard.observability import logger, metrics, redact_address
from switchboard.phone import parse_address
from switchboard.public_texts import PublicTextGuard, TooManyTexts, UnsupportedCountry
from switchboard.words import OtherKeyword

from subscriptions.logic.inbound_keywords import RESERVED_WORDS, ConsentStore
from subscriptions.logic.keywords import vocabulary
from subscriptions.models.signup import (
    PENDING_FOR_S,
    RESEND_AFTER_S,
    PendingSignup,
    SignupRequest,
    UnknownAddress,
    UnknownTopic,
    UnsupportedNumber,
)

# YES, Y, SÍ, CÓ...: every language's answers to the confirmation text (catalogs/<lang>/keywords.json).
CONFIRM_WORDS = frozenset(phrase[0] for phrase in vocabulary().confirm)


class PendingSignups(Protocol):
    def put_unless_recent(self, signup: PendingSignup, resend_before_epoch: int) -> bool: ...

    def pending(self, address: str, now_epoch: int) -> PendingSignup | None: ...

    def remove(self, address: str) -> None: ...


class ConfirmationTexts(Protocol):
    def send_first(self, address: str, message_id: str, body: str) -> None:
        """Text a resident who may never have written in: thread created if needed, message queued."""


def request_signup(
    request: SignupRequest,
    *,
    topics: Sequence[Topic],
    signups: PendingSignups,
    texts: ConfirmationTexts,
    agency: str,
    guard: PublicTextGuard,
    client_address: str,
    places: ZoneSource | None = None,
    now: Callable[[], float] = time.time,
    now_iso: Callable[[], str] = utc_now_iso,
    make_id: Callable[[], str] = new_id,
) -> bool:
    """True if a confirmation text was queued; False if one went to this number moments ago.

    TooManyTexts (nothing sent) past the limits per client address, per number or the agency's day.
    """
    guard.admit_client(client_address, int(now()))
    offered = {topic.code for topic in topics}
    if unknown := set(request.topics) - offered:
        raise UnknownTopic(", ".join(sorted(unknown)))
    address = parse_address(request.phone).value
    try:
        guard.check_country(address)
    except UnsupportedCountry:
        raise UnsupportedNumber("country not served") from None
    place = Place(zones=(), names=())
    if request.address:
        try:
            place = place_of_address(places, request.address) if places else place
        except AddressNotFound:
            raise UnknownAddress("not in the agency's address points") from None
        if not place.zones:
            raise UnknownAddress("in none of the agency's zones")
    moment = int(now())
    signup = PendingSignup(
        signup_id=make_id(),
        address=address,
        topics=tuple(request.topics),
        zip_code=request.zip_code,
        language=request.language,
        requested_at=now_iso(),
        sent_at_epoch=moment,
        expires_at=moment + PENDING_FOR_S,
        zones=place.zones,
        zone_names=place.names,
        channels=tuple(request.channels),
        email=request.email if "email" in request.channels else None,
    )
    log_keys = {
        "to_hash": redact_address(address),
        "signup_id": signup.signup_id,
        "topics": len(request.topics),
    }
    if not signups.put_unless_recent(signup, moment - RESEND_AFTER_S):
        logger.info("Sign-up repeated too soon; no second text", extra=log_keys)
        metrics.add_metric(name="SignupThrottled", unit=MetricUnit.Count, value=1)
        return False
    try:
        guard.admit_text(address, moment)
    except TooManyTexts:
        signups.remove(address)  # no text went out: a later request may send it
        raise
    texts.send_first(address, signup.signup_id, _text("signup.confirm_request", signup, topics, agency))
    logger.info("Sign-up confirmation queued", extra=log_keys)
    metrics.add_metric(name="SignupRequested", unit=MetricUnit.Count, value=1)
    return True


def confirm_signup_handler(
    *,
    consent: ConsentStore,
    signups: PendingSignups,
    agency_name: Callable[[], str],
    now: Callable[[], float] = time.time,
) -> Callable[[InboundText, OtherKeyword], str | None]:
    """The YES keyword: subscribes as the sign-up asked, with the sign-up as the ledger's source."""

    def confirm(text: InboundText, keyword: OtherKeyword) -> str | None:
        said = _confirm_language(keyword)
        if said is None:
            return None
        signup = signups.pending(text.address, int(now()))
        if signup is None:
            return None
        changes = [
            ConsentChange(
                address=text.address,
                channel=text.channel,
                topic=topic,
                action="opt_in",
                at=text.received_at,
                source="signup",
                source_id=signup.signup_id,
            )
            for topic in signup.topics
        ]
        # The page's choice, unless the resident answered in another language than English ("SÍ").
        language = signup.language if said == i18n.DEFAULT else said
        zones = _zones_of(signup)
        if zones:
            changes.append(
                replace(changes[0], topic=ALL_TOPICS, action="set_zone", zone=zones[0], zones=zones)
            )
        if not consent.applied(text.address, text.received_at, signup.signup_id):
            before = consent.load_state(text.address)
            after = before
            for change in changes:
                after = apply_change(after, change)
            # The channels chosen on the page, each its own ledger entry (issue 22).
            channel_entries = channel_changes(after, signup.channels, signup.email, template=changes[0])
            for change in channel_entries:
                after = apply_change(after, change)
            changes += channel_entries
            consent.record(changes, before, replace(after, language=language, awaiting=None))
        signups.remove(text.address)
        return _text("signup.subscribed", replace(signup, language=language), consent.topics(), agency_name())

    return confirm


SIGNUP_CONFIRMATION = StepContract(
    name="signup_confirmation",
    order=300,
    reads=("body", "pending_signup"),
    writes=("consent_ledger", "consent_state", "pending_signup", "system_reply"),
    may_claim=True,
)


def signup_confirmation_step(
    *,
    consent: ConsentStore,
    signups: PendingSignups,
    agency_name: Callable[[], str],
    replies: SystemReplies,
    now: Callable[[], float] = time.time,
) -> KeywordStep:
    """YES (or Y) to the hosted sign-up page's double opt-in text."""
    confirm = confirm_signup_handler(consent=consent, signups=signups, agency_name=agency_name, now=now)
    return KeywordStep(
        SIGNUP_CONFIRMATION, dict.fromkeys(CONFIRM_WORDS, confirm), replies, reserved=RESERVED_WORDS
    )


def _zones_of(signup: PendingSignup) -> tuple[str, ...]:
    zones = list(signup.zones)
    if signup.zip_code and zip_zone(signup.zip_code) not in zones:
        zones.append(zip_zone(signup.zip_code))
    return tuple(zones)


def _confirm_language(keyword: OtherKeyword) -> str | None:
    """The language of a confirmation ("YES", "sí", "Đồng ý", "yes please"), None when it is none."""
    words = (keyword.keyword, *keyword.rest)
    confirm = vocabulary().confirm
    for size in range(len(words), 0, -1):
        said, rest = confirm.get(words[:size]), words[size:]
        if said is not None and (not rest or rest in vocabulary().please):
            return said
    return None


def _text(key: str, signup: PendingSignup, topics: Sequence[Topic], agency: str) -> str:
    """A sign-up text in the resident's language, naming their topics and, when known, their zones."""
    lang = signup.language
    words = {topic.code: topic.word_in(i18n.supported(lang)) for topic in topics}
    named = ", ".join(words.get(code, code) for code in signup.topics)
    if signup.zone_names or signup.zip_code:
        names = signup.zone_names
        zones = signup.zones if names else (zip_zone(str(signup.zip_code)),)
        return i18n.say(
            f"{key}_for", lang, agency=agency, topics=named, where=describe_zones(zones, names, lang)
        )
    return i18n.say(key, lang, agency=agency, topics=named)
