"""The Switchboard app synthesized once per session, with cdk-nag, as `npx cdk synth` runs it."""

import json
from typing import Any

import pytest
from infra_template_view import Synthesized, TemplateView

from infra.app import REPO_ROOT, STACK_NAME, build_app


@pytest.fixture(scope="session")
def synth_context(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Context for an in-process synth: no asset copies (fast; assets point at their source folders, as
    the local stack synthesizes), and a placeholder deps layer when `make layer` has not run (tests never
    pip-download)."""
    context: dict[str, Any] = {"aws:cdk:disable-asset-staging": True}
    if not (REPO_ROOT / "build" / "layers" / "deps" / "python").is_dir():
        placeholder = tmp_path_factory.mktemp("deps-layer")
        (placeholder / "python").mkdir()
        context["depsLayerPath"] = str(placeholder)
    return context


@pytest.fixture(scope="session")
def synthesized(synth_context: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = build_app(synth_context, outdir=str(outdir))
    try:
        app.synth()
        synth_error = None
    except RuntimeError as error:  # jsii surfaces the ValidationFailed error as RuntimeError
        synth_error = str(error)
    template = json.loads((outdir / f"{STACK_NAME}.template.json").read_text(encoding="utf-8"))
    return Synthesized(template=template, outdir=outdir, synth_error=synth_error)


@pytest.fixture(scope="session")
def cfn(synthesized: Synthesized) -> TemplateView:
    return TemplateView(synthesized.template)
