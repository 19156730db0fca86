"""Every step that applies a Twilio delivery status, registered in one place (each contract carries its
order): an alert's text moves its alert's figures; any other outbound message its own status."""

from __future__ import annotations

from typing import Any

from alerts.dal.alerts_table import AlertsTable
from alerts.logic.figures import AlertTextStatusStep
from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_table import InboxTable
from inbox.logic.consent_changes import ConsentGate
from inbox.logic.status_callbacks import MessageStatusStep
from inbox.pipeline import StatusStep
from reports.steps import ReportsAlertStatusStep

from app.reports_wiring import report_recorder


def status_steps(table: Any) -> list[StatusStep]:
    """The delivery status steps, registered in one place (each contract carries its order)."""
    return [
        ReportsAlertStatusStep(report_recorder(table)),
        AlertTextStatusStep(AlertsTable(table), ConsentGate(ConsentTable(table))),
        MessageStatusStep(InboxTable(table)),
    ]
