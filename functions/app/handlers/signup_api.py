"""The hosted sign-up page's public API (no staff JWT): GET /api/public/topics, POST /api/public/signup."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, get_args

import boto3
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from inbox.dal.agency_settings import AgencyName
from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_table import InboxTable
from inbox.integrations.reply_queue import SqsReplyQueue
from inbox.integrations.thread_replies import ThreadReplies
from subscriptions.dal.signup_table import SignupTable
from subscriptions.logic.signup import request_signup
from subscriptions.models.signup import (
    SignupAccepted,
    SignupRequest,
    TopicList,
    TopicView,
    UnknownAddress,
    UnknownTopic,
    UnsupportedNumber,
)
from switchboard import i18n
from switchboard.body_caps import SIGNUP_BODY_BYTES, refuse_bodies_over
from switchboard.languages import Language
from switchboard.observability import logger, metrics, tracer
from switchboard.public_texts import PublicTextGuard, TableCounters, TooManyTexts, country_prefixes
from switchboard.settings import SignupApiSettings, load_settings
from zones.dal.zones_table import ZonesTable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(SignupApiSettings)
app = APIGatewayHttpResolver(enable_validation=True)


@dataclass(frozen=True)
class SignupDependencies:
    consent: ConsentTable
    signups: SignupTable
    texts: ThreadReplies
    agency_name: AgencyName
    places: ZonesTable
    guard: PublicTextGuard


@cache
def dependencies() -> SignupDependencies:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return SignupDependencies(
        consent=ConsentTable(table),
        signups=SignupTable(table),
        texts=ThreadReplies(
            InboxTable(table), SqsReplyQueue(boto3.client("sqs"), settings.outbound_queue_url)
        ),
        agency_name=AgencyName(table, settings.agency_name),
        places=ZonesTable(table),
        guard=PublicTextGuard(
            TableCounters(table),
            daily_cap=settings.public_texts_per_day,
            allowed_prefixes=country_prefixes(settings.text_country_codes),
        ),
    )


@app.get("/api/public/topics")
def get_topics(
    lang: Annotated[str, Query(pattern=r"^[A-Za-z]{2}([-_][A-Za-z0-9]{2,8})?$")] = "en",
) -> TopicList:
    """The agency's topics and the page's own words, in `lang` (?lang=es; English for one with no catalog)."""
    deps = dependencies()
    topics = deps.consent.topics()
    chosen = i18n.supported(lang)
    return TopicList(
        agency=deps.agency_name(),
        topics=[TopicView(code=t.code, name=t.name_in(chosen)) for t in topics],
        languages=list(get_args(Language)),
        lang=chosen,
        words=i18n.domain("signup_page", chosen),
    )


@app.post("/api/public/signup")
def post_signup(signup: SignupRequest) -> Response[SignupAccepted]:
    deps = dependencies()
    request_signup(
        signup,
        topics=deps.consent.topics(),
        signups=deps.signups,
        texts=deps.texts,
        agency=deps.agency_name(),
        guard=deps.guard,
        client_address=app.current_event.request_context.http.source_ip,
        places=deps.places,
    )
    # The same answer whether or not a text went out: the page must not tell a stranger about a number.
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=SignupAccepted())


@app.exception_handler(UnknownTopic)
def unknown_topic(error: UnknownTopic) -> Response[dict[str, str]]:
    return Response(
        status_code=400, content_type=content_types.APPLICATION_JSON, body={"message": "unknown topic"}
    )


@app.exception_handler(TooManyTexts)
def too_many_texts(error: TooManyTexts) -> Response[dict[str, Any]]:
    """Nothing was sent. The page says to try later; Retry-After says when."""
    return Response(
        status_code=429,
        content_type=content_types.APPLICATION_JSON,
        headers={"Retry-After": str(max(1, error.retry_after_s))},
        body={
            "error": "rate_limited",
            "message": "too many sign-ups right now; nothing was sent, try again later",
            "retry_after_s": max(1, error.retry_after_s),
        },
    )


@app.exception_handler(UnknownAddress)
def unknown_address(error: UnknownAddress) -> Response[dict[str, Any]]:
    return Response(
        status_code=400,
        content_type=content_types.APPLICATION_JSON,
        body={
            "message": "we could not find this address in our area; check it, or give a ZIP code instead",
            "fields": ["address"],
        },
    )


@app.exception_handler(UnsupportedNumber)
def unsupported_number(error: UnsupportedNumber) -> Response[dict[str, Any]]:
    return Response(
        status_code=400,
        content_type=content_types.APPLICATION_JSON,
        body={"message": "this number cannot be signed up here", "fields": ["phone"]},
    )


@app.exception_handler(RequestValidationError)
def invalid_request(error: RequestValidationError) -> Response[dict[str, Any]]:
    # Which fields, never their values (the phone number).
    fields = sorted({str(problem["loc"][-1]) for problem in error.errors() if problem.get("loc")})
    logger.info("Sign-up refused by validation", extra={"fields": fields})
    return Response(
        status_code=400,
        content_type=content_types.APPLICATION_JSON,
        body={"message": "check these fields", "fields": fields},
    )


@logger.inject_lambda_context(log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@refuse_bodies_over(SIGNUP_BODY_BYTES)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
