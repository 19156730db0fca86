"""The languages residents may choose (sign-up page, subscriber import, alert texts), as ISO 639-1 codes."""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "es", "zh", "vi", "tl", "ko", "ar", "ru", "fr", "ht"]
