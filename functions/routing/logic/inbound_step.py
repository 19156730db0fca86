"""Routing as the last step of the inbound pipeline: a department for a new thread, an available agent for an
unassigned one. Runs on every message, claimed or not, and on a redelivery (a crash after storing must not
leave the thread unrouted; routing twice changes nothing)."""

from __future__ import annotations

from inbox.pipeline import CONTINUE, InboundMessage, StepContract, StepResult
from switchboard.phone import channel_of

from routing.logic.assignment import NewThread, Routing

ROUTING = StepContract(
    name="routing",
    order=700,
    reads=("thread", "body", "channel", "agency_number"),
    writes=("thread.department", "thread.language", "thread.assignee", "presence.assigned"),
    skip_when_claimed=False,
)


class RoutingStep:
    contract = ROUTING

    def __init__(self, routing: Routing) -> None:
        self._routing = routing

    def run(self, message: InboundMessage) -> StepResult:
        if message.thread_id is None:
            return CONTINUE
        incoming = message.incoming
        first = NewThread(
            channel=channel_of(incoming.from_address), body=incoming.body, agency_number=incoming.to_address
        )
        assignee = self._routing.route_thread(message.thread_id, first)
        return StepResult(fact=assignee) if assignee else CONTINUE
