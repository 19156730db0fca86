"""Which index partition answers which inbox view, and the rules around it (docs/architecture.md,
"The inbox at crisis scale").

| view | who | partition (status s) | filter |
| --- | --- | --- | --- |
| mine | agent | by_assignee [me, s] | department, channel, label |
| unassigned | agent | by_status [s] or by_department [d, s]; *_waiting if oldest-waiting | no assignee |
| departments | agent | by_department [d, s] for each of the agent's departments, merged | channel, label |
| all | supervisor | by_status [s], by_department [d, s], or gsi1 THREADS for status "any" | channel, label |

Department scope (switchboard.access): a caller who may not see every thread (an agent; a supervisor when
SUPERVISOR_SCOPE is "departments") reads Unassigned and All as one by_department partition per department in
their scope, merged, exactly like "My departments"; a department filter outside it is refused (403). Search
keeps only the threads the same rule shows.

Oldest-waiting order reads the `*_waiting` twin of an index (sort key `waiting_since`, present only while a
resident waits for staff); "mine" has no twin (an agent holds a handful of threads): it reads up to
MINE_SORT_WINDOW of them and sorts in memory.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from typing import Any, Protocol

from boto3.dynamodb.conditions import Attr, ConditionBase
from switchboard.access import StaffMember, SupervisorScope, ThreadScope, authorize, department_scope
from switchboard.roles import Forbidden, has_role
from switchboard.table_keys import (
    BY_ASSIGNEE_INDEX,
    BY_DEPARTMENT_INDEX,
    BY_DEPARTMENT_WAITING_INDEX,
    BY_STATUS_INDEX,
    BY_STATUS_URGENCY_INDEX,
    BY_STATUS_WAITING_INDEX,
    NORMAL_TRIAGE_ORDER,
    THREAD_META_SK,
    THREADS_GSI,
    THREADS_GSI_PK,
    thread_pk,
)

from inbox.dal.cursors import decode_cursor, encode_cursor
from inbox.dal.inbox_views_table import SORT_VALUE_SEPARATOR, Count, IndexQuery, Slice
from inbox.logic.search_terms import digits_of, looks_like_phone, phone_candidates, phone_term, word_terms
from inbox.models.conversations import Agent
from inbox.models.errors import InvalidCursor
from inbox.models.inbox_views import (
    VIEWS,
    InboxCounts,
    InboxPage,
    InboxThread,
    SearchResults,
    Sort,
    StatusFilter,
    View,
    ViewCount,
)

MINE_SORT_WINDOW = 200
SEARCH_LIMIT = 50
_THREAD_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SORT_VALUE = re.compile(r"^[0-9T:.Z#A-Za-z_-]{1,120}$")


class InvalidView(ValueError):
    """A view, filter and sort that do not go together (e.g. status "any" outside the All view)."""


class ViewsStore(Protocol):
    def read(self, query: IndexQuery, limit: int, start: dict[str, str] | None) -> Slice: ...

    def count(self, query: IndexQuery, cap: int = ...) -> Count: ...

    def staff_departments(self, sub: str) -> list[str]: ...

    def label_threads(self, label: str, cap: int | None = None) -> tuple[list[str], bool]: ...

    def resident_thread_ids(self, addresses: list[str]) -> list[str]: ...

    def postings(
        self, term: str, *, also: list[str], limit: int, max_reads: int = ...
    ) -> tuple[list[str], bool]: ...

    def threads(self, thread_ids: list[str]) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Visibility:
    """Whose threads the caller may see: the staff gate's caller and the agency's supervisor scope."""

    staff: StaffMember
    supervisor_scope: SupervisorScope = "all"

    @property
    def scope(self) -> frozenset[str] | None:
        """The departments whose threads may be listed; None = every thread."""
        return department_scope(self.staff, self.supervisor_scope)

    def shows(self, thread: dict[str, Any]) -> bool:
        where = ThreadScope(thread.get("department_id") or None, thread.get("assignee") or None)
        return authorize(self.staff, "agent", where, self.supervisor_scope).allowed


@dataclass(frozen=True)
class Filters:
    status: StatusFilter = "open"
    department: str | None = None
    channel: str | None = None
    label: str | None = None
    sort: Sort = "newest"

    def matches(self, thread: dict[str, Any]) -> bool:
        return (
            (self.status == "any" or thread.get("status", "open") == self.status)
            and (self.department is None or thread.get("department_id") == self.department)
            and (self.channel is None or thread.get("channel") == self.channel)
            and (self.label is None or self.label in (thread.get("labels") or []))
        )


def _and(*conditions: ConditionBase | None) -> ConditionBase | None:
    present = [c for c in conditions if c is not None]
    if not present:
        return None
    combined = present[0]
    for condition in present[1:]:
        combined = combined & condition
    return combined


def _common_filter(filters: Filters) -> ConditionBase | None:
    return _and(
        Attr("channel").eq(filters.channel) if filters.channel else None,
        Attr("labels").contains(filters.label) if filters.label else None,
    )


def plan_view(view: View, agent: Agent, filters: Filters, seen: Visibility) -> dict[str, IndexQuery]:
    """The index partitions a view reads, labelled (a department id, or "_" for a single partition)."""
    if view == "all" and not has_role(agent.groups, "supervisor"):
        raise Forbidden("the All view needs the supervisor role")
    scope = seen.scope
    if filters.department and view != "mine" and scope is not None and filters.department not in scope:
        raise Forbidden("not one of your departments")
    if filters.status == "any" and (view != "all" or filters.department or filters.sort != "newest"):
        raise InvalidView('status "any" is for the All view, newest first, without a department')
    if filters.sort == "urgent" and view != "mine":
        return _urgent_plan(view, filters, seen)
    waiting = filters.sort != "newest"
    newest_first = not waiting
    common = _common_filter(filters)
    by_status = BY_STATUS_WAITING_INDEX if waiting else BY_STATUS_INDEX
    by_department = BY_DEPARTMENT_WAITING_INDEX if waiting else BY_DEPARTMENT_INDEX
    sort_attr = "waiting_since" if waiting else "last_activity_at"

    def department_query(department: str, extra: ConditionBase | None) -> IndexQuery:
        return IndexQuery(
            by_department,
            {"department_id": department, "status": filters.status},
            sort_attr,
            newest_first,
            _and(extra, common),
        )

    if view == "mine":
        department = Attr("department_id").eq(filters.department) if filters.department else None
        return {
            "_": IndexQuery(
                BY_ASSIGNEE_INDEX,
                {"assignee": agent.sub, "status": filters.status},
                "last_activity_at",
                True,
                _and(department, common),
            )
        }
    unassigned = Attr("assignee").not_exists()
    if view == "departments":
        chosen = sorted(seen.staff.departments)
        if filters.department:
            chosen = [filters.department]
        return {department: department_query(department, None) for department in chosen}
    extra = unassigned if view == "unassigned" else None
    if filters.department:
        return {"_": department_query(filters.department, extra)}
    if scope is not None:  # a scoped caller: one partition per department in scope, merged
        if filters.status == "any":
            raise InvalidView('status "any" is for the All view of every department')
        return {department: department_query(department, extra) for department in sorted(scope)}
    if filters.status == "any":
        return {"_": IndexQuery(THREADS_GSI, {"gsi1pk": THREADS_GSI_PK}, "gsi1sk", True, common)}
    return {
        "_": IndexQuery(by_status, {"status": filters.status}, sort_attr, newest_first, _and(extra, common))
    }


def _urgent_plan(view: View, filters: Filters, seen: Visibility) -> dict[str, IndexQuery]:
    """Most urgent first: the status partition of the urgency index (level, then oldest waiting); a
    department, and a scoped caller's departments, are a filter on it. Critical and high threads sort
    first, so the filter rarely reads far. (plan_view already refused a department outside the scope.)"""
    departments: list[str] = []
    if filters.department:
        departments = [filters.department]
    elif view == "departments":
        departments = sorted(seen.staff.departments)
        if not departments:
            return {}
    elif seen.scope is not None:
        departments = sorted(seen.scope)
        if not departments:
            return {}
    in_departments = Attr("department_id").is_in(departments) if departments else None
    unassigned = Attr("assignee").not_exists() if view == "unassigned" else None
    return {
        "_": IndexQuery(
            BY_STATUS_URGENCY_INDEX,
            {"status": filters.status},
            "triage_order",
            newest_first=False,
            filter=_and(in_departments, unassigned, _common_filter(filters)),
            then_attrs=("waiting_since",),
        )
    }


# --- compact cursors: per partition, the last thread shown ("sort value|thread id"), TOP or DONE ---


def _start_key(query: IndexQuery, position: str) -> dict[str, str]:
    sort_value, _, thread_id = position.rpartition("|")
    if not _THREAD_ID.match(thread_id) or not _SORT_VALUE.match(sort_value):
        raise InvalidCursor("cursor is not valid")
    values = sort_value.split(SORT_VALUE_SEPARATOR, len(query.sort_attrs) - 1)
    if len(values) != len(query.sort_attrs):
        raise InvalidCursor("cursor is not valid")
    return {
        "pk": thread_pk(thread_id),
        "sk": THREAD_META_SK,
        **query.key,
        **dict(zip(query.sort_attrs, values, strict=True)),
    }


def _position(query: IndexQuery, item: dict[str, Any]) -> str:
    return f"{query.sort_value(item)}|{item['thread_id']}"


def _position_of_key(query: IndexQuery, key: dict[str, Any]) -> str:
    return f"{query.sort_value(key)}|{str(key['pk']).removeprefix('THREAD#')}"


TOP = "^"  # cursor value: this partition starts from its top
DONE = ""  # cursor value: this partition was read to its end


def list_view(
    store: ViewsStore,
    agent: Agent,
    view: View,
    filters: Filters,
    limit: int,
    cursor: str | None,
    seen: Visibility,
) -> InboxPage:
    plan = plan_view(view, agent, filters, seen)
    if not plan:  # no department in scope: nothing to read
        return InboxPage(view=view, threads=[], next_cursor=None)
    if view == "mine" and filters.sort != "newest":
        return _mine_oldest_waiting(store, plan["_"], view, urgent=filters.sort == "urgent")
    if filters.label and view != "mine":
        labelled = _labelled_view(store, plan, view, filters, limit, cursor)
        if labelled is not None:
            return labelled
    positions = decode_cursor(cursor, keys=list(plan)) if cursor else dict.fromkeys(plan, TOP)
    assert positions is not None

    slices: dict[str, Slice] = {}
    for label, query in plan.items():
        position = positions[label]
        if position != DONE:
            start = None if position == TOP else _start_key(query, position)
            slices[label] = store.read(query, limit, start)

    # Merge the partitions in the view's order and keep the first `limit`.
    newest_first = next(iter(plan.values())).newest_first
    tagged = [
        (plan[label].sort_value(item), label, index, item)
        for label, page in slices.items()
        for index, item in enumerate(page.items)
    ]
    pick = heapq.nlargest if newest_first else heapq.nsmallest
    merged = pick(limit, tagged, key=lambda t: t[0])
    shown: dict[str, int] = {}
    for _, label, index, _item in merged:
        shown[label] = max(shown.get(label, 0), index + 1)

    next_positions: dict[str, str] = {}
    for label, query in plan.items():
        page = slices.get(label)
        used = shown.get(label, 0)
        if page is None:
            next_positions[label] = DONE
        elif used < len(page.items):
            # Read but not shown: resume after the last one shown (or where this page started).
            next_positions[label] = _position(query, page.items[used - 1]) if used else positions[label]
        elif page.last_key:
            next_positions[label] = _position_of_key(query, page.last_key)
        else:
            next_positions[label] = DONE
    exhausted = all(value == DONE for value in next_positions.values())
    return InboxPage(
        view=view,
        threads=[_thread(item) for *_, item in merged],
        next_cursor=None if exhausted else encode_cursor(next_positions),
    )


LABEL_CURSOR_KEY = "label"


def _labelled_view(
    store: ViewsStore,
    plan: dict[str, IndexQuery],
    view: View,
    filters: Filters,
    limit: int,
    cursor: str | None,
) -> InboxPage | None:
    """A label filter reads the label's threads (a few percent of them all) instead of walking the view's
    index partitions through a FilterExpression: at 10,000 threads, "My departments" + "urgent" read ~3,000
    index entries to show 25. None when the label is on too many threads for that (the indexes answer
    then)."""
    assert filters.label is not None
    ids, too_many = store.label_threads(filters.label)
    if too_many:
        return None
    queries = list(plan.values())
    first = queries[0]

    def shown(thread: dict[str, Any]) -> bool:
        return (
            filters.matches(thread)
            and any(all(thread.get(k) == v for k, v in q.key.items()) for q in queries)
            and all(thread.get(name) for name in first.sort_attrs)  # the index is sparse on its sort key
            and (view != "unassigned" or not thread.get("assignee"))
        )

    def position(thread: dict[str, Any]) -> str:
        return f"{first.sort_value(thread)}|{thread['thread_id']}"

    ordered = sorted(
        (t for t in store.threads(ids) if shown(t)),
        key=lambda t: (first.sort_value(t), str(t["thread_id"])),
        reverse=first.newest_first,
    )
    if cursor:
        after = (decode_cursor(cursor, keys=[LABEL_CURSOR_KEY]) or {})[LABEL_CURSOR_KEY]
        if not _SORT_VALUE.match(after.rpartition("|")[0]) or not _THREAD_ID.match(after.rpartition("|")[2]):
            raise InvalidCursor("cursor is not valid")
        resume = next((i + 1 for i, t in enumerate(ordered) if position(t) == after), None)
        if resume is None:  # the last one shown has moved or gone: resume where it would sort
            key = tuple(after.rsplit("|", 1))
            resume = sum(
                1 for t in ordered if ((first.sort_value(t), str(t["thread_id"])) > key) == first.newest_first
            )
        ordered = ordered[resume:]
    page = ordered[:limit]
    more = len(ordered) > limit
    return InboxPage(
        view=view,
        threads=[_thread(t) for t in page],
        next_cursor=encode_cursor({LABEL_CURSOR_KEY: position(page[-1])}) if more else None,
    )


def _mine_oldest_waiting(
    store: ViewsStore, query: IndexQuery, view: View, *, urgent: bool = False
) -> InboxPage:
    page = store.read(query, MINE_SORT_WINDOW, None)
    waiting = sorted(
        page.items,
        key=lambda item: (
            item.get("waiting_since") is None,
            str(item.get("triage_order") or NORMAL_TRIAGE_ORDER) if urgent else "",
            item.get("waiting_since") or "",
        ),
    )
    return InboxPage(view=view, threads=[_thread(item) for item in waiting], next_cursor=None)


def _thread(item: dict[str, Any]) -> InboxThread:
    return InboxThread.model_validate(item)


# --- counts ---


def view_counts(store: ViewsStore, agent: Agent, status: StatusFilter, seen: Visibility) -> InboxCounts:
    """How many threads of `status` each view the agent may open holds (capped: "1000+")."""
    if status == "any":
        raise InvalidView('counts are per status; "any" has none')
    filters = Filters(status=status)
    counts: dict[str, ViewCount] = {}
    for view in VIEWS:
        if view == "all" and not has_role(agent.groups, "supervisor"):
            continue
        total, capped = 0, False
        for query in plan_view(view, agent, filters, seen).values():
            counted = store.count(query)
            total += counted.count
            capped = capped or counted.capped
        counts[view] = ViewCount(count=total, capped=capped)
    return InboxCounts(status=status, counts=counts)


# --- search ---


def search(store: ViewsStore, query: str, filters: Filters, seen: Visibility) -> SearchResults:
    """Threads whose resident's number, name, or messages match `query`, most recent activity first.

    A number (4+ digits, phone punctuation only): the resident whose address it is, else residents whose
    number ends in its last four digits. Words: threads with a message holding every word (the longest word's
    postings read newest first, filtered by the others), and for one word also residents named so.
    """
    # Only the threads the caller may open (switchboard.access): a department's residents stay its own.
    text = query.strip()
    if looks_like_phone(text):
        kind = "phone"
        thread_ids = store.resident_thread_ids(phone_candidates(text))
        more = False
        if not thread_ids:
            digits = digits_of(text)
            term = phone_term(digits)
            ids, more = store.postings(term, also=[], limit=SEARCH_LIMIT) if term else ([], False)
            candidates = store.threads(ids)
            thread_ids = [
                str(t["thread_id"])
                for t in candidates
                if digits
                in "".join(ch for ch in str(t.get("resident", {}).get("address", "")) if ch.isdigit())
            ]
    else:
        kind = "words"
        words = word_terms(text, limit=6)
        if not words:
            return SearchResults(query_kind="words", threads=[], more=False)
        driver = max(words, key=len)
        others = [w for w in words if w != driver]
        thread_ids, more = store.postings(driver, also=others, limit=SEARCH_LIMIT)
        if len(words) == 1:
            named, named_more = store.postings(f"name:{driver}", also=[], limit=SEARCH_LIMIT)
            thread_ids = list(dict.fromkeys([*named, *thread_ids]))
            more = more or named_more
    threads = [t for t in store.threads(thread_ids) if filters.matches(t) and seen.shows(t)]
    threads.sort(key=lambda t: str(t.get("last_activity_at", "")), reverse=True)
    return SearchResults(query_kind=kind, threads=[_thread(t) for t in threads], more=more)
