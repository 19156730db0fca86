"""SQS consumers: the Powertools batch processors as every consumer here configures them, and the Lambda
entry point around a record handler (the house decorators, in their fixed order, plus one call)."""

from __future__ import annotations

import copy
import sys
import threading
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import ValidationError

from switchboard.dynamodb import TransactionConflict
from switchboard.observability import logger, metrics, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

RecordT = TypeVar("RecordT", bound=SqsRecordModel)
SqsHandler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]


class _FifoProcessor(SqsFifoPartialProcessor):
    """Powertools' FIFO processor, with one hole closed: a record held back behind its group's earlier failure
    is converted through the model outside any guard, so a malformed record there raised out of the batch and
    failed every record in it, other residents' messages included (they would reach the DLQ with it after
    the retries). Here that record fails alone, as a malformed record does anywhere else in the batch."""

    def _process_record(self, record: dict[str, Any]) -> Any:
        try:
            return super()._process_record(record)
        except ValidationError:
            self._current_group_id = record.get("attributes", {}).get("MessageGroupId")
            failed = self._to_batch_type(record=record, event_type=self.event_type)
            return self.failure_handler(record=failed, exception=sys.exc_info())


def fifo_processor(model: type[SqsRecordModel]) -> SqsFifoPartialProcessor:
    # A failing record holds back only its own message group (one resident, one thread); other groups go on.
    processor = _FifoProcessor(model=model, skip_group_on_error=True)
    # Report every failure as a batch item failure rather than raising: the raised error would quote records.
    processor.raise_on_entire_batch_failure = False
    return processor


def standard_processor(model: type[SqsRecordModel]) -> BatchProcessor:
    return BatchProcessor(event_type=EventType.SQS, model=model, raise_on_entire_batch_failure=False)


def log_record_failures(record_handler: Callable[[RecordT], object]) -> Callable[[RecordT], object]:
    """Log which record failed and the error's type (its text may quote a resident), then re-raise so the
    processor reports the record for retry."""

    @wraps(record_handler)
    def handle(record: RecordT) -> object:
        try:
            return record_handler(record)
        except Exception as error:
            logger.warning(
                "Record failed; SQS will deliver it again",
                extra={
                    "sqs_message_id": getattr(record, "messageId", None),
                    "error_type": type(error).__name__,
                    # A cancelled transaction's reason codes (ConditionalCheckFailed, TransactionConflict)
                    # name no resident: they say which kind of conflict keeps a record failing.
                    **({"reason": str(error)} if isinstance(error, TransactionConflict) else {}),
                },
            )
            metrics.add_metric(name="RecordFailed", unit=MetricUnit.Count, value=1)
            raise

    return handle


def sqs_batch_handler(record_handler: Callable[[RecordT], object], processor: BatchProcessor) -> SqsHandler:
    """The Lambda handler for an SQS event source mapping with ReportBatchItemFailures."""
    handle_record = log_record_failures(record_handler)
    # A processor holds the batch it is working on (records, successes, failures, the failed FIFO groups).
    # Lambda runs one batch at a time per instance; the local stack runs a mapping's concurrent batches as
    # threads of one process, so each thread works on its own copy (on Lambda: one thread, one copy).
    per_thread = threading.local()

    def own_processor() -> BatchProcessor:
        mine: BatchProcessor | None = getattr(per_thread, "processor", None)
        if mine is None:
            mine = per_thread.processor = copy.deepcopy(processor)
        return mine

    @logger.inject_lambda_context(log_event=False)
    @metrics.log_metrics
    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return dict(
            process_partial_response(
                event=event, record_handler=handle_record, processor=own_processor(), context=context
            )
        )

    return handler
