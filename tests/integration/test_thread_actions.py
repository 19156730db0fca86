"""Thread actions against moto: assign, transfer with a note, internal notes that never reach a resident,
labels, snooze, close and reopen (a resident writing reopens), canned replies, who else is viewing, the
confirmation a reply to someone else's thread needs, and the audit entries they leave."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from events import load_event
from tests.integration.conftest import Aws, LambdaContext
from tests.integration.fakes import FakeMediaSource
from tests.integration.test_agent_api import api_event, call

RESIDENT = "+15555550123"
AGENT_A = {
    "sub": "aaaaaaaa-0000-4000-8000-00000000000a",
    "email": "a@example.gov",
    "cognito:groups": "[agent]",
}
AGENT_B = {
    "sub": "bbbbbbbb-0000-4000-8000-00000000000b",
    "email": "b@example.gov",
    "cognito:groups": "[agent]",
}
SUPERVISOR = {
    "sub": "5555aaaa-0000-4000-8000-000000000005",
    "email": "s@example.gov",
    "cognito:groups": "[supervisor]",
}


@pytest.fixture
def thread_id(aws: Aws, inbound_consumer: Any, media: FakeMediaSource, context: LambdaContext) -> str:
    """One resident's thread (stored by the inbound consumer), two agents and a department in the table."""
    assert inbound_consumer.handler(load_event("sqs/inbound_batch.json"), context) == {
        "batchItemFailures": []
    }
    for claims in (AGENT_A, AGENT_B):
        aws.table.put_item(
            Item={
                "pk": f"STAFF#{claims['sub']}",
                "sk": "PROFILE",
                "gsi1pk": "STAFF",
                "gsi1sk": claims["email"],
                "sub": claims["sub"],
                "email": claims["email"],
                "name": claims["email"][0].upper(),
                "groups": ["agent"],
                "departments": ["water"],
                "enabled": True,
            }
        )
    aws.table.put_item(
        Item={
            "pk": "DEPT#water",
            "sk": "DEPARTMENT",
            "gsi1pk": "DEPARTMENTS",
            "gsi1sk": "water",
            "department_id": "water",
            "name": "Water",
        }
    )
    (thread,) = [i for i in aws.items() if i["sk"] == "META" and i["resident"]["address"] == RESIDENT]
    # Routed to the agents' department: agents act on their departments' threads (switchboard.access).
    aws.table.update_item(
        Key={"pk": thread["pk"], "sk": "META"},
        UpdateExpression="SET department_id = :water",
        ExpressionAttributeValues={":water": "water"},
    )
    return str(thread["thread_id"])


def act(
    agent_api: Any,
    context: LambdaContext,
    method: str,
    path: str,
    body: Any = None,
    claims: dict[str, Any] = AGENT_A,
) -> tuple[int, Any]:
    return call(agent_api, context, api_event(method, path, body=body, claims=claims))


def audit_actions(agent_api: Any, context: LambdaContext) -> list[tuple[str, str | None]]:
    entries = act(agent_api, context, "GET", "/api/audit", claims=SUPERVISOR)[1]["entries"]
    return [(e["action"], e.get("thread_id")) for e in reversed(entries)]


def test_assign_to_me_to_a_colleague_and_unassign(
    aws: Aws, agent_api: Any, context: LambdaContext, thread_id: str
) -> None:
    status, state = act(agent_api, context, "POST", f"/api/threads/{thread_id}/assign", {})
    assert status == 200 and state["assignee"] == AGENT_A["sub"]

    state = act(
        agent_api, context, "POST", f"/api/threads/{thread_id}/assign", {"agent_sub": AGENT_B["sub"]}
    )[1]
    assert state["assignee"] == AGENT_B["sub"]
    thread = act(agent_api, context, "GET", f"/api/threads/{thread_id}")[1]["thread"]
    assert thread["assignee"] == AGENT_B["sub"]

    # Taking it back from B needs an explicit confirmation (the page asks), and is audited.
    status, answer = act(agent_api, context, "POST", f"/api/threads/{thread_id}/assign", {"agent_sub": None})
    assert (status, answer["error"], answer["assignee"]) == (409, "take_over_required", AGENT_B["sub"])
    unassign = {"agent_sub": None, "take_over": True}
    assert (
        act(agent_api, context, "POST", f"/api/threads/{thread_id}/assign", unassign)[1]["assignee"] is None
    )
    assert (
        act(agent_api, context, "POST", f"/api/threads/{thread_id}/assign", {"agent_sub": "nobody-here"})[0]
        == 400
    )
    assert act(agent_api, context, "POST", "/api/threads/missing/assign", {})[0] == 404
    actions = [a for a, _ in audit_actions(agent_api, context)]
    assert actions.count("thread.assign") == 2 and actions.count("thread.unassign") == 1
    assert actions.count("thread.takeover") == 1
    # Each change of owner is in the thread's timeline, in order; refused ones left nothing.
    notes = act(agent_api, context, "GET", f"/api/threads/{thread_id}/notes")[1]["notes"]
    assert [(n["kind"], n["author_sub"], n.get("assignee")) for n in notes] == [
        ("assignment", AGENT_A["sub"], AGENT_A["sub"]),
        ("assignment", AGENT_A["sub"], AGENT_B["sub"]),
        ("assignment", AGENT_A["sub"], None),
    ]
    # Unassigning an unassigned thread changes nothing, so it adds nothing to the timeline.
    act(agent_api, context, "POST", f"/api/threads/{thread_id}/assign", unassign)
    assert len(act(agent_api, context, "GET", f"/api/threads/{thread_id}/notes")[1]["notes"]) == 3


