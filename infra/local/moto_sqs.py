"""moto's SendMessage reads `queue.attributes` for one flag (ContentBasedDeduplication), and that property
counts every message in the queue (visible, in flight, delayed): each send costs O(queue depth), so enqueueing
an alert's 2,000 messages took 100 s locally and 100,000 would not finish. SQS's cost does not depend on the
depth. While a send runs, this patch lets that thread's `queue.attributes` answer the one flag without
counting; every other reader (GetQueueAttributes, the pollers, `wait_until_idle`) gets moto's full answer.
Local stack only.
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

        Queue.attributes = property(attributes)  # type: ignore[assignment, method-assign]
        SQSBackend.send_message = send_message  # type: ignore[method-assign]
        _installed = True
