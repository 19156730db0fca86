"""The inbox's view indexes on the one table (docs/architecture.md, "The inbox at crisis scale").

Multi-attribute GSI keys: each index keys on the thread's own fields (`status`, `assignee`,
`department_id`) instead of a composite string someone must keep in step, so a writer that sets those fields
(assign, transfer, close, snooze, routing) keeps every view right without knowing the views exist. The sort
attributes live only on thread items (`last_activity_at`, `waiting_since`; messages carry `created_at`), so
messages never enter them.
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb

_S = dynamodb.AttributeType.STRING


def _keys(*names: str) -> list[dynamodb.Attribute]:
    return [dynamodb.Attribute(name=name, type=_S) for name in names]


# index name -> (partition key attributes, sort key attributes); the names are switchboard.table_keys's
# *_INDEX constants (infra does not import Lambda code; tests/infra checks they agree).
INBOX_VIEW_INDEXES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "by_status": (("status",), ("last_activity_at",)),
    "by_status_waiting": (("status",), ("waiting_since",)),
    "by_assignee": (("assignee", "status"), ("last_activity_at",)),
    "by_department": (("department_id", "status"), ("last_activity_at",)),
    "by_department_waiting": (("department_id", "status"), ("waiting_since",)),
    # Most urgent first (issue 17): level, then oldest waiting. One index, not one per department too:
    # CloudFormation adds one GSI per stack update, and a department is a filter on it (see decisions.md).
    "by_status_urgency": (("status",), ("triage_order", "waiting_since")),
}


def add_inbox_view_indexes(table: dynamodb.Table) -> None:
    for name, (partition, sort) in INBOX_VIEW_INDEXES.items():
        table.add_global_secondary_index(
            index_name=name,
            partition_keys=_keys(*partition),
            sort_keys=_keys(*sort),
            projection_type=dynamodb.ProjectionType.ALL,
        )
