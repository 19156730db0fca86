"""Issue 16, items 3 and 5, against moto: the resident panel's data (name, language, consent and its ledger,
other conversations, callback, reminders, alerts received; a web chat resident's own name and phone), and
automation staying out of the way (a conversation only keyword flows answered is "handled automatically":
not unread, not waiting, in no staff view or count, still listed by its filter; a STOP ends an alert-reply
group's "waiting")."""

from __future__ import annotations

from typing import Any

import pytest
from alerts.dal.alerts_table import AlertsTable, delivery_sk
from alerts.models.alerts import Alert
from reminders.dal.reminders_table import record_pk

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_alert_replies import alert_sent, resident_writes
from tests.integration.test_consent import seed_topics
from tests.integration.test_webchat_api import call as chat_call
from tests.integration.test_webchat_api import chat_event

SUPERVISOR = {"sub": "sup-1", "email": "s@example.gov", "cognito:groups": "[supervisor]"}
WATER_AGENT = {"sub": "aaaaaaaa-0000-4000-8000-00000000000a", "email": "a@x.gov", "cognito:groups": "[agent]"}
ROADS_AGENT = {"sub": "cccccccc-0000-4000-8000-00000000000c", "email": "r@x.gov", "cognito:groups": "[agent]"}
ANA = "+15555550140"


