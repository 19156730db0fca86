"""Roles: a higher role includes the lower ones; a user in no staff group has none."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from switchboard.roles import ROLES, Forbidden, has_role, highest_role, parse_groups, require_role


@pytest.mark.parametrize(
    ("groups", "allowed"),
    [
        ([], set()),
        (["agent"], {"agent"}),
        (["supervisor"], {"agent", "supervisor"}),
        (["admin"], {"agent", "supervisor", "admin"}),
        (["agent", "admin"], {"agent", "supervisor", "admin"}),
        (["Admin", "root", "supervisors"], set()),  # exact names only
    ],
)
def test_a_role_allows_itself_and_what_is_below(groups: list[str], allowed: set[str]) -> None:
    assert {role for role in ROLES if has_role(groups, role)} == allowed


def test_require_role_raises_forbidden() -> None:
    require_role(["supervisor"], "agent")
    with pytest.raises(Forbidden):
        require_role(["agent"], "supervisor")
    with pytest.raises(Forbidden):
        require_role([], "agent")


def test_api_gateway_passes_groups_as_a_bracketed_string() -> None:
    assert parse_groups("[agent supervisor]") == ["agent", "supervisor"]
    assert highest_role(parse_groups("[agent supervisor]")) == "supervisor"
    assert parse_groups(None) == []


@given(st.lists(st.text(max_size=12), max_size=5))
def test_unknown_group_names_never_grant_anything(groups: list[str]) -> None:
    groups = [g for g in groups if g not in ROLES]
    assert highest_role(groups) is None and not has_role(groups, "agent")
