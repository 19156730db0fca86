"""Settings every tier shares."""

import os

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


def pytest_collection_modifyitems(items: list) -> None:
    """The e2e tier runs last. Its local stack lives for the rest of the session and shares this process's
    moto backends, patches and time scale; a tier after it would share them too (mock_aws resets the very
    backends the stack's threads are using)."""
    items.sort(key=lambda item: "tests/e2e/" in item.nodeid.replace("\\", "/"))
