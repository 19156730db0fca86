"""Service requests without AWS: attribute answers against a definition, a city's catalogue, GeoReport v2
date ranges and id lists, XML documents, and the API key format."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

import pytest
from pydantic import ValidationError
from servicerequests.logic import api_keys
from servicerequests.logic.answers import InvalidAnswers, check_answers
from servicerequests.logic.catalogue import read_catalogue
from servicerequests.logic.open311 import Open311Error, date_range, request_ids, to_xml
from servicerequests.models.requests import OPEN311_FIELDS, ServiceRequestRecord, open311_view
from servicerequests.models.services import CatalogueImport, Service

SERVICE = Service.model_validate(
    {
        "service_code": "TREE",
        "service_name": "Fallen tree",
        "attributes": [
            {
                "code": "WHERE",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "Where?",
                "values": [{"key": "road", "name": "On the road"}, {"key": "yard", "name": "In a yard"}],
            },
            {
                "code": "BLOCKS",
                "datatype": "multivaluelist",
                "description": "Blocking?",
                "values": [{"key": "car", "name": "Cars"}, {"key": "walk", "name": "Pedestrians"}],
            },
            {"code": "WHEN", "datatype": "datetime", "description": "When did it fall?"},
            {"code": "NOTE", "datatype": "string", "description": "Anything else?"},
            {
                "code": "INFO",
                "variable": False,
                "datatype": "text",
                "description": "Call 911 if wires are down",
            },
        ],
    }
)


def test_answers_are_kept_trimmed_and_deduplicated() -> None:
    kept = check_answers(
        SERVICE,
        {"WHERE": " road ", "BLOCKS": ["car", "walk", "car"], "WHEN": "2026-12-07T08:00:00Z", "NOTE": ""},
    )
    assert kept == {"WHERE": "road", "BLOCKS": ["car", "walk"], "WHEN": "2026-12-07T08:00:00Z"}


@pytest.mark.parametrize(
    ("answers", "problems"),
    [
        ({}, ["WHERE: required (Where?)"]),
        ({"WHERE": ["road", "yard"]}, ["WHERE: takes one value"]),
        ({"WHERE": "road", "BLOCKS": ["car", "boat"]}, ["BLOCKS: boat is not one of car, walk"]),
        ({"WHERE": "road", "WHEN": "yesterday"}, ["WHEN: yesterday is not an ISO 8601 date and time"]),
        ({"WHERE": "road", "NOTE": "x" * 201}, ["NOTE: longer than 200 characters"]),
        ({"WHERE": "road", "INFO": "ok"}, ["INFO: not an attribute of TREE"]),  # informational only
        (
            {"WHERE": "sea", "COLOUR": "red"},
            ["COLOUR: not an attribute of TREE", "WHERE: sea is not one of road, yard"],
        ),
    ],
)
def test_every_problem_is_named(answers: dict[str, Any], problems: list[str]) -> None:
    with pytest.raises(InvalidAnswers) as raised:
        check_answers(SERVICE, answers)
    assert raised.value.problems == problems


@pytest.mark.parametrize("value", ["nan", "inf", "1e", ""])
def test_numbers_must_be_finite_numbers(value: str) -> None:
    service = Service.model_validate(
        {
            "service_code": "N",
            "service_name": "N",
            "attributes": [{"code": "D", "datatype": "number", "required": True, "description": "d"}],
        }
    )
    with pytest.raises(InvalidAnswers):
        check_answers(service, {"D": value})
    assert check_answers(service, {"D": "-2.5"}) == {"D": "-2.5"}


def test_a_definition_is_checked_when_read() -> None:
    with pytest.raises(ValidationError, match="needs values"):
        Service.model_validate(
            {
                "service_code": "X",
                "service_name": "X",
                "attributes": [{"code": "A", "datatype": "singlevaluelist", "description": "a"}],
            }
        )
    with pytest.raises(ValidationError, match="only list attributes"):
        Service.model_validate(
            {
                "service_code": "X",
                "service_name": "X",
                "attributes": [
                    {
                        "code": "A",
                        "datatype": "string",
                        "description": "a",
                        "values": [{"key": "k", "name": "n"}],
                    }
                ],
            }
        )
    with pytest.raises(ValidationError, match="attribute codes repeat"):
        Service.model_validate(
            {
                "service_code": "X",
                "service_name": "X",
                "attributes": [{"code": "A", "datatype": "string", "description": "a"}] * 2,
            }
        )
    with pytest.raises(ValidationError):
        Service.model_validate({"service_code": "bad code!", "service_name": "X"})
    assert Service.model_validate(
        {"service_code": "X", "service_name": "X", "keywords": " Tree, branch ,,tree"}
    ).keywords == ("tree", "branch")


def test_a_city_catalogue_reads_with_every_problem_listed() -> None:
    services, problems = read_catalogue(
        CatalogueImport(
            services=[
                {"service_code": "TREE", "service_name": "Fallen tree", "metadata": True, "type": "realtime"},
                {"service_code": "LIGHT", "service_name": "", "metadata": False, "type": "realtime"},
                {
                    "service_code": "NOISE",
                    "service_name": "Noise",
                    "metadata": False,
                    "type": "batch",
                    "keywords": "loud,music",
                },
            ],
            definitions={
                "TREE": {
                    "service_code": "TREE",
                    "attributes": [{"code": "A", "datatype": "text", "description": "a"}],
                }
            },
            departments={"TREE": "parks"},
        )
    )
    assert [(s.service_code, s.department, s.metadata) for s in services] == [
        ("TREE", "parks", True),
        ("NOISE", None, False),
    ]
    assert len(problems) == 1 and problems[0].startswith("LIGHT: service_name:")


NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_date_ranges_default_to_90_days_and_refuse_longer_or_reversed() -> None:
    assert date_range(None, None, NOW) == (datetime(2026, 9, 8, 12, 0, tzinfo=UTC), NOW)
    start, end = date_range("2026-12-01T00:00:00-05:00", None, NOW)
    assert start == datetime(2026, 12, 1, 5, 0, tzinfo=UTC) and end == NOW
    for start_text, end_text, message in [
        ("2026-01-01T00:00:00Z", "2026-12-01T00:00:00Z", "at most 90 days"),
        ("2026-12-02T00:00:00Z", "2026-12-01T00:00:00Z", "after end_date"),
        ("last week", None, "W3C date"),
    ]:
        with pytest.raises(Open311Error, match=message) as raised:
            date_range(start_text, end_text, NOW)
        assert raised.value.status == 400


def test_request_id_lists() -> None:
    assert request_ids(" 1001, 1002 ,,") == ["1001", "1002"]
    assert request_ids(None) == []
    for bad in ["1001,abc", ",".join(["1"] * 51), "1" * 13]:
        with pytest.raises(Open311Error):
            request_ids(bad)


def test_xml_documents_follow_the_spec_examples() -> None:
    text = to_xml("service_requests", "request", [{"service_request_id": "1", "lat": 1.5, "media_url": None}])
    root = ElementTree.fromstring(text.split("\n", 1)[1])  # noqa: S314 - our own output
    assert root.tag == "service_requests"
    assert [(e.tag, e.text) for e in root.find("request")] == [
        ("service_request_id", "1"),
        ("lat", "1.5"),
        ("media_url", None),
    ]
    document = to_xml("errors", "error", [{"code": 400, "description": "a < b & c"}])
    errors = ElementTree.fromstring(document.split("\n", 1)[1])  # noqa: S314 - our own output
    assert errors.findtext("error/description") == "a < b & c"
    definition = to_xml(
        "service_definition", "x", {"attributes": [{"values": [{"key": "k"}], "variable": True}]}
    )
    assert (
        "<attributes><attribute><values><value><key>k</key></value></values><variable>true</variable>"
        in definition
    )


def test_the_open311_view_is_an_allow_list() -> None:
    record = ServiceRequestRecord(
        service_request_id="1",
        service_code="TREE",
        service_name="Fallen tree",
        requested_datetime="2026-12-07T08:00:00.123456Z",
        resident="+15555550123",
        thread_id="t" * 32,
        api_key_id="k" * 16,
        attributes={"WHERE": "road"},
    )
    view = open311_view(record, agency="Demo City", media_url=None)
    assert tuple(view) == OPEN311_FIELDS
    assert view["requested_datetime"] == "2026-12-07T08:00:00Z" and view["agency_responsible"] == "Demo City"
    assert "+15555550123" not in str(view) and "t" * 32 not in str(view)


class _Keys:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, key_id: str, **fields: Any) -> None:
        self.items[key_id] = {"key_id": key_id, **fields}

    def get(self, key_id: str) -> dict[str, Any] | None:
        return self.items.get(key_id)


def test_api_keys_are_kept_as_hashes_and_checked_exactly() -> None:
    keys = _Keys()
    issued = api_keys.issue(keys, name="City", at="now", by="admin")  # type: ignore[arg-type]
    stored = keys.items[issued.key_id]
    assert issued.api_key.split("_")[2] not in str(stored)
    assert api_keys.verify(keys, issued.api_key) == issued.key_id  # type: ignore[arg-type]
    tampered = issued.api_key[:-1] + ("A" if issued.api_key[-1] != "A" else "B")
    assert api_keys.verify(keys, tampered) is None  # type: ignore[arg-type]
    assert api_keys.verify(keys, None) is None  # type: ignore[arg-type]
    assert api_keys.verify(keys, "sb311_" + issued.key_id) is None  # type: ignore[arg-type]
    stored["revoked_at"] = "later"
    assert api_keys.verify(keys, issued.api_key) is None  # type: ignore[arg-type]
