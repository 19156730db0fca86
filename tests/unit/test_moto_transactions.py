"""The local stack's moto transaction patch: a cancelled transaction leaves every item (and the index maps)
as it was, without copying the table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.local import moto_indexes, moto_transactions


@pytest.fixture
def table() -> Iterator[Any]:
    moto_indexes.install()
    moto_transactions.install()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "owner")],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_owner",
                    "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
        yield boto3.resource("dynamodb", region_name="us-east-1").Table("t")


def test_a_cancelled_transaction_changes_nothing_and_the_index_agrees(table: Any) -> None:
    table.put_item(Item={"pk": "a", "sk": "1", "owner": "ann", "n": 1})
    table.put_item(Item={"pk": "b", "sk": "1", "owner": "bob", "n": 1})

    with pytest.raises(ClientError) as raised:
        table.meta.client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": "t",
                        "Key": {"pk": "a", "sk": "1"},
                        "UpdateExpression": "SET #o = :o, n = :n",
                        "ExpressionAttributeNames": {"#o": "owner"},
                        "ExpressionAttributeValues": {":o": "zed", ":n": 2},
                    }
                },
                {
                    "Put": {
                        "TableName": "t",
                        "Item": {"pk": "c", "sk": "1", "owner": "ann"},
                    }
                },
                {
                    "Put": {
                        "TableName": "t",
                        "Item": {"pk": "b", "sk": "1"},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )

    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert table.get_item(Key={"pk": "a", "sk": "1"})["Item"] == {
        "pk": "a",
        "sk": "1",
        "owner": "ann",
        "n": 1,
    }
    assert "Item" not in table.get_item(Key={"pk": "c", "sk": "1"})
    assert table.get_item(Key={"pk": "b", "sk": "1"})["Item"]["owner"] == "bob"
    by_owner = table.query(IndexName="by_owner", KeyConditionExpression=Key("owner").eq("ann"))["Items"]
    assert [i["pk"] for i in by_owner] == ["a"]
    assert table.query(IndexName="by_owner", KeyConditionExpression=Key("owner").eq("zed"))["Items"] == []


def test_a_committed_transaction_writes_every_item(table: Any) -> None:
    table.meta.client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "t", "Item": {"pk": "x", "sk": "1", "owner": "ann"}}},
            {"Put": {"TableName": "t", "Item": {"pk": "y", "sk": "1", "owner": "ann"}}},
        ]
    )

    by_owner = table.query(IndexName="by_owner", KeyConditionExpression=Key("owner").eq("ann"))["Items"]
    assert sorted(i["pk"] for i in by_owner) == ["x", "y"]
