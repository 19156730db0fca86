""" "Is anybody there" on moto: the widget learns whether any agent is available (not who), from routing's
presence items, and the answer is cached so polling widgets do not read the table each time."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_webchat_api import call, chat_event


def staff(aws: Aws, sub: str, email: str, presence: str | None) -> None:
    aws.table.put_item(
        Item={
            "pk": f"STAFF#{sub}",
            "sk": "PROFILE",
            "sub": sub,
            "email": email,
            "enabled": True,
            "gsi1pk": "STAFF",
            "gsi1sk": email,
        }
    )
    if presence:
        aws.table.put_item(Item={"pk": f"STAFF#{sub}", "sk": "PRESENCE", "sub": sub, "presence": presence})


def test_the_widget_hears_whether_an_agent_is_online_never_who(
    aws: Aws, webchat_api: Any, context: LambdaContext
) -> None:
    staff(aws, "sub-dana", "dana@county.example", "away")
    staff(aws, "sub-sam", "sam@county.example", None)
    status, _, started = call(webchat_api, context, chat_event("POST", "/chat/sessions", {}))
    assert status == 201
    assert started["availability"]["agents_online"] is False
    assert started["availability"]["open"] is True  # business hours say open; nobody is on duty
    token = started["token"]

    # Sam goes available: the cached answer holds until it expires, then the widget hears it
    staff(aws, "sub-sam", "sam@county.example", "available")
    online = webchat_api.dependencies().agents_online
    reads = online.reads
    _, _, updates = call(webchat_api, context, chat_event("GET", "/chat/messages", token=token))
    assert updates["availability"]["agents_online"] is False and online.reads == reads
    online._until = 0.0  # the 30 s are up
    _, _, updates = call(webchat_api, context, chat_event("GET", "/chat/messages", token=token))
    assert updates["availability"]["agents_online"] is True and online.reads == reads + 1
    text = str(updates)
    assert "sam" not in text and "sub-" not in text  # no identity reaches the public
