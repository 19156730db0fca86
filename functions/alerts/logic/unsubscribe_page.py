"""GET and POST /u/{token} (public): the one-click unsubscribe of email alerts (issue 22, RFC 8058).

A mail client's one-click button POSTs `List-Unsubscribe=One-Click` to the List-Unsubscribe URL: that stops
email alerts at once. The link in the email's text opens the same URL with GET, which only shows a page with
one button (link scanners follow GETs: a GET changes nothing). The token names the resident through its
UNSUB# item; an unknown token is a 404 that changes nothing. The page's words are in the resident's language.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from inbox.logic.consent_changes import ConsentLedger
from switchboard import i18n
from switchboard.clock import utc_now_iso
from switchboard.observability import logger, metrics

from alerts.logic.email_consent import stop_email_alerts


class UnsubscribeTokens(Protocol):
    def unsubscribe_address(self, token: str) -> str | None: ...


TOKEN = re.compile(r"^[0-9a-f]{32}$")
HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
}


def _page(status: int, lang: str, title: str, *parts: str) -> dict[str, Any]:
    body = (
        f'<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>"
        + "".join(parts)
        + "</main></body></html>"
    )
    return {"statusCode": status, "headers": dict(HEADERS), "body": body}


def unsubscribe(
    method: str,
    token: str,
    form: str,
    *,
    tokens: UnsubscribeTokens,
    ledger: ConsentLedger,
    agency: str,
    now: Callable[[], str] = utc_now_iso,
) -> dict[str, Any]:
    address = tokens.unsubscribe_address(token) if TOKEN.match(token) else None
    if address is None:
        return _page(404, "en", i18n.say("alert_channels.unsubscribe_unknown", "en"))
    lang = i18n.supported(ledger.load_state(address).language)
    title = i18n.say("alert_channels.unsubscribe_title", lang)
    if method == "POST":
        # Once per resident and day: a second click the same day is recorded once (the ledger's key).
        stop_email_alerts(
            ledger, address, source="unsubscribe_link", source_id=f"unsub-{now()[:10]}", at=now()
        )
        metrics.add_metric(name="EmailUnsubscribeClicked", unit=MetricUnit.Count, value=1)
        logger.info("Email unsubscribe", extra={"one_click": "List-Unsubscribe=One-Click" in form})
        return _page(
            200,
            lang,
            title,
            f'<p role="status">{html.escape(i18n.say("alert_channels.unsubscribe_done", lang))}</p>',
        )
    question = i18n.say("alert_channels.unsubscribe_question", lang, agency=agency)
    button = i18n.say("alert_channels.unsubscribe_button", lang)
    return _page(
        200,
        lang,
        title,
        f"<p>{html.escape(question)}</p>",
        '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">',
        f'<button type="submit">{html.escape(button)}</button></form>',
    )
