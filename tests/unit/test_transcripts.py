"""Transcript rendering: CSV cells a spreadsheet would evaluate are escaped; notes are marked internal."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from inbox.logic.transcripts import ExportTooLarge, export_range, export_thread, safe_cell
from inbox.models.errors import InvalidAction, ThreadNotFound

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
THREAD = {
    "thread_id": "t1",
    "resident": {"address": "+15555550123", "channel": "sms"},
    "channel": "sms",
    "created_at": "2026-11-20T09:00:00.000000Z",
}


class FakeStore:
    def __init__(self, items: list[dict[str, Any]], threads: list[dict[str, Any]] | None = None) -> None:
        self.items = items
        self.threads = threads if threads is not None else [THREAD]

    def get_thread(self, thread_id: str) -> dict[str, Any] | None:
        return next((t for t in self.threads if t["thread_id"] == thread_id), None)

    def threads_active_since(self, since: str, limit: int) -> list[dict[str, Any]]:
        return self.threads[:limit]

    def transcript_items(self, thread_id: str, start: str, end: str) -> list[dict[str, Any]]:
        return [i for i in self.items if start <= i["created_at"] < end or not start]


def message(at: str, body: str, direction: str = "in") -> dict[str, Any]:
    return {
        "sk": f"MSG#{at}#m",
        "created_at": at,
        "body": body,
        "direction": direction,
        "author": "resident" if direction == "in" else "agent-sub",
        "status": "received",
        "media": [],
    }


HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("body", HOSTILE)
def test_csv_cells_that_start_a_formula_are_escaped(body: str) -> None:
    store = FakeStore([message("2026-11-24T10:00:00.000000Z", body)])

    transcript = export_thread(store, "t1", "csv", NOW)

    (header, row) = list(csv.reader(io.StringIO(transcript.body)))
    assert row[header.index("body")] == "'" + body
    assert row[header.index("resident_address")] == "'+15555550123"  # phone numbers start with + too


@given(st.text(max_size=40))
def test_no_escaped_cell_starts_a_formula(text: str) -> None:
    assert not safe_cell(text).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert safe_cell(text).removeprefix("'") == text or safe_cell(text) == text


def test_json_keeps_the_text_as_written_and_marks_notes_internal() -> None:
    note = {
        "sk": "NOTE#2026-11-24T10:05:00.000000Z#n",
        "created_at": "2026-11-24T10:05:00.000000Z",
        "body": "=staff only",
        "author_sub": "s1",
        "author_email": "s@example.gov",
        "kind": "note",
    }
    store = FakeStore([message("2026-11-24T10:00:00.000000Z", "=1+1"), note])

    document = json.loads(export_thread(store, "t1", "json", NOW).body)

    assert [(r["kind"], r["direction"], r["body"], r["author"]) for r in document["rows"]] == [
        ("message", "in", "=1+1", "resident"),
        ("note", "internal", "=staff only", "s@example.gov"),
    ]


def test_a_range_is_bounded_and_checked() -> None:
    store = FakeStore(
        [message("2026-11-24T10:00:00.000000Z", "in range"), message("2026-11-26T10:00:00.000000Z", "after")]
    )

    transcript = export_range(store, date(2026, 11, 24), date(2026, 11, 24), "json", NOW)

    assert [r["body"] for r in json.loads(transcript.body)["rows"]] == ["in range"]
    with pytest.raises(InvalidAction):
        export_range(store, date(2026, 11, 25), date(2026, 11, 24), "csv", NOW)
    with pytest.raises(InvalidAction):
        export_range(store, date(2026, 1, 1), date(2026, 11, 24), "csv", NOW)
    with pytest.raises(ThreadNotFound):
        export_thread(store, "nope", "csv", NOW)


def test_a_range_too_large_for_one_request_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("inbox.logic.transcripts.MAX_THREADS", 1)
    store = FakeStore([], threads=[THREAD, {**THREAD, "thread_id": "t2"}])

    with pytest.raises(ExportTooLarge):
        export_range(store, date(2026, 11, 24), date(2026, 11, 24), "csv", NOW)


def test_a_change_of_owner_is_its_own_kind_of_row_and_says_to_whom() -> None:
    # Given a message, then an assignment to an agent, then an unassignment
    def assignment(at: str, assignee: str | None) -> dict[str, Any]:
        item = {"sk": f"NOTE#{at}#n", "created_at": at, "body": "Assigned", "kind": "assignment"}
        return {
            **item,
            "author_sub": "sub-a",
            **({"assignee": assignee} if assignee else {"body": "Unassigned"}),
        }

    store = FakeStore(
        [
            message("2026-11-24T10:00:00.000000Z", "Hello"),
            assignment("2026-11-24T10:01:00.000000Z", "sub-b"),
            assignment("2026-11-24T10:02:00.000000Z", None),
        ]
    )

    rows = json.loads(export_thread(store, "t1", "json", NOW).body)["rows"]

    assert [(r["kind"], r["direction"], r["body"]) for r in rows] == [
        ("message", "in", "Hello"),
        ("assignment", "internal", "Assigned to sub-b"),
        ("assignment", "internal", "Unassigned"),
    ]


def test_replies_nobody_wrote_are_marked_automatic() -> None:
    from inbox.models.conversations import Message

    def reply(author: str, direction: str = "out") -> Message:
        return Message.model_validate(
            {
                "message_id": "m",
                "thread_id": "t1",
                "direction": direction,
                "status": "sent",
                "created_at": "x",
                "author": author,
            }
        )

    assert reply("switchboard").model_dump()["automatic"] is True  # a keyword answer (STOP, HELP, JOIN)
    assert reply("workflow:callbacks").automatic is True  # a workflow's text
    assert reply("0b1c2d3e-agent-sub").automatic is False  # a person
    assert reply("resident", "in").automatic is False
