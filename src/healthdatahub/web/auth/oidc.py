"""Optional OpenID Connect sign-in (Authlib): authorisation code + PKCE, ID token checks.

Accounts are not created from the provider: an existing account (invited) is linked by its
verified email the first time, then by the provider's subject. When the ID token does not
assert multi-factor authentication (``acr``/``amr`` in ``oidc_mfa_acr``), the hub's own TOTP
is still asked.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from healthdatahub.config import Settings
from healthdatahub.errors import HubError

_metadata: dict[str, tuple[float, dict[str, Any]]] = {}
METADATA_TTL = 3600


def configured(settings: Settings) -> bool:
    """True when an issuer, a client id and a client secret file are set."""
    return bool(settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret_file)


def _secret(settings: Settings) -> str:
    try:
        return settings.oidc_client_secret_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise HubError(f"Cannot read the OIDC client secret file: {exc.strerror}.") from None


def metadata(settings: Settings) -> dict[str, Any]:
    """The provider's discovery document (cached for an hour)."""
    import httpx

    issuer = settings.oidc_issuer.rstrip("/")
    cached = _metadata.get(issuer)
    if cached and time.monotonic() - cached[0] < METADATA_TTL:
        return cached[1]
    try:
        document = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    except (httpx.HTTPError, ValueError):
        raise HubError("The identity provider cannot be reached; try again later.") from None
    _metadata[issuer] = (time.monotonic(), document)
    return document


def _client(settings: Settings, redirect_uri: str):
    from authlib.integrations.httpx_client import OAuth2Client

    return OAuth2Client(settings.oidc_client_id, _secret(settings), scope="openid email profile",
                        redirect_uri=redirect_uri, code_challenge_method="S256")


def start(settings: Settings, redirect_uri: str) -> tuple[str, str]:
    """The provider's authorisation URL and the state to keep in a signed cookie."""
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = _client(settings, redirect_uri).create_authorization_url(
        metadata(settings)["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    return url, json.dumps({"state": state, "verifier": verifier, "nonce": nonce})


@dataclass(frozen=True)
class Identity:
    """What the provider asserted: subject, email (if verified) and whether MFA was done."""

    subject: str
    email: str | None
    mfa: bool


def mfa_asserted(claims: dict[str, Any], accepted: str) -> bool:
    """True when the token's ``acr`` or ``amr`` names one of the accepted MFA values."""
    wanted = {v.strip() for v in accepted.split(",") if v.strip()}
    amr = claims.get("amr") or []
    values = {str(claims.get("acr", ""))} | {str(v) for v in (amr if isinstance(amr, list) else [])}
    return bool(wanted & values) or (not wanted and "mfa" in values)


def finish(settings: Settings, redirect_uri: str, kept: str, state: str, code: str) -> Identity:
    """Exchange the code, check the ID token (issuer, audience, nonce, expiry, signature)."""
    from authlib.jose import JsonWebKey, JsonWebToken

    saved = json.loads(kept)
    if not secrets.compare_digest(saved.get("state", ""), state):
        raise HubError("The sign-in with the identity provider expired; start again.")
    meta = metadata(settings)
    token = _client(settings, redirect_uri).fetch_token(
        meta["token_endpoint"], code=code, code_verifier=saved["verifier"])
    import httpx

    keys = JsonWebKey.import_key_set(httpx.get(meta["jwks_uri"], timeout=10).json())
    claims = JsonWebToken(["RS256", "ES256", "PS256"]).decode(
        token["id_token"], keys, claims_options={
            "iss": {"essential": True, "value": meta.get("issuer", settings.oidc_issuer)},
            "aud": {"essential": True, "value": settings.oidc_client_id},
            "nonce": {"essential": True, "value": saved["nonce"]}})
    claims.validate(leeway=60)
    email = claims.get("email") if claims.get("email_verified") else None
    return Identity(str(claims["sub"]), email, mfa_asserted(dict(claims), settings.oidc_mfa_acr))
