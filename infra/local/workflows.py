"""Step Functions and EventBridge Scheduler on the local stack: moto's interpreter, patched where it is wrong.

What this module changes in moto (process-wide, installed once by `install_moto_patches`):
- `start_execution` without a name: moto names the execution literally `None`, so the second unnamed start
  fails. Here an unnamed start gets a fresh uuid, as AWS does.
- Wait with `Timestamp`/`TimestampPath`: moto accepts only `...Z`, drops offsets and compares with naive local
  time. Here any ISO-8601 offset (`Z`, `+00:00`, `-05:00`, fractional seconds) is read and compared in UTC.
- Lambda invoke: with `lambda.use_docker=false` moto echoes the payload. Here an invoke of one of the
  template's functions calls the real in-process handler; a raised exception becomes a Lambda `FunctionError`
  whose `errorType` is the exception's class name, so the state machine's Retry/Catch see what AWS would.
- Time acceleration: `TimeScale.factor` (1 = real time) divides every Wait, task `TimeoutSeconds` and
  `HeartbeatSeconds`, so a day's workflow runs in seconds (factor 3600: an hour takes a second).

`LocalScheduler` fires due `at()`, `rate()` and `cron()` schedules to their targets (a template function,
an SQS queue or a state machine), honouring the same time scale.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

log = logging.getLogger("switchboard.local")

UTC = dt.UTC


# A scaled task timeout is never shorter than this (or the template's own value, if smaller).
TIMEOUT_FLOOR_S = 8
# A scaled rate() schedule fires at most once per this many real seconds: at the e2e tier's 300x, CityPollFn's
# rate(5 minutes) would otherwise run (and log) every second for the whole session, load on the two cores
# the tests share, and a rate(1 minute) five times a second.
RATE_FLOOR_S = 5.0


class TimeScale:
    """How much faster than real time workflows run locally. Process-wide, as the moto server is."""

    factor: float = 1.0

    @classmethod
    def scaled(cls, seconds: float) -> float:
        return seconds / cls.factor if cls.factor > 0 else seconds


def parse_timestamp(value: str) -> dt.datetime | None:
    """An ISO-8601 date-time with an offset (`Z` or `+hh:mm`), as an aware UTC datetime; None if not one."""
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", value):
        return None
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None  # AWS requires an offset
    return parsed.astimezone(UTC)


def wait_seconds_until(timestamp: dt.datetime, now: dt.datetime | None = None) -> int:
    now = now or dt.datetime.now(UTC)
    return max(0, round(TimeScale.scaled((timestamp - now).total_seconds())))


# --- moto patches ---------------------------------------------------------------------------------------

_installed = False
_functions: dict[str, Callable[[Any], Any]] = {}


def register_functions(functions: dict[str, Callable[[Any], Any]]) -> None:
    """Name or ARN -> a callable that runs the real handler with a Lambda context."""
    _functions.clear()
    _functions.update(functions)


def _local_function(function_name: str) -> Callable[[Any], Any] | None:
    if function_name in _functions:
        return _functions[function_name]
    # An ARN with a qualifier (":$LATEST") or a partial ARN
    for key, function in _functions.items():
        if function_name.startswith(key + ":") or key.endswith(":function:" + function_name):
            return function
    return None


def invoke_local(function_name: str, body: Any, response_headers: dict[str, str]) -> bytes | None:
    """The Lambda Invoke API for a template function: the real handler's result, or a FunctionError."""
    function = _local_function(function_name)
    if function is None:
        return None
    if isinstance(body, bytes | bytearray):
        body = body.decode()
    event = json.loads(body) if isinstance(body, str) and body else {}
    try:
        result = function(event)
        payload = json.dumps(result, default=str).encode()
    except Exception as error:  # noqa: BLE001 - reported to the caller as Lambda reports it
        log.warning("local function %s raised %s", function_name, type(error).__name__)
        response_headers["x-amz-function-error"] = "Unhandled"
        payload = json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)}).encode()
    response_headers["Content-Length"] = str(len(payload))
    return payload


