"""The alert sender's rules with in-memory fakes: consent at send time, quiet hours per resident zone with a
frozen clock (DST included), the claim, 21610, and the in-flight window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alerts.logic.delivery import (
    DeliveryDependencies,
    DeliveryOutcome,
    StillInFlight,
    deliver,
    may_receive_alert,
)
from alerts.logic.pacing import RateLimiter
from alerts.models.alerts import Alert, DeliveryJob
from switchboard.twilio_sms import RecipientRejected, Sender, SentSms

ALERT = Alert(
    alert_id="al0123456789abcdef",
    title="Boil water",
    status="sending",
    created_at="2026-12-04T00:00:00.000000Z",
    created_by="sup",
    send_at=None,
    emergency=False,
    emergency_reason=None,
    topics=("WATER",),
    zones=(),
    texts={"en": "Boil water.", "es": "Hierva el agua."},
    track_links=False,
)
SUBSCRIBED = {"topics": ["WATER"], "opted_out_all": False, "stopped_topics": []}


class Store:
    def __init__(self, alert: Alert = ALERT, consent: dict[str, Any] | None = None) -> None:
        self.alert = alert
        self.consent = SUBSCRIBED if consent is None else consent
        self.deliveries: dict[str, dict[str, Any]] = {}
        self.figures: dict[str, int] = {}
        self.zones: dict[str, str] = {}

    def get_alert(self, alert_id: str, *, consistent: bool = False) -> Alert:
        return self.alert

    def delivery(self, alert_id: str, address: str) -> dict[str, Any] | None:
        found = self.deliveries.get(address)
        return dict(found) if found else None

    def consent_item(self, address: str) -> dict[str, Any] | None:
        return dict(self.consent) if self.consent else None

    def zone_time_zones(self) -> dict[str, str]:
        return self.zones

    def _move(self, leave: str, enter: str) -> None:
        if leave != enter:
            self.figures[leave] = self.figures.get(leave, 0) - 1
            self.figures[enter] = self.figures.get(enter, 0) + 1

    def decide(self, alert_id: str, address: str, *, previous: Any, fields: dict[str, Any], enter: Any = None,
               reason: Any = None, wave: Any = None) -> bool:  # fmt: skip
        current = self.deliveries.get(address)
        if (current is None) != (previous is None) or (current and current != previous):
            return False
        if enter:
            self._move(previous["figure"] if previous else "queued", enter)
        self.deliveries[address] = dict(fields)
        return True

    def record_sent(
        self, alert: Alert, address: str, *, token: str, bucket: str, leave: str, **kw: Any
    ) -> bool:
        current = self.deliveries[address]
        if current.get("state") != "sending" or current.get("claim_token") != token:
            return False
        current.update(state="sent", figure=bucket, sid=kw["sid"])
        self._move(leave, bucket)
        return True

    def record_rejected(
        self, alert_id: str, address: str, *, token: str, bucket: str, leave: str, **kw: Any
    ) -> bool:
        self.deliveries[address].update(state="failed", figure=bucket, error_code=kw["reason"])
        self._move(leave, bucket)
        return True


class Sms:
    def __init__(self, *, reject: str | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.reject = reject

    def send(self, *, to: str, sender: Sender, body: str) -> SentSms:
        if self.reject:
            raise RecipientRejected(self.reject, 400)
        self.sent.append((to, body))
        return SentSms(sid=f"SM{len(self.sent):032x}", status="queued")

    def find_sent(self, *, to: str, body: str, since: datetime) -> SentSms | None:
        return next((SentSms("SMfound", "sent") for t, b in self.sent if (t, b) == (to, body)), None)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def thread_for(self, address: str, at: str) -> str:
        return "t1"

    def ensure_wake(self, alert_id: str, wake_at: str) -> None:
        self.calls.append(("wake", wake_at))

    def record_carrier_opt_out(self, address: str, channel: str, at: str, source_id: str) -> None:
        self.calls.append(("opt_out", address))


class Windows:
    def take(self, window: int, want: int, limit: int) -> int:
        return want


def deps(store: Store, sms: Sms, moment: datetime, recorder: Recorder | None = None) -> DeliveryDependencies:
    recorder = recorder or Recorder()
    return DeliveryDependencies(
        store=store, sms=sms, threads=recorder, wakes=recorder, opt_outs=recorder,  # type: ignore[arg-type]
        limiter=RateLimiter(Windows(), 10), sender=Sender(from_address="+15550100100"),
        agency_time_zone="America/New_York", now=lambda: moment,
    )  # fmt: skip


def job(language: str | None = "es", zones: tuple[str, ...] = ()) -> DeliveryJob:
    return DeliveryJob(
        kind="alert.deliver",
        alert_id=ALERT.alert_id,
        address="+15555550100",
        language=language,
        zones=list(zones),
    )


NOON = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 12:00 in New York (EST, UTC-5)


def test_sends_once_in_the_residents_language() -> None:
    store, sms = Store(), Sms()
    assert deliver(job(), deps(store, sms, NOON)) is DeliveryOutcome.SENT
    assert deliver(job(), deps(store, sms, NOON)) is DeliveryOutcome.DUPLICATE
    assert sms.sent == [("+15555550100", "Hierva el agua.")]
    assert store.figures == {"queued": -1, "sent": 1}


@pytest.mark.parametrize(
    ("consent", "topics"),
    [
        ({"opted_out_all": True, "topics": []}, ("WATER",)),
        ({"topics": [], "stopped_topics": ["WATER"]}, ("WATER",)),
        ({"topics": ["ROADS"]}, ("WATER",)),
        ({}, ("WATER",)),
    ],
)
def test_nobody_opted_out_or_unsubscribed_is_sent_anything(
    consent: dict[str, Any], topics: tuple[str, ...]
) -> None:
    store, sms = Store(consent=consent or {"topics": []}), Sms()
    emergency = Alert(**{**ALERT.__dict__, "emergency": True, "emergency_reason": "flood", "topics": topics})
    store.alert = emergency
    assert deliver(job(), deps(store, sms, NOON)) is DeliveryOutcome.OPTED_OUT
    assert sms.sent == [] and store.figures == {"queued": -1, "opted_out": 1}


class CountingStore(Store):
    def __init__(self) -> None:
        super().__init__()
        self.consent_reads = 0

    def consent_item(self, address: str) -> dict[str, Any] | None:
        self.consent_reads += 1
        return super().consent_item(address)


class FullSecond:
    """The pacer's shared window: this second is spent once, then tokens are there."""

    def __init__(self) -> None:
        self.refusals = 1

    def take(self, window: int, want: int, limit: int) -> int:
        if self.refusals:
            self.refusals -= 1
            return 0
        return want


