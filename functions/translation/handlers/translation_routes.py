"""Translation routes of the agent API (a Router it includes). Every route passes the staff gate first
(switchboard.access; a route on one thread is also checked against the caller's departments).

- `GET /api/threads/{thread_id}/translations` (agent) → ThreadTranslations: the thread's language and every
  kept translation (inbound: what staff read; outbound: what the resident received), oldest first. Messages
  not translated yet are tried again first (a few a view).
- `PUT /api/threads/{thread_id}/language` (agent) `{"language": "es"}` → LanguageState: staff override of the
  thread's language; it holds from then on. Audited `thread.language`.
- `POST /api/threads/{thread_id}/translation-preview` (agent) `{"body"}` → ReplyPreview: what the resident
  would receive, with SMS segments of both texts. Sends nothing.
- `POST /api/threads/{thread_id}/translated-replies` (agent) `{"body", "translation", "language", "provider",
  "stand_in", "confirm_takeover"}` → 202 `{"message", "translation"}`: the reply as the agent saw it in the
  preview goes out in the resident's language; what the agent wrote is kept beside it. Same refusals as
  `POST …/messages` (409 opted out or owned by another).
- `GET|PUT /api/translation/settings` (admin) → TranslationSettings (`enabled`, `monthly_char_cap`,
  `agent_language`). Audited `translation.settings`.
- `GET /api/translation/usage` (supervisor) → UsageView: characters this month (UTC) against the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, get_args

import boto3
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from inbox.dal.inbox_table import InboxTable
from inbox.integrations.reply_queue import SqsReplyQueue
from inbox.logic import workspace as workspace_logic
from inbox.logic.agent_inbox import reply_to_thread
from inbox.logic.consent_changes import set_language
from inbox.models.conversations import Agent
from switchboard.audit import Actor, AuditLog
from switchboard.clock import utc_now_iso
from switchboard.languages import Language
from switchboard.observability import logger
from switchboard.settings import AgentApiSettings, load_settings
from switchboard.staff_routes import requires
from switchboard.table_keys import message_sk

from translation.dal.translation_table import TranslationTable
from translation.integrations.amazon import amazon_translate
from translation.logic.conversation import (
    MeteredTranslator,
    ThreadNotFound,
    current_month,
    outbound_record,
    preview_reply,
    translations_of_thread,
)
from translation.models.translation import (
    LanguageRequest,
    LanguageState,
    PreviewRequest,
    ReplyPreview,
    ThreadTranslations,
    TranslatedReplyRequest,
    TranslationSettings,
    UsageView,
)

router = Router()
AGENT = [requires("agent")]
SUPERVISOR = [requires("supervisor")]
ADMIN = [requires("admin")]
ThreadId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


@dataclass(frozen=True)
class TranslationRouteDependencies:
    store: TranslationTable
    metered: MeteredTranslator
    inbox: InboxTable
    replies: SqsReplyQueue
    audit: AuditLog


@cache
def dependencies() -> TranslationRouteDependencies:
    settings = load_settings(AgentApiSettings)
    table = boto3.resource("dynamodb").Table(settings.table_name)
    store = TranslationTable(table)
    return TranslationRouteDependencies(
        store=store,
        metered=MeteredTranslator(amazon_translate(), store),
        inbox=InboxTable(table),
        replies=SqsReplyQueue(boto3.client("sqs"), settings.outbound_queue_url),
        audit=AuditLog(table),
    )


def _agent() -> Agent:
    agent: Agent = router.context["agent"]
    return agent


def _actor() -> Actor:
    agent = _agent()
    return Actor(sub=agent.sub, email=agent.email)


@router.get("/api/threads/<thread_id>/translations", middlewares=AGENT)
def get_translations(thread_id: ThreadId) -> ThreadTranslations:
    deps = dependencies()
    return translations_of_thread(deps.store, deps.metered, thread_id, utc_now_iso())


@router.put("/api/threads/<thread_id>/language", middlewares=AGENT)
def put_language(thread_id: ThreadId, request: LanguageRequest) -> LanguageState:
    deps = dependencies()
    if not deps.store.set_language(thread_id, request.language):
        raise ThreadNotFound(thread_id)
    # The resident's own texts (alerts, reminders, automatic answers) follow, if sent in that language.
    thread = deps.inbox.get_thread(thread_id)
    address = str(((thread or {}).get("resident") or {}).get("address") or "")
    if address and request.language in get_args(Language):
        set_language(router.context["consent"], address, request.language, utc_now_iso())
    deps.audit.record(_actor(), "thread.language", thread_id=thread_id, detail={"language": request.language})
    logger.info("Thread language set by staff", extra={"thread_id": thread_id, "language": request.language})
    return LanguageState(thread_id=thread_id, language=request.language, language_set_by="staff")


@router.post("/api/threads/<thread_id>/translation-preview", middlewares=AGENT)
def post_preview(thread_id: ThreadId, request: PreviewRequest) -> ReplyPreview:
    deps = dependencies()
    return preview_reply(deps.store, deps.metered, thread_id, request.body)


@router.post("/api/threads/<thread_id>/translated-replies", middlewares=AGENT)
def post_translated_reply(thread_id: ThreadId, request: TranslatedReplyRequest) -> Response[dict[str, Any]]:
    deps, agent = dependencies(), _agent()
    workspace = router.context["workspace"]
    consent = router.context["consent"]
    message = reply_to_thread(
        deps.inbox,
        deps.replies,
        thread_id=thread_id,
        body=request.translation,
        agent=agent,
        confirm_takeover=request.confirm_takeover,
        opted_out=lambda address: consent.load_state(address).opted_out_all,
    )
    record = outbound_record(
        message_id=message.message_id,
        body=request.body,
        translation=request.translation,
        language=request.language,
        agent_language=deps.store.settings().agent_language,
        provider=request.provider,
        stand_in=request.stand_in,
        now=message.created_at,
    )
    deps.store.put_translation(thread_id, message_sk(message.created_at, message.message_id), record)
    workspace_logic.claim_on_reply(workspace, agent, thread_id)
    workspace.audit.record(
        workspace_logic.actor_of(agent),
        "thread.reply",
        thread_id=thread_id,
        detail={
            "message_id": message.message_id,
            "takeover": str(request.confirm_takeover).lower(),
            "translated_to": request.language,
        },
    )
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body={"message": message.model_dump(mode="json"), "translation": record.model_dump(mode="json")},
    )


@router.get("/api/translation/settings", middlewares=ADMIN)
def get_settings() -> TranslationSettings:
    return dependencies().store.settings()


@router.put("/api/translation/settings", middlewares=ADMIN)
def put_settings(request: TranslationSettings) -> TranslationSettings:
    deps, actor = dependencies(), _actor()
    deps.store.save_settings(request, actor.sub, utc_now_iso())
    deps.audit.record(
        actor,
        "translation.settings",
        detail={
            "enabled": str(request.enabled).lower(),
            "monthly_char_cap": str(request.monthly_char_cap),
            "agent_language": request.agent_language,
        },
    )
    return deps.store.settings()


@router.get("/api/translation/usage", middlewares=SUPERVISOR)
def get_usage() -> UsageView:
    deps, month = dependencies(), current_month()
    settings = deps.store.settings()
    return UsageView(
        month=month,
        characters=deps.store.usage(month),
        cap=settings.monthly_char_cap,
        enabled=settings.enabled,
    )


@router.exception_handler(ThreadNotFound)
def thread_not_found(_error: ThreadNotFound) -> Response[dict[str, str]]:
    return Response(
        status_code=404, content_type=content_types.APPLICATION_JSON, body={"message": "thread not found"}
    )
