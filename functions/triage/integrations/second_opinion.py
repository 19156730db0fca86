"""The scorer's optional second stage (issue 17 item 2): another opinion on a text the rules left at normal.

The rules stand alone locally and in tests (triage.logic.second_opinion.NoSecondOpinion). In the cloud an
agency may turn on Amazon Comprehend (`ComprehendSecondOpinion`): a text the rules found normal whose
sentiment Comprehend reads as strongly negative is raised to high, with the reason `sentiment.negative`. It
only ever raises normal to high: it never lowers a level the rules set and never sends the crisis answer
(that stays with rules staff can read and edit). A failed call keeps the rules' score; logs carry the error
code, never the text.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from switchboard.observability import logger

from triage.models.score import Reason, Score

# Comprehend's DetectSentiment languages that the scorer also reads.
COMPREHEND_LANGUAGES = frozenset({"en", "es"})
MAX_TEXT_BYTES = 5000  # DetectSentiment's limit, in UTF-8 bytes
REASON_SPAN = 160  # characters of the text the reason quotes (staff see it on the row, like any reason)
NEGATIVE_CODE = "sentiment.negative"


def _clip_utf8(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


class ComprehendSecondOpinion:
    def __init__(self, client: Any, min_negative: float = 0.95) -> None:
        self._client = client
        self._min_negative = min_negative

    def review(self, text: str, score: Score) -> Score:
        if score.level != "normal" or score.language not in COMPREHEND_LANGUAGES or not text.strip():
            return score
        try:
            answer = self._client.detect_sentiment(
                Text=_clip_utf8(text, MAX_TEXT_BYTES), LanguageCode=score.language
            )
        except (ClientError, BotoCoreError) as error:
            code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None
            logger.warning(
                "Second opinion unavailable; the rules' score stands",
                extra={"error": type(error).__name__, "code": code},
            )
            return score
        negative = float(answer.get("SentimentScore", {}).get("Negative", 0.0))
        if answer.get("Sentiment") != "NEGATIVE" or negative < self._min_negative:
            return score
        quoted = text[:REASON_SPAN]
        reason = Reason(code=NEGATIVE_CODE, text=quoted, start=0, end=len(quoted), language=score.language)
        logger.info("Second opinion raised a text to high", extra={"codes": [NEGATIVE_CODE]})
        return score.model_copy(update={"level": "high", "reasons": (*score.reasons, reason)})
