"""Reserved concurrency: room guaranteed for the Twilio webhook, caps on the public routes.

Context values (`-c twilioWebhookConcurrency=80`) override the defaults; 0 leaves a function unreserved (an
account whose Lambda concurrency quota is below 200, such as a new account's 10, must set all four to 0).
"""

from aws_cdk import Stack
from constructs import IConstruct

# Reserved concurrency (context key -> default). The webhook's reservation guarantees it room; the public
# routes' reservations cap them, so a flood of chat, sign-up or link clicks cannot take the account's
# unreserved pool from the webhook or the staff routes. 100 in all: the account keeps its required 100
# unreserved only with a quota of 200 or more (the default is 1,000). 0 leaves a function unreserved.
RESERVED_CONCURRENCY = {
    "twilioWebhookConcurrency": 50,  # TwilioWebhookFn: ~50 ms a text, so ~1,000 texts/s
    "webChatConcurrency": 25,  # WebChatFn: each open chat polls once a second
    "signupConcurrency": 5,  # SignupFn: a form that sends a confirmation text
    "linkRedirectConcurrency": 20,  # LinkRedirectFn: /r/<token> clicks after an alert
}


def reserved_concurrency(scope: IConstruct, context_key: str) -> int | None:
    """The reservation for a public function: context `context_key`, else its default; 0 means none."""
    value = Stack.of(scope).node.try_get_context(context_key)
    reserved = RESERVED_CONCURRENCY[context_key] if value is None else int(value)
    if reserved < 0:
        raise ValueError(f"context {context_key} must be 0 (no reservation) or more, not {reserved}")
    return reserved or None
