"""The agent's inbox with in-memory fakes: identity from claims, opening, replying, media."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from inbox.logic.agent_inbox import agent_from_claims, open_thread, parse_groups, read_media, reply_to_thread
from inbox.models.conversations import Agent, Message
from inbox.models.errors import MediaNotFound, NotAuthenticated, ResidentOptedOut, ThreadNotFound
from inbox.models.media import MediaBlob
from inbox.models.records import ThreadActivity
from switchboard.phone import parse_address

from tests.unit.fakes import InMemoryArchive, InMemoryInbox, InMemoryReplyQueue

AGENT = Agent(sub="agent-1", email="a@example.org", groups=["agent"])


def inbox_with_thread(unread: int = 2) -> InMemoryInbox:
    inbox = InMemoryInbox()
    for i in range(unread):
        message = Message(
            message_id=f"m{i}",
            thread_id="t1",
            direction="in",
            body=f"message {i}",
            status="received",
            created_at=f"2026-11-24T10:1{i}:00.000000Z",
            author="resident",
            twilio_sid=f"SM{i}",
        )
        activity = ThreadActivity("t1", parse_address("+15555550123"), message.created_at, message.body, "in")
        inbox.store_inbound(message, activity, f"SM{i}")
    return inbox


@pytest.mark.parametrize(
    "raw, groups",
    [
        ("[agent admin]", ["agent", "admin"]),
        ("[agent]", ["agent"]),
        ("agent,supervisor", ["agent", "supervisor"]),
        (["admin"], ["admin"]),
        ("[]", []),
        ("", []),
        (None, []),
    ],
)
def test_groups_claim_in_every_shape_api_gateway_sends(raw: object, groups: list[str]) -> None:
    assert parse_groups(raw) == groups


@given(st.lists(st.from_regex(r"[a-z][a-z0-9_-]{0,15}", fullmatch=True), max_size=5))
def test_groups_flattened_by_api_gateway_come_back_whole(groups: list[str]) -> None:
    assert parse_groups("[" + " ".join(groups) + "]") == groups


def test_agent_comes_from_the_claims_and_needs_a_subject() -> None:
    claims = {"sub": "s1", "email": "e@example.org", "cognito:groups": "[agent]"}

    assert agent_from_claims(claims) == Agent(sub="s1", email="e@example.org", groups=["agent"])
    with pytest.raises(NotAuthenticated):
        agent_from_claims({"email": "e@example.org"})


def test_opening_a_thread_lists_oldest_first_and_marks_it_read() -> None:
    inbox = inbox_with_thread()

    detail = open_thread(inbox, "t1", 50, None)

    assert [m.body for m in detail.messages] == ["message 0", "message 1"]
    assert detail.thread.unread == 0 and inbox.threads["t1"]["unread"] == 0


@pytest.mark.parametrize("thread_id", ["nope", "../t1", ""])
def test_unknown_or_malformed_thread_is_not_found(thread_id: str) -> None:
    with pytest.raises(ThreadNotFound):
        open_thread(inbox_with_thread(), thread_id, 50, None)
    with pytest.raises(ThreadNotFound):
        reply_to_thread(
            InMemoryInbox(), InMemoryReplyQueue(), thread_id=thread_id or "x", body="hi", agent=AGENT
        )


def test_reply_is_stored_accepted_then_queued() -> None:
    inbox, queue = inbox_with_thread(), InMemoryReplyQueue()

    message = reply_to_thread(
        inbox,
        queue,
        thread_id="t1",
        body="On our way",
        agent=AGENT,
        now=lambda: "2026-11-24T11:00:00.000000Z",
        make_id=lambda: "r1",
    )

    assert (message.status, message.author, message.direction) == ("accepted", "agent-1", "out")
    assert queue.jobs == [("t1", "r1", "MSG#2026-11-24T11:00:00.000000Z#r1")]
    thread = inbox.threads["t1"]
    assert (thread["last_direction"], thread["last_message_preview"], thread["unread"]) == (
        "out",
        "On our way",
        0,
    )


def test_media_types_a_browser_could_run_are_served_as_downloads() -> None:
    archive = InMemoryArchive()
    archive.put("t1", "MM1", 0, MediaBlob(b"img", "image/JPEG"))
    archive.put("t1", "MM1", 1, MediaBlob(b"<svg onload=alert(1)>", "image/svg+xml"))
    archive.put("t1", "MM1", 2, MediaBlob(b"<html>", "text/html; charset=utf-8"))

    assert read_media(archive, "t1", "MM1-0").content_type == "image/jpeg"
    assert read_media(archive, "t1", "MM1-1").content_type == "application/octet-stream"
    assert read_media(archive, "t1", "MM1-2").content_type == "application/octet-stream"


@pytest.mark.parametrize("media_id", ["MM1-9", "MM1", "../x-0", "MM1-0/../../y"])
def test_unknown_or_malformed_media_is_not_found(media_id: str) -> None:
    archive = InMemoryArchive()
    archive.put("t1", "MM1", 0, MediaBlob(b"img", "image/png"))

    with pytest.raises(MediaNotFound):
        read_media(archive, "t1", media_id)


@pytest.mark.parametrize("opted_out_address", ["+15555550123", "+15555550999"], ids=["resident", "text-to"])
def test_a_reply_to_a_resident_opted_out_of_everything_is_refused_and_nothing_is_stored(
    opted_out_address: str,
) -> None:
    # Given a thread whose resident (or the phone a web chat continues to) texted STOP
    inbox, queue = inbox_with_thread(), InMemoryReplyQueue()
    inbox.threads["t1"]["text_to"] = "+15555550999"
    before = dict(inbox.messages)

    with pytest.raises(ResidentOptedOut):
        reply_to_thread(
            inbox,
            queue,
            thread_id="t1",
            body="On our way",
            agent=AGENT,
            opted_out=lambda address: address == opted_out_address,
        )

    assert queue.jobs == [] and inbox.messages == before
    # Someone else's STOP changes nothing for this thread
    reply_to_thread(inbox, queue, thread_id="t1", body="On our way", agent=AGENT, opted_out=lambda a: False)
    assert len(queue.jobs) == 1
