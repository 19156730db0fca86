"""Environment variables as pydantic models, one per function role, checked at cold start.

A function reads only the variables it needs, so each role has its own model; the names mean the same thing
everywhere (docs/architecture.md). `load_settings` turns a validation failure into one error naming the
variables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Literal, TypeVar, overload

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from switchboard.phone import is_e164

# The two message webhooks' settings are plain dataclasses (switchboard.webhook_settings: no pydantic on their
# cold start), re-exported here with the error every loader raises.
from switchboard.webhook_settings import InboundWebhookSettings as InboundWebhookSettings
from switchboard.webhook_settings import PlainSettings, PlainT
from switchboard.webhook_settings import SettingsError as SettingsError
from switchboard.webhook_settings import StatusWebhookSettings as StatusWebhookSettings
from switchboard.webhook_settings import base_url as _base_url


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _e164_or_empty(value: str) -> str:
    value = value.strip()
    if value and not is_e164(value):
        raise ValueError("must be a valid phone number in E.164 form like +12025550143, or empty")
    return value


def _messaging_service_sid(value: str | None) -> str | None:
    if value is not None and not re.match(r"^MG[0-9a-fA-F]{32}$", value):
        raise ValueError("must look like MG followed by 32 hex digits")
    return value


Required = Annotated[str, Field(min_length=1)]
BaseUrl = Annotated[str, AfterValidator(_base_url)]
OptionalBaseUrl = Annotated[BaseUrl | None, BeforeValidator(_blank_to_none)]


class _Env(BaseModel):
    # Built on first use: a function validates one or two of these models, not the twenty defined here.
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True, defer_build=True)


class _TwilioWebhookSettings(_Env):
    twilio_secret_arn: Required = Field(alias="TWILIO_SECRET_ARN")
    # Signatures are checked against this configured URL, never one rebuilt from request headers.
    public_api_url: BaseUrl = Field(alias="PUBLIC_API_URL")


class _TwilioApiSettings(_Env):
    """For functions that call Twilio's REST API (or, locally, the Twilio-compatible endpoint)."""

    twilio_secret_arn: Required = Field(alias="TWILIO_SECRET_ARN")
    twilio_api_base_url: OptionalBaseUrl = Field(default=None, alias="TWILIO_API_BASE_URL")


# Keyword replies start with it ("City of Springfield: You are unsubscribed..."): short, so they fit one SMS.
AgencyName = Annotated[str, Field(min_length=1, max_length=40)]


class InboundConsumerSettings(_TwilioApiSettings):
    table_name: Required = Field(alias="TABLE_NAME")
    media_bucket: Required = Field(alias="MEDIA_BUCKET")
    # Consent and keyword replies go out through the sender like any reply.
    outbound_queue_url: Required = Field(alias="OUTBOUND_QUEUE_URL")
    agency_name: AgencyName = Field(default="Switchboard", alias="AGENCY_NAME")
    # Triage's optional second stage (CDK context triageSecondOpinion): "comprehend" asks Amazon Comprehend.
    triage_second_opinion: Literal["off", "comprehend"] = Field(default="off", alias="TRIAGE_SECOND_OPINION")
    # New service requests go to the Open311 client (absent: no city link is possible, as before issue 21).
    city_forward_queue_url: str | None = Field(default=None, alias="CITY_FORWARD_QUEUE_URL")


class StatusConsumerSettings(_Env):
    table_name: Required = Field(alias="TABLE_NAME")


class _PublicTextSettings(_Env):
    """Public routes that make the agency text a number someone typed (switchboard.public_texts)."""

    # Texts a day through public routes for the whole agency (CDK parameter PublicTextsPerDay).
    public_texts_per_day: int = Field(default=500, ge=0, alias="PUBLIC_TEXTS_PER_DAY")
    # Calling codes texted, comma-separated (CDK parameter TextCountryCodes): 1 = US and Canada.
    text_country_codes: str = Field(
        default="1", pattern=r"^\+?[1-9]\d{0,2}(,\+?[1-9]\d{0,2})*$", alias="TEXT_COUNTRY_CODES"
    )


class SignupApiSettings(_PublicTextSettings):
    table_name: Required = Field(alias="TABLE_NAME")
    outbound_queue_url: Required = Field(alias="OUTBOUND_QUEUE_URL")
    agency_name: AgencyName = Field(default="Switchboard", alias="AGENCY_NAME")


