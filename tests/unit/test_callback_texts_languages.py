"""The callback workflow's texts (reminder, no answer) in the language the booking recorded (issue 20)."""

from __future__ import annotations

from typing import Any

import pytest
from callbacks.logic.workflow import run_step
from callbacks.models.callbacks import Callback

SLOT = "2026-11-25T14:30:00Z"  # 09:30 in New York


class OneCallback:
    def __init__(self) -> None:
        self.callback = Callback(
            callback_id="cb-0123456789abcdef", thread_id="t1", department="general", slot_at=SLOT,
            remind_at="2026-11-25T13:30:00Z", status="booked", created_at="x", updated_at="x",
        )  # fmt: skip
        self.statuses: list[str] = []

    def get(self, callback_id: str) -> Callback | None:
        return self.callback

    def set_status(self, callback_id: str, status: str, now: str, **fields: Any) -> None:
        self.statuses.append(status)
        self.callback = self.callback.model_copy(update={"status": status})


def texts_for(step: str, language: str | None) -> list[str]:
    sent: list[str] = []
    start = {"callback_id": "cb-0123456789abcdef", "thread_id": "t1", "department": "general",
             "slot_at": SLOT, "remind_at": "2026-11-25T13:30:00Z", "language": language}  # fmt: skip
    run_step(
        {"step": step, "callback": start},
        OneCallback(),
        lambda thread_id, body, message_id: sent.append(body),
        agency_name="Demo County",
        zone="America/New_York",
    )
    return sent


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            None,
            "Demo County: reminder, we will call you back Wednesday, November 25 at 9:30 AM. Reply CALLBACK",
        ),
        (
            "es",
            "Demo County: recordatorio: le llamaremos el miércoles 25 de noviembre, 09:30. Responda LLAMADA",
        ),
        ("vi", "Demo County: nhắc nhở, chúng tôi sẽ gọi lại cho quý vị lúc 09:30, Thứ Tư, ngày 25 tháng 11."),
    ],
)
def test_the_reminder_is_in_the_residents_language_and_the_agencys_time(
    language: str | None, expected: str
) -> None:
    [reminder] = texts_for("remind", language)
    assert reminder.startswith(expected)


def test_no_answer_in_spanish() -> None:
    assert texts_for("no_answer", "es") == [
        "Demo County: intentamos llamarle dos veces y no pudimos comunicarnos. "
        "Responda LLAMADA para reservar otro horario."
    ]
