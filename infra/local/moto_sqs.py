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

Receiving had it too: moto's ReceiveMessage asks `queue.messages`, a list of every visible message built by
evaluating two clock-reading properties per message, and then takes the first ten. While a receive runs, this
patch lets that thread's `queue.messages` yield the visible messages lazily from a snapshot of the queue, so a
receive costs the in-flight messages it skips plus the ten it takes. Each message a receive returns was also
checked against the retention period by asking for the queue's attributes, which counted the whole queue three
times; the check now reads the one attribute. GetQueueAttributes with named attributes built the full set
(counts included) twice per name; it now builds it once per call. The approximate counts read the clock once
per count instead of twice per message. Same answers, same order.
"""

from __future__ import annotations

import threading
from typing import Any

_installed = False
_guard = threading.Lock()
_sending = threading.local()
_receiving = threading.local()
_one_build = threading.local()


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
            built: dict[int, Any] | None = getattr(_one_build, "queues", None)
            if built is None:
                return full_attributes.fget(self)  # type: ignore[no-any-return, attr-defined]
            if id(self) not in built:
                built[id(self)] = full_attributes.fget(self)  # type: ignore[attr-defined]
            return built[id(self)]  # type: ignore[no-any-return]

        original_get_attributes = SQSBackend.get_queue_attributes

        def get_queue_attributes(self: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(_one_build, "queues", None) is not None:
                return original_get_attributes(self, *args, **kwargs)
            _one_build.queues = {}
            try:
                return original_get_attributes(self, *args, **kwargs)
            finally:
                _one_build.queues = None

        from moto.core.utils import unix_time

        def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
            retention_period = int(self.get_queue(queue_name).message_retention_period)
            return bool(retention_period + message.sent_timestamp / 1000 > unix_time())

        original_send = SQSBackend.send_message

        def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
            _sending.active = True
            try:
                return original_send(self, *args, **kwargs)
            finally:
                _sending.active = False

        from moto.core.utils import unix_time_millis
        from moto.sqs.exceptions import ReceiptHandleIsInvalid

        full_messages = Queue.messages

        class VisibleLazily:
            """The visible messages in queue order, found as they are asked for. Truthy when there is one
            (moto's long poll waits on `bool(queue.messages)`: a bare generator would always be true and the
            poll would spin)."""

            def __init__(self, queue: Any) -> None:
                self._snapshot = list(queue._messages)

            def __iter__(self) -> Any:
                for message in self._snapshot:
                    now = unix_time_millis()
                    if now > message.visible_at and not now < message.delayed_until:
                        yield message

            def __bool__(self) -> bool:
                return next(iter(self), None) is not None

        def visible_lazily(queue: Any) -> Any:
            return VisibleLazily(queue)

        def messages(self: Any) -> Any:
            if getattr(_receiving, "active", False):
                return visible_lazily(self)
            return full_messages.fget(self)  # type: ignore[attr-defined]

        original_receive = SQSBackend.receive_message

        def receive_message(self: Any, *args: Any, **kwargs: Any) -> Any:
            _receiving.active = True
            try:
                return original_receive(self, *args, **kwargs)
            finally:
                _receiving.active = False

        def count_visible(self: Any) -> int:
            now = unix_time_millis()
            return sum(1 for m in list(self._messages) if now > m.visible_at and not now < m.delayed_until)

        def count_not_visible(self: Any) -> int:
            now = unix_time_millis()
            return sum(1 for m in list(self._messages) if not now > m.visible_at)

        def count_delayed(self: Any) -> int:
            now = unix_time_millis()
            return sum(1 for m in list(self._messages) if now < m.delayed_until)

        Queue.messages = property(messages)  # type: ignore[assignment, method-assign]
        Queue.approximate_number_of_messages = property(count_visible)  # type: ignore[assignment, method-assign]
        Queue.approximate_number_of_messages_not_visible = property(count_not_visible)  # type: ignore[assignment, method-assign]
        Queue.approximate_number_of_messages_delayed = property(count_delayed)  # type: ignore[assignment, method-assign]
        SQSBackend.receive_message = receive_message  # type: ignore[method-assign]
        SQSBackend.get_queue_attributes = get_queue_attributes  # type: ignore[method-assign]
        SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]

        def delete_message(self: Any, receipt_handle: str) -> None:
            # Under the lock moto's add_message appends with, and in place: rebuilding the list (as moto
            # does) lost a message sent or deleted by another request thread meanwhile; a lost in-flight
            # FIFO message kept its group pending for ever and stalled that resident's messages.
            with self._messages_lock:
                if receipt_handle in self.deleted_messages:
                    return  # already deleted: moto (and SQS) accept it again
                for index, message in enumerate(self._messages):
                    if message.had_receipt_handle(receipt_handle):
                        self.pending_messages.discard(message)
                        self.deleted_messages.update(message.all_receipt_handles)
                        del self._messages[index]
                        return
            raise ReceiptHandleIsInvalid()

        Queue.delete_message = delete_message  # type: ignore[method-assign]
        Queue.attributes = property(attributes)  # type: ignore[assignment, method-assign]
        SQSBackend.send_message = send_message  # type: ignore[method-assign]
        _installed = True
