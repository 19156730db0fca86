"""Checking a request's attribute answers against its service definition (GeoReport v2 `attribute[code]`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

from servicerequests.models.requests import AttributeAnswer
from servicerequests.models.services import Service, ServiceAttribute

MAX_ANSWER_CHARS = {"string": 200, "text": 4000}


class InvalidAnswers(ValueError):
    """Every problem with the answers, each a sentence a developer or a resident's agent can act on."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _one(attribute: ServiceAttribute, answer: AttributeAnswer) -> tuple[AttributeAnswer | None, str | None]:
    values = [answer] if isinstance(answer, str) else list(answer)
    values = [value.strip() for value in values if value.strip()]
    if not values:
        return None, None
    code = attribute.code
    if attribute.datatype == "multivaluelist":
        allowed = {value.key for value in attribute.values}
        unknown = [value for value in values if value not in allowed]
        if unknown:
            return None, f"{code}: {', '.join(unknown)} is not one of {', '.join(sorted(allowed))}"
        return list(dict.fromkeys(values)), None
    if len(values) > 1:
        return None, f"{code}: takes one value"
    value = values[0]
    if attribute.datatype == "singlevaluelist":
        allowed = {v.key for v in attribute.values}
        if value not in allowed:
            return None, f"{code}: {value} is not one of {', '.join(sorted(allowed))}"
    elif attribute.datatype == "number":
        try:
            number = float(value)
        except ValueError:
            return None, f"{code}: {value} is not a number"
        if not math.isfinite(number):
            return None, f"{code}: {value} is not a number"
    elif attribute.datatype == "datetime":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None, f"{code}: {value} is not an ISO 8601 date and time"
    elif len(value) > MAX_ANSWER_CHARS[attribute.datatype]:
        return None, f"{code}: longer than {MAX_ANSWER_CHARS[attribute.datatype]} characters"
    return value, None


def check_answers(service: Service, answers: Mapping[str, AttributeAnswer]) -> dict[str, AttributeAnswer]:
    """The answers to keep, or InvalidAnswers naming each missing required attribute and each bad value.

    Answers to codes the definition does not have are refused rather than dropped: a client that sends them
    has the wrong definition, and silently losing a resident's answer is worse than a clear 400.
    """
    known = {attribute.code: attribute for attribute in service.attributes if attribute.variable}
    problems: list[str] = []
    kept: dict[str, AttributeAnswer] = {}
    for code in answers:
        if code not in known:
            problems.append(f"{code}: not an attribute of {service.service_code}")
    for code, attribute in known.items():
        value, problem = _one(attribute, answers[code]) if code in answers else (None, None)
        if problem:
            problems.append(problem)
        elif value is None and attribute.required:
            problems.append(f"{code}: required ({attribute.description})")
        elif value is not None:
            kept[code] = value
    if problems:
        raise InvalidAnswers(problems)
    return kept
