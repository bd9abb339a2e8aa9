"""Portal commands: ``hdh serve``, ``hdh audit verify``, ``hdh users …``."""

from __future__ import annotations

from typing import Annotated

import typer

from healthdatahub.cli.common import JsonFlag, emit, settings
from healthdatahub.results import Outcome

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
users_app = typer.Typer(help="Portal accounts.", no_args_is_help=True)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default settings).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the web portal and its API."""
    from healthdatahub.web.server import serve as run

    run(settings(), host, port, workers)


@audit_app.command("verify")
def audit_verify(as_json: JsonFlag = False) -> None:
    """Recompute the audit trail's hash chain; name the first altered or deleted entry."""
    from healthdatahub.audit.chain import verify_outcome
    from healthdatahub.store.db import ensure_schema

    current = settings()
    ensure_schema(current)
    outcome = verify_outcome(current)
    emit(outcome, as_json)
    if not outcome.ok:
        raise typer.Exit(1)


@users_app.command("create-operator")
def users_create_operator(
    email: Annotated[str, typer.Argument(help="The operator's email.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "Operator",
    as_json: JsonFlag = False,
) -> None:
    """Create an operator account; prints a one-time password and its TOTP secret."""
    import secrets

    from healthdatahub import audit
    from healthdatahub.store.db import ensure_schema
    from healthdatahub.web.auth import accounts, totp

    current = settings()
    ensure_schema(current)
    password, secret = secrets.token_urlsafe(15), totp.new_secret()
    user_id = accounts.create_user(current, email, name, "operator", password, totp_secret=secret)
    audit.record(current, "admin.create_operator", object_type="user", object_id=user_id,
                 details={"via": "cli"})
    emit(Outcome(action="users-create-operator",
                 summary=f"Operator {user_id} created: password {password}, TOTP secret {secret}.",
                 details={"user_id": user_id, "password": password, "totp_secret": secret}),
         as_json)


@users_app.command("invite")
def users_invite(
    email: Annotated[str, typer.Argument(help="Who to invite.")],
    role: Annotated[str, typer.Option(help="public, data_holder, researcher, reviewer, operator.")],
    base_url: Annotated[str, typer.Option(help="The portal's public URL.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Create a one-time invitation link."""
    from healthdatahub import audit
    from healthdatahub.store.db import ensure_schema
    from healthdatahub.web.auth import accounts

    current = settings()
    ensure_schema(current)
    invitation_id, token = accounts.invite(current, email, role, None)
    audit.record(current, "admin.invite", object_type="invitation", object_id=invitation_id,
                 details={"role": role, "via": "cli"})
    base = base_url.rstrip("/") or f"http://{current.web_host}:{current.web_port}"
    link = f"{base}/invite/{token}"
    emit(Outcome(action="users-invite", summary=f"Invitation link (valid "
                 f"{current.invitation_hours} h, once): {link}",
                 details={"invitation_id": invitation_id, "link": link}), as_json)


def register(app: typer.Typer) -> None:
    """Add the portal commands to ``hdh``."""
    app.command()(serve)
    app.add_typer(audit_app, name="audit")
    app.add_typer(users_app, name="users")
