"""Images from residents, re-encoded so that nothing but the pixels survives.

Editing metadata out of a file by hand misses what the editor does not know about: a JPEG's second image
(MPF) or data after its end marker carries its own Exif and GPS, HEIC keeps them in boxes of its own. So every
image is decoded and a new file is written from the pixels alone: the Exif orientation is applied first (so a
phone photo is not shown sideways), an embedded colour profile is converted to sRGB (so dropping it changes no
colour), and nothing else is copied: no Exif, GPS, XMP, IPTC, ICC, comments, text chunks, second images or
trailers.

Output: JPEG (quality 85) for photos, PNG stays PNG, WebP stays WebP, GIF stays GIF (its frames kept),
HEIC/HEIF becomes JPEG (browsers cannot show it). Pillow and pillow-heif are imported on first use only, so a
function that never sees an image does not pay for them at cold start.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage

# A decompression bomb is a small file that decodes to an enormous bitmap. 25 megapixels covers what phones
# write at their default setting (12 to 24 MP); re-encoding one peaks at ~270 MB (HEIC; a rotated JPEG
# ~215 MB), within the 512 MB of the functions that do it.
MAX_PIXELS = 25_000_000
MAX_FRAMES = 300  # an animated GIF: every frame is decoded
JPEG_QUALITY = 85

_OUTPUT_OF_FORMAT = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",  # a JPEG with a second image (MPF): only the first is kept
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "HEIF": "image/jpeg",
    "BMP": "image/png",
    "TIFF": "image/jpeg",
}
# The declared types this module re-encodes; any other type (video, audio, vCard, PDF) is not an image to it.
IMAGE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/jpg",
        "image/pjpeg",
        "image/png",
        "image/webp",
        "image/gif",
        "image/heic",
        "image/heif",
        "image/bmp",
        "image/tiff",
    }
)


class ImageRefused(ValueError):
    """`reason`: `not_an_image` (undecodable, garbled or of a format not accepted) or `too_many_pixels`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str


def is_image_type(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in IMAGE_TYPES


def looks_like_image(content: bytes) -> bool:
    """The first bytes of a JPEG, PNG, GIF, WebP, TIFF or HEIF/HEIC file (whatever it was declared as)."""
    head = content[:32]
    return (
        head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*"))
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"))
    )


def stored_type_for(content_type: str) -> str:
    """The type an image declared as `content_type` is stored as once re-encoded (for a retry that finds the
    stored copy without decoding it again)."""
    declared = content_type.split(";")[0].strip().lower()
    if declared in ("image/heic", "image/heif", "image/jpg", "image/pjpeg", "image/tiff"):
        return "image/jpeg"
    if declared == "image/bmp":
        return "image/png"
    return declared


def reencode_image(content: bytes, formats: frozenset[str] | None = None) -> CleanImage:
    """A new file holding only `content`'s pixels; ImageRefused if it is not a decodable image (of one of
    `formats`, Pillow's names, when given) or has more than MAX_PIXELS pixels."""
    from PIL import Image

    _register_heif()
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it; a bomb is refused either way.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _reencode(Image.open(io.BytesIO(content), formats=sorted(formats) if formats else None))
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("too_many_pixels") from None
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, KeyError, IndexError, TypeError):
        # Pillow signals a truncated or garbled file with any of these (UnidentifiedImageError is an OSError).
        raise ImageRefused("not_an_image") from None


def _reencode(opened: PilImage) -> CleanImage:
    with opened:
        source_format = opened.format or ""
        if source_format not in _OUTPUT_OF_FORMAT:
            raise ImageRefused("not_an_image")
        # The header alone tells the size: refuse before a single pixel is decoded.
        frames = getattr(opened, "n_frames", 1) if source_format == "GIF" else 1
        width, height = opened.size
        if frames > MAX_FRAMES or width * height * frames > MAX_PIXELS:
            raise ImageRefused("too_many_pixels")
        output_type = _OUTPUT_OF_FORMAT[source_format]
        if source_format == "GIF" and frames > 1:
            return CleanImage(_animated_gif(opened, frames), output_type)
        return CleanImage(_encode(_upright_srgb_pixels(opened), output_type), output_type)


@cache
def _register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


def _upright_srgb_pixels(opened: PilImage) -> PilImage:
    """The decoded pixels, rotated as the Exif orientation says, in sRGB, with an empty `info`. In place where
    Pillow allows it: a 25 MP photo is 75 MB of pixels, and each copy is another 75 MB."""
    from PIL import ImageOps

    opened.load()
    icc = opened.info.get("icc_profile")
    ImageOps.exif_transpose(opened, in_place=True)
    pixels = opened
    if pixels.mode == "P" and "transparency" in pixels.info:
        pixels = pixels.convert("RGBA")  # a palette's transparency lives in `info`, which is emptied below
    if pixels.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        pixels = pixels.convert("RGBA" if "A" in pixels.getbands() else "RGB")
    if icc and pixels.mode in ("RGB", "RGBA"):
        pixels = _to_srgb(pixels, icc)
    pixels.info.clear()
    return pixels


def _to_srgb(image: PilImage, icc: bytes) -> PilImage:
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: the pixels as they are, the profile dropped all the same
    return converted if converted is not None else image


def _encode(pixels: PilImage, output_type: str) -> bytes:
    out = io.BytesIO()
    if output_type == "image/jpeg":
        if pixels.mode not in ("RGB", "L"):
            pixels = _flatten(pixels)
        pixels.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif output_type == "image/png":
        pixels.save(out, "PNG", optimize=True)
    elif output_type == "image/webp":
        pixels.save(out, "WEBP", quality=JPEG_QUALITY)
    else:
        pixels.save(out, "GIF")
    return out.getvalue()


def _flatten(image: PilImage) -> PilImage:
    """A JPEG has no transparency: transparent parts become white, not black."""
    from PIL import Image

    rgba = image.convert("RGBA")
    white = Image.new("RGB", rgba.size, (255, 255, 255))
    white.paste(rgba, mask=rgba.getchannel("A"))
    return white


def _animated_gif(opened: Any, frames: int) -> bytes:
    from PIL import ImageSequence

    copies = []
    durations = []
    for frame in ImageSequence.Iterator(opened):
        durations.append(int(frame.info.get("duration", 100)))
        copy = frame.convert("RGBA")
        copy.info.clear()
        copies.append(copy)
    out = io.BytesIO()
    copies[0].save(
        out, "GIF", save_all=True, append_images=copies[1:frames], duration=durations, loop=0, disposal=2
    )
    return out.getvalue()
