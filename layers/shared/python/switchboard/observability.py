"""The one place Logger, Tracer and Metrics are created, and the one way to name a resident in a log line."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger = Logger()
metrics = Metrics(namespace=os.getenv("POWERTOOLS_METRICS_NAMESPACE") or "Switchboard")
# Reads and duplicates legitimately publish no metric; Powertools would warn on every such invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

_REDACTED_LENGTH = 12


_TRUTHY = frozenset({"1", "true", "yes", "y", "on"})


class UntracedHandlers:
    """Powertools Tracer's decorator when tracing is off: hands the handler back unchanged.

    Powertools' own disabled Tracer still imports the X-Ray SDK, which a stack synthesized without
    `-c tracing=true` does not ship (docs/decisions.md 23). Lambda's own trace segment is recorded either way.
    """

    def capture_lambda_handler(
        self,
        lambda_handler: Callable[..., Any] | None = None,
        capture_response: bool | None = None,
        capture_error: bool | None = None,
    ) -> Any:
        if lambda_handler is None:
            return lambda handler: handler
        return lambda_handler


def tracing_enabled() -> bool:
    """Powertools' switch, read the same way: tracing is on unless POWERTOOLS_TRACE_DISABLED is truthy."""
    return os.getenv("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() not in _TRUTHY


@cache
def _tracer() -> Tracer | UntracedHandlers:
    if not tracing_enabled():
        return UntracedHandlers()
    from aws_lambda_powertools import Tracer

    # Only botocore and requests are patched: patching every supported library would import them all.
    return Tracer(patch_modules=("botocore", "requests"))


def __getattr__(name: str) -> Tracer | UntracedHandlers:
    # `tracer` is built on first use: the X-Ray SDK creates botocore clients when imported (~150 ms here),
    # a cost the Twilio webhooks, which do not trace, should not pay at cold start.
    if name == "tracer":
        return _tracer()
    raise AttributeError(name)


def redact_address(address: str | None) -> str:
    """A short keyed hash of a phone number or WhatsApp address (switchboard.log_hash): tells residents apart
    within a deployment, names none, and cannot be reversed by hashing every phone number."""
    if not address:
        return "none"
    from switchboard.log_hash import keyed_digest

    return keyed_digest(address.strip(), _REDACTED_LENGTH)
