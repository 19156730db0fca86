"""The local stack's Amazon Translate stand-in (infra/local/translate_fake.py), through the real boto3 client:
it speaks TranslateText's protocol, is deterministic, never passes for a real translation (mark in the text
and a header), reads "auto" with the offline detector, and throttles or fails on demand (issue 20 item 5)."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from switchboard.translation import CLIENT_CONFIG, AmazonTranslate, TranslationUnavailable, detect

from infra.local.translate_fake import LocalTranslate, stand_in_text

WATER = "Hola, no tengo agua en mi casa desde ayer"


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalTranslate]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = LocalTranslate("127.0.0.1", port)
    server.start()
    detect(WATER)  # the detector's model loads once per process (the local stack loads it when it starts)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_TRANSLATE": server.url,
    }.items():
        monkeypatch.setenv(name, value)
    yield server
    server.stop()


def client() -> object:
    return boto3.client("translate", config=CLIENT_CONFIG)


def test_it_answers_translate_text_marked_and_deterministic(stand_in: LocalTranslate) -> None:
    translator = AmazonTranslate(client())
    first = translator.translate(WATER, "es", "en")
    assert first.text == "[stand-in es→en] Hello, no I have water in my house since yesterday"
    assert (first.source, first.provider, first.marked_stand_in) == ("es", "stand-in", True)
    assert translator.translate(WATER, "es", "en") == first
    assert stand_in.calls[-1] == {"source": "es", "target": "en", "chars": len(WATER), "fault": None}


def test_auto_is_read_with_the_offline_detector(stand_in: LocalTranslate) -> None:
    answer = AmazonTranslate(client()).translate(WATER, None, "en")
    assert answer.source == "es" and answer.text.startswith("[stand-in es→en]")
    assert stand_in.calls[-1]["source"] == "auto"


def test_same_language_comes_back_unchanged_and_unknown_pairs_are_refused(stand_in: LocalTranslate) -> None:
    raw = client()
    same = raw.translate_text(Text="hello there", SourceLanguageCode="en", TargetLanguageCode="en")  # type: ignore[attr-defined]
    assert same["TranslatedText"] == "hello there"
    with pytest.raises(ClientError) as refused:
        raw.translate_text(Text="hello", SourceLanguageCode="en", TargetLanguageCode="xx")  # type: ignore[attr-defined]
    assert refused.value.response["Error"]["Code"] == "UnsupportedLanguagePairException"


@pytest.mark.parametrize(("mode", "reason"), [("throttle", "throttled"), ("fail", "failed")])
def test_faults_on_demand_then_back_to_answers(stand_in: LocalTranslate, mode: str, reason: str) -> None:
    request = urllib.request.Request(
        stand_in.url + "/__control/faults",
        data=json.dumps({"mode": mode, "count": 2}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - 127.0.0.1
        assert json.loads(answer.read()) == {"mode": mode, "count": 2}
    translator = AmazonTranslate(client())
    for _ in range(2):
        with pytest.raises(TranslationUnavailable) as raised:
            translator.translate(WATER, "es", "en")
        assert raised.value.reason == reason
    assert translator.translate(WATER, "es", "en").marked_stand_in
    assert [call["fault"] for call in stand_in.calls] == [mode, mode, None]


def test_the_phrase_table_keeps_capitals_and_leaves_unknown_words() -> None:
    assert stand_in_text("Agua y LUZ", "es", "en") == "[stand-in es→en] Water y LUZ"
    assert stand_in_text("Xin chào", "vi", "fr") == "[stand-in vi→fr] Xin chào"
