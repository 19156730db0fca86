"""Dollars from counted requests: unit prices (bench/prices.json), what one AWS call bills, and sums.

Pure arithmetic: nothing here calls AWS or times anything, so tests/unit/test_bench_cost_model.py can pin it.
A `Usage` is a quantity of one priced unit spent per unit of work (an inbound message, an agent reply...);
`counted=True` marks quantities seen by the botocore hooks, `False` the ones the platform spends on our behalf
(API Gateway requests, Lambda invocations and GB-seconds, the event source mapping's SQS calls, log bytes,
X-Ray traces), which no client in our process can see.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICES_PATH = Path(__file__).with_name("prices.json")
MILLION = 1_000_000

DYNAMODB_WRITE_UNIT_BYTES = 1024
DYNAMODB_READ_UNIT_BYTES = 4096
SQS_CHUNK_BYTES = 64 * 1024
UNPRICED = "unpriced:"


@dataclass(frozen=True)
class Price:
    key: str
    usd: float
    per: float
    unit: str
    source: str
    date: str

    def cost(self, quantity: float) -> float:
        return quantity * self.usd / self.per


@dataclass(frozen=True)
class PriceBook:
    prices: Mapping[str, Price]
    assumptions: Mapping[str, Any]

    @classmethod
    def load(cls, path: Path = PRICES_PATH) -> PriceBook:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls.from_dict(raw)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> PriceBook:
        prices = {key: Price(key=key, **entry) for key, entry in raw["prices"].items()}
        return cls(prices=prices, assumptions=dict(raw.get("assumptions", {})))

    def cost(self, key: str, quantity: float) -> float:
        return self.prices[key].cost(quantity)

    def usd(self, key: str) -> float:
        """The price of one unit."""
        return self.prices[key].cost(1)


@dataclass(frozen=True)
class Usage:
    """`quantity` units of price `key` spent per unit of work."""

    key: str
    quantity: float
    what: str
    counted: bool = True


def cost_per_unit(usages: Iterable[Usage], prices: PriceBook) -> float:
    """Dollars per unit of work; unpriced usages (an AWS call we have no price for) count zero."""
    return sum(prices.cost(u.key, u.quantity) for u in usages if not u.key.startswith(UNPRICED))


def cost_per_million(usages: Iterable[Usage], prices: PriceBook) -> float:
    return cost_per_unit(usages, prices) * MILLION


def merge(usages: Iterable[Usage]) -> list[Usage]:
    """One usage per (key, counted), quantities added, in first-seen order."""
    merged: dict[tuple[str, bool], Usage] = {}
    for usage in usages:
        slot = (usage.key, usage.counted)
        if slot in merged:
            old = merged[slot]
            merged[slot] = Usage(usage.key, old.quantity + usage.quantity, old.what, usage.counted)
        else:
            merged[slot] = usage
    return list(merged.values())


def scale(usages: Iterable[Usage], factor: float) -> list[Usage]:
    return [Usage(u.key, u.quantity * factor, u.what, u.counted) for u in usages]


# --- what one AWS call bills ---------------------------------------------------------------------------


_WIRE_TYPES = {"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"}


def _is_wire_value(value: Any) -> bool:
    return isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in _WIRE_TYPES


def _native_value_size(value: Any) -> int:
    """The same rules for a value boto3 has already turned into Python (str, Decimal, bytes, list...)."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        return dynamodb_value_size({"N": str(value)})
    if isinstance(value, bytes | bytearray) or type(value).__name__ == "Binary":
        return len(bytes(getattr(value, "value", value)))
    if isinstance(value, Mapping):
        return 3 + sum(1 + len(str(k).encode("utf-8")) + dynamodb_value_size(v) for k, v in value.items())
    if isinstance(value, set | frozenset):
        return sum(dynamodb_value_size(v) for v in value)
    return 3 + sum(1 + dynamodb_value_size(v) for v in value)


