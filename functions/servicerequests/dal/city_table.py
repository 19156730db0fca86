"""The links to a city's Open311 endpoint, and which of our requests the city holds (in the one table).

- link: pk `OPEN311CITY`, sk `LINK#{target}` (a service code or `_all`): `endpoint`, `api_key`,
  `jurisdiction_id`, `updated_at`, `updated_by`. The table is KMS-encrypted at rest; no route returns the key.
- forwarded: pk `SRCITY`, sk `{request_id}`: `target`, then `city_token` (a batch city's answer) and/or
  `city_request_id`; `closed_at` while the city has it closed. Present from the city's first answer until
  the request has stayed closed at the city for REOPEN_WATCH (a city may reopen it: the poll still asks): the
  poll is one Query of this partition, never a Scan of the requests.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.dynamodb import put_if

from servicerequests.models.city import CityLink

LINKS_PK = "OPEN311CITY"
FORWARDED_PK = "SRCITY"


class CityTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- links ------------------------------------------------------------------------------------------

    def save_link(self, link: CityLink) -> None:
        item = {"pk": LINKS_PK, "sk": f"LINK#{link.target}", **link.model_dump(exclude_none=True)}
        self._table.put_item(Item=item)

    def links(self) -> list[CityLink]:
        page = self._table.query(KeyConditionExpression=Key("pk").eq(LINKS_PK))
        return [CityLink.model_validate(item) for item in page.get("Items", [])]

    def link(self, target: str) -> CityLink | None:
        item = self._table.get_item(Key={"pk": LINKS_PK, "sk": f"LINK#{target}"}).get("Item")
        return CityLink.model_validate(item) if item else None

    def delete_link(self, target: str) -> bool:
        response = self._table.delete_item(
            Key={"pk": LINKS_PK, "sk": f"LINK#{target}"}, ReturnValues="ALL_OLD"
        )
        return "Attributes" in response

    # --- forwarded requests -----------------------------------------------------------------------------

    def forwarded(self, request_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": FORWARDED_PK, "sk": request_id}).get("Item")
        return dict(item) if item else None

    def record_answer(
        self, request_id: str, *, target: str, city_request_id: str | None, city_token: str | None
    ) -> bool:
        """The city's answer to our POST, kept once: False when a redelivered job already recorded one."""
        item: dict[str, Any] = {
            "pk": FORWARDED_PK,
            "sk": request_id,
            "request_id": request_id,
            "target": target,
        }
        if city_request_id:
            item["city_request_id"] = city_request_id
        if city_token:
            item["city_token"] = city_token
        return put_if(self._table, item, "attribute_not_exists(pk)")

    def set_city_id(self, request_id: str, city_request_id: str) -> None:
        self._table.update_item(
            Key={"pk": FORWARDED_PK, "sk": request_id},
            UpdateExpression="SET city_request_id = :id",
            ExpressionAttributeValues={":id": city_request_id},
        )

    def all_forwarded(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(FORWARDED_PK)}
        while True:
            page = self._table.query(**query)
            items.extend(dict(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def mark_closed(self, request_id: str, at: str) -> None:
        """The city closed it: still polled for a while, so a reopening there is seen."""
        self._table.update_item(
            Key={"pk": FORWARDED_PK, "sk": request_id},
            UpdateExpression="SET closed_at = :at",
            ExpressionAttributeValues={":at": at},
        )

    def mark_reopened(self, request_id: str) -> None:
        self._table.update_item(
            Key={"pk": FORWARDED_PK, "sk": request_id}, UpdateExpression="REMOVE closed_at"
        )

    def done(self, request_id: str) -> None:
        self._table.delete_item(Key={"pk": FORWARDED_PK, "sk": request_id})
