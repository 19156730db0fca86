"""The inbox's views, counts and search through the agent API on moto (indexes as the CDK app has them)."""

from __future__ import annotations

from typing import Any

import pytest
from inbox.dal.inbox_views_table import label_members

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call

ME = "11111111-1111-4111-8111-111111111111"
OTHER = "22222222-2222-4222-8222-222222222222"
AGENT = {"sub": ME, "email": "me@example.org", "cognito:groups": "[agent]"}
SUPERVISOR = {"sub": OTHER, "email": "sup@example.org", "cognito:groups": "[supervisor]"}


def thread(n: int, **fields: Any) -> dict[str, Any]:
    at = f"2026-11-25T10:{n:02d}:00.000000Z"
    item = {
        "pk": f"THREAD#t{n:03d}",
        "sk": "META",
        "thread_id": f"t{n:03d}",
        "resident": {"address": f"+1555010{n:04d}", "channel": "sms"},
        "channel": "sms",
        "status": "open",
        "last_activity_at": at,
        "last_message_preview": "hi",
        "last_direction": "in",
        "unread": 1,
        "created_at": at,
        "gsi1pk": "THREADS",
        "gsi1sk": f"{at}#t{n:03d}",
    }
    item.update(fields)
    return {k: v for k, v in item.items() if v is not None}


@pytest.fixture
def threads(aws: Aws) -> None:
    """Given 30 threads: 0-4 mine, 5-9 someone else's, 10-29 unassigned; departments water (even) and health
    (odd); 20-29 waiting since an order opposite to their activity; 25-29 closed; 3 and 12 labelled urgent,
    16-29 follow-up."""
    items = []
    for n in range(30):
        fields: dict[str, Any] = {"department_id": "water" if n % 2 == 0 else "health"}
        if n < 5:
            fields["assignee"] = ME
        elif n < 10:
            fields["assignee"] = OTHER
        if n >= 20:
            fields["waiting_since"] = f"2026-11-25T09:{59 - n:02d}:00.000000Z"
        if n >= 25:
            fields["status"] = "closed"
        if n in (3, 12) or n >= 16:
            fields["labels"] = ["urgent"] if n in (3, 12) else ["follow-up"]
        items.append(thread(n, **fields))
        # The label's membership, as the workspace's set_labels writes it.
        items += label_members(f"t{n:03d}", fields.get("labels", []))
    items.append({"pk": f"STAFF#{ME}", "sk": "PROFILE", "sub": ME, "departments": ["water"]})
    with aws.table.batch_writer() as batch:
        for item in items:
            batch.put_item(Item=item)


def inbox(agent_api: Any, context: LambdaContext, claims: dict[str, Any], **query: str) -> tuple[int, Any]:
    return call(agent_api, context, api_event("GET", "/api/inbox", query=query, claims=claims))


def ids(body: dict[str, Any]) -> list[str]:
    return [t["thread_id"] for t in body["threads"]]


def test_mine_lists_my_open_threads_newest_first(
    threads: None, agent_api: Any, context: LambdaContext
) -> None:
    status, body = inbox(agent_api, context, AGENT, view="mine")
    assert status == 200
    assert ids(body) == ["t004", "t003", "t002", "t001", "t000"]
    assert body["threads"][0]["assignee"] == ME and body["next_cursor"] is None


def test_unassigned_pages_through_every_open_unassigned_thread_once(
    threads: None, agent_api: Any, context: LambdaContext
) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        query = {"view": "unassigned", "limit": "4", **({"cursor": cursor} if cursor else {})}
        status, body = inbox(agent_api, context, AGENT, **query)
        assert status == 200 and len(body["threads"]) <= 4
        seen += ids(body)
        cursor = body["next_cursor"]
        if not cursor:
            break
    # The agent's department is water (even numbers): health's unassigned threads are not theirs to see.
    assert seen == [f"t{n:03d}" for n in range(24, 9, -2)]
    status, body = inbox(agent_api, context, SUPERVISOR, view="unassigned", limit="100")
    assert ids(body) == [f"t{n:03d}" for n in range(24, 9, -1)]  # supervisors: every department (default)
    assert inbox(agent_api, context, AGENT, view="unassigned", department="health")[0] == 403


