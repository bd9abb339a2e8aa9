"""Sign-in: password, then TOTP (enrolled at first sign-in), recovery codes, invitations."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from healthdatahub.errors import HubError
from healthdatahub.web import policy
from healthdatahub.web.auth import accounts, sessions, totp
from healthdatahub.web.deps import Me, client_key, get_settings, record, resolve_principal
from healthdatahub.web.render import redirect, render, safe_next, set_session_cookie

router = APIRouter(include_in_schema=False)
Email = Form(default="", max_length=320)
Secret = Form(default="", max_length=300)
Code = Form(default="", max_length=40)
Next = Form(default="", max_length=200)
FAILURES = {
    "invalid": (401, "Wrong email or password."),
    "locked": (403, "Too many failed attempts: this account is locked for a while."),
    "rate_limited": (429, "Too many failed attempts from your address; try again later."),
}


@router.get("/login", name="login_form")
def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, "login.html", _login_context(request, next))


def _login_context(request: Request, next: str | None) -> dict:
    from healthdatahub.web.auth import oidc

    return {"next": safe_next(next), "oidc": oidc.configured(get_settings(request))}


@router.post("/login", name="login")
def login(request: Request, email: str = Email, password: str = Secret,
          next: str = Next) -> Response:
    """Check the password; on success open a half-signed-in session and ask for the code."""
    settings = get_settings(request)
    result = accounts.check_password(settings, email, password, client_key(request))
    if result.user_id is None:
        status, message = FAILURES[result.failure or "invalid"]
        record(request, "login.password", "failure", actor_email=email.strip().lower()[:320],
               details={"reason": result.failure})
        return render(request, "login.html", {**_login_context(request, next), "error": message,
                                              "email": email}, status)
    old = resolve_principal(request).session_id
    sid = sessions.create(settings, result.user_id, two_factor_done=False, replace=old)
    record(request, "login.password", actor_id=result.user_id)
    target = "/2fa" if _enrolled(request, result.user_id) else "/2fa/enrol"
    response = redirect(request, f"{target}?next={safe_next(next)}")
    set_session_cookie(request, response, sid)
    return response


def _enrolled(request: Request, user_id: int) -> bool:
    from healthdatahub.store.db import session_scope
    from healthdatahub.store.models import User

    with session_scope(get_settings(request)) as db:
        return db.get(User, user_id).totp_confirmed_at is not None


@router.post("/logout", name="logout")
def logout(request: Request, principal: Me) -> Response:
    """End the session."""
    if principal.session_id:
        sessions.end(get_settings(request), principal.session_id)
        record(request, "logout")
    response = redirect(request, "/")
    set_session_cookie(request, response, None)
    return response


def _finish_sign_in(request: Request, principal: policy.Principal, next: str) -> Response:
    sid = sessions.create(get_settings(request), principal.user_id, two_factor_done=True,
                          replace=principal.session_id)
    response = redirect(request, safe_next(next))
    set_session_cookie(request, response, sid)
    return response


@router.get("/2fa", name="totp_verify_form")
def totp_verify_form(request: Request, principal: Me, next: str | None = None) -> Response:
    """Ask for the current TOTP code (or a recovery code)."""
    if not principal.totp_enrolled:
        return redirect(request, "/2fa/enrol")
    return render(request, "totp_verify.html", {"next": safe_next(next)})


@router.post("/2fa", name="totp_verify")
def totp_verify(request: Request, principal: Me, code: str = Code, next: str = Next) -> Response:
    """Check the second factor; a success rotates the session into a signed-in one."""
    settings = get_settings(request)
    verdict = accounts.check_second_factor(settings, principal.user_id, code, client_key(request))
    if verdict != "ok":
        record(request, "login.second_factor", "failure", details={"reason": verdict})
        if verdict == "locked":
            sessions.end(settings, principal.session_id)
            response = render(request, "error.html", {"status": 403, "message": FAILURES[
                "locked"][1]}, 403)
            set_session_cookie(request, response, None)
            return response
        return render(request, "totp_verify.html", {"error": "This code is wrong or was already "
                      "used.", "next": safe_next(next)}, 401)
    record(request, "login.second_factor", details={"recovery_code": "-" in code})
    return _finish_sign_in(request, principal, next)


@router.get("/2fa/enrol", name="totp_enrol_form")
def totp_enrol_form(request: Request, principal: Me, next: str | None = None) -> Response:
    """Show the QR code and secret of a new TOTP enrolment."""
    if principal.totp_enrolled:
        return redirect(request, "/2fa")
    settings = get_settings(request)
    secret = accounts.enrolment_secret(settings, principal.user_id)
    uri = totp.provisioning_uri(secret, principal.email or "", settings.hub_name)
    return render(request, "totp_enrol.html", {"secret": secret, "qr": totp.qr_svg(uri),
                                               "next": safe_next(next)})


@router.post("/2fa/enrol", name="totp_enrol")
def totp_enrol(request: Request, principal: Me, code: str = Code, next: str = Next) -> Response:
    """Confirm the enrolment with a first code; show the recovery codes once."""
    if principal.totp_enrolled:
        raise HTTPException(409, "Two-factor authentication is already enrolled.")
    settings = get_settings(request)
    codes = accounts.confirm_enrolment(settings, principal.user_id, code)
    if codes is None:
        record(request, "2fa.enrol", "failure")
        secret = accounts.enrolment_secret(settings, principal.user_id)
        uri = totp.provisioning_uri(secret, principal.email or "", settings.hub_name)
        return render(request, "totp_enrol.html", {"secret": secret, "qr": totp.qr_svg(uri),
                      "error": "This code is wrong; check your device's clock.",
                      "next": safe_next(next)}, 401)
    record(request, "2fa.enrol")
    sid = sessions.create(settings, principal.user_id, two_factor_done=True,
                          replace=principal.session_id)
    response = render(request, "recovery_codes.html", {"codes": codes, "next": safe_next(next)})
    set_session_cookie(request, response, sid)
    return response


@router.get("/invite/{token}", name="invite_form")
def invite_form(request: Request, token: str) -> Response:
    """The sign-up form of an invitation."""
    invitation = accounts.open_invitation(get_settings(request), token[:100])
    if invitation is None:
        raise HTTPException(404, "This invitation link is invalid, expired or already used.")
    return render(request, "invite.html", {"email": invitation.email, "token": token})


@router.post("/invite/{token}", name="invite_accept")
def invite_accept(request: Request, token: str, display_name: str = Form("", max_length=200),
                  password: str = Secret, password_again: str = Secret) -> Response:
    """Create the invited account, then continue to the TOTP enrolment."""
    settings = get_settings(request)
    invitation = accounts.open_invitation(settings, token[:100])
    if invitation is None:
        raise HTTPException(404, "This invitation link is invalid, expired or already used.")
    context = {"email": invitation.email, "token": token, "display_name": display_name}
    if password != password_again:
        return render(request, "invite.html", {**context, "error": "The two passwords differ."},
                      400)
    try:
        user_id = accounts.accept_invitation(settings, token[:100], display_name, password)
    except HubError as exc:
        return render(request, "invite.html", {**context, "error": str(exc)}, 400)
    record(request, "account.created", actor_id=user_id, object_type="invitation",
           object_id=invitation.id)
    sid = sessions.create(settings, user_id, two_factor_done=False)
    response = redirect(request, "/2fa/enrol")
    set_session_cookie(request, response, sid)
    return response


OIDC_COOKIE = "hdh_oidc"
NO_ACCOUNT = "No account of this hub matches this identity; ask for an invitation."


@router.get("/oidc/login", name="oidc_login")
def oidc_login(request: Request) -> Response:
    """Send the browser to the external identity provider (when configured)."""
    from fastapi.responses import RedirectResponse

    from healthdatahub.web.auth import oidc

    settings = get_settings(request)
    if not oidc.configured(settings):
        raise HTTPException(404, "Sign-in with an external identity provider is not set up.")
    url, kept = oidc.start(settings, str(request.url_for("oidc_callback")))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(OIDC_COOKIE, sessions.sign(settings, kept, "oidc"), max_age=600,
                        httponly=True, secure=settings.cookie_secure, samesite="lax")
    return response


def _oidc_refused(request: Request, status: int, message: str, reason: str) -> Response:
    """An error page that also spends the state cookie, and its audit entry."""
    record(request, "login.oidc", "failure", details={"reason": reason})
    response = render(request, "error.html", {"status": status, "message": message}, status)
    _spend_oidc_cookie(request, response)
    return response


def _spend_oidc_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(OIDC_COOKIE, httponly=True, samesite="lax",
                           secure=get_settings(request).cookie_secure)


@router.get("/oidc/callback", name="oidc_callback")
def oidc_callback(request: Request, state: str = "", code: str = "",
                  error: str = "") -> Response:
    """Back from the provider: link to an existing account; TOTP unless MFA was asserted."""
    from healthdatahub.web.auth import oidc

    settings = get_settings(request)
    if not oidc.configured(settings):
        raise HTTPException(404, "Sign-in with an external identity provider is not set up.")
    kept = sessions.unsign(settings, request.cookies.get(OIDC_COOKIE), "oidc")
    if error:  # the person cancelled, or the provider refused: no code to exchange
        return _oidc_refused(request, 400, oidc.REFUSED, "provider error")
    if kept is None or not code:
        return _oidc_refused(request, 400, oidc.EXPIRED, "missing state or code")
    try:
        identity = oidc.finish(settings, str(request.url_for("oidc_callback")), kept,
                               state[:200], code[:2000])
    except HubError as exc:
        return _oidc_refused(request, 400, str(exc), str(exc))
    account = oidc.linked_account(settings, identity)
    if account is None:
        return _oidc_refused(request, 403, NO_ACCOUNT, "no linked account")
    record(request, "login.oidc", actor_id=account.user_id,
           details={"mfa_asserted": identity.mfa})
    sid = sessions.create(settings, account.user_id, two_factor_done=identity.mfa,
                          replace=resolve_principal(request).session_id)
    target = "/dashboard" if identity.mfa else ("/2fa" if account.totp_enrolled else "/2fa/enrol")
    response = redirect(request, target)
    _spend_oidc_cookie(request, response)
    set_session_cookie(request, response, sid)
    return response
