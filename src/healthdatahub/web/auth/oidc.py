"""Optional OpenID Connect sign-in (Authlib): authorisation code + PKCE, ID token checks.

Accounts are not created from the provider: an existing account (invited) is linked by its
verified email the first time, then by the provider's subject. When the ID token does not
assert multi-factor authentication (``acr``/``amr`` in ``oidc_mfa_acr``), the hub's own TOTP
is still asked. Every refusal is a ``HubError`` naming what went wrong, never a token's value.
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
EXPIRED = "The sign-in with the identity provider expired; start again."
UNREACHABLE = "The identity provider cannot be reached; try again later."
REFUSED = "The identity provider refused the sign-in; start again."
UNVERIFIED = "The identity provider's answer could not be verified; sign-in refused."
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def configured(settings: Settings) -> bool:
    """True when an issuer, a client id and a client secret file are set."""
    return bool(settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret_file)


def _secret(settings: Settings) -> str:
    try:
        return settings.oidc_client_secret_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise HubError(f"Cannot read the OIDC client secret file: {exc.strerror}.") from None


def _issuer(settings: Settings) -> str:
    return settings.oidc_issuer.rstrip("/")


def _get_json(url: str) -> Any:
    import httpx

    try:
        response = httpx.get(url, timeout=10)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError):
        raise HubError(UNREACHABLE) from None


def metadata(settings: Settings) -> dict[str, Any]:
    """The provider's discovery document (cached for an hour), its issuer checked."""
    issuer = _issuer(settings)
    cached = _metadata.get(issuer)
    if cached and time.monotonic() - cached[0] < METADATA_TTL:
        return cached[1]
    document = _get_json(f"{issuer}/.well-known/openid-configuration")
    if not isinstance(document, dict) or any(not document.get(k) for k in ENDPOINTS):
        raise HubError("The identity provider's discovery document lacks its endpoints.")
    if str(document.get("issuer", "")).rstrip("/") != issuer:  # OIDC Discovery §4.3
        raise HubError("The identity provider's discovery document names another issuer "
                       "than the setting oidc_issuer.")
    _metadata[issuer] = (time.monotonic(), document)
    return document


def _client(settings: Settings, redirect_uri: str):
    from authlib.integrations.httpx_client import OAuth2Client

    return OAuth2Client(settings.oidc_client_id, _secret(settings), scope="openid email profile",
                        redirect_uri=redirect_uri, code_challenge_method="S256", timeout=10)


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


def _kept(kept: str) -> dict[str, str]:
    try:
        saved = json.loads(kept)
    except ValueError:
        raise HubError(EXPIRED) from None
    if not isinstance(saved, dict) or not all(
            isinstance(saved.get(k), str) for k in ("state", "verifier", "nonce")):
        raise HubError(EXPIRED)
    return saved


def _exchange(settings: Settings, redirect_uri: str, meta: dict[str, Any], code: str,
              verifier: str) -> str:
    """The ID token the token endpoint gives for ``code`` (client secret + PKCE verifier)."""
    import httpx
    from authlib.common.errors import AuthlibBaseError

    try:
        with _client(settings, redirect_uri) as client:
            token = client.fetch_token(meta["token_endpoint"], code=code, code_verifier=verifier)
    except AuthlibBaseError:
        raise HubError(REFUSED) from None
    except httpx.HTTPError:
        raise HubError(UNREACHABLE) from None
    if not isinstance(token.get("id_token"), str):
        raise HubError(REFUSED)
    return token["id_token"]


def _verified_claims(settings: Settings, meta: dict[str, Any], id_token: str,
                     nonce: str) -> dict[str, Any]:
    """The ID token's claims after the signature, issuer, audience, nonce and expiry checks."""
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import JoseError

    try:
        keys = JsonWebKey.import_key_set(_get_json(meta["jwks_uri"]))
        claims = JsonWebToken(["RS256", "ES256", "PS256"]).decode(id_token, keys, claims_options={
            "iss": {"essential": True, "value": meta["issuer"]},
            "aud": {"essential": True, "value": settings.oidc_client_id},
            "sub": {"essential": True}, "exp": {"essential": True},
            "nonce": {"essential": True, "value": nonce}})
        claims.validate(leeway=60)
    except (JoseError, ValueError, TypeError):
        raise HubError(UNVERIFIED) from None
    return dict(claims)


def finish(settings: Settings, redirect_uri: str, kept: str, state: str, code: str) -> Identity:
    """Check the state, exchange the code, check the ID token; what the provider asserted."""
    saved = _kept(kept)
    if not state or not secrets.compare_digest(saved["state"], state):
        raise HubError(EXPIRED)
    meta = metadata(settings)
    id_token = _exchange(settings, redirect_uri, meta, code, saved["verifier"])
    claims = _verified_claims(settings, meta, id_token, saved["nonce"])
    email = claims.get("email") if claims.get("email_verified") is True else None
    return Identity(str(claims["sub"]), str(email).strip().lower() if email else None,
                    mfa_asserted(claims, settings.oidc_mfa_acr))


@dataclass(frozen=True)
class Account:
    """The hub account an identity signs in as."""

    user_id: int
    totp_enrolled: bool


def linked_account(settings: Settings, identity: Identity) -> Account | None:
    """The active account linked to this subject, else the one with this verified email and
    no subject yet (which gets linked now); None when no account matches."""
    from sqlalchemy import select

    from healthdatahub.store.db import session_scope
    from healthdatahub.store.models import User

    with session_scope(settings) as db:
        user = db.scalar(select(User).where(User.oidc_subject == identity.subject))
        if user is None and identity.email:
            user = db.scalar(select(User).where(User.email == identity.email,
                                                User.oidc_subject.is_(None)))
            if user is not None and user.is_active:
                user.oidc_subject = identity.subject
        if user is None or not user.is_active:
            return None
        return Account(user.id, user.totp_confirmed_at is not None)
