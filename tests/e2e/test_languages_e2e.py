"""Every consent keyword of every language through the local stack (issue 20): the signed webhook, the
inbound queue and pipeline, the consent ledger in DynamoDB on moto, and the answer through the local Twilio
endpoint in the keyword's language; and a sign-up in Spanish end to end: the page's API texts a Spanish
confirmation and "Sí" subscribes."""

from __future__ import annotations

import json
import secrets
import urllib.request
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from switchboard import i18n

from infra.local.seed import DEMO_TOPICS
from infra.local.stack import DEMO_AGENCY_NAME, REGION, LocalStack
from tests.e2e.test_consent_e2e import bodies_to, eventually, resident

pytestmark = pytest.mark.e2e


def table(stack: LocalStack) -> Any:
    dynamodb = boto3.resource("dynamodb", endpoint_url=stack.moto_url, region_name=REGION)
    return dynamodb.Table(stack.outputs["TableName"])


def ledger(stack: LocalStack, address: str) -> list[dict[str, Any]]:
    query = Key("pk").eq(f"ADDR#{address}") & Key("sk").begins_with("CONSENT#")
    return list(table(stack).query(KeyConditionExpression=query)["Items"])


def consent_state(stack: LocalStack, address: str) -> dict[str, Any]:
    return dict(table(stack).get_item(Key={"pk": f"ADDR#{address}", "sk": "CONSENT"}).get("Item") or {})


def expected_reply(stack: LocalStack, kind: str, lang: str) -> str:
    from inbox.dal.consent_table import ConsentTable

    # The topics as the app reads them (the same table, the same order), in the keyword's language.
    words = [topic.word_in(lang) for topic in ConsentTable(table(stack)).topics()]
    assert {code for code, _ in DEMO_TOPICS} <= {topic.code for topic in ConsentTable(table(stack)).topics()}
    agency = DEMO_AGENCY_NAME
    if kind == "stop":
        return i18n.say("consent.opted_out_all", lang, agency=agency)
    if kind == "start":
        return i18n.say("consent.opted_in_all", lang, agency=agency)
    if kind == "help":
        return i18n.say("consent.help", lang, agency=agency, example=words[0])
    return i18n.say("consent.choose_topic", lang, agency=agency, codes=", ".join(words))


KEYWORDS = [
    (lang, kind, phrase.strip())
    for lang in ("en", "es", "vi")
    for kind in ("stop", "start", "help", "join")
    for phrase in i18n.catalog(lang)[f"keywords.{kind}"].split(",")
]


def test_every_keyword_of_every_language_is_answered_in_it_and_recorded(local_stack: LocalStack) -> None:
    sent = []
    for lang, kind, phrase in KEYWORDS:
        address = resident()
        written = phrase.lower() if len(sent) % 2 else phrase
        if lang == "en" and kind == "stop":
            # Twilio answers a bare English STOP itself and blocks the agency's answer (the local Twilio does
            # too: 21610); with a full stop after it, the keyword is the agency's to answer.
            written += "."
        local_stack.send_inbound(address, written)
        sent.append((address, lang, kind, phrase))
    for address, lang, kind, phrase in sent:
        reply = eventually(lambda address=address: bodies_to(local_stack, address), timeout_s=60)[0]
        assert reply == expected_reply(local_stack, kind, lang), (lang, kind, phrase)
        entries = ledger(local_stack, address)
        if kind in ("stop", "start"):
            assert [(e["topic"], e["action"], e["source"]) for e in entries] == [
                ("ALL", "opt_out" if kind == "stop" else "opt_in", "keyword")
            ], phrase
            assert consent_state(local_stack, address).get("language") == (None if lang == "en" else lang)
        else:
            assert entries == [], phrase


def test_alta_agua_then_a_zip_code_subscribes_in_spanish(local_stack: LocalStack) -> None:
    address = resident()
    local_stack.send_inbound(address, "Alta agua")
    first = eventually(lambda: bodies_to(local_stack, address))[0]
    assert first.startswith(f"{DEMO_AGENCY_NAME}: Está suscrito a las alertas de servicio de agua.")
    local_stack.send_inbound(address, "94110")
    eventually(lambda: len(bodies_to(local_stack, address)) == 2)
    assert bodies_to(local_stack, address)[1] == (
        f"{DEMO_AGENCY_NAME}: Gracias. Recibirá alertas para el código postal 94110. "
        "Para recibirlas también por correo electrónico, responda con su correo. "
        "Responda ALTO para darse de baja."
    )
    subscriber = table(local_stack).get_item(Key={"pk": "SUBS#WATER", "sk": f"ADDR#{address}"})["Item"]
    assert subscriber["zones"] == ["zip:94110"] and subscriber["language"] == "es"
    # The carriers' bare STOP still works for a Spanish reader (Twilio answers it and blocks the number; the
    # agency records it), and the resident stays a Spanish reader.
    local_stack.send_inbound(address, "STOP")
    eventually(lambda: consent_state(local_stack, address).get("opted_out_all") is True)
    assert consent_state(local_stack, address)["language"] == "es"
    # The keyword's entry (Twilio's 21610 on the agency's answer may add a carrier_error one beside it)
    assert [(e["action"], e["source"]) for e in ledger(local_stack, address)].count(
        ("opt_out", "keyword")
    ) == 1


def test_a_spanish_sign_up_gets_a_spanish_confirmation_and_si_subscribes(local_stack: LocalStack) -> None:
    phone = "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))
    body = json.dumps({"phone": phone, "topics": ["WATER", "STORM"], "zip_code": "94110", "language": "es"})
    request = urllib.request.Request(
        local_stack.api_url + "/api/public/signup",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - 127.0.0.1
        assert response.status == 202

    confirmation = eventually(lambda: bodies_to(local_stack, phone))[0]
    assert confirmation == (
        f"{DEMO_AGENCY_NAME}: Responda SÍ para recibir alertas de TORMENTA, AGUA "
        "para el código postal 94110. Pueden aplicarse tarifas de mensajes y datos. "
        "Responda ALTO para cancelar."
    )
    assert consent_state(local_stack, phone) == {}  # a request is no consent

    local_stack.send_inbound(phone, "Sí")
    eventually(lambda: len(bodies_to(local_stack, phone)) == 2)
    assert bodies_to(local_stack, phone)[1] == (
        f"{DEMO_AGENCY_NAME}: Está suscrito a las alertas de TORMENTA, AGUA para el código postal 94110. "
        "Responda ALTO para darse de baja o AYUDA para obtener ayuda."
    )
    state = consent_state(local_stack, phone)
    assert set(state["topics"]) == {"WATER", "STORM"} and state["language"] == "es"
    assert {(e["source"], e["action"]) for e in ledger(local_stack, phone)} == {
        ("signup", "opt_in"),
        ("signup", "set_zone"),
    }
