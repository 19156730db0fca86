"""Web chat photos, pure logic: the type comes from the bytes, the photo is re-encoded from its pixels so that
no metadata (location) survives, garbled files and decompression bombs are refused, and "is anybody there"
is cached."""

from __future__ import annotations

import io
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pydantic import ValidationError
from webchat.dal.uploads import upload_id_of
from webchat.logic.agents_online import AgentsOnline
from webchat.logic.photo_uploads import PhotoRefused, grant_upload
from webchat.logic.photos import MAX_PHOTO_BYTES, NotAPhoto, clean_photo, sniff
from webchat.models.chat import ChatMessageIn, UploadRequest

from tests import photo_samples as samples


def _leaks(content: bytes) -> list[str]:
    found = []
    for name, needle in (
        ("latitude", samples.GPS_LATITUDE),
        ("longitude", samples.GPS_LONGITUDE),
        ("text", samples.SECRET_TEXT),
        ("xmp", b"GPSLatitude"),
    ):
        if needle in content:
            found.append(name)
    return found


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (samples.JPEG, "image/jpeg"),
        (samples.PNG, "image/png"),
        (samples.WEBP, "image/webp"),
        (samples.heic_header(), "image/heic"),
        (samples.DISGUISED_HTML, None),
        (b"GIF89a" + b"\x00" * 20, None),
        (b"", None),
    ],
)
def test_the_type_comes_from_the_first_bytes(content: bytes, expected: str | None) -> None:
    assert sniff(content) == expected


def test_an_avif_is_not_taken_for_a_heic() -> None:
    ftyp = b"ftypavif\x00\x00\x00\x00mif1avif"
    assert sniff(struct.pack(">I", len(ftyp) + 4) + ftyp) is None


@pytest.mark.parametrize(
    ("dirty", "clean_kind"),
    [
        (samples.jpeg_with_location, "image/jpeg"),
        (samples.png_with_location, "image/png"),
        (samples.webp_with_location, "image/webp"),
        (samples.jpeg_with_everything, "image/jpeg"),
        (samples.png_with_everything, "image/png"),
        (samples.webp_with_everything, "image/webp"),
        (samples.heic_with_everything, "image/jpeg"),  # HEIC is stored as JPEG: browsers cannot show it
    ],
)
def test_photos_are_re_encoded_and_no_metadata_survives(dirty, clean_kind) -> None:  # type: ignore[no-untyped-def]
    content = dirty()
    assert _leaks(content) or [m for m in samples.LEAK_MARKERS if m in content]  # the sample carries them
    kind, clean = clean_photo(content)
    assert kind == clean_kind
    assert sniff(clean) == kind
    assert _leaks(clean) == []
    assert [marker for marker in samples.LEAK_MARKERS if marker in clean] == []


def test_a_jpeg_is_turned_upright_and_keeps_no_exif() -> None:
    _, clean = clean_photo(samples.jpeg_with_location(orientation=6))
    image = Image.open(io.BytesIO(clean))
    assert image.size == (32, 48)  # the 48x32 sample, rotated as its Exif said
    assert len(image.getexif()) == 0


@pytest.mark.parametrize(
    "garbled",
    [
        samples.JPEG[:20],  # cut before the scan
        b"\xff\xd8\xff\xe0\xff\xff" + b"\x00" * 40,  # a segment longer than the file
        samples.PNG[:40],  # no IEND
        samples.PNG[:8] + samples.PNG[33:],  # no IHDR first
        samples.WEBP[:4] + struct.pack("<I", 10_000) + samples.WEBP[8:],  # RIFF size past the end
        samples.heic_header(),  # a HEIC's first box and no image
        samples.DISGUISED_HTML,
        samples.PNG[:8] + samples.JPEG,  # a JPEG behind a PNG signature: must decode as what it claims
    ],
)
def test_garbled_or_disguised_files_are_refused(garbled: bytes) -> None:
    with pytest.raises(NotAPhoto, match="type"):
        clean_photo(garbled)


