"""Replies to an alert, grouped (docs/architecture.md, "Replies to alerts").

- thread META: `alert_reply_id`, `alert_reply_title`, `alert_reply_at`, copied from the thread's
  `last_alert_*` by a conditional update when the resident writes within the reply window
  of an alert sent to them.
- `ALERTREPLY#{alert_id}` / `THREAD#{thread_id}`: one member per resident who replied (first reply time).
- `ALERTREPLY#{alert_id}` / `SUMMARY`: title, `threads` (members), `threads_in#{department}` (members by
  the department their thread was in when they joined, `-` for none: what a caller scoped to departments is
  shown), `last_reply_at`; listed newest first on gsi1 (`ALERTREPLIES`, `{last_reply_at}#{alert_id}`).
- `GROUPANSWER#{answer_id}` / `META`: one staff answer to a group (who, when, the text): makes a retried
  answer send nothing twice.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.dynamodb import put_if, transact_write_if, update_if
from switchboard.read_once import UNKNOWN, remembered
from switchboard.table_keys import THREAD_META_SK, THREADS_GSI, thread_pk

GROUPS_GSI_PK = "ALERTREPLIES"
SUMMARY_SK = "SUMMARY"
MEMBER_PREFIX = "THREAD#"
MAX_MEMBERS = 5000  # a group's members read for one answer or one view
NO_DEPARTMENT = "-"


def department_count_attr(department: str | None) -> str:
    """The summary's count of members whose thread was in `department` when they joined."""
    return f"threads_in#{department or NO_DEPARTMENT}"


def group_pk(alert_id: str) -> str:
    return f"ALERTREPLY#{alert_id}"


def answer_pk(answer_id: str) -> str:
    return f"GROUPANSWER#{answer_id}"


class AlertRepliesTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def link(self, thread_id: str, *, at: str, window_start: str) -> tuple[str, str, str | None] | None:
        """If the thread's last alert was sent in [window_start, at], mark the thread a reply to it (again on
        a redelivery: idempotent): (alert id, title, the thread's department); None when the resident was not
        answering a recent alert."""
        key = {"pk": thread_pk(thread_id), "sk": THREAD_META_SK}
        known = remembered(self._table, key)
        if known is not UNKNOWN and not (
            known and "last_alert_id" in known and window_start <= str(known.get("last_alert_at", "")) <= at
        ):
            return None  # the condition below would fail (the pipeline read the thread after storing)
        response = update_if(
            self._table,
            key,
            UpdateExpression="SET alert_reply_id = last_alert_id, alert_reply_title = last_alert_title, "
            "alert_reply_at = :at",
            ConditionExpression="attribute_exists(last_alert_id) AND last_alert_at BETWEEN :start AND :at",
            ExpressionAttributeValues={":start": window_start, ":at": at},
            ReturnValues="ALL_NEW",
        )
        if response is None:
            return None
        item = response["Attributes"]
        department = item.get("department_id")
        return (
            str(item["alert_reply_id"]),
            str(item.get("alert_reply_title") or ""),
            department and str(department),
        )

    def add_member(
        self, alert_id: str, title: str, thread_id: str, at: str, department: str | None = None
    ) -> bool:
        """The resident joins the alert's group (once); the summary counts them, in all and in the thread's
        department. False if already in it."""
        summary_update = {
            "TableName": self._table.name,
            "Key": {"pk": group_pk(alert_id), "sk": SUMMARY_SK},
            "UpdateExpression": "SET alert_id = :alert, title = :title, last_reply_at = :at, "
            "gsi1pk = :gsi1pk, gsi1sk = :gsi1sk ADD threads :one, #in_department :one",
            "ExpressionAttributeNames": {"#in_department": department_count_attr(department)},
            "ExpressionAttributeValues": {
                ":alert": alert_id,
                ":title": title,
                ":at": at,
                ":gsi1pk": GROUPS_GSI_PK,
                ":gsi1sk": f"{at}#{alert_id}",
                ":one": 1,
            },
        }
        member = {
            "pk": group_pk(alert_id),
            "sk": f"{MEMBER_PREFIX}{thread_id}",
            "thread_id": thread_id,
            "alert_id": alert_id,
            "replied_at": at,
        }
        transact = [
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": member,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {"Update": summary_update},
        ]
        return transact_write_if(self._table, transact, guarded=0)

    def groups(self, limit: int) -> list[dict[str, Any]]:
        response = self._table.query(
            IndexName=THREADS_GSI,
            KeyConditionExpression=Key("gsi1pk").eq(GROUPS_GSI_PK),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [dict(i) for i in response.get("Items", [])]

    def summary(self, alert_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": group_pk(alert_id), "sk": SUMMARY_SK}).get("Item")
        return dict(item) if item else None

    def members(self, alert_id: str) -> list[str]:
        ids: list[str] = []
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(group_pk(alert_id)) & Key("sk").begins_with(MEMBER_PREFIX),
            "ProjectionExpression": "thread_id",
        }
        while len(ids) < MAX_MEMBERS:
            response = self._table.query(**query)
            ids += [str(i["thread_id"]) for i in response.get("Items", [])]
            if not response.get("LastEvaluatedKey"):
                break
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return ids[:MAX_MEMBERS]

    def start_answer(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The answer as first recorded: a retry with the same id gets the original (its time and text)."""
        item = {"pk": answer_pk(answer["answer_id"]), "sk": "META", **answer}
        if put_if(self._table, item, "attribute_not_exists(pk)"):
            return answer
        existing = self._table.get_item(Key={"pk": item["pk"], "sk": "META"}, ConsistentRead=True)["Item"]
        return dict(existing)
