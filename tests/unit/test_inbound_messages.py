"""Storing a resident's message once, with in-memory fakes for the table, bucket and Twilio's media host."""

from __future__ import annotations

import itertools

import pytest
from inbox.logic.inbound_messages import store_incoming_message
from inbox.models.media import MediaDownloadFailed, MediaTooLarge
from inbox.models.queue_messages import IncomingMedia, IncomingMessage

from tests.unit.fakes import InMemoryArchive, InMemoryInbox, ScriptedMediaSource

AT = "2026-11-24T10:15:00.000000Z"


def incoming(
    sid: str = "SM" + "1" * 32, *, sender: str = "+15555550123", body: str = "hi", media: int = 0
) -> IncomingMessage:
    return IncomingMessage(
        sid=sid,
        account_sid="AC" + "0" * 32,
        from_address=sender,
        to_address="+15555550100",
        body=body,
        media=tuple(
            IncomingMedia(index=i, url=f"https://api.twilio.com/m/{sid}/{i}", content_type="image/jpeg")
            for i in range(media)
        ),
        received_at=AT,
    )


@pytest.fixture
def ids() -> itertools.count[int]:
    return itertools.count()


def store(
    message: IncomingMessage,
    inbox: InMemoryInbox,
    archive: InMemoryArchive,
    source: ScriptedMediaSource,
    ids: itertools.count[int],
):  # type: ignore[no-untyped-def]
    return store_incoming_message(
        message, store=inbox, archive=archive, media_source=source, make_id=lambda: f"id{next(ids)}"
    )


def test_first_message_creates_the_residents_thread(ids: itertools.count[int]) -> None:
    inbox, archive, source = InMemoryInbox(), InMemoryArchive(), ScriptedMediaSource()

    outcome = store(incoming(body="Street light out"), inbox, archive, source, ids)

    assert not outcome.duplicate
    thread = inbox.threads[outcome.thread_id]  # type: ignore[index]
    assert thread["unread"] == 1 and thread["last_message_preview"] == "Street light out"
    assert thread["agency_address"] == "+15555550100"
    [message] = inbox.messages.values()
    assert (message["direction"], message["author"], message["status"], message["twilio_sid"]) == (
        "in",
        "resident",
        "received",
        "SM" + "1" * 32,
    )


def test_later_messages_join_the_same_thread(ids: itertools.count[int]) -> None:
    inbox, archive, source = InMemoryInbox(), InMemoryArchive(), ScriptedMediaSource()

    first = store(incoming("SM1"), inbox, archive, source, ids)
    second = store(incoming("SM2"), inbox, archive, source, ids)
    other = store(incoming("SM3", sender="whatsapp:+15555550124"), inbox, archive, source, ids)

    assert first.thread_id == second.thread_id != other.thread_id
    assert inbox.threads[first.thread_id]["unread"] == 2  # type: ignore[index]
    assert inbox.threads[other.thread_id]["channel"] == "whatsapp"  # type: ignore[index]


def test_a_stored_sid_is_a_duplicate_and_nothing_is_downloaded_again(ids: itertools.count[int]) -> None:
    inbox, archive, source = InMemoryInbox(), InMemoryArchive(), ScriptedMediaSource()
    store(incoming(media=2), inbox, archive, source, ids)

    outcome = store(incoming(media=2), inbox, archive, source, ids)

    assert outcome.duplicate
    assert len(inbox.messages) == 1 and len(source.urls) == 2


def test_a_concurrent_duplicate_losing_the_transaction_is_a_success(ids: itertools.count[int]) -> None:
    inbox = InMemoryInbox(conflict_once=True)

    outcome = store(incoming(), inbox, InMemoryArchive(), ScriptedMediaSource(), ids)

    assert outcome.duplicate and inbox.messages == {}


def test_media_is_copied_under_keys_fixed_by_thread_sid_and_index(ids: itertools.count[int]) -> None:
    inbox, archive, source = InMemoryInbox(), InMemoryArchive(), ScriptedMediaSource()

    outcome = store(incoming("MM1", body="", media=2), inbox, archive, source, ids)

    assert sorted(archive.objects) == [(outcome.thread_id, "MM1", 0), (outcome.thread_id, "MM1", 1)]
    assert archive.objects[(outcome.thread_id, "MM1", 0)].content_type == "image/jpeg"  # as Twilio declared
    [message] = inbox.messages.values()
    assert message["media"] == [
        {"media_id": "MM1-0", "content_type": "image/jpeg"},
        {"media_id": "MM1-1", "content_type": "image/jpeg"},
    ]
    assert inbox.threads[outcome.thread_id]["last_message_preview"] == "[2 attachments]"  # type: ignore[index]


def test_media_already_copied_by_an_earlier_try_is_not_downloaded_again(ids: itertools.count[int]) -> None:
    inbox, archive = InMemoryInbox(), InMemoryArchive()
    failing = ScriptedMediaSource({"https://api.twilio.com/m/MM1/1": MediaDownloadFailed("503")})
    with pytest.raises(MediaDownloadFailed):
        store(incoming("MM1", media=2), inbox, archive, failing, ids)

    retry = ScriptedMediaSource()
    store(incoming("MM1", media=2), inbox, archive, retry, ids)

    assert retry.urls == ["https://api.twilio.com/m/MM1/1"]
    assert len(inbox.messages) == 1


def test_unavailable_media_is_skipped_so_the_message_is_not_lost(ids: itertools.count[int]) -> None:
    inbox, archive = InMemoryInbox(), InMemoryArchive()
    source = ScriptedMediaSource({"https://api.twilio.com/m/MM1/0": MediaTooLarge("too big")})

    outcome = store(incoming("MM1", media=2), inbox, archive, source, ids)

    assert (outcome.media_stored, outcome.media_skipped) == (1, 1)
    [message] = inbox.messages.values()
    assert [m["media_id"] for m in message["media"]] == ["MM1-1"]


def test_transient_download_failure_stores_nothing_and_raises_for_retry(ids: itertools.count[int]) -> None:
    inbox = InMemoryInbox()
    source = ScriptedMediaSource({"https://api.twilio.com/m/MM1/0": MediaDownloadFailed("429")})

    with pytest.raises(MediaDownloadFailed):
        store(incoming("MM1", media=1), inbox, InMemoryArchive(), source, ids)

    assert inbox.messages == {} and inbox.sids == {}