def api(agent_api: Any, context: LambdaContext, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    claims = kwargs.pop("claims", SUPERVISOR)
    return call(agent_api, context, api_event(method, path, claims=claims, **kwargs))


def thread_of(aws: Aws, address: str) -> dict[str, Any]:
    thread_id = aws.table.get_item(Key={"pk": f"ADDR#{address}", "sk": "RESIDENT"})["Item"]["thread_id"]
    return dict(aws.table.get_item(Key={"pk": f"THREAD#{thread_id}", "sk": "META"})["Item"])


def at(minute: int) -> str:
    return f"2026-11-25T10:{minute:02d}:00.000000Z"


def listed(agent_api: Any, context: LambdaContext, view: str, status: str = "open") -> list[str]:
    status_code, page = api(agent_api, context, "GET", "/api/inbox", query={"view": view, "status": status})
    assert status_code == 200, page
    return [t["thread_id"] for t in page["threads"]]


def counts(agent_api: Any, context: LambdaContext) -> dict[str, int]:
    _, body = api(agent_api, context, "GET", "/api/inbox/counts")
    return {view: value["count"] for view, value in body["counts"].items()}


@pytest.fixture
def staff(aws: Aws) -> None:
    for claims, department in ((WATER_AGENT, "water"), (ROADS_AGENT, "roads")):
        profile = {
            "pk": f"STAFF#{claims['sub']}",
            "sk": "PROFILE",
            "departments": [department],
            "enabled": True,
        }
        aws.table.put_item(Item=profile)


# --- item 5: automation stays out of the way ---------------------------------------------------------


def test_a_conversation_only_keyword_flows_answered_is_handled_automatically_until_a_question(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext
) -> None:
    seed_topics(aws)
    for n, body in enumerate(["JOIN WATER", "94110", "HELP"]):
        resident_writes(inbound_consumer, context, ANA, body, f"SMk{n:031d}", at(n))
        resident_writes(inbound_consumer, context, ANA, body, f"SMk{n:031d}", at(n))  # SQS redelivers

    thread = thread_of(aws, ANA)
    thread_id = thread["thread_id"]
    assert (thread["status"], thread["unread"]) == ("automatic", 0)
    assert "waiting_since" not in thread and "triage_order" not in thread
    # In no staff view or count, listed by its own filter and found by search; the texts and answers stay.
    assert thread_id not in listed(agent_api, context, "unassigned")
    assert thread_id not in listed(agent_api, context, "all")
    assert counts(agent_api, context)["unassigned"] == 0
    assert listed(agent_api, context, "all", "automatic") == [thread_id]
    _, found = api(agent_api, context, "GET", "/api/inbox/search", query={"q": "5555550140"})
    assert [(t["thread_id"], t["status"]) for t in found["threads"]] == [(thread_id, "automatic")]
    _, detail = api(agent_api, context, "GET", f"/api/threads/{thread_id}")
    assert [(m["direction"], m["author"]) for m in detail["messages"]] == [
        ("in", "resident"),
        ("out", "switchboard"),
    ] * 3

    # A question for staff: the conversation is staff's from now on, open, unread and waiting.
    resident_writes(inbound_consumer, context, ANA, "Is the water safe to drink?", "SMq" + "1" * 31, at(5))
    thread = thread_of(aws, ANA)
    assert (thread["status"], thread["unread"], thread["waiting_since"]) == ("open", 1, at(5))
    assert listed(agent_api, context, "unassigned") == [thread_id]
    assert counts(agent_api, context)["unassigned"] == 1

    # A keyword text meanwhile does not answer the question: still waiting since the question.
    resident_writes(inbound_consumer, context, ANA, "HELP", "SMh" + "1" * 31, at(6))
    thread = thread_of(aws, ANA)
    assert (thread["status"], thread["waiting_since"]) == ("open", at(5))

    # Staff answer; a later STOP is answered by the consent flow and leaves nobody waiting, nothing unread,
    # while the conversation stays staff's (open, in their views).
    reply = {"body": "Yes, it is safe."}
    assert api(agent_api, context, "POST", f"/api/threads/{thread_id}/messages", body=reply)[0] == 202
    resident_writes(inbound_consumer, context, ANA, "STOP", "SMs" + "1" * 31, at(8))
    thread = thread_of(aws, ANA)
    assert (thread["status"], thread["unread"], "waiting_since" in thread) == ("open", 0, False)
    assert thread_id in listed(agent_api, context, "all")


def test_a_keyword_the_flow_leaves_for_staff_is_not_handled_automatically(
    aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    # YES with no sign-up pending is just a message (no flow answers it): staff must see it.
    resident_writes(inbound_consumer, context, ANA, "YES", "SMy" + "1" * 31, at(0))

    thread = thread_of(aws, ANA)
    assert (thread["status"], thread["unread"], thread["waiting_since"]) == ("open", 1, at(0))


def test_a_stop_in_answer_to_an_alert_ends_the_groups_waiting(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext
) -> None:
    for n in range(2):
        alert_sent(aws, f"+1555555{n:04d}")
    resident_writes(inbound_consumer, context, "+15555550000", "Which streets?", "SMa" + "1" * 31, at(1))
    resident_writes(inbound_consumer, context, "+15555550001", "STOP", "SMb" + "1" * 31, at(2))

    status, detail = api(agent_api, context, "GET", "/api/alert-replies/alert1")

    assert status == 200
    assert detail["group"]["threads"] == 2 and detail["waiting"] == 1
    stopped = thread_of(aws, "+15555550001")
    assert (stopped["status"], stopped["alert_reply_id"]) == ("automatic", "alert1")


# --- item 3: the resident panel ------------------------------------------------------------------------


def test_the_resident_panel_gathers_consent_ledger_language_alerts_and_other_conversations(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext, staff: None
) -> None:
    seed_topics(aws)
    thread_id = alert_sent(aws, ANA)  # alert1, "Water shut-off, Elm St", to Ana's water thread
    alerts = AlertsTable(aws.table)
    for alert_id, title in (("alert0", "Road works"), ("alert1", "Water shut-off, Elm St")):
        alert = Alert(
            alert_id, title, "sent", at(0), "sup-1", None, False, None, ("WATER",), (), {"en": "x"}, False
        )
        alerts.put_alert(alert, {})
    # alert1 reached her; alert0 went to others only.
    delivered = {"state": "sent", "sent_at": at(0), "status": "delivered"}
    aws.table.put_item(Item={"pk": "ALERT#alert1", "sk": delivery_sk(ANA), **delivered})
    aws.table.put_item(Item={"pk": "ALERT#alert0", "sk": delivery_sk("+15555550999"), **delivered})
    for n, body in enumerate(["JOIN WATER", "94110", "When is it back?"]):
        resident_writes(inbound_consumer, context, ANA, body, f"SMp{n:031d}", at(n + 1))
    # Her WhatsApp conversation is another thread of the same person.
    resident_writes(inbound_consumer, context, f"whatsapp:{ANA}", "hola", "SMw" + "1" * 31, at(9))
    path = f"/api/threads/{thread_id}/resident"

    status, profile = api(agent_api, context, "GET", path, claims=WATER_AGENT)

    assert status == 200, profile
    assert (profile["address"], profile["channel"], profile["name"], profile["language"]) == (
        ANA,
        "sms",
        None,
        None,
    )
    assert profile["addresses"] == [ANA]  # her WhatsApp thread is not the water agent's to see
    assert profile["consent"]["topics"] == ["WATER"] and profile["consent"]["zones"] == ["zip:94110"]
    assert [(e["action"], e["topic"]) for e in profile["history"]] == [
        ("set_zone", "ALL"),
        ("opt_in", "WATER"),
    ]
    assert [(a["alert_id"], a["title"], a["status"]) for a in profile["alerts"]] == [
        ("alert1", "Water shut-off, Elm St", "delivered")
    ]
    assert profile["callbacks"] == [] and profile["reminders"] == []
    # Her WhatsApp thread is not routed to water: an agent of water does not see it, a supervisor does.
    assert profile["conversations"] == []
    _, seen_by_supervisor = api(agent_api, context, "GET", path)
    assert [(c["channel"], c["last_message_preview"]) for c in seen_by_supervisor["conversations"]] == [
        ("whatsapp", "hola")
    ]
    assert seen_by_supervisor["addresses"] == [ANA, f"whatsapp:{ANA}"]
    # Another department's agent may not open the panel at all (the staff gate's thread scope).
    assert api(agent_api, context, "GET", path, claims=ROADS_AGENT)[0] == 403
    assert api(agent_api, context, "GET", "/api/threads/nope/resident")[0] == 404

    # Staff set her language: the state beside the ledger and her topic's subscriber item move, audited.
    put = f"/api/threads/{thread_id}/resident-language"
    assert api(agent_api, context, "PUT", put, body={"language": "xx"}, claims=WATER_AGENT)[0] == 422
    status, answer = api(agent_api, context, "PUT", put, body={"language": "es"}, claims=WATER_AGENT)
    assert (status, answer) == (200, {"thread_id": thread_id, "language": "es"})
    assert api(agent_api, context, "GET", path, claims=WATER_AGENT)[1]["language"] == "es"
    subscriber = aws.table.get_item(Key={"pk": "SUBS#WATER", "sk": f"ADDR#{ANA}"})["Item"]
    assert subscriber["language"] == "es"
    # One language per resident: the conversation's (translation) follows, as set by staff.
    thread = thread_of(aws, ANA)
    assert (thread["language"], thread["language_set_by"]) == ("es", "staff")
    audit = [
        i for i in aws.items() if str(i["pk"]).startswith("AUDIT#") and i["action"] == "resident.language"
    ]
    assert [(a["thread_id"], a["detail"]) for a in audit] == [(thread_id, {"from": "", "to": "es"})]
    assert ANA not in str(audit)


def test_staff_name_a_resident_audited_and_the_name_fills_saved_replies_and_search(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext
) -> None:
    resident_writes(inbound_consumer, context, ANA, "My bin was not collected", "SMn" + "1" * 31, at(0))
    thread_id = thread_of(aws, ANA)["thread_id"]
    canned = {"title": "Hello", "body": "Hello {resident_name}, thanks for writing."}
    assert api(agent_api, context, "PUT", "/api/canned-replies/hello", body=canned)[0] == 200

    status, _ = api(
        agent_api, context, "PUT", f"/api/threads/{thread_id}/resident-name", body={"name": "Ana Ruiz"}
    )

    assert status == 200
    _, rendered = api(agent_api, context, "GET", f"/api/threads/{thread_id}/canned-replies/hello")
    assert rendered["body"] == "Hello Ana Ruiz, thanks for writing."
    _, found = api(agent_api, context, "GET", "/api/inbox/search", query={"q": "ruiz"})
    assert [t["thread_id"] for t in found["threads"]] == [thread_id]
    _, profile = api(agent_api, context, "GET", f"/api/threads/{thread_id}/resident")
    assert (profile["name"], profile["name_source"]) == ("Ana Ruiz", "staff")
    [entry] = [i for i in aws.items() if str(i["pk"]).startswith("AUDIT#") and i["action"] == "resident.name"]
    assert entry["thread_id"] == thread_id


def test_a_web_chat_resident_shows_the_name_and_phone_they_gave_never_over_a_name_staff_set(
    aws: Aws, webchat_api: Any, inbound_consumer: Any, agent_api: Any, context: LambdaContext
) -> None:
    status, _, started = chat_call(
        webchat_api, context, chat_event("POST", "/chat/sessions", {"name": "Bo Diaz"})
    )
    assert status == 201
    token = started["token"]
    message = {"body": "Is the pool open?", "client_id": "c-0001-abcdef"}
    assert chat_call(webchat_api, context, chat_event("POST", "/chat/messages", message, token))[0] == 202
    assert inbound_consumer.handler(aws.sqs_event("InboundQueue"), context) == {"batchItemFailures": []}
    [thread] = [i for i in aws.items() if i["sk"] == "META"]
    thread_id = thread["thread_id"]
    assert (thread["resident_name"], thread["resident_name_source"]) == ("Bo Diaz", "webchat")

    # "Your details": a phone and a corrected name, shown at once.
    details = {"name": "Bo Díaz", "phone": "+15555550177"}
    assert chat_call(webchat_api, context, chat_event("POST", "/chat/contact", details, token))[0] == 200
    _, profile = api(agent_api, context, "GET", f"/api/threads/{thread_id}/resident")
    assert profile["addresses"] == [thread["resident"]["address"], "+15555550177"]
    assert (profile["name"], profile["name_source"], profile["given_phone"]) == (
        "Bo Díaz",
        "webchat",
        "+15555550177",
    )
    _, found = api(agent_api, context, "GET", "/api/inbox/search", query={"q": "diaz"})
    assert [t["thread_id"] for t in found["threads"]] == [thread_id]
    # Reminders are found by the phone they gave (the reminders' address index entry).
    reminder = {"record_id": "r1", "kind": "permit_renewal", "due_date": "2026-12-01"}
    aws.table.put_item(Item={"pk": "ADDR#+15555550177", "sk": record_pk("r1"), **reminder})

    # Staff's name wins from then on, whatever the widget sends later.
    api(agent_api, context, "PUT", f"/api/threads/{thread_id}/resident-name", body={"name": "Roberto Diaz"})
    assert (
        chat_call(webchat_api, context, chat_event("POST", "/chat/contact", {"name": "Bobby"}, token))[0]
        == 200
    )
    again = {"body": "hello?", "client_id": "c-0002-abcdef"}
    chat_call(webchat_api, context, chat_event("POST", "/chat/messages", again, token))
    assert inbound_consumer.handler(aws.sqs_event("InboundQueue"), context) == {"batchItemFailures": []}
    _, profile = api(agent_api, context, "GET", f"/api/threads/{thread_id}/resident")
    assert (profile["name"], profile["name_source"]) == ("Roberto Diaz", "staff")
    assert profile["reminders"] == [reminder]


def test_routing_gives_an_available_agent_the_question_not_the_conversation_automation_handled(
    aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    from routing.dal.routing_table import RoutingTable
    from routing.logic.assignment import Routing

    from tests.integration.test_routing import ANA as AGENT_SUB
    from tests.integration.test_routing import staff as staff_item

    aws.table.put_item(Item=staff_item(AGENT_SUB, ["water"]))
    routing = Routing(RoutingTable(aws.table))
    RoutingTable(aws.table).put_rules([{"department_id": "water"}], at(0))
    routing.set_presence(AGENT_SUB, "available")
    resident_writes(inbound_consumer, context, ANA, "HELP", "SMr" + "1" * 31, at(0))
    resident_writes(inbound_consumer, context, "+15555550141", "Low pressure", "SMr" + "2" * 31, at(1))

    handled, question = thread_of(aws, ANA), thread_of(aws, "+15555550141")
    # Routing gives it a department (its staff can find it) and nobody, until a text for staff comes.
    assert (handled["status"], handled["department_id"]) == ("automatic", "water")
    assert "assignee" not in handled
    assert (question["status"], question.get("assignee")) == ("open", AGENT_SUB)


def test_a_staff_reply_makes_a_conversation_automation_handled_staffs_again(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext
) -> None:
    resident_writes(inbound_consumer, context, ANA, "HELP", "SMt" + "1" * 31, at(0))
    thread_id = thread_of(aws, ANA)["thread_id"]
    assert thread_of(aws, ANA)["status"] == "automatic"

    reply = {"body": "Hello, can we help with anything else?"}
    assert api(agent_api, context, "POST", f"/api/threads/{thread_id}/messages", body=reply)[0] == 202

    thread = thread_of(aws, ANA)
    assert (thread["status"], thread["staff_text_at"]) == ("open", thread["last_activity_at"])
    assert thread_id in listed(agent_api, context, "all")
    # ... and a later keyword text no longer makes it automatic.
    resident_writes(inbound_consumer, context, ANA, "HELP", "SMt" + "2" * 31, at(5))
    assert thread_of(aws, ANA)["status"] == "open"
