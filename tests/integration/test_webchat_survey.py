"""The feedback survey in the web chat (issue 18 item 1): after staff close the chat, the widget's poll says a
survey is open (it shows the 1-5 choice), the resident's pick goes in as an ordinary chat message, and it
is stored as a rating without reopening the conversation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from feedback.dal.feedback_table import FeedbackTable
from switchboard import i18n

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event
from tests.integration.test_webchat_api import CLAIMS, call, chat_event, start


def daytime_zone() -> str:
    """A fixed-offset zone where it is now about noon: the close is outside quiet hours whenever this runs."""
    offset = 12 - datetime.now(UTC).hour
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


def test_the_widget_offers_the_survey_after_a_close_and_the_pick_is_a_rating(
    aws: Aws,
    webchat_api: Any,
    inbound_consumer: Any,
    agent_api: Any,
    context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGENCY_TIME_ZONE", daytime_zone())
    token = start(webchat_api, context)
    message = {"body": "Is the clinic open on Saturday?", "client_id": "c-0001-abcdef"}
    assert call(webchat_api, context, chat_event("POST", "/chat/messages", message, token))[0] == 202
    assert inbound_consumer.handler(aws.sqs_event("InboundQueue"), context) == {"batchItemFailures": []}
    [thread] = [i for i in aws.items() if i["sk"] == "META"]
    updates = call(webchat_api, context, chat_event("GET", "/chat/messages", token=token))[2]
    assert updates["survey_open"] is False

    close = api_event("POST", f"/api/threads/{thread['thread_id']}/close", body={}, claims=CLAIMS)
    assert agent_api.handler(close, context)["statusCode"] == 200

    updates = call(webchat_api, context, chat_event("GET", "/chat/messages", token=token))[2]
    assert updates["survey_open"] is True
    survey = i18n.say("feedback.survey", "en", agency="Switchboard")
    assert [m["body"] for m in updates["messages"] if m["direction"] == "out"] == [survey]

    closed = aws.table.get_item(Key={"pk": thread["pk"], "sk": "META"})["Item"]
    # The widget sends the pick as the resident's message
    pick = {"body": "4", "client_id": "c-0002-abcdef"}
    assert call(webchat_api, context, chat_event("POST", "/chat/messages", pick, token))[0] == 202
    assert inbound_consumer.handler(aws.sqs_event("InboundQueue"), context) == {"batchItemFailures": []}

    day = datetime.now(UTC).date().isoformat()
    [rating] = FeedbackTable(aws.table).ratings([day])
    assert (rating["rating"], rating["channel"], rating["thread_id"]) == (4, "webchat", thread["thread_id"])
    stored = aws.table.get_item(Key={"pk": thread["pk"], "sk": "META"})["Item"]
    # Not reopened, nobody waits any longer than before, nothing new unread
    assert stored["status"] == "closed" and stored["closed_at"] == closed["closed_at"]
    assert stored.get("waiting_since") == closed.get("waiting_since")
    assert stored["unread"] == closed["unread"]
    updates = call(webchat_api, context, chat_event("GET", "/chat/messages", token=token))[2]
    assert updates["survey_open"] is False
