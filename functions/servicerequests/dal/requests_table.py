"""The catalogue, the requests and the Open311 API keys in the one table.

- service: pk `SERVICES`, sk `SERVICE#{code}`: `service` (the model as JSON), `updated_at`, `updated_by`.
  The catalogue is one Query (an agency has tens of services, not thousands).
- request: pk `SRMONTH#{yyyy-mm}`, sk `{requested_at}#{id}`: the record. GET /requests with a date range
  (at most 90 days, so at most four months) is one Query per month, newest first, never a Scan.
- request pointer: pk `SR#{id}`, sk `REQUEST`: `month_pk`, `month_sk` (GET /requests/{id}: two GetItems).
- sequence: pk `SRSEQ`, sk `SEQ`: `next` (ADD 1: ids are short numbers residents can read out: "#1234").
- token: pk `SRTOKEN#{token}`, sk `TOKEN`: `service_request_id`.
- thread link: pk `SRTHREAD#{thread_id}`, sk `{id}`: `month_pk`, `month_sk` (the requests of a conversation).
- API key: pk `OPEN311KEYS`, sk `KEY#{key_id}`: `name`, `secret_hash` (SHA-256), `created_at`, `created_by`,
  `revoked_at`; rate window: pk `OPEN311RATE#{key_id}`, sk `{minute}`: `count`, `expires_at` (TTL).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.dynamodb import put_if, transact_write, update_if

from servicerequests.models.requests import ServiceRequestRecord
from servicerequests.models.services import Service

SERVICES_PK = "SERVICES"
SERVICE_SK_PREFIX = "SERVICE#"
KEYS_PK = "OPEN311KEYS"
THREAD_LINK_PREFIX = "SRTHREAD#"


def month_pk(requested_at: str) -> str:
    return f"SRMONTH#{requested_at[:7]}"


class RequestExists(RuntimeError):
    """The id is taken (a sequence reset or a redelivered create): nothing was written."""


class CatalogueTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def services(self) -> list[Service]:
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(SERVICES_PK)}
        while True:
            page = self._table.query(**query)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted(
            (Service.model_validate_json(str(item["service"])) for item in items),
            key=lambda service: (service.group.lower(), service.service_name.lower()),
        )

    def service(self, code: str) -> Service | None:
        item = self._table.get_item(Key={"pk": SERVICES_PK, "sk": f"{SERVICE_SK_PREFIX}{code}"}).get("Item")
        return Service.model_validate_json(str(item["service"])) if item else None

    def save(self, service: Service, *, at: str, by: str) -> None:
        self._table.put_item(
            Item={
                "pk": SERVICES_PK,
                "sk": f"{SERVICE_SK_PREFIX}{service.service_code}",
                "service": service.model_dump_json(),
                "updated_at": at,
                "updated_by": by,
            }
        )

    def delete(self, code: str) -> bool:
        response = self._table.delete_item(
            Key={"pk": SERVICES_PK, "sk": f"{SERVICE_SK_PREFIX}{code}"}, ReturnValues="ALL_OLD"
        )
        return "Attributes" in response


def _record_item(record: ServiceRequestRecord) -> dict[str, Any]:
    data = json.loads(record.model_dump_json(exclude_none=True), parse_float=Decimal)
    return {
        "pk": month_pk(record.requested_datetime),
        "sk": f"{record.requested_datetime}#{record.service_request_id}",
        **data,
    }


def _record(item: dict[str, Any]) -> ServiceRequestRecord:
    return ServiceRequestRecord.model_validate(
        {key: float(value) if isinstance(value, Decimal) else value for key, value in item.items()}
    )


class RequestsTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def next_id(self) -> str:
        response = self._table.update_item(
            Key={"pk": "SRSEQ", "sk": "SEQ"},
            UpdateExpression="ADD #next :one",
            ExpressionAttributeNames={"#next": "next"},
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )
        return str(1000 + int(response["Attributes"]["next"]))

    def create(self, record: ServiceRequestRecord) -> None:
        """The record, its id pointer, its token and its thread link in one transaction (one request)."""
        item, name = _record_item(record), self._table.name
        writes: list[dict[str, Any]] = [
            {"Put": {"TableName": name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
            {
                "Put": {
                    "TableName": name,
                    "Item": {
                        "pk": f"SR#{record.service_request_id}",
                        "sk": "REQUEST",
                        "month_pk": item["pk"],
                        "month_sk": item["sk"],
                    },
                }
            },
        ]
        if record.token:
            writes.append(
                {
                    "Put": {
                        "TableName": name,
                        "Item": {
                            "pk": f"SRTOKEN#{record.token}",
                            "sk": "TOKEN",
                            "service_request_id": record.service_request_id,
                        },
                    }
                }
            )
        if record.thread_id:
            writes.append(
                {
                    "Put": {
                        "TableName": name,
                        "Item": {
                            "pk": f"{THREAD_LINK_PREFIX}{record.thread_id}",
                            "sk": record.service_request_id,
                            "month_pk": item["pk"],
                            "month_sk": item["sk"],
                        },
                    }
                }
            )
        codes = transact_write(self._table, writes)
        if codes is not None:
            raise RequestExists(f"request {record.service_request_id} not created: {codes}")

    def for_thread(self, thread_id: str) -> list[ServiceRequestRecord]:
        """The requests linked to a conversation, newest first (one Query and a GetItem each)."""
        page = self._table.query(
            KeyConditionExpression=Key("pk").eq(f"{THREAD_LINK_PREFIX}{thread_id}"), ScanIndexForward=False
        )
        found = []
        for link in page.get("Items", [])[:50]:
            item = self._table.get_item(Key={"pk": link["month_pk"], "sk": link["month_sk"]}).get("Item")
            if item:
                found.append(_record(item))
        return sorted(found, key=lambda record: record.requested_datetime, reverse=True)

    def edit(self, request_id: str, changes: dict[str, Any], *, at: str) -> ServiceRequestRecord | None:
        """Staff's edit of a request's details (`changes`: field -> new value, None removes it); the record
        after, or None when there is no such request."""
        key = self._key(request_id)
        if key is None:
            return None
        names = {"#updated": "updated_datetime"}
        values: dict[str, Any] = {":at": at}
        sets, removes = ["#updated = :at"], []
        for number, (field, value) in enumerate(sorted(changes.items())):
            names[f"#f{number}"] = field
            if value is None:
                removes.append(f"#f{number}")
            else:
                sets.append(f"#f{number} = :v{number}")
                values[f":v{number}"] = json.loads(json.dumps(value), parse_float=Decimal)
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        after = update_if(
            self._table,
            key,
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        return _record(after["Attributes"]) if after else None

    def _key(self, request_id: str) -> dict[str, str] | None:
        pointer = self._table.get_item(Key={"pk": f"SR#{request_id}", "sk": "REQUEST"}).get("Item")
        return {"pk": str(pointer["month_pk"]), "sk": str(pointer["month_sk"])} if pointer else None

    def get(self, request_id: str) -> ServiceRequestRecord | None:
        key = self._key(request_id)
        item = self._table.get_item(Key=key).get("Item") if key else None
        return _record(item) if item else None

    def get_many(self, request_ids: list[str]) -> list[ServiceRequestRecord]:
        found = (self.get(request_id) for request_id in dict.fromkeys(request_ids))
        return [record for record in found if record is not None]

    def by_token(self, token: str) -> str | None:
        item = self._table.get_item(Key={"pk": f"SRTOKEN#{token}", "sk": "TOKEN"}).get("Item")
        return str(item["service_request_id"]) if item else None

    def between(self, start: datetime, end: datetime, *, limit: int) -> Iterator[ServiceRequestRecord]:
        """Requests made in [start, end], newest first: one Query per calendar month of the range."""
        low, high = start.strftime("%Y-%m-%dT%H:%M:%S"), end.strftime("%Y-%m-%dT%H:%M:%S.999999Z~")
        months: list[str] = []
        cursor = datetime(end.year, end.month, 1, tzinfo=end.tzinfo)
        while cursor >= datetime(start.year, start.month, 1, tzinfo=start.tzinfo):
            months.append(f"{cursor:%Y-%m}")
            cursor = (
                cursor.replace(year=cursor.year - 1, month=12)
                if cursor.month == 1
                else cursor.replace(month=cursor.month - 1)
            )
        returned = 0
        for month in months:
            query: dict[str, Any] = {
                "KeyConditionExpression": Key("pk").eq(f"SRMONTH#{month}") & Key("sk").between(low, high),
                "ScanIndexForward": False,
            }
            while True:
                page = self._table.query(**query)
                for item in page.get("Items", []):
                    yield _record(item)
                    returned += 1
                    if returned >= limit:
                        return
                if "LastEvaluatedKey" not in page:
                    break
                query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def set_status(self, request_id: str, status: str, notes: str | None, *, at: str) -> bool:
        key = self._key(request_id)
        if key is None:
            return False
        names = {"#status": "status", "#updated": "updated_datetime"}
        values: dict[str, Any] = {":status": status, ":at": at}
        expression = "SET #status = :status, #updated = :at"
        if notes is not None:
            expression += ", #notes = :notes"
            names["#notes"] = "status_notes"
            values[":notes"] = notes
        return (
            update_if(
                self._table,
                key,
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
            is not None
        )

    def claim_notice(self, request_id: str, change: str) -> bool:
        """True once per `change` ("closed@<time>"): the right to tell the resident about it."""
        key = self._key(request_id)
        if key is None:
            return False
        return (
            update_if(
                self._table,
                key,
                UpdateExpression="SET notified = :change",
                ConditionExpression="attribute_exists(pk) AND "
                "(attribute_not_exists(notified) OR notified <> :change)",
                ExpressionAttributeValues={":change": change},
            )
            is not None
        )


class KeysTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def add(self, key_id: str, *, name: str, secret_hash: str, at: str, by: str) -> None:
        put_if(
            self._table,
            {
                "pk": KEYS_PK,
                "sk": f"KEY#{key_id}",
                "key_id": key_id,
                "name": name,
                "secret_hash": secret_hash,
                "created_at": at,
                "created_by": by,
            },
            "attribute_not_exists(pk)",
        )

    def get(self, key_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": KEYS_PK, "sk": f"KEY#{key_id}"}).get("Item")
        return dict(item) if item else None

    def all(self) -> list[dict[str, Any]]:
        page = self._table.query(KeyConditionExpression=Key("pk").eq(KEYS_PK))
        return [dict(item) for item in page.get("Items", [])]

    def revoke(self, key_id: str, *, at: str) -> bool:
        return (
            update_if(
                self._table,
                {"pk": KEYS_PK, "sk": f"KEY#{key_id}"},
                UpdateExpression="SET revoked_at = :at",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(revoked_at)",
                ExpressionAttributeValues={":at": at},
            )
            is not None
        )

    def take(self, key_id: str, *, minute: str, limit: int, expires_at: int) -> bool:
        """One request of the key's budget for this minute; False when it is spent."""
        return (
            update_if(
                self._table,
                {"pk": f"OPEN311RATE#{key_id}", "sk": minute},
                UpdateExpression="ADD #count :one SET expires_at = :ttl",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={":one": 1, ":limit": limit, ":ttl": expires_at},
            )
            is not None
        )
