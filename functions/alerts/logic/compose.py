"""The composer's rules: options, preview (audience per language and segments per text), creating an alert
(now or at a time), cancelling one, and the ALERT view with live figures."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from switchboard.clock import format_timestamp
from switchboard.translation import TranslationUnavailable, Translator

from alerts.logic.audience import (
    Recipient,
    Subscriber,
    count_by_channel,
    count_by_language,
    fallbacks,
    select_recipients,
)
from alerts.logic.costs import estimate_cost
from alerts.logic.links import rewrite_links
from alerts.logic.segments import count_segments
from alerts.models.alerts import (
    CLICKS,
    DELIVERY_CHANNELS,
    FIGURE_NAMES,
    Alert,
    AlertNotFound,
    AlertOptions,
    AlertView,
    Audience,
    CreateAlertRequest,
    EmergencyWithoutReason,
    EmptyText,
    FallbackWarning,
    InvalidSendAt,
    MachineTranslationUnavailable,
    NotCancellable,
    Preview,
    PreviewRequest,
    SendAtInPast,
    TextPreview,
    TopicOption,
    TranslateRequest,
    TranslationDraft,
    UnknownLanguage,
    UnknownTopic,
    UnknownZone,
    ZoneOption,
    figure_name,
)

ZIP_ZONE = re.compile(r"^zip:\d{5}$")
# Scheduling further ahead than this is a typo more often than a plan (and Scheduler wants a sane time).
MAX_SCHEDULE_DAYS = 365


class ComposerStore(Protocol):
    def subscribers(self, topic: str) -> Iterable[Subscriber]: ...

    def zip_zones(self) -> list[str]: ...

    def put_alert(self, alert: Alert, links: dict[str, str]) -> None: ...

    def get_alert(self, alert_id: str, *, consistent: bool = False) -> Alert | None: ...

    def list_alerts(self, limit: int) -> list[Alert]: ...

    def figures(self, alert_id: str) -> tuple[dict[str, int], dict[str, int]]: ...

    def cancel(self, alert_id: str, at: str) -> bool: ...


class Starter(Protocol):
    def start_now(self, alert_id: str) -> None: ...

    def schedule_alert(self, alert_id: str, send_at_utc: str) -> None: ...

    def cancel_alert(self, alert_id: str) -> None: ...


@dataclass(frozen=True)
class Catalogue:
    """What an alert may name: the agency's topics (code → name), zones (id → (name, kind)), languages."""

    topics: dict[str, str]
    zones: dict[str, tuple[str, str]]
    languages: Sequence[str]


def options(catalogue: Catalogue, rate_per_second: float) -> AlertOptions:
    return AlertOptions(
        topics=[TopicOption(id=code, name=name) for code, name in catalogue.topics.items()],
        zones=[ZoneOption(id=zone, name=name, kind=kind) for zone, (name, kind) in catalogue.zones.items()],  # type: ignore[arg-type]
        languages=list(catalogue.languages),
        rate_per_second=rate_per_second,
    )


def _check_targets(
    catalogue: Catalogue, topics: Sequence[str], zones: Sequence[str], texts: dict[str, str]
) -> None:
    for topic in topics:
        if topic not in catalogue.topics:
            raise UnknownTopic("unknown topic: choose from GET /api/alerts/options")
    for zone in zones:
        if zone not in catalogue.zones and not ZIP_ZONE.match(zone):
            raise UnknownZone("unknown zone: choose from GET /api/alerts/options")
    for language in texts:
        if language not in catalogue.languages:
            raise UnknownLanguage("unknown language: choose from GET /api/alerts/options")


def audience_of(store: ComposerStore, topics: Sequence[str], zones: Sequence[str]) -> list[Recipient]:
    return select_recipients((store.subscribers(topic) for topic in dict.fromkeys(topics)), zones)


def preview(store: ComposerStore, catalogue: Catalogue, request: PreviewRequest) -> Preview:
    _check_targets(catalogue, request.topics, request.zones, request.texts)
    recipients = audience_of(store, request.topics, request.zones)
    written = [language for language, text in request.texts.items() if text.strip()]
    texts = {language: _text_preview(text) for language, text in request.texts.items()}
    by_channel = count_by_channel(recipients)
    cost = estimate_cost(
        by_channel,
        segments=max((t.segments for t in texts.values()), default=1),
        characters=max((t.characters for t in texts.values()), default=0),
        image=bool(request.image_url),
    )
    return Preview(
        audience=Audience(
            total=len(recipients),
            by_language=count_by_language(recipients, request.texts),
            by_channel=by_channel,
        ),
        texts=texts,
        cost=cost,
        # Before sending: who will get a language they did not choose (the composer offers a translation).
        fallbacks=[
            FallbackWarning(reads=f.reads, gets=f.gets, residents=f.residents)
            for f in fallbacks(recipients, written)
        ],
    )


