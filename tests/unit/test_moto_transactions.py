"""The local stack's moto transaction patch: a cancelled transaction leaves every item (and the index maps)
as it was, without copying the table; a committed one writes every item."""

from __future__ import annotations

from typing import Any

import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from infra.local import moto_transactions
from tests.unit.test_moto_indexes import table  # noqa: F401 - the fixture (moto_indexes installed)


def open_items(table: Any, owner: str) -> list[str]:  # noqa: F811
    condition = Key("owner").eq(owner) & Key("state").eq("open")
    return sorted(
        i["pk"] for i in table.query(IndexName="by_owner", KeyConditionExpression=condition)["Items"]
    )


def test_a_cancelled_transaction_changes_nothing_and_the_index_agrees(table: Any) -> None:  # noqa: F811
    moto_transactions.install()
    table.put_item(Item={"pk": "a", "sk": "1", "owner": "ann", "state": "open", "at": "1"})
    table.put_item(Item={"pk": "b", "sk": "1", "owner": "bob", "state": "open", "at": "1"})

    with pytest.raises(ClientError) as raised:
        table.meta.client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": "t",
                        "Key": {"pk": "a", "sk": "1"},
                        "UpdateExpression": "SET #o = :o",
                        "ExpressionAttributeNames": {"#o": "owner"},
                        "ExpressionAttributeValues": {":o": "zed"},
                    }
                },
                {
                    "Put": {
                        "TableName": "t",
                        "Item": {"pk": "c", "sk": "1", "owner": "ann", "state": "open", "at": "2"},
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
    assert table.get_item(Key={"pk": "a", "sk": "1"})["Item"]["owner"] == "ann"
    assert "Item" not in table.get_item(Key={"pk": "c", "sk": "1"})
    assert table.get_item(Key={"pk": "b", "sk": "1"})["Item"]["owner"] == "bob"
    assert open_items(table, "ann") == ["a"]
    assert open_items(table, "zed") == []


def test_a_committed_transaction_writes_every_item(table: Any) -> None:  # noqa: F811
    moto_transactions.install()
    table.meta.client.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": "t",
                    "Item": {"pk": p, "sk": "1", "owner": "ann", "state": "open", "at": "1"},
                }
            }
            for p in ("x", "y")
        ]
    )

    assert open_items(table, "ann") == ["x", "y"]
