"""The local stack: the synthesized template brought up on moto, handlers in-process, Twilio on 127.0.0.1.

State lives in memory (moto); stopping the stack forgets it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import socket
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from infra.local.http_api import JwtAuthorizer, LocalHttpApi, Route, route_pattern
from infra.local.lambdas import LocalFunction, install_environment, load_functions
from infra.local.open311_city import LocalCity
from infra.local.pollers import DEFAULT_MAX_CONCURRENCY, SqsPoller
from infra.local.resources import TWILIO_SECRET_ID, ResourceFactory
from infra.local.template import REGION, SynthesizedStack, synthesize
from infra.local.translate_fake import LocalTranslate
from infra.local.twilio_fake.server import LocalTwilio
from infra.local.workflows import (
    LocalScheduler,
    TimeScale,
    install_moto_patches,
    register_functions,
    target_firer,
)

log = logging.getLogger("switchboard.local")
HOST = "127.0.0.1"
DEMO_AGENCY_NUMBER = "+15550100100"
DEMO_AGENCY_NAME = "Demo County"
DEMO_AGENT_EMAIL = "agent@demo.switchboard.local"
DEMO_AGENT_PASSWORD = "Demo-Agent-2026!"  # noqa: S105 - the documented local demo login


# Ports free_port handed out in this process (each stays reserved for the process's life).
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port for one of our servers (all bind with SO_REUSEADDR), reserved against other processes.

    The port is chosen by the kernel and then taken through one connection, which leaves it in TIME_WAIT for
    a minute: the kernel's next bind(0) anywhere on the machine skips it and a plain bind fails, while our
    server's bind succeeds. So two test workers (pytest-xdist) starting local stacks at the same moment never
    get the same port between choosing and binding it, and a port is never handed out twice here."""
    for _ in range(100):
        with socket.socket() as listener:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((HOST, 0))
            listener.listen(1)
            port = int(listener.getsockname()[1])
            with socket.create_connection((HOST, port), timeout=5) as client:
                accepted, _ = listener.accept()
                accepted.close()  # the server side closes first: the port's TIME_WAIT is on our side
                client.close()
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port
    raise RuntimeError("no free port on 127.0.0.1")


@dataclass
class LocalStackConfig:
    moto_port: int = int(os.environ.get("SWITCHBOARD_MOTO_PORT", "5055"))
    api_port: int = int(os.environ.get("SWITCHBOARD_PORT", "8787"))
    twilio_port: int = int(os.environ.get("SWITCHBOARD_TWILIO_PORT", "8788"))
    translate_port: int = int(os.environ.get("SWITCHBOARD_TRANSLATE_PORT", "8790"))
    status_delays: tuple[float, float] = (0.2, 0.3)
    # None keeps the template's visibility timeouts; tests set seconds to see retries and redrive quickly.
    visibility_timeout_s: int | None = None
    # Time acceleration for workflows: Waits, task timeouts and schedules run this many times faster than real
    # time (3600: an hour in a second). 1 keeps real time.
    time_scale: float = float(os.environ.get("SWITCHBOARD_TIME_SCALE", "1"))
    parameters: dict[str, str] = field(
        default_factory=lambda: {"TwilioFromNumber": DEMO_AGENCY_NUMBER, "AgencyName": DEMO_AGENCY_NAME}
    )

    @classmethod
    def on_free_ports(cls, **overrides: Any) -> LocalStackConfig:
        return cls(
            moto_port=free_port(),
            api_port=free_port(),
            twilio_port=free_port(),
            translate_port=free_port(),
            **overrides,
        )


