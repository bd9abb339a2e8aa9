"""OpenID Connect sign-in against a real provider on 127.0.0.1 (code + PKCE, RS256 ID tokens).

The provider (``oidc_provider.py``) runs under uvicorn; the hub runs in-process and calls it
over HTTP for discovery, the token exchange and the keys, exactly as it would a real one.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pyotp
import pytest
from oidc_provider import Provider, Served, new_key
from sqlalchemy import select

from healthdatahub.audit import list_events
from healthdatahub.store.db import session_scope
from healthdatahub.store.models import User
from healthdatahub.web.auth import sessions
from healthdatahub.web.render import LANG_COOKIE
from healthdatahub.web.routers.auth import OIDC_COOKIE
from healthdatahub.web.testing import add_user, client, csrf, fast

CALLBACK = "http://testserver/oidc/callback"
MFA_VALUES = "urn:test:loa:mfa,otp"


@pytest.fixture(scope="module")
def provider():
    """The identity provider, served for the whole module."""
    idp = Provider("hub-portal", secrets.token_urlsafe(24), CALLBACK)
    served = Served(idp)
    yield idp
    served.stop()


@pytest.fixture
def idp(provider: Provider) -> Provider:
    provider.reset()
    return provider


@pytest.fixture
def hub(portal, idp: Provider, tmp_path):
    """The portal's settings with this provider configured (secret in a file)."""
    secret_file = tmp_path / "oidc-client-secret"
    secret_file.write_text(idp.client_secret + "\n", encoding="utf-8")
    return fast(portal, oidc_issuer=idp.issuer, oidc_client_id=idp.client_id,
                oidc_client_secret_file=secret_file, oidc_mfa_acr=MFA_VALUES)


@pytest.fixture
def http(hub):
    with client(hub) as c:
        c.cookies.set(LANG_COOKIE, "en")
        yield c


def _to_provider(http) -> str:
    """Start the sign-in at the hub; the provider signs its person in; its redirect back."""
    start = http.get("/oidc/login")
    assert start.status_code == 303, start.text
    assert start.headers["location"].startswith(f"{http.app.state.settings.oidc_issuer}/")
    answer = httpx.get(start.headers["location"])
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def _callback(http, location: str, **changed: str) -> httpx.Response:
    back = urlsplit(location)
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    query = {**dict(parse_qsl(back.query)), **changed}
    return http.get(f"{back.path}?{urlencode(query)}")


def _sign_in_with_provider(http) -> httpx.Response:
    return _callback(http, _to_provider(http))


def _subject_of(settings, user_id: int) -> str | None:
    with session_scope(settings) as db:
        return db.scalar(select(User.oidc_subject).where(User.id == user_id))


def _assert_nobody_signed_in(http) -> None:
    assert http.get("/api/v1/me").status_code == 401
    assert http.get("/dashboard").headers["location"].startswith("/login")


def _oidc_events(settings, outcome: str):
    return list_events(settings, action="login.oidc", outcome=outcome)[0]


@pytest.mark.parametrize("assertion", [{"acr": "urn:test:loa:mfa"}, {"amr": ["pwd", "otp"]}],
                         ids=["acr", "amr"])
def test_mfa_asserted_by_the_provider_signs_in_fully(hub, idp, http, assertion) -> None:
    user_id, _ = add_user(hub, "researcher", "ana@example.org")
    assert 'href="/oidc/login"' in http.get("/login").text
    idp.person = {"sub": "idp-ana", "email": "Ana@Example.org", "email_verified": True,
                  **assertion}
    done = _sign_in_with_provider(http)
    assert done.status_code == 303 and done.headers["location"] == "/dashboard"
    assert http.cookies.get(OIDC_COOKIE) is None  # the state cookie is spent
    assert http.get("/dashboard").status_code == 200
    assert http.get("/api/v1/me").json()["id"] == user_id
    assert _subject_of(hub, user_id) == "idp-ana"  # linked by its verified email
    [event] = _oidc_events(hub, "success")
    assert event.actor_id == user_id and event.details["mfa_asserted"] is True


def test_without_mfa_asserted_the_hub_still_asks_for_its_totp(hub, idp, http) -> None:
    user_id, secret = add_user(hub, "researcher", "ben@example.org")
    idp.person = {"sub": "idp-ben", "email": "ben@example.org", "email_verified": True,
                  "acr": "urn:test:loa:password", "amr": ["pwd"]}
    done = _sign_in_with_provider(http)
    assert done.status_code == 303 and done.headers["location"].startswith("/2fa")
    for path in ("/dashboard", "/jobs", "/account"):
        assert http.get(path).headers["location"].startswith("/2fa")
    assert http.get("/api/v1/me").status_code == 401
    ok = http.post("/2fa", data={"code": pyotp.TOTP(secret).now(),
                                 "csrf_token": csrf(http, "/2fa"), "next": "/dashboard"})
    assert ok.status_code == 303 and ok.headers["location"] == "/dashboard"
    assert http.get("/dashboard").status_code == 200
    assert http.get("/api/v1/me").json()["id"] == user_id
    assert _oidc_events(hub, "success")[0].details["mfa_asserted"] is False


@pytest.mark.parametrize("person", [
    {"sub": "idp-stranger", "email": "stranger@example.org", "email_verified": True},
    {"sub": "idp-claims-cleo", "email": "cleo@example.org", "email_verified": False},
    {"sub": "idp-no-email"},
], ids=["unknown-email", "unverified-email", "no-email"])
def test_an_identity_without_an_account_is_refused_and_audited(hub, idp, http, person) -> None:
    user_id, _ = add_user(hub, "researcher", "cleo@example.org")
    idp.person = {**person, "acr": "urn:test:loa:mfa"}
    refused = _sign_in_with_provider(http)
    assert refused.status_code == 403
    assert "No account of this hub matches this identity" in refused.text
    assert http.cookies.get(OIDC_COOKIE) is None
    _assert_nobody_signed_in(http)
    assert _subject_of(hub, user_id) is None
    [event] = _oidc_events(hub, "failure")
    assert event.details["reason"] == "no linked account" and event.actor_id is None


