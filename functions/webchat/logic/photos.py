"""Photos a resident attaches in the web chat: what is accepted, what the bytes really are, and the metadata
removed before an agent sees them.

The client's declared type is never trusted: the type is read from the file's first bytes (and, for JPEG, PNG
and WebP, from a walk of the whole container structure, which also refuses truncated or garbled files).
Metadata is removed without decoding pixels (no image library parses resident input here): JPEG APP1 (Exif,
XMP), APP13 (IPTC) and comment segments, PNG text and eXIf chunks, WebP EXIF and XMP chunks. A JPEG's
orientation survives as a minimal Exif block holding only that tag, so a phone photo is not shown sideways.
HEIC keeps its metadata (location included): removing it needs an ISO-BMFF rewriter no served library offers
without re-encoding; docs/decisions.md says so.
"""

from __future__ import annotations

import struct

# The agent page fetches media through the API (docs/decisions.md 8): a Lambda response is at most 6 MB,
# base64 adds a third, so 4 MiB is the largest photo an agent can open.
MAX_PHOTO_BYTES = 4 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DROPPED = {b"eXIf", b"tEXt", b"zTXt", b"iTXt"}
_WEBP_DROPPED = {b"EXIF", b"XMP "}
_JPEG_DROPPED = {0xE1, 0xED, 0xFE}  # APP1 (Exif, XMP), APP13 (IPTC), COM
_ORIENTATION_TAG = 0x0112


class NotAPhoto(ValueError):
    """The bytes are not an image of an accepted type (or are garbled): the upload is refused."""


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
    """(type, bytes without location metadata); NotAPhoto if the bytes are no accepted image."""
    if not 0 < len(content) <= MAX_PHOTO_BYTES:
        raise NotAPhoto("size")
    kind = sniff(content)
    if kind == "image/jpeg":
        return kind, _clean_jpeg(content)
    if kind == "image/png":
        return kind, _clean_png(content)
    if kind == "image/webp":
        return kind, _clean_webp(content)
    if kind == "image/heic":
        return kind, content
    raise NotAPhoto("type")


# --- JPEG ---------------------------------------------------------------------------------------------------


def _clean_jpeg(content: bytes) -> bytes:
    kept = [b"\xff\xd8"]
    orientation = 1
    at = 2
    while True:
        if at + 4 > len(content) or content[at] != 0xFF:
            raise NotAPhoto("jpeg structure")
        marker = content[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xD9 or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            raise NotAPhoto("jpeg structure")  # image data before any scan
        length = struct.unpack(">H", content[at + 2 : at + 4])[0]
        end = at + 2 + length
        if length < 2 or end > len(content):
            raise NotAPhoto("jpeg structure")
        segment = content[at:end]
        if marker == 0xDA:  # start of scan: the rest is image data, kept as it is
            kept.append(content[at:])
            break
        if marker == 0xE1 and segment[4:10] == b"Exif\x00\x00":
            orientation = _exif_orientation(segment[10:]) or orientation
        if marker not in _JPEG_DROPPED:
            kept.append(segment)
        at = end
    if orientation != 1:
        kept.insert(1, _orientation_segment(orientation))
    return b"".join(kept)


def _exif_orientation(tiff: bytes) -> int | None:
    """The Orientation tag of IFD0, or None if absent or unreadable."""
    try:
        order = {b"II": "<", b"MM": ">"}[tiff[:2]]
        ifd = struct.unpack(order + "I", tiff[4:8])[0]
        count = struct.unpack(order + "H", tiff[ifd : ifd + 2])[0]
        for index in range(min(count, 200)):
            entry = ifd + 2 + 12 * index
            tag, kind = struct.unpack(order + "HH", tiff[entry : entry + 4])
            if tag == _ORIENTATION_TAG and kind == 3:
                value = struct.unpack(order + "H", tiff[entry + 8 : entry + 10])[0]
                return value if 1 <= value <= 8 else None
    except (KeyError, struct.error):
        return None
    return None


def _orientation_segment(orientation: int) -> bytes:
    """An APP1 Exif segment holding only IFD0's Orientation (big-endian TIFF, one entry, no next IFD)."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    tiff += struct.pack(">H", 1) + struct.pack(">HHIHH", _ORIENTATION_TAG, 3, 1, orientation, 0)
    tiff += struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


# --- PNG ----------------------------------------------------------------------------------------------------


def _clean_png(content: bytes) -> bytes:
    kept = [_PNG_SIGNATURE]
    at = len(_PNG_SIGNATURE)
    first = True
    while True:
        if at + 12 > len(content):
            raise NotAPhoto("png structure")
        length = struct.unpack(">I", content[at : at + 4])[0]
        kind = content[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(content) or (first and kind != b"IHDR"):
            raise NotAPhoto("png structure")
        first = False
        if kind not in _PNG_DROPPED:
            kept.append(content[at:end])
        at = end
        if kind == b"IEND":
            return b"".join(kept)


# --- WebP ---------------------------------------------------------------------------------------------------


def _clean_webp(content: bytes) -> bytes:
    riff_size = struct.unpack("<I", content[4:8])[0]
    if riff_size + 8 > len(content) or riff_size < 4:
        raise NotAPhoto("webp structure")
    chunks: list[bytes] = []
    at = 12
    end_of_riff = 8 + riff_size
    while at < end_of_riff:
        if at + 8 > end_of_riff:
            raise NotAPhoto("webp structure")
        fourcc = content[at : at + 4]
        size = struct.unpack("<I", content[at + 4 : at + 8])[0]
        end = at + 8 + size + (size & 1)
        if end > end_of_riff + (size & 1):
            raise NotAPhoto("webp structure")
        chunk = content[at:end]
        if fourcc == b"VP8X" and size >= 10:
            # Flags byte: bit 3 = EXIF present, bit 2 = XMP present.
            chunk = chunk[:8] + bytes([chunk[8] & ~0x0C & 0xFF]) + chunk[9:]
        if fourcc not in _WEBP_DROPPED:
            chunks.append(chunk)
        at = end
    if not chunks:
        raise NotAPhoto("webp structure")
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body
