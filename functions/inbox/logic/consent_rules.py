"""How a ledger entry changes a resident's consent state: pure, so every rule is tested without a table."""

from __future__ import annotations

from dataclasses import replace

from inbox.models.consent import ALL_TOPICS, ConsentChange, ConsentState


def apply_change(state: ConsentState, change: ConsentChange) -> ConsentState:
    """The state after `change`. A STOP of everything suspends the subscriptions (START brings them back);
    a topic joined after it is the only thing the resident gets until then. An entry about an alert channel
    (`medium`) only adds or removes that channel: it never stops or starts topics. A `text_request` (a caller
    asked the IVR to continue by text) is on the ledger only."""
    if change.action == "text_request":
        return _moved(state, change)  # what the resident asked, not a subscription
    if change.medium is not None:
        if change.action == "opt_in":
            email = change.email if change.medium == "email" and change.email else state.email
            return _moved(state, change, channels=state.channels | {change.medium}, email=email)
        if change.action == "opt_out":
            return _moved(state, change, channels=state.channels - {change.medium})
    if change.action == "set_zone":
        zones = change.zones_set or state.zones
        return _moved(state, change, zones=zones, awaiting=None)
    if change.action == "opt_out":
        if change.topic == ALL_TOPICS:
            return _moved(
                state,
                change,
                opted_out_all=True,
                topics=frozenset(),
                suspended_topics=state.suspended_topics | state.topics,
                awaiting=None,
            )
        return _moved(
            state,
            change,
            topics=state.topics - {change.topic},
            stopped_topics=state.stopped_topics | {change.topic},
            suspended_topics=state.suspended_topics - {change.topic},
        )
    if change.topic == ALL_TOPICS:
        return _moved(
            state,
            change,
            opted_out_all=False,
            topics=state.topics | state.suspended_topics,
            stopped_topics=frozenset(),
            suspended_topics=frozenset(),
        )
    return _moved(
        state,
        change,
        topics=state.topics | {change.topic},
        stopped_topics=state.stopped_topics - {change.topic},
        suspended_topics=state.suspended_topics - {change.topic},
    )


def _moved(state: ConsentState, change: ConsentChange, **fields: object) -> ConsentState:
    return replace(state, version=state.version + 1, updated_at=change.at, **fields)  # type: ignore[arg-type]
