"""SMS segments: GSM-7 or UCS-2, how many parts a text costs, and which characters forced UCS-2.

Carriers bill and deliver per segment: 160 GSM-7 septets in one segment, 153 per part when split (the rest
carries the concatenation header); one character outside GSM-7 turns the whole text into UCS-2, 70 UTF-16
units alone, 67 per part. Staff see the character to replace (a curly apostrophe pasted from a word processor
is the usual one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# GSM 03.38 basic character set (one septet each) and its extension table (escape + character: two septets).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SegmentCount:
    encoding: Encoding
    segments: int
    characters: int
    forced_by: tuple[str, ...]  # the distinct characters outside GSM-7, in order of appearance


def count_segments(text: str) -> SegmentCount:
    forced_by = tuple(dict.fromkeys(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION))
    if not forced_by:
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, multi = 160, 153
        encoding: Encoding = "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2  # characters beyond the BMP (emoji) take two units
        single, multi = 70, 67
        encoding = "UCS-2"
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = -(-units // multi)
    return SegmentCount(encoding=encoding, segments=segments, characters=len(text), forced_by=forced_by)
