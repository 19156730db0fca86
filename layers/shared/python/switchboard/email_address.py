"""Email addresses residents type (sign-up page, JOIN by text, an import's column): checked and normalised in
one place, like phone numbers in phone.py. Deliberately plain: one @, a dotted domain, no spaces or angle
brackets (an address goes into a To header), at most 254 characters (RFC 5321's path limit)."""

from __future__ import annotations

import re

MAX_EMAIL_LENGTH = 254
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")


def normalize_email(typed: str) -> str:
    """The address with its domain in lower case; ValueError (naming no part of it) when it is not one."""
    value = typed.strip()
    if len(value) > MAX_EMAIL_LENGTH or not _EMAIL.match(value):
        raise ValueError("not an email address")
    local, domain = value.rsplit("@", 1)
    if domain.startswith("-") or ".." in local or local.startswith(".") or local.endswith("."):
        raise ValueError("not an email address")
    return f"{local}@{domain.lower()}"


def find_email(text: str) -> str | None:
    """The first email address in a resident's text ("my email is ana@example.org"), normalised."""
    for word in text.split():
        try:
            return normalize_email(word.strip(".,;:()<>\"'"))
        except ValueError:
            continue
    return None
