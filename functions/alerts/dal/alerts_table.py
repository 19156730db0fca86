"""Alerts in the one table.

| item | pk | sk |
| alert | `ALERT#{alert_id}` | `META` (gsi1pk `ALERTS`, gsi1sk `{created_at}#{alert_id}`) |
| figure shard | `ALERT#{alert_id}` | `FIGURES#{0..9}`: counters moved by ADD, summed on read |
| delivery (the claim) | `ALERT#{alert_id}` | `TO#{key}`: `state`, `figure`, `status_rank`, `sid`, ... |
| email unsubscribe | `UNSUB#{token}` | `UNSUB`: `address` (an email's one-click unsubscribe link) |

A delivery's key is the address for a text, `{address}#voice` / `{address}#email` for a call or an email
(alerts.models.alerts.delivery_key): exactly once per (alert, resident, channel).
| quiet-hours wave | `ALERTWAKE#{alert_id}#{wake_at}` | `TO#{address}`: who to enqueue again at `wake_at` |
| tracked link | `LINK#{token}` | `LINK`: `alert_id`, `url` |
| ZIP zone seen | `ZONES` | `ZIP#{zip}` (written with consent, listed as alert options) |

Figures are sharded by resident so that a 100,000-recipient alert's callbacks do not all write one item.
Every change of a recipient's figure happens in the same transaction as the change of their delivery item.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.dynamodb import TransactionConflict, transact_write, transact_write_if, update_if
from switchboard.phone import parse_address
from switchboard.report_keys import ALERTS_SCOPE, day_cell_sk, report_pk
from switchboard.report_keys import shard_of as report_shard
from switchboard.table_keys import (
    RESIDENT_SK,
    SID_SK,
    THREAD_META_SK,
    THREADS_GSI,
    resident_pk,
    sid_pk,
    subscribers_pk,
    thread_pk,
)

from alerts.logic.audience import Subscriber
from alerts.models.alerts import (
    CLICKS,
    DELIVERY_CHANNELS,
    FIGURE_NAMES,
    Alert,
    figure_name,
    split_delivery_key,
)

ALERTS_GSI_PK = "ALERTS"
META_SK = "META"
FIGURES_PREFIX = "FIGURES#"
DELIVERY_PREFIX = "TO#"
REASON_PREFIX = "reason_"
FIGURE_SHARDS = 10


def alert_pk(alert_id: str) -> str:
    return f"ALERT#{alert_id}"


def delivery_sk(address: str) -> str:
    return f"{DELIVERY_PREFIX}{address}"


def wake_pk(alert_id: str, wake_at: str) -> str:
    return f"ALERTWAKE#{alert_id}#{wake_at}"


def link_pk(token: str) -> str:
    return f"LINK#{token}"


def shard_of(address: str) -> int:
    return int(hashlib.sha256(address.encode()).hexdigest()[:8], 16) % FIGURE_SHARDS


def figures_key(alert_id: str, shard: int) -> dict[str, str]:
    return {"pk": alert_pk(alert_id), "sk": f"{FIGURES_PREFIX}{shard}"}


def alert_from_item(item: dict[str, Any]) -> Alert:
    return Alert(
        alert_id=str(item["alert_id"]),
        title=str(item["title"]),
        status=item["status"],
        created_at=str(item["created_at"]),
        created_by=str(item["created_by"]),
        send_at=str(item["send_at"]) if item.get("send_at") else None,
        emergency=bool(item.get("emergency", False)),
        emergency_reason=str(item["emergency_reason"]) if item.get("emergency_reason") else None,
        topics=tuple(str(t) for t in item.get("topics", [])),
        zones=tuple(str(z) for z in item.get("zones", [])),
        texts={str(k): str(v) for k, v in item.get("texts", {}).items()},
        track_links=bool(item.get("track_links", False)),
        audience_total=int(item.get("audience_total", 0)),
        outgoing={str(k): str(v) for k, v in item.get("outgoing", {}).items()},
        enqueued_at=str(item["enqueued_at"]) if item.get("enqueued_at") else None,
        image_url=str(item["image_url"]) if item.get("image_url") else None,
    )


def figure_move(
    table_name: str, alert_id: str, address: str, *, leave: str | None, enter: str, reason: str | None = None
) -> list[dict[str, Any]]:
    """Transaction items moving one recipient from figure `leave` to `enter` (and counting a reason); none
    when nothing changes (a `sent` callback for a text already counted as sent). `address` is the recipient
    key: a call's or an email's figures carry their channel's prefix."""
    channel = split_delivery_key(address)[1]
    leave = figure_name(channel, leave) if leave is not None else None
    enter = figure_name(channel, enter)
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    adds = []
    if leave != enter:
        names["#enter"] = enter
        values[":one"] = 1
        adds.append("#enter :one")
        if leave is not None:
            names["#leave"] = leave
            values[":minus"] = -1
            adds.append("#leave :minus")
    if reason:
        names["#reason"] = REASON_PREFIX + reason
        values[":one"] = 1
        adds.append("#reason :one")
    if not adds:
        return []
    return [
        {
            "Update": {
                "TableName": table_name,
                "Key": figures_key(alert_id, shard_of(address)),
                "UpdateExpression": "ADD " + ", ".join(adds),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }
    ]


class AlertsTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    @property
    def name(self) -> str:
        return str(self._table.name)

    # --- alerts ------------------------------------------------------------------------------------------

    def put_alert(self, alert: Alert, links: dict[str, str]) -> None:
        item: dict[str, Any] = {
            "pk": alert_pk(alert.alert_id),
            "sk": META_SK,
            "gsi1pk": ALERTS_GSI_PK,
            "gsi1sk": f"{alert.created_at}#{alert.alert_id}",
            "alert_id": alert.alert_id,
            "title": alert.title,
            "status": alert.status,
            "created_at": alert.created_at,
            "created_by": alert.created_by,
            "emergency": alert.emergency,
            "topics": list(alert.topics),
            "zones": list(alert.zones),
            "texts": dict(alert.texts),
            "outgoing": dict(alert.outgoing),
            "track_links": alert.track_links,
            "audience_total": alert.audience_total,
        }
        if alert.send_at:
            item["send_at"] = alert.send_at
        if alert.emergency_reason:
            item["emergency_reason"] = alert.emergency_reason
        if alert.image_url:
            item["image_url"] = alert.image_url
        with self._table.batch_writer() as batch:
            for token, url in links.items():
                batch.put_item(
                    Item={"pk": link_pk(token), "sk": "LINK", "alert_id": alert.alert_id, "url": url}
                )
        self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")

    def get_alert(self, alert_id: str, *, consistent: bool = False) -> Alert | None:
        item = self._table.get_item(
            Key={"pk": alert_pk(alert_id), "sk": META_SK}, ConsistentRead=consistent
        ).get("Item")
        return alert_from_item(item) if item else None

    def list_alerts(self, limit: int) -> list[Alert]:
        response = self._table.query(
            IndexName=THREADS_GSI,
            KeyConditionExpression=Key("gsi1pk").eq(ALERTS_GSI_PK),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [alert_from_item(item) for item in response.get("Items", [])]

    def figures(self, alert_id: str) -> tuple[dict[str, int], dict[str, int]]:
        """(figures, failure reasons), summed over the shards."""
        figures = dict.fromkeys((*FIGURE_NAMES, CLICKS), 0)
        figures |= {figure_name(c, n): 0 for c in DELIVERY_CHANNELS if c != "sms" for n in FIGURE_NAMES}
        reasons: dict[str, int] = {}
        response = self._table.query(
            KeyConditionExpression=Key("pk").eq(alert_pk(alert_id)) & Key("sk").begins_with(FIGURES_PREFIX)
        )
        for item in response.get("Items", []):
            for name, value in item.items():
                if name in figures:
                    figures[name] += int(value)
                elif name.startswith(REASON_PREFIX):
                    code = name.removeprefix(REASON_PREFIX)
                    reasons[code] = reasons.get(code, 0) + int(value)
        return figures, {code: count for code, count in sorted(reasons.items()) if count}

    def cancel(self, alert_id: str, at: str) -> bool:
        return (
            update_if(
                self._table,
                {"pk": alert_pk(alert_id), "sk": META_SK},
                UpdateExpression="SET #status = :cancelled, cancelled_at = :at",
                ConditionExpression="#status = :scheduled",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":cancelled": "cancelled", ":scheduled": "scheduled", ":at": at},
            )
            is not None
        )

    def start_sending(
        self, alert_id: str, audience: int, at: str, *, by_channel: Mapping[str, int] | None = None
    ) -> bool:
        """scheduled → sending with the audience counted as queued (per channel: `by_channel`, else all
        texts), once; False if it was started before (or cancelled)."""
        queued = {
            figure_name(channel, "queued"): n for channel, n in (by_channel or {"sms": audience}).items()
        }
        return self._guarded(
            [
                {
                    "Update": {
                        "TableName": self.name,
                        "Key": {"pk": alert_pk(alert_id), "sk": META_SK},
                        "UpdateExpression": "SET #status = :sending, audience_total = :n, started_at = :at",
                        "ConditionExpression": "#status = :scheduled",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {
                            ":sending": "sending",
                            ":scheduled": "scheduled",
                            ":n": audience,
                            ":at": at,
                        },
                    }
                },
                {
                    "Update": {
                        "TableName": self.name,
                        "Key": figures_key(alert_id, 0),
                        "UpdateExpression": "ADD " + ", ".join(f"#q{i} :q{i}" for i in range(len(queued))),
                        "ExpressionAttributeNames": {f"#q{i}": name for i, name in enumerate(queued)},
                        "ExpressionAttributeValues": {f":q{i}": n for i, n in enumerate(queued.values())},
                    }
                },
            ]
        )

    def shards_done(self, alert_id: str) -> frozenset[int]:
        item = self._table.get_item(
            Key={"pk": alert_pk(alert_id), "sk": META_SK},
            ProjectionExpression="shards_done",
            ConsistentRead=True,
        ).get("Item")
        return frozenset(int(n) for n in (item or {}).get("shards_done", ()))

    def finish_shard(self, alert_id: str, shard: int) -> frozenset[int]:
        """Adds `shard` to the alert's finished shards (a number set: a shard finished twice counts once) and
        returns every shard finished so far."""
        response = self._table.update_item(
            Key={"pk": alert_pk(alert_id), "sk": META_SK},
            UpdateExpression="ADD shards_done :shard",
            ExpressionAttributeValues={":shard": {shard}},
            ReturnValues="UPDATED_NEW",
        )
        return frozenset(int(n) for n in response.get("Attributes", {}).get("shards_done", ()))

    def mark_enqueued(self, alert_id: str, at: str) -> None:
        self._table.update_item(
            Key={"pk": alert_pk(alert_id), "sk": META_SK},
            UpdateExpression="SET enqueued_at = :at",
            ExpressionAttributeValues={":at": at},
        )

    # --- subscribers and zones ---------------------------------------------------------------------------

    def subscribers(
        self, topic: str, *, first: str | None = None, before: str | None = None
    ) -> Iterator[Subscriber]:
        """The topic's subscribers in address order; with `first`/`before`, only addresses from `first`
        (inclusive) to `before` (exclusive): one shard of a large audience, read by a key range."""
        condition = Key("pk").eq(subscribers_pk(topic))
        low, high = (resident_pk(first) if first else None), (resident_pk(before) if before else None)
        if low and high:
            condition &= Key("sk").between(low, high)  # inclusive: the `before` item is dropped below
        elif low:
            condition &= Key("sk").gte(low)
        elif high:
            condition &= Key("sk").lt(high)
        query: dict[str, Any] = {
            "KeyConditionExpression": condition,
            "ProjectionExpression": "sk, address, zones, #language, channels",
            "ExpressionAttributeNames": {"#language": "language"},
        }
        while True:
            page = self._table.query(**query)
            for item in page.get("Items", []):
                if high is not None and item.get("sk") == high:
                    return
                yield Subscriber(
                    address=str(item["address"]),
                    zones=tuple(str(z) for z in item.get("zones", [])),
                    language=str(item["language"]) if item.get("language") else None,
                    channels=tuple(str(c) for c in item["channels"]) if "channels" in item else ("sms",),
                )
            if "LastEvaluatedKey" not in page:
                return
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def zip_zones(self) -> list[str]:
        response = self._table.query(
            KeyConditionExpression=Key("pk").eq("ZONES") & Key("sk").begins_with("ZIP#")
        )
        return [str(item["sk"]).removeprefix("ZIP#") for item in response.get("Items", [])]

    def zone_time_zones(self) -> dict[str, str]:
        """`area:{id}` → IANA zone, for the neighbourhoods an agency gave one (ZONE# items' `time_zone`)."""
        response = self._table.query(
            KeyConditionExpression=Key("pk").eq("ZONES") & Key("sk").begins_with("ZONE#"),
            ProjectionExpression="zone_id, time_zone",
        )
        return {
            f"area:{item['zone_id']}": str(item["time_zone"])
            for item in response.get("Items", [])
            if item.get("time_zone")
        }

    # --- deliveries --------------------------------------------------------------------------------------

    def consent_item(self, address: str) -> dict[str, Any] | None:
        # Consistent: an opt-out committed before this read is always seen.
        key = {"pk": resident_pk(address), "sk": "CONSENT"}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def delivery(self, alert_id: str, address: str) -> dict[str, Any] | None:
        key = {"pk": alert_pk(alert_id), "sk": delivery_sk(address)}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def decide(
        self,
        alert_id: str,
        address: str,
        *,
        previous: dict[str, Any] | None,
        fields: dict[str, Any],
        enter: str | None = None,
        reason: str | None = None,
        wave: dict[str, Any] | None = None,
    ) -> bool:
        """Write the delivery item anew (`fields`: state, bucket, ...) only if it is still exactly as this
        worker read it (`previous`; None: there was none), moving its figure into `enter` in the same
        transaction. False if another worker got there first (a duplicate delivery, a concurrent one)."""
        item = {"pk": alert_pk(alert_id), "sk": delivery_sk(address), **fields}
        put: dict[str, Any] = {"TableName": self.name, "Item": item}
        if previous is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            seen_name = "claim_token" if previous["state"] == "sending" else "decided_at"
            put["ConditionExpression"] = "#state = :state AND #seen = :seen"
            put["ExpressionAttributeNames"] = {"#state": "state", "#seen": seen_name}
            put["ExpressionAttributeValues"] = {":state": previous["state"], ":seen": previous[seen_name]}
        items: list[dict[str, Any]] = [{"Put": put}]
        leave = str(previous["figure"]) if previous else "queued"
        if enter is not None:
            items += figure_move(self.name, alert_id, address, leave=leave, enter=enter, reason=reason)
        if wave is not None:
            items.append({"Put": {"TableName": self.name, "Item": wave}})
        return self._guarded(items)

    def record_sent(
        self,
        alert: Alert,
        address: str,
        *,
        token: str,
        sid: str,
        bucket: str,
        status: str,
        rank: int,
        leave: str,
        thread_id: str,
        at: str,
    ) -> bool:
        """What Twilio answered, the SID item status callbacks look up, the figure, and the thread's last
        alert, in one transaction. False if this worker no longer holds the claim. `address` is the
        recipient key; the SID item (a message's, a call's or an email's id) names the resident's address."""
        key = address
        address, channel = split_delivery_key(key)
        resident = parse_address(address)
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.name,
                    "Key": {"pk": alert_pk(alert.alert_id), "sk": delivery_sk(key)},
                    "UpdateExpression": "SET #state = :sent, figure = :bucket, sid = :sid, "
                    "#status = :status, status_rank = :rank, sent_at = :at, thread_id = :thread",
                    "ConditionExpression": "#state = :sending AND claim_token = :token",
                    "ExpressionAttributeNames": {"#state": "state", "#status": "status"},
                    "ExpressionAttributeValues": {
                        ":sent": "sent",
                        ":sending": "sending",
                        ":token": token,
                        ":bucket": bucket,
                        ":sid": sid,
                        ":status": status,
                        ":rank": rank,
                        ":at": at,
                        ":thread": thread_id,
                    },
                }
            },
            {
                "Put": {
                    "TableName": self.name,
                    "Item": {
                        "pk": sid_pk(sid),
                        "sk": SID_SK,
                        "direction": "out",
                        "alert_id": alert.alert_id,
                        "address": address,
                        "thread_id": thread_id,
                        "message_sk": delivery_sk(key),
                        **({"channel": channel} if channel != "sms" else {}),
                    },
                }
            },
            *figure_move(self.name, alert.alert_id, key, leave=leave, enter=bucket),
            {
                "Update": {
                    "TableName": self.name,
                    "Key": {"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
                    # A resident who never wrote in gets a thread with no activity yet: it enters the inbox
                    # lists when they reply (the inbound consumer sets the rest), not 100,000 at once now.
                    "UpdateExpression": "SET thread_id = :thread, "
                    "#resident = if_not_exists(#resident, :resident), "
                    "#channel = if_not_exists(#channel, :channel), "
                    "created_at = if_not_exists(created_at, :at), "
                    "last_alert_id = :alert_id, last_alert_title = :title, last_alert_at = :at",
                    "ExpressionAttributeNames": {"#resident": "resident", "#channel": "channel"},
                    "ExpressionAttributeValues": {
                        ":thread": thread_id,
                        ":resident": {"address": resident.value, "channel": resident.channel},
                        ":channel": resident.channel,
                        ":at": at,
                        ":alert_id": alert.alert_id,
                        ":title": alert.title,
                    },
                }
            },
        ]
        return self._guarded(items)

    def record_rejected(
        self, alert_id: str, address: str, *, token: str, bucket: str, reason: str, leave: str, at: str
    ) -> bool:
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.name,
                    "Key": {"pk": alert_pk(alert_id), "sk": delivery_sk(address)},
                    "UpdateExpression": "SET #state = :failed, figure = :bucket, error_code = :reason, "
                    "decided_at = :at",
                    "ConditionExpression": "#state = :sending AND claim_token = :token",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": {
                        ":failed": "failed",
                        ":sending": "sending",
                        ":token": token,
                        ":bucket": bucket,
                        ":reason": reason,
                        ":at": at,
                    },
                }
            },
            *figure_move(self.name, alert_id, address, leave=leave, enter=bucket, reason=reason),
        ]
        return self._guarded(items)

    def advance(
        self,
        alert_id: str,
        address: str,
        *,
        status: str,
        rank: int,
        bucket: str,
        reason: str | None,
        answered_by: str | None = None,
    ) -> bool:
        """A status callback: forward only, the figure moved with it. False when stale or duplicate. A voice
        alert's outcome also keeps who answered (`human` or `machine`) on the recipient's item."""
        for _ in range(5):
            current = self.delivery(alert_id, address)
            if (
                current is None
                or current.get("state") != "sent"
                or int(current.get("status_rank", 0)) >= rank
            ):
                return False
            items: list[dict[str, Any]] = [
                {
                    "Update": {
                        "TableName": self.name,
                        "Key": {"pk": alert_pk(alert_id), "sk": delivery_sk(address)},
                        "UpdateExpression": "SET #status = :status, status_rank = :rank, figure = :bucket"
                        + (", error_code = :reason" if reason else "")
                        + (", answered_by = :answered_by" if answered_by else ""),
                        "ConditionExpression": "status_rank = :seen",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {
                            ":status": status,
                            ":rank": rank,
                            ":bucket": bucket,
                            ":seen": int(current.get("status_rank", 0)),
                            **({":reason": reason} if reason else {}),
                            **({":answered_by": answered_by} if answered_by else {}),
                        },
                    }
                },
                *figure_move(
                    self.name, alert_id, address, leave=str(current["figure"]), enter=bucket, reason=reason
                ),
            ]
            if self._guarded(items):
                return True
        return False

    def put_unsubscribe_token(self, token: str, address: str) -> None:
        """The one-click unsubscribe link's token names this resident (the same token every time)."""
        self._table.put_item(Item={"pk": f"UNSUB#{token}", "sk": "UNSUB", "address": address})

    def unsubscribe_address(self, token: str) -> str | None:
        item = self._table.get_item(Key={"pk": f"UNSUB#{token}", "sk": "UNSUB"}).get("Item")
        return str(item["address"]) if item else None

    def sid_alert(self, sid: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": sid_pk(sid), "sk": SID_SK}).get("Item")
        return dict(item) if item and item.get("alert_id") else None

    # --- quiet-hours waves ---------------------------------------------------------------------------------

    def wave(self, alert_id: str, wake_at: str) -> Iterator[dict[str, Any]]:
        query: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(wake_pk(alert_id, wake_at))}
        while True:
            page = self._table.query(**query)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # --- threads and links ------------------------------------------------------------------------------

    def thread_of(self, address: str) -> str | None:
        item = self._table.get_item(Key={"pk": resident_pk(address), "sk": RESIDENT_SK}).get("Item")
        return str(item["thread_id"]) if item else None

    def link(self, token: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": link_pk(token), "sk": "LINK"}).get("Item")
        return dict(item) if item else None

    def count_click(self, alert_id: str, token: str, day: str) -> None:
        """One click on the alert's figures and on `day`'s alert cell of the reports (their "clicks per
        day"), in one transaction: the two never disagree."""
        cells = [
            figures_key(alert_id, shard_of(token)),
            {"pk": report_pk(ALERTS_SCOPE), "sk": day_cell_sk(day, report_shard(token))},
        ]
        codes = transact_write(
            self._table,
            [
                {
                    "Update": {
                        "TableName": self._table.name,
                        "Key": key,
                        "UpdateExpression": "ADD clicks :one",
                        "ExpressionAttributeValues": {":one": 1},
                    }
                }
                for key in cells
            ],
        )
        if codes is not None:
            raise TransactionConflict(f"click not counted: {codes}")

    def _guarded(self, items: list[dict[str, Any]]) -> bool:
        return transact_write_if(self._table, items, guarded=0)
