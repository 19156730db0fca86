"""Replies to an alert (docs/architecture.md, "Replies to alerts").

When a resident writes within REPLY_WINDOW of an alert sent to them, their thread is marked a reply to that
alert and joins the alert's group ("212 replies to Water shut-off, Elm St"). Staff open a group and answer
everyone in it who is still waiting with one message: each resident gets it in their own thread, through the
normal reply path (stored, queued, sent by the outbound sender, audited), never twice for one answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from switchboard.audit import Actor, AuditLog
from switchboard.clock import format_timestamp, utc_now_iso
from switchboard.observability import logger

from inbox.dal.alert_replies_table import department_count_attr
from inbox.logic.agent_inbox import ConversationStore, ReplyQueue, reply_to_thread
from inbox.models.alert_replies import (
    AlertReplyGroup,
    AlertReplyGroupDetail,
    AlertReplyGroups,
    GroupAnswerRequest,
    GroupAnswerResult,
)
from inbox.models.conversations import Agent, Message
from inbox.models.errors import AlertGroupNotFound, AnswerIdReused
from inbox.models.inbox_views import InboxThread

REPLY_WINDOW = timedelta(hours=72)


class AlertRepliesStore(Protocol):
    def link(self, thread_id: str, *, at: str, window_start: str) -> tuple[str, str, str | None] | None: ...

    def add_member(
        self, alert_id: str, title: str, thread_id: str, at: str, department: str | None = None
    ) -> bool: ...

    def groups(self, limit: int) -> list[dict[str, Any]]: ...

    def summary(self, alert_id: str) -> dict[str, Any] | None: ...

    def members(self, alert_id: str) -> list[str]: ...

    def start_answer(self, answer: dict[str, Any]) -> dict[str, Any]: ...


class ThreadReader(Protocol):
    def threads(self, thread_ids: list[str]) -> list[dict[str, Any]]: ...


class Once(Protocol):
    def record_once(self, item: dict[str, Any]) -> bool: ...


def link_reply(store: AlertRepliesStore, thread_id: str, received_at: str) -> str | None:
    """Mark a resident's message as a reply to the alert last sent to them, if it was sent within the window.
    The alert id, or None. Idempotent (an SQS redelivery links again and joins nobody twice)."""
    moment = datetime.fromisoformat(received_at.replace("Z", "+00:00"))
    linked = store.link(thread_id, at=received_at, window_start=format_timestamp(moment - REPLY_WINDOW))
    if linked is None:
        return None
    alert_id, title, department = linked
    if store.add_member(alert_id, title, thread_id, received_at, department):
        logger.info("Alert reply grouped", extra={"thread_id": thread_id, "alert_id": alert_id})
    return alert_id


def _group(item: dict[str, Any], scope: frozenset[str] | None = None) -> AlertReplyGroup:
    return AlertReplyGroup(
        alert_id=str(item["alert_id"]),
        title=str(item.get("title") or ""),
        threads=_members_in(item, scope),
        last_reply_at=str(item.get("last_reply_at") or ""),
    )


def _members_in(item: dict[str, Any], scope: frozenset[str] | None) -> int:
    """Residents in the group: all of them, or, for a caller scoped to departments, those whose thread was in
    one of the caller's departments when they joined (transfers since then show in the group's detail, which
    checks each thread)."""
    if scope is None:
        return int(item.get("threads") or 0)
    return sum(int(item.get(department_count_attr(department)) or 0) for department in scope)


def list_groups(store: AlertRepliesStore, scope: frozenset[str] | None, limit: int = 50) -> AlertReplyGroups:
    """The latest groups, newest reply first. A caller scoped to departments (switchboard.access) sees only
    groups with replies from their departments, and only those counted."""
    groups = [_group(item, scope) for item in store.groups(limit)]
    return AlertReplyGroups(groups=[g for g in groups if scope is None or g.threads > 0])


def _waiting(thread: dict[str, Any]) -> bool:
    return thread.get("status", "open") == "open" and bool(thread.get("waiting_since"))


def group_detail(
    store: AlertRepliesStore,
    reader: ThreadReader,
    alert_id: str,
    shows: Callable[[dict[str, Any]], bool],
    scoped: bool = False,
) -> AlertReplyGroupDetail:
    """The group's threads the caller may open (`shows`: switchboard.access, as the inbox views); a caller
    scoped to departments is told how many of those there are, not how many residents replied in all."""
    summary = store.summary(alert_id)
    if summary is None:
        raise AlertGroupNotFound(alert_id)
    threads = [t for t in reader.threads(store.members(alert_id)) if t.get("last_activity_at") and shows(t)]
    threads.sort(key=lambda t: (not _waiting(t), str(t.get("waiting_since") or t.get("last_activity_at"))))
    return AlertReplyGroupDetail(
        group=_group(summary).model_copy(update={"threads": len(threads)}) if scoped else _group(summary),
        waiting=sum(1 for t in threads if _waiting(t)),
        threads=[InboxThread.model_validate(t) for t in threads],
    )


def answer_group(
    *,
    store: AlertRepliesStore,
    reader: ThreadReader,
    conversations: ConversationStore,
    queue: ReplyQueue,
    once: Once,
    audit: AuditLog,
    opted_out: Callable[[str], bool],
    agent: Agent,
    alert_id: str,
    request: GroupAnswerRequest,
    shows: Callable[[dict[str, Any]], bool],
    now: Callable[[], str] = utc_now_iso,
    replied: Callable[[Message], None] | None = None,
) -> GroupAnswerResult:
    """One message to every resident of the group still waiting for staff, each in their own thread.

    A thread is answered at most once per answer id: its marker is written before its reply is queued, so a
    retry after a crash between the two skips that resident rather than texting them twice (the page shows
    the counts; staff can answer that one thread by hand). `replied`: told of each reply written (the
    reports count it as a staff reply).
    """
    if store.summary(alert_id) is None:
        raise AlertGroupNotFound(alert_id)
    answer = store.start_answer(
        {
            "answer_id": request.answer_id,
            "alert_id": alert_id,
            "author": agent.sub,
            "created_at": now(),
            "body": request.body,
        }
    )
    if answer.get("alert_id") != alert_id or answer.get("body") != request.body:
        raise AnswerIdReused(request.answer_id)
    counts = {
        "answered": 0,
        "already_answered": 0,
        "not_waiting": 0,
        "owned_by_others": 0,
        "opted_out": 0,
        "outside_your_departments": 0,
    }
    actor = Actor(sub=agent.sub, email=agent.email)
    for thread in reader.threads(store.members(alert_id)):
        thread_id = str(thread["thread_id"])
        owner = thread.get("assignee")
        if not shows(thread):  # another department's resident: theirs to answer
            counts["outside_your_departments"] += 1
        elif not _waiting(thread):
            counts["not_waiting"] += 1
        elif owner and owner != agent.sub and not request.include_others:
            counts["owned_by_others"] += 1
        elif opted_out(str(thread["resident"]["address"])):
            counts["opted_out"] += 1
        elif not once.record_once(
            {"pk": f"GROUPANSWER#{request.answer_id}", "sk": f"THREAD#{thread_id}", "at": now()}
        ):
            counts["already_answered"] += 1
        else:
            message = reply_to_thread(
                conversations,
                queue,
                thread_id=thread_id,
                body=request.body,
                agent=agent,
                confirm_takeover=True,
            )
            audit.record(
                actor,
                "thread.reply",
                thread_id=thread_id,
                detail={"message_id": message.message_id, "group_answer": request.answer_id},
            )
            counts["answered"] += 1
            if replied is not None:
                replied(message)
    audit.record(
        actor,
        "alert_group.reply",
        detail={
            "alert_id": alert_id,
            "answer_id": request.answer_id,
            **{k: str(v) for k, v in counts.items()},
        },
    )
    logger.info("Alert group answered", extra={"alert_id": alert_id, **counts})
    return GroupAnswerResult(answer_id=request.answer_id, **counts)
