"""The benchmark's cost arithmetic and idle-cost walker, on hand-made inputs whose dollars are known."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.cost_model import (
    MILLION,
    PriceBook,
    TableShape,
    Usage,
    bill_call,
    cost_per_million,
    dynamodb_item_size,
    lambda_usages,
    merge,
    sqs_trigger_usages,
    usages_from_bills,
)
from bench.idle_cost import idle_costs, modelled_waf

PRICES = PriceBook.load()
THREADS_INDEX = TableShape(gsi_keys=(("gsi1pk", "gsi1sk"),))


def resource(type_: str, **properties: Any) -> dict[str, Any]:
    return {"Type": type_, "Properties": properties}


def alarm(**extra: Any) -> dict[str, Any]:
    return resource("AWS::CloudWatch::Alarm", MetricName="ApproximateNumberOfMessagesVisible", **extra)


# --- prices ---------------------------------------------------------------------------------------------


def test_every_price_names_its_unit_source_and_date() -> None:
    for price in PRICES.prices.values():
        assert price.usd > 0 and price.per > 0, price.key
        assert price.unit and price.source and price.date.startswith("late 2026"), price.key


def test_the_design_notes_prices_are_the_ones_used() -> None:
    # shared/DESIGN.md, "Cost and speed facts": the figures a reader will check first.
    assert PRICES.cost("apigw_http_request", MILLION) == pytest.approx(1.0)
    assert PRICES.cost("sqs_fifo_request", MILLION) == pytest.approx(0.5)
    assert PRICES.cost("dynamodb_write_request_unit", MILLION) == pytest.approx(0.625)
    assert PRICES.usd("kms_key_month") == pytest.approx(1.0)


# --- arithmetic -----------------------------------------------------------------------------------------


def test_cost_per_million_adds_each_usage_at_its_unit_price() -> None:
    usages = [
        Usage("apigw_http_request", 1, "webhook"),
        Usage("sqs_fifo_request", 1.2, "send + trigger"),
        Usage("dynamodb_write_request_unit", 8, "transaction"),
    ]
    # 1 x $1 + 1.2 x $0.50 + 8 x $0.625 per million
    assert cost_per_million(usages, PRICES) == pytest.approx(1.0 + 0.6 + 5.0)


def test_unpriced_calls_cost_nothing_but_are_kept() -> None:
    usages = usages_from_bills({"unpriced:sns.Publish": 4, "sqs_standard_request": 4}, per=2)
    assert cost_per_million(usages, PRICES) == pytest.approx(2 * 0.4)
    assert [u.key for u in usages] == ["unpriced:sns.Publish", "sqs_standard_request"]


def test_lambda_bills_invocations_and_duration_rounded_up_to_the_millisecond() -> None:
    usages = lambda_usages("webhook", invocations=1, memory_mb=256, billed_ms_per_invocation=11.2)
    gb_seconds = next(u.quantity for u in usages if u.key == "lambda_gb_second_arm64")
    assert gb_seconds == pytest.approx(0.25 * 0.012)
    assert cost_per_million(usages, PRICES) == pytest.approx(0.2 + 0.25 * 0.012 * 0.0000133334 * MILLION)


def test_an_sqs_trigger_spends_a_receive_and_a_delete_per_batch() -> None:
    [usage] = sqs_trigger_usages("consumer", fifo=True, batch_size=10)
    assert (usage.key, usage.quantity, usage.counted) == ("sqs_fifo_request", 0.2, False)


def test_merge_adds_quantities_of_the_same_price() -> None:
    merged = merge([Usage("lambda_request", 1, "a"), Usage("lambda_request", 0.1, "b"), Usage("x", 1, "c")])
    assert [(u.key, u.quantity) for u in merged] == [("lambda_request", 1.1), ("x", 1)]


# --- what one call bills --------------------------------------------------------------------------------


def test_item_size_follows_dynamodbs_rules() -> None:
    item = {"pk": {"S": "THREAD#abc"}, "unread": {"N": "12"}, "flags": {"L": [{"BOOL": True}]}}
    # names 2 + 6 + 5; "THREAD#abc" 10; 12 -> 1 + 1; list 3 + (1 + 1)
    assert dynamodb_item_size(item) == 13 + 10 + 2 + 5


def test_a_three_item_transaction_bills_two_units_per_item_plus_index_upkeep() -> None:
    params = {
        "TransactItems": [
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "SID#1"}, "sk": {"S": "SID"}}}},
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "THREAD#1"}, "sk": {"S": "MSG#1"}}}},
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "THREAD#1"}, "sk": {"S": "META"}},
                    "UpdateExpression": "SET #gsi1sk = :s, #unread = #unread + :one",
                    "ExpressionAttributeNames": {"#gsi1sk": "gsi1sk", "#unread": "unread"},
                    "ExpressionAttributeValues": {":s": {"S": "2026#1"}, ":one": {"N": "1"}},
                }
            },
        ]
    }
    assert bill_call("dynamodb", "TransactWriteItems", params, {}, THREADS_INDEX) == [
        ("dynamodb_write_request_unit", 3 * 2 + 2)
    ]


def test_a_put_larger_than_a_kilobyte_bills_a_unit_per_kilobyte() -> None:
    params = {"Item": {"pk": {"S": "p"}, "body": {"S": "x" * 1500}}}
    assert bill_call("dynamodb", "PutItem", params, {}) == [("dynamodb_write_request_unit", 2)]


def test_reads_bill_half_a_unit_when_eventually_consistent_and_a_unit_when_strong() -> None:
    response = {"Item": {"pk": {"S": "SID#1"}}}
    assert bill_call("dynamodb", "GetItem", {}, response) == [("dynamodb_read_request_unit", 0.5)]
    assert bill_call("dynamodb", "GetItem", {"ConsistentRead": True}, {}) == [
        ("dynamodb_read_request_unit", 1)
    ]
    query = {"Items": [{"body": {"S": "x" * 3000}}] * 3}  # 9 KB -> 3 units of 4 KB, halved
    assert bill_call("dynamodb", "Query", {}, query) == [("dynamodb_read_request_unit", 1.5)]


def test_sqs_bills_by_queue_kind_and_64_kb_chunk() -> None:
    fifo = "https://sqs.us-east-1.amazonaws.com/1/inbound.fifo"
    standard = "https://sqs.us-east-1.amazonaws.com/1/status"
    assert bill_call("sqs", "SendMessage", {"QueueUrl": fifo, "MessageBody": "x" * 70_000}, {}) == [
        ("sqs_fifo_request", 2)
    ]
    assert bill_call("sqs", "DeleteMessageBatch", {"QueueUrl": standard}, {}) == [("sqs_standard_request", 1)]


def test_other_services_map_to_their_prices_or_are_flagged() -> None:
    assert bill_call("secretsmanager", "GetSecretValue", {}, {}) == [("secretsmanager_api_call", 1)]
    assert bill_call("s3", "HeadObject", {}, {}) == [("s3_get_request", 1)]
    assert bill_call("s3", "PutObject", {}, {}) == [("s3_put_request", 1)]
    assert bill_call("sns", "Publish", {}, {}) == [("unpriced:sns.Publish", 1)]


# --- idle cost ------------------------------------------------------------------------------------------


def test_one_secret_two_alarms_and_a_key_cost_a_dollar_sixty_a_month() -> None:
    template = {
        "Resources": {
            "Secret": resource("AWS::SecretsManager::Secret"),
            "AlarmA": alarm(Period=300),
            "AlarmB": alarm(Period=60),
            "Key": resource("AWS::KMS::Key", EnableKeyRotation=True),
            "Queue": resource("AWS::SQS::Queue"),
            "Logs": resource("AWS::Logs::LogGroup", RetentionInDays=365),
            "Role": resource("AWS::IAM::Role"),
        }
    }
    report = idle_costs(template, PRICES)
    assert report.total == pytest.approx(0.40 + 2 * 0.10 + 1.00)
    assert sorted(line.logical_id for line in report.lines) == ["AlarmA", "AlarmB", "Key", "Secret"]
    assert report.unpriced_types == {}


def test_waf_is_summed_apart_so_the_stack_can_be_judged_with_it_off() -> None:
    template = {
        "Resources": {
            "Secret": resource("AWS::SecretsManager::Secret"),
            "Acl": resource("AWS::WAFv2::WebACL", Rules=[{"Name": "common"}, {"Name": "rate"}]),
        }
    }
    report = idle_costs(template, PRICES)
    assert (report.total_without_waf, report.waf) == (pytest.approx(0.40), pytest.approx(5 + 2))
    assert modelled_waf(PRICES, rules=4) == pytest.approx(9.0)


def test_high_resolution_and_metric_math_alarms_cost_more() -> None:
    metric = {"MetricStat": {"Period": 10, "Metric": {}, "Stat": "Sum"}}
    template = {
        "Resources": {
            "Fast": alarm(Period=10),
            "Math": resource(
                "AWS::CloudWatch::Alarm", Metrics=[{**metric}, {**metric}, {"Expression": "m1+m2"}]
            ),
            "Composite": resource("AWS::CloudWatch::CompositeAlarm"),
        }
    }
    assert idle_costs(template, PRICES).total == pytest.approx(0.30 + 2 * 0.30 + 0.50)


def test_an_idle_sqs_trigger_is_priced_as_an_estimate_by_its_queues_kind() -> None:
    template = {
        "Resources": {
            "Queue": resource("AWS::SQS::Queue", FifoQueue=True),
            "Mapping": resource(
                "AWS::Lambda::EventSourceMapping", EventSourceArn={"Fn::GetAtt": ["Queue", "Arn"]}
            ),
        }
    }
    [line] = idle_costs(template, PRICES).lines
    pollers = PRICES.assumptions["idle_sqs_pollers_per_event_source_mapping"]
    requests = pollers * 730 * 3600 / PRICES.assumptions["idle_sqs_long_poll_seconds"]
    assert line.estimate and math.isclose(line.usd_month, requests * 0.5 / MILLION)


def test_resources_nobody_priced_are_reported_not_assumed_free() -> None:
    template = {
        "Resources": {
            "Table": resource("AWS::DynamoDB::Table", BillingMode="PROVISIONED"),
            "OnDemand": resource("AWS::DynamoDB::Table", BillingMode="PAY_PER_REQUEST"),
            "Cluster": resource("AWS::RDS::DBCluster"),
        }
    }
    report = idle_costs(template, PRICES)
    assert report.unpriced_types == {"AWS::DynamoDB::Table": ["Table"], "AWS::RDS::DBCluster": ["Cluster"]}


# --- smoke: the bench package imports and its table renders --------------------------------------------


def test_the_bench_modules_import_and_the_table_renders_every_status() -> None:
    import bench.__main__ as bench_main
    from bench import cold_start, idle_cost, latency, requests_count, webhook_ack  # noqa: F401 - import is a test

    figures: dict[str, Any] = {
        "webhook_ack": {"status": "error: RuntimeError: boom"},
        "latency": {"status": "not measured: the local stack has not landed"},
        "inbox_scale": {"status": "error: RuntimeError: inbox boom"},
        "cold_start": {"status": "not measured: synth failed"},
        "requests": {
            "inbound_message": {"status": "not built yet"},
            "agent_reply": {"status": "not built yet"},
            "alert_recipient": {"status": "not built yet"},
            "booked_callback": {"status": "not built yet"},
        },
        "idle_cost": {
            "status": "ok",
            **__import__("bench.idle_cost").idle_cost.run({"Resources": {}}, PRICES),
        },
        "alerts": {"status": "not built yet"},
        "workflows": {"status": "not built yet"},
    }
    text = bench_main.render(bench_main.table_rows(figures, PRICES))
    assert "error: RuntimeError: boom" in text
    assert "error: RuntimeError: inbox boom" in text
    cells = {tuple(cell.strip() for cell in line.split("|")[:2]) for line in text.splitlines()}
    assert ("Requests per alert recipient", "not built yet") in cells
    assert "$0.00" in text


def test_the_floors_cost_what_the_architecture_implies() -> None:
    from bench.requests_count import inbound_floor

    floor = inbound_floor(batch_size=10)
    # 1 API request, 1.1 invocations, 1.2 FIFO requests and one transaction (8 write units, 1 request).
    assert floor.requests == pytest.approx(4.3)
    assert cost_per_million(floor.usages, PRICES) == pytest.approx(1.0 + 0.22 + 0.6 + 5.0)


def test_booked_callback_counter_skips_the_driver_and_the_local_stand_ins() -> None:
    import threading

    from bench.booked_callback import ExcludingCounter, _floor

    counter = ExcludingCounter(threading.get_ident())
    counter.record("dynamodb", "GetItem", {}, {})  # the driver's own look-up: this thread
    seen: list[None] = []

    def handler_thread() -> None:
        counter.record("sqs", "SendMessage", {"QueueUrl": "https://q/Outbound.fifo"}, {})
        counter.record("sqs", "ReceiveMessage", {}, {})  # a poller standing in for the event source mapping
        counter.record("lambda", "Invoke", {}, {})  # moto's interpreter calling a step
        seen.append(None)

    worker = threading.Thread(target=handler_thread)
    worker.start()
    worker.join()
    assert seen
    assert dict(counter.calls) == {"sqs.SendMessage": 1}
    assert counter.skipped == {"dynamodb.GetItem": 1, "sqs.ReceiveMessage": 1, "lambda.Invoke": 1}
    floor = _floor(callbacks=2)
    # Nine states entered on the happy path; more requests than the 15 HTTP requests alone.
    assert any(u.key == "stepfunctions_standard_transition" and u.quantity == 9 for u in floor.usages)
    assert floor.requests > 2 + 3 * 2 + 2


# --- the alert recipient's floor and the alert rows ------------------------------------------------------


def test_the_alert_recipients_counted_floor_is_its_sdk_calls() -> None:
    from bench.alert_fanout import counted_part, recipient_floor

    floor = recipient_floor(callbacks=2, rate=100)
    sdk = counted_part(floor)
    # DynamoDB: page share 0.01, consent 1, claim 1, pacer 1/25, the 3-item transaction 1, 2 per callback;
    # SQS: a tenth of a SendMessageBatch and one send per callback.
    assert sdk.requests == pytest.approx(0.01 + 1 + 1 + 0.04 + 1 + 4 + 0.1 + 2)
    assert floor.requests > sdk.requests  # the platform's requests are on top
    assert {u.key for u in floor.usages if not u.counted} == {
        "apigw_http_request",
        "lambda_request",
        "sqs_standard_request",
    }
    # One million recipients: 7 WRU + ... at $1.25 per million WRU, plus reads and SQS, is a few dollars.
    assert 5 < cost_per_million(sdk.usages, PRICES) < 20


def test_alert_rows_render_a_delivered_run_and_a_sampled_one() -> None:
    from bench.__main__ import _alert_rows

    common = {"status": "ok", "zones": 20, "enqueue_s": 30.0, "enqueued_per_second": 3333.3}
    delivered = {
        **common,
        "recipients": 2000,
        "all_delivered_s": 400.0,
        "sent_per_second": 5.0,
        "max_in_one_second": 9,
        "configured_rate": 100,
        "duplicates": 0,
        "missing": 0,
        "aws_requests_per_recipient": 14.2,
    }
    sampled = {
        **common,
        "recipients": 100_000,
        "mode": "sampled: all 100,000 enqueued, sending watched for 120 s",
        "sent_in_window": 600,
        "sent_per_second": 5.0,
        "max_in_one_second": 9,
        "configured_rate": 100,
        "duplicates": 0,
        "aws_requests_per_recipient_estimated": 14.5,
    }
    full_rows, sampled_rows = _alert_rows(delivered), _alert_rows(sampled)
    # The note cell also names the concurrency the section used (issue 19).
    assert any(cell.startswith("all delivered after 400 s; concurrency") for cell in full_rows[0])
    assert "0 duplicates, 0 missing" in full_rows[1]
    assert "0 duplicates among 600 sent" in sampled_rows[1]
    assert "14.5 AWS requests per recipient (estimated)" in sampled_rows[1]
    assert "Alert to 100,000 across 20 zones: send -> all enqueued" in sampled_rows[0]