def test_oldest_waiting_first_orders_by_waiting_since_and_leaves_out_threads_nobody_waits_on(
    threads: None, agent_api: Any, context: LambdaContext
) -> None:
    status, body = inbox(agent_api, context, SUPERVISOR, view="unassigned", sort="oldest_waiting")
    assert status == 200
    assert ids(body) == ["t024", "t023", "t022", "t021", "t020"]
    assert body["threads"][0]["waiting_since"] == "2026-11-25T09:35:00.000000Z"
    assert ids(inbox(agent_api, context, AGENT, view="unassigned", sort="oldest_waiting")[1]) == [
        "t024",
        "t022",
        "t020",
    ]


def test_my_departments_merges_department_partitions_and_filters_by_label(
    threads: None, agent_api: Any, context: LambdaContext
) -> None:
    status, body = inbox(agent_api, context, AGENT, view="departments", limit="100")
    assert status == 200
    assert ids(body) == [f"t{n:03d}" for n in range(24, -1, -2)]
    status, body = inbox(agent_api, context, AGENT, view="departments", label="urgent")
    assert ids(body) == ["t012"]


def test_the_all_view_is_for_supervisors(threads: None, agent_api: Any, context: LambdaContext) -> None:
    assert inbox(agent_api, context, AGENT, view="all")[0] == 403
    status, body = inbox(agent_api, context, SUPERVISOR, view="all", status="closed", department="health")
    assert status == 200 and ids(body) == ["t029", "t027", "t025"]
    status, body = inbox(agent_api, context, SUPERVISOR, view="all", status="any", limit="100")
    assert status == 200 and len(body["threads"]) == 30


def test_status_any_outside_the_all_view_is_a_bad_request(
    threads: None, agent_api: Any, context: LambdaContext
) -> None:
    assert inbox(agent_api, context, AGENT, view="mine", status="any")[0] == 400
    assert inbox(agent_api, context, AGENT, view="nope")[0] == 422


def test_counts_per_view(threads: None, agent_api: Any, context: LambdaContext) -> None:
    status, body = call(agent_api, context, api_event("GET", "/api/inbox/counts", claims=AGENT))
    assert status == 200
    counts = {view: c["count"] for view, c in body["counts"].items()}
    # No "all" for an agent; unassigned counts their department's only (water: 10, 12, ..., 24).
    assert counts == {"mine": 5, "unassigned": 8, "departments": 13}
    status, body = call(agent_api, context, api_event("GET", "/api/inbox/counts", claims=SUPERVISOR))
    assert body["counts"]["all"] == {"count": 25, "capped": False}


def test_search_finds_threads_by_words_phone_and_last_digits(
    aws: Aws, inbound_consumer: Any, media: Any, agent_api: Any, context: LambdaContext
) -> None:
    from events import load_event

    # Given the sample batch stored by the inbound consumer (which writes the search postings)
    assert inbound_consumer.handler(load_event("sqs/inbound_batch.json"), context) == {
        "batchItemFailures": []
    }
    threads = [i for i in aws.items() if i["sk"] == "META"]
    messages = [i for i in aws.items() if i["sk"].startswith("MSG#")]
    sample = messages[0]
    word = max((w for w in sample["body"].split() if w.isalpha()), key=len)
    address = next(t for t in threads if t["thread_id"] == sample["thread_id"])["resident"]["address"]

    def search(q: str, claims: dict[str, Any] = SUPERVISOR) -> dict[str, Any]:
        status, body = call(
            agent_api, context, api_event("GET", "/api/inbox/search", query={"q": q}, claims=claims)
        )
        assert status == 200, body
        return body

    found = search(word.upper())
    assert found["query_kind"] == "words" and sample["thread_id"] in ids(found)
    assert search(f"{word} zzzunheardofword")["threads"] == []
    by_number = search(address.removeprefix("whatsapp:"))
    assert by_number["query_kind"] == "phone" and ids(by_number) == [sample["thread_id"]]
    assert sample["thread_id"] in ids(search(address[-4:]))
    # An agent finds only threads of their departments or their own: these are not routed yet.
    assert search(word.upper(), claims=AGENT)["threads"] == []
    assert search(address.removeprefix("whatsapp:"), claims=AGENT)["threads"] == []


