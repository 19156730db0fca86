"""Origins of the web chat widget's host pages in the e2e tier: one the stack allows, one it does not.

Chosen once per test run, before the session's local stack starts (ChatAllowedOrigins is a deploy parameter).
"""

from infra.local.stack import free_port

WIDGET_HOST_PORT = free_port()
UNLISTED_HOST_PORT = free_port()
DEMO_SITE_PORT = free_port()  # `make local`'s demo agency website (infra/local/demo_site.py)
WIDGET_HOST_ORIGIN = f"http://127.0.0.1:{WIDGET_HOST_PORT}"
UNLISTED_HOST_ORIGIN = f"http://127.0.0.1:{UNLISTED_HOST_PORT}"
DEMO_SITE_ORIGIN = f"http://127.0.0.1:{DEMO_SITE_PORT}"
