"""Issue 22: a voice alert's final call status, per Twilio status, on a recording store (the DynamoDB side is
tests/integration/test_alert_call_outcomes.py)."""

from __future__ import annotations

from typing import Any

import pytest
from alerts.logic.call_outcomes import alert_of_query, answered_by, apply_call_outcome, status_callback_query

ALERT_ID = "al00000000000000cc"
SID = "CA" + "a1" * 16


class Store:
    """The sender's SID record, and the forward-only figure: a second move at the same rank is refused."""

    def __init__(self, sent: dict[str, Any] | None) -> None:
        self.sent = sent
        self.rank = 1
        self.moves: list[dict[str, Any]] = []

    def sid_alert(self, sid: str) -> dict[str, Any] | None:
        return self.sent if sid == SID else None

    def advance(self, alert_id: str, address: str, **fields: Any) -> bool:
        if fields["rank"] <= self.rank:
            return False
        self.rank = fields["rank"]
        self.moves.append({"alert_id": alert_id, "address": address, **fields})
        return True


def voice_call() -> Store:
    return Store({"alert_id": ALERT_ID, "address": "+15555550161", "channel": "voice"})


@pytest.mark.parametrize(
    ("status", "who", "bucket", "reason", "answered"),
    [
        ("completed", "human", "delivered", None, "human"),
        ("completed", "machine_end_beep", "delivered", None, "machine"),
        ("completed", "fax", "delivered", None, "machine"),
        ("completed", "unknown", "delivered", None, None),
        ("busy", "", "failed", "call_busy", None),
        ("no-answer", "", "failed", "call_no_answer", None),
        ("failed", "", "failed", "call_failed", None),
        ("canceled", "", "failed", "call_canceled", None),
    ],
)
def test_each_final_status_moves_the_voice_figure(
    status: str, who: str, bucket: str, reason: str | None, answered: str | None
) -> None:
    store = voice_call()
    params = {"CallSid": SID, "CallStatus": status, "AnsweredBy": who}
    assert apply_call_outcome(store, ALERT_ID, params) == bucket
    [move] = store.moves
    assert move["address"] == "+15555550161#voice"
    assert (move["bucket"], move["status"], move["reason"], move["answered_by"]) == (
        bucket,
        bucket,
        reason,
        answered,
    )


def test_a_redelivered_callback_is_counted_once() -> None:
    store = voice_call()
    params = {"CallSid": SID, "CallStatus": "busy"}
    assert apply_call_outcome(store, ALERT_ID, params) == "failed"
    assert apply_call_outcome(store, ALERT_ID, params) == "repeated"
    assert apply_call_outcome(store, ALERT_ID, {**params, "CallStatus": "completed"}) == "repeated"
    assert len(store.moves) == 1


OTHER_ALERT = {"alert_id": "al00000000000000dd", "address": "+15555550161", "channel": "voice"}
A_TEXT = {"alert_id": ALERT_ID, "address": "+15555550161"}


@pytest.mark.parametrize(
    ("sent", "status"),
    [
        (None, "completed"),  # a call the sender has not recorded (yet)
        (OTHER_ALERT, "completed"),  # another alert's call
        (A_TEXT, "completed"),  # the SID of a text, not a call
        (voice_call().sent, "ringing"),  # progress, not an outcome
        (voice_call().sent, "queued"),
    ],
)
def test_other_calls_and_progress_events_change_nothing(sent: dict[str, Any] | None, status: str) -> None:
    store = Store(sent)
    assert apply_call_outcome(store, ALERT_ID, {"CallSid": SID, "CallStatus": status}) == "ignored"
    assert store.moves == []


def test_the_query_names_one_alert_only() -> None:
    assert alert_of_query(status_callback_query(ALERT_ID)) == ALERT_ID
    for query in ("", "alert=", "alert=al00000000000000cc&x=1", "alert=AL00000000000000CC", "x=1"):
        assert alert_of_query(query) is None
    assert answered_by(" Human ") == "human"
