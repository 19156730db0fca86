"""The benchmark resolves the synthesized template's environment itself (no local stack behind it). Every
handler must import under it: a reference the bench cannot resolve (a parameter, a queue's or role's ARN)
makes a handler's settings refuse to load, and two bench sections then die instead of printing figures."""

from __future__ import annotations

import subprocess
import sys

from infra_template_view import Synthesized

from bench import harness
from bench.cold_start import lambda_environment
from bench.template import Stack

PROBE = "import importlib, sys\nimportlib.import_module(sys.argv[1])\n"


def test_every_handler_imports_with_the_environment_the_bench_resolves(synthesized: Synthesized) -> None:
    stack = Stack(synthesized.template)
    failures = {}
    for function in stack.app_functions():
        module = function.handler.rsplit(".", 1)[0]
        env = lambda_environment(stack, function.logical_id, function.handler)
        result = subprocess.run(  # noqa: S603 - our own interpreter and probe
            [sys.executable, "-c", PROBE, module], env=env, capture_output=True, text=True, check=False
        )
        if result.returncode:
            failures[function.logical_id] = result.stderr.strip().splitlines()[-1]
    assert stack.app_functions(), "the template has no application functions"
    assert not failures, failures


def test_parameters_and_arns_resolve_to_values_of_their_shape(synthesized: Synthesized) -> None:
    env = harness.resolve_environment(Stack(synthesized.template))
    assert int(env["ALERT_SEND_RATE"]) > 0
    assert env["ALERT_PLAN_QUEUE_ARN"].startswith(f"arn:aws:sqs:{harness.REGION}:{harness.ACCOUNT_ID}:")
    assert env["ALERT_SCHEDULER_ROLE_ARN"].startswith(f"arn:aws:iam::{harness.ACCOUNT_ID}:role/")
    assert all(value != "" for name, value in env.items() if name.endswith("_ARN")), env
