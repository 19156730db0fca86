"""Triage on the local stack (issue 17 item 2): an admin's rules save re-scores the waiting threads in the
background (TriageRescoreQueue -> TriageRescoreFn, polled like every queue), each recording the version."""

from __future__ import annotations

import time

import boto3
import pytest

from infra.local.stack import REGION
from tests.e2e.test_agent_browser import resident_number, resident_texts
from tests.e2e.test_inbox_browser import staff_api

pytestmark = [pytest.mark.e2e]


def test_a_rules_save_rescores_waiting_threads_in_the_background(local_stack) -> None:
    table = boto3.resource("dynamodb", endpoint_url=local_stack.moto_url, region_name=REGION).Table(
        local_stack.outputs["TableName"]
    )
    address = resident_number()
    resident_texts(local_stack, address, "the pothole on Birch ate my bike wheel")
    deadline = time.monotonic() + 20
    thread_id = None
    while thread_id is None and time.monotonic() < deadline:
        item = table.get_item(Key={"pk": f"ADDR#{address}", "sk": "RESIDENT"}).get("Item")
        thread_id = item and str(item["thread_id"])
        time.sleep(0.2)
    assert thread_id, "the inbound consumer did not store the text"

    staff = staff_api(local_stack)
    base = staff.base  # type: ignore[attr-defined]
    current = staff.get(f"{base}/api/triage/rules", timeout=10).json()
    rules = current["rules"]
    rules["rules"].append({"code": "safety.pothole", "level": "high", "phrases": {"en": ["pothole"]}})
    saved = staff.put(
        f"{base}/api/triage/rules", json={"based_on_version": current["version"], "rules": rules}, timeout=10
    )
    assert saved.status_code == 200, saved.text
    version = saved.json()["version"]

    deadline = time.monotonic() + 60
    thread: dict = {}
    while time.monotonic() < deadline:
        thread = table.get_item(Key={"pk": f"THREAD#{thread_id}", "sk": "META"}).get("Item") or {}
        if thread.get("triage_rules_version") == version:
            break
        time.sleep(0.5)
    assert thread.get("triage_rules_version") == version, "the background re-score did not reach the thread"
    assert thread["triage_level"] == "high"
    assert thread["triage_reasons"][0]["code"] == "safety.pothole"
