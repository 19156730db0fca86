"""The alerts API (supervisor or admin; agents get 403), a function of its own: only it may create and delete
the alerts' schedules and start a fan-out.

- `GET /api/alerts/options`, `POST /api/alerts/preview`, `POST /api/alerts`, `GET /api/alerts`,
  `GET /api/alerts/{alert_id}`, `POST /api/alerts/{alert_id}/cancel` (docs/architecture.md, "Alerts").
- `POST /api/alerts/translate`: a machine translation of a text, as a draft for the composer to review.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, get_args

import boto3
from alerts.dal.alerts_table import AlertsTable
from alerts.integrations.queues import SqsPlanQueue
from alerts.integrations.schedules import PlanSchedules
from alerts.logic import compose
from alerts.logic.compose import Catalogue
from alerts.models.alerts import (
    AlertEnvelope,
    AlertList,
    AlertOptions,
    AlertRefused,
    CreateAlertRequest,
    Preview,
    PreviewRequest,
    TranslateRequest,
    TranslationDraft,
)
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from inbox.dal.consent_table import ConsentTable
from switchboard.audit import Actor, AuditLog
from switchboard.body_caps import STAFF_BODY_BYTES, refuse_bodies_over
from switchboard.languages import Language
from switchboard.observability import logger, metrics, tracer
from switchboard.roles import Forbidden
from switchboard.settings import AlertsApiSettings, load_settings
from switchboard.staff_routes import NotAuthenticated, jwt_claims, table_gate
from switchboard.translation import Translation, Translator
from translation.dal.translation_table import TranslationTable
from translation.integrations.amazon import amazon_translate
from translation.logic.conversation import MeteredTranslator
from zones.dal.zones_table import ZonesTable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(AlertsApiSettings)
app = APIGatewayHttpResolver(enable_validation=True)
gate = table_gate(settings.table_name, "supervisor")  # every route: signed in, not disabled, supervisor

AlertId = Annotated[str, Path(pattern=r"^al[0-9a-f]{16}$")]


class AlertStarter:
    """Send now: a plan job on AlertPlanQueue. At a time: a one-time schedule putting the same job there."""

    def __init__(self, queue: SqsPlanQueue, schedules: PlanSchedules) -> None:
        self._queue = queue
        self._schedules = schedules

    def start_now(self, alert_id: str) -> None:
        self._queue.start_now(alert_id)

    def schedule_alert(self, alert_id: str, send_at_utc: str) -> None:
        self._schedules.schedule_alert(alert_id, send_at_utc)

    def cancel_alert(self, alert_id: str) -> None:
        self._schedules.cancel_alert(alert_id)


@dataclass(frozen=True)
class AlertsApiDependencies:
    store: AlertsTable
    consent: ConsentTable
    zones: ZonesTable
    starter: AlertStarter
    audit: AuditLog
    # Machine translation for review: Amazon Translate (locally its stand-in) behind the agency's off switch
    # and monthly cap, like conversations; None answers 503 and staff write the text.
    translator: Translator | None = None


class ReviewTranslator:
    """The composer's drafts go through the same metering as conversations: the agency's settings are read at
    each call (an admin may turn translation off at any time) and the characters count against the month."""

    def __init__(self, store: TranslationTable) -> None:
        self._store = store
        self._metered = MeteredTranslator(amazon_translate(), store)

    def translate(self, text: str, source: str | None, target: str) -> Translation:
        return self._metered.translate(text, source, target, self._store.settings())


@cache
def dependencies() -> AlertsApiDependencies:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return AlertsApiDependencies(
        store=AlertsTable(table),
        consent=ConsentTable(table),
        zones=ZonesTable(table),
        starter=AlertStarter(
            SqsPlanQueue(boto3.client("sqs"), settings.alert_plan_queue_url),
            PlanSchedules(
                boto3.client("scheduler"),
                group=settings.alert_schedule_group,
                queue_arn=settings.alert_plan_queue_arn,
                role_arn=settings.alert_scheduler_role_arn,
            ),
        ),
        audit=AuditLog(table),
        translator=ReviewTranslator(TranslationTable(table)),
    )


def catalogue() -> Catalogue:
    deps = dependencies()
    zones: dict[str, tuple[str, str]] = {
        zone.zone: (zone.name, "polygon") for zone in deps.zones.polygon_zones()
    }
    for zip_code in sorted(deps.store.zip_zones()):
        zones[f"zip:{zip_code}"] = (zip_code, "zip")
    return Catalogue(
        topics={topic.code: topic.name for topic in deps.consent.topics()},
        zones=zones,
        languages=list(get_args(Language)),
    )


def actor() -> Actor:
    claims = jwt_claims(app)
    email = claims.get("email")
    return Actor(sub=str(claims["sub"]), email=str(email) if email else None)


@app.get("/api/alerts/options")
def get_options() -> AlertOptions:
    return compose.options(catalogue(), settings.alert_send_rate)


@app.post("/api/alerts/preview")
def post_preview(request: PreviewRequest) -> Preview:
    return compose.preview(dependencies().store, catalogue(), request)


@app.post("/api/alerts/translate")
def post_translate(request: TranslateRequest) -> TranslationDraft:
    deps = dependencies()
    draft = compose.machine_translation(deps.translator, catalogue(), request)
    deps.audit.record(actor(), "alert.translate", detail={"source": request.source, "target": request.target})
    return draft


@app.post("/api/alerts")
def post_alert(request: CreateAlertRequest) -> Response[AlertEnvelope]:
    deps = dependencies()
    who = actor()
    alert = compose.create_alert(
        deps.store,
        deps.starter,
        catalogue(),
        request,
        actor=who.email or who.sub,
        redirect_base=settings.public_api_url,
    )
    deps.audit.record(
        who,
        "alert.create",
        detail={
            "alert_id": alert.alert_id,
            "emergency": str(alert.emergency).lower(),
            "send_at": alert.send_at or "now",
        },
    )
    body = AlertEnvelope(alert=compose.view(deps.store, alert))
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=body)


@app.get("/api/alerts")
def get_alerts(limit: Annotated[int, Query(ge=1, le=100)] = 50) -> AlertList:
    store = dependencies().store
    return AlertList(
        alerts=[compose.view(store, alert, with_texts=False) for alert in store.list_alerts(limit)]
    )


@app.get("/api/alerts/<alert_id>")
def get_alert(alert_id: AlertId) -> AlertEnvelope:
    return AlertEnvelope(alert=compose.get_alert_view(dependencies().store, alert_id))


@app.post("/api/alerts/<alert_id>/cancel")
def post_cancel(alert_id: AlertId) -> AlertEnvelope:
    deps = dependencies()
    alert = compose.cancel_alert(deps.store, deps.starter, alert_id)
    deps.audit.record(actor(), "alert.cancel", detail={"alert_id": alert_id})
    return AlertEnvelope(alert=compose.view(deps.store, alert))


def _error(status_code: int, code: str, message: str) -> Response[dict[str, str]]:
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body={"error": code, "message": message},
    )


@app.exception_handler(AlertRefused)
def refused(error: AlertRefused) -> Response[dict[str, str]]:
    return _error(error.status_code, error.code, error.message)


@app.exception_handler(RequestValidationError)
def invalid(error: RequestValidationError) -> Response[dict[str, str]]:
    # Field names only: the values may hold an alert's text.
    fields = sorted(
        {".".join(str(part) for part in problem["loc"][1:]) or "body" for problem in error.errors()}
    )
    return _error(400, "invalid_request", "invalid or missing: " + ", ".join(fields))


@app.exception_handler(Forbidden)
def forbidden(_: Forbidden) -> Response[dict[str, str]]:
    return _error(403, "forbidden", "alerts need the supervisor or admin role")


@app.exception_handler(NotAuthenticated)
def unauthenticated(_: NotAuthenticated) -> Response[dict[str, str]]:
    return _error(401, "not_authenticated", "not authenticated")


@logger.inject_lambda_context(log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@refuse_bodies_over(STAFF_BODY_BYTES)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return gate.resolve(app, event, context)