def test_a_resident_named_by_staff_is_found_by_name(
    threads: None, agent_api: Any, context: LambdaContext
) -> None:
    path = "/api/threads/t003/resident-name"
    status, _ = call(
        agent_api, context, api_event("PUT", path, body={"name": "María Oyelaran"}, claims=AGENT)
    )
    assert status == 200
    status, body = call(
        agent_api, context, api_event("GET", "/api/inbox/search", query={"q": "oyelaran"}, claims=AGENT)
    )
    assert status == 200 and ids(body) == ["t003"]
    assert body["threads"][0]["resident_name"] == "María Oyelaran"
    assert ids(
        call(agent_api, context, api_event("GET", "/api/inbox/search", query={"q": "MARIA"}, claims=AGENT))[1]
    ) == ["t003"]


def _all_pages(agent_api: Any, context: LambdaContext, claims: dict[str, Any], **query: str) -> list[str]:
    found: list[str] = []
    cursor = None
    while True:
        status, body = inbox(
            agent_api, context, claims, limit="3", **query, **({"cursor": cursor} if cursor else {})
        )
        assert status == 200, body
        found += ids(body)
        cursor = body["next_cursor"]
        if not cursor:
            return found


@pytest.mark.parametrize(
    "query",
    [
        {"view": "departments"},
        {"view": "departments", "sort": "oldest_waiting"},
        {"view": "unassigned"},
        {"view": "unassigned", "sort": "oldest_waiting"},
        {"view": "unassigned", "department": "water"},
        {"view": "all", "status": "closed"},
        {"view": "all", "status": "any"},
        {"view": "all", "channel": "sms"},
    ],
)
def test_a_label_filter_read_from_the_labels_threads_pages_like_the_index_path(
    threads: None,
    agent_api: Any,
    context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    query: dict[str, str],
) -> None:
    claims = SUPERVISOR if query["view"] == "all" else AGENT
    from_label = _all_pages(agent_api, context, claims, label="follow-up", **query)
    # The same view through the indexes and a FilterExpression (what a label on too many threads gets).
    from inbox.logic import inbox_views

    monkeypatch.setattr(inbox_views, "_labelled_view", lambda *args: None)
    assert from_label == _all_pages(agent_api, context, claims, label="follow-up", **query)
    assert from_label  # every case shows some of 16-29


def test_a_label_on_too_many_threads_falls_back_to_the_indexes(
    threads: None, agent_api: Any, context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inbox.dal import inbox_views_table

    monkeypatch.setattr(inbox_views_table, "LABEL_MEMBERS_CAP", 3)
    status, body = inbox(agent_api, context, SUPERVISOR, view="all", label="follow-up", limit="100")
    assert status == 200 and ids(body) == [f"t{n:03d}" for n in range(24, 15, -1)]


def test_the_channel_filter_takes_web_chat_as_threads_store_it(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    # Given one web chat thread among SMS ones (the filter once accepted only "web", which no thread has)
    chat = thread(1, channel="webchat", resident={"address": "webchat:f7f5a1", "channel": "webchat"})
    for item in (thread(0), chat, thread(2)):
        aws.table.put_item(Item=item)

    status, body = inbox(agent_api, context, SUPERVISOR, view="all", channel="webchat")

    assert status == 200 and ids(body) == ["t001"]
    assert inbox(agent_api, context, SUPERVISOR, view="all", channel="web")[0] == 422
