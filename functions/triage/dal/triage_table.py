"""Triage's items in the one table.

- message score: on the message item (`THREAD#{id}` / `MSG#…`), `triage` = {level, reasons, rules_version}.
- thread level: on the thread (`THREAD#{id}` / `META`), `triage_level`, `triage_order` ("0" critical, "1"
  high, "2" normal: ascending = most urgent first; the inbox sets "2" when a resident writes),
  `triage_reasons`, `triage_rules_version`, `triage_at`, `triage_override`; a staff reply removes them
  (inbox.dal.inbox_table.TRIAGE_ANSWERED_FIELDS).
- crisis answer: `THREAD#{id}` / `TRIAGE#CRISIS`, `sid`, `sent_at`: one crisis answer per thread per window.
- rules: `TRIAGE` / `RULES` (the current rules an admin saved: `version`, `rules` as JSON text, `updated_at`,
  `updated_by`) and `TRIAGE` / `RULES#v{version:06d}` (every saved version, kept for the audit trail).
- on-call: `TRIAGE` / `ONCALL`, `number` (E.164, texted when a crisis is flagged), `page_url` (the agent page
  the text links to), `updated_at`, `updated_by`; set by an admin (audited `triage.oncall`).
- supervisor notice: `PAGENOTICE#supervisor` / `{at}#{sid}`, `kind` `triage.crisis`, `thread_id`, `codes`,
  `expires_at` (TTL, a week).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError
from switchboard.dynamodb import error_code, transact_write, transact_write_if, update_if
from switchboard.read_once import UNKNOWN, remembered
from switchboard.table_keys import (
    BY_STATUS_URGENCY_INDEX,
    MESSAGE_SK_PREFIX,
    SID_SK,
    THREAD_META_SK,
    sid_pk,
    thread_pk,
)

from triage.models.jobs import ThreadRescore
from triage.models.rules import Level, level_rank
from triage.models.score import Score

CRISIS_SK = "TRIAGE#CRISIS"
RULES_PK = "TRIAGE"
RULES_SK = "RULES"
ONCALL_SK = "ONCALL"
SUPERVISOR_NOTICES_PK = "PAGENOTICE#supervisor"
NOTICE_TTL_SECONDS = 7 * 24 * 3600
MAX_THREAD_REASONS = 5
# Conditional updates per TransactWriteItems of a re-score (DynamoDB allows 100): one request for many threads
# instead of one each; a failed condition cancels the lot, so the rest is written again without it.
RESCORE_WRITE_BATCH = 25
RESCORE_CONFLICT_RETRIES = 2


def triage_order(score: Score) -> str:
    """Ascending order of urgency, as the urgency index sorts it: critical "0", high "1", normal "2"."""
    return str(2 - level_rank(score.level))


def _would_raise(thread: dict[str, Any] | None, order: str, received_at: str) -> bool:
    """`raise_thread`'s condition, read on a thread item the pipeline already holds."""
    if not thread or "waiting_since" not in thread or not str(thread["waiting_since"]) <= received_at:
        return False
    override = thread.get("triage_override")
    if override is not None:
        return isinstance(override, dict) and "at" in override and str(override["at"]) < received_at
    return "triage_level" not in thread or str(thread.get("triage_order", "")) > order


def reasons_attribute(score: Score) -> list[dict[str, Any]]:
    return [
        {"code": r.code, "text": r.text, "start": r.start, "end": r.end, "language": r.language}
        for r in score.reasons
    ]


def holds_rescore(rescore: ThreadRescore) -> bool:
    """The thread already holds this level, these reasons and this rules version (a redelivered job)."""
    current = rescore.current
    stored = [(r.get("code"), r.get("start"), r.get("end")) for r in current.get("triage_reasons") or []]
    new = [(r["code"], r["start"], r["end"]) for r in reasons_attribute(rescore.score)[:MAX_THREAD_REASONS]]
    return (
        current.get("triage_rules_version") == rescore.score.rules_version
        and current.get("triage_level") == rescore.score.level
        and stored == new
    )


class TriageTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def find_message(self, sid: str) -> tuple[str, str] | None:
        """(thread_id, message sort key) of a stored inbound message, from its SID item."""
        item = self._table.get_item(Key={"pk": sid_pk(sid), "sk": SID_SK}, ConsistentRead=True).get("Item")
        if not item or item.get("direction", "in") != "in" or "message_sk" not in item:
            return None
        return str(item["thread_id"]), str(item["message_sk"])

    def store_message_score(self, thread_id: str, message_sk: str, score: Score) -> None:
        update_if(
            self._table,
            {"pk": thread_pk(thread_id), "sk": message_sk},
            UpdateExpression="SET #triage = :triage",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#triage": "triage"},
            ExpressionAttributeValues={
                ":triage": {
                    "level": score.level,
                    "reasons": reasons_attribute(score),
                    "rules_version": score.rules_version,
                }
            },
        )

    def raise_thread(self, thread_id: str, score: Score, received_at: str) -> bool:
        """The thread takes this message's level if it is higher than the level of the thread's unanswered
        messages, and only while this message is unanswered (a staff reply since removed `waiting_since` or
        moved it later). A staff override (`triage_override.at`) holds until a message received after it,
        which replaces it. False when nothing changed (lower or equal level, answered, or a redelivery)."""
        order = triage_order(score)
        key = {"pk": thread_pk(thread_id), "sk": THREAD_META_SK}
        known = remembered(self._table, key)
        if known is not UNKNOWN and not _would_raise(known, order, received_at):
            return False  # the condition below would fail (the pipeline read the thread after storing)
        response = update_if(
            self._table,
            key,
            UpdateExpression=(
                "SET #level = :level, #order = :order, #reasons = :reasons, #version = :version, #at = :at"
                " REMOVE #override"
            ),
            ConditionExpression=(
                "attribute_exists(#waiting) AND #waiting <= :at AND (attribute_exists(#override)"
                " AND #override.#set_at < :at OR attribute_not_exists(#override)"
                " AND (attribute_not_exists(#level) OR #order > :order))"
            ),
            ExpressionAttributeNames={
                "#level": "triage_level",
                "#order": "triage_order",
                "#reasons": "triage_reasons",
                "#version": "triage_rules_version",
                "#at": "triage_at",
                "#override": "triage_override",
                "#waiting": "waiting_since",
                "#set_at": "at",
            },
            ExpressionAttributeValues={
                ":level": score.level,
                ":order": order,
                ":reasons": reasons_attribute(score)[:MAX_THREAD_REASONS],
                ":version": score.rules_version,
                ":at": received_at,
            },
            ReturnValues="ALL_NEW",
        )
        return response is not None

    def claim_crisis_reply(self, thread_id: str, sid: str, at: str, not_before: str) -> bool:
        """The right to send this message's crisis answer: free when the thread had none since `not_before`,
        or when this same message holds it (a redelivery re-sends the same answer, which the reply's fixed id
        makes a no-op)."""
        try:
            self._table.put_item(
                Item={"pk": thread_pk(thread_id), "sk": CRISIS_SK, "sid": sid, "sent_at": at},
                ConditionExpression="attribute_not_exists(pk) OR sent_at < :not_before OR sid = :sid",
                ExpressionAttributeValues={":not_before": not_before, ":sid": sid},
            )
            return True
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise

    def override_thread(
        self, thread_id: str, level: Level, reason: str, by: str, at: str
    ) -> dict[str, Any] | None:
        """Staff set the level by hand; it holds until the resident's next message (raise_thread replaces
        it) or a staff reply. None when the thread does not exist."""
        order = str(2 - level_rank(level))
        response = update_if(
            self._table,
            {"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            UpdateExpression="SET #level = :level, #order = :order, #override = :override",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={
                "#level": "triage_level",
                "#order": "triage_order",
                "#override": "triage_override",
            },
            ExpressionAttributeValues={
                ":level": level,
                ":order": order,
                ":override": {"level": level, "reason": reason, "by": by, "at": at},
            },
            ReturnValues="ALL_NEW",
        )
        return dict(response["Attributes"]) if response else None

    def thread(self, thread_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK}).get("Item")
        return dict(item) if item else None

    def saved_rules(self) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": RULES_PK, "sk": RULES_SK}, ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def save_rules(self, rules_json: str, version: int, previous: int | None, by: str, at: str) -> bool:
        """The new current rules and their history entry, in one transaction; False when someone saved
        another version since `previous` (None: nobody had saved any)."""
        current = {"pk": RULES_PK, "sk": RULES_SK, "version": version, "rules": rules_json}
        current |= {"updated_at": at, "updated_by": by}
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if previous is None
            else {
                "ConditionExpression": "version = :previous",
                "ExpressionAttributeValues": {":previous": previous},
            }
        )
        history = {**current, "sk": f"{RULES_SK}#v{version:06d}"}
        return transact_write_if(
            self._table,
            [
                {"Put": {"TableName": self._table.name, "Item": current, **condition}},
                {"Put": {"TableName": self._table.name, "Item": history}},
            ],
            guarded=0,
        )

    def oncall(self) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": RULES_PK, "sk": ONCALL_SK}).get("Item")
        return dict(item) if item else None

    def save_oncall(self, number: str | None, page_url: str, by: str, at: str) -> None:
        """The on-call number (None: text nobody) and the agent page's address for the link."""
        item: dict[str, Any] = {"pk": RULES_PK, "sk": ONCALL_SK, "page_url": page_url}
        item |= {"updated_at": at, "updated_by": by}
        if number:
            item["number"] = number
        self._table.put_item(Item=item)

    # --- re-scoring open threads ----------------------------------------------------------------------------

    def waiting_threads(
        self, status: str, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Threads someone waits on, a page of the urgency index at a time; the cursor is the last thread id
        and its sort values."""
        query: dict[str, Any] = {
            "IndexName": BY_STATUS_URGENCY_INDEX,
            "KeyConditionExpression": Key("status").eq(status),
            "Limit": limit,
            "ProjectionExpression": (
                "thread_id, waiting_since, triage_order, triage_override, triage_level, triage_reasons,"
                " triage_rules_version"
            ),
        }
        if cursor:
            order, waiting, thread_id = cursor.split("|", 2)
            query["ExclusiveStartKey"] = {
                "pk": thread_pk(thread_id),
                "sk": THREAD_META_SK,
                "status": status,
                "triage_order": order,
                "waiting_since": waiting,
            }
        response = self._table.query(**query)
        last = response.get("LastEvaluatedKey")
        next_cursor = (
            f"{last['triage_order']}|{last['waiting_since']}|{str(last['pk']).removeprefix('THREAD#')}"
            if last
            else None
        )
        return [dict(item) for item in response.get("Items", [])], next_cursor

    def unanswered_messages(self, thread_id: str, since: str) -> list[dict[str, Any]]:
        """The resident's messages since `since` (the thread's waiting_since): unanswered."""
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(thread_pk(thread_id))
            & Key("sk").between(f"{MESSAGE_SK_PREFIX}{since}", f"{MESSAGE_SK_PREFIX}~"),
            "FilterExpression": Attr("direction").eq("in"),
            "ProjectionExpression": "body, created_at",
        }
        while True:
            response = self._table.query(**query)
            items += [dict(item) for item in response.get("Items", [])]
            if not response.get("LastEvaluatedKey"):
                return items
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def set_thread_score(self, thread_id: str, score: Score, waiting_since: str) -> bool:
        """The thread's level from a re-score: written only if nobody answered meanwhile (waiting_since is
        the one read) and no staff override came in since. False otherwise (nothing to do)."""
        update = self._rescore_update(thread_id, score, waiting_since)
        return update_if(self._table, update.pop("Key"), **update) is not None

    def set_thread_scores(self, rescores: Sequence[ThreadRescore]) -> int:
        """Many threads' levels from a re-score, RESCORE_WRITE_BATCH to a transaction, each on the same
        condition as set_thread_score; a thread that already holds its new score is not written. The number
        written. A thread whose condition failed (answered or overruled meanwhile) is dropped and the rest of
        its batch written again; a batch cancelled for another reason (a concurrent write) is retried, then
        written a thread at a time."""
        pending = [r for r in rescores if not holds_rescore(r)]
        written = 0
        for start in range(0, len(pending), RESCORE_WRITE_BATCH):
            batch = pending[start : start + RESCORE_WRITE_BATCH]
            for _ in range(RESCORE_CONFLICT_RETRIES + 1):
                if not batch:
                    break
                updates = [self._rescore_update(r.thread_id, r.score, r.waiting_since) for r in batch]
                items = [{"Update": {"TableName": self._table.name, **u}} for u in updates]
                codes = transact_write(self._table, items)
                if codes is None:
                    written += len(batch)
                    batch = []
                    break
                batch = [r for r, code in zip(batch, codes, strict=True) if code != "ConditionalCheckFailed"]
            written += sum(self.set_thread_score(r.thread_id, r.score, r.waiting_since) for r in batch)
        return written

    @staticmethod
    def _rescore_update(thread_id: str, score: Score, waiting_since: str) -> dict[str, Any]:
        return {
            "Key": {"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            "UpdateExpression": (
                "SET #level = :level, #order = :order, #reasons = :reasons, #version = :version"
            ),
            "ConditionExpression": "#waiting = :waiting AND attribute_not_exists(#override)",
            "ExpressionAttributeNames": {
                "#level": "triage_level",
                "#order": "triage_order",
                "#reasons": "triage_reasons",
                "#version": "triage_rules_version",
                "#waiting": "waiting_since",
                "#override": "triage_override",
            },
            "ExpressionAttributeValues": {
                ":level": score.level,
                ":order": triage_order(score),
                ":reasons": reasons_attribute(score)[:MAX_THREAD_REASONS],
                ":version": score.rules_version,
                ":waiting": waiting_since,
            },
        }

    def put_audit(self, item: dict[str, Any]) -> None:
        """An audit entry whose key follows from the message: a redelivery rewrites the same entry."""
        self._table.put_item(Item=item)

    def notify_supervisors(self, thread_id: str, sid: str, at: str, codes: list[str]) -> None:
        """A notice for the supervisors' page (newest first, kept a week); keyed by the message, so a
        redelivery rewrites it."""
        expires = int(datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()) + NOTICE_TTL_SECONDS
        self._table.put_item(
            Item={
                "pk": SUPERVISOR_NOTICES_PK,
                "sk": f"{at}#{sid}",
                "kind": "triage.crisis",
                "thread_id": thread_id,
                "codes": codes,
                "at": at,
                "expires_at": expires,
            }
        )

    def supervisor_notices(self, since: str, limit: int = 50) -> list[dict[str, Any]]:
        response = self._table.query(
            KeyConditionExpression=Key("pk").eq(SUPERVISOR_NOTICES_PK) & Key("sk").gt(since),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [dict(item) for item in response.get("Items", [])]
