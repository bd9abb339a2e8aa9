"""A small but real OpenID Connect provider for the tests, served over HTTP on 127.0.0.1.

Discovery, an authorisation endpoint that signs in ``provider.person`` at once and redirects
back with a code and the state, a token endpoint that checks the client's credentials and the
PKCE ``code_verifier`` against the ``code_challenge``, a JWKS, and RS256 ID tokens signed
with ``authlib.jose``. ``provider.tamper`` (claims) and ``provider.signing_key`` change the
next ID token, to play a provider gone wrong or an attacker; ``provider.refusals`` lists
why the token endpoint refused a request.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from typing import Any
from urllib.parse import urlencode

from authlib.jose import JsonWebKey, jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

KID = "test-key-1"


def new_key() -> Any:
    """A fresh RSA key with the provider's key id (so a forged token names the real kid)."""
    return JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": KID})


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Provider:
    """One client (``client_id``/``client_secret``, one redirect URI) and one person at a time."""

    def __init__(self, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.client_id, self.client_secret, self.redirect_uri = (
            client_id, client_secret, redirect_uri)
        self.key = new_key()
        self.issuer = ""
        self.reset()

    def reset(self) -> None:
        """Forget codes, refusals and tampering; the next person is a verified one, no MFA."""
        self.person: dict[str, Any] = {"sub": "subject-1", "email": "someone@example.org",
                                       "email_verified": True}
        self.tamper: dict[str, Any] = {}
        self.signing_key = self.key
        self.codes: dict[str, dict[str, Any]] = {}
        self.refusals: list[str] = []
        self.tokens_issued = 0

    # -- endpoints -----------------------------------------------------------------------

    def discovery(self, request: Request) -> Response:
        return JSONResponse({
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post"],
        })

    def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(is_private=False)]})

    def authorize(self, request: Request) -> Response:
        q = request.query_params
        problems = [name for name, ok in (
            ("client_id", q.get("client_id") == self.client_id),
            ("redirect_uri", q.get("redirect_uri") == self.redirect_uri),
            ("response_type", q.get("response_type") == "code"),
            ("scope", "openid" in q.get("scope", "").split()),
            ("code_challenge_method", q.get("code_challenge_method") == "S256"),
            ("code_challenge", bool(q.get("code_challenge"))),
            ("nonce", bool(q.get("nonce"))),
            ("state", bool(q.get("state"))),
        ) if not ok]
        if problems:  # never redirect to an unchecked URI: answer here
            return PlainTextResponse(f"bad authorisation request: {problems}", 400)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"challenge": q["code_challenge"], "nonce": q["nonce"],
                            "person": dict(self.person)}
        return RedirectResponse(f"{self.redirect_uri}?{urlencode({'code': code, 'state': q['state']})}",
                                status_code=302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        client_id, secret = self._client_credentials(request, form)
        if client_id != self.client_id or not secrets.compare_digest(secret, self.client_secret):
            return self._refuse("invalid_client", 401)
        if form.get("grant_type") != "authorization_code":
            return self._refuse("unsupported_grant_type")
        grant = self.codes.pop(str(form.get("code", "")), None)  # a code is used once
        if grant is None:
            return self._refuse("invalid_grant: unknown or used code")
        if form.get("redirect_uri") != self.redirect_uri:
            return self._refuse("invalid_grant: redirect_uri")
        if s256(str(form.get("code_verifier", ""))) != grant["challenge"]:
            return self._refuse("invalid_grant: code_verifier")
        self.tokens_issued += 1
        return JSONResponse({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                             "expires_in": 300, "id_token": self._id_token(grant)},
                            headers={"cache-control": "no-store"})

    # -- helpers -------------------------------------------------------------------------

    def _client_credentials(self, request: Request, form) -> tuple[str, str]:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user, password
        return str(form.get("client_id", "")), str(form.get("client_secret", ""))

    def _refuse(self, reason: str, status: int = 400) -> Response:
        self.refusals.append(reason)
        return JSONResponse({"error": reason.split(":")[0]}, status)

    def _id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "nonce": grant["nonce"],
                  "iat": now, "exp": now + 300, **grant["person"], **self.tamper}
        header = {"alg": "RS256", "kid": KID}
        return jwt.encode(header, claims, self.signing_key).decode("ascii")

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
            Route("/jwks", self.jwks),
        ])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """``provider`` under uvicorn in a daemon thread until ``stop()``."""

    def __init__(self, provider: Provider) -> None:
        import uvicorn

        port = free_port()
        provider.issuer = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(provider.app(), host="127.0.0.1",
                                                    port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test identity provider did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)
