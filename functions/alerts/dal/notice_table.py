"""Notices in the one table.

| item | pk | sk | notes |
| notice | `NOTICE#{id}` | `META` | the Notice; gsi1 `NOTICES` / `{created_at}#{id}` lists them |
| firing | `NOTICE#{id}` | `FIRE#{scheduled time}` | one per occurrence (delivered at least once); TTL |
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from alerts.models.notices import Notice

INDEX_PK = "NOTICES"
FIRE_TTL = timedelta(days=90)


def notice_key(notice_id: str) -> dict[str, str]:
    return {"pk": f"NOTICE#{notice_id}", "sk": "META"}


def _conditional(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


class NoticeTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def put(self, notice: Notice, *, new: bool) -> bool:
        """False if a new notice's id exists, or an edited one no longer does."""
        item = {
            **notice_key(notice.notice_id),
            "gsi1pk": INDEX_PK,
            "gsi1sk": f"{notice.created_at}#{notice.notice_id}",
            **notice.model_dump(exclude_none=True),
        }
        condition = "attribute_not_exists(pk)" if new else "attribute_exists(pk)"
        try:
            self._table.put_item(Item=item, ConditionExpression=condition)
        except ClientError as error:
            if _conditional(error):
                return False
            raise
        return True

    def get(self, notice_id: str) -> Notice | None:
        item = self._table.get_item(Key=notice_key(notice_id), ConsistentRead=True).get("Item")
        return Notice.model_validate(item) if item else None

    def list(self) -> list[Notice]:
        query: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": Key("gsi1pk").eq(INDEX_PK),
            "ScanIndexForward": False,
        }
        notices: list[Notice] = []
        while True:
            page = self._table.query(**query)
            notices.extend(Notice.model_validate(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return notices
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def delete(self, notice_id: str) -> bool:
        try:
            self._table.delete_item(Key=notice_key(notice_id), ConditionExpression="attribute_exists(pk)")
        except ClientError as error:
            if _conditional(error):
                return False
            raise
        return True

    def claim_firing(self, notice_id: str, scheduled_time: str, now: str) -> bool:
        """True once per (notice, occurrence): a repeated delivery of the same occurrence sends nothing."""
        expires = datetime.now(UTC) + FIRE_TTL
        try:
            self._table.put_item(
                Item={
                    "pk": f"NOTICE#{notice_id}",
                    "sk": f"FIRE#{scheduled_time}",
                    "claimed_at": now,
                    "expires_at": int(expires.timestamp()),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if _conditional(error):
                return False
            raise
        return True

    def release_firing(self, notice_id: str, scheduled_time: str) -> None:
        """The alert could not be made: let Scheduler's retry of this occurrence try again."""
        self._table.delete_item(Key={"pk": f"NOTICE#{notice_id}", "sk": f"FIRE#{scheduled_time}"})

    def record_fired(self, notice_id: str, scheduled_time: str, alert_id: str, now: str) -> None:
        self._table.update_item(
            Key={"pk": f"NOTICE#{notice_id}", "sk": f"FIRE#{scheduled_time}"},
            UpdateExpression="SET alert_id = :alert",
            ExpressionAttributeValues={":alert": alert_id},
        )
        try:
            self._table.update_item(
                Key=notice_key(notice_id),
                UpdateExpression="SET last_fired_at = :now, last_alert_id = :alert ADD fired_count :one",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":now": now, ":alert": alert_id, ":one": 1},
            )
        except ClientError as error:
            if not _conditional(error):  # deleted meanwhile: its alert still went out
                raise