def test_a_transfer_moves_the_thread_and_leaves_an_internal_note_atomically(
    aws: Aws, agent_api: Any, context: LambdaContext, thread_id: str
) -> None:
    act(agent_api, context, "POST", f"/api/threads/{thread_id}/assign", {})

    status, state = act(
        agent_api,
        context,
        "POST",
        f"/api/threads/{thread_id}/transfer",
        {"department_id": "water", "note": "Brown water: needs the water team, resident is elderly"},
    )

    assert status == 200
    assert state["department_id"] == "water" and state["assignee"] is None  # back in the department's queue
    notes = act(agent_api, context, "GET", f"/api/threads/{thread_id}/notes", claims=AGENT_B)[1]["notes"]
    assert [(n["kind"], n["body"], n["author_sub"]) for n in notes if n["kind"] != "assignment"] == [
        ("transfer", "Brown water: needs the water team, resident is elderly", AGENT_A["sub"])
    ]
    # To an agent directly, who need not be signed in.
    state = act(
        agent_api,
        context,
        "POST",
        f"/api/threads/{thread_id}/transfer",
        {"agent_sub": AGENT_B["sub"], "note": "Sam knows this street"},
    )[1]
    assert state["assignee"] == AGENT_B["sub"] and state["department_id"] == "water"
    assert ("thread.transfer", thread_id) in audit_actions(agent_api, context)
    # Nowhere to go, or nowhere known: refused, nothing changed.
    assert act(agent_api, context, "POST", f"/api/threads/{thread_id}/transfer", {"note": "x"})[0] == 422
    bad = act(
        agent_api,
        context,
        "POST",
        f"/api/threads/{thread_id}/transfer",
        {"department_id": "roads", "note": "x"},
    )
    assert bad == (400, {"message": "unknown department"})
    notes = act(agent_api, context, "GET", f"/api/threads/{thread_id}/notes")[1]["notes"]
    assert [n["kind"] for n in notes if n["kind"] != "assignment"] == ["transfer", "transfer"]


def test_internal_notes_are_never_messages_and_never_sent(
    aws: Aws, agent_api: Any, context: LambdaContext, thread_id: str
) -> None:
    before = act(agent_api, context, "GET", f"/api/threads/{thread_id}")[1]

    status, note = act(
        agent_api, context, "POST", f"/api/threads/{thread_id}/notes", {"body": "SECRET staff-only remark"}
    )

    assert status == 201 and note["kind"] == "note"
    after = act(agent_api, context, "GET", f"/api/threads/{thread_id}")[1]
    assert after["messages"] == before["messages"]
    assert after["thread"]["last_message_preview"] == before["thread"]["last_message_preview"]
    assert "SECRET" not in json.dumps(act(agent_api, context, "GET", "/api/threads")[1])
    assert aws.queue_messages("OutboundQueue") == []
    (item,) = [i for i in aws.items() if i["sk"].startswith("NOTE#")]
    assert not item["sk"].startswith("MSG#") and "direction" not in item


