"""The feedback survey's items in the one table (issue 18).

- survey: `THREAD#{thread_id}` / `SURVEY`: the thread's latest survey (`survey_id`, `state`, `closed_at`,
  `address`, `channel`, `language`, `agent`, `department`, `send_at`, `sent_at`, `answer_sid`).
- once a week per resident: `ADDR#{address}` / `SURVEYLIMIT`: `last_at`, `survey_id` (conditional put).
- surveys sent per day: `FEEDBACK#SENT#{YYYY-MM-DD}` / `COUNT`: `sent` (ADD, in the transaction that marks
  the survey sent), so a period's response rate needs one GetItem per day, never a scan.
- rating: `RATINGS#{YYYY-MM-DD}` / `{at}#{rating_id}` (rating id = the answer's MessageSid): `rating`,
  `words`, `thread_id`, `agent`, `department`, `channel`, `survey_sent_at`.
- follow-up: `FEEDBACK#FOLLOWUPS` / `FU#{rating_id}`: a low rating with words, for supervisors
  (`state` open/done, `done_by`, `done_at`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from switchboard.dynamodb import error_code, transact_write_if, update_if
from switchboard.table_keys import resident_pk, thread_pk

from feedback.logic.ratings import ParsedRating
from feedback.models.feedback import Survey

SURVEY_SK = "SURVEY"
LIMIT_SK = "SURVEYLIMIT"
FOLLOW_UPS_PK = "FEEDBACK#FOLLOWUPS"
SURVEY_FIELDS = (
    "survey_id",
    "thread_id",
    "address",
    "channel",
    "language",
    "closed_at",
    "state",
    "agent",
    "department",
    "send_at",
    "sent_at",
    "answer_sid",
)


def survey_key(thread_id: str) -> dict[str, str]:
    return {"pk": thread_pk(thread_id), "sk": SURVEY_SK}


def sent_key(day: str) -> dict[str, str]:
    return {"pk": f"FEEDBACK#SENT#{day}", "sk": "COUNT"}


def ratings_pk(day: str) -> str:
    return f"RATINGS#{day}"


def survey_from_item(item: dict[str, Any]) -> Survey:
    values = {name: item.get(name) for name in SURVEY_FIELDS}
    return Survey(**{k: (str(v) if v is not None else None) for k, v in values.items()})  # type: ignore[arg-type]


class FeedbackTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- surveys ---------------------------------------------------------------------------------------

    def claim_resident(self, address: str, survey_id: str, now: str, week_ago: str) -> bool:
        """At most one survey per resident per 7 days; the same survey claims again (a retried close)."""
        return (
            update_if(
                self._table,
                {"pk": resident_pk(address), "sk": LIMIT_SK},
                UpdateExpression="SET last_at = :now, survey_id = :id",
                ConditionExpression="attribute_not_exists(pk) OR last_at <= :week_ago OR survey_id = :id",
                ExpressionAttributeValues={":now": now, ":id": survey_id, ":week_ago": week_ago},
            )
            is not None
        )

    def release_resident(self, address: str, survey_id: str) -> None:
        """A survey that was never sent does not count toward the week (only if it still holds the claim)."""
        try:
            self._table.delete_item(
                Key={"pk": resident_pk(address), "sk": LIMIT_SK},
                ConditionExpression="survey_id = :id",
                ExpressionAttributeValues={":id": survey_id},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise

    def put_survey(self, survey: Survey) -> None:
        item = {name: getattr(survey, name) for name in SURVEY_FIELDS}
        self._table.put_item(Item={**survey_key(survey.thread_id), **{k: v for k, v in item.items() if v}})

    def survey(self, thread_id: str) -> Survey | None:
        item = self._table.get_item(Key=survey_key(thread_id), ConsistentRead=True).get("Item")
        return survey_from_item(item) if item else None

    def mark_sent(self, survey: Survey, sent_at: str) -> bool:
        """scheduled -> sent, and the day's count, in one transaction; False when it was not scheduled."""
        return transact_write_if(
            self._table,
            [
                {
                    "Update": {
                        "TableName": self._table.name,
                        "Key": survey_key(survey.thread_id),
                        "UpdateExpression": "SET #state = :sent, sent_at = :at",
                        "ConditionExpression": "survey_id = :id AND #state = :scheduled",
                        "ExpressionAttributeNames": {"#state": "state"},
                        "ExpressionAttributeValues": {
                            ":sent": "sent",
                            ":at": sent_at,
                            ":id": survey.survey_id,
                            ":scheduled": "scheduled",
                        },
                    }
                },
                {
                    "Update": {
                        "TableName": self._table.name,
                        "Key": sent_key(sent_at[:10]),
                        "UpdateExpression": "ADD sent :one",
                        "ExpressionAttributeValues": {":one": 1},
                    }
                },
            ],
            guarded=0,
        )

    def move(self, survey: Survey, from_states: Iterable[str], to_state: str) -> bool:
        states = list(from_states)
        placeholders = {f":from{i}": state for i, state in enumerate(states)}
        return (
            update_if(
                self._table,
                survey_key(survey.thread_id),
                UpdateExpression="SET #state = :to",
                ConditionExpression=f"survey_id = :id AND #state IN ({', '.join(placeholders)})",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":to": to_state, ":id": survey.survey_id, **placeholders},
            )
            is not None
        )

    def sent_count(self, days: Iterable[str]) -> int:
        total = 0
        for day in days:
            item = self._table.get_item(Key=sent_key(day)).get("Item")
            total += int(item.get("sent", 0)) if item else 0
        return total

    # --- ratings ---------------------------------------------------------------------------------------

    def record_rating(self, survey: Survey, sid: str, parsed: ParsedRating, at: str) -> bool:
        """The survey answered, its rating, and a follow-up item for a low rating with words: one
        transaction, so a redelivered answer records nothing twice. False when already answered."""
        rating = {
            "pk": ratings_pk(at[:10]),
            "sk": f"{at}#{sid}",
            "rating_id": sid,
            "thread_id": survey.thread_id,
            "rating": parsed.rating,
            "words": parsed.words,
            "at": at,
            "survey_id": survey.survey_id,
            "survey_sent_at": survey.sent_at or "",
            "channel": survey.channel,
        }
        for name in ("agent", "department"):
            if getattr(survey, name):
                rating[name] = getattr(survey, name)
        writes: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table.name,
                    "Key": survey_key(survey.thread_id),
                    "UpdateExpression": "SET #state = :answered, answer_sid = :sid",
                    "ConditionExpression": "survey_id = :id AND #state = :sent",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": {
                        ":answered": "answered",
                        ":sid": sid,
                        ":id": survey.survey_id,
                        ":sent": "sent",
                    },
                }
            },
            {"Put": {"TableName": self._table.name, "Item": rating}},
        ]
        if parsed.needs_follow_up:
            follow_up = {
                **rating,
                "pk": FOLLOW_UPS_PK,
                "sk": f"FU#{sid}",
                "follow_up_id": sid,
                "state": "open",
            }
            writes.append({"Put": {"TableName": self._table.name, "Item": follow_up}})
        return transact_write_if(self._table, writes, guarded=0)

    def ratings(self, days: Iterable[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for day in days:
            query: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(ratings_pk(day))}
            while True:
                response = self._table.query(**query)
                found.extend(response.get("Items", []))
                if "LastEvaluatedKey" not in response:
                    break
                query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found

    def follow_ups(self, limit: int) -> list[dict[str, Any]]:
        """Open ones first is the page's business; these are the newest `limit` by key (few exist)."""
        response = self._table.query(KeyConditionExpression=Key("pk").eq(FOLLOW_UPS_PK), Limit=limit)
        return list(response.get("Items", []))

    def finish_follow_up(self, follow_up_id: str, by: str, at: str) -> dict[str, Any] | None:
        response = update_if(
            self._table,
            {"pk": FOLLOW_UPS_PK, "sk": f"FU#{follow_up_id}"},
            UpdateExpression="SET #state = :done, done_by = :by, done_at = :at",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":done": "done", ":by": by, ":at": at},
            ReturnValues="ALL_NEW",
        )
        return dict(response["Attributes"]) if response else None
