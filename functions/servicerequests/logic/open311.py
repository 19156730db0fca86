"""GeoReport v2 documents: service lists, definitions, request lists and errors, as JSON or XML.

The XML follows the spec's examples: `<services><service>...`, `<service_definition><attributes><attribute>`,
`<service_requests><request>`, `<errors><error><code/><description/></error></errors>`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

from servicerequests.models.services import Service

MAX_RANGE = timedelta(days=90)
DEFAULT_RANGE = timedelta(days=90)
MAX_IDS = 50
DEFAULT_LIMIT = 1000


class Open311Error(Exception):
    """An error the spec answers with an error array: 400, 403 or 404 (and 429 for a spent key)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

    def errors(self) -> list[dict[str, Any]]:
        return [{"code": self.status, "description": self.description}]


def service_view(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.service_code,
        "service_name": service.service_name,
        "description": service.description or None,
        "metadata": service.metadata,
        "type": service.type,
        "keywords": ",".join(service.keywords) or None,
        "group": service.group or None,
    }


def definition_view(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.service_code,
        "attributes": [
            {
                "variable": attribute.variable,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description,
                "order": attribute.order,
                "description": attribute.description,
                **(
                    {"values": [{"key": v.key, "name": v.name} for v in attribute.values]}
                    if attribute.values
                    else {}
                ),
            }
            for attribute in sorted(service.attributes, key=lambda a: a.order)
        ],
    }


def parse_time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date and time, e.g. 2026-03-03T09:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def date_range(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The spec's start_date/end_date: at most 90 days apart; by default the last 90 days."""
    end_at = parse_time(end, "end_date") if end else now
    start_at = parse_time(start, "start_date") if start else end_at - DEFAULT_RANGE
    if start_at > end_at:
        raise Open311Error(400, "start_date is after end_date")
    if end_at - start_at > MAX_RANGE:
        raise Open311Error(400, "start_date and end_date may be at most 90 days apart")
    return start_at, end_at


def request_ids(value: str | None) -> list[str]:
    ids = [part.strip() for part in (value or "").split(",") if part.strip()]
    if len(ids) > MAX_IDS:
        raise Open311Error(400, f"at most {MAX_IDS} service_request_id values at once")
    if any(not part.isdigit() or len(part) > 12 for part in ids):
        raise Open311Error(400, "service_request_id must be a comma-separated list of request numbers")
    return ids


# --- XML ------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _element(tag: str, value: Any) -> ElementTree.Element:
    element = ElementTree.Element(tag)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            element.append(_element(key, inner))
    elif isinstance(value, list | tuple):
        singular = {"attributes": "attribute", "values": "value", "errors": "error"}.get(tag, "item")
        for inner in value:
            element.append(_element(singular, inner))
    else:
        element.text = _text(value)
    return element


def to_xml(root: str, item: str, documents: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> str:
    """`<root><item>...</item>...</root>`, or `<root>...</root>` for one document (a service definition)."""
    if isinstance(documents, Mapping):
        element = _element(root, documents)
    else:
        element = ElementTree.Element(root)
        for document in documents:
            element.append(_element(item, document))
    body = ElementTree.tostring(element, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}'
