"""The demo agency: staff logins, departments and a few residents' texts, all through the real paths (the
admin API for departments and roles, signed webhooks for texts)."""

from __future__ import annotations

import json
import urllib.request
from datetime import date, timedelta
from typing import Any

import boto3

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, REGION, LocalStack

# A second plain agent, to show collisions (two agents in one thread) and that agents cannot administer.
DEMO_AGENT2_EMAIL = "agent2@demo.switchboard.local"
DEMO_DEPARTMENTS = {"water": "Water & Sewer", "public-health": "Public Health", "roads": "Roads & Lights"}
DEMO_CANNED = {
    "hours": (
        "Office hours",
        "Hi {resident_name}, we are open {agency_hours}. - {agent_name}, {agency_name}",
    ),
    "water-boil": (
        "Boil-water advice",
        "Hi {resident_name}, until further notice please boil tap water for 1 minute.",
    ),
}
DEMO_SETTINGS = {"agency_name": "Demo County", "agency_hours": "Mon-Fri 8am-6pm, Sat 9am-1pm"}

DEMO_TEXTS = [
    ("+15551230001", "Hi, is the water safe to drink on Elm St? It looks brown this morning."),
    ("+15551230002", "When does the cooling center on 5th open today?"),
    ("whatsapp:+15551230003", "Hola, ¿dónde puedo recoger agua embotellada?"),
    ("+15551230001", "Also, our street light has been out for a week."),
]


# The agency's alert topics (residents text "JOIN WATER", "STOP STORM").
DEMO_TOPICS = [("WATER", "Water service"), ("STORM", "Storm warnings"), ("PARKING", "Parking")]
# What residents type and read for each topic in other languages (an agency sets these with its topics).
DEMO_TOPIC_WORDS = {
    "WATER": (("es", "AGUA", "servicio de agua"), ("vi", "NUOC", "dịch vụ nước")),
    "STORM": (("es", "TORMENTA", "avisos de tormenta"), ("vi", "BAO", "cảnh báo bão")),
    "PARKING": (("es", "ESTACIONAMIENTO", "estacionamiento"), ("vi", "DOXE", "đỗ xe")),
}


# What residents can report (REPORT / REPORTAR by text, WhatsApp or web chat), as a city's Open311 catalogue
# would be imported: services.json, one definition with a question, and the department handling each.
DEMO_SERVICES = [
    {
        "service_code": "POT",
        "service_name": "Pothole",
        "description": "A hole or a sunken patch in the road",
        "metadata": True,
        "type": "realtime",
        "keywords": "pothole,hole,sunken",
        "group": "Streets",
    },
    {
        "service_code": "LIGHT",
        "service_name": "Streetlight out",
        "description": "A street light that is out or flickering",
        "metadata": False,
        "type": "realtime",
        "keywords": "streetlight,street light,light out,lamp",
        "group": "Streets",
    },
    {
        "service_code": "LEAK",
        "service_name": "Water leak",
        "description": "Water running from a main, a hydrant or the street",
        "metadata": False,
        "type": "realtime",
        "keywords": "leak,hydrant,water main,flooding",
        "group": "Water",
    },
]
DEMO_SERVICE_DEFINITIONS = {
    "POT": {
        "service_code": "POT",
        "attributes": [
            {
                "variable": True,
                "code": "WHERE",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": None,
                "order": 1,
                "description": "Is it in a traffic lane?",
                "values": [
                    {"key": "lane", "name": "Yes, where cars drive"},
                    {"key": "edge", "name": "No, at the kerb or in a bike lane"},
                ],
            }
        ],
    }
}
DEMO_SERVICE_DEPARTMENTS = {"POT": "roads", "LIGHT": "roads", "LEAK": "water"}


def seed_demo_catalogue(stack: LocalStack) -> None:
    """`make local` only (tests bring their own catalogues): a resident in the simulator can text REPORT."""
    token = stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    upload = {
        "services": DEMO_SERVICES,
        "definitions": DEMO_SERVICE_DEFINITIONS,
        "departments": DEMO_SERVICE_DEPARTMENTS,
    }
    admin_request(stack, token, "POST", "/api/services/import", upload)


def seed_topics(stack: LocalStack) -> None:
    # Imported here: the function code's folders are on sys.path once the stack has started.
    from inbox.dal.consent_table import ConsentTable
    from inbox.models.consent import Topic

    dynamodb = boto3.resource("dynamodb", endpoint_url=stack.moto_url, region_name=REGION)
    topics = ConsentTable(dynamodb.Table(stack.outputs["TableName"]))
    for code, name in DEMO_TOPICS:
        topics.put_topic(Topic(code, name, DEMO_TOPIC_WORDS.get(code, ())))


def admin_request(stack: LocalStack, token: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        stack.api_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - 127.0.0.1
        return json.loads(response.read() or b"null")


def seed_demo(stack: LocalStack) -> None:
    stack.create_staff(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, groups=("agent", "supervisor", "admin"))
    stack.create_staff(DEMO_AGENT2_EMAIL, DEMO_AGENT_PASSWORD, groups=("agent",))
    token = stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    for department_id, name in DEMO_DEPARTMENTS.items():
        admin_request(stack, token, "PUT", f"/api/admin/departments/{department_id}", {"name": name})
    admin_request(stack, token, "PUT", "/api/admin/settings", DEMO_SETTINGS)
    seed_topics(stack)
    staff = {m["email"]: m["sub"] for m in admin_request(stack, token, "GET", "/api/admin/staff")["staff"]}
    admin_request(
        stack,
        token,
        "PATCH",
        f"/api/admin/staff/{staff[DEMO_AGENT_EMAIL]}",
        {"name": "Dana (demo)", "departments": list(DEMO_DEPARTMENTS)},
    )
    admin_request(
        stack,
        token,
        "PATCH",
        f"/api/admin/staff/{staff[DEMO_AGENT2_EMAIL]}",
        {"name": "Sam (demo)", "departments": ["water"]},
    )
    # Both demo staff take callbacks, so a resident texting CALLBACK is offered slots (two per slot).
    admin_request(
        stack,
        token,
        "PUT",
        "/api/callbacks/roster/general",
        {"staff": [staff[DEMO_AGENT_EMAIL], staff[DEMO_AGENT2_EMAIL]]},
    )
    for canned_id, (title, body) in DEMO_CANNED.items():
        admin_request(stack, token, "PUT", f"/api/canned-replies/{canned_id}", {"title": title, "body": body})
    # A licence renewal three weeks out: the Reminders view shows its plan (30 days before has passed).
    due = (date.today() + timedelta(days=21)).isoformat()
    record = {"name": "Maria Lopez", "phone": DEMO_TEXTS[0][0], "language": "es", "due_date": due}
    admin_request(
        stack, token, "POST", "/api/reminders/records", {"records": [{**record, "kind": "licence_renewal"}]}
    )
    for resident, text in DEMO_TEXTS:
        status, _ = stack.send_inbound(resident, text)
        if status != 200:
            raise RuntimeError(f"the demo webhook answered {status}")
    # A limit, not a target: on a loaded machine (two test workers, each seeding its own stack, beside other
    # work) handling these texts took more than the default 10 s, which failed every e2e test of the worker.
    stack.wait_until_idle(timeout_s=60)
