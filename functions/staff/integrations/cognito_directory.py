"""The staff directory in the Cognito user pool: invite, group membership, disable/enable, list.

The pool signs users in by email; Cognito's username is the user's `sub`, which is what the rest of
Switchboard stores (thread assignee, audit actor).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from switchboard.dynamodb import error_code
from switchboard.roles import ROLES

from staff.models.errors import StaffExists, StaffNotFound


@dataclass(frozen=True)
class DirectoryUser:
    sub: str
    email: str
    enabled: bool
    status: str
    groups: tuple[str, ...] = ()


def _user(raw: dict[str, Any], groups: tuple[str, ...] = ()) -> DirectoryUser:
    attributes = {a["Name"]: a["Value"] for a in raw.get("Attributes", raw.get("UserAttributes", []))}
    return DirectoryUser(
        sub=attributes.get("sub", raw["Username"]),
        email=attributes.get("email", ""),
        enabled=bool(raw.get("Enabled", True)),
        status=str(raw.get("UserStatus", "")),
        groups=groups,
    )


class CognitoDirectory:
    def __init__(self, client: Any, user_pool_id: str) -> None:
        self._client = client
        self._pool = user_pool_id

    def invite(self, email: str) -> DirectoryUser:
        """AdminCreateUser: Cognito emails a temporary password; the user sets their own at first sign-in."""
        try:
            response = self._client.admin_create_user(
                UserPoolId=self._pool,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )
        except ClientError as error:
            if error_code(error) in ("UsernameExistsException", "AliasExistsException"):
                raise StaffExists(email) from None
            raise
        return _user(response["User"])

    def get(self, sub: str) -> DirectoryUser:
        try:
            raw = self._client.admin_get_user(UserPoolId=self._pool, Username=sub)
        except ClientError as error:
            if error_code(error) == "UserNotFoundException":
                raise StaffNotFound(sub) from None
            raise
        groups = self._client.admin_list_groups_for_user(UserPoolId=self._pool, Username=sub)["Groups"]
        return _user(raw, tuple(g["GroupName"] for g in groups))

    def set_groups(self, sub: str, wanted: list[str]) -> None:
        current = set(self.get(sub).groups)
        for group in ROLES:
            if group in wanted and group not in current:
                self._client.admin_add_user_to_group(UserPoolId=self._pool, Username=sub, GroupName=group)
            elif group not in wanted and group in current:
                self._client.admin_remove_user_from_group(
                    UserPoolId=self._pool, Username=sub, GroupName=group
                )

    def disable(self, sub: str) -> None:
        self.get(sub)
        self._client.admin_disable_user(UserPoolId=self._pool, Username=sub)
        # Refresh tokens stop working now; an ID token already issued lives out its hour.
        self._client.admin_user_global_sign_out(UserPoolId=self._pool, Username=sub)

    def enable(self, sub: str) -> None:
        self.get(sub)
        self._client.admin_enable_user(UserPoolId=self._pool, Username=sub)

    def list_users(self) -> list[DirectoryUser]:
        members: dict[str, list[str]] = {}
        for group in ROLES:
            for raw in self._paginate("list_users_in_group", "Users", GroupName=group):
                members.setdefault(raw["Username"], []).append(group)
        return [
            _user(raw, tuple(members.get(raw["Username"], ())))
            for raw in self._paginate("list_users", "Users")
        ]

    def _paginate(self, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
        paginator = self._client.get_paginator(operation)
        return [item for page in paginator.paginate(UserPoolId=self._pool, **params) for item in page[key]]
