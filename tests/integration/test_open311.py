"""The Open311 GeoReport v2 server on moto: the catalogue staff manage, API keys, and every response checked
against the GeoReport v2 JSON schemas in ../shared/open311 (open311/schema-validation), never copied here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7
from servicerequests.dal.requests_table import RequestsTable
from servicerequests.models.requests import ServiceRequestRecord

from infra.app import REPO_ROOT
from infra.local.seed import DEMO_SERVICE_DEFINITIONS, DEMO_SERVICE_DEPARTMENTS, DEMO_SERVICES
from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call

SCHEMAS = REPO_ROOT.parent / "shared" / "open311"
ADMIN = {"sub": "admin-1", "email": "admin@example.org", "cognito:groups": ["admin"]}
AGENT = {"sub": "agent-1", "email": "a@example.org", "cognito:groups": ["agent"]}
RESIDENT = "+15555550123"

SERVICES = [
    {
        "service_code": "POT",
        "service_name": "Pothole",
        "description": "A hole in the road",
        "metadata": True,
        "type": "realtime",
        "keywords": "pothole,hole,road",
        "group": "Streets",
    },
    {
        "service_code": "GRAF",
        "service_name": "Graffiti",
        "metadata": False,
        "type": "realtime",
        "keywords": "graffiti,tag",
        "group": "Parks",
    },
]
DEFINITIONS = {
    "POT": {
        "service_code": "POT",
        "attributes": [
            {
                "variable": True,
                "code": "SIZE",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": None,
                "order": 1,
                "description": "How big is it?",
                "values": [
                    {"key": "small", "name": "Smaller than a plate"},
                    {"key": "big", "name": "Bigger"},
                ],
            },
            {
                "variable": True,
                "code": "DEPTH_CM",
                "datatype": "number",
                "required": False,
                "datatype_description": "centimetres",
                "order": 2,
                "description": "How deep?",
            },
        ],
    }
}


def _schema_files() -> dict[str, Any]:
    if not SCHEMAS.is_dir():
        pytest.fail(f"the Open311 schemas are not at {SCHEMAS} (../shared/open311 beside the clone)")
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in SCHEMAS.glob("*.json")}


@pytest.fixture(scope="module")
def validate() -> Any:
    files = _schema_files()
    registry: Registry = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT7))
        for name, schema in files.items()
        if name != "swagger.json"
    )
    swagger = files["swagger.json"]

    def check(schema_name: str, document: Any) -> None:
        if schema_name in files:
            schema = files[schema_name]
        else:  # RequestResponse, TokenResponse: only Swagger's definitions describe them
            schema = {
                "type": "array",
                "items": {"$ref": f"#/definitions/{schema_name}"},
                "definitions": swagger["definitions"],
            }
        errors = list(Draft7Validator(schema, registry=registry).iter_errors(document))
        assert errors == [], [error.message for error in errors]

    return check


def open311(api: Any, context: LambdaContext, method: str, path: str, **kwargs: Any) -> tuple[int, Any, str]:
    event = api_event(method, "/open311/v2/" + path, query=kwargs.get("query"))
    event.pop("pathParameters", None)
    event["requestContext"].pop("authorizer", None)
    if "form" in kwargs:
        event["body"] = urlencode(kwargs["form"], doseq=True)
        event["headers"]["content-type"] = "application/x-www-form-urlencoded"
    response = api.handler(event, context)
    body = response["body"]
    if path.endswith(".xml"):
        root = ElementTree.fromstring(body.split("\n", 1)[1])  # noqa: S314 - our own response
        return response["statusCode"], root, body
    return response["statusCode"], json.loads(body), body


@pytest.fixture
def catalogue(aws: Aws, agent_api: Any, context: LambdaContext) -> str:
    """The city's catalogue imported by an admin, and an API key issued: the key."""
    upload = {"services": SERVICES, "definitions": DEFINITIONS, "departments": {"POT": "roads"}}
    status, body = call(
        agent_api, context, api_event("POST", "/api/services/import", body=upload, claims=ADMIN)
    )
    assert (status, body) == (200, {"imported": 2, "problems": []})
    status, body = call(
        agent_api, context, api_event("POST", "/api/open311/keys", body={"name": "City"}, claims=ADMIN)
    )
    assert status == 200 and body["api_key"].startswith("sb311_")
    return str(body["api_key"])


