"""311 intake by text (issue 21 item 7): intake messages handled per second, AWS requests per request made.

Each resident reports a graffiti by five texts (REPORT, the service's number, a place, an optional answer
skipped, no photo), through the real webhook and inbound consumer in this process against in-process moto,
warm; then CityForwardFn takes each request's job (no city linked: the job is read and dropped, which is
the floor of what every request costs the Open311 client).
Run alone: `python -m bench.service_request_intake`.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from bench import harness
from bench.requests_count import Phase, RequestCounter, install
from bench.stats import size
from bench.template import Stack

CONVERSATION = ("REPORT", "1", "120 Elm Street", "SKIP", "NO")
SERVICES = [
    {
        "service_code": "GRAF",
        "service_name": "Graffiti",
        "description": "Paint on walls",
        "group": "Streets",
        "keywords": ["graffiti", "tag", "paint"],
        "metadata": True,
        "type": "realtime",
        "department": "parks",
        "attributes": [
            {
                "code": "WHERE",
                "datatype": "string",
                "description": "On what surface?",
                "required": False,
                "variable": True,
                "order": 1,
            }
        ],
    }
]


def run(stack: Stack) -> dict[str, Any]:
    install()
    import boto3
    from moto import mock_aws

    residents = size("intake_residents", 40, 8)
    with mock_aws():
        env = harness.bring_up(stack)
        with harness.environment(env):
            handlers = harness.load_handlers(stack)
            sqs = boto3.client("sqs", region_name=harness.REGION)
            from servicerequests.dal.requests_table import CatalogueTable
            from servicerequests.models.services import Service

            table = boto3.resource("dynamodb", region_name=harness.REGION).Table(env["TABLE_NAME"])
            for service in SERVICES:
                CatalogueTable(table).save(
                    Service.model_validate(service), at="2026-12-07T00:00:00Z", by="bench"
                )

            def phase(name: str, function_id: str) -> Phase:
                counter = RequestCounter(shape=stack.table_shape(), only_thread=threading.get_ident())
                return Phase(name, function_id, handlers[function_id], counter)

            def report(first: int, count: int) -> tuple[Phase, Phase, Phase, float]:
                webhook = phase("webhook", "TwilioWebhookFn")
                consumer = phase("inbound consumer", "InboundConsumerFn")
                forward = phase("city forward", "CityForwardFn")
                started = time.perf_counter()
                for text in CONVERSATION:  # each turn: every resident's text, then the consumer drains
                    for index in range(first, first + count):
                        number = harness.resident_number(index)
                        form = harness.inbound_form(harness.new_sid(), number, text)
                        response = webhook.call(harness.webhook_event("/twilio/messages", form))
                        assert response["statusCode"] == 200, response
                    consumer.drain(sqs, env["INBOUND_QUEUE_URL"], stack.batch_size("InboundConsumerFn"))
                forward.drain(sqs, env["CITY_FORWARD_QUEUE_URL"], stack.batch_size("CityForwardFn"))
                return webhook, consumer, forward, time.perf_counter() - started

            report(10_000, 2)  # warm-up: clients, cached secret, catalogue pages
            webhook, consumer, forward, wall_s = report(0, residents)
            harness.empty_queue(sqs, env["OUTBOUND_QUEUE_URL"])
            made = [i for i in table.scan()["Items"] if str(i["pk"]).startswith("SRMONTH#")]
    created = len(made) - 2  # the warm-up's two
    messages = residents * len(CONVERSATION)
    handler_s = sum(sum(p.times_ms) for p in (webhook, consumer)) / 1000
    calls: dict[str, float] = {}
    for p in (webhook, consumer, forward):
        for name, count in p.counter.calls.items():
            calls[name] = calls.get(name, 0) + count
    per_request = {name: round(count / created, 2) for name, count in sorted(calls.items())}
    return {
        "status": "ok" if created == residents else f"error: {created} requests for {residents} residents",
        "residents": residents,
        "intake_messages": messages,
        "requests_created": created,
        "intake_messages_per_s_handler_time": round(messages / handler_s, 1),
        "intake_messages_per_s_wall": round(messages / wall_s, 1),
        "aws_requests_per_created_request": round(sum(calls.values()) / created, 1),
        "aws_requests_per_created_request_by_call": per_request,
        "handler_ms_median": {
            p.name: round(sorted(p.times_ms)[len(p.times_ms) // 2], 2) for p in (webhook, consumer, forward)
        },
    }


if __name__ == "__main__":
    from bench.template import synthesize

    print(json.dumps(run(synthesize()), indent=2))