def test_replying_to_someone_elses_thread_needs_confirmation_and_the_first_replier_owns_it(
    aws: Aws, agent_api: Any, context: LambdaContext, thread_id: str
) -> None:
    # Given an unassigned thread, agent A's reply makes it A's.
    assert act(agent_api, context, "POST", f"/api/threads/{thread_id}/messages", {"body": "On it."})[0] == 202
    assert (
        act(agent_api, context, "GET", f"/api/threads/{thread_id}")[1]["thread"]["assignee"] == AGENT_A["sub"]
    )
    notes = act(agent_api, context, "GET", f"/api/threads/{thread_id}/notes")[1]["notes"]
    assert [(n["kind"], n.get("assignee")) for n in notes] == [("assignment", AGENT_A["sub"])]

    # When agent B replies without confirming, nothing is stored or sent.
    status, body = act(
        agent_api, context, "POST", f"/api/threads/{thread_id}/messages", {"body": "Me too"}, AGENT_B
    )
    assert status == 409 and "someone else" in body["message"]
    assert len(aws.queue_messages("OutboundQueue")) == 1

    # With the confirmation, B's reply goes out; the thread stays A's.
    confirmed = {"body": "Me too", "confirm_takeover": True}
    assert act(agent_api, context, "POST", f"/api/threads/{thread_id}/messages", confirmed, AGENT_B)[0] == 202
    assert (
        act(agent_api, context, "GET", f"/api/threads/{thread_id}")[1]["thread"]["assignee"] == AGENT_A["sub"]
    )
    assert [a for a, _ in audit_actions(agent_api, context)].count("thread.reply") == 2


def test_labels_snooze_close_and_a_resident_writing_reopens(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext, thread_id: str
) -> None:
    state = act(
        agent_api,
        context,
        "PUT",
        f"/api/threads/{thread_id}/labels",
        {"labels": ["Water", "urgent", "water"]},
    )[1]
    assert state["labels"] == ["urgent", "water"]
    # The label filter's memberships follow: a label taken off leaves none behind.
    act(agent_api, context, "PUT", f"/api/threads/{thread_id}/labels", {"labels": ["urgent", "spanish"]})
    members = sorted(i["pk"] for i in aws.items() if str(i["pk"]).startswith("LABEL#"))
    assert members == ["LABEL#spanish", "LABEL#urgent"]
    act(agent_api, context, "PUT", f"/api/threads/{thread_id}/labels", {"labels": ["urgent", "water"]})
    assert (
        act(agent_api, context, "PUT", f"/api/threads/{thread_id}/labels", {"labels": ["<b>x</b>"]})[0] == 422
    )

    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    assert act(agent_api, context, "PUT", f"/api/threads/{thread_id}/snooze", {"until": past})[0] == 400
    soon = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    assert act(agent_api, context, "PUT", f"/api/threads/{thread_id}/snooze", {"until": soon})[1][
        "snoozed_until"
    ]

    assert act(agent_api, context, "POST", f"/api/threads/{thread_id}/close")[1]["status"] == "closed"
    assert act(agent_api, context, "GET", f"/api/threads/{thread_id}")[1]["thread"]["status"] == "closed"

    # When the resident writes again, the thread is open, awake and unread.
    batch = load_event("sqs/inbound_batch.json")
    record = batch["Records"][0]
    envelope = json.loads(record["body"])
    envelope["params"]["MessageSid"] = envelope["params"]["SmsSid"] = "SM" + "e5" * 16
    envelope["params"]["Body"] = "Still no light, hello?"
    record["body"] = json.dumps(envelope)
    assert inbound_consumer.handler({"Records": [record]}, context) == {"batchItemFailures": []}
    thread = act(agent_api, context, "GET", "/api/threads")[1]["threads"]
    (mine,) = [t for t in thread if t["thread_id"] == thread_id]
    assert (
        mine["status"] == "open" and mine["snoozed_until"] is None and mine["labels"] == ["urgent", "water"]
    )

    act(agent_api, context, "POST", f"/api/threads/{thread_id}/close")
    assert act(agent_api, context, "POST", f"/api/threads/{thread_id}/reopen")[1]["status"] == "open"
    actions = [a for a, _ in audit_actions(agent_api, context)]
    assert {"thread.label", "thread.snooze", "thread.close", "thread.reopen"} <= set(actions)