def test_services_and_definitions_validate_in_json_and_xml(
    catalogue: str, open311_api: Any, context: LambdaContext, validate: Any
) -> None:
    status, services, _ = open311(open311_api, context, "GET", "services.json")
    assert status == 200
    validate("services.json", services)
    by_code = {service["service_code"]: service for service in services}
    assert by_code["POT"]["metadata"] is True and by_code["GRAF"]["metadata"] is False
    assert by_code["POT"]["keywords"] == "pothole,hole,road"
    assert "department" not in by_code["POT"]  # Switchboard's routing stays inside

    status, definition, _ = open311(open311_api, context, "GET", "services/POT.json")
    assert status == 200
    validate("service-definition.json", definition)
    assert [a["code"] for a in definition["attributes"]] == ["SIZE", "DEPTH_CM"]

    status, root, _ = open311(open311_api, context, "GET", "services.xml")
    assert status == 200 and root.tag == "services"
    assert sorted(s.findtext("service_code") for s in root.findall("service")) == ["GRAF", "POT"]
    status, root, _ = open311(open311_api, context, "GET", "services/POT.xml")
    assert root.tag == "service_definition"
    values = root.findall("attributes/attribute/values/value/key")
    assert [v.text for v in values] == ["small", "big"]

    status, errors, _ = open311(open311_api, context, "GET", "services/NOPE.json")
    assert (status, errors) == (404, [{"code": 404, "description": "service_code NOPE not found"}])


def post(api: Any, context: LambdaContext, form: dict[str, Any]) -> tuple[int, Any]:
    status, body, _ = open311(api, context, "POST", "requests.json", form=form)
    return status, body


def test_a_city_system_posts_a_request_with_its_key_and_reads_it_back(
    catalogue: str, open311_api: Any, context: LambdaContext, validate: Any
) -> None:
    form = {
        "api_key": catalogue,
        "jurisdiction_id": "city.example.gov",  # optional in the spec: accepted and ignored
        "service_code": "POT",
        "lat": "37.762",
        "long": "-122.402",
        "description": "Deep hole by the bus stop",
        "attribute[SIZE]": "big",
        "attribute[DEPTH_CM]": "12",
    }
    status, created = post(open311_api, context, form)
    assert status == 200, created
    validate("RequestResponse", created)
    request_id, token = created[0]["service_request_id"], created[0]["token"]

    status, one, _ = open311(open311_api, context, "GET", f"requests/{request_id}.json")
    assert status == 200
    validate("requests.json", one)
    (request,) = one
    validate("request.json", request)
    assert request["status"] == "open" and request["service_name"] == "Pothole"
    assert (request["lat"], request["long"]) == (37.762, -122.402)
    assert request["description"] == "Deep hole by the bus stop"

    status, resolved, _ = open311(open311_api, context, "GET", f"tokens/{token}.json")
    assert status == 200 and resolved == [{"service_request_id": request_id, "token": token}]
    validate("TokenResponse", resolved)
    # The spec's Swagger spells the single request /request/{id}: served too.
    assert open311(open311_api, context, "GET", f"request/{request_id}.json")[1] == one


@pytest.mark.parametrize(
    ("change", "status", "description"),
    [
        ({"api_key": None}, 403, "api_key is missing, unknown or revoked"),
        ({"api_key": "sb311_0123456789abcdef_" + "x" * 43}, 403, "api_key is missing, unknown or revoked"),
        ({"service_code": "NOPE"}, 400, "service_code NOPE is not a service of this jurisdiction"),
        (
            {"lat": None, "long": None},
            400,
            "a location is required: lat and long, address_string or address_id",
        ),
        ({"long": None}, 400, "lat and long go together"),
        ({"lat": "91"}, 400, "lat must be between -90 and 90"),
        ({"attribute[SIZE]": None}, 400, "SIZE: required (How big is it?)"),
        ({"attribute[SIZE]": "huge"}, 400, "SIZE: huge is not one of big, small"),
        ({"attribute[DEPTH_CM]": "deep"}, 400, "DEPTH_CM: deep is not a number"),
        ({"attribute[COLOUR]": "red"}, 400, "COLOUR: not an attribute of POT"),
        ({"description": "x" * 4001}, 400, "description is longer than 4000 characters"),
    ],
)
def test_bad_posts_get_the_specs_error_array_and_store_nothing(
    catalogue: str,
    open311_api: Any,
    context: LambdaContext,
    aws: Aws,
    change: dict[str, str | None],
    status: int,
    description: str,
) -> None:
    form: dict[str, str | None] = {
        "api_key": catalogue,
        "service_code": "POT",
        "lat": "37.762",
        "long": "-122.402",
        "attribute[SIZE]": "small",
    }
    form.update(change)
    answer = post(open311_api, context, {k: v for k, v in form.items() if v is not None})
    assert answer == (status, [{"code": status, "description": description}])
    assert [i for i in aws.items() if str(i["pk"]).startswith("SR")] == []


