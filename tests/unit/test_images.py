"""Images re-encoded from their pixels alone: files written by Pillow and pillow-heif the way phones and
editors write them (Exif with GPS, XMP, an ICC profile, comments, an MPF second image, data after the end
marker), and after the re-encode none of it survives, read back by Pillow and searched for in the bytes."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image
from switchboard.images import (
    MAX_PIXELS,
    ImageRefused,
    is_image_type,
    looks_like_image,
    reencode_image,
    stored_type_for,
)

from tests import photo_samples as samples

WITH_EVERYTHING: list[tuple[Callable[[], bytes], str]] = [
    (samples.jpeg_with_everything, "image/jpeg"),
    (samples.png_with_everything, "image/png"),
    (samples.webp_with_everything, "image/webp"),
    (samples.heic_with_everything, "image/jpeg"),  # browsers cannot show HEIC
    (samples.gif_with_comment, "image/gif"),
    (lambda: samples.gif_with_comment(frames=3), "image/gif"),
]


def _opened(content: bytes) -> Any:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return Image.open(io.BytesIO(content))


def _metadata_read_by_pillow(content: bytes) -> dict[str, object]:
    image = _opened(content)
    found: dict[str, object] = {}
    exif = image.getexif()
    if len(exif) or exif.get_ifd(0x8825):
        found["exif"] = dict(exif)
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Comment", "mp", "mpinfo"):
        if image.info.get(key):
            found[key] = image.info[key]
    if getattr(image, "n_frames", 1) > 1 and image.format != "GIF":
        found["second image"] = image.n_frames
    return found


def _markers_in(content: bytes) -> list[bytes]:
    return [marker for marker in samples.LEAK_MARKERS if marker in content]


@pytest.mark.parametrize(("make", "output_type"), WITH_EVERYTHING)
def test_no_metadata_survives_a_re_encode(make: Callable[[], bytes], output_type: str) -> None:
    dirty = make()
    # Given: the sample really carries what must go
    assert _markers_in(dirty) or _metadata_read_by_pillow(dirty)

    clean = reencode_image(dirty)

    assert clean.content_type == output_type
    assert _opened(clean.content).format == {"image/jpeg": "JPEG", "image/png": "PNG"}.get(
        output_type, output_type.split("/")[1].upper()
    )
    assert _metadata_read_by_pillow(clean.content) == {}
    assert _markers_in(clean.content) == []


def test_the_jpeg_sample_carries_every_kind_of_metadata() -> None:
    """The test above is only as good as its sample: Pillow reads each kind back from it."""
    dirty = samples.jpeg_with_everything()
    image = _opened(dirty)
    assert image.getexif().get_ifd(0x8825)[2] == (40.0, 26.0, 46.0)  # GPS latitude
    assert {"xmp", "icc_profile", "comment", "mp"} <= set(image.info)
    image.seek(1)
    assert image.getexif().get_ifd(0x8825)  # the second image's own GPS block
    assert dirty.endswith(samples.TRAILER) and dirty.index(b"\xff\xd9") < dirty.index(samples.TRAILER)


def test_the_exif_orientation_is_applied_to_the_pixels_before_it_is_dropped() -> None:
    # Given a landscape photo (red band on top) a phone held sideways: Orientation 6 = rotate 90° clockwise
    clean = _opened(reencode_image(samples.jpeg_with_everything(orientation=6)).content)

    # Then the stored pixels are portrait, the red band on the right, and nothing asks to rotate them again
    assert clean.size == (32, 48)
    red, green, blue = clean.convert("RGB").getpixel((28, 24))
    assert red > 200 and blue < 60
    assert clean.getexif().get(0x0112) is None


def test_an_upright_photo_keeps_its_pixels() -> None:
    clean = _opened(reencode_image(samples.jpeg_with_everything(orientation=1)).content).convert("RGB")
    assert clean.size == (48, 32)
    assert clean.getpixel((24, 2))[0] > 200  # red band still on top
    assert clean.getpixel((24, 28))[2] > 200  # blue below


def test_transparency_survives_in_png_and_webp() -> None:
    clean = _opened(reencode_image(samples.png_with_everything()).content)
    assert clean.mode == "RGBA"


def test_an_animated_gif_keeps_its_frames() -> None:
    clean = _opened(reencode_image(samples.gif_with_comment(frames=3)).content)
    assert clean.n_frames == 3


@pytest.mark.parametrize(
    "content",
    [
        b"",
        samples.DISGUISED_HTML,
        samples.JPEG[:300],  # cut inside the scan
        samples.PNG[:40],
        samples.heic_header(),  # an ftyp box and nothing else
        b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64,  # a video
    ],
)
def test_what_does_not_decode_is_refused(content: bytes) -> None:
    with pytest.raises(ImageRefused) as refused:
        reencode_image(content)
    assert refused.value.reason == "not_an_image"


@pytest.mark.parametrize(
    "content",
    [
        samples.png_claiming(20_000, 20_000),  # 400 MP: over Pillow's own bomb limit too
        samples.png_claiming(6_000, 5_000),  # 30 MP: under Pillow's, over ours
    ],
)
def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded(content: bytes) -> None:
    assert len(content) < 200
    with pytest.raises(ImageRefused) as refused:
        reencode_image(content)
    assert refused.value.reason == "too_many_pixels"


def test_the_pixel_cap_is_the_documented_one() -> None:
    side = int(MAX_PIXELS**0.5)
    with pytest.raises(ImageRefused, match="too_many_pixels"):
        reencode_image(samples.png_claiming(side + 1, side + 1))
    # At the cap the header passes; this sample's pixel data is too short, so it is then refused as garbled.
    with pytest.raises(ImageRefused, match="not_an_image"):
        reencode_image(samples.png_claiming(side, side))


def test_formats_can_be_restricted() -> None:
    with pytest.raises(ImageRefused, match="not_an_image"):
        reencode_image(samples.png_with_everything(), formats=frozenset({"JPEG"}))


def test_declared_types_and_first_bytes() -> None:
    assert is_image_type("image/JPEG; charset=binary") and is_image_type("image/heic")
    assert not is_image_type("video/mp4") and not is_image_type("image/svg+xml")
    assert stored_type_for("image/heic") == "image/jpeg" and stored_type_for("video/mp4") == "video/mp4"
    assert looks_like_image(samples.JPEG) and looks_like_image(samples.heic_header())
    assert not looks_like_image(samples.DISGUISED_HTML)


def test_a_palette_png_keeps_its_transparency() -> None:
    from PIL import Image

    image = Image.new("P", (8, 8), 0)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.paste(1, (0, 0, 4, 8))
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)

    clean = _opened(reencode_image(out.getvalue()).content).convert("RGBA")
    assert clean.getpixel((6, 4))[3] == 0  # still see-through
    assert clean.getpixel((1, 4)) == (0, 0, 255, 255)
