"""One alert to one resident on one channel, exactly once, lawfully, paced.

The delivery item (`ALERT#{id}`/`TO#{key}`) is the claim and the idempotency key of (alert, resident,
channel): the key is the address for a text, `{address}#voice` for a call, `{address}#email` for an email
(issue 22). A call or an email goes through the same steps as a text; it also needs the channel chosen now
(consent state `channels`), email needs no quiet hours (it does not ring), and each channel has its own pacer.
SQS delivers at least once and workers crash, so every step is a conditional write on it:

1. Already `sent`, `failed` or `opted_out`: a duplicate; nothing happens.
2. Consent, read strongly consistent now (not when the alert was planned): a resident who opted out of
   everything, or of every topic of the alert, gets nothing (`opted_out`). Emergencies too: an emergency only
   goes through quiet hours, never through a STOP.
3. Quiet hours in the resident's own zone (not for emergencies): the delivery waits (`waiting`) in a wave
   woken by a one-time schedule at 08:00 there; nothing is dropped.
4. The claim: state `sending` with a fresh token, written only if the item is still as this worker read it,
   right before Twilio is called. Losing it means another worker holds it: stop.
5. Twilio's answer, the SID item, the figure and the thread's `last_alert_*` in one transaction guarded by
   the token.

A crash between 4 and 5 (or Twilio failing with a 5xx after it may have created the message) leaves a claim
in `sending`. Whoever finds it later does not resend blindly and does not give up either: it asks Twilio for
the messages to that number since the claim, and adopts the one with this alert's text if Twilio has it; only
if Twilio has none is the text sent. A claim younger than `IN_FLIGHT_S` may still have its worker: the record
is retried later rather than raced. 429 is the one answer known to create nothing: it is retried in place
after a jittered backoff.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from inbox.dal.consent_table import state_from_item
from inbox.models.consent import ConsentState
from switchboard.clock import format_timestamp
from switchboard.observability import logger, metrics, redact_address
from switchboard.phone import Channel, address_on_channel, parse_address
from switchboard.quiet_hours import QuietHours, zone_for
from switchboard.statuses import rank_of
from switchboard.twilio_sms import RecipientRejected, Sender, SentSms, TransientSendFailure

from alerts.logic.pacing import RateLimiter, backoff_delay
from alerts.models.alerts import Alert, DeliveryJob

# A channel with no gateway configured (e.g. email without a sender identity): counted as failed, not lost.
CHANNEL_UNAVAILABLE = "channel_unavailable"

TWILIO_OPTED_OUT = "21610"
# A claim this old has lost its worker: the sender's timeout, Twilio's timeout per try and the backoffs.
IN_FLIGHT_S = 120
SEND_ATTEMPTS = 4
# Clocks disagree a little: a message Twilio created this long before the claim still counts as ours.
CLOCK_SKEW = timedelta(seconds=60)
FINAL_STATES = frozenset({"sent", "failed", "opted_out"})


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    ADOPTED = "adopted"  # found at Twilio after a crash: recorded, not sent again
    DUPLICATE = "duplicate"
    OPTED_OUT = "opted_out"
    WAITING = "waiting_quiet_hours"
    REJECTED = "rejected"
    LOST_CLAIM = "lost_claim"
    MISSING = "missing"


class StillInFlight(Exception):
    """Another worker claimed this delivery moments ago: try again after the visibility timeout."""


class DeliveryStore(Protocol):
    def get_alert(self, alert_id: str, *, consistent: bool = False) -> Alert | None: ...

    def delivery(self, alert_id: str, address: str) -> dict[str, Any] | None: ...

    def consent_item(self, address: str) -> dict[str, Any] | None: ...

    def zone_time_zones(self) -> dict[str, str]: ...

    def decide(
        self,
        alert_id: str,
        address: str,
        *,
        previous: dict[str, Any] | None,
        fields: dict[str, Any],
        enter: str | None = None,
        reason: str | None = None,
        wave: dict[str, Any] | None = None,
    ) -> bool: ...

    def record_sent(
        self,
        alert: Alert,
        address: str,
        *,
        token: str,
        sid: str,
        bucket: str,
        status: str,
        rank: int,
        leave: str,
        thread_id: str,
        at: str,
    ) -> bool: ...

    def record_rejected(
        self, alert_id: str, address: str, *, token: str, bucket: str, reason: str, leave: str, at: str
    ) -> bool: ...


class AlertSms(Protocol):
    def send(self, *, to: str, sender: Sender, body: str, media_url: str | None = None) -> SentSms: ...

    def find_sent(self, *, to: str, body: str, since: datetime) -> SentSms | None: ...


@dataclass(frozen=True)
class AlertMessage:
    """One alert as a voice call or an email carries it."""

    alert: Alert
    address: str  # the resident (their phone address: the consent ledger's key)
    to: str  # where it goes: the number to call, or the email address
    language: str
    body: str


class ChannelGateway(Protocol):
    """Voice calls (Twilio) or email (SES): send one alert; find one sent since a moment, after a crash."""

    def send(self, message: AlertMessage) -> SentSms: ...

    def find_sent(self, message: AlertMessage, since: datetime) -> SentSms | None: ...


class Threads(Protocol):
    def thread_for(self, address: str, at: str) -> str: ...


class WakeSchedules(Protocol):
    def ensure_wake(self, alert_id: str, wake_at: str) -> None: ...


class CarrierOptOuts(Protocol):
    def record_carrier_opt_out(self, address: str, channel: Channel, at: str, source_id: str) -> None: ...


@dataclass(frozen=True)
class DeliveryDependencies:
    store: DeliveryStore
    sms: AlertSms
    threads: Threads
    wakes: WakeSchedules
    opt_outs: CarrierOptOuts
    limiter: RateLimiter
    sender: Sender
    agency_time_zone: str
    quiet_hours: QuietHours = QuietHours()
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    sleep: Callable[[float], None] = lambda seconds: None
    # Issue 22: the other channels' gateways and pacers (texts use `sms` and `limiter`).
    channels: Mapping[str, ChannelGateway] = field(default_factory=dict)
    channel_limiters: Mapping[str, RateLimiter] = field(default_factory=dict)


def bucket_of(status: str) -> str:
    """The figure a Twilio status counts in: handed to Twilio is `sent` until the carrier says more."""
    status = status.strip().lower()
    if status in ("delivered", "read"):
        return "delivered"
    if status in ("failed", "undelivered"):
        return status
    return "sent"


def may_receive_alert(
    consent: dict[str, Any] | None, address: str, topics: tuple[str, ...], channel: str = "sms"
) -> bool:
    """Subscribed, now, to at least one of the alert's topics, not opted out of it or of everything, and
    wanting alerts on this channel."""
    state = state_from_item(address, consent)
    if not state.alerts_by(channel):
        return False
    return any(topic in state.topics and state.may_receive(topic) for topic in topics)


def wake_label(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def deliver(job: DeliveryJob, deps: DeliveryDependencies, *, upcoming: int = 1) -> DeliveryOutcome:
    outcome = _deliver(job, deps, upcoming)
    logger.info(
        "Alert delivery",
        extra={
            "alert_id": job.alert_id,
            "to_hash": redact_address(job.address),
            "channel": job.channel,
            "outcome": outcome.value,
        },
    )
    metrics.add_metric(
        name="AlertDelivery" + outcome.value.title().replace("_", ""), unit=MetricUnit.Count, value=1
    )
    return outcome


def _deliver(job: DeliveryJob, deps: DeliveryDependencies, upcoming: int) -> DeliveryOutcome:
    store = deps.store
    alert = store.get_alert(job.alert_id)
    if alert is None or alert.status == "cancelled":
        return DeliveryOutcome.MISSING
    key = job.key
    previous = store.delivery(job.alert_id, key)
    language, body = alert.text_for(job.language)
    if previous is not None:
        state = previous.get("state")
        if state in FINAL_STATES:
            return DeliveryOutcome.DUPLICATE
        if state == "sending":
            adopted = _recover_claim(alert, job, previous, language, body, deps)
            if adopted is not None:
                return adopted

    now = deps.now()
    at = format_timestamp(now)
    consent = store.consent_item(job.address)
    if not may_receive_alert(consent, job.address, alert.topics, job.channel):
        return _opted_out(store, job, previous, at)

    if not alert.emergency and job.channel != "email":
        area_zones = store.zone_time_zones()
        zone = zone_for(
            str(consent.get("time_zone") or "") if consent else None,
            *(area_zones.get(z) for z in job.zones),
            default=deps.agency_time_zone,
        )
        if deps.quiet_hours.is_quiet(now, zone):
            wake_at = wake_label(deps.quiet_hours.next_allowed(now, zone))
            if (
                previous is not None
                and previous.get("state") == "waiting"
                and previous.get("wake_at") == wake_at
            ):
                return DeliveryOutcome.DUPLICATE
            # The schedule first: a wave written without its schedule would never wake.
            deps.wakes.ensure_wake(job.alert_id, wake_at)
            fields = {
                "state": "waiting",
                "figure": "waiting_quiet_hours",
                "decided_at": at,
                "wake_at": wake_at,
            }
            wave = {
                "pk": f"ALERTWAKE#{job.alert_id}#{wake_at}",
                "sk": f"TO#{key}",
                "address": job.address,
                "language": language,
                "zones": list(job.zones),
            }
            if job.channel != "sms":
                wave["channel"] = job.channel
            done = store.decide(
                job.alert_id,
                key,
                previous=previous,
                fields=fields,
                enter="waiting_quiet_hours",
                wave=wave,
            )
            return DeliveryOutcome.WAITING if done else DeliveryOutcome.LOST_CLAIM

    thread_id = deps.threads.thread_for(job.address, at)
    limiter = deps.channel_limiters.get(job.channel, deps.limiter)
    if limiter.acquire(upcoming):
        # The pacer slept into a later second: a STOP may have landed since the check above. Read again
        # (only then: an unpaced send adds no read), so the window left is the milliseconds to the carrier.
        consent = store.consent_item(job.address)
        if not may_receive_alert(consent, job.address, alert.topics, job.channel):
            return _opted_out(store, job, previous, format_timestamp(deps.now()))
    token = uuid.uuid4().hex
    claim_at = deps.now()
    claim = {
        "state": "sending",
        "figure": previous["figure"] if previous else "queued",
        "claim_at": format_timestamp(claim_at),
        "claim_token": token,
    }
    if not store.decide(job.alert_id, key, previous=previous, fields=claim):
        return DeliveryOutcome.LOST_CLAIM
    outgoing = Outgoing(job, _message(alert, job, state_from_item(job.address, consent), language, body))
    return _send(
        alert, outgoing, deps, token=token, leave=claim["figure"], since=claim_at, thread_id=thread_id
    )


@dataclass(frozen=True)
class Outgoing:
    """What one delivery sends: a text's body, or a call's or an email's message."""

    job: DeliveryJob
    message: AlertMessage

    def send(self, deps: DeliveryDependencies) -> SentSms:
        if self.job.channel == "sms":
            sender = _sender_for(self.job.address, deps.sender)
            image = self.message.alert.image_url
            if image:  # an MMS: the picture rides with the text
                return deps.sms.send(
                    to=self.job.address, sender=sender, body=self.message.body, media_url=image
                )
            return deps.sms.send(to=self.job.address, sender=sender, body=self.message.body)
        gateway = deps.channels.get(self.job.channel)
        if gateway is None or not self.message.to:
            raise RecipientRejected(CHANNEL_UNAVAILABLE, 0)
        return gateway.send(self.message)

    def find_sent(self, deps: DeliveryDependencies, since: datetime) -> SentSms | None:
        if self.job.channel == "sms":
            return deps.sms.find_sent(to=self.job.address, body=self.message.body, since=since)
        gateway = deps.channels.get(self.job.channel)
        return gateway.find_sent(self.message, since) if gateway is not None and self.message.to else None


