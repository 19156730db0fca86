"""Topics and subscribers as supervisors manage them on the agent page (issue 16 item 7): pure rules."""

from __future__ import annotations

from switchboard.phone import InvalidAddress, InvalidPhoneNumber, normalize_phone, parse_address

from subscriptions.logic.inbound_keywords import RESERVED_WORDS
from subscriptions.logic.keywords import ALL, TOPIC_CODE
from subscriptions.logic.signup import CONFIRM_WORDS

# Words other flows answer as a whole text (callbacks, reminders: features this one may not import). A topic
# with such a code would make "JOIN DONE" ambiguous and "STOP CALLBACK" unreadable.
OTHER_FLOW_WORDS = frozenset({"CALLBACK", "RESCHEDULE", "DONE"})
RESERVED_TOPIC_CODES = RESERVED_WORDS | CONFIRM_WORDS | OTHER_FLOW_WORDS | {ALL}


class InvalidTopicCode(ValueError):
    pass


class InvalidSubscriber(ValueError):
    pass


def topic_code(typed: str) -> str:
    """The code residents type ("JOIN WATER"), upper-cased; InvalidTopicCode says why it cannot be one."""
    code = typed.strip().upper()
    if not TOPIC_CODE.match(code):
        raise InvalidTopicCode("a topic code is 2 to 20 letters or digits, starting with a letter (WATER)")
    if code in RESERVED_TOPIC_CODES:
        raise InvalidTopicCode(f"{code} is a keyword residents already text for something else")
    return code


def topic_name(typed: str) -> str:
    name = " ".join(typed.split())
    if not 2 <= len(name) <= 60:
        raise InvalidTopicCode("a topic name is 2 to 60 characters")
    return name


def subscriber_address(typed: str) -> str:
    """The resident's stored address from what staff typed: a phone number as people write it (SMS), or an
    address as the page shows it (`whatsapp:+1…`, `webchat:…`)."""
    text = typed.strip()
    if text.lower().startswith(("whatsapp:", "webchat:")):
        try:
            return parse_address(text).value
        except InvalidAddress:
            raise InvalidSubscriber("not a valid address") from None
    try:
        return normalize_phone(text)
    except InvalidPhoneNumber:
        raise InvalidSubscriber("not a phone number; type it as residents would: (202) 555-0143") from None
