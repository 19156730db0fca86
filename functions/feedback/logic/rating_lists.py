"""What supervisors read of the residents' ratings: a period's ratings with their satisfaction figures (also
as CSV), and the follow-up items a low rating with words made."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Protocol

from inbox.logic.transcripts import safe_cell

from feedback.logic.ratings import satisfaction
from feedback.models.feedback import FollowUpList, FollowUpView, RatingList, RatingView

MAX_DAYS = 92
CSV_COLUMNS = (
    "rating_id",
    "at",
    "thread_id",
    "rating",
    "words",
    "agent",
    "department",
    "channel",
    "survey_sent_at",
)


class RatingStore(Protocol):
    def ratings(self, days: Iterable[str]) -> list[dict[str, Any]]: ...

    def sent_count(self, days: Iterable[str]) -> int: ...

    def follow_ups(self, limit: int) -> list[dict[str, Any]]: ...

    def finish_follow_up(self, follow_up_id: str, by: str, at: str) -> dict[str, Any] | None: ...


class PeriodRefused(ValueError):
    pass


class FollowUpNotFound(LookupError):
    pass


def days_between(start: date, end: date) -> list[str]:
    if end < start or (end - start).days >= MAX_DAYS:
        raise PeriodRefused(f"from must not be after to, and the period at most {MAX_DAYS} days")
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def rating_list(store: RatingStore, start: date, end: date) -> RatingList:
    days = days_between(start, end)
    ratings = sorted(
        (RatingView.model_validate(item) for item in store.ratings(days)), key=lambda r: r.at, reverse=True
    )
    figures = satisfaction(store.sent_count(days), [r.rating for r in ratings])
    return RatingList(
        ratings=ratings,
        sent=figures.sent,
        responses=figures.responses,
        response_rate=figures.response_rate,
        satisfaction=figures.satisfaction,
        distribution={str(k): v for k, v in figures.distribution.items()},
    )


def ratings_csv(ratings: RatingList) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rating in ratings.ratings:
        values = rating.model_dump()
        writer.writerow([safe_cell(values.get(column) or "") for column in CSV_COLUMNS])
    return out.getvalue()


def follow_up_list(store: RatingStore, limit: int = 200) -> FollowUpList:
    items = sorted(store.follow_ups(limit), key=lambda item: str(item.get("at", "")), reverse=True)
    return FollowUpList(follow_ups=[FollowUpView.model_validate(item) for item in items])


def finish_follow_up(store: RatingStore, follow_up_id: str, by: str, at: str) -> FollowUpView:
    item = store.finish_follow_up(follow_up_id, by, at)
    if item is None:
        raise FollowUpNotFound(follow_up_id)
    return FollowUpView.model_validate(item)