def _message(alert: Alert, job: DeliveryJob, state: ConsentState, language: str, body: str) -> AlertMessage:
    to = (state.email or "") if job.channel == "email" else job.address
    return AlertMessage(alert=alert, address=job.address, to=to, language=language, body=body)


def _opted_out(
    store: DeliveryStore, job: DeliveryJob, previous: dict[str, Any] | None, at: str
) -> DeliveryOutcome:
    fields = {"state": "opted_out", "figure": "opted_out", "decided_at": at}
    done = store.decide(job.alert_id, job.key, previous=previous, fields=fields, enter="opted_out")
    return DeliveryOutcome.OPTED_OUT if done else DeliveryOutcome.LOST_CLAIM


def _recover_claim(
    alert: Alert,
    job: DeliveryJob,
    previous: dict[str, Any],
    language: str,
    body: str,
    deps: DeliveryDependencies,
) -> DeliveryOutcome | None:
    """A claim left in `sending`: adopt what Twilio has, wait for a live worker, or (None) send it again."""
    claim_at = datetime.fromisoformat(str(previous["claim_at"]).replace("Z", "+00:00"))
    if deps.now() - claim_at < timedelta(seconds=IN_FLIGHT_S):
        raise StillInFlight(job.alert_id)
    state = state_from_item(job.address, deps.store.consent_item(job.address))
    outgoing = Outgoing(job, _message(alert, job, state, language, body))
    found = outgoing.find_sent(deps, claim_at - CLOCK_SKEW)
    if found is None:
        return None
    thread_id = deps.threads.thread_for(job.address, format_timestamp(deps.now()))
    recorded = _record_sent(
        alert,
        job,
        deps,
        found,
        token=str(previous["claim_token"]),
        leave=str(previous["figure"]),
        thread_id=thread_id,
    )
    return DeliveryOutcome.ADOPTED if recorded else DeliveryOutcome.LOST_CLAIM


