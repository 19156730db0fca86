"""Re-scoring every open thread after a rules change (issue 17 item 2), timed on moto in this process with the
local stack's Query patch (infra/local/moto_indexes.py): `python -m bench.triage_rescore [THREADS]`.

Writes THREADS waiting threads (default 10,000), each with three unanswered resident messages drawn from the
labelled set's texts, then runs the re-score a page (200 threads) at a time, as the background job would, and
prints the time (wall and this process's CPU) and the levels it found. `python -m bench.triage_rescore 10000`.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "triage" / "labelled.tsv"


TARGET_S = 300  # issue 17 item 2: 10,000 threads locally in under 5 minutes


def run(threads: int | None = None) -> dict[str, Any]:
    """The figures as a `make bench` section (BENCH_QUICK=1: 1,000 threads; BENCH_TRIAGE_RESCORE_THREADS)."""
    from bench.stats import size

    threads = threads or size("triage_rescore_threads", 10_000, 1_000)
    import boto3
    from moto import mock_aws
    from triage.dal.triage_table import TriageTable
    from triage.logic.rescore import rescore_page
    from triage.logic.scorer import Scorer, default_rules

    from infra.local import moto_dynamodb_json, moto_indexes, moto_sqs, moto_transactions
    from tests.integration.conftest import _create_resources

    texts = [
        line.split("\t")[0]
        for line in LABELLED.read_text(encoding="utf-8").splitlines()
        if line and line[0] != "#"
    ]
    rng = random.Random(17)
    # moto as the local stack runs it (infra/local/stack.py): its Query, transaction and JSON patches.
    moto_indexes.install()
    moto_transactions.install()
    moto_sqs.install()
    moto_dynamodb_json.install()
    with mock_aws():
        boto3.setup_default_session(region_name="us-east-1")
        aws = _create_resources()
        began = time.perf_counter()
        with aws.table.batch_writer() as batch:
            for n in range(threads):
                waiting = f"2026-12-07T0{n % 10}:{n % 60:02d}:{n % 59:02d}.{n:06d}Z"
                item: dict[str, Any] = {
                    "pk": f"THREAD#r{n:06d}",
                    "sk": "META",
                    "thread_id": f"r{n:06d}",
                    "status": "open",
                    "waiting_since": waiting,
                    "triage_order": "2",
                }
                batch.put_item(Item=item)
                for m in range(3):
                    batch.put_item(
                        Item={
                            "pk": f"THREAD#r{n:06d}",
                            "sk": f"MSG#{waiting}#{m}",
                            "direction": "in",
                            "body": rng.choice(texts),
                        }
                    )
        seeded = time.perf_counter() - began
        store, scorer = TriageTable(aws.table), Scorer(default_rules())
        began, cpu_began = time.perf_counter(), time.process_time()
        cursor, seen = None, 0
        while True:
            page = rescore_page(store, scorer, cursor)
            seen += page.threads
            cursor = page.next_cursor
            if cursor is None:
                break
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
        levels: dict[str, int] = {}
        versioned = 0
        scan: dict[str, Any] = {"ProjectionExpression": "triage_level, triage_rules_version, sk"}
        while True:  # every page: a Scan stops at 1 MB
            response = aws.table.scan(**scan)
            for item in response["Items"]:
                if item["sk"] == "META":
                    level = str(item.get("triage_level"))
                    levels[level] = levels.get(level, 0) + 1
                    versioned += item.get("triage_rules_version") == scorer.version
            if "LastEvaluatedKey" not in response:
                break
            scan["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return {
        "status": "ok",
        "threads": seen,
        "seed_s": round(seeded, 1),
        "wall_s": round(elapsed, 1),
        "cpu_s": round(cpu, 1),
        "ms_per_thread_wall": round(1000 * elapsed / max(seen, 1), 2),
        "ms_per_thread_cpu": round(1000 * cpu / max(seen, 1), 2),
        "target_s": TARGET_S,
        "with_current_rules_version": versioned,
        "levels": dict(sorted(levels.items())),
    }


def main(threads: int) -> None:
    from bench.harness import use_code_paths

    use_code_paths()  # `python -m bench.triage_rescore` on its own, as `make bench` runs it
    result = run(threads)
    print(f"seeded {threads} threads x 3 messages in {result['seed_s']} s")
    print(
        f"re-scored {result['threads']} open threads in {result['wall_s']} s "
        f"({result['ms_per_thread_wall']} ms per thread)"
    )
    # moto and the scorer are CPU-bound in this one process: on a shared machine the wall time grows with
    # the load average, the CPU time this process spent much less.
    print(f"CPU time of this process: {result['cpu_s']} s ({result['ms_per_thread_cpu']} ms per thread)")
    print(f"threads recording the rules version that scored them: {result['with_current_rules_version']}")
    print(f"levels: {result['levels']}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
