"""The local stack's moto serializer patch writes every DynamoDB response exactly as unpatched moto does."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.serialize import BaseJSONSerializer

from infra.local import moto_dynamodb_json

ITEM: dict[str, Any] = {
    "pk": {"S": "p1"},
    "sk": {"S": "s1"},
    "text": {"S": "résumé 💧 <b>&amp;"},
    "empty": {"S": ""},
    "whole": {"N": "42"},
    "fraction": {"N": "-3.25"},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "nothing": {"NULL": True},
    "words": {"SS": ["water", "boil"]},
    "numbers": {"NS": ["1", "2.5"]},
    "blob": {"B": b"\x00\xffbinary"},
    "blobs": {"BS": [b"a", b"\x01"]},
    "map": {
        "M": {
            "inner": {"M": {"deep": {"L": [{"S": "x"}, {"N": "1"}, {"M": {"b": {"B": b"z"}}}]}}},
            "none": {"M": {}},
            "plain_map": {"M": {"a": {"M": {"b": {"L": [{"N": "1"}, {"BOOL": True}]}}}, "c": {"SS": ["x"]}}},
            "list": {"L": []},
            "flag": {"BOOL": False},
        }
    },
    "plain_map": {"M": {"a": {"M": {"b": {"L": [{"N": "1"}, {"BOOL": True}]}}}, "c": {"SS": ["x"]}}},
    "list": {"L": [{"S": "a"}, {"NULL": True}, {"L": [{"SS": ["q"]}]}, {"M": {"k": {"N": "7"}}}]},
}


@pytest.fixture
def client() -> Iterator[Any]:
    moto_dynamodb_json.install()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        keys = {"pk": "HASH", "sk": "RANGE"}
        client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": name, "KeyType": kind} for name, kind in keys.items()],
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in keys],
        )
        client.put_item(TableName="t", Item=ITEM)
        client.put_item(TableName="t", Item={**ITEM, "sk": {"S": "s2"}, "text": {"S": "plain"}})
        yield client


def responses(client: Any) -> dict[str, Any]:
    key = {"pk": {"S": "p1"}, "sk": {"S": "s1"}}
    calls = {
        "get": lambda: client.get_item(TableName="t", Key=key),
        "query": lambda: client.query(
            TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p1"}}
        ),
        "query_page": lambda: client.query(
            TableName="t",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p1"}},
            Limit=1,
        ),
        "scan": lambda: client.scan(TableName="t"),
        "batch_get": lambda: client.batch_get_item(RequestItems={"t": {"Keys": [key]}}),
        "transact_get": lambda: client.transact_get_items(
            TransactItems=[{"Get": {"TableName": "t", "Key": key}}]
        ),
        "update": lambda: client.update_item(
            TableName="t",
            Key=key,
            UpdateExpression="SET whole = whole + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        ),
        "put_old": lambda: client.put_item(TableName="t", Item=ITEM, ReturnValues="ALL_OLD"),
    }
    out = {}
    for name, call in calls.items():
        response = call()
        response.pop("ResponseMetadata", None)
        out[name] = response
    return out


def test_every_read_answers_as_unpatched_moto_does(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    patched = responses(client)
    monkeypatch.setattr(
        BaseJSONSerializer,
        "_serialize_type_structure",
        moto_dynamodb_json.ORIGINAL["_serialize_type_structure"],
    )
    client.put_item(TableName="t", Item=ITEM)  # the update above moved "whole" on; start from the same item
    unpatched = responses(client)
    assert patched == unpatched
    assert patched["get"]["Item"]["blob"] == {"B": b"\x00\xffbinary"}
    assert patched["get"]["Item"]["map"]["M"]["inner"]["M"]["deep"]["L"][2] == {"M": {"b": {"B": b"z"}}}
    assert patched["update"]["Attributes"]["whole"] == {"N": "43"}


def test_the_fast_path_writes_plain_values_and_leaves_binary_to_moto() -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    assert moto_dynamodb_json.attribute_json(DynamoType({"M": {"a": {"L": [{"N": "1"}]}}})) == {
        "M": {"a": {"L": [{"N": "1"}]}}
    }
    assert moto_dynamodb_json.attribute_json(DynamoType({"L": [{"S": "a"}, {"B": b"x"}]})) is None
    assert moto_dynamodb_json.attribute_json({"S": "as moto hands it over"}) == {"S": "as moto hands it over"}
    assert moto_dynamodb_json.attribute_json({"M": {"a": DynamoType({"BOOL": True})}}) == {
        "M": {"a": {"BOOL": True}}
    }
    assert moto_dynamodb_json.attribute_json({"S": "x", "N": "1"}) is None
    assert moto_dynamodb_json.attribute_json({"B": "eA=="}) is None
    assert moto_dynamodb_json.attribute_json(DynamoType({"N": "1"})) == {"N": "1"}
    assert Decimal("1") == Decimal(moto_dynamodb_json.attribute_json(DynamoType({"N": "1"}))["N"])
