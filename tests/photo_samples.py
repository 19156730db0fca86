"""Real images for the photo tests (made once by chromium's canvas, 48x32, a blue sky over a pale street),
and the metadata a phone adds to them: Exif with GPS coordinates and an orientation, PNG text, WebP
EXIF/XMP."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABh"
    "Y3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAAB"
    "UAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAA"
    "AAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9Y"
    "WVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAM"
    "ZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQ"
    "FxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgo"
    "KCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAgADADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAf/"
    "xAAYEAEAAwEAAAAAAAAAAAAAAAAAF2ak4//EABYBAQEBAAAAAAAAAAAAAAAAAAAFBv/EABkRAQACAwAAAAAAAAAAAAAAAAADURMU"
    "sf/aAAwDAQACEQMRAD8AmQDVs8AAAAt8DWPD0IGseHot4j7Ut8UcEdIhA1jw9CBrHh6LeG1LfDBHSIQNY8PQgax4ei3htS3wwR0/"
    "/9k="
)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAADAAAAAgCAYAAABU1PscAAAAe0lEQVR4AeySwQnAMAzEQvboSh2nO3SNrtLB2hUcxBEMCvjnO7CU"
    "eZz313nmaP48YLdADWgAEvALQYA4rgGMEBZoAALEcQ1ghLBAAxAgjmsAI4QF/Q28zzU6z4IB6DoU94AQ2HKtBsqoQosaCIEt12qg"
    "jCq0qIEQ2HLtDwAA//87Rn1GAAAABklEQVQDAPErtuHZMmh9AAAAAElFTkSuQmCC"
)
WEBP = base64.b64decode(
    "UklGRkICAABXRUJQVlA4WAoAAAAgAAAALwAAHwAASUNDUMgBAAAAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABh"
    "Y3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAAB"
    "UAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAA"
    "AAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9Y"
    "WVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAM"
    "ZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADZWUDggVAAAADAEAJ0BKjAAIAA+ZSiPRaQioRqkAEAG"
    "RKAHg39AkwFv/gbMtSK/gbyhYAD+8ql///iHIp3KbFP/9bMVkSHy/4BExXcYYwfuvnjhL/ej71ZJW4AAAA=="
)

# 40°26'46"N 79°58'56"W as Exif rationals: what must never reach an agent's screen or the bucket.
GPS_LATITUDE = struct.pack(">IIIIII", 40, 1, 26, 1, 46, 1)
GPS_LONGITUDE = struct.pack(">IIIIII", 79, 1, 58, 1, 56, 1)
SECRET_TEXT = b"Home: 12 Elm St"


def exif_tiff(orientation: int = 6) -> bytes:
    """A big-endian TIFF: IFD0 (Orientation, ImageDescription, GPS pointer) and a GPS IFD."""
    ifd0_at = 8
    ifd0_entries = 3
    ifd0_size = 2 + 12 * ifd0_entries + 4
    description_at = ifd0_at + ifd0_size
    gps_at = description_at + len(SECRET_TEXT) + 1
    gps_entries = 4
    gps_size = 2 + 12 * gps_entries + 4
    lat_at = gps_at + gps_size
    lon_at = lat_at + len(GPS_LATITUDE)
    ifd0 = struct.pack(">H", ifd0_entries)
    ifd0 += struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
    ifd0 += struct.pack(">HHII", 0x010E, 2, len(SECRET_TEXT) + 1, description_at)
    ifd0 += struct.pack(">HHII", 0x8825, 4, 1, gps_at)
    ifd0 += struct.pack(">I", 0)
    gps = struct.pack(">H", gps_entries)
    gps += struct.pack(">HHI4s", 1, 2, 2, b"N\x00\x00\x00")
    gps += struct.pack(">HHII", 2, 5, 3, lat_at)
    gps += struct.pack(">HHI4s", 3, 2, 2, b"W\x00\x00\x00")
    gps += struct.pack(">HHII", 4, 5, 3, lon_at)
    gps += struct.pack(">I", 0)
    return (
        b"MM\x00\x2a"
        + struct.pack(">I", ifd0_at)
        + ifd0
        + SECRET_TEXT
        + b"\x00"
        + gps
        + GPS_LATITUDE
        + GPS_LONGITUDE
    )


def jpeg_with_location(orientation: int = 6) -> bytes:
    """JPEG with an Exif APP1 (orientation, GPS, description), an XMP APP1 and a comment, like a phone's."""
    exif = b"Exif\x00\x00" + exif_tiff(orientation)
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><exif:GPSLatitude>40,26.77N</exif:GPSLatitude></x:xmpmeta>"
    comment = b"taken at " + SECRET_TEXT
    segments = b"".join(
        marker + struct.pack(">H", len(payload) + 2) + payload
        for marker, payload in ((b"\xff\xe1", exif), (b"\xff\xe1", xmp), (b"\xff\xfe", comment))
    )
    return JPEG[:2] + segments + JPEG[2:]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_location() -> bytes:
    after_ihdr = 8 + 25
    extra = _png_chunk(b"eXIf", exif_tiff()) + _png_chunk(b"tEXt", b"Comment\x00" + SECRET_TEXT)
    return PNG[:after_ihdr] + extra + PNG[after_ihdr:]


