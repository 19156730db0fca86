"""Every carrier keyword, written out, through the inbound consumer against moto: what reaches the ledger, the
consent state and the OutboundQueue. Spelled here, never read from the parser's lists."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_consent import inbound_event, ledger, queued_jobs, seed_topics, state

CARRIER_STOP = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]


_SEQUENCE = itertools.count(1)


def texts(consumer: Any, context: LambdaContext, *bodies: str) -> None:
    """Each text a new SID, a minute after the one before."""
    for body in bodies:
        n = next(_SEQUENCE)
        event = inbound_event(body, f"SM{n:032d}", f"2026-11-25T{10 + n // 60:02d}:{n % 60:02d}:00.000000Z")
        assert consumer.handler(event, context) == {"batchItemFailures": []}


@pytest.mark.parametrize("word", CARRIER_STOP)
def test_each_carrier_stop_word_opts_out_of_everything(
    word: str, aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    texts(inbound_consumer, context, f" {word.lower()} ")
    assert [(e["topic"], e["action"]) for e in ledger(aws)] == [("ALL", "opt_out")]
    assert state(aws)["opted_out_all"] is True
    assert [j["category"] for j in queued_jobs(aws)] == ["transactional"]


@pytest.mark.parametrize("word", ["START", "UNSTOP"])
def test_each_carrier_start_word_opts_back_in(
    word: str, aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    texts(inbound_consumer, context, "STOP", word)
    assert [(e["topic"], e["action"]) for e in ledger(aws)] == [("ALL", "opt_out"), ("ALL", "opt_in")]
    assert state(aws)["opted_out_all"] is False


@pytest.mark.parametrize("word", ["HELP", "INFO", "please help"])
def test_help_words_answer_and_record_nothing(
    word: str, aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    texts(inbound_consumer, context, word)
    assert ledger(aws) == []
    assert len(queued_jobs(aws)) == (0 if " " in word else 1)


def test_join_water_stop_water_start_keeps_water_off_and_stop_clears_the_zip_prompt(
    aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    seed_topics(aws)
    texts(inbound_consumer, context, "JOIN WATER", "STOP WATER", "START")
    assert "WATER" not in state(aws).get("topics", [])
    assert "Item" not in aws.table.get_item(Key={"pk": "SUBS#WATER", "sk": "ADDR#+15555550123"})

    texts(inbound_consumer, context, "JOIN STORM", "STOP NOW", "94110-1234")
    after = state(aws)
    assert after["opted_out_all"] is True and after.get("awaiting") in (None, "")
    assert not after.get("zones")