def test_canned_replies_are_kept_by_supervisors_and_filled_in_for_the_thread(
    aws: Aws, agent_api: Any, context: LambdaContext, thread_id: str
) -> None:
    aws.table.put_item(
        Item={"pk": "SETTINGS", "sk": "AGENCY", "agency_name": "Demo County", "agency_hours": "Mon-Fri 8-6"}
    )
    canned = {"title": "Hours", "body": "Hi {resident_name}, we are open {agency_hours}. - {agent_name}"}

    assert act(agent_api, context, "PUT", "/api/canned-replies/hours", canned, AGENT_A)[0] == 403
    assert act(agent_api, context, "PUT", "/api/canned-replies/hours", canned, SUPERVISOR)[0] == 200
    bad = {"title": "Bad", "body": "Hi {resident_name.__class__} {password}"}
    assert act(agent_api, context, "PUT", "/api/canned-replies/bad", bad, SUPERVISOR)[0] == 400

    listed = act(agent_api, context, "GET", "/api/canned-replies")[1]["canned_replies"]
    assert [c["canned_id"] for c in listed] == ["hours"]
    path = f"/api/threads/{thread_id}/canned-replies/hours"
    assert act(agent_api, context, "GET", path)[1] == {"body": "Hi there, we are open Mon-Fri 8-6. - A"}
    act(agent_api, context, "PUT", f"/api/threads/{thread_id}/resident-name", {"name": "Mrs. Ortiz"})
    assert act(agent_api, context, "GET", path)[1] == {"body": "Hi Mrs. Ortiz, we are open Mon-Fri 8-6. - A"}

    assert act(agent_api, context, "DELETE", "/api/canned-replies/hours", claims=AGENT_A)[0] == 403
    assert act(agent_api, context, "DELETE", "/api/canned-replies/hours", claims=SUPERVISOR)[0] == 204
    assert act(agent_api, context, "GET", path)[0] == 404


def test_agents_see_who_else_is_viewing_or_typing_but_not_themselves(
    aws: Aws, agent_api: Any, context: LambdaContext, thread_id: str
) -> None:
    assert act(agent_api, context, "POST", f"/api/threads/{thread_id}/presence", {"typing": False})[1] == {
        "viewers": []
    }

    answer = act(agent_api, context, "POST", f"/api/threads/{thread_id}/presence", {"typing": True}, AGENT_B)[
        1
    ]
    assert [(v["sub"], v["typing"]) for v in answer["viewers"]] == [(AGENT_A["sub"], False)]
    viewers = act(agent_api, context, "GET", f"/api/threads/{thread_id}")[1]["viewers"]
    assert [(v["email"], v["typing"]) for v in viewers] == [("b@example.gov", True)]
    (item,) = [i for i in aws.items() if i["sk"] == f"VIEWER#{AGENT_B['sub']}"]
    assert int(item["expires_at"]) > datetime.now(UTC).timestamp()  # DynamoDB's TTL removes it


def test_reading_a_thread_is_audited_once_per_window_however_often_the_page_polls(
    aws: Aws, agent_api: Any, context: LambdaContext, thread_id: str
) -> None:
    for _ in range(3):
        assert act(agent_api, context, "GET", f"/api/threads/{thread_id}")[0] == 200
    act(agent_api, context, "GET", f"/api/threads/{thread_id}", claims=AGENT_B)

    reads = [
        e
        for e in act(agent_api, context, "GET", "/api/audit", claims=SUPERVISOR)[1]["entries"]
        if e["action"] == "thread.read"
    ]
    assert sorted(e["actor_sub"] for e in reads) == sorted([AGENT_A["sub"], AGENT_B["sub"]])


def test_supervisors_export_a_thread_or_a_date_range_and_the_export_is_audited(
    aws: Aws, agent_api: Any, context: LambdaContext, thread_id: str
) -> None:
    act(agent_api, context, "POST", f"/api/threads/{thread_id}/notes", {"body": "=cmd|' /C calc'!A0"})
    act(agent_api, context, "POST", f"/api/threads/{thread_id}/messages", {"body": "@SUM(1)"})

    assert act(agent_api, context, "GET", f"/api/threads/{thread_id}/export", claims=AGENT_A)[0] == 403
    response = agent_api.handler(
        api_event("GET", f"/api/threads/{thread_id}/export", {"format": "csv"}, claims=SUPERVISOR), context
    )

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("text/csv")
    assert response["headers"]["Content-Disposition"] == f'attachment; filename="transcript-{thread_id}.csv"'
    rows = list(csv.DictReader(io.StringIO(response["body"])))
    assert [(r["kind"], r["body"]) for r in rows if r["kind"] != "assignment"][-2:] == [
        ("note", "'=cmd|' /C calc'!A0"),
        ("message", "'@SUM(1)"),
    ]
    # Replying claimed the thread: the export says so, as its own kind of row.
    assert [r["body"] for r in rows if r["kind"] == "assignment"] == [f"Assigned to {AGENT_A['sub']}"]
    assert rows[0]["resident_address"] == "'" + RESIDENT

    today = datetime.now(UTC).date().isoformat()
    event = api_event(
        "GET", "/api/exports", {"from": "2026-11-24", "to": today, "format": "json"}, claims=SUPERVISOR
    )
    response = agent_api.handler(event, context)
    assert response["statusCode"] == 200
    document = json.loads(response["body"])
    assert {r["thread_id"] for r in document["rows"]} >= {thread_id}
    assert any(r["body"] == "@SUM(1)" for r in document["rows"])  # JSON keeps the text as written
    bad = api_event("GET", "/api/exports", {"from": today, "to": "2026-01-01"}, claims=SUPERVISOR)
    assert agent_api.handler(bad, context)["statusCode"] == 400

    actions = audit_actions(agent_api, context)
    assert ("thread.export", thread_id) in actions and ("transcript.export", None) in actions


