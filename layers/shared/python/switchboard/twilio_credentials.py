"""The Twilio account credentials, read from Secrets Manager and cached.

Kept apart from twilio_client.py so the webhook, which only needs the token, does not import the REST SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_lambda_powertools.utilities import parameters

# Long enough to spare Secrets Manager on every request, short enough to pick up a rotated token.
SECRET_MAX_AGE_SECONDS = 300


class TwilioSecretError(RuntimeError):
    """The secret is not the JSON object `{"account_sid": "AC…", "auth_token": "…"}`."""


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str
    auth_token: str = field(repr=False)


def parse_twilio_secret(value: object) -> TwilioCredentials:
    if not isinstance(value, dict):
        raise TwilioSecretError("Twilio secret must be a JSON object")
    account_sid, auth_token = value.get("account_sid"), value.get("auth_token")
    if not isinstance(account_sid, str) or not account_sid.startswith("AC"):
        raise TwilioSecretError("Twilio secret lacks an account_sid starting with AC")
    if not isinstance(auth_token, str) or not auth_token:
        raise TwilioSecretError("Twilio secret lacks an auth_token")
    return TwilioCredentials(account_sid=account_sid, auth_token=auth_token)


def load_twilio_credentials(secret_arn: str, max_age: int = SECRET_MAX_AGE_SECONDS) -> TwilioCredentials:
    return parse_twilio_secret(parameters.get_secret(secret_arn, transform="json", max_age=max_age))
