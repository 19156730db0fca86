"""The agency's service catalogue, in Open311 GeoReport v2 terms (services.json and service definitions).

A service is what a resident can report ("Pothole"); its definition lists the attributes a request must or
may carry (string, number, datetime, text, singlevaluelist, multivaluelist). Switchboard adds what the
conversation needs: keywords that suggest the service from a resident's words, and the department whose
staff handle it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SERVICE_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
ServiceType = Literal["realtime", "batch", "blackbox"]


class AttributeValue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    key: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)


class ServiceAttribute(BaseModel):
    """One attribute of a service definition (GeoReport v2 `attributes[]`)."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    variable: bool = True  # False: an informational text shown to the resident, not a question
    code: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    datatype: Datatype
    required: bool = False
    datatype_description: str | None = Field(default=None, max_length=500)
    order: int = Field(default=0, ge=0, le=10_000)
    description: str = Field(min_length=1, max_length=500)
    values: tuple[AttributeValue, ...] = ()

    @model_validator(mode="after")
    def _lists_have_values(self) -> ServiceAttribute:
        listed = self.datatype in ("singlevaluelist", "multivaluelist")
        if listed and not self.values:
            raise ValueError(f"attribute {self.code}: a {self.datatype} needs values")
        if not listed and self.values:
            raise ValueError(f"attribute {self.code}: only list attributes have values")
        if len({value.key for value in self.values}) != len(self.values):
            raise ValueError(f"attribute {self.code}: value keys repeat")
        return self


class Service(BaseModel):
    """A service of the catalogue: the GeoReport v2 fields plus keywords and the handling department."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    service_code: str = Field(pattern=SERVICE_CODE)
    service_name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=1000)
    type: ServiceType = "realtime"
    group: str = Field(default="", max_length=120)
    keywords: tuple[str, ...] = Field(default=(), max_length=50)
    department: str | None = Field(default=None, max_length=64)
    attributes: tuple[ServiceAttribute, ...] = Field(default=(), max_length=50)

    @field_validator("keywords", mode="before")
    @classmethod
    def _keywords(cls, value: object) -> object:
        """Open311 sends keywords as one comma-separated string; the page sends a list."""
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            words = [str(word).strip().lower() for word in value]
            return tuple(dict.fromkeys(word for word in words if word))
        return value

    @model_validator(mode="after")
    def _attribute_codes_unique(self) -> Service:
        codes = [attribute.code for attribute in self.attributes]
        if len(set(codes)) != len(codes):
            raise ValueError(f"service {self.service_code}: attribute codes repeat")
        return self

    @property
    def metadata(self) -> bool:
        """GeoReport v2: whether a service definition (attributes) exists for this service."""
        return bool(self.attributes)


class ServiceCatalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    services: list[Service]


class CatalogueImport(BaseModel):
    """A city's `services.json` (a list) and its service definitions, keyed by service code."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    services: list[dict[str, object]] = Field(max_length=500)
    definitions: dict[str, dict[str, object]] = Field(default_factory=dict)
    departments: dict[str, str] = Field(default_factory=dict)  # service_code -> department id


class ImportResult(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    imported: int
    problems: list[str]
