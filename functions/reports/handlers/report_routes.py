"""The Reports section's routes (a Router the agent API includes), supervisors only:

GET /api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD&department=&channel=&agent=   figures and one table per chart
GET /api/reports/csv/<table>?<the same filters>                           one of those tables as CSV

Everything comes from the cells the recorder wrote as data arrived, and the inbox's view indexes for what
waits now: a few Queries, never a Scan. A supervisor limited to their departments (SUPERVISOR_SCOPE) must
name one of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from switchboard.access import department_scope
from switchboard.roles import Forbidden
from switchboard.staff_routes import current_staff, requires

from reports.logic.report import InvalidPeriod, ReportFilter, ReportReader, build_report, table_csv

router = Router()
SUPERVISOR = [requires("supervisor")]

Department = Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Channel = Annotated[str | None, Query(pattern=r"^(sms|mms|whatsapp|webchat)$")]
AgentSub = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{1,64}$")]
TableName = Annotated[
    str, Path(pattern=r"^(daily|heatmap|durations|agents|departments|unattended|csat|alerts|subscribers)$")
]


@dataclass(frozen=True)
class ReportDependencies:
    reader: ReportReader


def _report(
    start: str, end: str, department: str | None, channel: str | None, agent: str | None
) -> dict[str, Any]:
    deps: ReportDependencies = router.context["reports"]
    allowed = department_scope(current_staff(router), router.context.get("supervisor_scope", "all"))
    if allowed is not None and department not in allowed:
        raise Forbidden("choose one of your departments")
    try:
        first_day, last_day = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise InvalidPeriod("from and to must be dates (YYYY-MM-DD)") from None
    wanted = ReportFilter(first_day, last_day, department, channel, agent)
    return build_report(deps.reader, wanted, datetime.now(UTC))


@router.get("/api/reports", middlewares=SUPERVISOR)
def get_report(
    start: Annotated[str, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}$")],
    end: Annotated[str, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}$")],
    department: Department = None,
    channel: Channel = None,
    agent: AgentSub = None,
) -> dict[str, Any]:
    return _report(start, end, department, channel, agent)


@router.get("/api/reports/csv/<table>", middlewares=SUPERVISOR)
def get_report_csv(
    table: TableName,
    start: Annotated[str, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}$")],
    end: Annotated[str, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}$")],
    department: Department = None,
    channel: Channel = None,
    agent: AgentSub = None,
) -> Response[str]:
    report = _report(start, end, department, channel, agent)
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=table_csv(report["tables"][table]),
        headers={
            "Content-Disposition": f'attachment; filename="report-{table}-{start}-to-{end}.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.exception_handler(InvalidPeriod)
def invalid_period(error: InvalidPeriod) -> Response[dict[str, str]]:
    return Response(
        status_code=400, content_type=content_types.APPLICATION_JSON, body={"message": str(error)}
    )
