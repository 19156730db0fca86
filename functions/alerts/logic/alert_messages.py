"""What a voice call and an email carry for an alert (issue 22): pure, so each shape is tested without Twilio
or SES. Every word around the alert's own text comes from the `alert_channels` catalog in the resident's
language; the alert's text is the one written for that language (Alert.text_for)."""

from __future__ import annotations

import html
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from xml.sax.saxutils import escape, quoteattr

from switchboard import i18n

# <Say language=...>: Twilio's text-to-speech locale per alert language; a language Twilio cannot speak is
# read by the English voice (the text is still the one written for the resident).
SAY_LOCALES = {
    "en": "en-US",
    "es": "es-US",
    "vi": "vi-VN",
    "zh": "cmn-CN",
    "ko": "ko-KR",
    "ru": "ru-RU",
    "fr": "fr-FR",
    "ar": "arb",
    "tl": "fil-PH",
}
# How long a call waits for a key press after the message before it says goodbye.
REPEAT_WAIT_S = 5
IMAGE_CID = "alert-image"
SEVEN_BIT = policy.SMTP.clone(cte_type="7bit")
# The voice alert's repeat key posts here (channels.handlers.alert_call), `?lang=` the language spoken.
ALERT_CALL_PATH = "/twilio/alert-calls/{alert_id}"


def say_locale(language: str) -> str:
    return SAY_LOCALES.get(language, SAY_LOCALES["en"])


def alert_call_twiml(
    *, body: str, language: str, agency: str, repeat_url: str, repeated: bool = False
) -> str:
    """The call: who it is from (not on a repeat), the alert, then one key repeats it (the Gather posts to
    `repeat_url`, which answers this again); no key: goodbye. Answering machines get the whole message:
    the call is placed with machine detection that waits for the greeting to end."""
    locale = quoteattr(say_locale(language))
    words = i18n.supported(language)
    intro = "" if repeated else i18n.say("alert_channels.call_intro", words, agency=agency) + " "
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Gather input="dtmf" numDigits="1" timeout="{REPEAT_WAIT_S}" '
        f'action={quoteattr(repeat_url)} method="POST">'
        f"<Say language={locale}>{escape(intro + body)}</Say>"
        f"<Say language={locale}>{escape(i18n.say('alert_channels.call_repeat', words))}</Say>"
        "</Gather>"
        f"<Say language={locale}>{escape(i18n.say('alert_channels.call_goodbye', words))}</Say>"
        "</Response>"
    )


def alert_email(
    *,
    body: str,
    language: str,
    agency: str,
    sender: str,
    to: str,
    unsubscribe_url: str,
    image: tuple[bytes, str] | None = None,
) -> EmailMessage:
    """The email: text and HTML parts (HTML escaped from the text: a staff member's words, never markup),
    the picture inline when there is one, and a one-click unsubscribe (RFC 8058) in the headers and body."""
    words = i18n.supported(language)
    footer = i18n.say("alert_channels.email_footer", words, agency=agency)
    stop = i18n.say("alert_channels.email_unsubscribe", words)
    # 7-bit transfer encodings (quoted-printable, base64) and RFC 2047 headers: SES relays any mail server.
    message = EmailMessage(policy=SEVEN_BIT)
    message["Subject"] = i18n.say("alert_channels.email_subject", words, agency=agency)
    message["From"] = formataddr((agency, sender))
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(f"{body}\n\n--\n{footer}\n{stop}: {unsubscribe_url}\n")
    paragraphs = "".join(f"<p>{html.escape(part)}</p>" for part in body.split("\n") if part.strip())
    picture = f'<p><img src="cid:{IMAGE_CID}" alt="" style="max-width:100%"></p>' if image else ""
    message.add_alternative(
        f'<!doctype html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
        f"<title>{html.escape(str(message['Subject']))}</title></head><body>"
        f"{paragraphs}{picture}<hr><p>{html.escape(footer)}</p>"
        f'<p><a href="{html.escape(unsubscribe_url)}">{html.escape(stop)}</a></p></body></html>',
        subtype="html",
    )
    message["Content-Language"] = language  # after the parts: setting content clears content headers
    if image is not None:
        data, content_type = image
        maintype, _, subtype = content_type.partition("/")
        html_part = message.get_payload()[1]  # type: ignore[index]
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(data, maintype=maintype, subtype=subtype, cid=f"<{IMAGE_CID}>")
    return message