class CallbackStepsSettings(_Env):
    table_name: Required = Field(alias="TABLE_NAME")
    outbound_queue_url: Required = Field(alias="OUTBOUND_QUEUE_URL")
    agency_name: AgencyName = Field(default="Switchboard", alias="AGENCY_NAME")
    # IANA zone in which residents are told times (callback slots, business hours).
    agency_time_zone: str = Field(default="America/New_York", alias="AGENCY_TIME_ZONE")


class StaffAccessSettings(_Env):
    """Every staff function: whose threads a supervisor sees ("all" departments, or only their own)."""

    supervisor_scope: Literal["all", "departments"] = Field(default="all", alias="SUPERVISOR_SCOPE")


class AgentApiSettings(_Env):
    table_name: Required = Field(alias="TABLE_NAME")
    media_bucket: Required = Field(alias="MEDIA_BUCKET")
    outbound_queue_url: Required = Field(alias="OUTBOUND_QUEUE_URL")
    # Triage: where a rules save starts the background re-score of open threads (none: no re-score).
    triage_rescore_queue_url: str | None = Field(default=None, alias="TRIAGE_RESCORE_QUEUE_URL")
    # 311: where a request staff make from a thread goes to the city (none: no Open311 client).
    city_forward_queue_url: str | None = Field(default=None, alias="CITY_FORWARD_QUEUE_URL")


class TriageRescoreSettings(_Env):
    table_name: Required = Field(alias="TABLE_NAME")
    triage_rescore_queue_url: Required = Field(alias="TRIAGE_RESCORE_QUEUE_URL")


class StaffAdminSettings(_Env):
    table_name: Required = Field(alias="TABLE_NAME")
    user_pool_id: Required = Field(alias="USER_POOL_ID")


class SmsSenderSettings(_TwilioApiSettings):
    table_name: Required = Field(alias="TABLE_NAME")
    public_api_url: BaseUrl = Field(alias="PUBLIC_API_URL")
    twilio_from_number: Annotated[str, AfterValidator(_e164_or_empty)] = Field(
        default="", alias="TWILIO_FROM_NUMBER"
    )
    twilio_messaging_service_sid: Annotated[
        str | None, BeforeValidator(_blank_to_none), AfterValidator(_messaging_service_sid)
    ] = Field(default=None, alias="TWILIO_MESSAGING_SERVICE_SID")

    @model_validator(mode="after")
    def _needs_a_sender(self) -> SmsSenderSettings:
        if not self.twilio_from_number and not self.twilio_messaging_service_sid:
            raise ValueError("set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        return self

    @property
    def status_callback_url(self) -> str:
        return self.public_api_url + "/twilio/status"


SettingsT = TypeVar("SettingsT", bound=_Env)


@overload
def load_settings(model: type[SettingsT], environ: Mapping[str, str] | None = None) -> SettingsT: ...


@overload
def load_settings(model: type[PlainT], environ: Mapping[str, str] | None = None) -> PlainT: ...


def load_settings(
    model: type[SettingsT] | type[PlainT], environ: Mapping[str, str] | None = None
) -> SettingsT | PlainT:
    """Validate the environment against `model`; SettingsError names every missing or invalid variable."""
    if issubclass(model, PlainSettings):
        return model.from_environ(environ)
    source = os.environ if environ is None else environ
    try:
        return model.model_validate(dict(source))
    except ValidationError as error:
        raise SettingsError(_describe(model, error)) from None


def _describe(model: type[BaseModel], error: ValidationError) -> str:
    missing: list[str] = []
    invalid: list[str] = []
    for problem in error.errors(include_input=False, include_url=False):
        name = str(problem["loc"][0]) if problem["loc"] else ""
        reason = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "missing":
            missing.append(name)
        else:
            invalid.append(f"{name} ({reason})" if name else reason)
    parts = []
    if missing:
        parts.append("missing environment variable(s): " + ", ".join(missing))
    if invalid:
        parts.append("invalid environment variable(s): " + "; ".join(invalid))
    return f"{model.__name__}: " + "; ".join(parts)


class WebChatSettings(_PublicTextSettings):
    """The web chat API (functions/webchat): public /chat routes and the agent's /api/webchat routes."""

    table_name: Required = Field(alias="TABLE_NAME")
    inbound_queue_url: Required = Field(alias="INBOUND_QUEUE_URL")
    token_secret_arn: Required = Field(alias="WEBCHAT_TOKEN_SECRET_ARN")
    media_bucket: Required = Field(alias="MEDIA_BUCKET")  # residents' photos, as for MMS
    # Comma-separated origins (scheme://host[:port]) whose pages may embed the widget.
    allowed_origins: str = Field(default="", alias="CHAT_ALLOWED_ORIGINS")
    business_hours: str = Field(default="", alias="CHAT_BUSINESS_HOURS")
    timezone: str = Field(default="UTC", alias="CHAT_TIMEZONE")

    @property
    def origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.allowed_origins.split(",") if origin.strip()]