def test_address_instead_of_coordinates_and_a_revoked_key(
    catalogue: str, open311_api: Any, agent_api: Any, context: LambdaContext
) -> None:
    form = {"api_key": catalogue, "service_code": "GRAF", "address_string": "120 Elm Street"}
    assert post(open311_api, context, form)[0] == 200
    key_id = catalogue.split("_")[1]
    status, _ = call(agent_api, context, api_event("DELETE", f"/api/open311/keys/{key_id}", claims=ADMIN))
    assert status == 204
    assert post(open311_api, context, form)[0] == 403
    status, body = call(agent_api, context, api_event("GET", "/api/open311/keys", claims=ADMIN))
    assert status == 200 and body["keys"][0]["revoked_at"] and "api_key" not in body["keys"][0]
    assert "secret_hash" not in json.dumps(body)


def test_a_key_over_its_budget_per_minute_gets_429(
    catalogue: str, open311_api: Any, context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = open311_api.dependencies()
    monkeypatch.setattr(
        open311_api,
        "dependencies",
        lambda: type(deps)(
            **{**deps.__dict__, "settings": deps.settings.model_copy(update={"posts_per_minute": 2})}
        ),
    )
    form = {"api_key": catalogue, "service_code": "GRAF", "address_string": "120 Elm Street"}
    assert [post(open311_api, context, form)[0] for _ in range(3)] == [200, 200, 429]


def _stored_from_a_text(aws: Aws, request_id: str, at: str, status: str = "open") -> None:
    RequestsTable(aws.table).create(
        ServiceRequestRecord(
            service_request_id=request_id,
            service_code="POT",
            service_name="Pothole",
            status=status,  # type: ignore[arg-type]
            requested_datetime=at,
            updated_datetime=at,
            address="Oak and 3rd",
            source="sms",
            resident=RESIDENT,
            thread_id="7a0c3f6e9b2d4e1f8a5c6b7d8e9f0a1b",
            description="Pothole on Oak",
        )
    )


def test_requests_filters_and_no_phone_number_in_any_response(
    catalogue: str, open311_api: Any, context: LambdaContext, aws: Aws, validate: Any
) -> None:
    _stored_from_a_text(aws, "2001", "2026-11-20T10:00:00.000000Z")
    _stored_from_a_text(aws, "2002", "2026-10-05T10:00:00.000000Z", status="closed")
    _stored_from_a_text(aws, "2003", "2026-06-01T10:00:00.000000Z")  # older than 90 days
    window = {"start_date": "2026-09-15T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"}
    bodies: list[str] = []

    status, listed, raw = open311(open311_api, context, "GET", "requests.json", query=window)
    bodies.append(raw)
    assert status == 200
    validate("requests.json", listed)
    assert [r["service_request_id"] for r in listed] == ["2001", "2002"]  # newest first, across two months

    status, listed, raw = open311(
        open311_api, context, "GET", "requests.json", query={**window, "status": "closed"}
    )
    bodies.append(raw)
    assert [r["service_request_id"] for r in listed] == ["2002"]

    status, listed, raw = open311(
        open311_api, context, "GET", "requests.json", query={"service_request_id": "2003,2001,9999"}
    )
    bodies.append(raw)
    assert [r["service_request_id"] for r in listed] == ["2003", "2001"]  # ids: other filters ignored

    status, root, raw = open311(open311_api, context, "GET", "requests.xml", query=window)
    bodies.append(raw)
    assert root.tag == "service_requests" and len(root.findall("request")) == 2

    status, errors, _ = open311(
        open311_api,
        context,
        "GET",
        "requests.json",
        query={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"},
    )
    assert (status, errors[0]["description"]) == (400, "start_date and end_date may be at most 90 days apart")
    status, errors, _ = open311(open311_api, context, "GET", "requests.json", query={"status": "pending"})
    assert status == 400
    status, errors, _ = open311(open311_api, context, "GET", "requests/2999.json")
    assert (status, errors) == (404, [{"code": 404, "description": "service_request_id 2999 not found"}])

    for raw in bodies:
        assert (
            RESIDENT not in raw
            and RESIDENT[2:] not in raw
            and "thread_id" not in raw
            and "resident" not in raw
        )


def test_discovery_and_unknown_paths(catalogue: str, open311_api: Any, context: LambdaContext) -> None:
    status, discovery, _ = open311(open311_api, context, "GET", "discovery.json")
    assert status == 200
    (endpoint,) = discovery["endpoints"]
    assert endpoint["url"].endswith("/open311/v2") and endpoint["formats"] == ["application/json", "text/xml"]
    status, errors, _ = open311(open311_api, context, "GET", "services.html")
    assert (status, errors[0]["code"]) == (404, 404)
    status, errors, _ = open311(open311_api, context, "POST", "services.json", form={})
    assert status == 400


def test_staff_manage_the_catalogue_and_bad_imports_save_nothing(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    bad = {
        "services": [
            *SERVICES,
            {"service_code": "POT", "service_name": "Again", "metadata": False, "type": "realtime"},
        ],
        "definitions": {"GHOST": {"service_code": "GHOST", "attributes": []}},
    }
    status, body = call(agent_api, context, api_event("POST", "/api/services/import", body=bad, claims=ADMIN))
    assert status == 400
    assert body["problems"] == [
        "POT: metadata is true but no service definition was given",
        "POT: listed twice",
        "GHOST: a definition for a service that is not in services.json",
    ]
    assert call(agent_api, context, api_event("GET", "/api/services", claims=AGENT)) == (
        200,
        {"services": []},
    )

    service = {
        "service_code": "POT",
        "service_name": "Pothole",
        "keywords": ["Pothole", "hole", "pothole"],
        "department": "roads",
        "attributes": [{"code": "SIZE", "datatype": "singlevaluelist", "description": "Size?", "values": []}],
    }
    status, body = call(agent_api, context, api_event("PUT", "/api/services/POT", body=service, claims=ADMIN))
    assert status == 422  # a list attribute without values
    service["attributes"] = []
    status, body = call(agent_api, context, api_event("PUT", "/api/services/POT", body=service, claims=ADMIN))
    assert status == 200 and body["keywords"] == ["pothole", "hole"]
    status, body = call(agent_api, context, api_event("GET", "/api/services", claims=AGENT))
    assert [s["service_code"] for s in body["services"]] == ["POT"]
    assert call(agent_api, context, api_event("DELETE", "/api/services/POT", claims=ADMIN))[0] == 204
    assert call(agent_api, context, api_event("DELETE", "/api/services/POT", claims=ADMIN))[0] == 404
    audit = sorted(str(i["action"]) for i in aws.items() if str(i["pk"]).startswith("AUDIT#"))
    assert audit == ["services.delete", "services.save"]


def test_schemas_are_read_from_the_shared_folder_not_the_repo() -> None:
    assert SCHEMAS.resolve().parent != REPO_ROOT.resolve()
    assert not list(Path(REPO_ROOT).glob("**/open311/request.json"))


def test_the_demo_catalogue_that_make_local_seeds_imports_whole(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    """`make local` seeds this catalogue so a resident in the simulator can text REPORT: it must import."""
    upload = {
        "services": DEMO_SERVICES,
        "definitions": DEMO_SERVICE_DEFINITIONS,
        "departments": DEMO_SERVICE_DEPARTMENTS,
    }
    status, body = call(
        agent_api, context, api_event("POST", "/api/services/import", body=upload, claims=ADMIN)
    )
    assert (status, body) == (200, {"imported": 3, "problems": []})
    status, body = call(agent_api, context, api_event("GET", "/api/services", claims=AGENT))
    assert status == 200
    assert {(s["service_code"], s["department"]) for s in body["services"]} == {
        ("POT", "roads"),
        ("LIGHT", "roads"),
        ("LEAK", "water"),
    }
