"""The callback workflow's steps (the state machine in infra/callbacks.py calls them through CallbackStepsFn).

Steps are safe to retry (Step Functions retries them): statuses are set, not counted, and a step that texts
the resident checks the callback's status first, so a retried step does not text twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from switchboard import i18n
from switchboard.clock import utc_now_iso
from switchboard.observability import logger

from callbacks.models.callbacks import Callback, CallbackStart

WORKFLOW_AUTHOR = "workflow:callbacks"


class CallbackStore(Protocol):
    def get(self, callback_id: str) -> Callback | None: ...

    def set_status(self, callback_id: str, status: str, now: str, **fields: Any) -> None: ...

    def open_task(
        self, callback_id: str, token: str, status: str, attempt: int, escalated: bool, now: str
    ) -> Callback: ...


# Sends a text into the resident's thread (stored, then queued for the sender): (thread_id, body, message_id).
TextResident = Callable[[str, str, str], None]


class CallbackCancelled(Exception):
    """The resident cancelled: the step has nothing to do (the execution is being stopped)."""


def local_time(iso: str, zone: str, lang: str | None = None) -> str:
    """A slot as the resident reads it, in their language and the agency's time zone."""
    return i18n.when(datetime.fromisoformat(iso.replace("Z", "+00:00")), lang, zone)


def message_id_for(callback_id: str, step: str, attempt: int) -> str:
    return hashlib.sha256(f"{callback_id}:{step}:{attempt}".encode()).hexdigest()[:32]


def run_step(
    event: dict[str, Any],
    store: CallbackStore,
    text: TextResident,
    *,
    agency_name: str,
    zone: str,
    now: Callable[[], str] = utc_now_iso,
) -> dict[str, Any]:
    step = event.get("step")
    start = CallbackStart.model_validate(event["callback"])
    callback = store.get(start.callback_id)
    if callback is None:
        raise LookupError("callback not found")
    if callback.status == "cancelled":
        raise CallbackCancelled(start.callback_id)
    log_keys = {
        "callback_id": start.callback_id,
        "step": step,
        "attempt": event.get("attempt", start.attempt),
    }
    if step == "remind":
        if callback.status != "booked":  # a retried step: the reminder already went out
            return {"callback_id": start.callback_id, "step": step, "repeated": True}
        when = local_time(start.slot_at, zone, start.language)
        text(
            start.thread_id,
            i18n.say("callbacks.reminder", start.language, agency=agency_name, when=when),
            message_id_for(start.callback_id, "remind", 0),
        )
        store.set_status(start.callback_id, "reminded", now())
    elif step == "offer":
        status = str(event["status"])
        if status not in ("due", "escalated", "in_call"):
            raise ValueError(f"unknown offer status {status}")
        store.open_task(
            start.callback_id,
            str(event["task_token"]),
            status,
            int(event.get("attempt", 1)),
            status == "escalated" or bool(event.get("escalated")),
            now(),
        )
    elif step == "done":
        store.set_status(start.callback_id, "done", now(), outcome="done")
    elif step == "no_answer":
        if callback.status == "no_answer":
            return {"callback_id": start.callback_id, "step": step, "repeated": True}
        text(
            start.thread_id,
            i18n.say("callbacks.no_answer", start.language, agency=agency_name),
            message_id_for(start.callback_id, "no_answer", 0),
        )
        store.set_status(start.callback_id, "no_answer", now(), outcome="no_answer")
    elif step == "failed":
        store.set_status(start.callback_id, "failed", now())
    else:
        raise ValueError(f"unknown step {step!r}")
    logger.info("Callback step done", extra=log_keys)
    return {"callback_id": start.callback_id, "step": step}
