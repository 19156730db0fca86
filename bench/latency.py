"""Resident-to-agent latency on the local stack: a signed webhook POSTed over HTTP, until the message can be
read through the agent API with a staff JWT.

Steady: messages one at a time, each timed from the POST until the thread list shows it. The floor is the two
HTTP hops no design can skip (the webhook POST and one agent API read), timed in the same loop.
Burst: a thousand messages from many residents POSTed at once by a pool of senders; the drain time runs
until the agent API shows all of them, and every MessageSid sent is looked for in the threads: none may be
missing, none stored twice.

Only the documented contract is used: `LocalStack` (infra/local) for start/stop and its URL, the webhook
route, `/config.json` for where to sign in, Cognito `InitiateAuth` with the demo login, and `/api/threads`.
"""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

from bench import harness
from bench.concurrency import concurrency_used, measured, reset
from bench.stats import percentile, size, summary

DEMO_LOGIN = ("agent@demo.switchboard.local", "Demo-Agent-2026!")
POLL_SECONDS = 0.005
BURST_POLL_SECONDS = 0.1
BURST_TIMEOUT_SECONDS = 900  # in-process moto spends ~100 ms of CPU per inbound message (2-core machine)


def local_stack_class() -> Any:
    """infra/local's `LocalStack`, started on free ports and seeded with the demo login the Agent uses."""
    from infra.local.seed import seed_demo
    from infra.local.stack import LocalStack, LocalStackConfig

    class SeededLocalStack(LocalStack):
        def __init__(self) -> None:
            super().__init__(LocalStackConfig.on_free_ports())

        def start(self) -> SeededLocalStack:
            super().start()
            seed_demo(self)
            return self

    return SeededLocalStack


def on_own_local_stack(run_on: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """A section run alone (`python -m bench.<section>`) on its own seeded local stack."""
    local = local_stack_class()()
    local.start()
    try:
        return run_on(local)
    finally:
        local.stop()


def timed_gets(http: Any, url: str, params: dict[str, Any], rounds: int) -> tuple[list[float], Any]:
    """GET `url` `rounds` times: each answer's milliseconds and the last answer (not 200 raises)."""
    samples: list[float] = []
    response: Any = None
    for _ in range(rounds):
        began = time.perf_counter()
        response = http.get(url, params=params, timeout=120)
        samples.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params} answered {response.status_code}: {response.text[:200]}")
    return samples, response


