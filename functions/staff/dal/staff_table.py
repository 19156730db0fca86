"""Departments, staff profiles and agency settings in the one table.

| item | pk | sk | gsi1pk / gsi1sk |
| department | DEPT#{id} | DEPARTMENT | DEPARTMENTS / {id} |
| staff profile | STAFF#{sub} | PROFILE | STAFF / {email} |
| agency settings | SETTINGS | AGENCY | - |
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.table_keys import (
    AGENCY_SETTINGS_SK,
    DEPARTMENT_SK,
    DEPARTMENTS_GSI_PK,
    SETTINGS_PK,
    STAFF_GSI_PK,
    STAFF_SK,
    THREADS_GSI,
    department_pk,
    staff_pk,
)

from staff.models.staff import AgencySettings, Department


class StaffTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- departments -----------------------------------------------------------------------------------

    def put_department(self, department: Department) -> None:
        self._table.put_item(
            Item={
                "pk": department_pk(department.department_id),
                "sk": DEPARTMENT_SK,
                "gsi1pk": DEPARTMENTS_GSI_PK,
                "gsi1sk": department.department_id,
                **department.model_dump(),
            }
        )

    def get_department(self, department_id: str) -> Department | None:
        item = self._table.get_item(Key={"pk": department_pk(department_id), "sk": DEPARTMENT_SK}).get("Item")
        return Department.model_validate(item) if item else None

    def list_departments(self) -> list[Department]:
        items = self._query_all(DEPARTMENTS_GSI_PK)
        return sorted((Department.model_validate(i) for i in items), key=lambda d: d.name.lower())

    # --- staff profiles --------------------------------------------------------------------------------

    def put_profile(self, profile: dict[str, Any]) -> None:
        """Sets the admin-managed fields; others on the item (the staff member's own `phone`) are kept."""
        fields = {
            "gsi1pk": STAFF_GSI_PK,
            "gsi1sk": profile["email"],
            **{k: v for k, v in profile.items() if v is not None},
        }
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        self._table.update_item(
            Key={"pk": staff_pk(profile["sub"]), "sk": STAFF_SK},
            UpdateExpression="SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={f":f{i}": value for i, value in enumerate(fields.values())},
        )

    def get_profile(self, sub: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": staff_pk(sub), "sk": STAFF_SK}).get("Item")
        return dict(item) if item else None

    def list_profiles(self) -> list[dict[str, Any]]:
        return [dict(i) for i in self._query_all(STAFF_GSI_PK)]

    # --- agency settings -------------------------------------------------------------------------------

    def get_settings(self) -> AgencySettings:
        item = self._table.get_item(Key={"pk": SETTINGS_PK, "sk": AGENCY_SETTINGS_SK}).get("Item") or {}
        return AgencySettings.model_validate(
            {k: item[k] for k in ("agency_name", "agency_hours") if k in item}
        )

    def put_settings(self, settings: AgencySettings) -> None:
        self._table.put_item(Item={"pk": SETTINGS_PK, "sk": AGENCY_SETTINGS_SK, **settings.model_dump()})

    def _query_all(self, gsi1pk: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {"IndexName": THREADS_GSI, "KeyConditionExpression": Key("gsi1pk").eq(gsi1pk)}
        while True:
            response = self._table.query(**query)
            items.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return items
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