# --- alerts (functions/alerts) ----------------------------------------------------------------------------
# Messages per second the agency's Twilio sender may take (a long code 1, toll-free 3, a short code 100, a
# Messaging Service its numbers' sum); CDK parameter AlertSendRate.
AlertRate = Annotated[int, Field(ge=1, le=1000)]


class _AlertScheduling(_Env):
    alert_plan_queue_arn: Required = Field(alias="ALERT_PLAN_QUEUE_ARN")
    alert_schedule_group: Required = Field(alias="ALERT_SCHEDULE_GROUP")
    alert_scheduler_role_arn: Required = Field(alias="ALERT_SCHEDULER_ROLE_ARN")


class AlertsApiSettings(_AlertScheduling):
    table_name: Required = Field(alias="TABLE_NAME")
    alert_plan_queue_url: Required = Field(alias="ALERT_PLAN_QUEUE_URL")
    public_api_url: BaseUrl = Field(alias="PUBLIC_API_URL")
    alert_send_rate: AlertRate = Field(default=10, alias="ALERT_SEND_RATE")


class AlertPlannerSettings(_Env):
    table_name: Required = Field(alias="TABLE_NAME")
    alert_send_queue_url: Required = Field(alias="ALERT_SEND_QUEUE_URL")
    alert_plan_queue_url: Required = Field(alias="ALERT_PLAN_QUEUE_URL")  # its own: a large audience's shards


class AlertSenderSettings(SmsSenderSettings, _AlertScheduling):
    alert_send_rate: AlertRate = Field(default=10, alias="ALERT_SEND_RATE")
    agency_time_zone: str = Field(default="America/New_York", alias="AGENCY_TIME_ZONE")
    agency_name: AgencyName = Field(default="Switchboard", alias="AGENCY_NAME")
    # Issue 22: voice alerts (calls per second, CDK parameter AlertCallRate) and email alerts through SES
    # (the verified sender identity's address and the configuration set whose events report bounces).
    alert_call_rate: AlertRate = Field(default=1, alias="ALERT_CALL_RATE")
    alert_email_rate: AlertRate = Field(default=10, alias="ALERT_EMAIL_RATE")
    alert_email_sender: str = Field(default="", alias="ALERT_EMAIL_SENDER")
    alert_email_configuration_set: str = Field(default="", alias="ALERT_EMAIL_CONFIGURATION_SET")

    @property
    def call_status_callback_url(self) -> str:
        """Where a voice alert's outcome is reported (CallStatusFn, `?alert={alert_id}` appended)."""
        return self.public_api_url + "/twilio/calls/status"


class AlertCallWebhookSettings(_TwilioWebhookSettings):
    """AlertCallFn: the repeat key of a voice alert (POST /twilio/alert-calls/{alert_id})."""

    table_name: Required = Field(alias="TABLE_NAME")
    agency_name: AgencyName = Field(default="Switchboard", alias="AGENCY_NAME")


class EmailAlertsSettings(_Env):
    """UnsubscribeFn and EmailFeedbackFn: one-click unsubscribe links and SES bounces/complaints."""

    table_name: Required = Field(alias="TABLE_NAME")
    agency_name: AgencyName = Field(default="Switchboard", alias="AGENCY_NAME")


class LinkRedirectSettings(_Env):
    table_name: Required = Field(alias="TABLE_NAME")


class ClickToCallSettings(_TwilioApiSettings):
    """CallsFn: places click-to-call calls (the agent's phone first, then the resident)."""

    table_name: Required = Field(alias="TABLE_NAME")
    public_api_url: BaseUrl = Field(alias="PUBLIC_API_URL")
    # The caller id residents see when a thread has no agency address of its own.
    twilio_from_number: Annotated[str, AfterValidator(_e164_or_empty)] = Field(
        default="", alias="TWILIO_FROM_NUMBER"
    )

    @property
    def call_status_callback_url(self) -> str:
        return self.public_api_url + "/twilio/calls/status"


class CallStatusWebhookSettings(_TwilioWebhookSettings):
    table_name: Required = Field(alias="TABLE_NAME")


