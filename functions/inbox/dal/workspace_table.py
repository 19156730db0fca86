"""The workspace's items in the one table, as the agent API reads and writes them: departments and staff
profiles (kept by the admin function), the audit log, and the thread actions (assignment, notes, labels,
snooze, close, viewers, canned replies)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from switchboard.dynamodb import put_if, transact_write_if, update_if
from switchboard.table_keys import (
    AGENCY_SETTINGS_SK,
    BY_ASSIGNEE_INDEX,
    CANNED_GSI_PK,
    CANNED_SK,
    DEPARTMENT_SK,
    DEPARTMENTS_GSI_PK,
    MESSAGE_SK_PREFIX,
    NOTE_SK_PREFIX,
    PRESENCE_SK,
    SETTINGS_PK,
    STAFF_GSI_PK,
    STAFF_SK,
    THREAD_META_SK,
    THREADS_GSI,
    THREADS_GSI_PK,
    VIEWER_SK_PREFIX,
    audit_pk,
    canned_pk,
    department_pk,
    note_sk,
    staff_pk,
    thread_pk,
    viewer_sk,
)

from inbox.dal.cursors import decode_cursor, encode_cursor
from inbox.dal.inbox_views_table import label_members
from inbox.models.records import Page


class WorkspaceTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- departments and staff (written by the admin function) ---------------------------------------

    def list_departments(self) -> list[dict[str, Any]]:
        return self._query_all(
            IndexName=THREADS_GSI, KeyConditionExpression=Key("gsi1pk").eq(DEPARTMENTS_GSI_PK)
        )

    def department_exists(self, department_id: str) -> bool:
        key = {"pk": department_pk(department_id), "sk": DEPARTMENT_SK}
        return "Item" in self._table.get_item(Key=key)

    def list_staff(self) -> list[dict[str, Any]]:
        return self._query_all(IndexName=THREADS_GSI, KeyConditionExpression=Key("gsi1pk").eq(STAFF_GSI_PK))

    def get_staff(self, sub: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": staff_pk(sub), "sk": STAFF_SK}).get("Item")
        return dict(item) if item else None

    def agency_settings(self) -> dict[str, Any]:
        return dict(self._table.get_item(Key={"pk": SETTINGS_PK, "sk": AGENCY_SETTINGS_SK}).get("Item") or {})

    # --- load against the cap (the routing function's presence item holds the cap) --------------------------

    def open_load(self, sub: str, excluding: str) -> int:
        """How many open threads `sub` holds, whoever assigned them, not counting `excluding`."""
        held = self._query_all(
            IndexName=BY_ASSIGNEE_INDEX,
            KeyConditionExpression=Key("assignee").eq(sub) & Key("status").eq("open"),
            ProjectionExpression="thread_id",
        )
        return sum(1 for item in held if item.get("thread_id") != excluding)

    def staff_cap(self, sub: str) -> int | None:
        item = self._table.get_item(
            Key={"pk": staff_pk(sub), "sk": PRESENCE_SK},
            ProjectionExpression="#cap",
            ExpressionAttributeNames={"#cap": "cap"},
        ).get("Item")
        return int(item["cap"]) if item and item.get("cap") is not None else None

    def count_toward_load(self, sub: str, thread_id: str) -> None:
        """Add a hand-assigned thread to the agent's routed set, so auto-assignment counts it too (routing
        prunes the set against the threads themselves). Nothing to do for staff who never set a presence."""
        try:
            self._table.update_item(
                Key={"pk": staff_pk(sub), "sk": PRESENCE_SK},
                UpdateExpression="ADD #assigned :thread",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#assigned": "assigned"},
                ExpressionAttributeValues={":thread": {thread_id}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def sync_label_members(self, thread_id: str, labels: list[str], removed: list[str]) -> None:
        """The thread's label memberships: written for every label it has (idempotent), removed for the ones
        it lost. A membership left over by a race only costs the label view one extra read: the view checks
        each thread's own labels."""
        with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for item in label_members(thread_id, labels):
                batch.put_item(Item=item)
            for item in label_members(thread_id, removed):
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})

    # --- thread fields ---------------------------------------------------------------------------------

    def get_thread(self, thread_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK}).get("Item")
        return dict(item) if item else None

    def update_thread(
        self, thread_id: str, *, set_fields: dict[str, Any], remove_fields: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        """SET/REMOVE workspace fields of an existing thread; the new thread, or None if there is none."""
        update = self._thread_update(thread_id, set_fields, remove_fields)
        key = update.pop("Key")
        response = update_if(self._table, key, ReturnValues="ALL_NEW", **update)
        return dict(response["Attributes"]) if response else None

    def claim_if_unassigned(self, thread_id: str, sub: str) -> bool:
        response = update_if(
            self._table,
            {"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            UpdateExpression="SET #assignee = :sub",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(#assignee)",
            ExpressionAttributeNames={"#assignee": "assignee"},
            ExpressionAttributeValues={":sub": sub},
            # The thread as it now is: a read-once table (the agent API's reply) answers the report
            # count's read of the thread from it instead of asking again.
            ReturnValues="ALL_NEW",
        )
        return response is not None

    def transfer(
        self, thread_id: str, set_fields: dict[str, Any], remove_fields: tuple[str, ...], note: dict[str, Any]
    ) -> bool:
        """The thread's new owner and the transfer note, in one transaction; False if there is no thread."""
        update = self._thread_update(thread_id, set_fields, remove_fields)
        update["TableName"] = self._table.name
        transact = [
            {"Update": update},
            {"Put": {"TableName": self._table.name, "Item": self._note_item(note)}},
        ]
        return transact_write_if(self._table, transact, guarded=0)

    def _thread_update(
        self, thread_id: str, set_fields: dict[str, Any], remove_fields: tuple[str, ...]
    ) -> dict[str, Any]:
        names = {f"#{name}": name for name in [*set_fields, *remove_fields]}
        values = {f":{name}": value for name, value in set_fields.items()}
        expression = ""
        if set_fields:
            expression += "SET " + ", ".join(f"#{name} = :{name}" for name in set_fields)
        if remove_fields:
            expression += " REMOVE " + ", ".join(f"#{name}" for name in remove_fields)
        update: dict[str, Any] = {
            "Key": {"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            "UpdateExpression": expression.strip(),
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeNames": names,
        }
        if values:
            update["ExpressionAttributeValues"] = values
        return update

    # --- internal notes (never in the MSG# range: nothing that reads messages or sends can see them) -----

    def _note_item(self, note: dict[str, Any]) -> dict[str, Any]:
        return {
            "pk": thread_pk(note["thread_id"]),
            "sk": note_sk(note["created_at"], note["note_id"]),
            **note,
        }

    def add_note(self, note: dict[str, Any]) -> None:
        self._table.put_item(Item=self._note_item(note))

    def list_notes(self, thread_id: str) -> list[dict[str, Any]]:
        return self._query_all(
            KeyConditionExpression=Key("pk").eq(thread_pk(thread_id)) & Key("sk").begins_with(NOTE_SK_PREFIX)
        )

    # --- who is viewing or typing (short-lived: TTL `expires_at`) ----------------------------------------

    def heartbeat(self, thread_id: str, viewer: dict[str, Any], expires_at: int) -> None:
        item = {
            "pk": thread_pk(thread_id),
            "sk": viewer_sk(viewer["sub"]),
            "expires_at": expires_at,
            **viewer,
        }
        self._table.put_item(Item=item)

    def viewers(self, thread_id: str) -> list[dict[str, Any]]:
        return self._query_all(
            KeyConditionExpression=Key("pk").eq(thread_pk(thread_id))
            & Key("sk").begins_with(VIEWER_SK_PREFIX)
        )

    # --- canned replies --------------------------------------------------------------------------------

    def list_canned(self) -> list[dict[str, Any]]:
        return self._query_all(IndexName=THREADS_GSI, KeyConditionExpression=Key("gsi1pk").eq(CANNED_GSI_PK))

    def get_canned(self, canned_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": canned_pk(canned_id), "sk": CANNED_SK}).get("Item")
        return dict(item) if item else None

    def put_canned(self, canned: dict[str, Any]) -> None:
        key = {"pk": canned_pk(canned["canned_id"]), "sk": CANNED_SK}
        self._table.put_item(Item={**key, "gsi1pk": CANNED_GSI_PK, "gsi1sk": canned["canned_id"], **canned})

    def delete_canned(self, canned_id: str) -> bool:
        try:
            self._table.delete_item(
                Key={"pk": canned_pk(canned_id), "sk": CANNED_SK}, ConditionExpression="attribute_exists(pk)"
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    # --- transcripts ----------------------------------------------------------------------------------------

    def threads_active_since(self, since: str, limit: int) -> list[dict[str, Any]]:
        """Threads whose last activity is at or after `since` (gsi1), newest first, at most `limit`."""
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {
            "IndexName": THREADS_GSI,
            "KeyConditionExpression": Key("gsi1pk").eq(THREADS_GSI_PK) & Key("gsi1sk").gte(since),
            "ScanIndexForward": False,
        }
        while len(items) < limit:
            response = self._table.query(**query)
            items.extend(dict(i) for i in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                break
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return items[:limit]

    def transcript_items(self, thread_id: str, start: str, end: str) -> list[dict[str, Any]]:
        """Messages and internal notes created in [start, end), oldest first."""
        items: list[dict[str, Any]] = []
        for prefix in (MESSAGE_SK_PREFIX, NOTE_SK_PREFIX):
            items += self._query_all(
                KeyConditionExpression=Key("pk").eq(thread_pk(thread_id))
                & Key("sk").between(f"{prefix}{start}", f"{prefix}{end}")
            )
        return sorted(items, key=lambda i: str(i.get("created_at", "")))

    # --- audit ----------------------------------------------------------------------------------------

    def record_once(self, item: dict[str, Any]) -> bool:
        """An audit item keyed so that repeats collapse into one (reads within a window)."""
        return put_if(self._table, item, "attribute_not_exists(pk)")

    def audit_day(self, day: str, limit: int, cursor: str | None) -> Page:
        """One UTC day of the audit log, newest first."""
        start = decode_cursor(cursor, keys=("pk", "sk"), fixed={"pk": audit_pk(day)})
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(audit_pk(day)),
            "Limit": limit,
            "ScanIndexForward": False,
        }
        if start:
            query["ExclusiveStartKey"] = start
        response = self._table.query(**query)
        return Page(
            items=response.get("Items", []), next_cursor=encode_cursor(response.get("LastEvaluatedKey"))
        )

    def _query_all(self, **query: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            response = self._table.query(**query)
            items.extend(dict(i) for i in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return items
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
