"""Topic and subscriber routes the agent API includes (a Router), for supervisors (issue 16 item 7).

- `GET /api/topics` → `{"topics": [{code, name, subscribers, updated_at}]}`, by name.
- `POST /api/topics` `{code, name}` → 201 the topic; 400 a code residents could not use; 409 the code exists.
- `PUT /api/topics/{code}` `{name}` → the topic renamed; subscriptions name the code, so every one stays. 404.
- `POST /api/subscribers/lookup` `{address}` → a resident's consent now and the ledger behind it. The phone
  number travels in the body, never in a URL (access logs keep URLs). The read is audited, as a thread's is.
- `POST /api/subscribers/opt-out` `{address, topic, reason}` → the same, after the opt-out: a ledger entry
  with source `staff`, the staff member as actor and the reason as provenance; audited (a hashed address).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated

import boto3
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from inbox.dal.consent_table import ConsentTable
from inbox.logic.consent_changes import record_change
from inbox.models.consent import ALL_TOPICS, ConsentChange
from inbox.models.records import new_id
from pydantic import BaseModel, ConfigDict, Field
from switchboard.audit import Actor, AuditLog
from switchboard.clock import utc_now_iso
from switchboard.observability import logger, redact_address
from switchboard.phone import channel_of
from switchboard.settings import AgentApiSettings, load_settings
from switchboard.staff_routes import requires

from subscriptions.dal.topics_table import ManagedTopic, TopicsTable
from subscriptions.logic.audience import (
    InvalidSubscriber,
    InvalidTopicCode,
    subscriber_address,
    topic_code,
    topic_name,
)
from subscriptions.models.views import ConsentEntry, ConsentSummary

router = Router()
SUPERVISOR = [requires("supervisor")]
TopicCode = Annotated[str, Path(pattern=r"^[A-Za-z][A-Za-z0-9]{1,19}$")]


class TopicNotFound(LookupError):
    pass


class TopicExists(ValueError):
    pass


@dataclass(frozen=True)
class AudienceDependencies:
    topics: TopicsTable
    consent: ConsentTable
    audit: AuditLog


@cache
def dependencies() -> AudienceDependencies:
    table = boto3.resource("dynamodb").Table(load_settings(AgentApiSettings).table_name)
    return AudienceDependencies(topics=TopicsTable(table), consent=ConsentTable(table), audit=AuditLog(table))


def _actor() -> Actor:
    agent = router.context["agent"]
    return Actor(sub=agent.sub, email=agent.email)


class TopicView(BaseModel):
    code: str
    name: str
    subscribers: int
    updated_at: str | None = None

    @classmethod
    def of(cls, topic: ManagedTopic) -> TopicView:
        return cls(
            code=topic.code, name=topic.name, subscribers=topic.subscribers, updated_at=topic.updated_at
        )


class TopicList(BaseModel):
    topics: list[TopicView]


class NewTopic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)


class TopicRename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)


class SubscriberLookup(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    address: str = Field(min_length=1, max_length=64)


class SubscriberOptOut(SubscriberLookup):
    topic: str = Field(min_length=2, max_length=20)  # "ALL" or a topic code
    # Why staff stopped the texts ("asked by phone, 2026-12-07"): kept on the ledger entry.
    reason: str = Field(min_length=3, max_length=200, pattern=r"\S")


class SubscriberView(BaseModel):
    address: str
    channel: str
    state: ConsentSummary
    history: list[ConsentEntry]


@router.get("/api/topics", middlewares=SUPERVISOR)
def get_topics() -> TopicList:
    return TopicList(topics=[TopicView.of(topic) for topic in dependencies().topics.list_topics()])


@router.post("/api/topics", middlewares=SUPERVISOR)
def post_topic(request: NewTopic) -> Response[dict[str, object]]:
    code, name = topic_code(request.code), topic_name(request.name)
    actor = _actor()
    if not dependencies().topics.create(code, name, at=utc_now_iso(), by=actor.sub):
        raise TopicExists(code)
    dependencies().audit.record(actor, "topic.create", detail={"code": code, "name": name})
    view = TopicView(code=code, name=name, subscribers=0)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=view.model_dump())


@router.put("/api/topics/<code>", middlewares=SUPERVISOR)
def put_topic(code: TopicCode, request: TopicRename) -> TopicView:
    code, name = code.upper(), topic_name(request.name)
    deps = dependencies()
    actor = _actor()
    old = deps.topics.rename(code, name, at=utc_now_iso(), by=actor.sub)
    if old is None:
        raise TopicNotFound(code)
    deps.audit.record(actor, "topic.rename", detail={"code": code, "from": old, "to": name})
    return TopicView(code=code, name=name, subscribers=deps.topics.subscriber_count(code))


def _subscriber(consent: ConsentTable, address: str) -> SubscriberView:
    return SubscriberView(
        address=address,
        channel=channel_of(address),
        state=ConsentSummary.of(consent.load_state(address)),
        history=[ConsentEntry.of(change) for change in consent.history(address, 200)],
    )


@router.post("/api/subscribers/lookup", middlewares=SUPERVISOR)
def post_subscriber_lookup(request: SubscriberLookup) -> SubscriberView:
    address = subscriber_address(request.address)
    deps = dependencies()
    deps.audit.record(_actor(), "subscribers.read", detail={"resident": redact_address(address)})
    return _subscriber(deps.consent, address)


@router.post("/api/subscribers/opt-out", middlewares=SUPERVISOR)
def post_subscriber_opt_out(request: SubscriberOptOut) -> SubscriberView:
    address = subscriber_address(request.address)
    topic = request.topic.strip().upper()
    deps = dependencies()
    if topic != ALL_TOPICS and not deps.topics.exists(topic):
        raise TopicNotFound(topic)
    actor = _actor()
    change = ConsentChange(
        address=address,
        channel=channel_of(address),
        topic=topic,
        action="opt_out",
        at=utc_now_iso(),
        source="staff",
        source_id=f"staff:{new_id()}",
        provenance=" ".join(request.reason.split()),
        actor_sub=actor.sub,
    )
    record_change(deps.consent, change)
    deps.audit.record(
        actor, "subscribers.opt_out", detail={"resident": redact_address(address), "topic": topic}
    )
    logger.info("Staff opt-out recorded", extra={"to_hash": redact_address(address), "topic": topic})
    return _subscriber(deps.consent, address)


def _answer(status: int, message: str) -> Response[dict[str, str]]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body={"message": message}
    )


@router.exception_handler(InvalidTopicCode)
@router.exception_handler(InvalidSubscriber)
def refused(error: ValueError) -> Response[dict[str, str]]:
    return _answer(400, str(error))  # our own words (logic.audience), never the input


@router.exception_handler(TopicExists)
def topic_exists(_error: TopicExists) -> Response[dict[str, str]]:
    return _answer(409, "a topic with this code exists already; rename it instead")


@router.exception_handler(TopicNotFound)
def topic_not_found(_error: TopicNotFound) -> Response[dict[str, str]]:
    return _answer(404, "no such topic")
