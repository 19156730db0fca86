"""AlertSendQueue consumer: one alert text, voice call or email per record, exactly once per (alert,
resident, channel), each channel paced to its own rate (alerts.logic.delivery)."""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import boto3
from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_table import InboxTable
from inbox.logic.consent_changes import ConsentGate
from inbox.models.records import new_id
from switchboard.batch import sqs_batch_handler, standard_processor
from switchboard.phone import address_on_channel, parse_address
from switchboard.settings import AlertSenderSettings, load_settings
from switchboard.twilio_client import twilio_client_from_secret
from switchboard.twilio_sms import Sender

from alerts.dal.alerts_table import AlertsTable
from alerts.dal.rate_windows import RateWindowTable
from alerts.integrations.alert_calls import TwilioAlertCalls
from alerts.integrations.alert_email import SesAlertEmail
from alerts.integrations.alert_sms import TwilioAlertSms
from alerts.integrations.schedules import PlanSchedules
from alerts.logic.delivery import ChannelGateway, DeliveryDependencies, deliver
from alerts.logic.pacing import RateLimiter
from alerts.models.alerts import DeliveryRecord

settings = load_settings(AlertSenderSettings)


class ResidentThreads:
    """The resident's thread id; a resident who never wrote in gets one (the alert's replies land there)."""

    def __init__(self, inbox: InboxTable) -> None:
        self._inbox = inbox

    def thread_for(self, address: str, at: str) -> str:
        return self._inbox.thread_for_resident(parse_address(address), new_id(), at)


class CachedAlerts(AlertsTable):
    """An alert does not change once it is sending: each container reads it once a minute, not per text."""

    def __init__(self, table: Any) -> None:
        super().__init__(table)
        self._alerts: dict[str, tuple[float, Any]] = {}
        self._zones: tuple[float, dict[str, str]] | None = None

    def get_alert(self, alert_id: str, *, consistent: bool = False) -> Any:
        now = time.monotonic()
        cached = self._alerts.get(alert_id)
        if cached is None or now - cached[0] > 60:
            cached = (now, super().get_alert(alert_id, consistent=consistent))
            self._alerts[alert_id] = cached
        return cached[1]

    def zone_time_zones(self) -> dict[str, str]:
        now = time.monotonic()
        if self._zones is None or now - self._zones[0] > 60:
            self._zones = (now, super().zone_time_zones())
        return self._zones[1]


def sender() -> Sender:
    if settings.twilio_messaging_service_sid:
        return Sender(messaging_service_sid=settings.twilio_messaging_service_sid)
    return Sender(from_address=address_on_channel(settings.twilio_from_number, "sms"))


def twilio() -> Any:
    return twilio_client_from_secret(settings.twilio_secret_arn, settings.twilio_api_base_url)


def channel_gateways(store: AlertsTable) -> dict[str, ChannelGateway]:
    """Voice calls from the agency number; email only once a sender identity is configured."""
    gateways: dict[str, ChannelGateway] = {}
    if settings.twilio_from_number:
        gateways["voice"] = TwilioAlertCalls(
            twilio,
            from_number=settings.twilio_from_number,
            public_api_url=settings.public_api_url,
            agency=lambda: settings.agency_name,
            status_callback_url=settings.call_status_callback_url,
        )
    if settings.alert_email_sender:
        gateways["email"] = SesAlertEmail(
            boto3.client("sesv2"),
            sender=settings.alert_email_sender,
            configuration_set=settings.alert_email_configuration_set,
            public_api_url=settings.public_api_url,
            agency=lambda: settings.agency_name,
            tokens=store,
        )
    return gateways


@cache
def dependencies() -> DeliveryDependencies:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    store = CachedAlerts(table)
    return DeliveryDependencies(
        store=store,
        sms=TwilioAlertSms(twilio, settings.status_callback_url),
        threads=ResidentThreads(InboxTable(table)),
        wakes=PlanSchedules(
            boto3.client("scheduler"),
            group=settings.alert_schedule_group,
            queue_arn=settings.alert_plan_queue_arn,
            role_arn=settings.alert_scheduler_role_arn,
        ),
        opt_outs=ConsentGate(ConsentTable(table)),
        limiter=RateLimiter(RateWindowTable(table), settings.alert_send_rate),
        sender=sender(),
        agency_time_zone=settings.agency_time_zone,
        sleep=time.sleep,
        channels=channel_gateways(store),
        channel_limiters={
            "voice": RateLimiter(RateWindowTable(table, "call"), settings.alert_call_rate),
            "email": RateLimiter(RateWindowTable(table, "email"), settings.alert_email_rate),
        },
    )


def deliver_record(record: DeliveryRecord) -> None:
    deliver(record.body, dependencies(), upcoming=10)


handler = sqs_batch_handler(deliver_record, standard_processor(DeliveryRecord))
