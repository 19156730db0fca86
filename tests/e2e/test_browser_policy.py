"""Browser tests never pass by skipping unseen: without chromium they are skipped and listed on a workstation,
and they fail the run under CI=true. Checked by running pytest on a browser module with chromium pointed at a
path that does not exist (no browser and no local stack start: the check comes before any fixture)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests/e2e/test_inbox_browser.py"  # once the module without a skip mark of its own


def run_browser_module(ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["SWITCHBOARD_CHROMIUM"] = str(ROOT / "no-such-dir" / "chromium")
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(  # noqa: S603 - this interpreter, this repository's tests
        [sys.executable, "-m", "pytest", MODULE, "-p", "no:cacheprovider", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_without_chromium_on_ci_the_run_fails() -> None:
    result = run_browser_module(ci="true")
    assert result.returncode == 1, result.stdout[-2000:]
    assert "under CI=true browser tests fail, never skip" in result.stdout
    assert " passed" not in result.stdout and " skipped" not in result.stdout


def test_without_chromium_on_a_workstation_each_skip_is_listed_with_its_reason() -> None:
    result = run_browser_module(ci=None)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "SKIPPED [" in result.stdout and "chromium is not installed at" in result.stdout  # -ra's summary
    assert " failed" not in result.stdout and " passed" not in result.stdout
