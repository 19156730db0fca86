"""The CDK app: one stack, `Switchboard`, checked by cdk-nag (AwsSolutions, NIST 800-53 r5) at every synth.

    npx cdk synth --quiet --no-notices        # cdk.json runs `python -m infra.app`
    build_app({"publicApiUrl": ...}).synth()   # in-process, for tests and the local stack

Assets that point at their source folders (each Lambda's `aws:asset:path`): `npx cdk synth --no-staging`, or
in-process `build_app({"aws:cdk:disable-asset-staging": True})`. The CLI refuses `-c aws:...` context keys.

Context keys (all optional):
    publicApiUrl    base URL Twilio calls when the API sits behind a custom domain (default: the API endpoint)
    depsLayerPath   folder of the third-party layer (default: build/layers/deps, made by `make layer`; with
                    tracing: build/layers/deps-tracing, made by `make layer-tracing`)
    tracing         "true" turns Powertools Tracer on (the X-Ray SDK, end of support February 2027, ships in
                    the layer); off by default: Lambda still records each invocation's segment
    sharedLayerPath folder of the shared layer (default: layers/shared)
    webAssetPath    folder of the agent page (default: web/agent)
    chatAllowedOrigins  default of the ChatAllowedOrigins parameter: origins that may embed the chat widget
    chatWaf         "true" adds a WAF WebACL with a rate rule on /chat/* to CloudFront (bills even when idle;
                    CloudFront-scope WAF needs the stack in us-east-1)

Synth needs no AWS credentials, Docker or network: the account stays a deploy-time token, the region comes
from the environment (CDK_DEFAULT_REGION, AWS_REGION, AWS_DEFAULT_REGION) or defaults to us-east-1, and
nothing is looked up.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from infra.stack import AssetFolders, SwitchboardStack

REPO_ROOT = Path(__file__).resolve().parent.parent
LAYER_BUILDS = REPO_ROOT / "build" / "layers"  # what `make layer` and `make layer-tracing` make
STACK_NAME = "Switchboard"
DEFAULT_REGION = "us-east-1"


class MissingAssetError(FileNotFoundError):
    """A folder the stack deploys is missing; the message says how to make it."""


def add_compliance_checks(app: App) -> None:
    """cdk-nag 3: AwsSolutions and NIST 800-53 rev 5 run as validation plugins; any unacknowledged finding
    fails the synth and is written to <outdir>/validation-report.json. Acknowledgments are copied into the
    template's metadata (`cdk_nag.rules_to_suppress`) so a reviewer reads every reason next to its
    resource."""
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True),
        NIST80053R5Checks(app, write_suppressions_to_cloud_formation=True),
    )


def deployment_region() -> str:
    for name in ("CDK_DEFAULT_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"):
        if os.environ.get(name):
            return os.environ[name]
    return DEFAULT_REGION


def tracing_enabled(app: App) -> bool:
    return str(app.node.try_get_context("tracing")).lower() == "true"


def asset_folders(app: App) -> AssetFolders:
    def folder(context_key: str | None, default: Path, must_contain: str, remedy: str) -> Path:
        override = app.node.try_get_context(context_key) if context_key else None
        path = Path(override).resolve() if override else default
        if not (path / must_contain).is_dir():
            raise MissingAssetError(f"{path / must_contain} is missing: {remedy}")
        return path

    return AssetFolders(
        functions=folder(
            None, REPO_ROOT / "functions", ".", "the functions/ folder is the code of every Lambda"
        ),
        shared_layer=folder(
            "sharedLayerPath",
            REPO_ROOT / "layers" / "shared",
            "python",
            "the shared layer is layers/shared/python",
        ),
        deps_layer=folder(
            "depsLayerPath",
            LAYER_BUILDS / ("deps-tracing" if tracing_enabled(app) else "deps"),
            "python",
            "run `make layer-tracing` (with -c tracing=true) to build the Lambda dependency layer"
            if tracing_enabled(app)
            else "run `make layer` to build the Lambda dependency layer (arm64, no Docker)",
        ),
        web_agent=folder(
            "webAssetPath", REPO_ROOT / "web" / "agent", ".", "the agent page lives in web/agent"
        ),
    )


def _default_context() -> dict[str, Any]:
    """cdk.json's context plus what the CLI sets by itself, so an in-process app synthesizes what
    `npx cdk synth` does (asset metadata: each Lambda's `aws:asset:path` names its source folder, which the
    local stack reads)."""
    with (REPO_ROOT / "cdk.json").open(encoding="utf-8") as cdk_json:
        context: dict[str, Any] = json.load(cdk_json).get("context", {})
    return {"aws:cdk:enable-asset-metadata": True, **context}


def build_app(context: dict[str, Any] | None = None, *, outdir: str | None = None) -> App:
    """The Switchboard app with its stack and cdk-nag attached. `context` overrides cdk.json and the CLI."""
    app = App(context=_default_context(), post_cli_context=context or {}, outdir=outdir)
    SwitchboardStack(
        app,
        STACK_NAME,
        assets=asset_folders(app),
        public_api_url=app.node.try_get_context("publicApiUrl") or None,
        chat_allowed_origins=str(app.node.try_get_context("chatAllowedOrigins") or ""),
        chat_waf=str(app.node.try_get_context("chatWaf")).lower() == "true",
        tracing=tracing_enabled(app),
        env=Environment(region=deployment_region()),
    )
    add_compliance_checks(app)
    return app


def main() -> None:
    try:
        app = build_app()
    except MissingAssetError as missing:
        sys.exit(f"Switchboard synth: {missing}")
    app.synth()


if __name__ == "__main__":
    main()
