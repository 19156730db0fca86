"""Subscribers imported from a CSV file through the agent API, against moto: each consent in the ledger with
the file's provenance and the importer; a resident's STOP wins over the list; the same file twice changes
nothing; bad rows are named by row and field, never echoed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key
from inbox.dal.consent_table import ConsentTable
from inbox.logic.consent_changes import record_change
from inbox.models.consent import ALL_TOPICS, ConsentChange, Topic

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call

SUPERVISOR = {
    "sub": "5555aaaa-0000-4000-8000-000000000005",
    "email": "s@example.gov",
    "cognito:groups": "[supervisor]",
}
AGENT = {"sub": "aaaaaaaa-0000-4000-8000-00000000000a", "email": "a@example.gov", "cognito:groups": "[agent]"}
SOURCE = "Paper sign-up sheets, Main St library, November 2026"
CSV = """Phone,Topics,ZIP,Language,Consent_Date
(555) 555-0101,WATER STORM,94110,es,2026-11-02
+1 555 555 0102,water,,,
555-555-0103,PARKING;STORM,94112,en,
call me maybe,WATER,,,
+15555550105,FIREWORKS,,,
+15555550106,WATER,9411,,
"""


@pytest.fixture
def topics(aws: Aws) -> None:
    table = ConsentTable(aws.table)
    for code, name in (("WATER", "Water service"), ("STORM", "Storm warnings"), ("PARKING", "Parking")):
        table.put_topic(Topic(code, name))


def upload(
    agent_api: Any, context: LambdaContext, csv: str, claims: dict[str, Any] = SUPERVISOR
) -> tuple[int, Any]:
    body = {"csv": csv, "source": SOURCE}
    return call(agent_api, context, api_event("POST", "/api/subscribers/import", body=body, claims=claims))


def ledger(aws: Aws, address: str) -> list[dict[str, Any]]:
    return aws.table.query(
        KeyConditionExpression=Key("pk").eq(f"ADDR#{address}") & Key("sk").begins_with("CONSENT#")
    )["Items"]


def test_an_import_records_each_consent_with_its_provenance_and_names_bad_rows(
    aws: Aws,
    agent_api: Any,
    context: LambdaContext,
    topics: None,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    status, result = upload(agent_api, context, CSV)

    assert status == 200
    assert (result["rows"], result["imported"], result["already_imported"]) == (6, 3, 0)
    assert [(e["row"], e["field"]) for e in result["errors"]] == [(5, "phone"), (6, "topics"), (7, "zip")]
    state = ConsentTable(aws.table).load_state("+15555550101")
    assert state.topics == {"WATER", "STORM"} and state.zones == ("zip:94110",) and state.language == "es"
    entries = ledger(aws, "+15555550101")
    assert {e["source"] for e in entries} == {"import"}
    assert all(e["actor_sub"] == SUPERVISOR["sub"] for e in entries)
    assert all(e["provenance"] == f"{SOURCE} (consent given 2026-11-02)" for e in entries)
    assert {e["at"] for e in entries} == {"2026-11-02T00:00:00.000000Z"}
    subscribers = aws.table.query(KeyConditionExpression=Key("pk").eq("SUBS#STORM"))["Items"]
    assert sorted(s["address"] for s in subscribers) == ["+15555550101", "+15555550103"]
    # Nothing personal in the logs or in the answer's errors.
    logged = capsys.readouterr().out + caplog.text
    assert "Subscribers imported" in logged  # the log line is there, with counts only
    assert "555-0101" not in logged and "5555550101" not in logged
    assert "call me maybe" not in json.dumps(result) and "call me maybe" not in logged
    audit = [
        i
        for i in aws.items()
        if str(i["pk"]).startswith("AUDIT#") and i.get("action") == "subscribers.import"
    ]
    assert len(audit) == 1 and audit[0]["detail"]["imported"] == "3"


def test_the_same_file_twice_changes_nothing(
    aws: Aws, agent_api: Any, context: LambdaContext, topics: None
) -> None:
    upload(agent_api, context, CSV)
    before = len(ledger(aws, "+15555550102"))
    status, result = upload(agent_api, context, CSV)
    assert status == 200 and (result["imported"], result["already_imported"]) == (0, 3)
    assert len(ledger(aws, "+15555550102")) == before


def test_a_residents_stop_wins_over_the_list(
    aws: Aws, agent_api: Any, context: LambdaContext, topics: None
) -> None:
    table = ConsentTable(aws.table)
    stop = ConsentChange(
        address="+15555550101",
        channel="sms",
        topic=ALL_TOPICS,
        action="opt_out",
        at="2026-11-20T10:00:00.000000Z",
        source="keyword",
        source_id="SMstop",
    )
    record_change(table, stop)
    water_stop = ConsentChange(
        address="+15555550102",
        channel="sms",
        topic="WATER",
        action="opt_out",
        at="2026-11-20T10:00:00.000000Z",
        source="keyword",
        source_id="SMstopwater",
    )
    record_change(table, water_stop)

    status, result = upload(agent_api, context, CSV)

    assert status == 200 and result["skipped_opted_out"] == 2 and result["imported"] == 1
    assert table.load_state("+15555550101").opted_out_all
    assert "WATER" not in table.load_state("+15555550102").topics
    assert [e["source"] for e in ledger(aws, "+15555550101")] == ["keyword"]


def test_only_supervisors_import_and_a_file_without_the_columns_is_refused(
    aws: Aws, agent_api: Any, context: LambdaContext, topics: None
) -> None:
    assert upload(agent_api, context, CSV, AGENT)[0] == 403
    status, body = upload(agent_api, context, "number,list\n+15555550101,WATER\n")
    assert status == 400 and "phone and topics" in body["message"]
    too_many = "phone,topics\n" + "".join(f"+1555555{n:04d},WATER\n" for n in range(5001))
    assert upload(agent_api, context, too_many)[0] == 400
    assert ledger(aws, "+15555550001") == []
