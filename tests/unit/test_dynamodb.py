"""Conditional writes read as outcomes: a failed condition is an answer, anything else is raised."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from switchboard.dynamodb import TransactionConflict, put_if, transact_write_if, update_if


def client_error(code: str, reasons: list[str] | None = None) -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": code, "Message": "..."}}
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": reason} for reason in reasons]
    return ClientError(response, "Operation")  # type: ignore[arg-type]


class RaisingTable:
    def __init__(self, error: ClientError) -> None:
        self.error = error
        self.meta = self
        self.client = self

    def put_item(self, **kwargs: Any) -> None:
        raise self.error

    def update_item(self, **kwargs: Any) -> None:
        raise self.error

    def transact_write_items(self, **kwargs: Any) -> None:
        raise self.error


def test_failed_conditions_are_answers() -> None:
    table = RaisingTable(client_error("ConditionalCheckFailedException"))

    assert put_if(table, {}, "attribute_not_exists(pk)") is False
    assert update_if(table, {"pk": "x"}) is None


def test_other_errors_are_raised() -> None:
    table = RaisingTable(client_error("ProvisionedThroughputExceededException"))

    with pytest.raises(ClientError):
        put_if(table, {}, "attribute_not_exists(pk)")
    with pytest.raises(ClientError):
        update_if(table, {"pk": "x"})


def test_a_transaction_cancelled_by_the_guarded_condition_is_false() -> None:
    table = RaisingTable(client_error("TransactionCanceledException", ["None", "ConditionalCheckFailed"]))

    assert transact_write_if(table, [{}, {}], guarded=1) is False


@pytest.mark.parametrize("reasons", [["TransactionConflict", "None"], ["None", "ConditionalCheckFailed"], []])
def test_a_transaction_cancelled_for_another_reason_is_a_conflict(reasons: list[str]) -> None:
    table = RaisingTable(client_error("TransactionCanceledException", reasons))

    with pytest.raises(TransactionConflict):
        transact_write_if(table, [{}, {}], guarded=0)
