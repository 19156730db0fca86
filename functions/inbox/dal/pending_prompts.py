"""The automatic prompt a thread's resident was last asked to answer (issue 18).

Several features ask a resident for a short answer: the callback offer ("Reply with a number: 1) ... 3)")
and the feedback survey ("How did we do? Reply 1-5"). A bare "2" would fit both, so every feature that
prompts records it here, on the thread, and a feature reads a reply as the answer to its own prompt only
while that prompt is the latest one: the latest prompt wins.

Item: `THREAD#{thread_id}` / `PROMPT`: `kind` (e.g. `callback_offer`, `survey`), `ref` (the prompt's own id),
`at` (when it was asked).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from switchboard.dynamodb import update_if
from switchboard.table_keys import thread_pk

PROMPT_SK = "PROMPT"


@dataclass(frozen=True)
class PendingPrompt:
    kind: str
    ref: str
    at: str


def prompt_key(thread_id: str) -> dict[str, str]:
    return {"pk": thread_pk(thread_id), "sk": PROMPT_SK}


def prompt_item(thread_id: str, prompt: PendingPrompt) -> dict[str, Any]:
    """The item, for a feature that writes it inside its own transaction."""
    return {**prompt_key(thread_id), "kind": prompt.kind, "ref": prompt.ref, "at": prompt.at}


class PendingPrompts:
    def __init__(self, table: Any) -> None:
        self._table = table

    def record(self, thread_id: str, prompt: PendingPrompt) -> None:
        """`prompt` becomes the thread's latest; an older prompt never overwrites a newer one."""
        update_if(
            self._table,
            prompt_key(thread_id),
            UpdateExpression="SET #kind = :kind, #ref = :ref, #at = :at",
            ConditionExpression="attribute_not_exists(#at) OR #at <= :at",
            ExpressionAttributeNames={"#kind": "kind", "#ref": "ref", "#at": "at"},
            ExpressionAttributeValues={":kind": prompt.kind, ":ref": prompt.ref, ":at": prompt.at},
        )

    def latest(self, thread_id: str) -> PendingPrompt | None:
        item = self._table.get_item(Key=prompt_key(thread_id), ConsistentRead=True).get("Item")
        if not item:
            return None
        return PendingPrompt(kind=str(item["kind"]), ref=str(item.get("ref", "")), at=str(item["at"]))
