"""A plain agency website on a second local origin, with the web chat snippet pasted in, for `make local`:
the widget as a resident meets it (the agent page's own origin is not a chat origin)."""

from __future__ import annotations

import html
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from infra.local.stack import HOST

DEMO_SITE_PORT = int(os.environ.get("SWITCHBOARD_DEMO_SITE_PORT", "8789"))

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo County: public health</title>
<style>body{{font:18px/1.5 Georgia,serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}}
a{{color:#0b4f8a}}</style>
</head><body><header><p><a href="/">English</a> · <a href="/es">Español</a></p></header>
<main><h1>{heading}</h1><p>{body}</p></main>
<!-- The one line an agency pastes (the agent page shows it under Web chat setup): -->
<script src="{widget}" async></script>
</body></html>"""

WORDS = {
    "en": (
        "Demo County public health",
        "Clinic hours, boil-water notices and storm updates. Questions? Use the chat.",
    ),
    "es": (
        "Salud pública del condado Demo",
        "Horarios de clínicas, avisos de agua y tormentas. ¿Preguntas? Use el chat.",
    ),
}


def origin(port: int = DEMO_SITE_PORT) -> str:
    return f"http://{HOST}:{port}"


def serve(widget_url: str, port: int = DEMO_SITE_PORT) -> ThreadingHTTPServer:
    """Serve the demo site (/ in English, /es in Spanish) on 127.0.0.1:`port` until shutdown()."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            lang = "es" if self.path.rstrip("/") == "/es" else "en"
            if self.path.rstrip("/") not in ("", "/es"):
                self.send_error(404)
                return
            heading, body = WORDS[lang]
            page = PAGE.format(
                lang=lang, heading=heading, body=body, widget=html.escape(widget_url, quote=True)
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
            pass

    server = ThreadingHTTPServer((HOST, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="demo-site").start()
    return server
