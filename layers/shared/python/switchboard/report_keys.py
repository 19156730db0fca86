"""Keys of the reports' aggregate items (docs/architecture.md, "Reports"), shared by the reports domain and
the consent ledger, which counts subscriber changes per topic in the same transaction as the ledger entry.

Each figure is a counter in a *cell*: `RPT#{scope}` / `{kind}#{day}#...`, where the scope names the filters it
answers (`*` all, `d=water` a department, `c=sms` a channel, `d=water|c=sms` both) and the day is the agency's
local day. Hot cells (every event of a day lands on them) are split over shards summed on read.
"""

from __future__ import annotations

import hashlib

SHARDS = 4
ALL_SCOPE = "*"
ALERTS_SCOPE = "alerts"
SUBSCRIBERS_SCOPE = "subs"
NONE = "-"  # no department yet / nobody assigned


def report_pk(scope: str) -> str:
    return f"RPT#{scope}"


def shard_of(key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % SHARDS


def day_cell_sk(day: str, shard: int) -> str:
    return f"D#{day}#{shard}"


def agent_cell_sk(day: str, agent: str) -> str:
    return f"A#{day}#{agent}"


def department_cell_sk(day: str, department: str) -> str:
    return f"P#{day}#{department}"


def sealed_pk(scope: str) -> str:
    """A scope's day versions and day summaries, in a partition of their own: a 30-day report reads both
    for every day in one narrow Query (`{day}#S`, `{day}#V` sort side by side), not among the wide cells."""
    return f"RPTS#{scope}"


def version_sk(day: str) -> str:
    """A scope's day version: every event that adds to the scope's day or agent cells of `day` adds 1 to it
    in the same transaction, so a summary of the day (below) knows whether it still holds every event."""
    return f"{day}#V"


def summary_sk(day: str) -> str:
    """A finished day of a scope compacted into one item (reports.logic.sealed), with the version it holds."""
    return f"{day}#S"


def topic_cell_sk(day: str, topic: str, shard: int) -> str:
    return f"T#{day}#{topic}#{shard}"


# Running counts (what is true now, not per day), each in partitions of their own so that reading them never
# pages through the day cells: per scope, conversations open and waiting for staff, in a shard's total cell
# and in each agent's; and one item per waiting conversation (everyone's, and its agent's), in the order the
# waiting began, for the ages of what waits now.
def gauge_pk(scope: str) -> str:
    return f"RPTG#{scope}"


def gauge_total_sk(shard: int) -> str:
    return f"T#{shard}"


def gauge_agent_sk(agent: str) -> str:
    return f"A#{agent}"


def waiting_pk(scope: str, agent: str | None) -> str:
    """Everyone's waiting conversations of `scope`, or one agent's."""
    return f"RPTW#{scope}#{'*' if agent is None else 'a=' + agent}"


def waiting_sk(since: str, thread_id: str) -> str:
    return f"{since}#{thread_id}"