def dynamodb_value_size(value: Any) -> int:
    """Bytes of one attribute value, by DynamoDB's sizing rules (strings and binaries by length, numbers
    ~1 byte per 2 digits + 1, containers 3 bytes + 1 per element), in wire shape ({"S": "..."}) or Python."""
    if not _is_wire_value(value):
        return _native_value_size(value)
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(str(inner).encode("utf-8"))
    if kind == "N":
        return math.ceil(len(str(inner).lstrip("-").replace(".", "")) / 2) + 1
    if kind == "B":
        return len(inner) * 3 // 4 if isinstance(inner, str) else len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in inner)
    if kind == "NS":
        return sum(dynamodb_value_size({"N": n}) for n in inner)
    if kind == "BS":
        return sum(dynamodb_value_size({"B": b}) for b in inner)
    if kind == "L":
        return 3 + sum(1 + dynamodb_value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + dynamodb_value_size(v) for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def dynamodb_item_size(item: Mapping[str, Any]) -> int:
    return sum(len(name.encode("utf-8")) + dynamodb_value_size(value) for name, value in item.items())


def _units(size: int, unit_bytes: int) -> int:
    return max(1, math.ceil(size / unit_bytes))


@dataclass(frozen=True)
class TableShape:
    """What billing needs to know about a table: the key attributes of its global secondary indexes."""

    gsi_keys: tuple[tuple[str, ...], ...] = ()


def _gsi_writes_for_put(item: Mapping[str, Any], shape: TableShape) -> int:
    # A new item that carries an index's keys is written to that index too (projection ALL: same size).
    size = dynamodb_item_size(item)
    return sum(
        _units(size, DYNAMODB_WRITE_UNIT_BYTES) for keys in shape.gsi_keys if all(k in item for k in keys)
    )


def _gsi_writes_for_update(update: Mapping[str, Any], shape: TableShape) -> int:
    # Changing an index key moves the item in the index: a delete and a put there (items here are < 1 KB).
    expression = update.get("UpdateExpression", "")
    names = {alias: name for alias, name in update.get("ExpressionAttributeNames", {}).items()}
    touched = {names.get(token, token) for token in expression.replace(",", " ").replace("=", " ").split()}
    return sum(2 for keys in shape.gsi_keys if any(k in touched for k in keys))


def _update_size(update: Mapping[str, Any]) -> int:
    # The billed size is the larger of the item before and after; we see only what the request carries.
    key = dynamodb_item_size(update.get("Key", {}))
    values = sum(dynamodb_value_size(v) for v in update.get("ExpressionAttributeValues", {}).values())
    return key + values


def _write_units(entry_kind: str, body: Mapping[str, Any], shape: TableShape) -> tuple[float, float]:
    """(table write units, index write units) of one Put/Update/Delete/ConditionCheck."""
    if entry_kind == "Put":
        return _units(dynamodb_item_size(body["Item"]), DYNAMODB_WRITE_UNIT_BYTES), _gsi_writes_for_put(
            body["Item"], shape
        )
    if entry_kind == "Update":
        return _units(_update_size(body), DYNAMODB_WRITE_UNIT_BYTES), _gsi_writes_for_update(body, shape)
    return 1, 0  # Delete, ConditionCheck


def _read_units(items: Iterable[Mapping[str, Any]], consistent: bool) -> float:
    size = sum(dynamodb_item_size(item) for item in items)
    return _units(size, DYNAMODB_READ_UNIT_BYTES) * (1 if consistent else 0.5)


def bill_dynamodb(
    operation: str, params: Mapping[str, Any], response: Mapping[str, Any], shape: TableShape
) -> list[tuple[str, float]]:
    """On-demand request units of one DynamoDB call, from its wire request and response."""
    write, read = "dynamodb_write_request_unit", "dynamodb_read_request_unit"
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        table, index = _write_units(operation.removesuffix("Item"), params, shape)
        return [(write, table + index)]
    if operation == "TransactWriteItems":
        units = 0.0
        for entry in params.get("TransactItems", []):
            (kind, body), *_ = entry.items()
            table, index = _write_units(kind, body, shape)
            units += 2 * table + index  # transactions bill two units per item; index upkeep is not doubled
        return [(write, units)]
    if operation == "BatchWriteItem":
        units = 0.0
        for requests in params.get("RequestItems", {}).values():
            for request in requests:
                if "PutRequest" in request:
                    table, index = _write_units("Put", request["PutRequest"], shape)
                    units += table + index
                else:
                    units += 1
        return [(write, units)]
    if operation == "GetItem":
        item = response.get("Item")
        return [(read, _read_units([item] if item else [], bool(params.get("ConsistentRead"))))]
    if operation in ("Query", "Scan"):
        return [(read, _read_units(response.get("Items", []), bool(params.get("ConsistentRead"))))]
    if operation == "BatchGetItem":
        units = 0.0
        for table_name, items in response.get("Responses", {}).items():
            consistent = bool(params.get("RequestItems", {}).get(table_name, {}).get("ConsistentRead"))
            units += sum(_read_units([item], consistent) for item in items)
        return [(read, units)]
    if operation == "TransactGetItems":
        items = [r.get("Item") or {} for r in response.get("Responses", [])]
        return [(read, sum(2 * _read_units([item], True) for item in items))]
    return [(f"{UNPRICED}dynamodb.{operation}", 1)]


def _sqs_key(queue_url: str) -> str:
    return "sqs_fifo_request" if queue_url.endswith(".fifo") else "sqs_standard_request"


def bill_sqs(operation: str, params: Mapping[str, Any]) -> list[tuple[str, float]]:
    """Every SQS action is a request; a send is one request per 64 KB chunk of payload."""
    key = _sqs_key(params.get("QueueUrl", ""))
    if operation == "SendMessage":
        return [(key, _units(len(str(params.get("MessageBody", "")).encode("utf-8")), SQS_CHUNK_BYTES))]
    if operation == "SendMessageBatch":
        size = sum(len(str(e.get("MessageBody", "")).encode("utf-8")) for e in params.get("Entries", []))
        return [(key, _units(size, SQS_CHUNK_BYTES))]
    return [(key, 1)]


_S3_PUT_CLASS = {"PutObject", "CopyObject", "PostObject", "ListObjects", "ListObjectsV2", "UploadPart"}


def bill_call(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    response: Mapping[str, Any],
    shape: TableShape | None = None,
) -> list[tuple[str, float]]:
    """(price key, quantity) pairs one AWS API call bills. Unknown calls come back as `unpriced:…`."""
    if service == "dynamodb":
        return bill_dynamodb(operation, params, response, shape or TableShape())
    if service == "sqs":
        return bill_sqs(operation, params)
    if service == "secretsmanager":
        return [("secretsmanager_api_call", 1)]
    if service == "s3":
        return [("s3_put_request" if operation in _S3_PUT_CLASS else "s3_get_request", 1)]
    if service == "kms":
        return [("kms_request", 1)]
    return [(f"{UNPRICED}{service}.{operation}", 1)]


# --- the platform's share ------------------------------------------------------------------------------


def lambda_usages(
    name: str, *, invocations: float, memory_mb: int, billed_ms_per_invocation: float
) -> list[Usage]:
    """Invocations and GB-seconds of one function per unit of work (Lambda bills duration per 1 ms)."""
    seconds = math.ceil(billed_ms_per_invocation) / 1000
    return [
        Usage("lambda_request", invocations, f"{name} invocations", counted=False),
        Usage(
            "lambda_gb_second_arm64",
            invocations * memory_mb / 1024 * seconds,
            f"{name} {memory_mb} MB x {math.ceil(billed_ms_per_invocation)} ms",
            counted=False,
        ),
    ]


def sqs_trigger_usages(name: str, *, fifo: bool, batch_size: float) -> list[Usage]:
    """The event source mapping's ReceiveMessage and DeleteMessageBatch, one each per batch."""
    key = "sqs_fifo_request" if fifo else "sqs_standard_request"
    return [
        Usage(key, 2 / batch_size, f"{name} trigger: receive + delete per batch of {batch_size:g}", False)
    ]


def observability_usages(
    prices: PriceBook, *, invocations: float, log_bytes: float, traced_invocations: float | None = None
) -> list[Usage]:
    """Log ingestion (our lines + Lambda's START/END/REPORT) and X-Ray traces for `invocations`."""
    platform = float(prices.assumptions["lambda_platform_log_bytes_per_invocation"])
    sampled = float(prices.assumptions["xray_sampled_fraction"])
    traced = invocations if traced_invocations is None else traced_invocations
    return [
        Usage(
            "cloudwatch_logs_ingest_gb",
            (log_bytes + invocations * platform) / 1024**3,
            "log lines + EMF metrics + Lambda platform lines",
            counted=False,
        ),
        Usage("xray_trace_recorded", traced * sampled, f"X-Ray traces at {sampled:.0%} sampling", False),
    ]


def usages_from_bills(bills: Mapping[str, float], per: float, what: str = "counted") -> list[Usage]:
    """Counted bills (price key -> quantity over `per` units of work) as usages per unit of work."""
    return [Usage(key, quantity / per, what, counted=True) for key, quantity in bills.items()]


def usage_table(usages: Iterable[Usage], prices: PriceBook) -> list[dict[str, Any]]:
    """Rows for results.json: quantity per unit, and dollars per million units, per usage."""
    rows = []
    for usage in usages:
        priced = not usage.key.startswith(UNPRICED)
        rows.append(
            {
                "key": usage.key,
                "what": usage.what,
                "counted": usage.counted,
                "quantity_per_unit": round(usage.quantity, 6),
                "usd_per_million": round(prices.cost(usage.key, usage.quantity) * MILLION, 4)
                if priced
                else None,
            }
        )
    return rows
