"""Signed, expiring links to requests' photos (issue 21 item 3): a link opens exactly the photo it was signed
for, until it expires, and only with this deployment's key."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from hypothesis import given
from hypothesis import strategies as st
from servicerequests.logic.media_links import MediaLinks

NOW = 1_800_000_000
LINKS = MediaLinks(b"k" * 64, "https://api.example.gov/")


def parts(url: str) -> tuple[str, str, str]:
    split = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(split.query).items()}
    return split.path, query["expires"], query["signature"]


def test_a_link_opens_its_photo_until_it_expires() -> None:
    path, expires, signature = parts(LINKS.link("1234", 1, now=NOW, seconds=3600))
    assert path == "/open311/v2/media/1234/1" and int(expires) == NOW + 3600
    assert LINKS.valid("1234", 1, expires, signature, now=NOW + 3600)
    assert not LINKS.valid("1234", 1, expires, signature, now=NOW + 3601)


def test_a_link_opens_no_other_photo_and_needs_the_key() -> None:
    _, expires, signature = parts(LINKS.link("1234", 0, now=NOW, seconds=60))
    assert not LINKS.valid("1234", 1, expires, signature, now=NOW)
    assert not LINKS.valid("1235", 0, expires, signature, now=NOW)
    assert not LINKS.valid("1234", 0, str(int(expires) + 1), signature, now=NOW)  # a longer life: refused
    assert not MediaLinks(b"x" * 64, "https://api.example.gov").valid("1234", 0, expires, signature, now=NOW)
    assert not LINKS.valid("1234", 0, None, signature, now=NOW)
    assert not LINKS.valid("1234", 0, expires, None, now=NOW)


@given(expires=st.text(max_size=20), signature=st.text(max_size=80), number=st.integers(-5, 50))
def test_made_up_query_values_never_open_a_photo(expires: str, signature: str, number: int) -> None:
    assert not LINKS.valid("1234", number, expires, signature, now=NOW)
