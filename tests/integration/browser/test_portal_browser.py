"""In Chromium: sign up from an invitation, enrol TOTP, sign in again, fail 2FA, get locked out."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pyotp

from healthdatahub.web.auth import accounts
from healthdatahub.web.testing import PASSWORD

# `make screenshots` sets HDH_SCREENSHOTS=docs/screenshots to refresh the committed pictures;
# an ordinary test run writes them to a temporary folder, leaving the work tree clean.
SHOTS = Path(os.environ.get("HDH_SCREENSHOTS") or tempfile.mkdtemp(prefix="hdh-shots-"))


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _next_code(secret: str) -> str:
    """The code of the next 30 s step (the current one may be spent: replay protection)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def _sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Continuer").click()


def test_invitation_enrolment_sign_in_and_lockout(live, browser) -> None:
    base, settings = live
    _, token = accounts.invite(settings, "holder@example.org", "data_holder", None)
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{base}/invite/{token}")
    page.get_by_label("Votre nom").fill("Camille Détentrice")
    page.get_by_label("Mot de passe (au moins 12 caractères)").fill(PASSWORD)
    page.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/2fa/enrol")
    assert page.locator(".qr svg").count() == 1
    _shot(page, "totp-enrolment")
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Code de votre application d'authentification").fill(
        pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirmer").click()
    assert page.locator("#recovery-codes li").count() == 10
    page.get_by_role("link", name="Continuer").click()
    page.wait_for_url("**/dashboard")
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["hdh_session"]["secure"] and cookies["hdh_session"]["httpOnly"]
    _shot(page, "dashboard")

    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(f"{base}/dashboard")
    page.wait_for_url("**/login**")
    _sign_in(page, base, "holder@example.org")
    page.wait_for_url("**/2fa?**")
    page.get_by_label("Code de votre application").fill(_next_code(secret))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/dashboard")

    page.get_by_role("button", name="Se déconnecter").click()
    _sign_in(page, base, "holder@example.org")
    page.get_by_label("Code de votre application").fill("000000")
    page.get_by_role("button", name="Se connecter").click()
    assert "Ce code est faux" in page.locator("[role=alert]").inner_text()
    _shot(page, "second-factor-refused")
    page.get_by_role("button", name="Se déconnecter").click()
    for _ in range(settings.login_max_failures):
        _sign_in(page, base, "holder@example.org", "a wrong password")
    assert "verrouillé" in page.locator("[role=alert]").inner_text()
    _sign_in(page, base, "holder@example.org")
    assert "verrouillé" in page.locator("[role=alert]").inner_text()
    _shot(page, "locked-out")
    context.close()


def test_operator_pages_and_language_switch(live, browser) -> None:
    base, settings = live
    secret = pyotp.random_base32()
    accounts.create_user(settings, "op@example.org", "Opératrice", "operator", PASSWORD, secret)
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.goto(base)
    _shot(page, "home")
    _sign_in(page, base, "op@example.org")
    _shot(page, "second-factor")
    page.get_by_label("Code de votre application").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/dashboard")
    page.keyboard.press("Tab")  # the first tab stop is the skip link
    assert page.evaluate("document.activeElement.className") == "skip"
    for path, name in (("/admin/users", "admin-users"), ("/admin/audit", "audit-trail"),
                       ("/jobs", "jobs"), ("/admin/projects", "admin-projects")):
        page.goto(base + path)
        _shot(page, name)
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "Projects"
    page.goto(base + "/login")
    page.get_by_role("button", name="Sign out").click()
    page.goto(base + "/login")
    _shot(page, "login-en")
    context.close()
