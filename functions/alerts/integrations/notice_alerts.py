"""A notice occurrence becomes an alert, created and started exactly as the alerts API does
(`alerts.logic.compose.create_alert`): the alerts fan-out then sends it to the topic's current subscribers,
checking consent right before each send, holding messages through quiet hours, pacing to the sender's rate and
keeping the alert's figures. Notices have no sender of their own."""

from __future__ import annotations

import hashlib
from typing import Any, get_args

from inbox.dal.consent_table import ConsentTable
from switchboard.geo.places import ZoneSource
from switchboard.languages import Language

from alerts.dal.alerts_table import AlertsTable
from alerts.integrations.queues import SqsPlanQueue
from alerts.logic.compose import Catalogue, create_alert
from alerts.models.alerts import CreateAlertRequest
from alerts.models.notices import Notice


def alert_catalogue(table: Any, places: ZoneSource) -> Catalogue:
    """What a notice may name: the same topics, zones and languages an alert may."""
    zones: dict[str, tuple[str, str]] = {zone.zone: (zone.name, "polygon") for zone in places.polygon_zones()}
    for zip_code in sorted(AlertsTable(table).zip_zones()):
        zones[f"zip:{zip_code}"] = (zip_code, "zip")
    return Catalogue(
        topics={topic.code: topic.name for topic in ConsentTable(table).topics()},
        zones=zones,
        languages=list(get_args(Language)),
    )


def occurrence_alert_id(notice_id: str, scheduled_time: str) -> str:
    """The same occurrence always makes the same alert id (the alerts API's `al` + 16 hex digits)."""
    return "al" + hashlib.sha256(f"{notice_id}|{scheduled_time}".encode()).hexdigest()[:16]


class _StartNow:
    """A notice's alert goes out when its schedule fires: the plan job goes straight on AlertPlanQueue."""

    def __init__(self, plan_queue: SqsPlanQueue) -> None:
        self._plan_queue = plan_queue

    def start_now(self, alert_id: str) -> None:
        self._plan_queue.start_now(alert_id)

    def schedule_alert(self, alert_id: str, send_at_utc: str) -> None:
        raise RuntimeError("a notice's alert is never scheduled: its own schedule already fired")

    def cancel_alert(self, alert_id: str) -> None:
        raise RuntimeError("a notice's alert is never scheduled, so never cancelled here")


class FanOutAlerts:
    def __init__(self, table: Any, places: ZoneSource, plan_queue: SqsPlanQueue, redirect_base: str) -> None:
        self._table = table
        self._places = places
        self._starter = _StartNow(plan_queue)
        self._redirect_base = redirect_base

    def alert_from_notice(self, notice: Notice, scheduled_time: str) -> str:
        request = CreateAlertRequest(
            title=notice.title,
            topics=[notice.topic],
            zones=notice.zones,
            texts=notice.texts,
            emergency=False,  # a routine notice never wakes anyone: quiet hours hold it
            send_at=None,
            track_links=False,
        )
        alert = create_alert(
            AlertsTable(self._table),
            self._starter,
            alert_catalogue(self._table, self._places),
            request,
            actor=f"notice:{notice.notice_id}",
            redirect_base=self._redirect_base,
            make_id=lambda: occurrence_alert_id(notice.notice_id, scheduled_time),
        )
        return alert.alert_id
