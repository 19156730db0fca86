"""A zipped ESRI shapefile (.shp polygons, .dbf names, .prj) read into a GeoJSON FeatureCollection, so the one
GeoJSON reader (zones.logic.geojson) checks every zone the same way whichever file it came in.

Pure Python, the parts of the format GIS exports use for neighbourhoods: Polygon shapes (types 5, 15, 25; Z
and M values ignored), a dBASE table with a name (and optionally an id) column, and a .prj that must be
geographic (degrees): a projected file (metres or feet) is refused, saying how to export it instead. Outer
rings run clockwise in a shapefile and holes counter-clockwise; each hole joins the outer ring holding it.
"""

from __future__ import annotations

import struct
from typing import Any

from switchboard.geo.geometry import Ring, ring_area, ring_position

SHP_FILE_CODE = 9994
POLYGON_TYPES = {5, 15, 25}  # Polygon, PolygonZ, PolygonM
NULL_SHAPE = 0
NAME_FIELDS = ("name", "zone_name", "label", "nbhd_name", "neighborhood", "neighbourhood")
ID_FIELDS = ("id", "zone_id", "code", "slug")
MAX_RECORDS = 500


class UnreadableShapefile(ValueError):
    """Says what is wrong with the shapefile, in the uploader's words (never its content)."""


def feature_collection_of_shapefile(
    shp: bytes, dbf: bytes, prj: str | None, cpg: str | None
) -> dict[str, Any]:
    if prj is not None and prj.lstrip().upper().startswith("PROJCS"):
        raise UnreadableShapefile(
            "the shapefile is in projected coordinates (metres or feet): export it in WGS 84 (EPSG:4326)"
        )
    shapes = _shapes(shp)
    records = _records(dbf, _encoding(cpg))
    if len(records) != len(shapes):
        raise UnreadableShapefile(
            f"the .dbf has {len(records)} rows for {len(shapes)} shapes: the two files do not belong together"
        )
    features = []
    for shape, record in zip(shapes, records, strict=True):
        if shape is None:
            continue  # a null shape: a row without a drawing, nothing to save
        properties = {"name": _field(record, NAME_FIELDS)}
        zone_id = _field(record, ID_FIELDS)
        if zone_id:
            properties["id"] = zone_id
        polygons = _polygons(shape)
        geometry = (
            {"type": "Polygon", "coordinates": polygons[0]}
            if len(polygons) == 1
            else {"type": "MultiPolygon", "coordinates": polygons}
        )
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def _shapes(shp: bytes) -> list[list[Ring] | None]:
    if len(shp) < 100 or struct.unpack(">i", shp[0:4])[0] != SHP_FILE_CODE:
        raise UnreadableShapefile("the .shp file is not a shapefile (its header is wrong)")
    shape_type = struct.unpack("<i", shp[32:36])[0]
    if shape_type not in POLYGON_TYPES:
        raise UnreadableShapefile(
            f"the shapefile holds shape type {shape_type}, not polygons: zones are areas"
        )
    shapes: list[list[Ring] | None] = []
    offset = 100
    while offset + 8 <= len(shp):
        length = struct.unpack(">i", shp[offset + 4 : offset + 8])[0] * 2
        content = shp[offset + 8 : offset + 8 + length]
        if length < 4 or len(content) < length:
            raise UnreadableShapefile("the .shp file is cut short or damaged")
        shapes.append(_rings(content))
        if len(shapes) > MAX_RECORDS:
            raise UnreadableShapefile(f"at most {MAX_RECORDS} shapes per upload")
        offset += 8 + length
    if not shapes:
        raise UnreadableShapefile("the shapefile holds no shapes")
    return shapes


def _rings(content: bytes) -> list[Ring] | None:
    shape_type = struct.unpack("<i", content[0:4])[0]
    if shape_type == NULL_SHAPE:
        return None
    if shape_type not in POLYGON_TYPES or len(content) < 44:
        raise UnreadableShapefile("the .shp file mixes polygons with other shapes")
    parts, points = struct.unpack("<2i", content[36:44])
    end_of_points = 44 + 4 * parts + 16 * points
    if parts < 1 or points < 1 or len(content) < end_of_points:
        raise UnreadableShapefile("the .shp file has a damaged polygon")
    starts = list(struct.unpack(f"<{parts}i", content[44 : 44 + 4 * parts])) + [points]
    flat = struct.unpack(f"<{2 * points}d", content[44 + 4 * parts : end_of_points])
    positions = [(flat[2 * i], flat[2 * i + 1]) for i in range(points)]
    if starts != sorted(starts) or starts[0] != 0:
        raise UnreadableShapefile("the .shp file has a damaged polygon")
    return [tuple(positions[a:b]) for a, b in zip(starts, starts[1:], strict=False)]


def _polygons(rings: list[Ring]) -> list[list[list[list[float]]]]:
    """Clockwise rings are outer boundaries (shapefile order); each counter-clockwise ring is a hole in the
    outer ring that holds its first position (or, failing that, the one before it)."""
    outers: list[list[Ring]] = []
    holes: list[Ring] = []
    for ring in rings:
        if ring_area(ring) <= 0:
            outers.append([ring])
        else:
            holes.append(ring)
    if not outers:  # written counter-clockwise throughout: take each ring as an outer boundary
        outers, holes = [[ring] for ring in holes], []
    for hole in holes:
        holder = next((o for o in outers if ring_position(hole[0], o[0]) >= 0), outers[-1])
        holder.append(hole)
    return [[[list(p) for p in ring] for ring in polygon] for polygon in outers]


def _encoding(cpg: str | None) -> str:
    name = (cpg or "").strip().lower()
    if name in ("utf-8", "utf8", "65001"):
        return "utf-8"
    return "latin-1" if not name else name.replace("ansi ", "cp")


def _records(dbf: bytes, encoding: str) -> list[dict[str, str]]:
    if len(dbf) < 32:
        raise UnreadableShapefile("the .dbf file (the names of the shapes) is missing or empty")
    count, header_length, record_length = struct.unpack("<IHH", dbf[4:12])
    fields: list[tuple[str, int]] = []
    position = 32
    while position + 32 <= header_length and dbf[position] != 0x0D:
        name = dbf[position : position + 11].split(b"\0", 1)[0].decode("ascii", "replace").strip().lower()
        fields.append((name, dbf[position + 16]))
        position += 32
    if not fields or header_length + count * record_length > len(dbf):
        raise UnreadableShapefile("the .dbf file is cut short or damaged")
    records = []
    for index in range(count):
        start = header_length + index * record_length
        row = dbf[start : start + record_length]
        cursor = 1  # the deletion flag
        values: dict[str, str] = {}
        for name, width in fields:
            raw = row[cursor : cursor + width]
            try:
                values[name] = raw.decode(encoding).strip()
            except (LookupError, UnicodeDecodeError):
                values[name] = raw.decode("latin-1").strip()
            cursor += width
        records.append(values)
    return records


def _field(record: dict[str, str], names: tuple[str, ...]) -> str:
    return next((record[name] for name in names if record.get(name)), "")
