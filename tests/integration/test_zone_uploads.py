"""Zone files uploaded from the zones page (issue 16 item 7): GeoJSON or a .zip holding it, clear refusals,
and each zone listed with an outline the page draws as SVG."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from typing import Any

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_zones import GEOJSON, SUPERVISOR


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
        "shapefile": (zipped({"z.shp": b"\0" * 100, "z.dbf": b"\0"}), "export it as GeoJSON"),
        "empty zip": (zipped({"readme.txt": b"hi"}), "no .geojson"),
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
