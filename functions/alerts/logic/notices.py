"""Supervisors manage recurring notices; each one is a schedule in EventBridge Scheduler. When a schedule
fires, the notice becomes an alert to its topic's current subscribers (and zones), sent by the alerts fan-out,
which applies consent and quiet hours per resident: a notice never has a sender of its own."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Protocol

from switchboard.audit import Actor, AuditLog
from switchboard.clock import utc_now_iso
from switchboard.observability import logger

from alerts.logic.compose import ZIP_ZONE, Catalogue
from alerts.models.alerts import UnknownLanguage, UnknownTopic, UnknownZone
from alerts.models.notices import NOTICE_ID, FireEvent, Notice, NoticeRequest, NoticeState


class NoticeNotFound(LookupError):
    pass


def check_targets(catalogue: Catalogue, request: NoticeRequest) -> None:
    """A notice names what an alert may: the agency's topics, zones (or zip:NNNNN) and languages."""
    if request.topic not in catalogue.topics:
        raise UnknownTopic(request.topic)
    for zone in request.zones:
        if zone not in catalogue.zones and not ZIP_ZONE.match(zone):
            raise UnknownZone(zone)
    for language in request.texts:
        if language not in catalogue.languages:
            raise UnknownLanguage(language)


class NoticeStore(Protocol):
    def put(self, notice: Notice, *, new: bool) -> bool: ...

    def get(self, notice_id: str) -> Notice | None: ...

    def list(self) -> list[Notice]: ...

    def delete(self, notice_id: str) -> bool: ...

    def claim_firing(self, notice_id: str, scheduled_time: str, now: str) -> bool: ...

    def release_firing(self, notice_id: str, scheduled_time: str) -> None: ...

    def record_fired(self, notice_id: str, scheduled_time: str, alert_id: str, now: str) -> None: ...


class Schedules(Protocol):
    def create(self, notice: Notice) -> None: ...

    def update(self, notice: Notice) -> None: ...

    def delete(self, notice_id: str) -> None: ...


class AlertMaker(Protocol):
    def alert_from_notice(self, notice: Notice, scheduled_time: str) -> str:
        """Creates (and starts) the alert that sends this occurrence; returns its id."""
        ...


def new_notice_id() -> str:
    return "nt" + secrets.token_hex(8)


def _find(store: NoticeStore, notice_id: str) -> Notice:
    notice = store.get(notice_id) if NOTICE_ID.match(notice_id) else None
    if notice is None:
        raise NoticeNotFound(notice_id)
    return notice


def create_notice(
    store: NoticeStore,
    schedules: Schedules,
    audit: AuditLog,
    catalogue: Catalogue,
    actor: Actor,
    request: NoticeRequest,
    now: Callable[[], str] = utc_now_iso,
    make_id: Callable[[], str] = new_notice_id,
) -> Notice:
    check_targets(catalogue, request)
    at = now()
    notice = Notice(
        notice_id=make_id(),
        state="ENABLED",
        created_at=at,
        created_by=actor.sub,
        updated_at=at,
        **request.model_dump(),
    )
    # The item first: a schedule whose notice is missing would fire into nothing. If the schedule cannot be
    # made, the item goes again and the supervisor sees the error.
    store.put(notice, new=True)
    try:
        schedules.create(notice)
    except Exception:
        store.delete(notice.notice_id)
        raise
    audit.record(actor, "notice.save", detail={"notice_id": notice.notice_id, "topic": notice.topic})
    logger.info("Notice created", extra={"notice_id": notice.notice_id, "schedule": notice.schedule})
    return notice


def edit_notice(
    store: NoticeStore,
    schedules: Schedules,
    audit: AuditLog,
    catalogue: Catalogue,
    actor: Actor,
    notice_id: str,
    request: NoticeRequest,
    now: Callable[[], str] = utc_now_iso,
) -> Notice:
    current = _find(store, notice_id)
    check_targets(catalogue, request)
    notice = current.model_copy(update={**request.model_dump(), "updated_at": now()})
    schedules.update(notice)
    if not store.put(notice, new=False):
        raise NoticeNotFound(notice_id)
    audit.record(actor, "notice.save", detail={"notice_id": notice_id, "topic": notice.topic})
    return notice


def set_state(
    store: NoticeStore,
    schedules: Schedules,
    audit: AuditLog,
    actor: Actor,
    notice_id: str,
    state: NoticeState,
    now: Callable[[], str] = utc_now_iso,
) -> Notice:
    """Pause (DISABLED) or resume (ENABLED): the schedule's own state, so a paused notice never fires."""
    notice = _find(store, notice_id).model_copy(update={"state": state, "updated_at": now()})
    schedules.update(notice)
    if not store.put(notice, new=False):
        raise NoticeNotFound(notice_id)
    audit.record(
        actor, "notice.pause" if state == "DISABLED" else "notice.resume", detail={"notice_id": notice_id}
    )
    return notice


def delete_notice(
    store: NoticeStore, schedules: Schedules, audit: AuditLog, actor: Actor, notice_id: str
) -> None:
    _find(store, notice_id)
    schedules.delete(notice_id)  # the schedule first: nothing fires for a notice being deleted
    store.delete(notice_id)
    audit.record(actor, "notice.delete", detail={"notice_id": notice_id})


def fire_notice(
    store: NoticeStore, alerts: AlertMaker, event: FireEvent, now: Callable[[], str] = utc_now_iso
) -> str | None:
    """One occurrence of a notice's schedule: an alert to the topic's subscribers, once. None when nothing is
    sent (deleted or paused meanwhile, or this occurrence already went out)."""
    notice = store.get(event.notice_id)
    if notice is None or notice.state != "ENABLED":
        logger.info("Notice not sent", extra={"notice_id": event.notice_id, "reason": "deleted or paused"})
        return None
    if not store.claim_firing(notice.notice_id, event.scheduled_time, now()):
        logger.info("Notice occurrence already sent", extra={"notice_id": notice.notice_id})
        return None
    try:
        alert_id = alerts.alert_from_notice(notice, event.scheduled_time)
    except Exception:
        store.release_firing(notice.notice_id, event.scheduled_time)  # Scheduler retries this occurrence
        raise
    store.record_fired(notice.notice_id, event.scheduled_time, alert_id, now())
    logger.info("Notice sent as an alert", extra={"notice_id": notice.notice_id, "alert_id": alert_id})
    return alert_id
