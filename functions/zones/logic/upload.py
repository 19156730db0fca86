"""An uploaded zones file read to a GeoJSON document: a `.geojson`/`.json` file, or a `.zip` holding one or a
shapefile (zones.logic.shapefile).

Limits are checked before anything is inflated: the zip's own size, the number of members, and each member's
declared and actual uncompressed size (a zip bomb stops at MAX_GEOJSON_BYTES read). Problems are our words,
never the file's content.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import zipfile
from typing import Any

from zones.logic.shapefile import UnreadableShapefile, feature_collection_of_shapefile

MAX_UPLOAD_BYTES = 1_500_000  # the file as sent (base64 in JSON stays under the agent API's 2 MiB body cap)
MAX_GEOJSON_BYTES = 6_000_000  # GeoJSON text, after unzipping
MAX_ZIP_MEMBERS = 50
GEOJSON_SUFFIXES = (".geojson", ".json")


class UnreadableUpload(ValueError):
    """The file is not something zones can be read from; the message says what to send instead."""


def document_of_upload(file_name: str, content_base64: str) -> Any:
    try:
        data = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise UnreadableUpload("the file could not be read (its content is not base64)") from None
    if len(data) > MAX_UPLOAD_BYTES:
        raise UnreadableUpload(f"the file is larger than {MAX_UPLOAD_BYTES // 1_000_000:.1f} MB")
    if data[:4] == b"PK\x03\x04" or file_name.lower().endswith(".zip"):
        return _document_in_zip(data)
    return _json(data)


def _json(text: bytes) -> Any:
    try:
        return json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise UnreadableUpload("the file is not GeoJSON (a JSON FeatureCollection): check it") from None


def _document_in_zip(data: bytes) -> Any:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnreadableUpload("the file is not a valid .zip archive") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise UnreadableUpload(f"the .zip holds more than {MAX_ZIP_MEMBERS} files")
        geojson = [m for m in members if m.filename.lower().endswith(GEOJSON_SUFFIXES)]
        shapefiles = [m for m in members if m.filename.lower().endswith(".shp")]
        if len(geojson) + len(shapefiles) > 1:
            raise UnreadableUpload(
                "the .zip holds more than one GeoJSON file or shapefile; upload one at a time"
            )
        if geojson:
            return _json(_read(archive, geojson[0]))
        if not shapefiles:
            raise UnreadableUpload("the .zip holds no .geojson, .json or .shp file")
        base = shapefiles[0].filename[:-4]
        by_name = {m.filename.lower(): m for m in members}

        def sibling(suffix: str) -> bytes | None:
            member = by_name.get(f"{base}{suffix}".lower())
            return _read(archive, member) if member else None

        dbf = sibling(".dbf")
        if dbf is None:
            raise UnreadableUpload("the shapefile's .dbf file (the names of its shapes) is not in the .zip")
        prj, cpg = sibling(".prj"), sibling(".cpg")
        try:
            return feature_collection_of_shapefile(
                _read(archive, shapefiles[0]),
                dbf,
                prj.decode("latin-1") if prj else None,
                cpg.decode("latin-1") if cpg else None,
            )
        except UnreadableShapefile as unreadable:
            raise UnreadableUpload(str(unreadable)) from None


def _read(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    too_large = (
        f"{member.filename.rsplit('/', 1)[-1][:60]} is larger than {MAX_GEOJSON_BYTES // 1_000_000} MB"
    )
    if member.file_size > MAX_GEOJSON_BYTES:
        raise UnreadableUpload(too_large)
    try:
        with archive.open(member) as stream:
            content = stream.read(MAX_GEOJSON_BYTES + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError):
        raise UnreadableUpload("the .zip could not be unpacked (damaged or encrypted)") from None
    if len(content) > MAX_GEOJSON_BYTES:
        raise UnreadableUpload(too_large)
    return content
