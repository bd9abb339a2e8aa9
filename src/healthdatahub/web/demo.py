"""The demo's last stage: a demo operator account (2FA enrolled), then serve the portal."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from sqlalchemy import select

from healthdatahub import audit
from healthdatahub.demo import DemoContext
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import User
from healthdatahub.web.auth import accounts, totp
from healthdatahub.web.auth.passwords import hash_password

DEMO_EMAIL = "operator@demo.invalid"


def credentials_file(ctx: DemoContext) -> Path:
    """Where the demo operator's generated credentials live (mode 0600, demo only)."""
    return ctx.settings.data_dir / "portal" / "demo-operator.json"


def _credentials(path: Path) -> dict[str, str]:
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    creds = {"email": DEMO_EMAIL, "password": secrets.token_urlsafe(12),
             "totp_secret": totp.new_secret()}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(creds, handle)
    return creds


def stage(ctx: DemoContext) -> str:
    """Create (once) the demo operator with a known password and TOTP secret; serve after."""
    settings = ctx.settings
    path = credentials_file(ctx)
    creds = _credentials(path)
    with session_scope(settings) as db:
        user = db.scalar(select(User).where(User.email == creds["email"]))
        if user is not None:  # keep it usable: same password and secret, unlocked, active
            user.password_hash = hash_password(settings, creds["password"])
            user.totp_secret, user.role, user.is_active = creds["totp_secret"], "operator", True
            user.locked_until, user.failed_logins = None, 0
            created = False
        else:
            created = True
    if created:
        user_id = accounts.create_user(settings, creds["email"], "Demo operator", "operator",
                                       creds["password"], totp_secret=creds["totp_secret"])
        audit.record(settings, "demo.operator_created", actor_id=user_id,
                     object_type="user", object_id=user_id)
    url = f"http://{settings.web_host}:{settings.web_port}/login"
    ctx.paths["portal"] = url
    ctx.paths["demo_operator"] = str(path)
    ctx.details["demo_operator"] = {"email": creds["email"], "password": creds["password"],
                                    "totp_secret": creds["totp_secret"],
                                    "totp_uri": totp.provisioning_uri(
                                        creds["totp_secret"], creds["email"], settings.hub_name)}
    if ctx.serve:
        from healthdatahub.web.server import serve

        ctx.then = lambda: serve(settings)
    return (f"Portal at {url}: demo operator {creds['email']}, password {creds['password']}, "
            f"TOTP secret {creds['totp_secret']} (demo only, generated for this data dir).")
