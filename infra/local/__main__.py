"""`python -m infra.local` (`make local`): the stack on this machine, seeded, until Ctrl-C."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from infra.local import demo_site
from infra.local.seed import seed_demo, seed_demo_catalogue
from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack, LocalStackConfig


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print("Synthesizing the CDK app and bringing it up on moto…", flush=True)
    config = LocalStackConfig()
    # The demo agency website is the one origin allowed to embed the chat widget.
    config.parameters["ChatAllowedOrigins"] = demo_site.origin()
    stack = LocalStack(config).start()
    site = None
    try:
        seed_demo(stack)
        seed_demo_catalogue(stack)
        site = demo_site.serve(f"{stack.api_url}/widget.js")
        skipped = sorted(set(stack.factory.skipped.values()))
        not_local = " Not run locally: " + ", ".join(skipped) if skipped else ""
        timing = stack.started_in_s
        print(
            f"""
Switchboard is running locally (synth {timing["synth"]:.1f} s, up {timing["up"]:.1f} s).

  Agent page:          {stack.api_url}/
  Resident simulator:  {stack.twilio.url}/simulator/
  Agency website with web chat:  {demo_site.origin()}/  (Spanish: {demo_site.origin()}/es)
  Demo login:          {DEMO_AGENT_EMAIL} / {DEMO_AGENT_PASSWORD}
  Twilio webhook:      {stack.outputs.get("TwilioWebhookUrl")}
  Agency number:       {stack.twilio.agency_number}

State is kept in memory: stopping forgets every thread.{not_local}
Ctrl-C to stop.""",
            flush=True,
        )
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
    finally:
        if site is not None:
            site.shutdown()
            site.server_close()
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
