"""Translation's items in the one table.

- settings: `SETTINGS` / `TRANSLATION`: `enabled`, `monthly_char_cap`, `agent_language` (admin; defaults when
  absent: on, 2,000,000 characters, English).
- usage: `TRANSLATION#USAGE` / `MONTH#YYYY-MM`: `characters` (ADDed before each call, given back when the call
  brought nothing back), `calls`. The cap is checked in the same conditional update, so two functions
  translating at once cannot pass it together.
- a message's translation: `TRANSLATION#{thread_id}` / `TR#` + the message's sort key
  (`TR#MSG#{created_at}#{id}`): the MessageTranslation fields. A partition of its own, so the inbox's reads of
  a thread never see it, and a sort key of its own, so nothing that looks for `MSG#` items
  takes it for a message.
- the thread's language: on the thread (`THREAD#{id}` / `META`), `language` (the routing step writes what it
  detected on a new thread) and `language_set_by` (`detected` or `staff`; staff override wins for good).
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.dynamodb import update_if
from switchboard.table_keys import SETTINGS_PK, SID_SK, THREAD_META_SK, sid_pk, thread_pk

from translation.models.translation import MessageTranslation, TranslationSettings

SETTINGS_SK = "TRANSLATION"
USAGE_PK = "TRANSLATION#USAGE"
TRANSLATION_SK_PREFIX = "TR#"


def translations_pk(thread_id: str) -> str:
    return f"TRANSLATION#{thread_id}"


def message_id_of(message_sk: str) -> str:
    return message_sk.rsplit("#", 1)[-1]


def translation_sk(message_sk: str) -> str:
    return f"{TRANSLATION_SK_PREFIX}{message_sk}"


class TranslationTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- settings and usage ---------------------------------------------------------------------------

    def settings(self) -> TranslationSettings:
        item = self._table.get_item(Key={"pk": SETTINGS_PK, "sk": SETTINGS_SK}).get("Item") or {}
        fields = {k: item[k] for k in ("enabled", "monthly_char_cap", "agent_language") if k in item}
        if "monthly_char_cap" in fields:
            fields["monthly_char_cap"] = int(fields["monthly_char_cap"])
        return TranslationSettings.model_validate(fields)

    def save_settings(self, settings: TranslationSettings, by: str, at: str) -> None:
        self._table.put_item(
            Item={
                "pk": SETTINGS_PK,
                "sk": SETTINGS_SK,
                **settings.model_dump(),
                "updated_by": by,
                "updated_at": at,
            }
        )

    def reserve(self, month: str, characters: int, cap: int) -> bool:
        """Count `characters` against the month unless that would pass `cap` (False: nothing counted)."""
        if characters > cap:
            return False
        return (
            update_if(
                self._table,
                {"pk": USAGE_PK, "sk": f"MONTH#{month}"},
                UpdateExpression="ADD #characters :n, #calls :one",
                ConditionExpression="attribute_not_exists(#characters) OR #characters <= :limit",
                ExpressionAttributeNames={"#characters": "characters", "#calls": "calls"},
                ExpressionAttributeValues={":n": characters, ":one": 1, ":limit": cap - characters},
            )
            is not None
        )

    def release(self, month: str, characters: int) -> None:
        """Give back what a call that brought nothing back had counted."""
        self._table.update_item(
            Key={"pk": USAGE_PK, "sk": f"MONTH#{month}"},
            UpdateExpression="ADD #characters :n, #calls :minus_one",
            ExpressionAttributeNames={"#characters": "characters", "#calls": "calls"},
            ExpressionAttributeValues={":n": -characters, ":minus_one": -1},
        )

    def usage(self, month: str) -> int:
        item = self._table.get_item(Key={"pk": USAGE_PK, "sk": f"MONTH#{month}"}).get("Item") or {}
        return int(item.get("characters", 0))

    # --- threads and messages ---------------------------------------------------------------------------

    def find_inbound_message(self, sid: str) -> tuple[str, str] | None:
        """(thread_id, message sort key) of a stored inbound message, from its SID item."""
        item = self._table.get_item(Key={"pk": sid_pk(sid), "sk": SID_SK}, ConsistentRead=True).get("Item")
        if not item or item.get("direction", "in") != "in" or "message_sk" not in item:
            return None
        return str(item["thread_id"]), str(item["message_sk"])

    def thread_language(self, thread_id: str) -> tuple[str | None, str | None] | None:
        """(language, set_by) of a thread; None for an unknown thread."""
        item = self._table.get_item(
            Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            ProjectionExpression="pk, #language, language_set_by",
            ExpressionAttributeNames={"#language": "language"},
        ).get("Item")
        if item is None:
            return None
        language = str(item["language"]) if item.get("language") else None
        set_by = (
            str(item["language_set_by"])
            if item.get("language_set_by")
            else ("detected" if language else None)
        )
        return language, set_by

    def keep_detected_language(self, thread_id: str, language: str) -> None:
        """A detected language is kept only where none is stored: a stored (or staff) language wins."""
        update_if(
            self._table,
            {"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            UpdateExpression="SET #language = :language, language_set_by = :detected",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(#language)",
            ExpressionAttributeNames={"#language": "language"},
            ExpressionAttributeValues={":language": language, ":detected": "detected"},
        )

    def set_language(self, thread_id: str, language: str) -> bool:
        """Staff override; False for an unknown thread."""
        return (
            update_if(
                self._table,
                {"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
                UpdateExpression="SET #language = :language, language_set_by = :staff",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#language": "language"},
                ExpressionAttributeValues={":language": language, ":staff": "staff"},
            )
            is not None
        )

    def put_translation(self, thread_id: str, message_sk: str, record: MessageTranslation) -> None:
        item = {k: v for k, v in record.model_dump().items() if v is not None}
        self._table.put_item(
            Item={"pk": translations_pk(thread_id), "sk": translation_sk(message_sk), **item}
        )

    def get_translation(self, thread_id: str, message_sk: str) -> MessageTranslation | None:
        item = self._table.get_item(
            Key={"pk": translations_pk(thread_id), "sk": translation_sk(message_sk)}, ConsistentRead=True
        ).get("Item")
        return _record(item) if item else None

    def thread_translations(self, thread_id: str) -> list[tuple[str, MessageTranslation]]:
        """(message sort key, translation) of every message of the thread that has one, oldest first."""
        found: list[tuple[str, MessageTranslation]] = []
        query: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(translations_pk(thread_id))}
        while True:
            page = self._table.query(**query)
            found.extend(
                (str(item["sk"]).removeprefix(TRANSLATION_SK_PREFIX), _record(item))
                for item in page.get("Items", [])
            )
            if "LastEvaluatedKey" not in page:
                return found
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _record(item: dict[str, Any]) -> MessageTranslation:
    fields = {k: v for k, v in item.items() if k not in {"pk", "sk"}}
    fields["attempts"] = int(fields.get("attempts", 0))
    return MessageTranslation.model_validate(fields)
