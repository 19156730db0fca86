"""What an alert will cost, shown in the composer's preview before it is sent (issue 22): per channel, from
list prices (US, late 2026; an agency's contract may differ: the figure is an estimate, labelled so).

A text is billed per segment; with a picture it is one MMS instead (carriers bill an MMS as one message up
to its size limit). A voice alert is billed per started minute (one minute for an alert of a few sentences;
a repeat adds to it). An email through SES is billed per thousand.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

SMS_PER_SEGMENT_USD = 0.0083
MMS_PER_MESSAGE_USD = 0.0220
VOICE_PER_MINUTE_USD = 0.0140
EMAIL_PER_MESSAGE_USD = 0.0001
# A spoken alert: ~150 words a minute; 1,600 characters are about 270 words, two minutes at most.
CHARACTERS_PER_MINUTE = 900


class CostEstimate(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    by_channel: dict[str, float]
    total_usd: float
    image: bool


def estimate_cost(
    residents_by_channel: Mapping[str, int], *, segments: int, characters: int, image: bool
) -> CostEstimate:
    """`segments` and `characters`: of the longest text written (every resident may get that one)."""
    per_text = MMS_PER_MESSAGE_USD if image else SMS_PER_SEGMENT_USD * max(1, segments)
    minutes = 1 + max(0, characters - 1) // CHARACTERS_PER_MINUTE
    prices = {"sms": per_text, "voice": VOICE_PER_MINUTE_USD * minutes, "email": EMAIL_PER_MESSAGE_USD}
    by_channel = {
        channel: round(residents_by_channel.get(channel, 0) * price, 4) for channel, price in prices.items()
    }
    return CostEstimate(by_channel=by_channel, total_usd=round(sum(by_channel.values()), 4), image=image)
