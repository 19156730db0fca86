"""TriageRescoreQueue consumer: re-scores the open threads after a rules save, a few pages per invocation,
then puts the rest of the walk back on the queue (so 10,000 threads never need one long invocation). A job
for a rules version that is no longer current stops: the newer save started its own walk."""

from __future__ import annotations

from functools import cache

import boto3
from switchboard.batch import sqs_batch_handler, standard_processor
from switchboard.observability import logger
from switchboard.settings import TriageRescoreSettings, load_settings

from triage.dal.triage_table import TriageTable
from triage.integrations.rescore_queue import SqsRescoreJobs
from triage.logic.rescore import run_rescore_job
from triage.models.jobs import RescoreRecord

settings = load_settings(TriageRescoreSettings)


@cache
def dependencies() -> tuple[TriageTable, SqsRescoreJobs]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return TriageTable(table), SqsRescoreJobs(boto3.client("sqs"), settings.triage_rescore_queue_url)


def rescore_record(record: RescoreRecord) -> None:
    store, jobs = dependencies()
    pages = run_rescore_job(record.body, store, jobs)
    logger.info("Re-score job step done", extra={"rules_version": record.body.rules_version, "pages": pages})


handler = sqs_batch_handler(rescore_record, standard_processor(RescoreRecord))
