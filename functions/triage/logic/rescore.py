"""Re-score every open thread after a rules change (issue 17 item 2), a page at a time.

A thread's level is the highest level of the messages staff have not answered (those received since its
`waiting_since`), so a re-score reads those messages, scores them with the new rules, and writes the thread's
level, reasons and rules version, only if nobody answered meanwhile (`waiting_since` unchanged) and no staff
override holds. Threads nobody waits on have no level to re-score. Each page returns a cursor: a job runs
page after page (in the background: triage.handlers.rescore re-queues itself), so a backlog of 10,000
threads never needs one long request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from switchboard.observability import logger

from triage.logic.rules_store import SavedRules, TableRules
from triage.logic.scorer import Scorer, highest
from triage.models.jobs import RescoreJob, ThreadRescore
from triage.models.score import Reason, Score

RESCORE_PAGE = 200
PAGES_PER_STEP = 10  # pages one invocation re-scores before it hands the rest of the walk back to the queue


class RescoreStore(Protocol):
    def waiting_threads(
        self, status: str, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]: ...

    def unanswered_messages(self, thread_id: str, since: str) -> list[dict[str, Any]]: ...

    def set_thread_scores(self, rescores: Sequence[ThreadRescore]) -> int: ...


@dataclass(frozen=True)
class RescorePage:
    threads: int
    changed: int
    next_cursor: str | None


def thread_score(scorer: Scorer, bodies: list[str]) -> Score:
    """The level of a thread's unanswered messages: the highest, with the reasons of those at that level."""
    scores = [scorer.score(body) for body in bodies if body.strip()]
    level = highest(score.level for score in scores)
    reasons: list[Reason] = [r for s in scores if s.level == level for r in s.reasons]
    language = next((s.language for s in scores if s.level == level), "en")
    return Score(level=level, reasons=tuple(reasons), rules_version=scorer.version, language=language)


def rescore_page(
    store: RescoreStore, scorer: Scorer, cursor: str | None, limit: int = RESCORE_PAGE
) -> RescorePage:
    threads, next_cursor = store.waiting_threads("open", limit, cursor)
    changed = rescore_threads(store, scorer, threads)
    logger.info(
        "Open threads re-scored",
        extra={
            "threads": len(threads),
            "changed": changed,
            "rules_version": scorer.version,
            "more": bool(next_cursor),
        },
    )
    return RescorePage(threads=len(threads), changed=changed, next_cursor=next_cursor)


def rescore_threads(store: RescoreStore, scorer: Scorer, threads: list[dict[str, Any]]) -> int:
    """Score each thread's unanswered messages and write the levels that changed; how many were written."""
    rescores: list[ThreadRescore] = []
    for thread in threads:
        if thread.get("triage_override"):
            continue  # staff said so: it holds until the resident writes again
        thread_id, waiting_since = str(thread["thread_id"]), str(thread["waiting_since"])
        messages = store.unanswered_messages(thread_id, waiting_since)
        score = thread_score(scorer, [str(m.get("body", "")) for m in messages])
        rescores.append(ThreadRescore(thread_id, score, waiting_since, thread))
    return store.set_thread_scores(rescores)  # a page's writes in a few requests


class RescoreJobs(Protocol):
    def start(self, job: RescoreJob) -> None: ...


class RescoreJobStore(RescoreStore, SavedRules, Protocol):
    pass


def run_rescore_job(
    job: RescoreJob,
    store: RescoreJobStore,
    jobs: RescoreJobs,
    pages_per_step: int = PAGES_PER_STEP,
    page_size: int = RESCORE_PAGE,
) -> int:
    """Up to `pages_per_step` pages of the walk, then the rest as a new job; the number of pages done. A job
    whose rules version is no longer current does nothing (a newer save walks with the newer rules)."""
    scorer = TableRules(store).scorer()
    if scorer.version != job.rules_version:
        logger.info(
            "Re-score job superseded", extra={"job_version": job.rules_version, "current": scorer.version}
        )
        return 0
    # This step's pages first (the urgency index, a few small reads), then the rest of the walk goes back on
    # the queue before any scoring: another worker takes it while this one scores (the queue's
    # concurrency: TriageRescoreFn's event source), instead of one worker walking every page in turn.
    cursor, pages = job.cursor, []
    for _ in range(pages_per_step):
        threads, cursor = store.waiting_threads("open", page_size, cursor)
        pages.append(threads)
        if cursor is None:
            break
    if cursor is not None:
        jobs.start(RescoreJob(rules_version=job.rules_version, cursor=cursor))
    for threads in pages:
        changed = rescore_threads(store, scorer, threads)
        logger.info(
            "Open threads re-scored",
            extra={"threads": len(threads), "changed": changed, "rules_version": scorer.version},
        )
    return len(pages)
