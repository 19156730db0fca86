"""The concurrency a section used on the local stack: per SQS mapping, its maximum (from the template) and the
most batches it had in flight at once during the section; and, when the mappings ran on instances in child
processes (infra.local.instances), how the CPU split between the stack's process and the instances, so a
figure says whether this machine's cores, not the design, were the bound."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def concurrency_used(local: Any) -> dict[str, str]:
    """`used/maximum` per mapping that ran a batch during the section."""
    return {
        poller.function.logical_id: f"{poller.max_in_flight}/{poller.max_concurrency}"
        for poller in getattr(local, "pollers", [])
        if poller.max_in_flight
    }


def reset(local: Any) -> None:
    for poller in getattr(local, "pollers", []):
        poller.reset_peak()


@contextmanager
def measured(local: Any, figures: dict[str, Any], processes: bool = False) -> Iterator[None]:
    """Fill `figures` with the section's concurrency (and its CPU split when `processes`)."""
    reset(local)
    if processes:
        local.instances_in_processes(True)
    own_cpu, wall = time.process_time(), time.perf_counter()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        yield
    finally:
        figures["concurrency"] = concurrency_used(local)
        wall = time.perf_counter() - wall
        own_cpu = time.process_time() - own_cpu
        if processes:
            local.instances_in_processes(False)  # the children exit and are waited for: their CPU counts
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            instances_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
            figures["instances"] = "processes"
            figures["cpu"] = {
                "wall_s": round(wall, 1),
                "stack_process_cpu_s": round(own_cpu, 1),
                "instances_cpu_s": round(instances_cpu, 1),
                "cores_busy": round((own_cpu + instances_cpu) / wall, 2) if wall else None,
            }
