"""The inbox's items in the one DynamoDB table: residents, threads, messages and SID index items."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.dynamodb import put_if, transact_write_if, update_if
from switchboard.phone import Address
from switchboard.read_once import UNKNOWN, remembered
from switchboard.statuses import RECEIVED_RANK, forward_only_update, rank_of
from switchboard.table_keys import (
    MESSAGE_SK_PREFIX,
    NORMAL_TRIAGE_ORDER,
    RESIDENT_SK,
    SID_SK,
    THREAD_META_SK,
    THREADS_GSI,
    THREADS_GSI_PK,
    message_sk,
    resident_pk,
    sid_pk,
    thread_pk,
    threads_gsi_sk,
)

from inbox.dal.cursors import decode_cursor, encode_cursor
from inbox.dal.inbox_views_table import message_postings
from inbox.logic.search_terms import phone_term, word_terms
from inbox.models.conversations import Message
from inbox.models.records import AUTOMATIC_STATUS, Page, SidRef, ThreadActivity

# The thread's urgency (functions/triage) is that of its unanswered messages: a staff reply removes it.
TRIAGE_ANSWERED_FIELDS = ("triage_level", "triage_order", "triage_reasons", "triage_at", "triage_override")


def message_item(message: Message) -> dict[str, Any]:
    rank = RECEIVED_RANK if message.direction == "in" else rank_of(message.status)
    item = message.model_dump(mode="json")
    item.update(
        pk=thread_pk(message.thread_id),
        sk=message_sk(message.created_at, message.message_id),
        status_rank=rank if rank is not None else 0,
    )
    return {key: value for key, value in item.items() if value is not None}


class InboxTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- residents -------------------------------------------------------------------------------------

    def thread_for_resident(self, resident: Address, new_thread_id: str, now: str) -> str:
        """The resident's thread id; a first-time resident is created with `new_thread_id`.

        The conditional put decides races: the loser re-reads the winner's thread id.
        """
        key = {"pk": resident_pk(resident.value), "sk": RESIDENT_SK}
        existing = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        if existing:
            return str(existing["thread_id"])
        resident_item = {**key, "thread_id": new_thread_id, "channel": resident.channel, "created_at": now}
        if put_if(self._table, resident_item, "attribute_not_exists(pk)"):
            return new_thread_id
        winner = self._table.get_item(Key=key, ConsistentRead=True)["Item"]
        return str(winner["thread_id"])

    def open_thread(self, resident: Address, new_thread_id: str, now: str) -> str:
        """The resident's thread id, its thread item created if it has none yet: for what is tied to a thread
        before any message is (a callback booked by phone, whose workflow texts into the thread)."""
        thread_id = self.thread_for_resident(resident, new_thread_id, now)
        activity = ThreadActivity(thread_id=thread_id, resident=resident, at=now, preview="", direction="out")
        update = self._thread_update(activity, unread="keep")
        update.pop("TableName")
        update_if(self._table, update.pop("Key"), ConditionExpression="attribute_not_exists(pk)", **update)
        return thread_id

    # --- SID index -------------------------------------------------------------------------------------

    def sid_seen(self, sid: str) -> bool:
        key = {"pk": sid_pk(sid), "sk": SID_SK}
        return "Item" in self._table.get_item(Key=key, ConsistentRead=True)

    def find_sid(self, sid: str) -> SidRef | None:
        item = self._table.get_item(Key={"pk": sid_pk(sid), "sk": SID_SK}).get("Item")
        if not item:
            return None
        return SidRef(
            thread_id=str(item["thread_id"]),
            message_sk=str(item["message_sk"]),
            direction=str(item.get("direction", "out")),
            alert_id=str(item["alert_id"]) if item.get("alert_id") else None,
            address=str(item["address"]) if item.get("address") else None,
        )

    def advance_status(self, ref: SidRef, status: str, error_code: str | None) -> bool:
        """Apply a status if it moves forward; False when stale or duplicate (nothing to do)."""
        key = {"pk": thread_pk(ref.thread_id), "sk": ref.message_sk}
        return update_if(self._table, key, **forward_only_update(status, error_code)) is not None

    # --- messages and threads --------------------------------------------------------------------------

    def store_inbound(
        self, message: Message, activity: ThreadActivity, sid: str, *, reopen: bool = True
    ) -> bool:
        """SID item, message and thread in one transaction; False if the SID was stored before.

        `reopen=False`: an answer to an automatic prompt (a survey's rating) is stored in the thread but
        neither reopens it, nor counts as unread or waiting for staff.

        The message's search postings go first, keyed by the SID: a crash before the transaction leaves
        postings the redelivery writes again unchanged, never a stored message that search cannot find."""
        self._put_postings(message, ref=sid, phone=phone_term(activity.resident.number))
        item = message_item(message)
        transact = [
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": {
                        "pk": sid_pk(sid),
                        "sk": SID_SK,
                        "thread_id": message.thread_id,
                        "message_sk": item["sk"],
                        "direction": "in",
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {"Put": {"TableName": self._table.name, "Item": item}},
            {"Update": self._thread_update(activity, unread="increment" if reopen else "keep")},
        ]
        return transact_write_if(self._table, transact, guarded=0)

    def store_reply(self, message: Message, activity: ThreadActivity) -> bool:
        """Message and thread in one transaction; False if the thread does not exist."""
        self._put_postings(message, ref=message.message_id, phone=None)
        update = self._thread_update(activity, unread="reset")
        update["ConditionExpression"] = "attribute_exists(pk)"
        transact = [
            {"Put": {"TableName": self._table.name, "Item": message_item(message)}},
            {"Update": update},
        ]
        return transact_write_if(self._table, transact, guarded=1)

    def store_system_reply(
        self, message: Message, activity: ThreadActivity, *, create_thread: bool = False
    ) -> bool:
        """An automatic answer (e.g. to STOP): stored once per message id, the thread's unread count kept so
        staff still see what the resident wrote. False if the message was stored before. `create_thread`: the
        first message to a resident who never wrote in (a sign-up confirmation)."""
        update = self._thread_update(activity, unread="keep")
        if not create_thread:
            update["ConditionExpression"] = "attribute_exists(pk)"
        transact = [
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": message_item(message),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {"Update": update},
        ]
        return transact_write_if(self._table, transact, guarded=0)

    def _put_postings(self, message: Message, *, ref: str, phone: str | None) -> None:
        terms = word_terms(message.body)
        items = message_postings(
            thread_id=message.thread_id, at=message.created_at, ref=ref, terms=terms, phone=phone
        )
        if items:
            with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
                for posting in items:
                    batch.put_item(Item=posting)

    def _thread_update(self, activity: ThreadActivity, *, unread: str) -> dict[str, Any]:
        # if_not_exists: the first inbound message creates the thread inside the same transaction, so a crash
        # can never leave a resident pointing at a missing thread.
        names = {
            "#thread_id": "thread_id",
            "#resident": "resident",
            "#channel": "channel",
            "#status": "status",
            "#created_at": "created_at",
            "#last_activity_at": "last_activity_at",
            "#preview": "last_message_preview",
            "#direction": "last_direction",
            "#gsi1pk": "gsi1pk",
            "#gsi1sk": "gsi1sk",
            "#unread": "unread",
        }
        values: dict[str, Any] = {
            ":thread_id": activity.thread_id,
            ":resident": {"address": activity.resident.value, "channel": activity.resident.channel},
            ":channel": activity.resident.channel,
            ":open": "open",
            ":at": activity.at,
            ":preview": activity.preview,
            ":direction": activity.direction,
            ":gsi1pk": THREADS_GSI_PK,
            ":gsi1sk": threads_gsi_sk(activity.at, activity.thread_id),
        }
        assignments = [
            "#thread_id = :thread_id",
            "#resident = if_not_exists(#resident, :resident)",
            "#channel = if_not_exists(#channel, :channel)",
            "#status = if_not_exists(#status, :open)",
            "#created_at = if_not_exists(#created_at, :at)",
            "#last_activity_at = :at",
            "#preview = :preview",
            "#direction = :direction",
            "#gsi1pk = :gsi1pk",
            "#gsi1sk = :gsi1sk",
        ]
        if activity.agency_address:
            # Replies go out from the number the resident last wrote to.
            names["#agency_address"] = "agency_address"
            values[":agency_address"] = activity.agency_address
            assignments.append("#agency_address = :agency_address")
        if unread == "increment":
            # A resident writing reopens a closed thread and wakes a snoozed one.
            assignments[assignments.index("#status = if_not_exists(#status, :open)")] = "#status = :open"
            names.update({"#snoozed_until": "snoozed_until", "#closed_at": "closed_at"})
            # The resident now waits for staff, since their first message no one has answered.
            names["#waiting_since"] = "waiting_since"
            assignments.append("#waiting_since = if_not_exists(#waiting_since, :at)")
            # ... at normal urgency until triage says otherwise ("Most urgent first" lists waiting threads).
            names["#triage_order"] = "triage_order"
            values[":normal_order"] = NORMAL_TRIAGE_ORDER
            assignments.append("#triage_order = if_not_exists(#triage_order, :normal_order)")
            values[":one"] = 1
            expression = (
                "SET " + ", ".join(assignments) + " ADD #unread :one REMOVE #snoozed_until, #closed_at"
            )
        elif unread == "keep":
            del names["#unread"]
            expression = "SET " + ", ".join(assignments)
        else:
            values[":zero"] = 0
            if activity.reopen:
                # Staff wrote in a conversation automation handled: it is theirs now, open, in their views.
                assignments[assignments.index("#status = if_not_exists(#status, :open)")] = "#status = :open"
                names["#staff_text_at"] = "staff_text_at"
                assignments.append("#staff_text_at = if_not_exists(#staff_text_at, :at)")
            names["#waiting_since"] = "waiting_since"  # staff answered: nobody waits any more
            # ... and the urgency of what they answered is over (triage: later messages set it again).
            names.update({f"#{name}": name for name in TRIAGE_ANSWERED_FIELDS})
            removed = ", ".join(["#waiting_since", *(f"#{name}" for name in TRIAGE_ANSWERED_FIELDS)])
            expression = "SET " + ", ".join([*assignments, "#unread = :zero"]) + " REMOVE " + removed
        return {
            "TableName": self._table.name,
            "Key": {"pk": thread_pk(activity.thread_id), "sk": THREAD_META_SK},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    # --- automatic handling (logic.automatic_handling) ---------------------------------------------------

    def settle_automatic(self, thread_id: str, at: str) -> str | None:
        """A text a keyword flow answered, received `at`: the thread is "automatic" (out of every staff view,
        nobody waiting, nothing unread) if no text of it was ever for staff and nobody owns it; else, if this
        text is all the resident waits for, nobody waits any more. What happened: "automatic", "answered", or
        None (the thread waits for staff anyway)."""
        key = {"pk": thread_pk(thread_id), "sk": THREAD_META_SK}
        names = {"#unread": "unread", "#waiting_since": "waiting_since"}
        names.update({f"#{name}": name for name in TRIAGE_ANSWERED_FIELDS})
        removed = ", ".join(["#waiting_since", *(f"#{name}" for name in TRIAGE_ANSWERED_FIELDS)])
        automatic = update_if(
            self._table,
            key,
            UpdateExpression=f"SET #status = :automatic, #unread = :zero REMOVE {removed}",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(staff_text_at) "
            "AND attribute_not_exists(assignee)",
            ExpressionAttributeNames={**names, "#status": "status"},
            ExpressionAttributeValues={":automatic": AUTOMATIC_STATUS, ":zero": 0},
        )
        if automatic is not None:
            return AUTOMATIC_STATUS
        answered = update_if(
            self._table,
            key,
            UpdateExpression=f"SET #unread = :zero REMOVE {removed}",
            ConditionExpression="#waiting_since = :at AND #unread = :one",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={":at": at, ":zero": 0, ":one": 1},
        )
        return "answered" if answered is not None else None

    def mark_for_staff(self, thread_id: str, at: str) -> None:
        """A text meant for staff, received `at`: the thread is no longer one automation alone handles."""
        key = {"pk": thread_pk(thread_id), "sk": THREAD_META_SK}
        known = remembered(self._table, key)
        if known is None or (known is not UNKNOWN and "staff_text_at" in known):
            return  # the update would change nothing (the pipeline read the thread after storing)
        update_if(
            self._table,
            key,
            UpdateExpression="SET staff_text_at = if_not_exists(staff_text_at, :at)",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":at": at},
            ReturnValues="ALL_NEW",
        )

    def get_thread(self, thread_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK}).get("Item")
        return dict(item) if item else None

    def mark_read(self, thread_id: str) -> dict[str, Any] | None:
        """Reset unread to 0 and return the thread, or None if it does not exist."""
        response = update_if(
            self._table,
            {"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            UpdateExpression="SET #unread = :zero",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#unread": "unread"},
            ExpressionAttributeValues={":zero": 0},
            ReturnValues="ALL_NEW",
        )
        return dict(response["Attributes"]) if response else None

    def list_threads(self, limit: int, cursor: str | None) -> Page:
        """Newest activity first."""
        start = decode_cursor(cursor, keys=("pk", "sk", "gsi1pk", "gsi1sk"), fixed={"gsi1pk": THREADS_GSI_PK})
        return self._page(
            start, IndexName=THREADS_GSI, KeyConditionExpression=Key("gsi1pk").eq(THREADS_GSI_PK), Limit=limit
        )

    def list_messages(self, thread_id: str, limit: int, cursor: str | None) -> Page:
        """Newest first; the caller flips a page to show it oldest first."""
        start = decode_cursor(cursor, keys=("pk", "sk"), fixed={"pk": thread_pk(thread_id)})
        condition = Key("pk").eq(thread_pk(thread_id)) & Key("sk").begins_with(MESSAGE_SK_PREFIX)
        return self._page(start, KeyConditionExpression=condition, Limit=limit)

    def _page(self, start: dict[str, str] | None, **query: Any) -> Page:
        if start:
            query["ExclusiveStartKey"] = start
        response = self._table.query(ScanIndexForward=False, **query)
        return Page(
            items=response.get("Items", []), next_cursor=encode_cursor(response.get("LastEvaluatedKey"))
        )
