"""Limits on the public routes that make the agency send a text to a number someone typed (the sign-up page's
confirmation; a web chat continued by text): per client address, per number, and a daily cap for the whole
agency. Public forms that send texts are the usual vector of SMS pumping (toll fraud): every text costs the
agency money, and abroad many times more, so the countries texted are an allow-list (docs/architecture.md,
"Public routes that send texts").

Counters are fixed windows in the table (switchboard.rate_windows); the client address and the number are
hashed before they become keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools.metrics import MetricUnit

from switchboard.observability import logger, metrics, redact_address
from switchboard.rate_windows import Counters, TableCounters, WindowLimit, count_use

__all__ = ["PublicTextGuard", "TableCounters", "TooManyTexts", "UnsupportedCountry", "country_prefixes"]

DAY_S = 24 * 3600
TextLimit = WindowLimit

# A household signs up a few phones; a whole office behind one NAT address a few more in an hour.
PER_CLIENT = TextLimit("pubtext-client", 5, 3600)
# Besides the sign-up's one text per 15 minutes: nobody needs more confirmations than this in a day.
PER_NUMBER = TextLimit("pubtext-number", 4, DAY_S)


class TooManyTexts(Exception):
    """A public request over one of the limits: nothing is sent; answer 429 with Retry-After."""

    def __init__(self, limit: TextLimit, retry_after_s: int) -> None:
        super().__init__(f"public text limit {limit.scope} reached")
        self.limit = limit
        self.retry_after_s = retry_after_s


class UnsupportedCountry(ValueError):
    """A number outside the calling codes the agency texts."""


def country_prefixes(calling_codes: str) -> tuple[str, ...]:
    """`"1,44"` (the TEXT_COUNTRY_CODES setting) as E.164 prefixes `("+1", "+44")`."""
    return tuple(f"+{code.strip().lstrip('+')}" for code in calling_codes.split(",") if code.strip())


@dataclass(frozen=True)
class PublicTextGuard:
    counters: Counters
    daily_cap: int  # texts a day for the whole agency through public routes (PUBLIC_TEXTS_PER_DAY)
    allowed_prefixes: tuple[str, ...] = ("+1",)

    def check_country(self, number: str) -> None:
        if not number.startswith(self.allowed_prefixes):
            raise UnsupportedCountry("country not served")

    def admit_client(self, client_address: str, now: int) -> None:
        """Count one request from `client_address` (before anything else is looked at)."""
        self._count(PER_CLIENT, redact_address(client_address), now)

    def admit_text(self, number: str, now: int) -> None:
        """Count one text to `number`, then one for the agency's day; TooManyTexts when either is spent."""
        self._count(PER_NUMBER, redact_address(number), now)
        self._count(TextLimit("pubtext-agency", self.daily_cap, DAY_S), "agency", now)

    def _count(self, limit: TextLimit, subject: str, now: int) -> None:
        over = count_use(self.counters, limit, subject, now)
        if over is not None:
            logger.warning(
                "Public text refused: limit reached", extra={"limit": limit.scope, "count": over.count}
            )
            metrics.add_metric(name="PublicTextRefused", unit=MetricUnit.Count, value=1)
            raise TooManyTexts(limit, over.retry_after_s)
