"""The HTTP API on 127.0.0.1: the template's routes as API Gateway payload 2.0 events, plus the agent page.

Routes, integrations and the JWT authorizer come from the template. The agent page's files come from the
bucket deployment's source asset, and its security headers from the CloudFront response-headers policy, so the
browser tests run the page under the policy that ships.
"""

from __future__ import annotations

import base64
import gzip
import json
import mimetypes
import re
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt

from infra.local.lambdas import LocalFunction
from infra.local.template import ACCOUNT_ID

# API Gateway passes these content types to the function as text; everything else arrives base64-encoded.
_MOTO_COGNITO_ROUTING = "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/cognito-idp/aws4_request"
# The Cognito calls the agent page makes (web/agent/auth.js), all of them public in the cloud: sign-in, a
# password or MFA challenge, token refresh (InitiateAuth) and sign-out with the user's own access token.
# moto takes any call unsigned, so forwarding the rest (AdminAddUserToGroup, AdminCreateUser...) would let
# anyone who can reach this port administer the user pool.
COGNITO_PUBLIC_TARGETS = frozenset(
    f"AWSCognitoIdentityProviderService.{action}"
    for action in ("InitiateAuth", "RespondToAuthChallenge", "GlobalSignOut")
)
# The service limits in front of the functions: API Gateway takes request bodies up to 10 MB (413 above), and
# Lambda an event up to 6 MB (6,291,456 bytes; a bigger invoke fails with RequestEntityTooLargeException
# before any code runs). A form arrives base64-encoded, a third bigger: a 5 MB Twilio post never reaches code.
API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024
LAMBDA_MAX_EVENT_BYTES = 6 * 1024 * 1024
_TOO_LARGE = b'{"message":"Request Entity Too Large"}'
_TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|javascript)|application/[\w.+-]+\+(json|xml))", re.I)


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    route_key: str
    function: LocalFunction
    authorizer: dict[str, Any] | None


def route_pattern(path: str) -> re.Pattern[str]:
    """`/api/{proxy+}` and `/threads/{id}` as a regex with named groups, the way API Gateway matches them."""
    regex = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("+}"):
            regex += f"(?P<{part[1:-2]}>.+)"
        elif part.startswith("{"):
            regex += f"(?P<{part[1:-1]}>[^/]+)"
        else:
            regex += re.escape(part)
    return re.compile(f"^{regex}$")


class JwtAuthorizer:
    """What an HTTP API JWT authorizer checks: the pool's signature, issuer, audience or client_id, expiry."""

    def __init__(self, issuer: str, audiences: list[str]):
        self.issuer = issuer
        self.audiences = audiences
        keys = json.loads(
            gzip.decompress(
                resources.files("moto.cognitoidp").joinpath("resources/jwks-public.json.gz").read_bytes()
            )
        )["keys"]
        self.keys = {key["kid"]: jwt.PyJWK(key).key for key in keys}

    def claims(self, authorization: str | None) -> dict[str, str] | None:
        if not authorization:
            return None
        token = authorization.removeprefix("Bearer ").strip()
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            decoded = jwt.decode(
                token,
                self.keys[kid],
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"verify_aud": False, "require": ["exp", "iss"]},
            )
        except (jwt.PyJWTError, KeyError):
            return None
        if decoded.get("aud") not in self.audiences and decoded.get("client_id") not in self.audiences:
            return None
        # API Gateway hands claims over as strings; lists become "[a b]".
        return {
            k: f"[{' '.join(map(str, v))}]" if isinstance(v, list) else str(v) for k, v in decoded.items()
        }


