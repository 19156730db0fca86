"""Staff roles: the Cognito groups in a JWT's `cognito:groups` claim, and which routes each may call.

Every staff route names the role it needs; a higher role includes the lower ones (an admin may do what a
supervisor may, a supervisor what an agent may). A user in no staff group may call nothing but /api/me.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

Role = Literal["agent", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("agent", "supervisor", "admin")  # lowest first
_RANK = {role: rank for rank, role in enumerate(ROLES)}


class Forbidden(PermissionError):
    """The caller is signed in but lacks the role a route needs."""


def parse_groups(raw: object) -> list[str]:
    """`cognito:groups` as API Gateway passes it: a list, or a string like "[agent admin]"."""
    if isinstance(raw, list | tuple):
        return [str(group) for group in raw if str(group)]
    if isinstance(raw, str):
        return [group for group in re.split(r"[\s,]+", raw.strip().strip("[]")) if group]
    return []


def highest_role(groups: Iterable[str]) -> Role | None:
    ranked = [role for role in ROLES if role in set(groups)]
    return ranked[-1] if ranked else None


def has_role(groups: Iterable[str], needed: Role) -> bool:
    role = highest_role(groups)
    return role is not None and _RANK[role] >= _RANK[needed]


def require_role(groups: Iterable[str], needed: Role) -> None:
    if not has_role(groups, needed):
        raise Forbidden(f"needs role {needed}")


def groups_from_claims(claims: Mapping[str, Any]) -> list[str]:
    return parse_groups(claims.get("cognito:groups"))
