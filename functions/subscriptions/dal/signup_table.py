"""Sign-ups from the hosted page, waiting for the resident's YES: one item per resident, expiring by TTL."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from switchboard.dynamodb import error_code
from switchboard.table_keys import resident_pk

from subscriptions.models.signup import PendingSignup

SIGNUP_SK = "SIGNUP"


class SignupTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def put_unless_recent(self, signup: PendingSignup, resend_before_epoch: int) -> bool:
        """Store the sign-up unless one was sent to this number after `resend_before_epoch` (False then)."""
        item: dict[str, Any] = {
            "pk": resident_pk(signup.address),
            "sk": SIGNUP_SK,
            "signup_id": signup.signup_id,
            "address": signup.address,
            "topics": list(signup.topics),
            "language": signup.language,
            "requested_at": signup.requested_at,
            "sent_at_epoch": signup.sent_at_epoch,
            "expires_at": signup.expires_at,
        }
        if signup.zip_code:
            item["zip_code"] = signup.zip_code
        if signup.channels != ("sms",):
            item["channels"] = list(signup.channels)
        if signup.email:
            item["email"] = signup.email
        if signup.zones:
            item["zones"] = list(signup.zones)
            item["zone_names"] = list(signup.zone_names)
        try:
            self._table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(pk) OR sent_at_epoch < :cutoff",
                ExpressionAttributeValues={":cutoff": int(resend_before_epoch)},
            )
            return True
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise

    def pending(self, address: str, now_epoch: int) -> PendingSignup | None:
        key = {"pk": resident_pk(address), "sk": SIGNUP_SK}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        if not item or int(item["expires_at"]) <= now_epoch:
            return None  # TTL deletes lazily: an expired item may still be there
        return PendingSignup(
            signup_id=str(item["signup_id"]),
            address=str(item["address"]),
            topics=tuple(str(t) for t in item["topics"]),
            zip_code=str(item["zip_code"]) if item.get("zip_code") else None,
            language=str(item.get("language") or "en"),
            requested_at=str(item["requested_at"]),
            sent_at_epoch=int(item["sent_at_epoch"]),
            expires_at=int(item["expires_at"]),
            zones=tuple(str(z) for z in item.get("zones", [])),
            zone_names=tuple(str(n) for n in item.get("zone_names", [])),
            channels=tuple(str(c) for c in item.get("channels", ["sms"])),
            email=str(item["email"]) if item.get("email") else None,
        )

    def remove(self, address: str) -> None:
        self._table.delete_item(Key={"pk": resident_pk(address), "sk": SIGNUP_SK})