def _hold_open_threads(aws: Aws, sub: str, count: int, cap: int | None) -> None:
    """`sub` already holds `count` open conversations (and closed ones, which do not count)."""
    for n in range(count + 2):
        aws.table.put_item(
            Item={
                "pk": f"THREAD#held{n}",
                "sk": "META",
                "thread_id": f"held{n}",
                "assignee": sub,
                "status": "open" if n < count else "closed",
                "last_activity_at": f"2026-12-01T10:00:0{n}.000000Z",
            }
        )
    if cap is not None:
        aws.table.put_item(
            Item={"pk": f"STAFF#{sub}", "sk": "PRESENCE", "sub": sub, "presence": "available", "cap": cap}
        )


def test_hand_assignment_and_transfer_count_toward_the_cap_and_a_supervisor_can_override_with_a_reason(
    aws: Aws, agent_api: Any, context: LambdaContext, thread_id: str
) -> None:
    _hold_open_threads(aws, AGENT_B["sub"], count=2, cap=2)
    assign_to_b = {"agent_sub": AGENT_B["sub"]}

    # An agent at their cap gets no more by hand, by assignment or by transfer: nothing changes.
    status, body = act(agent_api, context, "POST", f"/api/threads/{thread_id}/assign", assign_to_b)
    assert (status, body["error"], body["load"], body["cap"]) == (409, "at_capacity", 2, 2)
    transfer = {"agent_sub": AGENT_B["sub"], "note": "Sam knows this street"}
    assert act(agent_api, context, "POST", f"/api/threads/{thread_id}/transfer", transfer)[0] == 409
    thread = act(agent_api, context, "GET", f"/api/threads/{thread_id}")[1]["thread"]
    assert thread["assignee"] is None
    assert act(agent_api, context, "GET", f"/api/threads/{thread_id}/notes")[1]["notes"] == []

    # Only a supervisor may go past the cap, and only with a reason.
    override = {**transfer, "override_reason": "Sam is the only Spanish speaker on shift"}
    assert act(agent_api, context, "POST", f"/api/threads/{thread_id}/transfer", override)[0] == 403
    short = {**transfer, "override_reason": "  "}
    assert act(agent_api, context, "POST", f"/api/threads/{thread_id}/transfer", short, SUPERVISOR)[0] == 422
    status, state = act(
        agent_api, context, "POST", f"/api/threads/{thread_id}/transfer", override, SUPERVISOR
    )
    assert status == 200 and state["assignee"] == AGENT_B["sub"]

    entries = act(agent_api, context, "GET", "/api/audit", claims=SUPERVISOR)[1]["entries"]
    (overridden,) = [e for e in entries if e["action"] == "thread.transfer"]
    assert overridden["actor_sub"] == SUPERVISOR["sub"]
    assert overridden["detail"]["override_reason"] == "Sam is the only Spanish speaker on shift"
    assert overridden["detail"]["cap_override"] == "3 of 2"
    # The hand-assigned thread now counts toward B's load for auto-assignment too.
    presence = aws.table.get_item(Key={"pk": f"STAFF#{AGENT_B['sub']}", "sk": "PRESENCE"})["Item"]
    assert thread_id in presence["assigned"]

    # Re-assigning to the agent who already holds it is not a new conversation for them.
    assert act(agent_api, context, "POST", f"/api/threads/{thread_id}/assign", assign_to_b)[0] == 200


def test_the_default_cap_of_six_applies_to_agents_who_never_set_one(
    aws: Aws, agent_api: Any, context: LambdaContext, thread_id: str
) -> None:
    _hold_open_threads(aws, AGENT_A["sub"], count=6, cap=None)
    status, body = act(agent_api, context, "POST", f"/api/threads/{thread_id}/assign", {})
    assert (status, body["load"], body["cap"]) == (409, 6, 6)
    aws.table.delete_item(Key={"pk": "THREAD#held5", "sk": "META"})
    status, state = act(agent_api, context, "POST", f"/api/threads/{thread_id}/assign", {})
    assert status == 200 and state["assignee"] == AGENT_A["sub"]
    # No presence item was made up for an agent who never set one.
    assert "Item" not in aws.table.get_item(Key={"pk": f"STAFF#{AGENT_A['sub']}", "sk": "PRESENCE"})
