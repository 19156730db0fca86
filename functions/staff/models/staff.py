"""Staff members, departments and agency settings as the admin API takes and returns them."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from switchboard.roles import Role

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}$")
DEPARTMENT_ID = r"^[a-z0-9][a-z0-9-]{0,39}$"


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("must be an email address")
    return value


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Email = Annotated[str, AfterValidator(_email)]
DepartmentId = Annotated[str, StringConstraints(pattern=DEPARTMENT_ID)]
DepartmentIds = Annotated[list[DepartmentId], Field(max_length=20), AfterValidator(_unique)]
Roles = Annotated[list[Role], Field(min_length=1, max_length=3), AfterValidator(_unique)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Department(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    department_id: str
    name: str


class DepartmentRequest(_Strict):
    department_id: DepartmentId
    name: Name


class DepartmentRename(_Strict):
    name: Name


class DepartmentList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    departments: list[Department]


class StaffMember(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    sub: str
    email: str
    name: str | None = None
    groups: list[str]
    departments: list[str]
    enabled: bool
    status: str  # Cognito's UserStatus: FORCE_CHANGE_PASSWORD until they set their own password


class StaffList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    staff: list[StaffMember]


class InviteRequest(_Strict):
    email: Email
    name: Name | None = None
    groups: Roles = Field(default_factory=lambda: list[Role](["agent"]))
    departments: DepartmentIds = Field(default_factory=list)


class StaffUpdate(_Strict):
    groups: Roles | None = None
    departments: DepartmentIds | None = None
    name: Name | None = None


class AgencySettings(_Strict):
    agency_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    agency_hours: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
