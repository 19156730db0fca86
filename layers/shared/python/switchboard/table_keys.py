"""Keys of the one DynamoDB table (docs/architecture.md), shared by the inbox and the sender."""

from __future__ import annotations

THREAD_META_SK = "META"
RESIDENT_SK = "RESIDENT"
SID_SK = "SID"
MESSAGE_SK_PREFIX = "MSG#"
THREADS_GSI = "gsi1"
THREADS_GSI_PK = "THREADS"


def resident_pk(address: str) -> str:
    return f"ADDR#{address}"


def thread_pk(thread_id: str) -> str:
    return f"THREAD#{thread_id}"


def message_sk(created_at: str, message_id: str) -> str:
    return f"{MESSAGE_SK_PREFIX}{created_at}#{message_id}"


def sid_pk(sid: str) -> str:
    return f"SID#{sid}"


def threads_gsi_sk(last_activity_at: str, thread_id: str) -> str:
    return f"{last_activity_at}#{thread_id}"