def machine_translation(
    translator: Translator | None, catalogue: Catalogue, request: TranslateRequest
) -> TranslationDraft:
    """A draft of the text in `target` for a person to review in the composer; it is never sent from here."""
    for language in (request.source, request.target):
        if language not in catalogue.languages:
            raise UnknownLanguage("unknown language: choose from GET /api/alerts/options")
    if translator is None:
        raise MachineTranslationUnavailable("machine translation is not set up: write this text instead")
    try:
        translation = translator.translate(request.text, request.source, request.target)
    except TranslationUnavailable as unavailable:
        raise MachineTranslationUnavailable(
            f"machine translation is unavailable now ({unavailable.reason}): write this text instead"
        ) from None
    text = translation.text.strip()
    if not text:
        raise MachineTranslationUnavailable("the translation came back empty: write this text instead")
    return TranslationDraft(
        language=request.target,
        text=text,
        preview=_text_preview(text),
        provider=translation.provider,
        stand_in=translation.marked_stand_in,
    )


def _text_preview(text: str) -> TextPreview:
    count = count_segments(text)
    return TextPreview(
        encoding=count.encoding,
        segments=count.segments,
        characters=count.characters,
        forced_by=list(count.forced_by),
    )


def new_alert_id() -> str:
    return "al" + secrets.token_hex(8)


def create_alert(
    store: ComposerStore,
    starter: Starter,
    catalogue: Catalogue,
    request: CreateAlertRequest,
    *,
    actor: str,
    redirect_base: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    make_id: Callable[[], str] = new_alert_id,
) -> Alert:
    _check_targets(catalogue, request.topics, request.zones, request.texts)
    texts = {language: text.strip() for language, text in request.texts.items()}
    if any(not text or len(text) > 1600 for text in texts.values()):
        raise EmptyText("every text needs 1 to 1600 characters")
    reason = (request.emergency_reason or "").strip() or None
    if request.emergency and not reason:
        raise EmergencyWithoutReason("an emergency needs a reason (it may wake residents in quiet hours)")
    moment = now()
    send_at = _send_at(request.send_at, moment)
    outgoing, links = rewrite_links(texts, redirect_base) if request.track_links else (texts, {})
    alert = Alert(
        alert_id=make_id(),
        title=request.title.strip(),
        status="scheduled",
        created_at=format_timestamp(moment),
        created_by=actor,
        send_at=send_at,
        emergency=request.emergency,
        emergency_reason=reason if request.emergency else None,
        topics=tuple(dict.fromkeys(request.topics)),
        zones=tuple(dict.fromkeys(request.zones)),
        texts=texts,
        track_links=request.track_links,
        outgoing=outgoing,
        image_url=request.image_url,
    )
    store.put_alert(alert, links)
    # Status `scheduled` until the planner starts it, whether that is now or at `send_at`.
    if send_at:
        starter.schedule_alert(alert.alert_id, send_at)
    else:
        starter.start_now(alert.alert_id)
    return alert


def _send_at(value: str | None, now: datetime) -> str | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidSendAt("send_at must be ISO-8601 with an offset") from None
    if moment.tzinfo is None:
        raise InvalidSendAt("send_at must carry its offset (e.g. 2026-12-05T09:00:00-05:00)")
    if moment <= now:
        raise SendAtInPast("send_at is in the past: leave it empty to send now")
    if (moment - now).days > MAX_SCHEDULE_DAYS:
        raise InvalidSendAt("send_at is more than a year ahead")
    return format_timestamp(moment.replace(second=moment.second, microsecond=0))


def cancel_alert(
    store: ComposerStore,
    starter: Starter,
    alert_id: str,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Alert:
    alert = store.get_alert(alert_id, consistent=True)
    if alert is None:
        raise AlertNotFound("no such alert")
    # The status first: once it says cancelled, a schedule firing at this moment finds nothing to send.
    if alert.status != "scheduled" or not store.cancel(alert_id, format_timestamp(now())):
        raise NotCancellable("only a scheduled alert that has not started can be cancelled")
    starter.cancel_alert(alert_id)
    found = store.get_alert(alert_id, consistent=True)
    assert found is not None
    return found


def view(store: ComposerStore, alert: Alert, *, with_texts: bool = True) -> AlertView:
    counted, reasons = store.figures(alert.alert_id)
    # Per channel (a call's and an email's figures are stored prefixed), and every channel summed: the
    # summed figures keep adding up to the audience, which counts (resident, channel) deliveries.
    by_channel = {
        channel: {name: counted.get(figure_name(channel, name), 0) for name in FIGURE_NAMES}
        for channel in DELIVERY_CHANNELS
    }
    figures = {name: sum(split[name] for split in by_channel.values()) for name in FIGURE_NAMES}
    figures[CLICKS] = counted.get(CLICKS, 0)
    status = alert.status
    pending = figures["queued"] + figures["waiting_quiet_hours"]
    if status == "sending" and alert.enqueued_at and pending <= 0:
        status = "sent"  # every recipient has been handed to Twilio or SES, or settled
    return AlertView(
        alert_id=alert.alert_id,
        title=alert.title,
        status=status,
        created_at=alert.created_at,
        created_by=alert.created_by,
        send_at=alert.send_at,
        emergency=alert.emergency,
        emergency_reason=alert.emergency_reason,
        topics=list(alert.topics),
        zones=list(alert.zones),
        texts=dict(alert.texts) if with_texts else {},
        track_links=alert.track_links,
        audience_total=alert.audience_total,
        figures=figures,
        failure_reasons=reasons,
        image_url=alert.image_url,
        figures_by_channel=by_channel,
    )


def get_alert_view(store: ComposerStore, alert_id: str) -> AlertView:
    alert = store.get_alert(alert_id)
    if alert is None:
        raise AlertNotFound("no such alert")
    return view(store, alert)