def test_a_stop_recorded_while_the_pacer_waits_is_honoured() -> None:
    store, sms = CountingStore(), Sms()

    def resident_texts_stop_meanwhile(seconds: float) -> None:
        store.consent = {"opted_out_all": True, "topics": [], "stopped_topics": []}

    paced = RateLimiter(FullSecond(), 10, clock=lambda: 1000.5, sleep=resident_texts_stop_meanwhile)
    dependencies = DeliveryDependencies(**{**deps(store, sms, NOON).__dict__, "limiter": paced})
    assert deliver(job(), dependencies) is DeliveryOutcome.OPTED_OUT
    assert sms.sent == [] and store.figures == {"queued": -1, "opted_out": 1}
    assert store.consent_reads == 2


def test_an_unpaced_send_reads_consent_once() -> None:
    store, sms = CountingStore(), Sms()
    assert deliver(job(), deps(store, sms, NOON)) is DeliveryOutcome.SENT
    assert store.consent_reads == 1 and len(sms.sent) == 1


def test_joining_a_topic_after_stop_all_receives_that_topic_only() -> None:
    consent = {"opted_out_all": True, "topics": ["WATER"]}
    assert may_receive_alert(consent, "+1", ("WATER",))
    assert not may_receive_alert(consent, "+1", ("ROADS",))


