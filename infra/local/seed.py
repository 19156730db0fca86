"""The demo agency: a staff login and a few residents' texts, sent through the real path (signed webhooks)."""

from __future__ import annotations

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack

DEMO_TEXTS = [
    ("+15551230001", "Hi, is the water safe to drink on Elm St? It looks brown this morning."),
    ("+15551230002", "When does the cooling center on 5th open today?"),
    ("whatsapp:+15551230003", "Hola, ¿dónde puedo recoger agua embotellada?"),
    ("+15551230001", "Also, our street light has been out for a week."),
]


def seed_demo(stack: LocalStack) -> None:
    stack.create_staff(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, groups=("agent", "supervisor"))
    for resident, text in DEMO_TEXTS:
        status, _ = stack.send_inbound(resident, text)
        if status != 200:
            raise RuntimeError(f"the demo webhook answered {status}")
    stack.wait_until_idle()
