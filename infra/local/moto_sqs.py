"""moto's SendMessage reads `queue.attributes` for one flag (ContentBasedDeduplication), and that property
counts every message in the queue (visible, in flight, delayed): each send costs O(queue depth), so enqueueing
an alert's 2,000 messages took 100 s locally and 100,000 would not finish. SQS's cost does not depend on the
depth. While a send runs, this patch lets that thread's `queue.attributes` answer the one flag without
counting; every other reader (GetQueueAttributes, the pollers, `wait_until_idle`) gets moto's full answer.
Local stack only.

Deleting a received message had the same problem: moto scans every message of the queue twice per delete
(to check the receipt handle, then to rebuild the list without it), so each batch of ten deletes cost
twenty passes over a 100,000-message alert queue and the pollers' requests timed out. The patched delete stops
at the message (received messages sit near the front) and builds the new list by slicing (a new list, as
moto's, so a reader iterating the old one is undisturbed): the same result.
"""

from __future__ import annotations

import threading
from typing import Any

_installed = False
_guard = threading.Lock()
_sending = threading.local()


def install() -> None:
    """Patch moto's SQS backend in this process (idempotent)."""
    global _installed
    with _guard:
        if _installed:
            return
        from moto.sqs.models import Queue, SQSBackend

        full_attributes = Queue.attributes

        def attributes(self: Any) -> dict[str, Any]:
            if getattr(_sending, "active", False):
                flag = str(getattr(self, "content_based_deduplication", False)).lower() == "true"
                content_based = bool(self.fifo_queue) and flag
                return {"ContentBasedDeduplication": "true"} if content_based else {}
            return full_attributes.fget(self)  # type: ignore[no-any-return, attr-defined]

        original_send = SQSBackend.send_message

        def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
            _sending.active = True
            try:
                return original_send(self, *args, **kwargs)
            finally:
                _sending.active = False

        from moto.sqs.exceptions import ReceiptHandleIsInvalid

        def delete_message(self: Any, receipt_handle: str) -> None:
            if receipt_handle in self.deleted_messages:
                return  # already deleted: moto (and SQS) accept it again
            for index, message in enumerate(self._messages):
                if message.had_receipt_handle(receipt_handle):
                    self.pending_messages.discard(message)
                    self.deleted_messages.update(message.all_receipt_handles)
                    self._messages = self._messages[:index] + self._messages[index + 1 :]
                    return
            raise ReceiptHandleIsInvalid()

        Queue.delete_message = delete_message  # type: ignore[method-assign]
        Queue.attributes = property(attributes)  # type: ignore[assignment, method-assign]
        SQSBackend.send_message = send_message  # type: ignore[method-assign]
        _installed = True
