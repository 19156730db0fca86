"""The Open311 client's pure rules: retry delays (doubling, full jitter, capped), the endpoints an admin may
point the key at, and the form sent to the city (never the resident)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from servicerequests.logic.backoff import MAX_DELAY_S, retry_delay_s
from servicerequests.logic.city_sync import request_form
from servicerequests.models.city import CityLink, checked_endpoint
from servicerequests.models.requests import ServiceRequestRecord


@given(delivery=st.integers(min_value=1, max_value=40), base=st.integers(min_value=1, max_value=3600))
def test_a_retry_waits_at_most_base_doubled_per_delivery_and_never_past_the_cap(
    delivery: int, base: int
) -> None:
    delay = retry_delay_s(delivery, base, random.Random(delivery * base))
    assert 0 <= delay <= min(MAX_DELAY_S, base * 2 ** (delivery - 1))


def test_retries_are_spread_not_synchronised() -> None:
    rng = random.Random(7)
    delays = [retry_delay_s(4, 60, rng) for _ in range(200)]
    assert len(set(delays)) > 100  # full jitter: 200 failed requests do not come back together
    assert max(delays) > 400 and min(delays) < 80
    assert retry_delay_s(3, 0) == 0


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://city.example.gov/open311/v2",
        "https://user:secret@city.example.gov/open311/v2",
        "https://city.example.gov/open311/v2?x=1",
        "ftp://city.example.gov",
        "https:///nohost",
        "http://10.0.0.5/open311",
    ],
)
def test_the_key_is_sent_over_https_only_or_to_this_machine(endpoint: str) -> None:
    with pytest.raises(ValueError, match="endpoint"):
        checked_endpoint(endpoint)


def test_https_and_loopback_endpoints_are_accepted_without_a_trailing_slash() -> None:
    assert checked_endpoint("https://city.example.gov/open311/v2/") == "https://city.example.gov/open311/v2"
    assert checked_endpoint("http://127.0.0.1:9000") == "http://127.0.0.1:9000"


def test_the_form_carries_the_request_and_never_the_resident() -> None:
    record = ServiceRequestRecord(
        service_request_id="1001",
        service_code="POT",
        service_name="Pothole",
        requested_datetime="2026-12-07T10:00:00.000000Z",
        description="Deep one",
        address="Oak St and 3rd Ave",
        lat=37.5,
        long=-122.25,
        attributes={"SIZE": "big", "SIDES": ["n", "s"]},
        resident="+15555550123",
        thread_id="t-1",
    )
    link = CityLink(
        target="_all", endpoint="https://c.example.gov", api_key="K", updated_at="x", updated_by="y"
    )
    form = request_form(record, link)
    assert form == [
        ("api_key", "K"),
        ("service_code", "POT"),
        ("lat", "37.5"),
        ("long", "-122.25"),
        ("address_string", "Oak St and 3rd Ave"),
        ("description", "Deep one"),
        ("attribute[SIZE]", "big"),
        ("attribute[SIDES][]", "n"),
        ("attribute[SIDES][]", "s"),
    ]
    assert not any("5555550123" in value or "t-1" == value for _, value in form)
