"""The web chat's step of the inbound pipeline: a web chat resident who typed their name in "Your details" is
known by it in the inbox (list rows, the thread, the resident panel, `{resident_name}` in saved replies,
search by name), as a texting resident is once staff name them (issue 16, item 3).

The name a resident gave never replaces one staff set (`resident_name_source` tells them apart); a name the
resident changes later replaces the one they gave before. Runs on every web chat message, claimed or not,
and on a redelivery (setting the same name again changes nothing)."""

from __future__ import annotations

from typing import Protocol

from inbox.pipeline import CONTINUE, InboundMessage, StepContract, StepResult
from switchboard.phone import WEBCHAT_PREFIX

WEBCHAT_CONTACT = StepContract(
    name="webchat_contact",
    order=650,
    reads=("thread", "webchat_session"),
    writes=("resident_name", "name_postings"),
    skip_when_claimed=False,
)


class ContactNames(Protocol):
    def contact(self, session_id: str) -> dict[str, str]: ...

    def name_thread(self, thread_id: str, name: str) -> bool:
        """The thread takes the name the resident gave, unless staff named them; True if it did."""
        ...


class WebChatContactStep:
    contract = WEBCHAT_CONTACT

    def __init__(self, store: ContactNames) -> None:
        self._store = store

    def run(self, message: InboundMessage) -> StepResult:
        address = message.incoming.from_address
        if message.thread_id is None or not address.startswith(WEBCHAT_PREFIX):
            return CONTINUE
        name = (self._store.contact(address.removeprefix(WEBCHAT_PREFIX)).get("name") or "").strip()
        if not name:
            return CONTINUE
        named = self._store.name_thread(message.thread_id, name)
        return StepResult(fact="named" if named else None)