def webp_with_location() -> bytes:
    chunks = WEBP[12:]
    vp8x = bytearray(chunks[:18])
    vp8x[8] |= 0x0C  # EXIF and XMP present
    exif = exif_tiff()
    xmp = b"<x:xmpmeta>" + SECRET_TEXT + b"</x:xmpmeta>"
    body = bytes(vp8x) + chunks[18:]
    for fourcc, data in ((b"EXIF", exif), (b"XMP ", xmp)):
        body += fourcc + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) & 1 else b"")
    body = b"WEBP" + body
    return b"RIFF" + struct.pack("<I", len(body)) + body


def heic_header() -> bytes:
    """The first box of an iPhone HEIC (ftyp, brand heic, compatible mif1/heic) and some bytes after it."""
    ftyp = b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + b"\x00\x00\x00\x08free" * 4


# An HTML page named photo.jpg: what a client that lies about the type would upload.
DISGUISED_HTML = b"<!doctype html><script>alert(document.cookie)</script>" + b" " * 200


# --- Files written by Pillow (and pillow-heif), the way cameras and editors write them --------------------
# Every kind of metadata a photo can carry, each with a marker the tests look for in the re-encoded bytes.
COMMENT = "taken at 12 Elm St"
XMP_PACKET = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    b'exif:GPSLatitude="40,26.77N"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
TRAILER = b"Exif\x00\x00GPS 40.4461N 79.9822W " + SECRET_TEXT
LEAK_MARKERS = (b"Exif", b"GPS", b"http://ns.adobe.com/xap", COMMENT.encode(), SECRET_TEXT, b"acsp")


def pillow_image(size: tuple[int, int] = (48, 32), mode: str = "RGB") -> Any:
    """A picture with a distinct top edge: red above, blue below, so a rotation is visible in the pixels."""
    from PIL import Image

    image = Image.new(mode, size, "blue")
    image.paste("red", (0, 0, size[0], size[1] // 4))
    return image


def pillow_exif(orientation: int = 1) -> Any:
    """Exif as a phone writes it: orientation, a description, the camera, and a GPS block."""
    from PIL import Image
    from PIL.ExifTags import GPS, IFD, Base

    exif = Image.Exif()
    exif[Base.Orientation] = orientation
    exif[Base.ImageDescription] = SECRET_TEXT.decode()
    exif[Base.Make] = "PhoneMaker"
    exif.get_ifd(IFD.GPSInfo).update(
        {
            GPS.GPSLatitudeRef: "N",
            GPS.GPSLatitude: (40.0, 26.0, 46.0),
            GPS.GPSLongitudeRef: "W",
            GPS.GPSLongitude: (79.0, 58.0, 56.0),
        }
    )
    return exif


def icc_profile() -> bytes:
    """An ICC profile (littleCMS's sRGB); every ICC file carries the signature `acsp` in its header."""
    from PIL import ImageCms

    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def _saved(image: Any, kind: str, **options: Any) -> bytes:
    import io

    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def jpeg_with_everything(orientation: int = 6) -> bytes:
    """JPEG with Exif + GPS, XMP, an ICC profile, a comment, an MPF second image carrying its own Exif and
    GPS, and bytes after the end marker: everything a re-encode must drop."""
    first = pillow_image()
    second = pillow_image((24, 16))
    exif = pillow_exif(orientation)
    mpo = _saved(
        first,
        "MPO",
        save_all=True,
        append_images=[second],
        exif=exif,
        xmp=XMP_PACKET,
        icc_profile=icc_profile(),
        comment=COMMENT,
    )
    return mpo + TRAILER


def png_with_everything() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Comment", COMMENT)
    text.add_itxt("XML:com.adobe.xmp", XMP_PACKET.decode(), zip=False)
    image = _saved(
        pillow_image(mode="RGBA"), "PNG", pnginfo=text, exif=pillow_exif(1), icc_profile=icc_profile()
    )
    return image + TRAILER


def webp_with_everything() -> bytes:
    return _saved(pillow_image(), "WEBP", exif=pillow_exif(1), xmp=XMP_PACKET, icc_profile=icc_profile())


def heic_with_everything(orientation: int = 6) -> bytes:
    """An iPhone-style HEIC (pillow-heif's x265 encoder) with Exif + GPS, XMP and an ICC profile."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    return _saved(
        pillow_image(),
        "HEIF",
        exif=pillow_exif(orientation),
        xmp=XMP_PACKET,
        icc_profile=icc_profile(),
        quality=90,
    )


def gif_with_comment(frames: int = 1) -> bytes:
    first = pillow_image().convert("P")
    rest = [pillow_image().rotate(90 * n, expand=False).convert("P") for n in range(1, frames)]
    return _saved(
        first, "GIF", save_all=frames > 1, append_images=rest, comment=COMMENT, duration=200, loop=0
    )


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decompression bomb's header."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return PNG[:8] + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")