class NoticesApiSettings(_Env):
    """NoticesFn: supervisors manage recurring notices, each an EventBridge Scheduler schedule."""

    table_name: Required = Field(alias="TABLE_NAME")
    schedule_group: Required = Field(alias="NOTICE_SCHEDULE_GROUP")
    fire_function_arn: Required = Field(alias="NOTICE_FIRE_FUNCTION_ARN")
    scheduler_role_arn: Required = Field(alias="NOTICE_SCHEDULER_ROLE_ARN")
    dead_letter_arn: str = Field(default="", alias="NOTICE_DLQ_ARN")
    default_time_zone: str = Field(default="America/New_York", alias="AGENCY_TIME_ZONE")


class NoticeFireSettings(_Env):
    """NoticeFireFn: a notice's schedule fired; the notice becomes an alert, started on AlertPlanQueue."""

    table_name: Required = Field(alias="TABLE_NAME")
    alert_plan_queue_url: Required = Field(alias="ALERT_PLAN_QUEUE_URL")
    public_api_url: BaseUrl = Field(alias="PUBLIC_API_URL")


class Open311Settings(_Env):
    """Open311Fn: the public GeoReport v2 server (/open311/v2/...)."""

    table_name: Required = Field(alias="TABLE_NAME")
    public_api_url: BaseUrl = Field(alias="PUBLIC_API_URL")
    agency_name: AgencyName = Field(default="Switchboard", alias="AGENCY_NAME")
    media_bucket: str = Field(default="", alias="MEDIA_BUCKET")  # photos of requests: signed, expiring links
    posts_per_minute: int = Field(default=60, ge=1, le=6000, alias="OPEN311_POSTS_PER_MINUTE")
    # The key of the photos' signed links (GET /open311/v2/media/...): signed and checked here, signed by
    # CityForwardFn.
    media_link_secret_arn: Required = Field(alias="MEDIA_LINK_SECRET_ARN")


class CityForwardSettings(_Env):
    """CityForwardFn: CityForwardQueue's consumer: new service requests, POSTed to the city's Open311
    endpoint."""

    table_name: Required = Field(alias="TABLE_NAME")
    city_forward_queue_url: Required = Field(alias="CITY_FORWARD_QUEUE_URL")
    city_timeout_s: float = Field(default=10.0, gt=0, le=60, alias="CITY_TIMEOUT_S")
    # First retry after about this many seconds, doubling per delivery, with full jitter (at most 12 hours).
    city_retry_base_s: int = Field(default=60, ge=0, le=3600, alias="CITY_RETRY_BASE_S")
    public_api_url: BaseUrl = Field(alias="PUBLIC_API_URL")  # where the photos' links point
    media_link_secret_arn: Required = Field(alias="MEDIA_LINK_SECRET_ARN")  # signs the photos' links


class CityPollSettings(_Env):
    """CityPollFn: every few minutes, the city's tokens and statuses of the requests still open there."""

    table_name: Required = Field(alias="TABLE_NAME")
    outbound_queue_url: Required = Field(alias="OUTBOUND_QUEUE_URL")
    agency_name: AgencyName = Field(default="Switchboard", alias="AGENCY_NAME")
    city_timeout_s: float = Field(default=10.0, gt=0, le=60, alias="CITY_TIMEOUT_S")


class ReportSettings(_Env):
    """Reports (issue 18): the agency's opening hours time business-hours durations; its zone draws the
    weekday x hour heatmap. The same variables the web chat's hours and quiet hours use."""

    business_hours: str = Field(default="", alias="CHAT_BUSINESS_HOURS")
    hours_time_zone: str = Field(default="UTC", alias="CHAT_TIMEZONE")
    agency_time_zone: str = Field(default="America/New_York", alias="AGENCY_TIME_ZONE")


class VoiceWebhookSettings(_TwilioWebhookSettings):
    """VoiceFn: the agency number's IVR (POST /twilio/voice). It answers Twilio itself (TwiML), so it reads
    the table, texts through the OutboundQueue and books callbacks through the callback workflow."""

    table_name: Required = Field(alias="TABLE_NAME")
    outbound_queue_url: Required = Field(alias="OUTBOUND_QUEUE_URL")
    agency_name: AgencyName = Field(default="Switchboard", alias="AGENCY_NAME")
    agency_time_zone: str = Field(default="America/New_York", alias="AGENCY_TIME_ZONE")
    callback_state_machine_arn: str = Field(default="", alias="CALLBACK_STATE_MACHINE_ARN")
    callback_hours: str = Field(default="Mon-Fri 09:00-17:00", alias="CALLBACK_HOURS")
    callback_department: str = Field(default="general", alias="CALLBACK_DEPARTMENT")

    @property
    def voice_url(self) -> str:
        return self.public_api_url + "/twilio/voice"
