"""Consent in the one table: the append-only ledger and the state item beside it (same partition as the
resident), the per-topic subscriber items an alert's fan-out reads, and the agency's topics."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.dynamodb import transact_write_if, update_if
from switchboard.report_keys import SUBSCRIBERS_SCOPE, report_pk, shard_of, topic_cell_sk
from switchboard.table_keys import (
    CONSENT_LEDGER_PREFIX,
    CONSENT_STATE_SK,
    THREAD_META_SK,
    TOPIC_SK_PREFIX,
    TOPICS_PK,
    consent_ledger_sk,
    resident_pk,
    subscribers_pk,
    thread_pk,
    topic_sk,
)

from inbox.models.consent import TEXTS_ONLY, ConsentChange, ConsentState, Topic

TOPICS_TTL_S = 60.0


def state_from_item(address: str, item: dict[str, Any] | None) -> ConsentState:
    if not item:
        return ConsentState(address=address)
    return ConsentState(
        address=address,
        opted_out_all=bool(item.get("opted_out_all", False)),
        topics=frozenset(str(t) for t in item.get("topics", [])),
        stopped_topics=frozenset(str(t) for t in item.get("stopped_topics", [])),
        suspended_topics=frozenset(str(t) for t in item.get("suspended_topics", [])),
        zones=tuple(str(z) for z in item.get("zones", [])),
        language=str(item["language"]) if item.get("language") else None,
        awaiting=str(item["awaiting"]) if item.get("awaiting") else None,
        version=int(item.get("version", 0)),
        updated_at=str(item["updated_at"]) if item.get("updated_at") else None,
        channels=frozenset(str(c) for c in item["channels"]) if "channels" in item else TEXTS_ONLY,
        email=str(item["email"]) if item.get("email") else None,
    )


def change_from_item(item: dict[str, Any]) -> ConsentChange:
    return ConsentChange(
        address=str(item["address"]),
        channel=item["channel"],
        topic=str(item["topic"]),
        action=item["action"],
        at=str(item["at"]),
        source=item["source"],
        source_id=str(item["source_id"]),
        zone=str(item["zone"]) if item.get("zone") else None,
        zones=tuple(str(z) for z in item.get("zones", [])),
        provenance=str(item["provenance"]) if item.get("provenance") else None,
        actor_sub=str(item["actor_sub"]) if item.get("actor_sub") else None,
        medium=item["medium"] if item.get("medium") else None,
        email=str(item["email"]) if item.get("email") else None,
    )


class ConsentTable:
    def __init__(self, table: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self._table = table
        self._clock = clock
        self._topics: tuple[float, tuple[Topic, ...]] | None = None

    # --- state -----------------------------------------------------------------------------------------

    def load_state(self, address: str) -> ConsentState:
        # Consistent: a send decided on this read must see an opt-out committed before it.
        key = {"pk": resident_pk(address), "sk": CONSENT_STATE_SK}
        return state_from_item(address, self._table.get_item(Key=key, ConsistentRead=True).get("Item"))

    def applied(self, address: str, at: str, source_id: str) -> bool:
        """Has a change from this source (e.g. one MessageSid) been recorded already?"""
        response = self._table.query(
            KeyConditionExpression=Key("pk").eq(resident_pk(address))
            & Key("sk").begins_with(consent_ledger_sk(at, source_id, "")),
            ConsistentRead=True,
            Limit=1,
        )
        return bool(response.get("Items"))

    def record(
        self,
        changes: Sequence[ConsentChange],
        before: ConsentState,
        after: ConsentState,
        *,
        once_key: dict[str, str] | None = None,
    ) -> bool:
        """Ledger entries, the new state and the subscriber items in one transaction.

        False if the first entry was recorded before (a redelivered message), or, with `once_key`, if an
        item with that key exists (it is created in the same transaction: an import's row marker).
        TransactionConflict if the state moved since `before` was read (the caller reloads and tries again).
        """
        name = self._table.name
        items: list[dict[str, Any]] = []
        if once_key is not None:
            items.append(
                {
                    "Put": {
                        "TableName": name,
                        "Item": once_key,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        items += [
            {
                "Put": {
                    "TableName": name,
                    "Item": self._ledger_item(change),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for change in changes
        ]
        state_item = {
            "pk": resident_pk(after.address),
            "sk": CONSENT_STATE_SK,
            "opted_out_all": after.opted_out_all,
            "topics": sorted(after.topics),
            "stopped_topics": sorted(after.stopped_topics),
            "suspended_topics": sorted(after.suspended_topics),
            "zones": list(after.zones),
            "version": after.version,
        }
        if after.awaiting:
            state_item["awaiting"] = after.awaiting
        if after.language:
            state_item["language"] = after.language
        if after.updated_at:
            state_item["updated_at"] = after.updated_at
        if after.channels != TEXTS_ONLY or after.email:
            state_item["channels"] = sorted(after.channels)
        if after.email:
            state_item["email"] = after.email
        items.append(
            {
                "Put": {
                    "TableName": name,
                    "Item": state_item,
                    "ConditionExpression": "attribute_not_exists(pk) OR version = :version",
                    "ExpressionAttributeValues": {":version": before.version},
                }
            }
        )
        moved = (
            after.zones != before.zones
            or after.language != before.language
            or after.channels != before.channels
            or after.email != before.email
        )
        rewrite = after.topics if moved else after.topics - before.topics
        for topic in sorted(rewrite):
            subscriber = {
                "pk": subscribers_pk(topic),
                "sk": resident_pk(after.address),
                "address": after.address,
                "zones": list(after.zones),
            }
            if after.language:
                subscriber["language"] = after.language  # an alert's audience per language, without reads
            if after.channels != TEXTS_ONLY:
                subscriber["channels"] = sorted(after.channels)  # the fan-out per channel, without reads
            if after.email and "email" in after.channels:
                subscriber["email"] = after.email
            items.append({"Put": {"TableName": name, "Item": subscriber}})
        # ZIP codes residents gave, for the alert composer's zone list (polygons are listed from their items).
        for zone in sorted(set(after.zones) - set(before.zones)):
            if zone.startswith("zip:"):
                zip_item = {"pk": "ZONES", "sk": "ZIP#" + zone.removeprefix("zip:"), "zone": zone}
                items.append({"Put": {"TableName": name, "Item": zip_item}})
        for topic in sorted(before.topics - after.topics):
            key = {"pk": subscribers_pk(topic), "sk": resident_pk(after.address)}
            items.append({"Delete": {"TableName": name, "Key": key}})
        items += subscriber_growth(name, before, after, changes)
        return transact_write_if(self._table, items, guarded=0)

    def history(self, address: str, limit: int = 100) -> list[ConsentChange]:
        """The resident's ledger, newest first."""
        response = self._table.query(
            KeyConditionExpression=Key("pk").eq(resident_pk(address))
            & Key("sk").begins_with(CONSENT_LEDGER_PREFIX),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [change_from_item(item) for item in response.get("Items", [])]

    def subscribers(self, topic: str) -> list[str]:
        response = self._table.query(KeyConditionExpression=Key("pk").eq(subscribers_pk(topic)))
        return [str(item["address"]) for item in response.get("Items", [])]

    @staticmethod
    def _ledger_item(change: ConsentChange) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": resident_pk(change.address),
            "sk": consent_ledger_sk(change.at, change.source_id, change.ledger_key),
            "address": change.address,
            "channel": change.channel,
            "topic": change.topic,
            "action": change.action,
            "at": change.at,
            "source": change.source,
            "source_id": change.source_id,
        }
        if change.zone:
            item["zone"] = change.zone
        if change.zones:
            item["zones"] = list(change.zones)
        if change.provenance:
            item["provenance"] = change.provenance
        if change.actor_sub:
            item["actor_sub"] = change.actor_sub
        if change.medium:
            item["medium"] = change.medium
        if change.email:
            item["email"] = change.email
        return item

    # --- the agency's topics ----------------------------------------------------------------------------

    def topics(self) -> tuple[Topic, ...]:
        """The agency's topics, read at most once a minute per container (they change rarely)."""
        now = self._clock()
        if self._topics is None or now - self._topics[0] > TOPICS_TTL_S:
            response = self._table.query(
                KeyConditionExpression=Key("pk").eq(TOPICS_PK) & Key("sk").begins_with(TOPIC_SK_PREFIX)
            )
            found = tuple(
                Topic(
                    code=str(item["code"]),
                    name=str(item.get("name") or item["code"]),
                    local=tuple(
                        (str(lang), str(words["word"]), str(words["name"]))
                        for lang, words in sorted(dict(item.get("local") or {}).items())
                    ),
                )
                for item in response.get("Items", [])
            )
            self._topics = (now, found)
        return self._topics[1]

    def put_topic(self, topic: Topic) -> None:
        item: dict[str, Any] = {
            "pk": TOPICS_PK,
            "sk": topic_sk(topic.code),
            "code": topic.code,
            "name": topic.name,
        }
        if topic.local:
            item["local"] = {lang: {"word": word, "name": name} for lang, word, name in topic.local}
        self._table.put_item(Item=item)
        self._topics = None

    def resident_of_thread(self, thread_id: str) -> str | None:
        item = self._table.get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK}).get("Item")
        return str(item["resident"]["address"]) if item else None

    # --- staff attention ---------------------------------------------------------------------------------

    def flag_thread(self, thread_id: str, flag: str, at: str) -> bool:
        """Mark a thread for staff (e.g. a free-text request to stop); False if the thread is missing."""
        return (
            update_if(
                self._table,
                {"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
                UpdateExpression="SET consent_flag = :flag, consent_flagged_at = :at",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":flag": flag, ":at": at},
            )
            is not None
        )


def subscriber_growth(
    table_name: str, before: ConsentState, after: ConsentState, changes: Sequence[ConsentChange]
) -> list[dict[str, Any]]:
    """Reports (issue 18): each topic's subscribers joined and left, counted per UTC day in the same
    transaction as the ledger entry, so a change is counted exactly when it is recorded."""
    if not changes:
        return []
    day = changes[0].at[:10]
    shard = shard_of(after.address)
    moves = [(topic, "joined") for topic in sorted(after.topics - before.topics)]
    moves += [(topic, "left") for topic in sorted(before.topics - after.topics)]
    return [
        {
            "Update": {
                "TableName": table_name,
                "Key": {"pk": report_pk(SUBSCRIBERS_SCOPE), "sk": topic_cell_sk(day, topic, shard)},
                "UpdateExpression": "ADD #figure :one",
                "ExpressionAttributeNames": {"#figure": figure},
                "ExpressionAttributeValues": {":one": 1},
            }
        }
        for topic, figure in moves
    ]
