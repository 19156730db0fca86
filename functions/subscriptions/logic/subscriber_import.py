"""Subscribers imported from a CSV file (an agency's paper sign-up sheets, a previous system's list), each
consent recorded with where it came from (docs/architecture.md, "Importing subscribers").

Columns (header row, any order, case-insensitive): `phone` and `topics` required; `zip`, `language` and
`consent_date` optional, and (issue 22) `channels` (sms, voice, email: how alerts reach them; left as they are
when absent) with `email` (required when email is among them). Topics are separated by spaces, commas or
semicolons. Each row goes through the same consent ledger as JOIN and the sign-up page (source `import`, the
file's provenance text and the importing staff member kept on every entry). A resident's own STOP wins: a row
is never used to re-subscribe someone who opted out of everything, nor to a topic they stopped. Importing the
same row again changes nothing (a marker per row content is written in the ledger's transaction).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from inbox.logic.alert_channels import channel_changes
from inbox.logic.consent_rules import apply_change
from inbox.models.consent import ALERT_CHANNELS, ALL_TOPICS, ConsentChange, ConsentState, Topic
from switchboard.clock import utc_now_iso
from switchboard.dynamodb import TransactionConflict
from switchboard.email_address import normalize_email
from switchboard.geo.zones import zip_zone
from switchboard.observability import logger
from switchboard.phone import normalize_phone

from subscriptions.models.signup import SIGNUP_COUNTRY_PREFIXES

MAX_ROWS = 5000
MAX_CSV_BYTES = 1_000_000
_ATTEMPTS = 4
_ZIP = re.compile(r"^\d{5}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_TOPIC_SPLIT = re.compile(r"[\s,;]+")


class ImportTooLarge(ValueError):
    pass


class MissingColumns(ValueError):
    pass


class ImportLedger(Protocol):
    def load_state(self, address: str) -> ConsentState: ...

    def record(
        self,
        changes: Sequence[ConsentChange],
        before: ConsentState,
        after: ConsentState,
        *,
        once_key: dict[str, str] | None = None,
    ) -> bool: ...


@dataclass(frozen=True)
class Row:
    number: int  # 2 = the first row after the header, as a spreadsheet numbers it
    address: str
    topics: tuple[str, ...]
    zip_code: str | None
    language: str | None
    consent_date: str | None
    channels: tuple[str, ...] | None = None  # None: the file says nothing of channels, leave them as they are
    email: str | None = None


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    already_imported: int = 0
    skipped_opted_out: int = 0
    topics_skipped_stopped: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)


def parse_rows(text: str, topics: Sequence[Topic]) -> tuple[list[Row], list[dict[str, object]]]:
    """Rows that can be imported, and per-row errors that name the row and the field, never its content."""
    if len(text.encode("utf-8")) > MAX_CSV_BYTES:
        raise ImportTooLarge(f"at most {MAX_CSV_BYTES // 1_000_000} MB")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    if not {"phone", "topics"} <= set(columns):
        raise MissingColumns("the header row must name at least the phone and topics columns")
    offered = {topic.code for topic in topics}
    rows: list[Row] = []
    errors: list[dict[str, object]] = []
    for count, raw in enumerate(reader, start=1):
        number = reader.line_num  # the file's line, as a spreadsheet numbers rows (blank lines count too)
        if count > MAX_ROWS:
            raise ImportTooLarge(f"at most {MAX_ROWS} rows")

        def value(name: str, raw: dict[str, str | None] = raw) -> str:
            return (raw.get(columns[name]) or "").strip() if name in columns else ""

        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue  # a blank line
        try:
            address = normalize_phone(value("phone"))
        except ValueError:
            errors.append({"row": number, "field": "phone", "message": "not a phone number"})
            continue
        if not address.startswith(SIGNUP_COUNTRY_PREFIXES):
            errors.append({"row": number, "field": "phone", "message": "a country this agency does not text"})
            continue
        wanted = tuple(sorted({t.upper() for t in _TOPIC_SPLIT.split(value("topics")) if t}))
        unknown = [t for t in wanted if t not in offered]
        if not wanted or unknown:
            message = f"unknown topic {', '.join(unknown)}" if unknown else "no topic"
            errors.append({"row": number, "field": "topics", "message": message})
            continue
        zip_code = value("zip") or None
        if zip_code and not _ZIP.match(zip_code):
            errors.append({"row": number, "field": "zip", "message": "a ZIP code has five digits"})
            continue
        language = value("language").lower() or None
        if language and not _LANGUAGE.match(language):
            errors.append({"row": number, "field": "language", "message": "a language code, like en or es"})
            continue
        consent_date = value("consent_date") or None
        if consent_date:
            try:
                if date.fromisoformat(consent_date) > date.today():
                    raise ValueError
            except ValueError:
                errors.append({"row": number, "field": "consent_date", "message": "a past date, YYYY-MM-DD"})
                continue
        channels = tuple(sorted({c.lower() for c in _TOPIC_SPLIT.split(value("channels")) if c})) or None
        if channels and not set(channels) <= set(ALERT_CHANNELS):
            errors.append(
                {"row": number, "field": "channels", "message": "channels are sms, voice and email"}
            )
            continue
        email: str | None = None
        if value("email") or "email" in (channels or ()):
            try:
                email = normalize_email(value("email"))
            except ValueError:
                errors.append({"row": number, "field": "email", "message": "not an email address"})
                continue
        rows.append(Row(number, address, wanted, zip_code, language, consent_date, channels, email))
    return rows, errors


def _row_marker(row: Row) -> dict[str, str]:
    content = "|".join([row.address, ",".join(row.topics), row.zip_code or "", row.language or ""])
    if row.channels or row.email:
        content += "|" + ",".join(row.channels or ()) + "|" + (row.email or "")
    digest = hashlib.sha256(content.encode()).hexdigest()[:40]
    return {"pk": f"IMPORTROW#{digest}", "sk": "IMPORT"}


def import_subscribers(
    ledger: ImportLedger,
    text: str,
    *,
    topics: Sequence[Topic],
    provenance: str,
    actor_sub: str,
    now_iso: Callable[[], str] = utc_now_iso,
) -> ImportResult:
    rows, errors = parse_rows(text, topics)
    result = ImportResult(rows=len(rows) + len(errors), errors=errors)
    import_id = hashlib.sha256(f"{provenance}\n{text}".encode()).hexdigest()[:16]
    for row in rows:
        outcome = _import_row(ledger, row, import_id, provenance, actor_sub, now_iso())
        if outcome == "imported":
            result.imported += 1
        elif outcome == "already":
            result.already_imported += 1
        elif outcome == "opted_out":
            result.skipped_opted_out += 1
    logger.info(
        "Subscribers imported",
        extra={
            "import_id": import_id,
            "rows": result.rows,
            "imported": result.imported,
            "already_imported": result.already_imported,
            "skipped_opted_out": result.skipped_opted_out,
            "errors": len(result.errors),
        },
    )
    return result


def _import_row(
    ledger: ImportLedger, row: Row, import_id: str, provenance: str, actor_sub: str, now: str
) -> str:
    at = f"{row.consent_date}T00:00:00.000000Z" if row.consent_date else now
    where = f"{provenance} (consent given {row.consent_date})" if row.consent_date else provenance
    for attempt in range(_ATTEMPTS):
        before = ledger.load_state(row.address)
        if before.opted_out_all:
            return "opted_out"  # their STOP wins over any list
        topics = [t for t in row.topics if t not in before.stopped_topics]
        if not topics:
            return "opted_out"
        changes = [
            ConsentChange(
                address=row.address,
                channel="sms",
                topic=topic,
                action="opt_in",
                at=at,
                source="import",
                source_id=f"import:{import_id}:{row.number}",
                provenance=where,
                actor_sub=actor_sub,
            )
            for topic in topics
        ]
        if row.zip_code:
            zone = zip_zone(row.zip_code)
            changes.append(replace(changes[0], topic=ALL_TOPICS, action="set_zone", zone=zone, zones=(zone,)))
        after = before
        for change in changes:
            after = apply_change(after, change)
        chosen = row.channels or (tuple(after.channels) + (("email",) if row.email else ()))
        channel_entries = channel_changes(after, chosen, row.email, template=changes[0])
        for change in channel_entries:
            after = apply_change(after, change)
        changes += channel_entries
        if row.language:
            after = replace(after, language=row.language)
        try:
            recorded = ledger.record(changes, before, after, once_key=_row_marker(row))
        except TransactionConflict:
            if attempt == _ATTEMPTS - 1:
                raise
            continue
        return "imported" if recorded else "already"
    raise AssertionError("unreachable")
