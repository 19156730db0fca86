"""Machine translation between residents and staff: the one contract every part builds against (issue 20).

- `Translator.translate(text, source, target) -> Translation` (the text, the detected source language, the
  provider, and whether the provider marked itself a stand-in), raising `TranslationUnavailable` with a
  reason (`throttled`, `failed`, `cap_reached`, `turned_off`) when nothing usable came back: the caller keeps
  and delivers the original, marks it "not translated" and tries again later. Never raises anything else for
  a provider's trouble.
- `detect(text) -> str | None`: the text's language, offline (py3langid), or None when the text is too short
  or too unsure to tell.
- `AmazonTranslate`: the real one, over boto3's `translate` client (TranslateText). The client is built by
  the caller like every other boto3 client; locally the stack points `AWS_ENDPOINT_URL_TRANSLATE` at its
  Translate-compatible stand-in, which answers with the header `x-switchboard-stand-in` and a visible
  "[stand-in xx→yy]" mark in the text, so nothing it says passes for a real translation.

A text shorter than `SHORT_TEXT_CHARS` ("sí", "ok", "5") is never sent for translation: machines do badly on
it and staff read it at a glance.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, Protocol

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

SHORT_TEXT_CHARS = 20
STAND_IN_HEADER = "x-switchboard-stand-in"
# Amazon Translate takes at most 10,000 bytes of UTF-8 per TranslateText call; a text message is far shorter.
MAX_TEXT_BYTES = 10_000
# Fail fast: a resident's message is stored and shown before translation, so waiting buys nothing.
CLIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 1, "mode": "standard"}
)

Reason = Literal["throttled", "failed", "cap_reached", "turned_off", "too_long"]
THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "LimitExceededException",
        "ServiceUnavailableException",
    }
)


@dataclass(frozen=True)
class Translation:
    text: str
    source: str  # the language the text was read as (detected when the caller gave none)
    target: str
    provider: str
    marked_stand_in: bool = False


class TranslationUnavailable(RuntimeError):
    """No translation this time; `reason` says why (never the text)."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"translation unavailable: {reason}" + (f" ({detail})" if detail else ""))
        self.reason: Reason = reason


class Translator(Protocol):
    def translate(self, text: str, source: str | None, target: str) -> Translation: ...


def base_language(code: str | None) -> str | None:
    """'es-MX' -> 'es', 'ZH_tw' -> 'zh'; None or junk -> None."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if re.fullmatch(r"[a-z]{2,3}", base) else None


def is_short(text: str) -> bool:
    """Too short to be worth translating ("sí", "ok", "5", "gracias!")."""
    return len(text.strip()) < SHORT_TEXT_CHARS


def billable_chars(text: str) -> int:
    """What Amazon Translate counts: characters, spaces included."""
    return len(text)


# --- language detection ----------------------------------------------------------------------------------

# Detection is restricted to the languages a US agency hears most often (and the catalogs' languages): an
# unrestricted classifier calls short English "lb" or "la" now and then.
DETECTABLE = ("en", "es", "zh", "vi", "tl", "ko", "ar", "ru", "fr", "ht", "pt", "de", "it", "ja", "hi", "so")
MIN_DETECT_CHARS = 12
MIN_CONFIDENCE = 0.6


_LOADING = threading.Lock()


@cache
def _loaded_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([lang for lang in DETECTABLE if lang in identifier.labels])
    return identifier


def _identifier() -> Any:
    with _LOADING:  # one load, however many threads ask first
        return _loaded_identifier()


def warm_detector() -> None:
    """Load the detector's model (a 4.5 MB xz file: 0.5 to 2 s) in a background thread, so that the first
    message that needs detection does not wait for all of it. Called when a function builds its pipeline."""
    threading.Thread(target=_identifier, name="warm-language-detector", daemon=True).start()


def detect(text: str) -> str | None:
    """The text's language (ISO 639-1), offline; None when too short or unsure."""
    letters = "".join(ch for ch in text if unicodedata.category(ch).startswith("L"))
    if len(letters) < MIN_DETECT_CHARS and not any(ord(ch) > 0x2E80 for ch in letters):
        return None
    language, confidence = _identifier().classify(text)
    return str(language) if float(confidence) >= MIN_CONFIDENCE else None


# --- Amazon Translate -------------------------------------------------------------------------------------


class AmazonTranslate:
    """TranslateText over a boto3 `translate` client (built with `CLIENT_CONFIG`)."""

    provider = "amazon-translate"

    def __init__(self, client: Any) -> None:
        self._client = client

    def translate(self, text: str, source: str | None, target: str) -> Translation:
        if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
            raise TranslationUnavailable("too_long")
        try:
            answer = self._client.translate_text(
                Text=text, SourceLanguageCode=source or "auto", TargetLanguageCode=target
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            reason: Reason = "throttled" if code in THROTTLING_CODES or status == 429 else "failed"
            raise TranslationUnavailable(reason, code) from error
        except BotoCoreError as error:  # timeouts, refused connections, unreadable answers
            raise TranslationUnavailable("failed", type(error).__name__) from error
        headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        stand_in = STAND_IN_HEADER in {str(name).lower() for name in headers}
        return Translation(
            text=str(answer["TranslatedText"]),
            source=base_language(str(answer.get("SourceLanguageCode") or source or "")) or "und",
            target=target,
            provider="stand-in" if stand_in else self.provider,
            marked_stand_in=stand_in,
        )