def install_moto_patches() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.stepfunctions.parser.asl.component.common.timeouts import heartbeat, timeout
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import (
        seconds,
        seconds_path,
        timestamp,
    )
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original_start = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: Any, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        return original_start(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]

    def from_timestamp_string(timestamp_text: str) -> dt.datetime | None:
        return parse_timestamp(timestamp_text)

    def timestamp_wait_seconds(self: Any, env: Any) -> int:
        self.string.eval(env=env)
        timestamp_str = env.stack.pop()
        parsed = parse_timestamp(timestamp_str)
        if parsed is None:
            raise timestamp.FailureEventException(self._create_failure_event(env, timestamp_str))
        return wait_seconds_until(parsed)

    timestamp.Timestamp._from_timestamp_string = staticmethod(from_timestamp_string)  # type: ignore[method-assign,assignment]
    timestamp.Timestamp._get_wait_seconds = timestamp_wait_seconds  # type: ignore[method-assign]

    def scale_result(cls: Any, method: str, floor_s: int) -> None:
        original = getattr(cls, method)

        def scaled(self: Any, env: Any) -> int:
            value = original(self, env)
            if TimeScale.factor == 1 or value <= 0:
                return int(value)
            return max(min(int(value), floor_s), round(TimeScale.scaled(value)))

        setattr(cls, method, scaled)

    scale_result(seconds.Seconds, "_get_wait_seconds", 1)
    scale_result(seconds_path.SecondsPath, "_get_wait_seconds", 1)
    # Task timeouts keep a few real seconds: a Lambda step must still have time to run in-process.
    timeouts: tuple[type, ...] = (
        timeout.TimeoutSeconds,
        timeout.TimeoutSecondsPath,
        heartbeat.HeartbeatSeconds,
        heartbeat.HeartbeatSecondsPath,
    )
    for cls in timeouts:
        scale_result(cls, "_eval_seconds", TIMEOUT_FLOOR_S)

    # use_docker=false selects LambdaSimpleBackend (the echo); both are patched so either runs real code.
    for backend in (LambdaBackend, LambdaSimpleBackend):
        _route_invoke_to_local(backend)


def _route_invoke_to_local(backend: Any) -> None:
    original_invoke = backend.invoke

    def invoke(
        self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
    ) -> Any:
        payload = invoke_local(function_name, body, response_headers)
        if payload is None:
            return original_invoke(self, function_name, qualifier, body, headers, response_headers)
        return payload

    backend.invoke = invoke


# --- EventBridge Scheduler ---------------------------------------------------------------------------------

_FIELD_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199)]
_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}


def _cron_field(text: str, index: int) -> set[int] | None:
    """Values a cron field allows; None for `*`/`?` (any)."""
    low, high = _FIELD_RANGES[index]
    names = _MONTHS if index == 3 else _DAYS if index == 4 else {}
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = int(names.get(a.upper(), a)), int(names.get(b.upper(), b))
        else:
            start = int(names.get(part.upper(), part))
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ValueError(f"cron field {index} out of range: {text}")
        values.update(range(start, end + 1, step))
    return values


def next_cron(expression: str, after: dt.datetime) -> dt.datetime | None:
    """The first minute strictly after `after` (an aware datetime in the schedule's zone) that matches
    an EventBridge cron (minutes hours day-of-month month day-of-week year). L, W and # are not supported."""
    fields = expression.split()
    if len(fields) != 6:
        raise ValueError(f"cron needs 6 fields: {expression}")
    minute, hour, dom, month, dow, year = (_cron_field(f, i) for i, f in enumerate(fields))
    candidate = after.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    limit = after + dt.timedelta(days=366 * 5)
    while candidate < limit:
        day_ok = (
            (year is None or candidate.year in year)
            and (month is None or candidate.month in month)
            and (dom is None or candidate.day in dom)
            and (dow is None or (candidate.isoweekday() % 7) + 1 in dow)
        )
        if not day_ok:
            candidate = (candidate + dt.timedelta(days=1)).replace(hour=0, minute=0)
            continue
        if hour is not None and candidate.hour not in hour:
            candidate = (candidate + dt.timedelta(hours=1)).replace(minute=0)
            continue
        if minute is None or candidate.minute in minute:
            return candidate
        candidate += dt.timedelta(minutes=1)
    return None


_RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def next_fire(expression: str, zone: str | None, after: dt.datetime) -> dt.datetime | None:
    """When a schedule next fires after `after` (aware, UTC), in schedule time (not scaled)."""
    tz = ZoneInfo(zone) if zone else UTC
    if expression.startswith("at(") and expression.endswith(")"):
        at = dt.datetime.fromisoformat(expression[3:-1]).replace(tzinfo=tz).astimezone(UTC)
        return at if at > after else None
    if expression.startswith("rate(") and expression.endswith(")"):
        amount, unit = expression[5:-1].split()
        return after + dt.timedelta(seconds=int(amount) * _RATE_UNITS[unit])
    if expression.startswith("cron(") and expression.endswith(")"):
        found = next_cron(expression[5:-1], after.astimezone(tz))
        return found.astimezone(UTC) if found else None
    raise ValueError(f"unsupported schedule expression: {expression}")


@dataclass
class _Tracked:
    """A schedule the thread knows: its time runs `factor` times faster than real time from `anchor`."""

    anchor: dt.datetime
    due: dt.datetime | None
    expression: str
    period_s: float | None = None  # a rate()'s period, in schedule time


class LocalScheduler(threading.Thread):
    """Fires due EventBridge Scheduler schedules to their targets, as the service would."""

    def __init__(
        self,
        scheduler: Any,
        fire_target: Callable[[dict[str, Any]], None],
        poll_s: float = 0.2,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(UTC),
        rate_floor_s: float = RATE_FLOOR_S,
    ):
        super().__init__(name="local-scheduler", daemon=True)
        self.scheduler = scheduler
        self.fire_target = fire_target
        self.poll_s = poll_s
        self.now = now
        self.rate_floor_s = rate_floor_s
        self.stopping = threading.Event()
        self.tracked: dict[tuple[str, str], _Tracked] = {}
        self.fired: list[tuple[str, str]] = []
        self.passes = 0  # completed ticks: a test that moves `now` waits for a pass that saw it
        # Each schedule as last read, with the LastModificationDate the listing showed then: a pass reads a
        # schedule again only when the listing shows it changed (a pass every 0.2 s over every schedule
        # ever made would keep a core busy with GetSchedule calls while tests wait on the stack).
        self.read: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {}

    def schedule_time(self, tracked: _Tracked, real: dt.datetime) -> dt.datetime:
        factor = TimeScale.factor
        if tracked.period_s is not None and self.rate_floor_s > 0:
            # A rate() fires at most once per floor of real time (never slower than real time).
            factor = min(factor, max(1.0, tracked.period_s / self.rate_floor_s))
        return tracked.anchor + (real - tracked.anchor) * factor

    def tick(self) -> int:
        """One pass: fire every due schedule. Returns how many fired."""
        real = self.now()
        fired = 0
        seen: set[tuple[str, str]] = set()
        # One listing of every group's schedules per pass (ListSchedules without a GroupName).
        for summary in self._paginate("list_schedules", "Schedules"):
            group = summary.get("GroupName") or "default"
            key = (group, summary["Name"])
            seen.add(key)
            if summary.get("State", "ENABLED") != "ENABLED":
                continue
            schedule = self._schedule(key, summary)
            expression = schedule["ScheduleExpression"]
            zone = schedule.get("ScheduleExpressionTimezone")
            tracked = self.tracked.get(key)
            if tracked is None or tracked.expression != expression:
                due = next_fire(expression, zone, real)
                period = (due - real).total_seconds() if due and expression.startswith("rate(") else None
                tracked = _Tracked(real, due, expression, period)
                self.tracked[key] = tracked
            if tracked.due is None:
                continue
            current = self.schedule_time(tracked, real)
            if current < tracked.due:
                continue
            try:
                self.fire_target(with_context_attributes(schedule["Target"], summary["Name"], tracked.due))
                fired += 1
                self.fired.append(key)
            except Exception:
                log.exception("schedule %s/%s: target failed", *key)
            tracked.due = (
                next_fire(expression, zone, tracked.due) if not expression.startswith("at(") else None
            )
            if tracked.due is None and schedule.get("ActionAfterCompletion") == "DELETE":
                self.scheduler.delete_schedule(GroupName=group, Name=summary["Name"])
        for key in set(self.tracked) - seen:
            del self.tracked[key]
        for key in set(self.read) - seen:
            del self.read[key]
        self.passes += 1
        return fired

    def _schedule(self, key: tuple[str, str], summary: dict[str, Any]) -> dict[str, Any]:
        modified = summary.get("LastModificationDate")
        cached = self.read.get(key)
        if cached is not None and modified is not None and cached[0] == modified:
            return cached[1]
        schedule: dict[str, Any] = self.scheduler.get_schedule(GroupName=key[0], Name=key[1])
        self.read[key] = (modified, schedule)
        return schedule

    def _paginate(self, method: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token = None
        while True:
            page = getattr(self.scheduler, method)(**kwargs, **({"NextToken": token} if token else {}))
            items.extend(page.get(key, []))
            token = page.get("NextToken")
            if not token:
                return items

    def run(self) -> None:
        while not self.stopping.wait(self.poll_s):
            try:
                self.tick()
            except Exception:
                log.exception("local scheduler pass failed")

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join(timeout=5)


def with_context_attributes(target: dict[str, Any], name: str, due: dt.datetime) -> dict[str, Any]:
    """Scheduler fills `<aws.scheduler.*>` context attributes in a templated target's Input at each firing;
    the occurrence's scheduled time (UTC, seconds, `Z`) is how a target tells occurrences apart."""
    payload = target.get("Input")
    if not payload or "<aws.scheduler." not in payload:
        return target
    attributes = {
        "<aws.scheduler.scheduled-time>": due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "<aws.scheduler.schedule-arn>": f"arn:aws:scheduler:local:schedule/{name}",
        "<aws.scheduler.execution-id>": str(uuid.uuid4()),
        "<aws.scheduler.attempt-number>": "1",
    }
    for placeholder, value in attributes.items():
        payload = payload.replace(placeholder, value)
    return {**target, "Input": payload}


def target_firer(
    sqs: Any, sfn: Any, invoke: Callable[[str, Any], Any], queue_urls: dict[str, str]
) -> Callable[[dict[str, Any]], None]:
    """Delivers a schedule's Target as EventBridge Scheduler's templated targets do."""

    def fire(target: dict[str, Any]) -> None:
        arn = target["Arn"]
        payload = target.get("Input", "{}")
        if arn.startswith("arn:aws:lambda:"):
            invoke(arn, json.loads(payload))
        elif arn.startswith("arn:aws:sqs:"):
            kwargs: dict[str, Any] = {"QueueUrl": queue_urls[arn], "MessageBody": payload}
            group = target.get("SqsParameters", {}).get("MessageGroupId")
            if group:
                kwargs["MessageGroupId"] = group
                kwargs["MessageDeduplicationId"] = str(uuid.uuid4())
            sqs.send_message(**kwargs)
        elif arn.startswith("arn:aws:states:") and ":stateMachine:" in arn:
            sfn.start_execution(stateMachineArn=arn, input=payload)
        else:
            raise ValueError(f"schedule target not supported locally: {arn.split(':')[2]}")

    return fire


def wait_for(condition: Callable[[], Any], timeout_s: float = 10.0, every_s: float = 0.1) -> Any:
    """Polls until `condition()` is truthy; its value, or TimeoutError."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(every_s)
