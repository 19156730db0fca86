"""The key of the keyed digests in logs, rate-limit keys and FIFO group ids (layers/shared/python/switchboard/
log_hash.py): one generated secret per deployment, readable only by the functions that hash."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.keys import generated_key

# The functions whose code calls switchboard.log_hash (redact_address, keyed_digest): tests/infra/
# test_infra_log_hash.py reads their handlers' imports and fails, naming the function, when this drifts.
LOG_HASHING_FUNCTIONS = frozenset(
    {
        "TwilioWebhookFn",
        "TwilioStatusFn",
        "CallStatusFn",
        "VoiceFn",  # the IVR logs a hashed caller
        "InboundConsumerFn",
        "StatusConsumerFn",
        "AgentApiFn",
        "SmsSenderFn",
        "AlertSenderFn",
        "ReminderStepsFn",
        "SignupFn",
        "WebChatFn",
        "FeedbackSurveyFn",
        "CityPollFn",  # texts a resident their request's new status (inbox's automatic texts log hashed)
        "UnsubscribeFn",  # an email opt-out's ledger entry logs the resident hashed
        "EmailFeedbackFn",
    }
)


class LogHashKey(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.secret = generated_key(
            self,
            "LogHashKey",
            description="HMAC key of the digests that stand for phone numbers and IP addresses in logs and "
            "rate-limit keys (generated; read once per container)",
            why_not_rotated="Rotating the key renames every resident in the logs from then on and restarts "
            "the web chat's rate-limit windows; an agency rotates it deliberately with put-secret-value (and "
            "a redeploy or cold start), not on a schedule.",
        )

    def environment(self) -> dict[str, str]:
        return {"LOG_HASH_SECRET_ARN": self.secret.secret_arn}

    def grant_to_hashing_functions(self, scope: Construct) -> list[str]:
        """Read access for each function in LOG_HASHING_FUNCTIONS under `scope`; their ids, to check."""
        granted = []
        for child in scope.node.find_all():
            if isinstance(child, lambda_.Function) and child.node.id in LOG_HASHING_FUNCTIONS:
                self.secret.grant_read(child)
                granted.append(child.node.id)
        missing = LOG_HASHING_FUNCTIONS - set(granted)
        if missing:
            raise ValueError(f"functions named in LOG_HASHING_FUNCTIONS not found: {sorted(missing)}")
        return granted