class LocalHttpApi:
    def __init__(
        self,
        host: str,
        port: int,
        moto_url: str,
        security_headers: dict[str, str],
        static_root: Path | None,
        config: dict[str, Any],
    ):
        self.routes: list[Route] = []
        self.moto_url = moto_url
        self.security_headers = security_headers
        self.static_root = static_root
        self.config = config
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass  # request lines carry phone numbers in query strings: never logged

            def do_GET(self) -> None:
                api.handle(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="local-http-api", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- dispatch -------------------------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        if length > API_GATEWAY_MAX_BODY_BYTES:
            request.close_connection = True  # the unread body must not be taken for the next request
            return self._send(request, 413, {"Content-Type": "application/json"}, _TOO_LARGE)
        body = request.rfile.read(length) if length else b""
        url = urlsplit(request.path)
        if url.path.startswith("/cognito"):
            return self._proxy_cognito(request, body)
        for route in self.routes:
            match = route.pattern.match(url.path)
            if match and route.method in ("ANY", request.command):
                return self._invoke(request, route, match.groupdict(), url.path, url.query, body)
        if request.command in ("GET", "HEAD"):
            return self._static(request, url.path)
        self._send(request, 404, {"Content-Type": "application/json"}, b'{"message":"Not Found"}')

    def _invoke(
        self,
        request: BaseHTTPRequestHandler,
        route: Route,
        path_parameters: dict[str, str],
        path: str,
        query: str,
        body: bytes,
    ) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        context: dict[str, Any] = {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": headers.get("host", ""),
            "domainPrefix": headers.get("host", "").split(".")[0],
            "http": {
                "method": request.command,
                "path": path,
                "protocol": request.request_version,
                "sourceIp": request.client_address[0],
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        }
        if route.authorizer is not None:
            claims = route.authorizer["jwt"].claims(headers.get("authorization"))
            if claims is None:
                return self._send(
                    request,
                    401,
                    {"Content-Type": "application/json", "www-authenticate": "Bearer"},
                    b'{"message":"Unauthorized"}',
                )
            context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        query_parameters: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            query_parameters[key] = f"{query_parameters[key]},{value}" if key in query_parameters else value
        is_text = _TEXT_TYPES.match(headers.get("content-type", "")) is not None
        event = {
            "version": "2.0",
            "routeKey": route.route_key,
            "rawPath": path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": context,
            "isBase64Encoded": bool(body) and not is_text,
        }
        if "cookie" in headers:
            event["cookies"] = [c.strip() for c in headers["cookie"].split(";")]
        if query_parameters:
            event["queryStringParameters"] = query_parameters
        if path_parameters:
            event["pathParameters"] = path_parameters
        if body:
            event["body"] = body.decode("utf-8", "replace") if is_text else base64.b64encode(body).decode()
            if len(json.dumps(event)) > LAMBDA_MAX_EVENT_BYTES:
                return self._send(request, 413, {"Content-Type": "application/json"}, _TOO_LARGE)
        try:
            result = route.function.invoke(event)
        except Exception:  # noqa: BLE001 - API Gateway answers 500 when the integration fails
            import logging

            logging.getLogger("switchboard.local").exception("function %s failed", route.function.logical_id)
            return self._send(
                request, 500, {"Content-Type": "application/json"}, b'{"message":"Internal Server Error"}'
            )
        self._respond(request, result)

    def _respond(self, request: BaseHTTPRequestHandler, result: Any) -> None:
        if not isinstance(result, dict) or "statusCode" not in result:
            payload = result if isinstance(result, str) else json.dumps(result)
            return self._send(request, 200, {"Content-Type": "application/json"}, payload.encode())
        headers = dict(result.get("headers") or {})
        for key, values in (result.get("multiValueHeaders") or {}).items():
            headers[key] = ",".join(values)
        body = result.get("body") or ""
        raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        cookies = result.get("cookies") or []
        self._send(request, int(result["statusCode"]), headers, raw, cookies)

    def _send(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        headers: dict[str, str],
        body: bytes,
        cookies: list[str] | None = None,
    ) -> None:
        request.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("content-length", "connection"):
                request.send_header(key, str(value))
        for cookie in cookies or []:
            request.send_header("Set-Cookie", cookie)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(body)

    # --- static agent page and the Cognito proxy --------------------------------------------------------

    def _static(self, request: BaseHTTPRequestHandler, path: str) -> None:
        headers = dict(self.security_headers)
        if path == "/config.json":
            headers.update({"Content-Type": "application/json", "Cache-Control": "no-store"})
            return self._send(request, 200, headers, json.dumps(self.config).encode())
        if self.static_root is None:
            return self._send(request, 404, headers, b"")
        relative = "index.html" if path in ("", "/") else path.lstrip("/")
        target = (self.static_root / relative).resolve()
        if not target.is_relative_to(self.static_root.resolve()) or not target.is_file():
            headers["Content-Type"] = "text/plain"
            return self._send(request, 404, headers, b"Not Found")
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        headers.update({"Content-Type": content_type, "Cache-Control": "no-cache"})
        self._send(request, 200, headers, target.read_bytes())

    def _proxy_cognito(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        """The page's Cognito calls (COGNITO_PUBLIC_TARGETS) on this origin, as the CSP allows; no others."""
        target = request.headers.get("X-Amz-Target", "")
        if request.command != "POST" or not target.startswith("AWSCognitoIdentityProviderService."):
            return self._send(
                request, 400, {"Content-Type": "application/json"}, b'{"message":"Bad Request"}'
            )
        if target not in COGNITO_PUBLIC_TARGETS:
            return self._send(
                request,
                403,
                {"Content-Type": "application/x-amz-json-1.1"},
                b'{"__type":"AccessDeniedException","message":"only the sign-in calls pass this proxy"}',
            )
        forwarded = urllib.request.Request(
            self.moto_url + "/",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": target,
                # moto routes by the signing service; Cognito's public calls are unsigned in the cloud.
                "Authorization": _MOTO_COGNITO_ROUTING,
            },
        )
        try:
            with urllib.request.urlopen(forwarded, timeout=10) as response:  # noqa: S310 - 127.0.0.1 moto
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        self._send(request, status, {"Content-Type": "application/x-amz-json-1.1"}, payload)