def test_size_and_pixel_limits() -> None:
    with pytest.raises(NotAPhoto, match="size"):
        clean_photo(b"")
    with pytest.raises(NotAPhoto, match="size"):
        clean_photo(samples.JPEG + b"\x00" * MAX_PHOTO_BYTES)
    with pytest.raises(NotAPhoto, match="pixels"):
        clean_photo(samples.png_claiming(10_000, 10_000))  # a 100 MP bomb in under 200 bytes


@settings(max_examples=300)
@given(st.binary(max_size=400), st.sampled_from([b"", b"\xff\xd8\xff", samples.PNG[:16], samples.WEBP[:16]]))
def test_any_bytes_are_either_a_clean_photo_or_refused_never_a_crash(tail: bytes, head: bytes) -> None:
    try:
        kind, clean = clean_photo(head + tail)
    except NotAPhoto:
        return
    assert sniff(clean) == kind


class _Photos:
    def __init__(self) -> None:
        self.granted: list[tuple[str, str, str]] = []

    def presigned_post(self, session_id: str, upload_id: str, content_type: str) -> dict[str, object]:
        self.granted.append((session_id, upload_id, content_type))
        return {"url": "https://bucket.example/", "fields": {"key": f"uploads/{session_id}/{upload_id}"}}


class _Counters:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def increment(self, key: str, expires_at: int) -> int:
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]


def test_an_upload_is_granted_only_for_an_accepted_type_and_size() -> None:
    photos, counters = _Photos(), _Counters()
    request = UploadRequest(content_type="image/HEIF", size=1000)
    granted = grant_upload(photos, counters, "s" * 22, request, source_ip="1.2.3.4", now=0)  # type: ignore[arg-type]
    assert photos.granted == [("s" * 22, granted.upload_id, "image/heic")]
    assert granted.max_bytes == MAX_PHOTO_BYTES
    for content_type, size, reason in (
        ("text/html", 10, "type"),
        ("image/svg+xml", 10, "type"),
        ("image/jpeg", MAX_PHOTO_BYTES + 1, "size"),
    ):
        with pytest.raises(PhotoRefused) as refused:
            grant_upload(  # type: ignore[arg-type]
                photos,
                counters,
                "s" * 22,
                UploadRequest(content_type=content_type, size=size),
                source_ip="1.2.3.4",
                now=0,
            )
        assert refused.value.reason == reason


def test_a_message_may_be_a_photo_alone_but_not_empty() -> None:
    assert ChatMessageIn(client_id="abcdefgh", upload_id="u" * 24).body == ""
    with pytest.raises(ValidationError):
        ChatMessageIn(client_id="abcdefgh")
    with pytest.raises(ValidationError):
        ChatMessageIn(client_id="abcdefgh", upload_id="../../x")


def test_only_webchat_upload_urls_name_an_upload() -> None:
    assert upload_id_of("webchat-upload:" + "a" * 24) == "a" * 24
    for url in ("https://api.twilio.com/x", "webchat-upload:../x", "webchat-upload:", "s3://b/k"):
        assert upload_id_of(url) is None


class _Presence:
    def __init__(self, states: dict[str, str]) -> None:
        self.states = states
        self.reads = 0

    def enabled_staff(self) -> list[str]:
        self.reads += 1
        return list(self.states)

    def presence(self, subs: list[str]) -> dict[str, dict[str, object]]:
        return {sub: {"sub": sub, "presence": self.states[sub]} for sub in subs if sub in self.states}


def test_agents_online_is_one_cached_yes_or_no() -> None:
    now = [0.0]
    presence = _Presence({"a": "away", "b": "offline"})
    online = AgentsOnline(presence, ttl_s=30, clock=lambda: now[0])
    assert online() is False
    presence.states["b"] = "available"
    now[0] = 29.0
    assert online() is False and presence.reads == 1  # cached: a busy site reads the table once per 30 s
    now[0] = 30.0
    assert online() is True and presence.reads == 2


def test_agents_online_assumes_someone_when_presence_cannot_be_read() -> None:
    class Broken:
        def enabled_staff(self) -> list[str]:
            raise RuntimeError("table unavailable")

        def presence(self, subs: list[str]) -> dict[str, dict[str, object]]:
            return {}

    assert AgentsOnline(Broken())() is True
