"""The resident panel's routes (a Router the agent API includes): who an open conversation is with, gathered
from every domain that knows them, and the language staff may set for them (issue 16, item 3).

- `GET /api/threads/{thread_id}/resident` → `ResidentProfile`: the resident's address and channel, the name
  staff set (or, for a web chat resident, the name they gave in the widget) and the phone they gave, the
  language their texts go out in, consent and topic subscriptions with the ledger behind them (newest
  first), their other conversations the caller may open, their callback and reminders, and the alerts sent
  to them.
- `PUT /api/threads/{thread_id}/resident-language` with `{"language": "es"}` → `ResidentLanguage` (audited).

Both are routes on one thread: the staff gate (switchboard.access) lets in only staff who may work it.
Several domains answer here, which is why this lives in the assembly (app) and not in one feature."""

from __future__ import annotations

import re
from typing import Any

from alerts.dal.alerts_table import AlertsTable
from aws_lambda_powertools.event_handler.api_gateway import Router
from callbacks.dal.callback_table import BookingTable
from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_views_table import InboxViewsTable
from inbox.logic.consent_changes import set_language
from inbox.logic.inbox_views import Visibility
from inbox.models.errors import ThreadNotFound
from pydantic import BaseModel, ConfigDict
from reminders.dal.reminders_table import RemindersTable
from subscriptions.models.views import ConsentEntry, ConsentSummary
from switchboard.audit import Actor
from switchboard.clock import utc_now_iso
from switchboard.languages import Language
from switchboard.phone import WEBCHAT_PREFIX, parse_address
from switchboard.staff_routes import current_staff, requires
from switchboard.table_keys import THREAD_META_SK, thread_pk
from translation.dal.translation_table import TranslationTable
from webchat.dal.chat_table import ChatTable

router = Router()
AGENT = [requires("agent")]
_THREAD_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
HISTORY_LIMIT = 50
RECENT_ALERTS = 50  # the alerts checked for a delivery to this resident, newest first


class ResidentAddress(BaseModel):
    address: str


class EarlierConversation(BaseModel):
    thread_id: str
    resident: ResidentAddress
    channel: str
    status: str
    last_activity_at: str
    last_message_preview: str = ""


class CallbackSummary(BaseModel):
    callback_id: str
    department: str
    slot_at: str
    status: str


class ReminderSummary(BaseModel):
    record_id: str
    kind: str
    due_date: str


class AlertReceived(BaseModel):
    alert_id: str
    title: str
    sent_at: str | None = None
    status: str | None = None  # Twilio's last word on the text (delivered, failed...)


class ResidentProfile(BaseModel):
    thread_id: str
    address: str
    channel: str
    name: str | None = None
    name_source: str | None = None  # "staff" (set on this page) or "webchat" (typed by the resident)
    given_phone: str | None = None  # the number a web chat resident typed in "Your details"
    given_email: str | None = None
    # The addresses they wrote from or gave: this thread's, a web chat resident's phone, their other threads'.
    addresses: list[str]
    language: str | None = None
    consent: ConsentSummary
    history: list[ConsentEntry]
    conversations: list[EarlierConversation]
    callbacks: list[CallbackSummary]
    reminders: list[ReminderSummary]
    alerts: list[AlertReceived]


class LanguageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Language


class ResidentLanguage(BaseModel):
    thread_id: str
    language: str


def _table() -> Any:
    table: Any = router.context["table"]  # the agent API's one table, put there for each request
    return table


def _thread(thread_id: str) -> dict[str, Any]:
    if not _THREAD_ID.match(thread_id):
        raise ThreadNotFound(thread_id)
    item = _table().get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK}).get("Item")
    if not item or not item.get("resident"):
        raise ThreadNotFound(thread_id)
    return dict(item)


def _seen() -> Visibility:
    return Visibility(current_staff(router), router.context.get("supervisor_scope", "all"))


def _web_contact(address: str) -> dict[str, Any]:
    if not address.startswith(WEBCHAT_PREFIX):
        return {}
    return ChatTable(_table()).contact(address.removeprefix(WEBCHAT_PREFIX))


