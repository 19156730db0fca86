"""Callback items in the one table: `CALLBACK#{id}` / `META`; while a task waits for a person it is on gsi1
under `CALLBACK_TASKS` (sorted by slot), with the workflow's task token (never sent to browsers). Before that,
from booking until its slot, it is on gsi1 under `CALLBACK_UPCOMING` (by slot) for the upcoming list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from inbox.dal.pending_prompts import PendingPrompt, PendingPrompts
from switchboard.dynamodb import TransactionConflict, transact_write

from callbacks.models.callbacks import TASKS_INDEX_PK, UPCOMING_INDEX_PK, Callback, CallbackStart

CALLBACK_OFFER_PROMPT = "callback_offer"


def callback_key(callback_id: str) -> dict[str, str]:
    return {"pk": f"CALLBACK#{callback_id}", "sk": "META"}


class CallbackTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def create(self, start: CallbackStart, now: str) -> bool:
        """False if the callback already exists (the same booking twice)."""
        item = {
            **callback_key(start.callback_id),
            **start.model_dump(),
            "status": "booked",
            "escalated": False,
            "created_at": now,
            "updated_at": now,
            **_upcoming_keys(start),
        }
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, callback_id: str) -> Callback | None:
        item = self._table.get_item(Key=callback_key(callback_id)).get("Item")
        return Callback.model_validate(item) if item else None

    def task_token(self, callback_id: str) -> str | None:
        item = self._table.get_item(Key=callback_key(callback_id), ProjectionExpression="task_token").get(
            "Item"
        )
        return str(item["task_token"]) if item and item.get("task_token") else None

    def set_status(self, callback_id: str, status: str, now: str, **fields: Any) -> None:
        """Any status that is not a waiting task takes the callback off the task list; a reminded one stays
        on the upcoming list."""
        names = {"#status": "status", "#updated_at": "updated_at"}
        values: dict[str, Any] = {":status": status, ":now": now}
        sets = ["#status = :status", "#updated_at = :now"]
        for index, (name, value) in enumerate(fields.items()):
            names[f"#f{index}"] = name
            values[f":f{index}"] = value
            sets.append(f"#f{index} = :f{index}")
        self._table.update_item(
            Key=callback_key(callback_id),
            UpdateExpression="SET "
            + ", ".join(sets)
            + (" REMOVE task_token" if status == "reminded" else " REMOVE gsi1pk, gsi1sk, task_token"),
            ConditionExpression="attribute_exists(pk) AND #status <> :cancelled",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={**values, ":cancelled": "cancelled"},
        )

    def open_task(
        self, callback_id: str, token: str, status: str, attempt: int, escalated: bool, now: str
    ) -> Callback:
        """The callback becomes a task waiting for a person, holding the workflow's token. A new offer
        (`due`, `escalated`) is open to anyone; `in_call` stays with the agent who took it."""
        keep_agent = "" if status == "in_call" else " REMOVE taken_by"
        item = self._table.update_item(
            Key=callback_key(callback_id),
            UpdateExpression="SET #status = :status, task_token = :token, attempt = :attempt, "
            "escalated = :escalated, updated_at = :now, gsi1pk = :tasks, gsi1sk = :sort" + keep_agent,
            ConditionExpression="attribute_exists(pk) AND #status <> :cancelled",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":status": status,
                ":token": token,
                ":attempt": attempt,
                ":escalated": escalated,
                ":now": now,
                ":tasks": TASKS_INDEX_PK,
                ":sort": f"{now}#{callback_id}",
                ":cancelled": "cancelled",
            },
            ReturnValues="ALL_NEW",
        )["Attributes"]
        return Callback.model_validate(item)

    def take(self, callback_id: str, agent_sub: str, now: str) -> str | None:
        """The token of a waiting task, claimed by one agent; None if not waiting (or someone took it)."""
        try:
            item = self._table.update_item(
                Key=callback_key(callback_id),
                UpdateExpression="SET taken_by = :agent, updated_at = :now REMOVE gsi1pk, gsi1sk",
                ConditionExpression="gsi1pk = :tasks AND #status IN (:due, :escalated) "
                "AND attribute_not_exists(taken_by)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":agent": agent_sub,
                    ":now": now,
                    ":tasks": TASKS_INDEX_PK,
                    ":due": "due",
                    ":escalated": "escalated",
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return str(item["task_token"])

    def outcome_token(self, callback_id: str, agent_sub: str, may_override: bool) -> str | None:
        """The token of the call an agent is on (a supervisor may close anyone's); None otherwise."""
        item = self._table.get_item(Key=callback_key(callback_id)).get("Item")
        if not item or item.get("status") != "in_call" or not item.get("task_token"):
            return None
        if item.get("taken_by") != agent_sub and not may_override:
            return None
        return str(item["task_token"])

    def list_upcoming(self, after: str, limit: int = 200) -> list[dict[str, Any]]:
        """Bookings whose slot is after `after` (ISO UTC), soonest first."""
        response = self._table.query(
            IndexName="gsi1",
            KeyConditionExpression=Key("gsi1pk").eq(UPCOMING_INDEX_PK) & Key("gsi1sk").gt(after),
            Limit=limit,
        )
        return list(response.get("Items", []))

    def list_tasks(self, limit: int = 50) -> list[dict[str, Any]]:
        response = self._table.query(
            IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq(TASKS_INDEX_PK), Limit=limit
        )
        return list(response.get("Items", []))


TERMINAL = ("done", "no_answer", "cancelled", "failed")
OFFER_TTL = timedelta(hours=24)


def _upcoming_keys(start: CallbackStart) -> dict[str, str]:
    return {"gsi1pk": UPCOMING_INDEX_PK, "gsi1sk": f"{start.slot_at}#{start.callback_id}"}


def _slot_key(department: str, slot_at: str) -> dict[str, str]:
    return {"pk": f"CBSLOT#{department}#{slot_at}", "sk": "SLOT"}


def _pointer_key(thread_id: str) -> dict[str, str]:
    return {"pk": f"CBTHREAD#{thread_id}", "sk": "META"}


def _offer_key(thread_id: str) -> dict[str, str]:
    return {"pk": f"CBOFFER#{thread_id}", "sk": "META"}


def roster_key(department: str) -> dict[str, str]:
    return {"pk": "CALLBACK_ROSTER", "sk": f"DEPT#{department}"}


class BookingTable(CallbackTable):
    """Booking by text: roster per department, booked counts per slot, open offers, a thread's callback."""

    def roster(self, department: str) -> list[str]:
        item = self._table.get_item(Key=roster_key(department)).get("Item")
        return list(item.get("staff", [])) if item else []

    def set_roster(self, department: str, staff: list[str], now: str) -> None:
        self._table.put_item(
            Item={**roster_key(department), "department": department, "staff": staff, "updated_at": now}
        )

    def roster_size(self, department: str) -> int:
        return len(self.roster(department))

    def booked(self, department: str, slots: Sequence[str]) -> dict[str, int]:
        if not slots:
            return {}
        name = self._table.name
        keys = [_slot_key(department, s) for s in slots]
        response = self._table.meta.client.batch_get_item(RequestItems={name: {"Keys": keys}})
        counts = {}
        for item in response.get("Responses", {}).get(name, []):
            counts[str(item["slot_at"])] = int(item.get("booked", 0))
        # Unprocessed keys (throttling) count as full: never offer a slot we could not check.
        for key in response.get("UnprocessedKeys", {}).get(name, {}).get("Keys", []):
            counts[str(key["pk"]).rsplit("#", 1)[-1]] = 1_000_000
        return counts

    def save_offer(self, thread_id: str, department: str, slots: Sequence[str], now: str) -> None:
        expires = datetime.fromisoformat(now.replace("Z", "+00:00")) + OFFER_TTL
        self._table.put_item(
            Item={
                **_offer_key(thread_id),
                "department": department,
                "slots": list(slots),
                "offered_at": now,
                "expires_at": int(expires.timestamp()),
            }
        )
        # The thread's latest prompt (inbox): a "2" answers whichever prompt the resident saw last.
        PendingPrompts(self._table).record(
            thread_id, PendingPrompt(kind=CALLBACK_OFFER_PROMPT, ref=thread_id, at=now)
        )

    def remember_offer_language(self, thread_id: str, lang: str | None) -> None:
        """The language an offer was made in ("LLAMADA": Spanish), so the pick is answered in it too."""
        expires = int((datetime.now(UTC) + OFFER_TTL).timestamp())
        key = {**_offer_key(thread_id), "sk": "LANG"}
        if lang:
            self._table.put_item(Item={**key, "lang": lang, "expires_at": expires})
        else:
            self._table.delete_item(Key=key)

    def offer_language(self, thread_id: str) -> str | None:
        item = self._table.get_item(Key={**_offer_key(thread_id), "sk": "LANG"}).get("Item")
        if not item or int(item["expires_at"]) < datetime.now(UTC).timestamp():
            return None
        return str(item["lang"])

    def offer(self, thread_id: str) -> tuple[str, list[str]] | None:
        item = self._table.get_item(Key=_offer_key(thread_id)).get("Item")
        if not item or int(item["expires_at"]) < datetime.now(UTC).timestamp():
            return None
        return str(item["department"]), [str(s) for s in item["slots"]]

    def reserve(self, start: CallbackStart, roster_size: int, now: str) -> bool:
        """Books the slot if fewer than `roster_size` callbacks hold it; one transaction with the callback."""
        callback = {
            **callback_key(start.callback_id),
            **start.model_dump(),
            "status": "booked",
            "escalated": False,
            "created_at": now,
            "updated_at": now,
            **_upcoming_keys(start),
        }
        codes = transact_write(
            self._table,
            [
                {
                    "Update": {
                        "TableName": self._table.name,
                        "Key": _slot_key(start.department, start.slot_at),
                        "UpdateExpression": "SET slot_at = :slot ADD booked :one",
                        "ConditionExpression": "attribute_not_exists(booked) OR booked < :size",
                        "ExpressionAttributeValues": {
                            ":slot": start.slot_at,
                            ":one": 1,
                            ":size": roster_size,
                        },
                    }
                },
                {
                    "Put": {
                        "TableName": self._table.name,
                        "Item": callback,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": self._table.name,
                        "Item": {**_pointer_key(start.thread_id), "callback_id": start.callback_id},
                    }
                },
                {"Delete": {"TableName": self._table.name, "Key": _offer_key(start.thread_id)}},
            ],
        )
        if codes is None:
            return True
        if "ConditionalCheckFailed" in codes:
            return False
        raise TransactionConflict("booking transaction cancelled")

    def active_callback(self, thread_id: str) -> Callback | None:
        pointer = self._table.get_item(Key=_pointer_key(thread_id)).get("Item")
        if not pointer:
            return None
        callback = self.get(str(pointer["callback_id"]))
        return callback if callback and callback.status not in TERMINAL else None

    def cancel(self, callback: Callback, now: str) -> bool:
        """Frees the slot; False if the callback had already ended."""
        codes = transact_write(
            self._table,
            [
                {
                    "Update": {
                        "TableName": self._table.name,
                        "Key": callback_key(callback.callback_id),
                        "UpdateExpression": "SET #status = :cancelled, updated_at = :now "
                        "REMOVE gsi1pk, gsi1sk, task_token",
                        "ConditionExpression": "NOT #status IN (:done, :no_answer, :cancelled, :failed)",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {
                            ":cancelled": "cancelled",
                            ":now": now,
                            ":done": "done",
                            ":no_answer": "no_answer",
                            ":failed": "failed",
                        },
                    }
                },
                {
                    "Update": {
                        "TableName": self._table.name,
                        "Key": _slot_key(callback.department, callback.slot_at),
                        "UpdateExpression": "ADD booked :minus",
                        "ConditionExpression": "booked > :zero",
                        "ExpressionAttributeValues": {":minus": -1, ":zero": 0},
                    }
                },
                {"Delete": {"TableName": self._table.name, "Key": _pointer_key(callback.thread_id)}},
            ],
        )
        if codes is None:
            return True
        if codes[0] == "ConditionalCheckFailed":
            return False
        raise TransactionConflict("cancel transaction cancelled")
