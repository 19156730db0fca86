"""A function gets every variable its code reads. The set is derived from the code
(infra.function_environment); these tests check the derivation against the handlers themselves: each handler
imports (and so validates its settings, as at a cold start) with only its own function's variables, and reads
found only inside functions (a lazy read on one branch) are still found."""

from __future__ import annotations

import subprocess
import sys

from infra_template_view import Synthesized

from bench.cold_start import lambda_environment
from bench.template import Stack
from infra.function_environment import modules_imported, variables_read

PROBE = "import importlib, sys\nimportlib.import_module(sys.argv[1])\n"


def test_every_handler_starts_with_only_its_own_functions_variables(synthesized: Synthesized) -> None:
    stack = Stack(synthesized.template)
    every = {name for f in stack.app_functions() for name in f.environment}
    failures = {}
    for function in stack.app_functions():
        env = lambda_environment(stack, function.logical_id, function.handler)
        assert not (every - set(function.environment)) & set(env), function.logical_id  # no one else's
        module = function.handler.rsplit(".", 1)[0]
        result = subprocess.run(  # noqa: S603 - our own interpreter and probe
            [sys.executable, "-c", PROBE, module], env=env, capture_output=True, text=True, check=False
        )
        if result.returncode:
            failures[function.logical_id] = result.stderr.strip().splitlines()[-1]
    assert not failures, failures


def test_reads_inside_functions_and_through_settings_models_are_found() -> None:
    consumer = variables_read("app.handlers.inbound_consumer.handler")
    # read with os.environ.get inside a function of callbacks.handlers.keywords, reached through the pipeline
    assert {"CALLBACK_STATE_MACHINE_ARN", "CALLBACK_HOURS", "CALLBACK_DEPARTMENT"} <= consumer
    # InboundConsumerSettings, with the fields of its base model (_TwilioApiSettings)
    assert {"TABLE_NAME", "OUTBOUND_QUEUE_URL", "TWILIO_SECRET_ARN", "TWILIO_API_BASE_URL"} <= consumer
    # a module-level constant naming the variable (switchboard.log_hash)
    assert "LOG_HASH_SECRET_ARN" in consumer
    webhook = variables_read("channels.handlers.twilio_webhook.handler")
    assert {"INBOUND_QUEUE_URL", "MEDIA_BUCKET", "PUBLIC_API_URL", "TWILIO_SECRET_ARN"} <= webhook
    assert "TABLE_NAME" not in webhook and "OUTBOUND_QUEUE_URL" not in webhook
    assert "callbacks.handlers.keywords" in modules_imported("app.handlers.inbound_consumer")
    assert "switchboard" in modules_imported("channels.handlers.twilio_webhook")  # package __init__s too