def _send(
    alert: Alert,
    outgoing: Outgoing,
    deps: DeliveryDependencies,
    *,
    token: str,
    leave: str,
    since: datetime,
    thread_id: str,
) -> DeliveryOutcome:
    job = outgoing.job
    sent: SentSms | None = None
    for attempt in range(SEND_ATTEMPTS):
        try:
            sent = outgoing.send(deps)
            break
        except RecipientRejected as rejection:
            at = format_timestamp(deps.now())
            bucket = "failed"
            if rejection.code == TWILIO_OPTED_OUT and job.channel == "sms":
                # The carrier says STOP: the ledger records it before the figure (if this raises, the
                # claim stays and the record is retried), and the number is never tried again.
                resident = parse_address(job.address)
                deps.opt_outs.record_carrier_opt_out(job.address, resident.channel, at, f"{job.alert_id}")
                bucket = "opted_out"
            deps.store.record_rejected(
                job.alert_id,
                job.key,
                token=token,
                bucket=bucket,
                reason=rejection.code,
                leave=leave,
                at=at,
            )
            return DeliveryOutcome.REJECTED
        except TransientSendFailure as failure:
            if attempt == SEND_ATTEMPTS - 1:
                raise
            deps.sleep(backoff_delay(attempt))
            if failure.http_status != 429:
                # A 5xx or a lost connection: Twilio may have created the message before failing.
                sent = outgoing.find_sent(deps, since - CLOCK_SKEW)
                if sent is not None:
                    break
    assert sent is not None
    _record_sent(alert, job, deps, sent, token=token, leave=leave, thread_id=thread_id)
    return DeliveryOutcome.SENT


def _sender_for(address: str, sender: Sender) -> Sender:
    """WhatsApp residents get the agency number on WhatsApp; a Messaging Service picks its own sender."""
    if sender.from_address is None:
        return sender
    return Sender(from_address=address_on_channel(sender.from_address, parse_address(address).channel))


def _record_sent(
    alert: Alert,
    job: DeliveryJob,
    deps: DeliveryDependencies,
    sent: SentSms,
    *,
    token: str,
    leave: str,
    thread_id: str,
) -> bool:
    return deps.store.record_sent(
        alert,
        job.key,
        token=token,
        sid=sent.sid,
        bucket=bucket_of(sent.status),
        status=sent.status,
        rank=rank_of(sent.status) or 0,
        leave=leave,
        thread_id=thread_id,
        at=format_timestamp(deps.now()),
    )
