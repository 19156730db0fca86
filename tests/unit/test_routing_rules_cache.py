"""The inbound pipeline's routing rules: read once per SQS batch (the batch is routed by the rules in force
when it began; an admin's save applies from the next batch), and per message outside a batch."""

from __future__ import annotations

import threading
from typing import Any

from routing.dal.routing_table import BatchRulesRoutingTable, rules_read_once


class RulesItem:
    """A table holding only the routing rules item; counts the reads."""

    def __init__(self, rules: list[dict[str, Any]]) -> None:
        self.rules = rules
        self.reads = 0

    def get_item(self, Key: dict[str, str]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        assert Key == {"pk": "ROUTING", "sk": "RULES"}
        self.reads += 1
        return {"Item": {**Key, "rules": [dict(rule) for rule in self.rules]}}


def test_a_batch_reads_the_rules_once_and_the_next_batch_sees_an_admins_save() -> None:
    table = RulesItem([{"department_id": "roads"}])
    routing = BatchRulesRoutingTable(table)

    with rules_read_once():
        first = routing.rules()
        table.rules = [{"department_id": "parks"}]  # an admin saves while the batch is routed
        same_batch = routing.rules()
    with rules_read_once():
        next_batch = routing.rules()

    assert first == same_batch == [{"department_id": "roads"}]
    assert next_batch == [{"department_id": "parks"}]
    assert table.reads == 2


def test_outside_a_batch_every_call_reads_and_callers_cannot_change_the_held_rules() -> None:
    table = RulesItem([{"department_id": "roads"}])
    routing = BatchRulesRoutingTable(table)

    routing.rules()
    routing.rules()
    with rules_read_once():
        routing.rules()[0]["department_id"] = "changed by a caller"
        held = routing.rules()

    assert table.reads == 3 and held == [{"department_id": "roads"}]


def test_concurrent_batches_in_other_threads_read_their_own() -> None:
    table = RulesItem([{"department_id": "roads"}])
    routing = BatchRulesRoutingTable(table)

    def other_batch() -> None:
        with rules_read_once():
            routing.rules()

    with rules_read_once():
        routing.rules()
        worker = threading.Thread(target=other_batch)
        worker.start()
        worker.join()
        routing.rules()

    assert table.reads == 2