def _tamper_state(http, idp):
    return _callback(http, _to_provider(http), state="x" + secrets.token_urlsafe(20))


def _tamper_claims(**claims):
    def run(http, idp):
        idp.tamper = claims
        return _sign_in_with_provider(http)
    return run


def _forge_signature(http, idp):
    idp.signing_key = new_key()  # same kid, another key: what a forger can do
    return _sign_in_with_provider(http)


def _inject_someone_elses_code(http, idp):
    """The attacker's browser starts its own sign-in, then uses a code stolen from the victim."""
    with client(http.app.state.settings) as victim:
        stolen = dict(parse_qsl(urlsplit(_to_provider(victim)).query))["code"]
    own = _to_provider(http)
    return _callback(http, own, code=stolen)


REFUSALS = {
    "tampered-state": (_tamper_state, "expired"),
    "wrong-nonce": (_tamper_claims(nonce="not-the-hubs-nonce"), "could not be verified"),
    "wrong-audience": (_tamper_claims(aud="another-client"), "could not be verified"),
    "wrong-issuer": (_tamper_claims(iss="http://127.0.0.2:1"), "could not be verified"),
    "expired-token": (_tamper_claims(exp=int(time.time()) - 3600,
                                     iat=int(time.time()) - 3900), "could not be verified"),
    "bad-signature": (_forge_signature, "could not be verified"),
    "wrong-pkce-verifier": (_inject_someone_elses_code, "refused the sign-in"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_forged_or_mismatched_answer_signs_nobody_in(hub, idp, http, case) -> None:
    user_id, _ = add_user(hub, "researcher", "dan@example.org")
    idp.person = {"sub": "idp-dan", "email": "dan@example.org", "email_verified": True,
                  "acr": "urn:test:loa:mfa"}
    attack, message = REFUSALS[case]
    refused = attack(http, idp)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("text/html")
    assert message in refused.text
    assert http.cookies.get(OIDC_COOKIE) is None
    _assert_nobody_signed_in(http)
    assert _subject_of(hub, user_id) is None
    assert not _oidc_events(hub, "success") and _oidc_events(hub, "failure")
    if case == "tampered-state":
        assert idp.tokens_issued == 0  # refused before the code was exchanged
    if case == "wrong-pkce-verifier":
        assert idp.refusals == ["invalid_grant: code_verifier"]


def test_a_cancelled_sign_in_at_the_provider_is_a_clear_refusal(hub, idp, http) -> None:
    http.get("/oidc/login")
    refused = http.get("/oidc/callback?error=access_denied&state=whatever")
    assert refused.status_code == 400 and "refused the sign-in" in refused.text
    assert http.cookies.get(OIDC_COOKIE) is None
    _assert_nobody_signed_in(http)
    assert _oidc_events(hub, "failure")[0].details["reason"] == "provider error"


def test_second_login_is_linked_by_subject_and_a_new_subject_cannot_take_over(
        hub, idp, http) -> None:
    user_id, _ = add_user(hub, "researcher", "eve@example.org")
    idp.person = {"sub": "idp-eve", "email": "eve@example.org", "email_verified": True,
                  "acr": "urn:test:loa:mfa"}
    assert _sign_in_with_provider(http).headers["location"] == "/dashboard"
    assert _subject_of(hub, user_id) == "idp-eve"
    http.post("/logout", data={"csrf_token": csrf(http, "/dashboard")})
    _assert_nobody_signed_in(http)

    # The provider's email changed and is not verified any more: the subject still links.
    idp.person = {"sub": "idp-eve", "email": "eve.renamed@example.org",
                  "email_verified": False, "acr": "urn:test:loa:mfa"}
    assert _sign_in_with_provider(http).headers["location"] == "/dashboard"
    assert http.get("/api/v1/me").json()["id"] == user_id
    http.post("/logout", data={"csrf_token": csrf(http, "/dashboard")})

    # Another subject asserting the same verified email does not replace the link.
    idp.person = {"sub": "idp-someone-else", "email": "eve@example.org",
                  "email_verified": True, "acr": "urn:test:loa:mfa"}
    assert _sign_in_with_provider(http).status_code == 403
    _assert_nobody_signed_in(http)
    assert _subject_of(hub, user_id) == "idp-eve"


def test_sign_in_rotates_an_existing_session(hub, idp, http) -> None:
    user_id, _ = add_user(hub, "researcher", "fay@example.org")
    http.get("/login")
    before = sessions.create(hub, user_id, two_factor_done=False)
    http.cookies.set(sessions.COOKIE, sessions.sign(hub, before), domain="testserver.local")
    idp.person = {"sub": "idp-fay", "email": "fay@example.org", "email_verified": True,
                  "amr": ["otp"]}
    assert _sign_in_with_provider(http).headers["location"] == "/dashboard"
    assert sessions.unsign(hub, http.cookies.get(sessions.COOKIE)) != before
    with client(hub) as stale:
        stale.cookies.set(sessions.COOKIE, sessions.sign(hub, before))
        assert stale.get("/api/v1/me").status_code == 401


def test_without_a_provider_configured_the_routes_answer_404(portal) -> None:
    with client(portal) as http:
        assert http.get("/oidc/login").status_code == 404
        assert 'href="/oidc/login"' not in http.get("/login").text
