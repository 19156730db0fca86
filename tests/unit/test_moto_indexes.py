"""The local stack's moto Query patch answers as a plain scan-and-sort does, through every kind of write."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from moto import mock_aws

from infra.local import moto_indexes


@pytest.fixture
def table() -> Iterator[Any]:
    moto_indexes.install()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "owner", "state", "at")
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_owner",
                    "KeySchema": [
                        {"AttributeName": "owner", "KeyType": "HASH"},
                        {"AttributeName": "state", "KeyType": "HASH"},
                        {"AttributeName": "at", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
        yield boto3.resource("dynamodb", region_name="us-east-1").Table("t")


def expected(items: dict[tuple[str, str], dict[str, Any]], owner: str, state: str) -> list[str]:
    hits = [i for i in items.values() if i.get("owner") == owner and i.get("state") == state and "at" in i]
    return [i["pk"] for i in sorted(hits, key=lambda i: (i["at"], i["pk"], i["sk"]), reverse=True)]


def paged(table: Any, limit: int, **request: Any) -> list[dict[str, Any]]:
    """Every page of a Query joined, each page checked against `limit`."""
    items: list[dict[str, Any]] = []
    start = None
    while True:
        response = table.query(Limit=limit, **request, **({"ExclusiveStartKey": start} if start else {}))
        assert len(response["Items"]) <= limit
        items += response["Items"]
        start = response.get("LastEvaluatedKey")
        if not start:
            return items


def test_index_and_partition_queries_match_a_scan_through_puts_updates_deletes_and_transactions(
    table: Any,
) -> None:
    rng = random.Random(3)
    items: dict[tuple[str, str], dict[str, Any]] = {}
    client = table.meta.client
    for step in range(600):
        pk, sk = f"p{rng.randrange(40)}", f"s{rng.randrange(5)}"
        action = rng.random()
        if action < 0.5:
            item = {
                "pk": pk,
                "sk": sk,
                "owner": f"o{rng.randrange(3)}",
                "state": rng.choice(["open", "closed"]),
            }
            if rng.random() < 0.8:
                item["at"] = f"{rng.randrange(1000):04d}"
            table.put_item(Item=item)
            items[(pk, sk)] = item
        elif action < 0.75:
            owner = f"o{rng.randrange(3)}"
            table.update_item(
                Key={"pk": pk, "sk": sk},
                UpdateExpression="SET #o = :o, #a = :a",
                ExpressionAttributeNames={"#o": "owner", "#a": "at"},
                ExpressionAttributeValues={":o": owner, ":a": f"{step:04d}"},
            )
            items.setdefault((pk, sk), {"pk": pk, "sk": sk}).update(owner=owner, at=f"{step:04d}")
        elif action < 0.85:
            table.delete_item(Key={"pk": pk, "sk": sk})
            items.pop((pk, sk), None)
        else:
            # A transaction that fails (its condition cannot hold) must leave the index as it was.
            try:
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": "t",
                                "Item": {"pk": "px", "sk": "s", "owner": "o1", "state": "open", "at": "9999"},
                            }
                        },
                        {
                            "ConditionCheck": {
                                "TableName": "t",
                                "Key": {"pk": "nope", "sk": "nope"},
                                "ConditionExpression": "attribute_exists(pk)",
                            }
                        },
                    ]
                )
            except client.exceptions.TransactionCanceledException:
                pass
        if step % 50 == 49:
            for owner in ("o0", "o1", "o2"):
                for state in ("open", "closed"):
                    got = table.query(
                        IndexName="by_owner",
                        KeyConditionExpression=Key("owner").eq(owner) & Key("state").eq(state),
                        ScanIndexForward=False,
                    )["Items"]
                    assert [i["pk"] for i in got] == expected(items, owner, state)
                    # A page at a time, both ways (the patch answers these from a window of the partition
                    # kept in order, dropped and rebuilt as the writes above change it).
                    for forward in (True, False):
                        pages = paged(
                            table,
                            rng.choice([1, 2, 3, 7]),
                            IndexName="by_owner",
                            KeyConditionExpression=Key("owner").eq(owner) & Key("state").eq(state),
                            ScanIndexForward=forward,
                        )
                        want = expected(items, owner, state)
                        assert [i["pk"] for i in pages] == (want[::-1] if forward else want)
                    counted = table.query(
                        IndexName="by_owner",
                        KeyConditionExpression=Key("owner").eq(owner) & Key("state").eq(state),
                        Select="COUNT",
                        Limit=5,
                    )
                    assert counted["Count"] == min(5, len(expected(items, owner, state)))
                    assert ("LastEvaluatedKey" in counted) == (len(expected(items, owner, state)) > 5)
            partition = table.query(KeyConditionExpression=Key("pk").eq("p7"))["Items"]
            assert [i["sk"] for i in partition] == sorted(sk for (p, sk) in items if p == "p7")
            for forward in (True, False):
                walked = paged(table, 2, KeyConditionExpression=Key("pk").eq("p7"), ScanIndexForward=forward)
                assert [i["sk"] for i in walked] == sorted(
                    (sk for (p, sk) in items if p == "p7"), reverse=not forward
                )
    counted = table.query(
        IndexName="by_owner",
        KeyConditionExpression=Key("owner").eq("o1") & Key("state").eq("open"),
        FilterExpression=Attr("at").gt("0500"),
        Select="COUNT",
    )["Count"]
    assert counted == len(
        [
            i
            for i in items.values()
            if i.get("owner") == "o1" and i.get("state") == "open" and i.get("at", "") > "0500"
        ]
    )
    # Paged with a small Limit and a filter (Limit counts items read before the filter, as in DynamoDB): the
    # pages joined are the filtered index partition, in order, whatever the patch skips copying.
    for forward in (True, False):
        pages, start = [], None
        while True:
            request = {
                "IndexName": "by_owner",
                "KeyConditionExpression": Key("owner").eq("o1") & Key("state").eq("open"),
                "FilterExpression": Attr("at").gt("0500"),
                "Limit": 7,
                "ScanIndexForward": forward,
            }
            if start:
                request["ExclusiveStartKey"] = start
            response = table.query(**request)
            assert len(response["Items"]) <= 7 and response["ScannedCount"] <= 7
            pages += [i["pk"] for i in response["Items"]]
            start = response.get("LastEvaluatedKey")
            if not start:
                break
        hits = [
            i
            for i in items.values()
            if i.get("owner") == "o1" and i.get("state") == "open" and i.get("at", "") > "0500"
        ]
        ordered = [i["pk"] for i in sorted(hits, key=lambda i: (i["at"], i["pk"], i["sk"]))]
        assert pages == (ordered if forward else ordered[::-1])


def test_a_partition_kept_in_order_forgets_an_item_that_moves_out_changes_or_goes(table: Any) -> None:
    for n in range(6):
        table.put_item(Item={"pk": f"p{n}", "sk": "s", "owner": "o1", "state": "open", "at": f"{n:04d}"})

    def pks(owner: str, limit: int | None = 2) -> list[str]:
        request = {
            "IndexName": "by_owner",
            "ScanIndexForward": False,
            "KeyConditionExpression": Key("owner").eq(owner) & Key("state").eq("open"),
        }
        found = paged(table, limit, **request) if limit else table.query(**request)["Items"]
        return [i["pk"] for i in found]

    def update(pk: str, expression: str, **values: str) -> None:
        table.update_item(
            Key={"pk": pk, "sk": "s"},
            UpdateExpression=expression,
            ExpressionAttributeNames={f"#{n}": n for n in ("owner", "at") if f"#{n}" in expression},
            **({"ExpressionAttributeValues": values} if values else {}),
        )

    assert pks("o1") == ["p5", "p4", "p3", "p2", "p1", "p0"]  # now kept in order
    update("p1", "SET #at = :a", **{":a": "0009"})  # stays, changes its place in the order
    update("p0", "REMOVE #at")  # leaves the index: no range key any more
    assert pks("o1") == ["p1", "p5", "p4", "p3", "p2"]
    # Nothing written to o1's partition after these: only leaving it can tell its order to forget them.
    update("p4", "SET #owner = :o", **{":o": "o2"})
    update("p2", "SET #owner = :o", **{":o": "o2"})
    table.delete_item(Key={"pk": "p3", "sk": "s"})
    assert pks("o1", limit=None) == ["p1", "p5"]
    assert pks("o1", limit=1) == ["p1", "p5"]
    assert pks("o2") == ["p4", "p2"]
    table.put_item(Item={"pk": "p4", "sk": "t", "owner": "o1", "state": "open", "at": "0001"})
    table.put_item(Item={"pk": "p4", "sk": "u", "owner": "o1", "state": "open", "at": "0001"})
    assert pks("o1") == ["p1", "p5", "p4", "p4"]
    walked = paged(table, 1, KeyConditionExpression=Key("pk").eq("p4"))
    assert [i["sk"] for i in walked] == ["s", "t", "u"]
    table.delete_item(Key={"pk": "p4", "sk": "t"})
    assert [i["sk"] for i in paged(table, 1, KeyConditionExpression=Key("pk").eq("p4"))] == ["s", "u"]