def forget_cached_clients() -> None:
    """Handlers keep their boto3 clients (and Powertools its secrets provider) for the life of the process, as
    a warm Lambda does; a second local stack in one process (make bench's alert section) listens on other
    ports, so what the first one's handlers cached must go."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters import base

    parameters.clear_caches()
    base.DEFAULT_PROVIDERS.clear()
    roots = tuple(str(Path(__file__).resolve().parents[2] / part) for part in ("functions", "layers"))
    for module in list(sys.modules.values()):
        if not str(getattr(module, "__file__", "") or "").startswith(roots):
            continue
        for attribute in ("dependencies", "_cached_client"):
            cache_clear = getattr(getattr(module, attribute, None), "cache_clear", None)
            if callable(cache_clear):
                cache_clear()


class LocalStack:
    def __init__(self, config: LocalStackConfig | None = None, synthesized: SynthesizedStack | None = None):
        self.config = config or LocalStackConfig()
        self.synthesized = synthesized
        self.api_url = f"http://{HOST}:{self.config.api_port}"
        self.moto_url = f"http://{HOST}:{self.config.moto_port}"
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        self.functions: dict[str, LocalFunction] = {}
        self.pollers: list[SqsPoller] = []
        self.outputs: dict[str, str] = {}
        self.started_in_s: dict[str, float] = {}
        self._saved_environment: dict[str, str] | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> LocalStack:
        began = time.perf_counter()
        # Handlers run in this process and read os.environ; stop() gives the process its own back.
        self._saved_environment = dict(os.environ)
        self._aws_environment()
        forget_cached_clients()
        if self.synthesized is None:
            self.synthesized = synthesize()
        self.started_in_s["synth"] = time.perf_counter() - began
        began = time.perf_counter()
        self._start_moto()
        self.factory = ResourceFactory(
            self.synthesized,
            self.moto_url,
            self.api_url,
            self.config.parameters,
            # Only the Twilio secret holds the demo account's credentials; the others are generated.
            {TWILIO_SECRET_ID: {"account_sid": self.account_sid, "auth_token": self.auth_token}},
            self.config.visibility_timeout_s,
        )
        self.factory.create_all()
        resolve = self.factory.resolver.resolve
        self.outputs = {
            name: str(resolve(o["Value"])) for name, o in self.synthesized.template.get("Outputs", {}).items()
        }
        self.functions = load_functions(self.synthesized, resolve)
        register_functions({key: f.invoke for f in self.functions.values() for key in (f.arn, f.name)})
        self.twilio = LocalTwilio(
            HOST,
            self.config.twilio_port,
            self.account_sid,
            self.auth_token,
            self.config.parameters.get("TwilioFromNumber", DEMO_AGENCY_NUMBER),
            self.outputs.get("TwilioWebhookUrl", self.api_url + "/twilio/messages"),
            self.config.status_delays,
        )
        # moto has no Translate: boto3 translate clients reach the stand-in (infra/local/translate_fake.py).
        self.translate = LocalTranslate(HOST, self.config.translate_port)
        install_environment(
            self.functions,
            {"TWILIO_API_BASE_URL": self.twilio.url, "AWS_ENDPOINT_URL_TRANSLATE": self.translate.url},
        )
        # A city's Open311 endpoint: an admin links services to `self.city.url` with `self.city.api_key`.
        self.city = LocalCity(HOST, 0)
        self.http = self._http_api(resolve)
        self.pollers = self._pollers(resolve)
        self.scheduler = self._scheduler()
        self.twilio.start()
        self.translate.start()
        # One process plays every function here: load the language detector's model now, as the inbound
        # consumer's own process would while it starts (translation/steps.py), not on the first text.
        from switchboard.translation import warm_detector

        warm_detector()
        self.city.start()
        self.http.start()
        for poller in self.pollers:
            poller.start()
        self.scheduler.start()
        self.started_in_s["up"] = time.perf_counter() - began
        return self

    def stop(self) -> None:
        if getattr(self, "scheduler", None) is not None:
            self.scheduler.stop()
        TimeScale.factor = 1.0
        for poller in self.pollers:
            poller.stopping.set()
        for poller in self.pollers:
            poller.stop()
        for server in (
            getattr(self, "http", None),
            getattr(self, "twilio", None),
            getattr(self, "translate", None),
            getattr(self, "city", None),
        ):
            if server is not None:
                server.stop()
        if getattr(self, "moto", None) is not None:
            self.moto.stop()
        saved = self._saved_environment
        if saved is not None:
            os.environ.clear()
            os.environ.update(saved)
            time.tzset()
            self._saved_environment = None
        forget_cached_clients()  # whatever runs next in this process must not talk to this stack's ports

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- pieces -----------------------------------------------------------------------------------------

    def _aws_environment(self) -> None:
        # Handlers build ordinary boto3 clients; these point them at moto. Business code never knows.
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_SESSION_TOKEN": "local",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ENDPOINT_URL": self.moto_url,
                "MOTO_PORT": str(self.config.moto_port),
                "TZ": "UTC",
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "false",
                # The demo's residents and agency number are +1 555 (not in service): switchboard.phone.
                "SWITCHBOARD_FICTIONAL_NUMBERS": "1",
            }
        )
        time.tzset()

    def _start_moto(self) -> None:
        from moto.server import ThreadedMotoServer

        from infra.local import moto_dynamodb_json, moto_indexes, moto_sqs, moto_transactions

        moto_indexes.install()  # Query cost proportional to the partition, as in DynamoDB (see the module)
        moto_transactions.install()  # and a transaction's cost proportional to the transaction
        moto_sqs.install()  # and a send's cost independent of the queue's depth
        moto_dynamodb_json.install()  # and a response's cost that of its JSON, not of a walk of its shapes
        logging.getLogger("werkzeug").setLevel(
            logging.WARNING
        )  # moto's request log: noise, and paths hold ids
        self.moto = ThreadedMotoServer(ip_address=HOST, port=self.config.moto_port, verbose=False)
        self.moto.start()
        # moto's backends are process-wide: a stack started after another in this process starts empty.
        reset = urllib.request.Request(self.moto_url + "/moto-api/reset", data=b"", method="POST")
        urllib.request.urlopen(reset, timeout=10).close()  # noqa: S310 - 127.0.0.1 moto
        config = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
        request = urllib.request.Request(
            self.moto_url + "/moto-api/config",
            data=json.dumps(config).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - 127.0.0.1 moto
        # The moto server runs in this process: its interpreter is patched here (infra/local/workflows.py).
        install_moto_patches()
        TimeScale.factor = self.config.time_scale

    def _function_for(self, arn_or_name: str) -> LocalFunction:
        for function in self.functions.values():
            if arn_or_name in (function.arn, function.name) or arn_or_name.startswith(function.arn + ":"):
                return function
        raise KeyError(f"no local function for {arn_or_name}")

    def _http_api(self, resolve: Any) -> LocalHttpApi:
        stack = self.synthesized
        assert stack is not None
        authorizers = {}
        for logical_id, resource in stack.of_type("AWS::ApiGatewayV2::Authorizer").items():
            properties = resolve(resource["Properties"])
            if properties.get("AuthorizerType") == "JWT":
                jwt_config = properties["JwtConfiguration"]
                authorizers[logical_id] = {"jwt": JwtAuthorizer(jwt_config["Issuer"], jwt_config["Audience"])}
        integrations = {
            logical_id: resolve(resource["Properties"]["IntegrationUri"])
            for logical_id, resource in stack.of_type("AWS::ApiGatewayV2::Integration").items()
        }
        static_root, security_headers = self._web_assets(resolve)
        cognito = {
            "endpoint": self.api_url + "/cognito/",
            "clientId": self.outputs.get("UserPoolClientId", ""),
            "region": REGION,
        }
        http = LocalHttpApi(
            HOST,
            self.config.api_port,
            self.moto_url,
            security_headers,
            static_root,
            {"apiBase": "", "cognito": cognito},
        )
        for resource in stack.of_type("AWS::ApiGatewayV2::Route").values():
            properties = resource["Properties"]
            method, path = properties["RouteKey"].split(" ", 1)
            integration_id = properties["Target"]["Fn::Join"][1][1]["Ref"]
            authorizer_ref = properties.get("AuthorizerId", {}).get("Ref")
            http.routes.append(
                Route(
                    method,
                    route_pattern(path),
                    properties["RouteKey"],
                    self._function_for(integrations[integration_id]),
                    authorizers.get(authorizer_ref) if authorizer_ref else None,
                )
            )
        # Specific routes before greedy ones, as API Gateway picks the most specific match.
        http.routes.sort(key=lambda r: ("{" in r.route_key and "+}" in r.route_key, -len(r.route_key)))
        return http

    def _web_assets(self, resolve: Any) -> tuple[Path | None, dict[str, str]]:
        stack = self.synthesized
        assert stack is not None
        static_root = None
        for resource in stack.of_type("Custom::CDKBucketDeployment").values():
            for key in resource["Properties"].get("SourceObjectKeys", []):
                source = stack.asset_source(str(resolve(key)))
                if source is not None and source.is_dir() and (source / "index.html").exists():
                    static_root = source
        headers: dict[str, str] = {}
        for resource in stack.of_type("AWS::CloudFront::ResponseHeadersPolicy").values():
            security = resolve(resource["Properties"])["ResponseHeadersPolicyConfig"].get(
                "SecurityHeadersConfig", {}
            )
            if "ContentSecurityPolicy" in security:
                csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
                # Cognito is proxied on this origin locally, so 'self' already covers it.
                headers["Content-Security-Policy"] = re.sub(r"\s+https://cognito-idp\.[^\s;]+", "", csp)
            if "ContentTypeOptions" in security:
                headers["X-Content-Type-Options"] = "nosniff"
            if "FrameOptions" in security:
                headers["X-Frame-Options"] = security["FrameOptions"]["FrameOption"]
            if "ReferrerPolicy" in security:
                headers["Referrer-Policy"] = security["ReferrerPolicy"]["ReferrerPolicy"]
        return static_root, headers

    def _pollers(self, resolve: Any) -> list[SqsPoller]:
        stack = self.synthesized
        assert stack is not None
        sqs = boto3.client("sqs", endpoint_url=self.moto_url, region_name=REGION)
        queues = {attrs["Arn"]: ref for ref, attrs in self.factory.created.values() if "QueueUrl" in attrs}
        pollers = []
        for resource in stack.of_type("AWS::Lambda::EventSourceMapping").values():
            properties = resolve(resource["Properties"])
            queue_arn = properties["EventSourceArn"]
            if queue_arn not in queues:
                log.warning("event source %s is not an SQS queue of this stack; not polled", queue_arn)
                continue
            pollers.append(
                SqsPoller(
                    sqs,
                    queues[queue_arn],
                    queue_arn,
                    self._function_for(properties["FunctionName"]),
                    int(properties.get("BatchSize", 10)),
                    "ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
                    int(
                        properties.get("ScalingConfig", {}).get("MaximumConcurrency", DEFAULT_MAX_CONCURRENCY)
                    ),
                )
            )
        return pollers

    def _scheduler(self) -> LocalScheduler:
        sqs = boto3.client("sqs", endpoint_url=self.moto_url, region_name=REGION)
        queue_urls = {
            attrs["Arn"]: ref for ref, attrs in self.factory.created.values() if "QueueUrl" in attrs
        }
        fire = target_firer(
            sqs,
            boto3.client("stepfunctions", endpoint_url=self.moto_url, region_name=REGION),
            lambda arn, event: self._function_for(arn).invoke(event),
            queue_urls,
        )
        return LocalScheduler(boto3.client("scheduler", endpoint_url=self.moto_url, region_name=REGION), fire)

    def instances_in_processes(self, on: bool = True) -> None:
        """Run the SQS mappings' batches in child processes, one per concurrent instance (on), or back in
        this process's threads (off): a burst then uses every core (infra.local.instances says what a child
        does not share with this process)."""
        for poller in self.pollers:
            poller.use_processes(on)

    def state_machine_arn(self, logical_id_prefix: str) -> str:
        """The ARN of the template's state machine whose logical id starts with the prefix."""
        for logical_id, (ref, _attrs) in self.factory.created.items():
            if logical_id.startswith(logical_id_prefix) and ref.startswith("arn:aws:states:"):
                return ref
        raise KeyError(logical_id_prefix)

    # --- helpers for people, tests and benchmarks ----------------------------------------------------

    def send_inbound(
        self,
        from_: str,
        body: str,
        media: list[tuple[str, bytes]] | None = None,
        to: str | None = None,
        message_sid: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        return self.twilio.send_inbound(from_, body, media, to, message_sid, extra)

    def create_staff(self, email: str, password: str, groups: tuple[str, ...] = ("agent",)) -> None:
        cognito = boto3.client("cognito-idp", endpoint_url=self.moto_url, region_name=REGION)
        pool = self.outputs["UserPoolId"]
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=email,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        )
        cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
        for group in groups:
            cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=group)

    def sign_in(self, email: str, password: str) -> str:
        """An IdToken, obtained the way the agent page does it (InitiateAuth through /cognito/)."""
        body = json.dumps(
            {
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": self.outputs["UserPoolClientId"],
                "AuthParameters": {"USERNAME": email, "PASSWORD": password},
            }
        ).encode()
        request = urllib.request.Request(
            self.api_url + "/cognito/",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - 127.0.0.1
            return str(json.loads(response.read())["AuthenticationResult"]["IdToken"])

    def wait_until_idle(self, timeout_s: float = 10.0) -> None:
        """Until every queue this stack polls is empty (tests, benchmarks)."""
        sqs = boto3.client("sqs", endpoint_url=self.moto_url, region_name=REGION)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any(poller.in_flight for poller in self.pollers):
                # A batch is still running: no need to ask SQS (and load the moto server it is using).
                time.sleep(0.05)
                continue
            busy = 0
            for poller in self.pollers:
                attributes = sqs.get_queue_attributes(
                    QueueUrl=poller.queue_url,
                    AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                )["Attributes"]
                busy += int(attributes["ApproximateNumberOfMessages"])
                busy += int(attributes["ApproximateNumberOfMessagesNotVisible"])
            if busy == 0:
                return
            time.sleep(0.05)
        raise TimeoutError("queues did not drain")
