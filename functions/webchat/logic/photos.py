"""Photos a resident attaches in the web chat: what is accepted, what the bytes really are, and the file an
agent sees, re-encoded from the pixels so that no metadata survives.

The client's declared type is never trusted: the type is read from the file's first bytes, and the file must
then decode as that kind of image. `switchboard.images` writes a new file from the pixels alone (Exif
orientation applied, colours converted to sRGB): no Exif or GPS, XMP, ICC, comments, second images (MPF) or
data after the end marker survive. HEIC becomes JPEG, which every browser shows.
"""

from __future__ import annotations

import struct

from switchboard.images import ImageRefused, reencode_image

# The agent page fetches media through the API (docs/decisions.md 8): a Lambda response is at most 6 MB,
# base64 adds a third, so 4 MiB is the largest photo an agent can open.
MAX_PHOTO_BYTES = 4 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Pillow's names for the format each sniffed type must decode as (its JPEG opener also reads MPO files).
_DECODERS = {
    "image/jpeg": frozenset({"JPEG"}),
    "image/png": frozenset({"PNG"}),
    "image/webp": frozenset({"WEBP"}),
    "image/heic": frozenset({"HEIF"}),
}


class NotAPhoto(ValueError):
    """The bytes are not an image of an accepted type (`type`), are empty or too large (`size`), or decode to
    more pixels than allowed (`pixels`): the upload is refused."""


def sniff(content: bytes) -> str | None:
    """The accepted type the first bytes prove, or None."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(_PNG_SIGNATURE):
        return "image/png"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if len(content) >= 12 and content[4:8] == b"ftyp":
        box_size = struct.unpack(">I", content[:4])[0]
        brands = {content[8:12]}
        brands.update(content[i : i + 4] for i in range(16, min(box_size, len(content), 64) - 3, 4))
        if brands & _HEIC_BRANDS:
            return "image/heic"
    return None


def clean_photo(content: bytes) -> tuple[str, bytes]:
    """(type, the photo re-encoded from its pixels alone); NotAPhoto if the bytes are no accepted image."""
    if not 0 < len(content) <= MAX_PHOTO_BYTES:
        raise NotAPhoto("size")
    kind = sniff(content)
    if kind is None:
        raise NotAPhoto("type")
    try:
        clean = reencode_image(content, formats=_DECODERS[kind])
    except ImageRefused as refused:
        raise NotAPhoto("pixels" if refused.reason == "too_many_pixels" else "type") from None
    return clean.content_type, clean.content
