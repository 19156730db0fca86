"""Statuses move forward only: any order and any repetition of callbacks ends at the furthest status."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from switchboard.statuses import RECEIVED_RANK, STATUS_RANKS, forward_only_update, moves_forward, rank_of

statuses = st.sampled_from(sorted(STATUS_RANKS))


def test_ranks_follow_the_contract() -> None:
    assert [rank_of(s) for s in ["accepted", "queued", "sending", "sent", "delivered", "read"]] == [
        0,
        1,
        2,
        3,
        4,
        5,
    ]
    assert rank_of("failed") == rank_of("undelivered") == 4
    assert rank_of("scheduled") is None and rank_of("") is None
    assert rank_of(" Delivered ") == 4
    assert RECEIVED_RANK > max(STATUS_RANKS.values())


def apply_all(callbacks: list[str]) -> tuple[str, int]:
    """What the table ends up with, applying forward_only_update's condition (status_rank < new rank)."""
    status, rank = "accepted", 0
    for callback in callbacks:
        if moves_forward(rank, callback):
            status, rank = callback, STATUS_RANKS[callback]
    return status, rank


@given(st.lists(statuses, max_size=20))
def test_the_stored_rank_is_the_highest_rank_seen(callbacks: list[str]) -> None:
    _, rank = apply_all(callbacks)

    assert rank == max([0, *(STATUS_RANKS[c] for c in callbacks)])


@given(st.lists(statuses, max_size=12), st.randoms())
def test_order_does_not_change_the_final_rank(callbacks: list[str], random: object) -> None:
    shuffled = list(callbacks)
    random.shuffle(shuffled)  # type: ignore[attr-defined]

    assert apply_all(callbacks)[1] == apply_all(shuffled)[1]


@given(st.lists(statuses, max_size=12))
def test_repeating_every_callback_changes_nothing(callbacks: list[str]) -> None:
    assert apply_all(callbacks) == apply_all([c for c in callbacks for _ in range(2)])


def test_update_sets_status_only_when_it_ranks_higher() -> None:
    update = forward_only_update("delivered")

    assert update["ConditionExpression"] == "attribute_exists(pk) AND status_rank < :rank"
    assert update["ExpressionAttributeValues"] == {":status": "delivered", ":rank": 4}
    assert "error_code" not in update["UpdateExpression"]


def test_error_code_is_stored_only_for_failures() -> None:
    assert forward_only_update("undelivered", "30003")["ExpressionAttributeValues"][":error_code"] == "30003"
    assert ":error_code" not in forward_only_update("sent", "30003")["ExpressionAttributeValues"]


def test_untracked_status_cannot_be_written() -> None:
    with pytest.raises(ValueError):
        forward_only_update("scheduled")
