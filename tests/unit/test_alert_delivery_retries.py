"""The alert sender when Twilio falters or a claim is old: 429 retried in place after a growing backoff, a 5xx
settled by asking Twilio before sending again, attempts bounded, the in-flight window's edge, and what the
figures record. In-memory fakes and a frozen clock (tests/unit/test_alert_delivery.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from alerts.logic import pacing
from alerts.logic.delivery import DeliveryDependencies, DeliveryOutcome, StillInFlight, bucket_of, deliver
from alerts.models.alerts import Alert
from switchboard.twilio_sms import Sender, SentSms, TransientSendFailure

from tests.unit.test_alert_delivery import ALERT, NOON, SUBSCRIBED, Recorder, Sms, Store, deps, job

RESIDENT = "+15555550100"


class FlakySms(Sms):
    """Twilio answering with `failures` (HTTP statuses, None for no answer) before it accepts; `created`
    says whether a failed call created the message all the same."""

    def __init__(self, failures: list[int | None], created: bool = False) -> None:
        super().__init__()
        self.failures, self.created = list(failures), created
        self.calls = 0
        self.looked_since: list[datetime] = []

    def send(self, *, to: str, sender: Sender, body: str) -> SentSms:
        self.calls += 1
        if self.failures:
            status = self.failures.pop(0)
            if self.created:
                self.sent.append((to, body))
            raise TransientSendFailure("twilio", status)
        return super().send(to=to, sender=sender, body=body)

    def find_sent(self, *, to: str, body: str, since: datetime) -> SentSms | None:
        self.looked_since.append(since)
        return super().find_sent(to=to, body=body, since=since)


class Ceiling:
    @staticmethod
    def uniform(low: float, high: float) -> float:
        return high


def paced(store: Store, sms: Sms, moment: datetime = NOON) -> tuple[DeliveryDependencies, list[float]]:
    slept: list[float] = []
    base = deps(store, sms, moment)
    return DeliveryDependencies(**{**base.__dict__, "sleep": slept.append}), slept


@pytest.fixture(autouse=True)
def backoff_at_its_ceiling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pacing, "random", Ceiling())


def test_a_429_is_retried_in_place_after_a_growing_backoff_without_asking_twilio() -> None:
    store, sms = Store(), FlakySms([429, 429])
    dependencies, slept = paced(store, sms)
    assert deliver(job(), dependencies) is DeliveryOutcome.SENT
    assert (sms.calls, len(sms.sent), slept, sms.looked_since) == (3, 1, [0.5, 1.0], [])
    assert store.figures == {"queued": -1, "sent": 1}


def test_a_5xx_after_twilio_created_the_message_is_adopted_not_sent_twice() -> None:
    store, sms = Store(), FlakySms([500], created=True)
    dependencies, slept = paced(store, sms)
    assert deliver(job(), dependencies) is DeliveryOutcome.SENT
    assert (sms.calls, len(sms.sent), slept) == (1, 1, [0.5])
    assert sms.looked_since == [NOON - timedelta(seconds=60)]  # since the claim, less the clock skew
    assert store.deliveries[RESIDENT]["sid"] == "SMfound"


def test_no_answer_and_nothing_created_is_sent_again() -> None:
    store, sms = Store(), FlakySms([None])
    dependencies, _ = paced(store, sms)
    assert deliver(job(), dependencies) is DeliveryOutcome.SENT
    assert (sms.calls, len(sms.sent), len(sms.looked_since)) == (2, 1, 1)


def test_four_failed_attempts_give_up_to_sqs_and_leave_the_claim() -> None:
    store, sms = Store(), FlakySms([503, 503, 503, 503])
    dependencies, slept = paced(store, sms)
    with pytest.raises(TransientSendFailure):
        deliver(job(), dependencies)
    assert (sms.calls, slept) == (4, [0.5, 1.0, 2.0])
    assert store.deliveries[RESIDENT]["state"] == "sending"


def test_a_rejection_other_than_21610_fails_without_an_opt_out() -> None:
    store, sms, recorder = Store(), Sms(reject="21211"), Recorder()
    assert deliver(job(), deps(store, sms, NOON, recorder)) is DeliveryOutcome.REJECTED
    assert recorder.calls == []
    assert store.deliveries[RESIDENT]["figure"] == "failed"
    assert store.deliveries[RESIDENT]["error_code"] == "21211"
    assert store.figures == {"queued": -1, "failed": 1}


@pytest.mark.parametrize("alert", [None, Alert(**{**ALERT.__dict__, "status": "cancelled"})])
def test_a_missing_or_cancelled_alert_sends_nothing(alert: Alert | None) -> None:
    store, sms = Store(), Sms()
    store.alert = alert  # type: ignore[assignment]
    assert deliver(job(), deps(store, sms, NOON)) is DeliveryOutcome.MISSING
    assert sms.sent == [] and store.deliveries == {}


def test_a_redelivered_waiting_job_is_a_duplicate_and_books_no_second_wake() -> None:
    store, sms, recorder = Store(), Sms(), Recorder()
    night = datetime.fromisoformat("2026-12-05T03:30:00+00:00")  # 22:30 in New York
    assert deliver(job(), deps(store, sms, night, recorder)) is DeliveryOutcome.WAITING
    assert deliver(job(), deps(store, sms, night, recorder)) is DeliveryOutcome.DUPLICATE
    assert recorder.calls == [("wake", "2026-12-05T13:00Z")]
    waiting = store.deliveries[RESIDENT]
    assert (waiting["state"], waiting["figure"]) == ("waiting", "waiting_quiet_hours")


@pytest.mark.parametrize(("age_s", "in_flight"), [(119, True), (120, False)])
def test_a_claim_is_in_flight_for_120_seconds(age_s: int, in_flight: bool) -> None:
    store, sms = Store(), Sms()
    claim_at = NOON - timedelta(seconds=age_s)
    store.deliveries[RESIDENT] = {
        "state": "sending",
        "figure": "queued",
        "claim_at": claim_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "claim_token": "x",
    }
    if in_flight:
        with pytest.raises(StillInFlight):
            deliver(job(), deps(store, sms, NOON))
    else:
        assert deliver(job(), deps(store, sms, NOON)) is DeliveryOutcome.SENT


class RecordingStore(Store):
    def __init__(self) -> None:
        super().__init__()
        self.sent_with: dict[str, Any] = {}

    def record_sent(self, alert: Alert, address: str, **kw: Any) -> bool:
        self.sent_with = dict(kw)
        return super().record_sent(alert, address, **kw)


def test_the_sent_record_carries_twilios_status_its_rank_the_thread_and_the_time() -> None:
    store, sms = RecordingStore(), Sms()
    assert deliver(job(), deps(store, sms, NOON)) is DeliveryOutcome.SENT
    kw = store.sent_with
    assert (kw["status"], kw["bucket"], kw["leave"], kw["thread_id"]) == ("queued", "sent", "queued", "t1")
    assert kw["rank"] >= 1 and kw["at"] == "2026-12-04T17:00:00.000000Z"
    assert kw["token"] == store.deliveries[RESIDENT]["claim_token"]


class SenderSeen(Sms):
    def __init__(self) -> None:
        super().__init__()
        self.senders: list[Sender] = []

    def send(self, *, to: str, sender: Sender, body: str) -> SentSms:
        self.senders.append(sender)
        return super().send(to=to, sender=sender, body=body)


def test_whatsapp_residents_get_the_agency_number_on_whatsapp_and_a_service_picks_its_own() -> None:
    store, sms = Store(), SenderSeen()
    deliver(job().model_copy(update={"address": "whatsapp:+15555550100"}), deps(store, sms, NOON))
    assert sms.senders[-1] == Sender(from_address="whatsapp:+15550100100")
    service = Sender(messaging_service_sid="MG" + "1" * 32)
    base = deps(Store(), sms, NOON)
    deliver(job(), DeliveryDependencies(**{**base.__dict__, "sender": service}))
    assert sms.senders[-1] == service


def test_a_lost_claim_sends_nothing() -> None:
    class Losing(Store):
        def decide(self, *args: Any, **kw: Any) -> bool:
            return False

    store, sms = Losing(), Sms()
    assert deliver(job(), deps(store, sms, NOON)) is DeliveryOutcome.LOST_CLAIM
    assert sms.sent == []


def test_twilio_statuses_are_read_whatever_their_case_and_spacing() -> None:
    assert [bucket_of(s) for s in (" Delivered ", "READ", "Undelivered\n", " failed")] == [
        "delivered",
        "delivered",
        "undelivered",
        "failed",
    ]


def test_an_opted_out_delivery_is_final_even_after_the_resident_opts_back_in() -> None:
    store, sms = Store(consent={"opted_out_all": True, "topics": []}), Sms()
    assert deliver(job(), deps(store, sms, NOON)) is DeliveryOutcome.OPTED_OUT
    store.consent = SUBSCRIBED  # START texted after the alert went out: this alert is still not sent
    assert deliver(job(), deps(store, sms, NOON)) is DeliveryOutcome.DUPLICATE
    assert sms.sent == []


class CountingWindows:
    def __init__(self) -> None:
        self.wanted: list[int] = []

    def take(self, window: int, want: int, limit: int) -> int:
        self.wanted.append(want)
        return want


def test_one_delivery_alone_takes_one_token_and_a_batch_takes_a_quarter_second() -> None:
    windows = CountingWindows()
    base = deps(Store(), Sms(), NOON)
    limiter = pacing.RateLimiter(windows, 10, clock=lambda: 1000.0, sleep=lambda s: None)
    deliver(job(), DeliveryDependencies(**{**base.__dict__, "limiter": limiter}))
    other = DeliveryDependencies(**{**deps(Store(), Sms(), NOON).__dict__, "limiter": limiter})
    deliver(job(), other, upcoming=10)
    assert windows.wanted == [1, 2]


class WaveStore(Store):
    def __init__(self) -> None:
        super().__init__()
        self.waves: list[dict[str, Any]] = []

    def decide(self, *args: Any, wave: Any = None, **kw: Any) -> bool:
        if wave is not None:
            self.waves.append(wave)
        return super().decide(*args, wave=wave, **kw)


def test_a_held_delivery_joins_the_wave_woken_at_eight_local() -> None:
    store, sms = WaveStore(), Sms()
    night = datetime.fromisoformat("2026-12-05T03:30:00+00:00")  # 22:30 in New York
    assert deliver(job(zones=("zip:10001",)), deps(store, sms, night)) is DeliveryOutcome.WAITING
    assert store.waves == [
        {
            "pk": f"ALERTWAKE#{ALERT.alert_id}#2026-12-05T13:00Z",
            "sk": f"TO#{RESIDENT}",
            "address": RESIDENT,
            "language": "es",
            "zones": ["zip:10001"],
        }
    ]


def test_an_old_claim_is_looked_up_at_twilio_from_a_minute_before_it() -> None:
    store, sms = Store(), FlakySms([])
    claim_at = NOON - timedelta(minutes=10)
    store.deliveries[RESIDENT] = {
        "state": "sending",
        "figure": "queued",
        "claim_at": claim_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "claim_token": "x",
    }
    assert deliver(job(), deps(store, sms, NOON)) is DeliveryOutcome.SENT
    assert sms.looked_since == [claim_at - timedelta(seconds=60)]


class StatusSms(Sms):
    """Twilio answering with a given status: `scheduled` is one this product does not rank."""

    def __init__(self, status: str) -> None:
        super().__init__()
        self.status = status

    def send(self, *, to: str, sender: Sender, body: str) -> SentSms:
        super().send(to=to, sender=sender, body=body)
        return SentSms(sid="SM" + "9" * 32, status=self.status)


@pytest.mark.parametrize(("status", "rank"), [("scheduled", 0), ("queued", 1), ("sent", 3)])
def test_the_sent_record_ranks_twilios_status_and_an_unranked_one_is_zero(status: str, rank: int) -> None:
    store = RecordingStore()
    assert deliver(job(), deps(store, StatusSms(status), NOON)) is DeliveryOutcome.SENT
    assert (store.sent_with["status"], store.sent_with["rank"]) == (status, rank)


class RejectionStore(Store):
    def __init__(self) -> None:
        super().__init__()
        self.rejected_with: dict[str, Any] = {}

    def record_rejected(self, alert_id: str, address: str, **kw: Any) -> bool:
        self.rejected_with = dict(kw)
        return super().record_rejected(alert_id, address, **kw)


def test_a_rejection_is_recorded_with_its_code_and_time() -> None:
    store = RejectionStore()
    assert deliver(job(), deps(store, Sms(reject="21211"), NOON)) is DeliveryOutcome.REJECTED
    kw = store.rejected_with
    assert (kw["reason"], kw["bucket"], kw["leave"], kw["at"]) == (
        "21211",
        "failed",
        "queued",
        "2026-12-04T17:00:00.000000Z",
    )
