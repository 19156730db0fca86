"""Tracked links: an alert's links go out rewritten to the stack's redirect, which counts clicks per alert
and redirects only to the URL stored for the token."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tests.integration.alerts_support import InMemoryTwilio, alerts_call
from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event
from tests.integration.test_alert_fanout import carrier, create, plan_and_collect, send, town  # noqa: F401 - fixtures
from tests.integration.test_reports import report


def follow(link_redirect: Any, token: str) -> dict[str, Any]:
    event = api_event("GET", f"/r/{token}")
    event["routeKey"] = "GET /r/{token}"
    event["pathParameters"] = {"token": token}
    event["requestContext"].pop("authorizer", None)
    return dict(link_redirect.handler(event, LambdaContext()))


def test_links_are_tracked_per_alert_and_redirect_only_to_their_url(
    aws: Aws,
    town: list[str],  # noqa: F811 - the fixture imported above
    alerts_api: Any,
    alert_planner: Any,
    alert_sender: Any,
    carrier: InMemoryTwilio,  # noqa: F811 - the fixture imported above
    link_redirect: Any,
    agent_api: Any,
    context: LambdaContext,
) -> None:
    alert_id = create(
        alerts_api,
        texts={
            "en": "Map of the outage: https://city.gov/outage?area=elm.",
            "es": "Mapa: https://city.gov/outage?area=elm",
        },
        track_links=True,
    )
    send(alert_sender, plan_and_collect(aws, alert_planner))

    body = carrier.sent_to(town[1])[0].body
    assert "city.gov" not in body
    [link] = re.findall(r"https?://\S+/r/[A-Za-z0-9_-]+", body)
    assert body.endswith(".")  # the sentence's full stop stays outside the link
    token = link.rsplit("/", 1)[1]
    assert token in carrier.sent_to(town[0])[0].body  # the Spanish text carries the same token

    for _ in range(3):
        answer = follow(link_redirect, token)
        assert answer["statusCode"] == 302
        assert answer["headers"]["Location"] == "https://city.gov/outage?area=elm"

    status, alert = alerts_call(alerts_api, "GET", f"/api/alerts/{alert_id}")
    assert alert["alert"]["figures"]["clicks"] == 3
    # ... and the reports count them as they arrive: clicks per day beside the delivery figures
    today = datetime.now(UTC).date().isoformat()
    rows = report(agent_api, context, today, today)["tables"]["alerts"]["rows"]
    assert [row[0] for row in rows] == [today] and rows[0][
        5
    ] == 3  # day, sent, delivered, failed, opted out, clicks
    assert alert["alert"]["texts"]["en"].startswith("Map of the outage: https://city.gov/")  # as written


def test_unknown_or_malformed_tokens_redirect_nowhere(aws: Aws, link_redirect: Any) -> None:
    for token in ("nosuchtoken", "https:--evil.example", "../../x", ""):
        answer = follow(link_redirect, token)
        assert answer["statusCode"] == 404
        assert "Location" not in answer["headers"]
