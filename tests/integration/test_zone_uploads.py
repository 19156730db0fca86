"""Zone files uploaded from the zones page (issue 16 item 7): GeoJSON or a .zip holding it, clear refusals,
and each zone listed with an outline the page draws as SVG."""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import zipfile
from typing import Any

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_zones import ELM_PARK, GEOJSON, POND, SUPERVISOR


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(agent_api: Any, context: LambdaContext, name: str, content: bytes) -> tuple[int, Any]:
    body = {"file_name": name, "content_base64": base64.b64encode(content).decode()}
    return call(agent_api, context, api_event("POST", "/api/zones/upload", body=body, claims=SUPERVISOR))


def test_a_zipped_geojson_is_saved_and_listed_with_outlines(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    status, body = upload(
        agent_api, context, "zones.zip", zipped({"city/zones.geojson": json.dumps(GEOJSON).encode()})
    )
    assert status == 200, body

    status, listed = call(agent_api, context, api_event("GET", "/api/zones", claims=SUPERVISOR))

    assert status == 200
    outlines = {zone["zone_id"]: zone["outline"] for zone in listed["zones"]}
    assert set(outlines) == {"elm-park", "riverside"}
    # Elm Park: a square with a hole (two closed sub-paths); Riverside: two polygons.
    assert outlines["elm-park"]["path"].count("M") == 2 and outlines["riverside"]["path"].count("M") == 2
    # The 0.02° square is taller than wide on the ground (a degree of longitude is cos 37.77° of latitude’s).
    width, height = map(float, outlines["elm-park"]["view_box"].split()[2:])
    assert height == 100.0 and abs(width - 79.1) <= 0.1
    numbers = [float(n) for n in re.findall(r"-?\d+\.\d", outlines["elm-park"]["path"])]
    assert min(numbers) == 0.0 and max(numbers) == max(width, height)
    assert any(a["action"] == "zones.save" for a in aws.items() if str(a["pk"]).startswith("AUDIT#"))


def test_a_plain_geojson_file_is_saved_too(aws: Aws, agent_api: Any, context: LambdaContext) -> None:
    status, body = upload(agent_api, context, "zones.geojson", json.dumps(GEOJSON).encode())
    assert status == 200 and {z["zone_id"] for z in body["zones"]} == {"elm-park", "riverside"}


def test_bad_files_are_400_saying_what_is_wrong_and_nothing_is_saved(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    open_ring = json.loads(json.dumps(GEOJSON))
    open_ring["features"][0]["geometry"]["coordinates"][0].pop()
    cases = {
        "zones.kml": (b"<kml/>", "not GeoJSON"),
        "not a zip": (b"PK\x03\x04garbage", "not a valid .zip"),
        "not a shapefile": (zipped({"z.shp": b"\0" * 100, "z.dbf": b"\0" * 40}), "not a shapefile"),
        "empty zip": (zipped({"readme.txt": b"hi"}), "no .geojson, .json or .shp"),
        "two files": (zipped({"a.geojson": b"{}", "b.json": b"{}"}), "more than one"),
        "too-large.geojson": (b" " * 1_500_001, "larger than"),
        "bomb": (zipped({"z.geojson": b" " * 6_000_001}), "larger than 6 MB"),
    }
    for case, (content, message) in cases.items():
        status, body = upload(agent_api, context, case if "." in case else f"{case}.zip", content)
        assert status == 400 and message in body["message"], (case, body)
    status, body = upload(agent_api, context, "z.geojson", json.dumps(open_ring).encode())
    assert status == 400 and body["message"] == "invalid GeoJSON"
    assert body["problems"] == [
        "feature 1 (Elm Park): ring 1 is not closed: its last position must repeat its first"
    ]
    assert not any(i["pk"] == "ZONES" for i in aws.items())


# --- zipped shapefiles, written here byte by byte from the ESRI specification ---------------------------

WGS84_PRJ = 'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]]]'


def shp_polygons(shapes: list[list[list[list[float]]]]) -> bytes:
    records = b""
    for number, rings in enumerate(shapes, start=1):
        points = [p for ring in rings for p in ring]
        starts = [sum(len(r) for r in rings[:i]) for i in range(len(rings))]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        content = (
            struct.pack("<i4d2i", 5, min(xs), min(ys), max(xs), max(ys), len(rings), len(points))
            + struct.pack(f"<{len(starts)}i", *starts)
            + struct.pack(f"<{2 * len(points)}d", *[v for p in points for v in p])
        )
        records += struct.pack(">2i", number, len(content) // 2) + content
    header = struct.pack(">7i", 9994, 0, 0, 0, 0, 0, (100 + len(records)) // 2)
    header += struct.pack("<2i8d", 1000, 5, -180, -90, 180, 90, 0, 0, 0, 0)
    return header + records


def dbf_table(columns: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    width = 40
    header_length, record_length = 32 + 32 * len(columns) + 1, 1 + width * len(columns)
    out = struct.pack("<BBBBIHH20x", 3, 126, 12, 7, len(rows), header_length, record_length)
    for column in columns:
        out += column.encode().ljust(11, b"\0") + b"C" + b"\0" * 4 + bytes([width, 0]) + b"\0" * 14
    out += b"\r"
    for row in rows:
        out += b" " + b"".join(value.encode(encoding).ljust(width, b" ") for value in row)
    return out + b"\x1a"


def shapefile_zip(prj: str | None = WGS84_PRJ, with_dbf: bool = True) -> bytes:
    elm_outer = list(reversed(ELM_PARK))  # shapefile outer rings run clockwise, holes counter-clockwise
    riverside = [
        [-122.405, 37.755],
        [-122.405, 37.77],
        [-122.39, 37.77],
        [-122.39, 37.755],
        [-122.405, 37.755],
    ]
    files = {
        "export/zones.shp": shp_polygons([[elm_outer, POND], [riverside]]),
        "export/zones.cpg": b"UTF-8",
    }
    if with_dbf:
        files["export/zones.dbf"] = dbf_table(["NAME", "ZONE_ID"], [["Elm Park", "elm-park"], ["Peñas", ""]])
    if prj is not None:
        files["export/zones.prj"] = prj.encode()
    return zipped(files)


def test_a_zipped_shapefile_is_read_like_geojson_holes_and_names_included(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    status, body = upload(agent_api, context, "zones.zip", shapefile_zip())

    assert status == 200, body
    zones = {zone["zone_id"]: zone for zone in body["zones"]}
    assert set(zones) == {"elm-park", "penas"}  # an id column when given, else the name made a slug
    assert zones["penas"]["name"] == "Peñas"
    assert zones["elm-park"]["vertices"] == 10 and zones["elm-park"]["outline"]["path"].count("M") == 2
    # The pond is a hole: an address in it is not in Elm Park, one beside it is.
    for lat, lon, expected in ((37.770, -122.410, []), (37.762, -122.418, ["area:elm-park"])):
        request = {"lat": lat, "lon": lon}
        status, found = call(
            agent_api, context, api_event("POST", "/api/zones/lookup", body=request, claims=SUPERVISOR)
        )
        assert status == 200 and found["zones"] == expected, (lat, lon, found)


def test_a_projected_or_incomplete_shapefile_is_refused_saying_what_to_do(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    projected = (
        'PROJCS["NAD83 / California zone 3",GEOGCS["NAD83"],UNIT["US survey foot",0.3048006096012192]]'
    )
    status, body = upload(agent_api, context, "zones.zip", shapefile_zip(prj=projected))
    assert status == 400 and "projected coordinates" in body["message"] and "EPSG:4326" in body["message"]
    status, body = upload(agent_api, context, "zones.zip", shapefile_zip(with_dbf=False))
    assert status == 400 and ".dbf" in body["message"]
    assert not any(i["pk"] == "ZONES" for i in aws.items())
