"""The staff pulse's items (issue 18 item 2). Anonymity is in the shapes: no answer item names a person.

- pulse: `PULSE#{pulse_id}` / `META`: `question`, `text_question`, `department_id`, `created_at`,
  `created_by`; listed on gsi1 as `PULSES` / `{created_at}#{pulse_id}`.
- issued: `PULSE#{pulse_id}` / `ISSUED#{sub}`: that this person was given their one token (not which).
- token: `PULSE#{pulse_id}` / `TOKEN#{sha256(token)}`: unused; no person, no time. Written with the issued
  item in one transaction; deleted by the answer's transaction (condition: it exists), so each token answers
  once and nothing links the answer to whoever held it.
- answer: `PULSE#{pulse_id}` / `ANSWER#{random id}`: `score`, `text` only (random key: no order of arrival).
"""

from __future__ import annotations

import hashlib
from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.dynamodb import transact_write_if
from switchboard.table_keys import THREADS_GSI

PULSES_GSI_PK = "PULSES"


def pulse_pk(pulse_id: str) -> str:
    return f"PULSE#{pulse_id}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PulseTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def create(self, pulse: dict[str, Any]) -> None:
        item = {
            "pk": pulse_pk(pulse["pulse_id"]),
            "sk": "META",
            "gsi1pk": PULSES_GSI_PK,
            "gsi1sk": f"{pulse['created_at']}#{pulse['pulse_id']}",
            **{k: v for k, v in pulse.items() if v is not None},
        }
        self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")

    def get(self, pulse_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": pulse_pk(pulse_id), "sk": "META"}).get("Item")
        return dict(item) if item else None

    def recent(self, limit: int) -> list[dict[str, Any]]:
        response = self._table.query(
            IndexName=THREADS_GSI,
            KeyConditionExpression=Key("gsi1pk").eq(PULSES_GSI_PK),
            ScanIndexForward=False,
            Limit=limit,
        )
        return list(response.get("Items", []))

    def issued_to(self, pulse_id: str, sub: str) -> bool:
        key = {"pk": pulse_pk(pulse_id), "sk": f"ISSUED#{sub}"}
        return "Item" in self._table.get_item(Key=key, ConsistentRead=True)

    def issue(self, pulse_id: str, sub: str, token: str) -> bool:
        """The person's one token (its hash stored apart from them); False when they had one already."""
        pk = pulse_pk(pulse_id)
        return transact_write_if(
            self._table,
            [
                {
                    "Put": {
                        "TableName": self._table.name,
                        "Item": {"pk": pk, "sk": f"ISSUED#{sub}"},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": self._table.name,
                        "Item": {"pk": pk, "sk": f"TOKEN#{token_hash(token)}"},
                    }
                },
            ],
            guarded=0,
        )

    def answer(self, pulse_id: str, token: str, answer_id: str, score: int, text: str) -> bool:
        """Consumes the token and stores the answer in one transaction; False for an unknown or used token."""
        pk = pulse_pk(pulse_id)
        answer: dict[str, Any] = {"pk": pk, "sk": f"ANSWER#{answer_id}", "score": score}
        if text:
            answer["text"] = text
        return transact_write_if(
            self._table,
            [
                {
                    "Delete": {
                        "TableName": self._table.name,
                        "Key": {"pk": pk, "sk": f"TOKEN#{token_hash(token)}"},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {"Put": {"TableName": self._table.name, "Item": answer}},
            ],
            guarded=0,
        )

    def answers(self, pulse_id: str) -> list[dict[str, Any]]:
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(pulse_pk(pulse_id)) & Key("sk").begins_with("ANSWER#")
        }
        found: list[dict[str, Any]] = []
        while True:
            response = self._table.query(**query)
            found.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return found
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
