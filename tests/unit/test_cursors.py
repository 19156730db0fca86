"""Opaque cursors: round trip, and nothing but InvalidCursor from a forged one."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from inbox.dal.cursors import decode_cursor, encode_cursor
from inbox.models.errors import InvalidCursor

KEY = {"pk": "THREAD#t1", "sk": "MSG#2026-11-24T10:15:00.000000Z#m1"}


def test_round_trip() -> None:
    cursor = encode_cursor(KEY)

    assert cursor is not None and "=" not in cursor and "/" not in cursor
    assert decode_cursor(cursor, keys=("pk", "sk"), fixed={"pk": "THREAD#t1"}) == KEY
    assert encode_cursor(None) is None and decode_cursor(None, keys=("pk",)) is None


@pytest.mark.parametrize(
    "key, fixed",
    [
        ({"pk": "THREAD#t2", "sk": "x"}, {"pk": "THREAD#t1"}),
        ({"pk": "THREAD#t1"}, None),
        ({"pk": "THREAD#t1", "sk": 5}, None),
        ({**KEY, "extra": "x"}, None),
    ],
    ids=["other-partition", "missing-key", "not-a-string", "extra-key"],
)
def test_cursor_for_other_keys_is_refused(key: dict[str, object], fixed: dict[str, str] | None) -> None:
    cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()

    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, keys=("pk", "sk"), fixed=fixed)


def test_overlong_cursor_is_refused() -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor("A" * 2000, keys=("pk", "sk"))


@given(
    st.one_of(
        st.text(min_size=1, max_size=300),
        st.builds(
            lambda k: encode_cursor(k) or "",
            st.fixed_dictionaries({"pk": st.text(max_size=20), "sk": st.text(max_size=20)}),
        ),
        st.binary(max_size=200).map(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")),
    )
)
def test_any_text_decodes_to_exactly_the_asked_keys_or_raises_invalid_cursor(cursor: str) -> None:
    # Forged or real, random or base64: a cursor is refused, or it names exactly pk and sk as strings, and
    # encoding it again gives the same key back (so nothing but a key can ride in a cursor).
    try:
        key = decode_cursor(cursor, keys=("pk", "sk"))
    except InvalidCursor:
        return
    if not cursor:
        assert key is None  # no cursor: the first page
        return
    assert key is not None and sorted(key) == ["pk", "sk"]
    assert all(isinstance(value, str) for value in key.values())
    assert decode_cursor(encode_cursor(key), keys=("pk", "sk")) == key


@given(st.dictionaries(st.sampled_from(["pk", "sk"]), st.text(max_size=50), min_size=2))
def test_any_key_round_trips(key: dict[str, str]) -> None:
    assert decode_cursor(encode_cursor(key), keys=("pk", "sk")) == key
