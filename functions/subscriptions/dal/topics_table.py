"""The agency's topics as staff manage them: item `TOPICS` / `TOPIC#{code}` with `name`, `created_at`,
`updated_at`, `updated_by`.

Subscriptions name a topic by its code (`SUBS#{code}`, the ledger's `topic`), so a rename changes the name
residents and staff read and nothing else: every subscription stays. Reads here are never cached (the
management page must show its own write at once); the senders' cached copy (inbox.dal.consent_table) follows
within its minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.dynamodb import put_if, query_pages, update_if
from switchboard.table_keys import TOPIC_SK_PREFIX, TOPICS_PK, subscribers_pk, topic_sk


@dataclass(frozen=True)
class ManagedTopic:
    code: str
    name: str
    subscribers: int
    updated_at: str | None = None


class TopicsTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def list_topics(self) -> list[ManagedTopic]:
        condition = Key("pk").eq(TOPICS_PK) & Key("sk").begins_with(TOPIC_SK_PREFIX)
        items = [
            item
            for page in query_pages(self._table, KeyConditionExpression=condition)
            for item in page["Items"]
        ]
        return sorted(
            (
                ManagedTopic(
                    code=str(item["code"]),
                    name=str(item.get("name") or item["code"]),
                    subscribers=self.subscriber_count(str(item["code"])),
                    updated_at=str(item["updated_at"]) if item.get("updated_at") else None,
                )
                for item in items
            ),
            key=lambda topic: topic.name.casefold(),
        )

    def subscriber_count(self, code: str) -> int:
        """Residents subscribed now (one item each in the topic's subscriber partition): a COUNT query."""
        pages = query_pages(
            self._table, KeyConditionExpression=Key("pk").eq(subscribers_pk(code)), Select="COUNT"
        )
        return sum(int(page.get("Count", 0)) for page in pages)

    def exists(self, code: str) -> bool:
        return "Item" in self._table.get_item(
            Key={"pk": TOPICS_PK, "sk": topic_sk(code)}, ConsistentRead=True
        )

    def create(self, code: str, name: str, *, at: str, by: str) -> bool:
        """False when a topic with this code exists already."""
        item = {
            "pk": TOPICS_PK,
            "sk": topic_sk(code),
            "code": code,
            "name": name,
            "created_at": at,
            "updated_at": at,
            "updated_by": by,
        }
        return put_if(self._table, item, "attribute_not_exists(pk)")

    def rename(self, code: str, name: str, *, at: str, by: str) -> str | None:
        """The old name, or None when there is no such topic."""
        old = update_if(
            self._table,
            {"pk": TOPICS_PK, "sk": topic_sk(code)},
            UpdateExpression="SET #name = :name, updated_at = :at, updated_by = :by",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#name": "name"},
            ExpressionAttributeValues={":name": name, ":at": at, ":by": by},
            ReturnValues="ALL_OLD",
        )
        if old is None:
            return None
        return str(old.get("Attributes", {}).get("name") or code)
