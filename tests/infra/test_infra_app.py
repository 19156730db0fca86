"""The app's entry point: clear failures for missing build outputs, no AWS account or network needed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import infra.app
from infra.app import REPO_ROOT, MissingAssetError, build_app


def test_missing_deps_layer_says_run_make_layer(tmp_path: Path) -> None:
    with pytest.raises(MissingAssetError, match="run `make layer`"):
        build_app({"depsLayerPath": str(tmp_path / "not-built")})


def test_tracing_takes_the_layer_with_the_xray_sdk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Given no layer was built (the repo's build/ folder is not read)
    monkeypatch.setattr(infra.app, "LAYER_BUILDS", tmp_path)
    # When tracing is asked for, the remedy names the tracing layer; without it, the plain one
    with pytest.raises(MissingAssetError, match="deps-tracing.*make layer-tracing"):
        build_app({"tracing": "true"})
    with pytest.raises(MissingAssetError, match=r"deps/python is missing: run `make layer`"):
        build_app({"tracing": "false"})


def test_cli_entry_point_exits_with_the_remedy_not_a_traceback(tmp_path: Path) -> None:
    # The CDK CLI hands context to the app in CDK_CONTEXT_JSON, as `npx cdk synth -c depsLayerPath=...` would.
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"depsLayerPath": str(tmp_path / "not-built")})}
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "infra.app"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "run `make layer`" in result.stderr
    assert "Traceback" not in result.stderr