@pytest.mark.parametrize(
    ("moment", "zone", "quiet", "wake"),
    [
        (datetime(2026, 12, 5, 3, 30, tzinfo=UTC), None, True, "2026-12-05T13:00Z"),  # 22:30 New York
        (datetime(2026, 12, 5, 3, 30, tzinfo=UTC), "America/Los_Angeles", False, None),  # 19:30 LA
        (datetime(2026, 12, 5, 12, 59, tzinfo=UTC), None, True, "2026-12-05T13:00Z"),  # 07:59 New York
        (datetime(2026, 12, 5, 13, 0, tzinfo=UTC), None, False, None),  # 08:00 New York
        (datetime(2026, 12, 5, 3, 30, tzinfo=UTC), "Asia/Tokyo", False, None),  # 12:30 Tokyo
        # The night clocks go forward (New York, 8 March 2026): 08:00 EDT is 12:00 UTC.
        (datetime(2026, 3, 8, 6, 0, tzinfo=UTC), None, True, "2026-03-08T12:00Z"),
    ],
)
def test_quiet_hours_in_the_residents_zone_hold_non_emergencies(
    moment: datetime, zone: str | None, quiet: bool, wake: str | None
) -> None:
    store, sms, recorder = (
        Store(consent={**SUBSCRIBED, "time_zone": zone} if zone else None),
        Sms(),
        Recorder(),
    )
    outcome = deliver(job(), deps(store, sms, moment, recorder))
    if quiet:
        assert outcome is DeliveryOutcome.WAITING and sms.sent == []
        assert recorder.calls == [("wake", wake)]
        assert store.deliveries["+15555550100"]["wake_at"] == wake
        # After the wake, the same job goes out.
        later = datetime.fromisoformat(wake.replace("Z", ":00+00:00"))  # type: ignore[union-attr]
        assert deliver(job(), deps(store, sms, later)) is DeliveryOutcome.SENT
        assert store.figures == {"queued": -1, "waiting_quiet_hours": 0, "sent": 1}
    else:
        assert outcome is DeliveryOutcome.SENT


def test_a_polygon_zones_time_zone_applies_when_the_resident_has_none() -> None:
    store, sms = Store(), Sms()
    store.zones = {"area:harbor": "Pacific/Honolulu"}
    night_in_new_york = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)  # 17:30 in Honolulu
    assert deliver(job(zones=("area:harbor",)), deps(store, sms, night_in_new_york)) is DeliveryOutcome.SENT


def test_emergencies_go_through_quiet_hours() -> None:
    store, sms = Store(Alert(**{**ALERT.__dict__, "emergency": True, "emergency_reason": "flood"})), Sms()
    assert deliver(job(), deps(store, sms, datetime(2026, 12, 5, 3, 30, tzinfo=UTC))) is DeliveryOutcome.SENT


def test_21610_records_the_carrier_opt_out_and_counts_opted_out() -> None:
    store, sms, recorder = Store(), Sms(reject="21610"), Recorder()
    assert deliver(job(), deps(store, sms, NOON, recorder)) is DeliveryOutcome.REJECTED
    assert recorder.calls == [("opt_out", "+15555550100")]
    assert store.deliveries["+15555550100"]["figure"] == "opted_out"
    assert deliver(job(), deps(store, sms, NOON, recorder)) is DeliveryOutcome.DUPLICATE


def test_a_fresh_claim_is_left_to_its_worker_and_an_old_one_is_settled_with_twilio() -> None:
    store, sms = Store(), Sms()
    claim = {
        "state": "sending",
        "figure": "queued",
        "claim_at": "2026-12-04T16:59:30.000000Z",
        "claim_token": "x",
    }
    store.deliveries["+15555550100"] = dict(claim)
    with pytest.raises(StillInFlight):
        deliver(job(), deps(store, sms, NOON))
    sms.sent.append(("+15555550100", "Hierva el agua."))  # Twilio has it: the worker died after sending
    assert deliver(job(), deps(store, sms, NOON + timedelta(minutes=5))) is DeliveryOutcome.ADOPTED
    assert len(sms.sent) == 1 and store.deliveries["+15555550100"]["state"] == "sent"


def test_an_old_claim_twilio_never_saw_is_sent() -> None:
    store, sms = Store(), Sms()
    claim = {
        "state": "sending",
        "figure": "queued",
        "claim_at": "2026-12-04T16:50:00.000000Z",
        "claim_token": "x",
    }
    store.deliveries["+15555550100"] = dict(claim)
    assert deliver(job(), deps(store, sms, NOON)) is DeliveryOutcome.SENT
    assert len(sms.sent) == 1
