"""The scorer's optional second stage (issue 17 item 2): Amazon Comprehend through botocore's Stubber (no
network), and the rules alone when it is off."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from triage.integrations.second_opinion import ComprehendSecondOpinion
from triage.logic.scorer import Scorer, default_rules
from triage.logic.second_opinion import NoSecondOpinion

SCORER = Scorer(default_rules())


@pytest.fixture
def comprehend() -> tuple[object, Stubber]:
    client = boto3.client(
        "comprehend", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    return client, Stubber(client)


def sentiment(label: str, negative: float) -> dict[str, object]:
    return {
        "Sentiment": label,
        "SentimentScore": {"Positive": 0.0, "Negative": negative, "Neutral": 1 - negative, "Mixed": 0.0},
    }


def test_a_normal_text_comprehend_reads_as_strongly_negative_is_raised_to_high_with_the_reason(
    comprehend: tuple[object, Stubber],
) -> None:
    client, stub = comprehend
    text = "nobody ever answers and this is the worst week of my life"
    score = SCORER.score(text)
    assert score.level == "normal"
    stub.add_response("detect_sentiment", sentiment("NEGATIVE", 0.98), {"Text": text, "LanguageCode": "en"})
    with stub:
        reviewed = ComprehendSecondOpinion(client).review(text, score)
    stub.assert_no_pending_responses()
    assert reviewed.level == "high" and reviewed.codes[-1] == "sentiment.negative"
    assert (reviewed.reasons[-1].start, reviewed.reasons[-1].end) == (0, len(text))
    assert not reviewed.crisis  # the crisis answer stays with the rules


def test_mildly_negative_or_not_negative_keeps_the_rules_score(comprehend: tuple[object, Stubber]) -> None:
    client, stub = comprehend
    score = SCORER.score("the bus was late again")
    stub.add_response("detect_sentiment", sentiment("NEGATIVE", 0.7))
    stub.add_response("detect_sentiment", sentiment("NEUTRAL", 0.01))
    with stub:
        assert ComprehendSecondOpinion(client).review("the bus was late again", score) == score
        assert ComprehendSecondOpinion(client).review("the bus was late again", score) == score


def test_a_level_the_rules_raised_is_never_sent_nor_lowered(comprehend: tuple[object, Stubber]) -> None:
    client, stub = comprehend
    score = SCORER.score("I smell gas in the hallway")
    assert score.level != "normal"
    with stub:  # no response queued: any call would fail the test
        assert ComprehendSecondOpinion(client).review("I smell gas in the hallway", score) == score


def test_a_failed_call_keeps_the_rules_score_and_logs_no_text(
    comprehend: tuple[object, Stubber], caplog: pytest.LogCaptureFixture
) -> None:
    client, stub = comprehend
    text = "cannot take this anymore, nobody answers"
    score = SCORER.score(text)
    stub.add_client_error("detect_sentiment", service_error_code="ThrottlingException", http_status_code=400)
    with stub:
        assert ComprehendSecondOpinion(client).review(text, score) == score
    assert "nobody answers" not in caplog.text


def test_a_long_text_is_clipped_to_comprehends_5000_bytes(comprehend: tuple[object, Stubber]) -> None:
    client, stub = comprehend
    text = "ñ" * 4000  # 8,000 bytes in UTF-8
    score = SCORER.score(text)
    stub.add_response(
        "detect_sentiment", sentiment("NEUTRAL", 0.0), {"Text": "ñ" * 2500, "LanguageCode": score.language}
    )
    with stub:
        ComprehendSecondOpinion(client).review(text, score)
    stub.assert_no_pending_responses()


def test_off_the_rules_stand_alone() -> None:
    score = SCORER.score("cannot take this anymore")
    assert NoSecondOpinion().review("cannot take this anymore", score) is score
