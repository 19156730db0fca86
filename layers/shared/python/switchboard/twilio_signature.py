"""Twilio webhook bodies and signatures, parsed and checked the way Twilio computed them.

Known breakers (shared/DESIGN.md): blank parameters dropped by `parse_qs`, base64 bodies from API Gateway,
a URL rebuilt from Host headers (port, scheme, stage), a re-ordered query string. So: the form is parsed with
blank values kept, the URL is the configured public URL plus the route and the raw query string, and any
doubt fails closed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "x-twilio-signature"
# Twilio sends a few dozen fields; a cap keeps a hostile body from costing much before it is rejected.
_MAX_FIELDS = 512


class MalformedBody(ValueError):
    """The body is not valid (base64-wrapped) x-www-form-urlencoded UTF-8."""


@dataclass(frozen=True)
class FormBody:
    """Every field of a form post, in order, blanks and repeats included (the signature covers them all)."""

    pairs: tuple[tuple[str, str], ...]

    def first(self, name: str) -> str | None:
        return next((value for key, value in self.pairs if key == name), None)

    def as_dict(self) -> dict[str, str]:
        """One value per field (the first one): Twilio never repeats a field in its webhooks."""
        result: dict[str, str] = {}
        for key, value in self.pairs:
            result.setdefault(key, value)
        return result


def decode_body(body: str | None, is_base64_encoded: bool) -> str:
    if body is None:
        return ""
    if not is_base64_encoded:
        return body
    try:
        return base64.b64decode(body, validate=True).decode("utf-8")
    except (
        binascii.Error,
        ValueError,
    ) as error:  # ValueError: non-ASCII input; UnicodeDecodeError: not UTF-8
        raise MalformedBody("body is not base64-encoded UTF-8") from error


def parse_form(text: str) -> FormBody:
    if not text:
        return FormBody(pairs=())
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=_MAX_FIELDS,
        )
    except ValueError as error:  # includes UnicodeDecodeError from bad percent-escapes
        raise MalformedBody("body is not x-www-form-urlencoded UTF-8") from error
    return FormBody(pairs=tuple(pairs))


def parse_form_body(body: str | None, is_base64_encoded: bool) -> FormBody:
    return parse_form(decode_body(body, is_base64_encoded))


def signed_url(public_api_url: str, route_path: str, raw_query_string: str = "") -> str:
    """The URL Twilio signed: configured base + route, plus the query exactly as received (order matters)."""
    url = public_api_url.rstrip("/") + route_path
    return f"{url}?{raw_query_string}" if raw_query_string else url


class _MultiValueParams(dict[str, list[str]]):
    """RequestValidator asks `getall(name)` first, so repeated fields are signed with all their values."""

    def getall(self, name: str) -> list[str]:
        return self[name]


def _multi_value(pairs: Iterable[tuple[str, str]]) -> _MultiValueParams:
    params = _MultiValueParams()
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    return params


def compute_signature(auth_token: str, url: str, form: FormBody) -> str:
    """What Twilio puts in X-Twilio-Signature for this URL and form (used by tests and local tools)."""
    return RequestValidator(auth_token).compute_signature(url, _multi_value(form.pairs))


def is_valid_signature(auth_token: str, url: str, form: FormBody, signature: str | None) -> bool:
    if not signature or not auth_token:
        return False
    try:
        return bool(RequestValidator(auth_token).validate(url, _multi_value(form.pairs), signature))
    except Exception:  # noqa: BLE001 - fail closed: anything odd about the request means "not signed by Twilio"
        return False
