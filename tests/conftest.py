"""Settings every tier shares."""

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# Test data uses +1 555 numbers, which are not in service, so that no real person is ever texted; the phone
# module accepts them only with this switch (tests/unit/test_phone.py checks both ways).
os.environ.setdefault("SWITCHBOARD_FICTIONAL_NUMBERS", "1")

# Property tests check behaviour, not speed (speed lives in bench/). On CI's two loaded cores a single example
# can take longer than hypothesis's default 200 ms deadline, which would fail a correct test.
settings.register_profile("switchboard", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The mutation runner (make mutation) runs these tests once per mutant: fewer examples, no example database.
settings.register_profile(
    "mutation", parent=settings.get_profile("switchboard"), max_examples=25, database=None
)
settings.load_profile(os.environ.get("SWITCHBOARD_HYPOTHESIS_PROFILE", "switchboard"))


def _is_e2e(item: pytest.Item) -> bool:
    return "tests/e2e/" in item.nodeid.replace("\\", "/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The e2e tier runs last. Its local stack lives for the rest of the session and shares this process's
    moto backends, patches and time scale; a tier after it would share them too (mock_aws resets the very
    backends the stack's threads are using).

    Under `make test` (pytest-xdist, `--dist loadfile --no-loadscope-reorder`) every worker collects this
    order and is handed whole files in it, so each worker too runs its e2e files after everything else it
    runs (the hook below checks it), on a local stack of its own. E2e files marked `longest` are handed out
    first: one worker starts on them while the other runs the rest of the tier."""
    items.sort(key=lambda item: (_is_e2e(item), item.get_closest_marker("longest") is None))


_e2e_begun: list[str] = []  # the first e2e test this process ran


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test of another tier after an e2e test in one process would run against the local stack's moto
    backends (see above): refused, whatever the scheduling that led there."""
    if _is_e2e(item):
        if not _e2e_begun:
            _e2e_begun.append(item.nodeid)
    elif _e2e_begun:
        pytest.fail(f"{item.nodeid} runs after the e2e tier began in this process ({_e2e_begun[0]})")


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile`, except that the infra tier's files are one unit: they share one synthesized
    template per process (tests/infra/conftest.py), and a synth with cdk-nag costs more than most files."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class TierScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.replace("\\", "/").startswith("tests/infra/"):
                return "tests/infra"
            return str(super()._split_scope(nodeid))

    return TierScheduling(config, log)
