"""`make local` binds fixed ports (each overridable by its variable): no two of its servers may share one.
The Translate stand-in once defaulted to the demo site's 8789, and `make local` stopped with "Address already
in use" after the stack had come up."""

from __future__ import annotations

import os
from unittest import mock

from infra.local import demo_site
from infra.local.stack import LocalStackConfig


def test_make_local_default_ports_are_all_different() -> None:
    names = (
        "SWITCHBOARD_MOTO_PORT",
        "SWITCHBOARD_PORT",
        "SWITCHBOARD_TWILIO_PORT",
        "SWITCHBOARD_TRANSLATE_PORT",
    )
    with mock.patch.dict(os.environ, {}, clear=False):
        for name in names:
            os.environ.pop(name, None)
        config = LocalStackConfig()
    ports = [
        config.moto_port,
        config.api_port,
        config.twilio_port,
        config.translate_port,
        demo_site.DEMO_SITE_PORT,
    ]
    assert len(set(ports)) == len(ports), ports
