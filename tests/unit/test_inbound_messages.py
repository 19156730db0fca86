"""Storing a resident's message once, with in-memory fakes for the table, bucket and Twilio's media host."""

from __future__ import annotations

import itertools

import pytest
from inbox.logic.inbound_messages import store_incoming_message
from inbox.models.media import MediaBlob, MediaDownloadFailed, MediaTooLarge
from inbox.models.queue_messages import IncomingMedia, IncomingMessage

from tests import photo_samples as samples
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


def test_images_are_stored_re_encoded_and_other_media_as_they_are(ids: itertools.count[int]) -> None:
    # Given an MMS with a phone's JPEG (GPS and all), a vCard declared as such, and an iPhone HEIC
    three = incoming("MM1", media=3)
    vcard_ref = three.media[1].model_copy(update={"content_type": "text/vcard"})
    message = three.model_copy(update={"media": (three.media[0], vcard_ref, three.media[2])})
    vcard = b"BEGIN:VCARD\nFN:Dana\nNOTE:GPS Exif\nEND:VCARD\n"
    urls = [m.url for m in message.media]
    source = ScriptedMediaSource(
        served={
            urls[1]: MediaBlob(vcard, "text/x-vcard"),
            urls[2]: MediaBlob(samples.heic_with_everything(), "image/heic"),
        }
    )
    inbox, archive = InMemoryInbox(), InMemoryArchive()

    outcome = store(message, inbox, archive, source, ids)

    stored = {index: archive.objects[(outcome.thread_id, "MM1", index)] for index in range(3)}
    # Then the photos hold no metadata, the HEIC is a JPEG, and the vCard is untouched under its declared type
    for index in (0, 2):
        assert stored[index].content_type == "image/jpeg"
        assert stored[index].content.startswith(b"\xff\xd8\xff")
        assert [m for m in samples.LEAK_MARKERS if m in stored[index].content] == []
    assert (stored[1].content, stored[1].content_type) == (vcard, "text/vcard")
    [stored_message] = inbox.messages.values()
    assert [m["content_type"] for m in stored_message["media"]] == ["image/jpeg", "text/vcard", "image/jpeg"]


def test_a_photo_already_re_encoded_by_the_chat_api_is_stored_as_it_is(ids: itertools.count[int]) -> None:
    clean = MediaBlob(b"\xff\xd8\xff already clean", "image/jpeg", reencoded=True)
    message = incoming("MM1", media=1)
    inbox, archive = InMemoryInbox(), InMemoryArchive()

    outcome = store(message, inbox, archive, ScriptedMediaSource(served={message.media[0].url: clean}), ids)

    assert archive.objects[(outcome.thread_id, "MM1", 0)] == clean


@pytest.mark.parametrize(
    "served",
    [
        MediaBlob(samples.JPEG[:300], "image/jpeg"),  # cut short
        MediaBlob(samples.png_claiming(20_000, 20_000), "image/png"),  # a decompression bomb
        MediaBlob(b"<svg onload=alert(1)>", "application/octet-stream"),  # declared image/jpeg, is not one
    ],
)
def test_an_image_that_cannot_be_re_encoded_is_skipped_and_the_message_kept(
    ids: itertools.count[int], served: MediaBlob
) -> None:
    message = incoming("MM1", body="Flooding", media=1)
    inbox, archive = InMemoryInbox(), InMemoryArchive()
    source = ScriptedMediaSource(served={message.media[0].url: served})

    outcome = store(message, inbox, archive, source, ids)

    assert (outcome.media_stored, outcome.media_skipped) == (0, 1)
    assert archive.objects == {} and len(inbox.messages) == 1


def test_transient_download_failure_stores_nothing_and_raises_for_retry(ids: itertools.count[int]) -> None:
    inbox = InMemoryInbox()
    source = ScriptedMediaSource({"https://api.twilio.com/m/MM1/0": MediaDownloadFailed("429")})

    with pytest.raises(MediaDownloadFailed):
        store(incoming("MM1", media=1), inbox, InMemoryArchive(), source, ids)

    assert inbox.messages == {} and inbox.sids == {}
