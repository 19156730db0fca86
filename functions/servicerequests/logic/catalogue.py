"""Reading a city's catalogue: `services.json` plus one service definition per service with metadata=true."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from servicerequests.models.services import CatalogueImport, Service


def _problem(code: str, error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    return f"{code}: {where + ': ' if where else ''}{first.get('msg', 'invalid')}"


def read_catalogue(upload: CatalogueImport) -> tuple[list[Service], list[str]]:
    """The services that read cleanly, and one problem line for each that does not (nothing half-imported).

    A service whose `metadata` is true but whose definition is missing is refused: its requests could not
    be checked. Definitions for codes that are not in the list are reported, not silently ignored.
    """
    services: list[Service] = []
    problems: list[str] = []
    seen: set[str] = set()
    definitions: Mapping[str, Mapping[str, Any]] = upload.definitions
    for index, raw in enumerate(upload.services, start=1):
        code = str(raw.get("service_code") or f"service #{index}")
        if code in seen:
            problems.append(f"{code}: listed twice")
            continue
        seen.add(code)
        definition = definitions.get(code)
        if raw.get("metadata") is True and definition is None:
            problems.append(f"{code}: metadata is true but no service definition was given")
            continue
        attributes = list((definition or {}).get("attributes") or [])
        try:
            services.append(
                Service.model_validate(
                    {**raw, "attributes": attributes, "department": upload.departments.get(code)}
                )
            )
        except ValidationError as error:
            problems.append(_problem(code, error))
    for code in definitions:
        if code not in seen:
            problems.append(f"{code}: a definition for a service that is not in services.json")
    return services, problems
