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


# --- staff, departments, agency settings, audit (the workspace) ----------------------------------------
DEPARTMENTS_GSI_PK = "DEPARTMENTS"
DEPARTMENT_SK = "DEPARTMENT"
STAFF_GSI_PK = "STAFF"
STAFF_SK = "PROFILE"
SETTINGS_PK = "SETTINGS"
AGENCY_SETTINGS_SK = "AGENCY"
CANNED_GSI_PK = "CANNED"
CANNED_SK = "CANNED"
NOTE_SK_PREFIX = "NOTE#"
VIEWER_SK_PREFIX = "VIEWER#"
PRESENCE_SK = "PRESENCE"  # under staff_pk: presence, cap, and the threads routed to them (`assigned`)
DEFAULT_AGENT_CAP = 6  # open conversations per agent unless a supervisor sets another cap


def department_pk(department_id: str) -> str:
    return f"DEPT#{department_id}"


def staff_pk(sub: str) -> str:
    return f"STAFF#{sub}"


def canned_pk(canned_id: str) -> str:
    return f"CANNED#{canned_id}"


def audit_pk(day: str) -> str:
    """Audit entries are partitioned by UTC day (YYYY-MM-DD); the sort key starts with the timestamp."""
    return f"AUDIT#{day}"


def note_sk(created_at: str, note_id: str) -> str:
    return f"{NOTE_SK_PREFIX}{created_at}#{note_id}"


def viewer_sk(sub: str) -> str:
    return f"{VIEWER_SK_PREFIX}{sub}"


# --- consent and subscriptions (the resident's partition holds the ledger and the state beside it) ----------
CONSENT_STATE_SK = "CONSENT"
CONSENT_LEDGER_PREFIX = "CONSENT#"
TOPICS_PK = "TOPICS"
TOPIC_SK_PREFIX = "TOPIC#"


def consent_ledger_sk(at: str, source_id: str, topic: str) -> str:
    return f"{CONSENT_LEDGER_PREFIX}{at}#{source_id}#{topic}"


def topic_sk(code: str) -> str:
    return f"{TOPIC_SK_PREFIX}{code}"


def subscribers_pk(topic: str) -> str:
    """The partition listing a topic's subscribers (one item per resident), for an alert's fan-out."""
    return f"SUBS#{topic}"


# --- the inbox's views and search (issue 3). The view indexes key on the thread's own fields (multi-attribute
# GSI keys), so every writer that sets `status`, `assignee` or `department_id` keeps them right by itself;
# the sort attributes exist only on threads (`last_activity_at`, `waiting_since`): nothing else enters them.
BY_STATUS_INDEX = "by_status"  # status | last_activity_at
BY_STATUS_WAITING_INDEX = "by_status_waiting"  # status | waiting_since (sparse: only threads awaiting staff)
BY_ASSIGNEE_INDEX = "by_assignee"  # assignee + status | last_activity_at
BY_DEPARTMENT_INDEX = "by_department"  # department_id + status | last_activity_at
BY_DEPARTMENT_WAITING_INDEX = "by_department_waiting"  # department_id + status | waiting_since
# status | triage_order ("0" critical, "1" high, "2" normal), waiting_since: "Most urgent first" (sparse:
# threads awaiting staff; the inbox sets "2" when a resident writes, triage raises it, a staff reply
# removes it)
BY_STATUS_URGENCY_INDEX = "by_status_urgency"
NORMAL_TRIAGE_ORDER = "2"
TERM_PK_PREFIX = "TERM#"


def term_pk(term: str) -> str:
    """A search posting list: one item per (term, message) or (term, thread) under `TERM#{term}`."""
    return f"{TERM_PK_PREFIX}{term}"
