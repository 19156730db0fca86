"""CallsFn, ANY /api/calls/{proxy+} (Cognito JWT, agent role): click-to-call and the staff member's own phone.

GET  /api/calls/phone                     {"phone": "+1..." | null}
PUT  /api/calls/phone {"phone": "+1..." | null}     E.164, or null to remove it
POST /api/calls/threads/<thread_id>       201 {"call_sid", "thread_id", "status"}: rings the caller,
                                          then
                                          the resident from the agency number

A function of its own so that only it (and the status webhook) reads the Twilio secret from behind a JWT.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from switchboard.audit import AuditLog
from switchboard.body_caps import STAFF_BODY_BYTES, refuse_bodies_over
from switchboard.observability import logger, metrics, tracer
from switchboard.roles import Forbidden, groups_from_claims
from switchboard.settings import ClickToCallSettings, load_settings
from switchboard.staff_routes import NotAuthenticated, answer_errors, jwt_claims, table_gate
from switchboard.twilio_client import twilio_client_from_secret

from calls.dal.call_table import CallTable
from calls.integrations.twilio_calls import TwilioDialer
from calls.logic.click_to_call import (
    Caller,
    CallSettings,
    DialFailed,
    NoCallerId,
    NoResidentPhone,
    NoStaffPhone,
    ThreadNotFound,
    save_staff_phone,
    start_call,
)
from calls.models.calls import CallStarted, StaffPhone, StaffPhoneView

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(ClickToCallSettings)
app = APIGatewayHttpResolver(enable_validation=True)
gate = table_gate(settings.table_name, "agent")  # every route: signed in, not disabled, agent

ThreadId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


@dataclass(frozen=True)
class CallDependencies:
    store: CallTable
    dialer: TwilioDialer
    audit: AuditLog


@cache
def dependencies() -> CallDependencies:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return CallDependencies(
        store=CallTable(table),
        dialer=TwilioDialer(
            lambda: twilio_client_from_secret(settings.twilio_secret_arn, settings.twilio_api_base_url)
        ),
        audit=AuditLog(table),
    )


def caller() -> Caller:
    claims = jwt_claims(app)
    email = claims.get("email")
    return Caller(
        sub=str(claims["sub"]), email=str(email) if email else None, groups=tuple(groups_from_claims(claims))
    )


@app.get("/api/calls/phone")
def get_phone() -> StaffPhoneView:
    profile = dependencies().store.get_profile(caller().sub) or {}
    return StaffPhoneView(phone=profile.get("phone"))


@app.put("/api/calls/phone")
def put_phone(body: StaffPhone) -> StaffPhoneView:
    deps = dependencies()
    save_staff_phone(deps.store, deps.audit, caller(), body.phone)
    return StaffPhoneView(phone=body.phone)


@app.post("/api/calls/threads/<thread_id>")
def post_call(thread_id: ThreadId) -> Response[CallStarted]:
    deps = dependencies()
    started = start_call(
        deps.store,
        deps.dialer,
        deps.audit,
        CallSettings(settings.call_status_callback_url, settings.twilio_from_number),
        caller(),
        thread_id,
    )
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=started)


answer_errors(
    app,
    {
        NotAuthenticated: (401, "not authenticated"),
        Forbidden: (403, "you do not have access to this conversation"),
        ThreadNotFound: (404, "conversation not found"),
        NoStaffPhone: (
            409,
            "Add your phone number (Call settings) first: Twilio rings your phone, then connects "
            "the resident.",
        ),
        NoResidentPhone: (409, "This conversation has no phone number to call."),
        NoCallerId: (409, "No agency phone number is configured to call from (TwilioFromNumber)."),
        DialFailed: (502, "Twilio could not place the call. Try again in a moment."),
    },
)


@logger.inject_lambda_context(log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@refuse_bodies_over(STAFF_BODY_BYTES)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return gate.resolve(app, event, context)