class Agent:
    """The agent page's side of the API: signs in like the page does and reads threads."""

    def __init__(self, api_url: str) -> None:
        import requests

        self.api_url = api_url.rstrip("/")
        self.http = requests.Session()
        config = self.http.get(f"{self.api_url}/config.json", timeout=10).json()
        cognito = config["cognito"]
        endpoint = cognito["endpoint"]
        if endpoint.startswith("/"):
            endpoint = self.api_url + endpoint
        response = self.http.post(
            endpoint,
            json={
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": cognito["clientId"],
                "AuthParameters": {"USERNAME": DEMO_LOGIN[0], "PASSWORD": DEMO_LOGIN[1]},
            },
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
            },
            timeout=10,
        )
        response.raise_for_status()
        token = response.json()["AuthenticationResult"]["IdToken"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def threads(self, limit: int = 100) -> list[dict[str, Any]]:
        """Every thread, newest activity first, following the cursor."""
        threads: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            page = self.http.get(f"{self.api_url}/api/threads", params=params, timeout=10)
            page.raise_for_status()
            body = page.json()
            threads.extend(body["threads"])
            cursor = body.get("next_cursor")
            if not cursor:
                return threads

    def first_page(self, limit: int = 25) -> list[dict[str, Any]]:
        page = self.http.get(f"{self.api_url}/api/threads", params={"limit": limit}, timeout=10)
        page.raise_for_status()
        return list(page.json()["threads"])

    def message_sids(self, thread_id: str) -> list[str]:
        sids: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            response = self.http.get(f"{self.api_url}/api/threads/{thread_id}", params=params, timeout=10)
            response.raise_for_status()
            body = response.json()
            sids.extend(m["twilio_sid"] for m in body["messages"] if m["direction"] == "in")
            cursor = body.get("next_cursor")
            if not cursor:
                return sids


class Resident:
    """Twilio's side: signed form posts to the webhook, as Twilio makes them."""

    def __init__(self, api_url: str, public_api_url: str, auth_token: str, account_sid: str) -> None:
        import requests

        self.account_sid = account_sid
        self.url = api_url.rstrip("/") + "/twilio/messages"
        self.signed_url = public_api_url.rstrip("/") + "/twilio/messages"
        self.auth_token = auth_token
        self.http = requests.Session()

    def prepare(self, from_number: str, body: str) -> tuple[str, str, dict[str, str]]:
        sid = harness.new_sid()
        form = harness.inbound_form(sid, from_number, body, self.account_sid)
        signature = harness.twilio_signature(self.signed_url, form, self.auth_token)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        return sid, urlencode(form), headers

    def post(self, body: str, headers: dict[str, str]) -> None:
        response = self.http.post(self.url, data=body, headers=headers, timeout=20)
        if response.status_code != 200:
            raise RuntimeError(f"webhook answered {response.status_code}")


def steady(resident: Resident, agent: Agent, messages: int, residents: int) -> dict[str, Any]:
    latencies: list[float] = []
    floors: list[float] = []
    for index in range(messages + residents):
        number = harness.resident_number(100_000 + index % residents)
        text = f"bench latency {index}"
        _, body, headers = resident.prepare(number, text)
        started = time.perf_counter()
        resident.post(body, headers)
        posted = time.perf_counter()
        while not any(t["last_message_preview"] == text for t in agent.first_page()):
            time.sleep(POLL_SECONDS)
        seen = time.perf_counter()
        read_started = time.perf_counter()
        agent.first_page()
        read = time.perf_counter() - read_started
        if index >= residents:  # the first message of each resident creates its thread: warm-up
            latencies.append((seen - started) * 1000)
            floors.append((posted - started + read) * 1000)
    steady_summary = summary(latencies)
    floor_summary = summary(floors)
    return {
        "steady": steady_summary,
        "floor": floor_summary,
        "ratio_p50": round(steady_summary["p50_ms"] / floor_summary["p50_ms"], 2),
    }


def burst(
    resident: Resident,
    agent: Agent,
    messages: int,
    residents: int,
    senders: int,
    settle: Any = None,
) -> dict[str, Any]:
    """`settle()`, if given, waits for the stack's queues to drain when the burst is not all visible by the
    timeout: what is still missing after it is lost; what only came late is counted as late."""
    numbers = [harness.resident_number(200_000 + i) for i in range(residents)]
    prepared = [
        (numbers[i % residents], *resident.prepare(numbers[i % residents], f"bench burst {i}"))
        for i in range(messages)
    ]
    accepted_at: dict[str, float] = {}

    def send(item: tuple[str, str, str, dict[str, str]]) -> None:
        _, sid, body, headers = item
        resident.post(body, headers)
        accepted_at[sid] = time.perf_counter()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        list(pool.map(send, prepared))
    sent_s = time.perf_counter() - started

    by_number: defaultdict[str, list[float]] = defaultdict(list)
    for number, sid, _, _ in prepared:
        by_number[number].append(accepted_at[sid])
    for times in by_number.values():
        times.sort()
    wanted = set(numbers)
    visible_at: dict[str, list[float]] = {number: [] for number in numbers}
    drained_s = None
    while time.perf_counter() - started < BURST_TIMEOUT_SECONDS:
        now = time.perf_counter()
        threads = {t["resident"]["address"]: t for t in agent.threads() if t["resident"]["address"] in wanted}
        for number, thread in threads.items():
            while len(visible_at[number]) < min(int(thread["unread"]), len(by_number[number])):
                visible_at[number].append(now)
        if sum(len(v) for v in visible_at.values()) >= messages:
            drained_s = now - started
            break
        time.sleep(BURST_POLL_SECONDS)
    late = messages - sum(len(v) for v in visible_at.values())
    if drained_s is None and settle is not None:
        settle()
    latencies = [
        (seen - accepted) * 1000
        for number in numbers
        for seen, accepted in zip(visible_at[number], by_number[number], strict=False)
    ]
    stored = Counter(
        sid
        for thread in agent.threads()
        if thread["resident"]["address"] in wanted
        for sid in agent.message_sids(thread["thread_id"])
    )
    sent = {sid for _, sid, _, _ in prepared}
    return {
        "messages": messages,
        "residents": residents,
        "senders": senders,
        "send_s": round(sent_s, 2),
        "drain_s": round(drained_s if drained_s is not None else float("nan"), 2),
        "not_visible_by_timeout": late,
        "timeout_s": BURST_TIMEOUT_SECONDS,
        "lost": len(sent - set(stored)),
        "stored_twice": sum(1 for count in stored.values() if count > 1),
        "latency": summary(latencies) if latencies else {},
        "latency_p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
    }


def run_on(local: Any) -> dict[str, Any]:
    """Steady then burst, against a started local stack."""
    api_url = local.api_url
    public_api_url = os.environ.get("PUBLIC_API_URL", api_url)
    resident = Resident(api_url, public_api_url, local.auth_token, local.account_sid)
    agent = Agent(api_url)
    reset(local)
    result = steady(resident, agent, size("latency_messages", 200, 30), size("latency_residents", 20, 5))
    result["steady_concurrency"] = concurrency_used(local)
    # The burst runs its mappings' instances as child processes (as Lambda runs instances): both cores.
    used: dict[str, Any] = {}
    with measured(local, used, processes=hasattr(local, "instances_in_processes")):
        result["burst"] = burst(
            resident,
            agent,
            size("burst_messages", 1000, 100),
            size("burst_residents", 100, 20),
            size("burst_senders", 16, 8),
            settle=lambda: local.wait_until_idle(timeout_s=1800),
        )
    result["burst"].update(used)
    return {"status": "ok", **result}
