"""Reading an item once per unit of work (switchboard.read_once), against a moto table: the calls that reach
DynamoDB are counted by the client's own events."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from switchboard.read_once import UNKNOWN, ReadOnceTable, remembered

from tests.unit.moto_table import pk_sk_table

KEY = {"pk": "THREAD#t1", "sk": "META"}


class Calls:
    def __init__(self, client: Any) -> None:
        self.names: list[str] = []
        client.meta.events.register("before-call.dynamodb", self._seen)

    def _seen(self, model: Any, **_: Any) -> None:
        self.names.append(model.name)

    def since(self, mark: int) -> list[str]:
        return self.names[mark:]


@pytest.fixture
def table() -> Iterator[Any]:
    with pk_sk_table() as made:
        made.put_item(Item={**KEY, "status": "open", "unread": 1})
        yield made


def test_outside_a_scope_every_read_reaches_dynamodb(table: Any) -> None:
    reads, calls = ReadOnceTable(table), Calls(table.meta.client)

    reads.get_item(Key=KEY)
    reads.get_item(Key=KEY)

    assert calls.names == ["GetItem", "GetItem"]


def test_inside_a_scope_an_item_is_read_once_and_each_caller_gets_its_own_copy(table: Any) -> None:
    reads, calls = ReadOnceTable(table), Calls(table.meta.client)

    with reads.scope():
        first = reads.get_item(Key=KEY, ConsistentRead=True)["Item"]
        first["status"] = "changed by the caller"
        second = reads.get_item(Key=KEY, ConsistentRead=True)["Item"]
        projected = reads.get_item(
            Key=KEY, ProjectionExpression="#s", ExpressionAttributeNames={"#s": "status"}
        )

    assert calls.names == ["GetItem"]
    assert second["status"] == "open"
    assert projected == {"Item": {"status": "open"}}


def test_an_eventually_consistent_read_never_answers_a_consistent_one(table: Any) -> None:
    reads, calls = ReadOnceTable(table), Calls(table.meta.client)

    with reads.scope():
        reads.get_item(Key=KEY)
        reads.get_item(Key=KEY, ConsistentRead=True)
        reads.get_item(Key=KEY, ConsistentRead=True)

    assert calls.names == ["GetItem", "GetItem"]


def test_prefetch_reads_found_and_missing_items_in_one_request(table: Any) -> None:
    reads, calls = ReadOnceTable(table), Calls(table.meta.client)
    missing = {"pk": "THREAD#t1", "sk": "SURVEY"}

    with reads.scope():
        reads.prefetch([KEY, missing, dict(KEY)])
        found = reads.get_item(Key=KEY, ConsistentRead=True)
        absent = reads.get_item(Key=missing, ConsistentRead=True)

    assert calls.names == ["BatchGetItem"]
    assert found["Item"]["status"] == "open" and "Item" not in absent


def test_writes_through_the_table_keep_the_memory_true(table: Any) -> None:
    reads, calls = ReadOnceTable(table), Calls(table.meta.client)

    with reads.scope():
        reads.get_item(Key=KEY, ConsistentRead=True)
        reads.update_item(
            Key=KEY, UpdateExpression="SET unread = :two", ExpressionAttributeValues={":two": 2}
        )
        after_update = reads.get_item(Key=KEY, ConsistentRead=True)["Item"]
        returned = reads.update_item(
            Key=KEY,
            UpdateExpression="SET unread = :three",
            ExpressionAttributeValues={":three": 3},
            ReturnValues="ALL_NEW",
        )
        after_all_new = reads.get_item(Key=KEY, ConsistentRead=True)["Item"]
        reads.put_item(Item={**KEY, "status": "closed"})
        after_put = reads.get_item(Key=KEY, ConsistentRead=True)["Item"]

    assert after_update["unread"] == 2  # an update without ALL_NEW is forgotten, then read again
    assert returned["Attributes"]["unread"] == after_all_new["unread"] == 3
    assert after_put == {**KEY, "status": "closed"}
    assert calls.names == ["GetItem", "UpdateItem", "GetItem", "UpdateItem", "PutItem"]


def test_a_failed_conditional_write_forgets_the_item(table: Any) -> None:
    reads, calls = ReadOnceTable(table), Calls(table.meta.client)

    with reads.scope():
        reads.get_item(Key=KEY, ConsistentRead=True)
        with pytest.raises(ClientError):
            reads.put_item(Item={**KEY, "status": "x"}, ConditionExpression="attribute_not_exists(pk)")
        table.put_item(Item={**KEY, "status": "written by someone else"})
        seen = reads.get_item(Key=KEY, ConsistentRead=True)["Item"]

    assert seen["status"] == "written by someone else"
    assert calls.names.count("GetItem") == 2


def test_transactions_and_batch_writes_through_the_client_keep_the_memory_true(table: Any) -> None:
    reads, calls = ReadOnceTable(table), Calls(table.meta.client)
    sid = {"pk": "SID#SM1", "sk": "SID"}

    with reads.scope():
        reads.prefetch([KEY, sid])
        reads.meta.client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": {**sid, "thread_id": "t1"}}},
                {
                    "Update": {
                        "TableName": "t",
                        "Key": KEY,
                        "UpdateExpression": "SET unread = :five",
                        "ExpressionAttributeValues": {":five": 5},
                    }
                },
            ]
        )
        mark = len(calls.names)
        stored_sid = reads.get_item(Key=sid, ConsistentRead=True)["Item"]
        thread = reads.get_item(Key=KEY, ConsistentRead=True)["Item"]
        assert calls.since(mark) == ["GetItem"]  # the Put is known; the Update was forgotten and read again
        with reads.batch_writer() as batch:
            batch.put_item(Item={**sid, "thread_id": "t2"})
        again = reads.get_item(Key=sid, ConsistentRead=True)["Item"]

    assert stored_sid["thread_id"] == "t1" and thread["unread"] == 5
    assert again["thread_id"] == "t2"


def test_a_scope_is_not_shared_with_another_thread(table: Any) -> None:
    reads, calls = ReadOnceTable(table), Calls(table.meta.client)
    seen: list[str] = []

    def other() -> None:
        seen.append(str(reads.get_item(Key=KEY)["Item"]["status"]))

    with reads.scope():
        reads.get_item(Key=KEY)
        worker = threading.Thread(target=other)
        worker.start()
        worker.join()

    assert seen == ["open"] and calls.names == ["GetItem", "GetItem"]


def test_remembered_answers_only_from_memory_and_only_what_was_read_consistently(table: Any) -> None:
    reads, calls = ReadOnceTable(table), Calls(table.meta.client)
    missing = {"pk": "THREAD#t2", "sk": "META"}

    outside = remembered(reads, KEY)
    with reads.scope():
        before_any_read = remembered(reads, KEY)
        reads.get_item(Key=KEY)  # eventually consistent: not enough to skip a write on
        after_a_loose_read = remembered(reads, KEY)
        reads.prefetch([KEY, missing])
        after_prefetch = remembered(reads, KEY)
        gone = remembered(reads, missing)
        reads.update_item(Key=KEY, UpdateExpression="SET unread = :n", ExpressionAttributeValues={":n": 9})
        after_an_update = remembered(reads, KEY)

    assert outside is UNKNOWN and remembered(table, KEY) is UNKNOWN  # a plain table remembers nothing
    assert before_any_read is UNKNOWN and after_a_loose_read is UNKNOWN
    assert isinstance(after_prefetch, dict) and after_prefetch["status"] == "open" and gone is None
    assert after_an_update is UNKNOWN
    assert calls.names == ["GetItem", "BatchGetItem", "UpdateItem"]


def test_a_lasting_prefetch_serves_every_scope_of_the_batch_until_a_write_names_the_item(table: Any) -> None:
    reads, calls = ReadOnceTable(table), Calls(table.meta.client)
    resident = {"pk": "ADDR#+15555550123", "sk": "RESIDENT"}
    table.put_item(Item={**resident, "thread_id": "t1"})
    absent = {"pk": "ADDR#+15555550199", "sk": "RESIDENT"}

    with reads.lasting():
        reads.prefetch_lasting([resident, absent])
        seen = []
        for _ in range(3):
            with reads.scope():
                seen.append(reads.get_item(Key=resident, ConsistentRead=True)["Item"]["thread_id"])
        with reads.scope():
            reads.get_item(Key=absent, ConsistentRead=True)  # a missing item is not kept: it is read
            reads.put_item(Item={**resident, "thread_id": "t2"})
        with reads.scope():
            after_write = reads.get_item(Key=resident, ConsistentRead=True)["Item"]["thread_id"]

    assert seen == ["t1", "t1", "t1"] and after_write == "t2"
    assert calls.names == ["PutItem", "BatchGetItem", "GetItem", "PutItem", "GetItem"]
