"""Addresses made comparable, points typed by residents, and the address-point CSV."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from switchboard.geo.addresses import (
    InvalidGazetteer,
    looks_like_address,
    normalize_address,
    parse_gazetteer,
    parse_point,
)


@pytest.mark.parametrize(
    "typed",
    [
        "120 Elm Street",
        "120 elm st.",
        "120 ELM ST",
        "120 Elm St, Apt 4",
        "120 Elm St Apt 4B",
        "120 Elm St #4",
        "120 Elm St., Unit 7, Springfield, IL 62701",
        "  120   Elm   Street  ",
        "120 Elm St 62701",
        "120 Élm Street",
    ],
)
def test_ways_of_typing_one_address_normalize_alike(typed):
    assert normalize_address(typed) == "120 ELM ST"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1200 North Main Avenue", "1200 N MAIN AVE"),
        ("77 First Street", "77 1ST ST"),
        ("77 1st St", "77 1ST ST"),
        ("9 Martin Luther King Jr. Boulevard", "9 MARTIN LUTHER KING JR BLVD"),
        ("5 St. Mary's Place", "5 ST MARYS PL"),
        ("14 SW Oak Lane Suite 200", "14 SW OAK LN"),
    ],
)
def test_suffixes_directionals_and_ordinals(typed, expected):
    assert normalize_address(typed) == expected


@given(st.text(max_size=300))
def test_normalizing_is_idempotent_and_never_fails(text):
    once = normalize_address(text)
    assert normalize_address(once) == once
    assert len(once) <= 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [("120 Elm St", True), ("77 1st st", True), ("94110", False), ("yes", False), ("3 2", False)],
)
def test_what_looks_like_a_street_line(text, expected):
    assert looks_like_address(text) is expected


def test_points_are_latitude_first_with_decimals():
    assert parse_point("37.7601, -122.4194") == (37.7601, -122.4194)
    assert parse_point("37.7601 -122.4194") == (37.7601, -122.4194)
    assert parse_point("94110") is None
    assert parse_point("12 34") is None  # no decimals: not a shared location
    assert parse_point("95.1, 10.0") is None


def test_the_gazetteer_loads_good_rows_and_reports_bad_ones_by_row_number():
    upload = parse_gazetteer(
        "\ufeffAddress,Latitude,Longitude,ZIP\n"
        "120 Elm Street,37.765,-122.415,94110\n"
        "Elm Street,37.0,-122.0,94110\n"
        "121 Elm St,north,-122.0,\n"
        "122 Elm St,137.0,-122.0,\n"
        "\n"
        "120 ELM ST.,37.766,-122.416,94110\n"
        "5 Oak Ave,37.7,-122.4\n"
    )
    assert [(p.address, p.lat, p.lon, p.zip_code) for p in upload.points] == [
        ("120 ELM ST", 37.766, -122.416, "94110"),
        ("5 OAK AVE", 37.7, -122.4, None),
    ]
    assert upload.rejected == [
        (3, "address must start with a house number"),
        (4, "lat and lon must be numbers"),
        (5, "lat/lon out of range"),
        (7, "same address as an earlier row; this row replaces it"),
    ]


def test_a_gazetteer_without_the_columns_is_refused():
    with pytest.raises(InvalidGazetteer, match="address, lat, lon"):
        parse_gazetteer("street,x\n1 Elm St,2\n")
