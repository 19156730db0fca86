"""The sender's view of the table: the reply and its thread, and what Twilio answered."""

from __future__ import annotations

from typing import Any

from switchboard.dynamodb import batch_get, transact_write_if, update_if
from switchboard.phone import parse_address
from switchboard.statuses import forward_only_update, rank_of
from switchboard.table_keys import SID_SK, THREAD_META_SK, sid_pk, thread_pk

from outbound.models.replies import PendingReply


class ReplyTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def load_reply(self, thread_id: str, message_sk: str) -> PendingReply | None:
        # Both items in one request (consistent: the message was written just before its job was queued).
        pk = thread_pk(thread_id)
        keys = [{"pk": pk, "sk": message_sk}, {"pk": pk, "sk": THREAD_META_SK}]
        found = {str(item["sk"]): item for item in batch_get(self._table, keys)}
        item, meta = found.get(message_sk), found.get(THREAD_META_SK)
        if item is None or meta is None:
            return None
        resident = parse_address(str(meta["resident"]["address"]))
        return PendingReply(
            thread_id=thread_id,
            message_id=str(item["message_id"]),
            message_sk=message_sk,
            body=str(item.get("body", "")),
            status=str(item.get("status", "accepted")),
            to=resident.value,
            channel=resident.channel,
            agency_address=str(meta["agency_address"]) if meta.get("agency_address") else None,
            twilio_sid=str(item["twilio_sid"]) if item.get("twilio_sid") else None,
            text_to=str(meta["text_to"]) if meta.get("text_to") else None,
        )

    def record_sent(self, reply: PendingReply, sid: str, status: str) -> bool:
        """Store the SID on the message and the SID item status callbacks look up, in one transaction.

        False if the message already had a SID (another delivery of the same job won the race).
        """
        names = {"#twilio_sid": "twilio_sid"}
        values: dict[str, Any] = {":sid": sid}
        assignments = ["#twilio_sid = :sid"]
        rank = rank_of(status)
        if rank is not None:
            # No callback can have moved the status yet (it finds the message through the SID item written
            # here), so only the reply's own `accepted` is compared against.
            names["#status"] = "status"
            values.update({":status": status, ":rank": rank})
            assignments += ["#status = :status", "status_rank = :rank"]
        update = {
            "TableName": self._table.name,
            "Key": {"pk": thread_pk(reply.thread_id), "sk": reply.message_sk},
            "UpdateExpression": "SET " + ", ".join(assignments),
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(#twilio_sid)"
            + (" AND status_rank <= :rank" if rank is not None else ""),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        sid_item = {
            "pk": sid_pk(sid),
            "sk": SID_SK,
            "thread_id": reply.thread_id,
            "message_sk": reply.message_sk,
            "direction": "out",
        }
        items = [{"Update": update}, {"Put": {"TableName": self._table.name, "Item": sid_item}}]
        return transact_write_if(self._table, items, guarded=0)

    def claim_send(self, reply: PendingReply, token: str, at: str, stale_before: str) -> bool:
        """The right to call Twilio for this reply (its id is the idempotency key): free while it has no SID
        and no other delivery holds a claim taken since `stale_before`."""
        key = {"pk": thread_pk(reply.thread_id), "sk": reply.message_sk}
        claimed = update_if(
            self._table,
            key,
            UpdateExpression="SET #claim = :claim",
            ConditionExpression=(
                "attribute_exists(pk) AND attribute_not_exists(#twilio_sid)"
                " AND (attribute_not_exists(#claim) OR #claim.#at < :stale)"
            ),
            ExpressionAttributeNames={"#claim": "send_claim", "#twilio_sid": "twilio_sid", "#at": "at"},
            ExpressionAttributeValues={":claim": {"token": token, "at": at}, ":stale": stale_before},
        )
        return claimed is not None

    def release_send(self, reply: PendingReply, token: str) -> None:
        """Gives the claim back (Twilio said nothing was sent); only the delivery that holds it can."""
        key = {"pk": thread_pk(reply.thread_id), "sk": reply.message_sk}
        update_if(
            self._table,
            key,
            UpdateExpression="REMOVE #claim",
            ConditionExpression="#claim.#token = :token",
            ExpressionAttributeNames={"#claim": "send_claim", "#token": "token"},
            ExpressionAttributeValues={":token": token},
        )

    def record_in_widget(self, reply: PendingReply) -> bool:
        """A web chat reply needs no carrier: the widget reads it from the thread, so it is delivered."""
        key = {"pk": thread_pk(reply.thread_id), "sk": reply.message_sk}
        return update_if(self._table, key, **forward_only_update("delivered", None)) is not None

    def record_rejected(self, reply: PendingReply, error_code: str) -> bool:
        key = {"pk": thread_pk(reply.thread_id), "sk": reply.message_sk}
        return update_if(self._table, key, **forward_only_update("failed", error_code)) is not None
