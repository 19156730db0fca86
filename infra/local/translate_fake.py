"""An Amazon Translate-compatible stand-in on 127.0.0.1 (moto has no Translate), honest about being one.

It speaks Translate's JSON protocol (`POST /`, `X-Amz-Target: AWSShineFrontendService_20170701.TranslateText`,
`application/x-amz-json-1.1`), so the real boto3 client talks to it: the local stack sets
`AWS_ENDPOINT_URL_TRANSLATE` to its URL and business code never knows.

It does not translate. It swaps the words of a small built-in phrase table (word by word, case kept where
it can) and puts a visible mark in front of the text: "[stand-in es→en] ...". Every answer also carries the
header `x-switchboard-stand-in: 1`, which `switchboard.translation.AmazonTranslate` turns into
`marked_stand_in`, and the agent page shows it. Deterministic: the same text gives the same answer.

`SourceLanguageCode: "auto"` is read with the same offline detector the functions use (py3langid), as
Amazon Translate reads it with Comprehend.

Tests steer it through `/__control/faults`: `{"mode": "throttle"|"fail", "count": n}` makes the next n
calls answer 429 ThrottlingException or 500 InternalServerException; `GET /__control/calls` lists what was
asked (language pairs and character counts, not the texts).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TARGET_PREFIX = "AWSShineFrontendService_20170701."
STAND_IN_HEADER = "x-switchboard-stand-in"  # the header switchboard.translation.AmazonTranslate looks for
LANGUAGES = frozenset({"auto", "en", "es", "vi", "zh", "fr", "tl", "ko", "ar", "ru", "ht", "pt", "de"})

# A few words per pair: enough to show that something happened, never enough to pass for a translation.
PHRASES: dict[tuple[str, str], dict[str, str]] = {
    ("es", "en"): {
        "hola": "hello",
        "agua": "water",
        "no": "no",
        "tengo": "I have",
        "casa": "house",
        "mi": "my",
        "ayuda": "help",
        "necesito": "I need",
        "por": "for",
        "favor": "favor",
        "gracias": "thank you",
        "desde": "since",
        "ayer": "yesterday",
        "hoy": "today",
        "calle": "street",
        "basura": "trash",
        "factura": "bill",
        "sí": "yes",
        "con": "with",
        "en": "in",
        "la": "the",
        "el": "the",
        "de": "of",
    },
    ("en", "es"): {
        "hello": "hola",
        "water": "agua",
        "we": "nosotros",
        "will": "vamos a",
        "send": "enviar",
        "a": "un",
        "crew": "equipo",
        "today": "hoy",
        "tomorrow": "mañana",
        "thank": "gracias",
        "you": "usted",
        "thanks": "gracias",
        "your": "su",
        "house": "casa",
        "help": "ayuda",
        "the": "el",
        "is": "es",
        "bill": "factura",
        "street": "calle",
        "and": "y",
    },
    ("vi", "en"): {"nước": "water", "nhà": "house", "không": "no", "tôi": "I", "hôm": "day", "qua": "past"},
    ("en", "vi"): {"water": "nước", "house": "nhà", "thank": "cảm ơn", "you": "bạn", "today": "hôm nay"},
    ("zh", "en"): {"水": "water", "家": "home", "没有": "no", "我": "I"},
    ("en", "zh"): {"water": "水", "home": "家", "thank": "谢谢", "you": "你", "today": "今天"},
}
WORD = re.compile(r"\w+", re.UNICODE)


def stand_in_text(text: str, source: str, target: str) -> str:
    table = PHRASES.get((source, target), {})

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        found = table.get(word.lower())
        if found is None:
            return word
        return found[:1].upper() + found[1:] if word[:1].isupper() else found

    return f"[stand-in {source}→{target}] " + WORD.sub(swap, text)


@dataclass
class FaultPlan:
    mode: str = "ok"
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self) -> str | None:
        with self.lock:
            if self.count <= 0:
                return None
            self.count -= 1
            return self.mode


class LocalTranslate:
    """The stand-in's HTTP server (a thread), like LocalTwilio."""

    def __init__(self, host: str, port: int) -> None:
        self.url = f"http://{host}:{port}"
        self.faults = FaultPlan()
        self.calls: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:  # texts never reach a log
                return

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path == "/__control/calls":
                    outer._send(self, 200, {"calls": list(outer.calls)}, "application/json")
                else:
                    outer._send(self, 404, {"message": "not found"}, "application/json")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.path == "/__control/faults":
                    outer._set_faults(self, raw)
                    return
                outer._translate(self, raw)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, name="local-translate", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, mode: str, count: int = 1) -> None:
        with self.faults.lock:
            self.faults.mode, self.faults.count = mode, count

    # --- the protocol -----------------------------------------------------------------------------------

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any], content_type: str) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("x-amzn-RequestId", "stand-in")
        handler.send_header(STAND_IN_HEADER, "1")
        handler.end_headers()
        handler.wfile.write(data)

    def _error(self, handler: BaseHTTPRequestHandler, status: int, kind: str, message: str) -> None:
        self._send(handler, status, {"__type": kind, "message": message}, "application/x-amz-json-1.1")

    def _set_faults(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        try:
            plan = json.loads(raw or b"{}")
            mode, count = str(plan.get("mode", "ok")), int(plan.get("count", 1))
        except (ValueError, TypeError):
            self._send(handler, 400, {"message": "expected {mode, count}"}, "application/json")
            return
        if mode not in {"ok", "throttle", "fail"}:
            self._send(handler, 400, {"message": "mode is ok, throttle or fail"}, "application/json")
            return
        self.fail_next(mode, count if mode != "ok" else 0)
        self._send(handler, 200, {"mode": mode, "count": self.faults.count}, "application/json")

    def _translate(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        target = handler.headers.get("X-Amz-Target", "")
        if target != TARGET_PREFIX + "TranslateText":
            self._error(
                handler, 400, "UnknownOperationException", f"the stand-in only has TranslateText ({target})"
            )
            return
        try:
            request = json.loads(raw)
            text = str(request["Text"])
            source = str(request["SourceLanguageCode"])
            wanted = str(request["TargetLanguageCode"])
        except (ValueError, KeyError, TypeError):
            self._error(
                handler, 400, "ValidationException", "Text, SourceLanguageCode and TargetLanguageCode"
            )
            return
        if source not in LANGUAGES or wanted not in LANGUAGES - {"auto"}:
            self._error(handler, 400, "UnsupportedLanguagePairException", f"{source}→{wanted}")
            return
        fault = self.faults.next_fault()
        self.calls.append({"source": source, "target": wanted, "chars": len(text), "fault": fault})
        if fault == "throttle":
            self._error(handler, 429, "ThrottlingException", "Rate exceeded (stand-in fault plan)")
            return
        if fault == "fail":
            self._error(handler, 500, "InternalServerException", "stand-in fault plan")
            return
        if source == "auto":
            # The functions' code paths are on sys.path once the stack has loaded them.
            from switchboard.translation import detect

            detected = detect(text)
            if detected is None:
                self._error(
                    handler, 400, "DetectedLanguageLowConfidenceException", "too unsure of the language"
                )
                return
            source = detected
        translated = text if source == wanted else stand_in_text(text, source, wanted)
        self._send(
            handler,
            200,
            {"TranslatedText": translated, "SourceLanguageCode": source, "TargetLanguageCode": wanted},
            "application/x-amz-json-1.1",
        )
