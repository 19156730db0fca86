"""The staff pulse through the agent API on moto (issue 18 item 2): a supervisor sends a question set to a
department; each member gets one token and answers once; no answer item names anyone; results show only
with 5 answers or more. And the residents' ratings as supervisors read them (JSON and CSV)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from feedback.dal.feedback_table import FeedbackTable
from feedback.logic.ratings import parse_rating
from feedback.models.feedback import Survey

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event

SUPERVISOR = {"sub": "50000000-0000-4000-8000-000000000000", "cognito:groups": "[supervisor]"}
WATER_STAFF = [
    {"sub": f"a0000000-0000-4000-8000-00000000000{n}", "cognito:groups": "[agent]"} for n in range(6)
]
ROADS_AGENT = {"sub": "b0000000-0000-4000-8000-000000000001", "cognito:groups": "[agent]"}


def request(
    agent_api: Any, context: LambdaContext, claims: dict[str, Any], method: str, path: str, **kw: Any
):  # type: ignore[no-untyped-def]
    response = agent_api.handler(api_event(method, path, claims=claims, **kw), context)
    body = response.get("body") or ""
    content_type = response.get("headers", {}).get("Content-Type", "")
    if body and content_type.startswith("application/json"):
        return response["statusCode"], json.loads(body)
    return response["statusCode"], body


@pytest.fixture
def staff(aws: Aws) -> Aws:
    for claims, departments in [
        (SUPERVISOR, ["water"]),
        *((c, ["water"]) for c in WATER_STAFF),
        (ROADS_AGENT, ["roads"]),
    ]:
        aws.table.put_item(
            Item={
                "pk": f"STAFF#{claims['sub']}",
                "sk": "PROFILE",
                "sub": claims["sub"],
                "email": f"{claims['sub'][:8]}@example.gov",
                "groups": [claims["cognito:groups"].strip("[]")],
                "departments": departments,
                "enabled": True,
            }
        )
    return aws


def test_a_pulse_is_answered_once_per_person_anonymously_and_shown_from_five_answers(
    staff: Aws, agent_api: Any, context: LambdaContext
) -> None:
    status, pulse = request(
        agent_api,
        context,
        SUPERVISOR,
        "POST",
        "/api/pulse",
        body={
            "question": "How manageable was your load this week? 1-5",
            "text_question": "Anything we should know?",
            "department_id": "water",
        },
    )
    assert status == 201
    pulse_id = pulse["pulse_id"]

    # An agent of another department is not asked
    assert request(agent_api, context, ROADS_AGENT, "GET", "/api/pulse/open")[1] == {"pulses": []}
    # Agents cannot read results or send pulses
    assert request(agent_api, context, WATER_STAFF[0], "GET", f"/api/pulse/{pulse_id}/results")[0] == 403

    tokens = []
    for member in WATER_STAFF:
        status, open_pulses = request(agent_api, context, member, "GET", "/api/pulse/open")
        [offered] = open_pulses["pulses"]
        assert offered["pulse_id"] == pulse_id and offered["token"]
        tokens.append(offered["token"])
        # Asked again, nobody gets a second token
        [again] = request(agent_api, context, member, "GET", "/api/pulse/open")[1]["pulses"]
        assert again["token"] is None and again["issued_before"] is True
    assert len(set(tokens)) == len(tokens)

    scores = [4, 2, 5, 3]
    for member, token, score in zip(WATER_STAFF, tokens, scores, strict=False):
        body = {"token": token, "score": score, "text": f"note {score}"}
        assert (
            request(agent_api, context, member, "POST", f"/api/pulse/{pulse_id}/answers", body=body)[0] == 204
        )

    # Four answers: nothing but the count is shown
    status, results = request(agent_api, context, SUPERVISOR, "GET", f"/api/pulse/{pulse_id}/results")
    assert status == 200
    assert results["shown"] is False and results["answers"] == 4
    assert results["distribution"] is None and results["mean"] is None and results["texts"] is None

    # A used token answers nothing twice
    again = {"token": tokens[0], "score": 1}
    assert (
        request(agent_api, context, WATER_STAFF[0], "POST", f"/api/pulse/{pulse_id}/answers", body=again)[0]
        == 409
    )

    # The fifth answer shows the results
    fifth = {"token": tokens[4], "score": 4}
    assert (
        request(agent_api, context, WATER_STAFF[4], "POST", f"/api/pulse/{pulse_id}/answers", body=fifth)[0]
        == 204
    )
    results = request(agent_api, context, SUPERVISOR, "GET", f"/api/pulse/{pulse_id}/results")[1]
    assert results["shown"] is True and results["answers"] == 5
    assert results["distribution"] == {"1": 0, "2": 1, "3": 1, "4": 2, "5": 1}
    assert results["mean"] == 3.6
    assert results["texts"] == ["note 2", "note 3", "note 4", "note 5"]

    # No stored answer names anyone, nor does any token item; only "issued" marks name people
    pulse_items = [i for i in staff.items() if str(i["pk"]) == f"PULSE#{pulse_id}"]
    answers = [i for i in pulse_items if str(i["sk"]).startswith("ANSWER#")]
    assert len(answers) == 5
    subs = {c["sub"] for c in WATER_STAFF}
    for item in answers + [i for i in pulse_items if str(i["sk"]).startswith("TOKEN#")]:
        assert set(item) <= {"pk", "sk", "score", "text"}
        assert not any(sub in json.dumps(item, default=str) for sub in subs)
    # The sixth member's token is still unused; the five used ones are gone
    assert len([i for i in pulse_items if str(i["sk"]).startswith("TOKEN#")]) == 1

    listed = request(agent_api, context, SUPERVISOR, "GET", "/api/pulse")[1]["pulses"]
    assert [(p["pulse_id"], p["answers"]) for p in listed] == [(pulse_id, 5)]


def test_supervisors_read_ratings_with_their_figures_and_as_csv(
    staff: Aws, agent_api: Any, context: LambdaContext
) -> None:
    table = FeedbackTable(staff.table)
    # Ten surveys sent on 2 March, six answered: [5, 5, 4, 3, 2, 1]
    for n in range(10):
        survey = Survey(
            survey_id=f"s{n}",
            thread_id=f"t{n}",
            address=f"+1555555010{n}",
            channel="sms",
            language="en",
            closed_at="2026-03-02T14:00:00.000000Z",
            state="scheduled",
            agent="agent-1",
            department="water",
        )
        table.put_survey(survey)
        assert table.mark_sent(survey, "2026-03-02T15:00:00.000000Z")
    for n, body in enumerate(["5", "5", "4", "3", "2 slow answer", "=1 cmd|' /C calc'!A0"]):
        sent = table.survey(f"t{n}")
        assert sent is not None
        parsed = parse_rating(body) or parse_rating("1 " + body)
        assert parsed is not None
        assert table.record_rating(sent, f"SM{n:032d}", parsed, f"2026-03-02T16:0{n}:00.000000Z")

    query = {"from": "2026-03-01", "to": "2026-03-03"}
    status, listed = request(agent_api, context, SUPERVISOR, "GET", "/api/feedback/ratings", query=query)
    assert status == 200
    assert (listed["sent"], listed["responses"], listed["response_rate"], listed["satisfaction"]) == (
        10,
        6,
        60.0,
        50.0,
    )
    assert listed["distribution"] == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 2}

    status, text = request(
        agent_api, context, SUPERVISOR, "GET", "/api/feedback/ratings", query={**query, "format": "csv"}
    )
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(int(r["rating"]) for r in rows) == [1, 2, 3, 4, 5, 5]
    # A resident's words that start like a formula are defused (CSV injection)
    assert not any(r["words"].startswith(("=", "+", "-", "@")) for r in rows)

    status, follow_ups = request(agent_api, context, SUPERVISOR, "GET", "/api/feedback/follow-ups")
    # Low ratings with words, newest first
    assert [(f["rating"], f["words"]) for f in follow_ups["follow_ups"]] == [
        (1, "=1 cmd|' /C calc'!A0"),
        (2, "slow answer"),
    ]
    done_path = f"/api/feedback/follow-ups/{follow_ups['follow_ups'][1]['follow_up_id']}/done"
    status, done = request(agent_api, context, SUPERVISOR, "POST", done_path)
    assert status == 200 and done["state"] == "done" and done["done_by"] == SUPERVISOR["sub"]
    assert request(agent_api, context, WATER_STAFF[0], "GET", "/api/feedback/follow-ups")[0] == 403
    too_long = {"from": "2026-01-01", "to": "2026-06-01"}
    assert request(agent_api, context, SUPERVISOR, "GET", "/api/feedback/ratings", query=too_long)[0] == 400
