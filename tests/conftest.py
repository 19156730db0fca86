"""Settings every tier shares."""

from hypothesis import HealthCheck, settings

# Property tests check behaviour, not speed (speed lives in bench/). On CI's two loaded cores a single example
# can take longer than hypothesis's default 200 ms deadline, which would fail a correct test.
settings.register_profile("switchboard", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("switchboard")
