"""Issue 22 against moto: channel choices through the real consent table (state and subscriber items), the
email gateway through moto's SES (sesv2 SendEmail, raw MIME), per-channel delivery items and figures in the
one table, and SES's bounce moving the email's figure and the resident's ledger."""

from __future__ import annotations

from email import message_from_string, policy
from typing import Any

import boto3
from alerts.dal.alerts_table import AlertsTable, alert_pk
from alerts.integrations.alert_email import SesAlertEmail, unsubscribe_token
from alerts.logic.delivery import AlertMessage
from alerts.logic.email_consent import SesEvent, apply_ses_event
from alerts.models.alerts import Alert, delivery_key
from inbox.dal.consent_table import ConsentTable
from inbox.logic.alert_channels import channel_changes
from inbox.logic.consent_rules import apply_change
from inbox.models.consent import ConsentChange
from switchboard.statuses import rank_of

from tests.integration.conftest import REGION, Aws

PHONE = "+15555550142"
AT = "2026-12-07T10:00:00.000000Z"
SENDER = "alerts@demo.example.gov"
ALERT = Alert(
    alert_id="al00000000000000aa",
    title="Boil water",
    status="sending",
    created_at=AT,
    created_by="sup",
    send_at=None,
    emergency=True,
    emergency_reason="main break",
    topics=("WATER",),
    zones=(),
    texts={"en": "Boil water until Friday."},
    track_links=False,
)


def subscribe_with_email(table: Any) -> ConsentTable:
    ledger = ConsentTable(table)
    join = ConsentChange(PHONE, "sms", "WATER", "opt_in", AT, "signup", "s1")
    before = ledger.load_state(PHONE)
    after = apply_change(before, join)
    channels = channel_changes(after, ["sms", "email"], "ana@example.org", template=join)
    for change in channels:
        after = apply_change(after, change)
    assert ledger.record([join, *channels], before, after)
    return ledger


def start_sending(table: Any, by_channel: dict[str, int], alert: Alert = ALERT) -> AlertsTable:
    """The alert saved, scheduled, then sending to `by_channel` recipients, counted per channel."""
    alerts = AlertsTable(table)
    alerts.put_alert(alert, {})
    table.update_item(
        Key={"pk": alert_pk(alert.alert_id), "sk": "META"},
        UpdateExpression="SET #s = :scheduled",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":scheduled": "scheduled"},
    )
    assert alerts.start_sending(alert.alert_id, sum(by_channel.values()), AT, by_channel=by_channel)
    return alerts


def test_channels_and_email_reach_the_state_and_the_subscriber_items(aws: Aws) -> None:
    ledger = subscribe_with_email(aws.table)
    state = ledger.load_state(PHONE)
    assert state.channels == {"sms", "email"} and state.email == "ana@example.org"
    [subscriber] = AlertsTable(aws.table).subscribers("WATER")
    assert subscriber.channels == ("email", "sms")
    assert [(c.medium, c.action) for c in ledger.history(PHONE) if c.medium] == [("email", "opt_in")]


def test_an_email_through_moto_ses_then_its_bounce_fails_the_figure_and_stops_email(aws: Aws) -> None:
    # Given an email subscriber and a sending alert counted per channel
    ledger = subscribe_with_email(aws.table)
    alerts = start_sending(aws.table, {"sms": 1, "email": 1})
    ses = boto3.client("sesv2", region_name=REGION)
    ses.create_email_identity(EmailIdentity=SENDER)
    gateway = SesAlertEmail(
        ses,
        sender=SENDER,
        configuration_set="",
        public_api_url="https://api.example.gov",
        agency=lambda: "Demo County",
        tokens=alerts,
    )
    key = delivery_key(PHONE, "email")
    assert alerts.decide(
        ALERT.alert_id,
        key,
        previous=None,
        fields={"state": "sending", "figure": "queued", "claim_at": AT, "claim_token": "t1"},
    )

    # When the gateway sends it and the sender records it
    sent = gateway.send(AlertMessage(ALERT, PHONE, "ana@example.org", "en", "Boil water until Friday."))
    assert alerts.record_sent(
        ALERT,
        key,
        token="t1",
        sid=sent.sid,
        bucket="sent",
        status="sent",
        rank=rank_of("sent") or 0,
        leave="queued",
        thread_id="t-1",
        at=AT,
    )

    # Then SES (moto) holds one raw email with the one-click headers, and the token names the resident
    from moto.ses.models import ses_backends

    [raw] = [m.raw_data for m in ses_backends["123456789012"][REGION].sent_messages if m.id == sent.sid]
    email = message_from_string(raw, policy=policy.default)
    token = unsubscribe_token(PHONE)
    assert email["List-Unsubscribe"] == f"<https://api.example.gov/u/{token}>"
    assert alerts.unsubscribe_address(token) == PHONE
    figures, _ = alerts.figures(ALERT.alert_id)
    assert figures["email_sent"] == 1 and figures["email_queued"] == 0 and figures["queued"] == 1
    assert alerts.sid_alert(sent.sid) == {**alerts.sid_alert(sent.sid), "channel": "email", "address": PHONE}

    # When SES reports a permanent bounce of it
    event = SesEvent.model_validate(
        {
            "source": "aws.ses",
            "detail": {
                "eventType": "Bounce",
                "bounce": {"bounceType": "Permanent"},
                "mail": {"messageId": sent.sid},
            },
        }
    )
    assert apply_ses_event(event, emails=alerts, ledger=ledger, now=lambda: AT) == "bounced"

    # Then the email counts as failed with the reason, email stops, texts stay
    figures, reasons = alerts.figures(ALERT.alert_id)
    assert figures["email_sent"] == 0 and figures["email_failed"] == 1 and reasons == {"email_bounce": 1}
    state = ledger.load_state(PHONE)
    assert state.channels == {"sms"} and state.may_receive("WATER")
    [subscriber] = alerts.subscribers("WATER")
    assert subscriber.channels == ("sms",)