def _addresses(address: str, given_phone: str | None) -> list[str]:
    """The resident's addresses we know: theirs, the same number on SMS and WhatsApp, and for a web chat
    resident the phone they gave."""
    phone = address.removeprefix("whatsapp:") if not address.startswith(WEBCHAT_PREFIX) else None
    if given_phone:
        try:
            phone = parse_address(given_phone).value
        except ValueError:
            phone = None
    found = [address]
    if phone:
        found += [candidate for candidate in (phone, f"whatsapp:{phone}") if candidate not in found]
    return found


def _conversations(thread_id: str, addresses: list[str]) -> list[EarlierConversation]:
    views = InboxViewsTable(_table())
    others = [other for other in views.resident_thread_ids(addresses) if other != thread_id]
    seen = _seen()
    threads = [t for t in views.threads(others) if seen.shows(t) and t.get("last_activity_at")]
    threads.sort(key=lambda t: str(t["last_activity_at"]), reverse=True)
    return [EarlierConversation.model_validate(t, from_attributes=False) for t in threads]


def _phone_of(addresses: list[str]) -> str | None:
    for address in addresses:
        if address.startswith("+"):
            return address
        if address.startswith("whatsapp:"):
            return address.removeprefix("whatsapp:")
    return None


def _alerts(addresses: list[str]) -> list[AlertReceived]:
    alerts = AlertsTable(_table())
    received: list[AlertReceived] = []
    for alert in alerts.list_alerts(RECENT_ALERTS):
        for address in addresses:
            delivery = alerts.delivery(alert.alert_id, address)
            if delivery and delivery.get("state") == "sent":
                received.append(
                    AlertReceived(
                        alert_id=alert.alert_id,
                        title=alert.title,
                        sent_at=delivery.get("sent_at"),
                        status=delivery.get("status"),
                    )
                )
                break
    return received


@router.get("/api/threads/<thread_id>/resident", middlewares=AGENT)
def get_resident(thread_id: str) -> ResidentProfile:
    thread = _thread(thread_id)
    address = str(thread["resident"]["address"])
    contact = _web_contact(address)
    addresses = _addresses(address, contact.get("phone"))
    consent: ConsentTable = router.context["consent"]
    state = consent.load_state(address)
    named = thread.get("resident_name") or None  # by staff, or by the resident in the widget
    callback = BookingTable(_table()).active_callback(thread_id)
    phone = _phone_of(addresses)
    reminders = RemindersTable(_table()).of_resident(phone) if phone else []
    conversations = _conversations(thread_id, addresses)
    known = [address, *([phone] if contact.get("phone") and phone else [])]
    known += [c.resident.address for c in conversations if c.resident.address not in known]
    return ResidentProfile(
        thread_id=thread_id,
        address=address,
        channel=str(thread.get("channel") or thread["resident"].get("channel") or ""),
        name=named or contact.get("name"),
        name_source=(thread.get("resident_name_source") or "staff")
        if named
        else ("webchat" if contact.get("name") else None),
        given_phone=contact.get("phone"),
        given_email=contact.get("email"),
        addresses=known,
        language=state.language,
        consent=ConsentSummary.of(state),
        history=[ConsentEntry.of(change) for change in consent.history(address, HISTORY_LIMIT)],
        conversations=conversations,
        callbacks=[CallbackSummary.model_validate(callback.model_dump())] if callback else [],
        reminders=[
            ReminderSummary(record_id=str(r["record_id"]), kind=str(r["kind"]), due_date=str(r["due_date"]))
            for r in sorted(reminders, key=lambda r: str(r.get("due_date")))
        ],
        alerts=_alerts(addresses),
    )


@router.put("/api/threads/<thread_id>/resident-language", middlewares=AGENT)
def put_resident_language(thread_id: str, request: LanguageRequest) -> ResidentLanguage:
    """The language the resident's alerts, reminders and automatic answers go out in. Not a consent change: no
    ledger entry; the state beside the ledger and the subscriber items (an alert's audience per language) move
    together, and the change is audited."""
    address = str(_thread(thread_id)["resident"]["address"])
    before = set_language(router.context["consent"], address, request.language, utc_now_iso())
    # The conversation follows (its translation, and answers sent before the state is read).
    TranslationTable(_table()).set_language(thread_id, request.language)
    agent = router.context["agent"]
    router.context["workspace"].audit.record(
        Actor(sub=agent.sub, email=agent.email),
        "resident.language",
        thread_id=thread_id,
        detail={"from": before or "", "to": request.language},
    )
    return ResidentLanguage(thread_id=thread_id, language=request.language)
