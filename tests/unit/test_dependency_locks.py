"""The locks agree with pyproject.toml's one list of packages, pin every package with hashes, and the layer's
locks leave out what Lambda's runtime provides (and the X-Ray SDK unless tracing is asked for)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_LOCK = REPO_ROOT / "requirements-dev.lock"
LAYER_LOCK = REPO_ROOT / "layers" / "deps" / "requirements.lock"
TRACING_LAYER_LOCK = REPO_ROOT / "layers" / "deps" / "requirements-tracing.lock"
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer"}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(lock: Path) -> dict[str, str]:
    """Package -> pinned version; fails on a pin without a hash (pip would refuse it in hash mode)."""
    found: dict[str, str] = {}
    entries = re.split(r"\n(?=[A-Za-z0-9])", lock.read_text(encoding="utf-8"))
    for entry in entries:
        match = _PIN.match(entry)
        if match is None:
            continue
        assert "--hash=sha256:" in entry, f"{lock.name}: {match.group(1)} has no hash"
        found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def declared(*groups: str) -> list[Requirement]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = list(project["dependencies"])
    for group in groups:
        listed += project["optional-dependencies"][group]
    return [Requirement(line) for line in listed]


def assert_locked(requirements: list[Requirement], locked: dict[str, str], lock: Path) -> None:
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is not in {lock.name}: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{lock.name} pins {name}=={locked[name]}, outside {requirement}: run `make lock`"
        )


def test_the_development_lock_pins_every_declared_package_with_hashes() -> None:
    assert_locked(declared("dev", "tracing"), pins(DEV_LOCK), DEV_LOCK)


@pytest.mark.parametrize(
    ("lock", "groups"), [(LAYER_LOCK, ()), (TRACING_LAYER_LOCK, ("tracing",))], ids=["plain", "tracing"]
)
def test_each_layer_lock_pins_the_runtime_packages_lambda_does_not_provide(
    lock: Path, groups: tuple[str, ...]
) -> None:
    locked = pins(lock)
    wanted = [r for r in declared(*groups) if canonicalize_name(r.name) not in RUNTIME_PROVIDED]
    assert_locked(wanted, locked, lock)
    assert RUNTIME_PROVIDED.isdisjoint(locked), "Lambda's runtime provides boto3: the layer must not"
    assert ("aws-xray-sdk" in locked) == ("tracing" in groups)


def test_layer_and_development_environment_run_the_same_versions() -> None:
    # What the tests exercise is what Lambda runs (the layer is a subset of the dev environment).
    dev = pins(DEV_LOCK)
    for lock in (LAYER_LOCK, TRACING_LAYER_LOCK):
        differing = {
            name: (version, dev.get(name)) for name, version in pins(lock).items() if dev.get(name) != version
        }
        assert differing == {}, f"{lock.name} vs {DEV_LOCK.name}: run `make lock`"
