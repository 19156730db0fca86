"""Reminder texts in the record's language, the due date written per locale (issue 20)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from reminders.logic.reminders import DEFAULT_PLANS, Sender, reminder_text


class NoAgencyPlans:
    def plans(self) -> list[dict[str, Any]]:
        return []


def text_for(language: str | None, name: str = "Ana María") -> str:
    sender = Sender(NoAgencyPlans(), None, lambda address: False, "Demo County", ZoneInfo("America/New_York"))  # type: ignore[arg-type]
    record = {"kind": "payment_due", "due_date": "2026-03-03", "name": name, "language": language}
    return reminder_text(record, sender)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Demo County: Hi Ana, a payment is due on Tuesday, March 3. Reply DONE once paid"),
        ("es", "Demo County: Hola Ana, tiene un pago pendiente para el martes 3 de marzo. Responda LISTO"),
        (
            "vi",
            "Demo County: Xin chào Ana, quý vị có một khoản thanh toán đến hạn vào Thứ Ba, ngày 3 tháng 3.",
        ),
        ("ko", "Demo County: Hi Ana, a payment is due on Tuesday, March 3."),  # no catalog yet: English
        (None, "Demo County: Hi Ana, a payment is due on Tuesday, March 3."),
    ],
)
def test_the_reminder_is_in_the_records_language(language: str | None, expected: str) -> None:
    assert text_for(language).startswith(expected)


def test_a_record_without_a_name_is_greeted_in_its_language() -> None:
    assert text_for("es", name="").startswith("Demo County: Hola residente, tiene un pago")
    assert text_for("en", name="").startswith("Demo County: Hi there, a payment")


def test_the_default_plans_carry_every_catalog_language() -> None:
    assert {"en", "es", "vi"} <= set(DEFAULT_PLANS["licence_renewal"].texts)
