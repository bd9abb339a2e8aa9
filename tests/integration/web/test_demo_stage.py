"""The demo stage: an operator with a known password and enrolled TOTP, idempotent."""

from __future__ import annotations

import pyotp

from healthdatahub.demo import DemoContext
from healthdatahub.web import demo
from healthdatahub.web.auth import accounts


def _ctx(settings, serve: bool) -> DemoContext:
    return DemoContext(settings=settings, beneficiaries=10, seed=1, serve=serve, progress=None,
                       extraction=settings.data_dir / "x")


def test_demo_operator_can_sign_in_and_stage_is_idempotent(portal) -> None:
    ctx = _ctx(portal, serve=False)
    line = demo.stage(ctx)
    creds = ctx.details["demo_operator"]
    assert creds["password"] in line and creds["totp_secret"] in line and ctx.then is None
    again = _ctx(portal, serve=True)
    demo.stage(again)
    assert again.details["demo_operator"] == creds and callable(again.then)
    result = accounts.check_password(portal, creds["email"], creds["password"], "k")
    assert result.user_id is not None
    code = pyotp.TOTP(creds["totp_secret"]).now()
    assert accounts.check_second_factor(portal, result.user_id, code, "k") == "ok"
