"""Transcripts for public-records requests: one thread, or every thread active in a date range, as CSV or
JSON.

Rows hold messages and internal notes (marked `note`), oldest first. A message that was machine-translated
(issue 20) carries the other version beside its body: `translation_text` in `translation_language`, and
`translation_note` saying which was the original (what the resident wrote, or what the agent wrote) or why
it was not translated; the app passes them in (`Annotations`), the inbox does not know how they are kept.
CSV cells are made safe for
spreadsheets: a cell starting with = + - @ (or a tab or carriage return) is prefixed with an apostrophe, so a
resident's text such as `=HYPERLINK(...)` is shown, never evaluated.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from switchboard.clock import format_timestamp

from inbox.models.errors import InvalidAction, ThreadNotFound

ExportFormat = Literal["csv", "json"]
COLUMNS = (
    "thread_id",
    "resident_address",
    "channel",
    "kind",
    "direction",
    "created_at",
    "author",
    "status",
    "body",
    "media_count",
    "body_language",
    "translation_text",
    "translation_language",
    "translation_note",
)
TRANSLATION_COLUMNS = COLUMNS[-4:]
# thread_id -> {message_id -> {column: value}} for the TRANSLATION_COLUMNS of that thread's messages
Annotations = Callable[[str], Mapping[str, Mapping[str, str]]]


def _no_annotations(_thread_id: str) -> Mapping[str, Mapping[str, str]]:
    return {}


MAX_RANGE_DAYS = 92
MAX_THREADS = 2_000
MAX_ROWS = 50_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_END_OF_TIME = "9999"


class TranscriptStore(Protocol):
    def get_thread(self, thread_id: str) -> dict[str, Any] | None: ...

    def threads_active_since(self, since: str, limit: int) -> list[dict[str, Any]]: ...

    def transcript_items(self, thread_id: str, start: str, end: str) -> list[dict[str, Any]]: ...


class ExportTooLarge(ValueError):
    pass


@dataclass(frozen=True)
class Transcript:
    filename: str
    content_type: str
    body: str
    rows: int
    threads: int


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _rows(
    thread: dict[str, Any], items: list[dict[str, Any]], annotations: Annotations = _no_annotations
) -> list[dict[str, Any]]:
    resident = thread.get("resident") or {}
    extra = annotations(str(thread["thread_id"]))
    rows = []
    for item in items:
        note = str(item["sk"]).startswith("NOTE#")
        # A change of owner is a note of its own kind: the body says to whom, not just "Assigned".
        assignment = note and item.get("kind") == "assignment"
        body = item.get("body", "")
        if assignment:
            body = f"Assigned to {item['assignee']}" if item.get("assignee") else "Unassigned"
        rows.append(
            {
                "thread_id": thread["thread_id"],
                "resident_address": resident.get("address", ""),
                "channel": thread.get("channel", ""),
                "kind": ("assignment" if assignment else "note") if note else "message",
                "direction": "internal" if note else item.get("direction", ""),
                "created_at": item.get("created_at", ""),
                "author": item.get("author_email") or item.get("author_sub")
                if note
                else item.get("author", ""),
                "status": "" if note else item.get("status", ""),
                "body": body,
                "media_count": 0 if note else len(item.get("media") or []),
                **{
                    column: "" if note else extra.get(str(item.get("message_id", "")), {}).get(column, "")
                    for column in TRANSLATION_COLUMNS
                },
            }
        )
    return rows


def _render(rows: list[dict[str, Any]], fmt: ExportFormat, meta: dict[str, Any], stem: str) -> Transcript:
    threads = len({r["thread_id"] for r in rows})
    if fmt == "json":
        body = json.dumps({**meta, "columns": list(COLUMNS), "rows": rows}, ensure_ascii=False, default=str)
        return Transcript(f"{stem}.json", "application/json", body, len(rows), threads)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(row[column]) for column in COLUMNS])
    return Transcript(f"{stem}.csv", "text/csv; charset=utf-8", out.getvalue(), len(rows), threads)


def export_thread(
    store: TranscriptStore,
    thread_id: str,
    fmt: ExportFormat,
    now: datetime,
    annotations: Annotations = _no_annotations,
) -> Transcript:
    thread = store.get_thread(thread_id)
    if thread is None:
        raise ThreadNotFound(thread_id)
    rows = _rows(thread, store.transcript_items(thread_id, "", _END_OF_TIME), annotations)
    meta = {"exported_at": format_timestamp(now), "thread_id": thread_id}
    return _render(rows, fmt, meta, f"transcript-{thread_id}")


def export_range(
    store: TranscriptStore,
    first_day: date,
    last_day: date,
    fmt: ExportFormat,
    now: datetime,
    annotations: Annotations = _no_annotations,
) -> Transcript:
    """Every message and note created from `first_day` 00:00 to the end of `last_day` (UTC)."""
    if last_day < first_day:
        raise InvalidAction("the range ends before it starts")
    if (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise InvalidAction(f"a range may span at most {MAX_RANGE_DAYS} days")
    start = f"{first_day.isoformat()}T00:00:00.000000Z"
    end = f"{(last_day + timedelta(days=1)).isoformat()}T00:00:00.000000Z"
    # A thread with a message in the range was active at or after the range's start.
    threads = store.threads_active_since(start, MAX_THREADS + 1)
    if len(threads) > MAX_THREADS:
        raise ExportTooLarge(f"more than {MAX_THREADS} threads; narrow the range")
    rows: list[dict[str, Any]] = []
    for thread in sorted(threads, key=lambda t: str(t.get("created_at", ""))):
        rows += _rows(thread, store.transcript_items(str(thread["thread_id"]), start, end), annotations)
        if len(rows) > MAX_ROWS:
            raise ExportTooLarge(f"more than {MAX_ROWS} rows; narrow the range")
    meta = {"exported_at": format_timestamp(now), "from": first_day.isoformat(), "to": last_day.isoformat()}
    return _render(rows, fmt, meta, f"transcripts-{first_day.isoformat()}-to-{last_day.isoformat()}")
