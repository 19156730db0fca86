"""Street addresses made comparable, and the agency's address-point file (a gazetteer) read from CSV.

We cannot call a geocoder (offline, and a resident's address should not leave the agency's account), so an
address resolves through the agency's own address points: many cities publish one (address, latitude,
longitude). Both the file's addresses and what residents type go through `normalize_address`, so "120 elm
street, apt 4" finds "120 ELM ST".
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass

from switchboard.geo.zones import ZIP_CODE

# USPS Publication 28 suffixes and directionals we meet in practice, long form -> standard abbreviation.
_SUFFIXES = {
    "STREET": "ST", "STR": "ST", "AVENUE": "AVE", "AV": "AVE", "AVEN": "AVE", "BOULEVARD": "BLVD",
    "BOUL": "BLVD", "ROAD": "RD", "DRIVE": "DR", "DRV": "DR", "LANE": "LN", "COURT": "CT", "PLACE": "PL",
    "TERRACE": "TER", "CIRCLE": "CIR", "HIGHWAY": "HWY", "PARKWAY": "PKWY", "PKY": "PKWY", "SQUARE": "SQ",
    "TRAIL": "TRL", "WAY": "WAY", "ALLEY": "ALY", "EXPRESSWAY": "EXPY", "FREEWAY": "FWY", "PLAZA": "PLZ",
    "POINT": "PT", "CROSSING": "XING", "HEIGHTS": "HTS", "RIDGE": "RDG", "ROUTE": "RTE", "LOOP": "LOOP",
}  # fmt: skip
_DIRECTIONS = {
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
    "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}  # fmt: skip
# Words that start a unit designation: everything from one of them on is dropped (address points are
# buildings, not flats). "#" is handled before words are split.
_UNIT_WORDS = frozenset(
    {
        "APT",
        "APARTMENT",
        "UNIT",
        "STE",
        "SUITE",
        "FL",
        "FLOOR",
        "RM",
        "ROOM",
        "BLDG",
        "BUILDING",
        "LOT",
        "SPC",
    }
)
_ORDINALS = {
    "FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD", "FOURTH": "4TH", "FIFTH": "5TH",
    "SIXTH": "6TH", "SEVENTH": "7TH", "EIGHTH": "8TH", "NINTH": "9TH", "TENTH": "10TH",
}  # fmt: skip
MAX_ADDRESS_LENGTH = 200
# One upload of address points (a CSV request body). Larger files go in several uploads: points add up.
MAX_GAZETTEER_ROWS = 20_000
MAX_GAZETTEER_BYTES = 4_000_000


def normalize_address(text: str) -> str:
    """The street line of `text` in a canonical form ("" if there is none).

    Upper case, accents and punctuation dropped, suffixes and directionals abbreviated, unit numbers ("Apt 4",
    "Unit B", "#12") and everything after the first comma (city, state, ZIP) dropped."""
    street = unicodedata.normalize("NFKD", text[:MAX_ADDRESS_LENGTH]).encode("ascii", "ignore").decode()
    street = street.split(",", 1)[0].upper()
    street = street.split("#", 1)[0]
    words = re.sub(r"[^A-Z0-9/ ]+", " ", street.replace(".", "").replace("'", "")).split()
    kept: list[str] = []
    for word in words:
        if word in _UNIT_WORDS and kept:
            break
        word = _ORDINALS.get(word, word)
        kept.append(_DIRECTIONS.get(word) or _SUFFIXES.get(word) or word)
    # A trailing 5-digit group is a ZIP typed without a comma ("120 Elm St 94110").
    if len(kept) > 2 and ZIP_CODE.match(kept[-1]):
        kept.pop()
    return " ".join(kept)


# A street line: a house number (with an optional letter or fraction) and at least one word.
_LOOKS_LIKE_ADDRESS = re.compile(r"^\s*\d{1,6}[A-Za-z]?(\s+\d/\d)?\s+(?=[^\n]*[A-Za-z])[^\n]{2,}$")
_POINT = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def looks_like_address(text: str) -> bool:
    return len(text) <= MAX_ADDRESS_LENGTH and bool(_LOOKS_LIKE_ADDRESS.match(text))


def parse_point(text: str) -> tuple[float, float] | None:
    """ "37.7601, -122.4194" (latitude first, as maps apps share it) -> (lat, lon); None if it is not one."""
    match = _POINT.match(text)
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or "." not in text:
        return None
    return lat, lon


@dataclass(frozen=True)
class AddressPoint:
    address: str  # normalized
    lat: float
    lon: float
    zip_code: str | None = None


@dataclass(frozen=True)
class GazetteerUpload:
    points: list[AddressPoint]
    rejected: list[tuple[int, str]]  # (row number in the file, 1 = the header; what is wrong)


class InvalidGazetteer(ValueError):
    pass


def parse_gazetteer(text: str) -> GazetteerUpload:
    """CSV with a header naming `address`, `lat` (or `latitude`), `lon` (or `lng`, `longitude`) and optionally
    `zip`. Rows that cannot be used are reported by row number; the rest load. The same normalized address
    twice: the later row wins (reported)."""
    if len(text.encode()) > MAX_GAZETTEER_BYTES:
        raise InvalidGazetteer(f"at most {MAX_GAZETTEER_BYTES // 1_000_000} MB per upload; split the file")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [cell.strip().lower() for cell in next(reader, [])]

    def column(*names: str) -> int | None:
        return next((header.index(name) for name in names if name in header), None)

    address_col = column("address", "full_address", "street_address")
    lat_col, lon_col = column("lat", "latitude", "y"), column("lon", "lng", "long", "longitude", "x")
    zip_col = column("zip", "zip_code", "zipcode", "postcode")
    if address_col is None or lat_col is None or lon_col is None:
        raise InvalidGazetteer("the first row must name the columns: address, lat, lon (and optionally zip)")
    by_address: dict[str, AddressPoint] = {}
    rejected: list[tuple[int, str]] = []
    for row_number, row in enumerate(reader, start=2):
        if row_number - 1 > MAX_GAZETTEER_ROWS:
            raise InvalidGazetteer(f"at most {MAX_GAZETTEER_ROWS} rows per upload; split the file")
        if not any(cell.strip() for cell in row):
            continue
        try:
            cells = {i: row[i] for i in (address_col, lat_col, lon_col)}
        except IndexError:
            rejected.append((row_number, "missing columns"))
            continue
        address = normalize_address(cells[address_col])
        if not address or not address[0].isdigit():
            rejected.append((row_number, "address must start with a house number"))
            continue
        try:
            lat, lon = float(cells[lat_col]), float(cells[lon_col])
        except ValueError:
            rejected.append((row_number, "lat and lon must be numbers"))
            continue
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            rejected.append((row_number, "lat/lon out of range"))
            continue
        zip_code = row[zip_col].strip()[:5] if zip_col is not None and zip_col < len(row) else ""
        if address in by_address:
            rejected.append((row_number, "same address as an earlier row; this row replaces it"))
        by_address[address] = AddressPoint(
            address, round(lat, 7), round(lon, 7), zip_code if ZIP_CODE.match(zip_code) else None
        )
    return GazetteerUpload(points=list(by_address.values()), rejected=rejected)
