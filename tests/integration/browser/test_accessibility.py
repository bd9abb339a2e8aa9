"""In Chromium, the main pages meet the accessibility rules a user of assistive tech notices.

On each page, for an anonymous visitor and signed in (operator; a half-signed-in user for the
2FA pages): every form control and link has an accessible name, images have alt text, the
page has a ``lang`` and one h1, all text contrasts at least 4.5:1 with the colour behind it
(WCAG AA, computed from the page's computed styles), and Tab reaches every interactive
element in DOM order, each showing a visible focus indicator (an outline or box-shadow that
appears on focus; an outline contrasting 3:1 with what is behind it). The checks run in the
page (``a11y.js``); a failure names the page, the element (a CSS selector) and the rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from healthdatahub import audit
from healthdatahub.catalogue import service
from healthdatahub.jobs import run_job
from healthdatahub.web.auth import accounts, sessions
from healthdatahub.web.testing import add_project, add_user

CHECKS = (Path(__file__).parent / "a11y.js").read_text(encoding="utf-8")
RECORD = {
    "slug": "a11y-db", "acronym": "A11Y", "identifier": "https://example.org/c/a11y-db",
    "title": {"fr": "Base de démonstration", "en": "Demo database"},
    "description": {"fr": "Une base synthétique de test.", "en": "A synthetic test database."},
    "speciality": "oncology", "theme": "COHORT", "publisher": "Test publisher",
    "keywords": ["cancer", "test"], "mesh": [{"id": "D009369", "label": "Neoplasms"}],
    "details": {"contact_email": "contact@example.org", "number_of_records": 12},
    "collections": [{"name": "PATIENTS", "title": {"fr": "Patients", "en": "Patients"},
                     "variables": [{"name": "AGE_ANN", "label": {"fr": "Âge en années"},
                                    "type": "integer", "min_value": "0", "max_value": "99"}]}],
}
PUBLIC = ["/", "/login", "/registry", "/catalogue", "/catalogue?q=patients",
          "/catalogue/a11y-db", "/catalogue/a11y-db/PATIENTS"]
PAGES = (
    [("anonymous", path) for path in PUBLIC]
    + [("pending", "/2fa"), ("enrolling", "/2fa/enrol")]
    + [("operator", path) for path in ["/", "/dashboard", "/jobs", "/account", "/registry",
                                       "/catalogue", "/catalogue/a11y-db", "/admin/users",
                                       "/admin/audit"]]
)


@pytest.fixture(scope="module")
def hub(live):
    """The live portal with an operator, a project, a finished job, a record, audit entries."""
    base, settings = live
    operator, _ = add_user(settings, "operator", "operator@example.org")
    researcher, _ = add_user(settings, "researcher", "researcher@example.org")
    enrolling = accounts.create_user(settings, "new@example.org", "New", "researcher",
                                     "correct horse battery staple")
    add_project(settings, "cohort-a11y", members={operator: "data_holder", researcher: "researcher"})
    with run_job(settings, "demo", "Accessibility fixture job", total=1) as job:
        job.advance(1, "done")
    service.save_record(settings, RECORD)
    audit.record(settings, "login.password", outcome="failure", actor_email="x@example.org",
                 details={"reason": "invalid"})
    return base, settings, {"operator": (operator, True), "pending": (researcher, False),
                            "enrolling": (enrolling, False)}


@pytest.fixture(scope="module")
def contexts(hub, browser):
    """A browser context per kind of visitor, signed in through a session cookie."""
    base, settings, users = hub
    made = {"anonymous": browser.new_context(locale="fr-FR")}
    for who, (user_id, two_factor) in users.items():
        context = browser.new_context(locale="fr-FR")
        sid = sessions.create(settings, user_id, two_factor_done=two_factor)
        context.add_cookies([{"name": sessions.COOKIE, "value": sessions.sign(settings, sid),
                              "url": base, "httpOnly": True, "secure": True}])
        made[who] = context
    yield made
    for context in made.values():
        context.close()


def _tab_through(page) -> list[dict]:
    """Tab from the top of the page; failures for elements skipped, out of order or unfocused."""
    expected = page.evaluate("() => window.__a11y.prepareTabbing()")
    failures, reached = [], []
    for _ in range(len(expected) + 1):
        page.keyboard.press("Tab")
        where = page.evaluate("() => window.__a11y.focused()")
        if where["index"] is None:
            if len(reached) < len(expected):
                failures.append({"rule": "tab-order", "selector": where["selector"],
                                 "detail": "Tab left the page's elements before the end"})
            break
        if where["index"] in reached:
            break  # wrapped around to the top
        if where["problem"]:
            failures.append({"rule": "focus-visible", "selector": where["selector"],
                             "detail": where["problem"]})
        reached.append(where["index"])
    if reached != list(range(len(expected))):
        for index, selector in enumerate(expected):
            if index not in reached:
                failures.append({"rule": "tab-order", "selector": selector,
                                 "detail": "not reached with Tab in DOM order"})
        if sorted(reached) != reached:
            failures.append({"rule": "tab-order", "selector": expected[reached[0]],
                             "detail": f"Tab order {reached} is not the DOM order"})
    return failures


def _failures(page) -> list[dict]:
    page.evaluate("() => {\n" + CHECKS + "\n}")  # defines window.__a11y
    return page.evaluate("() => window.__a11y.audit()") + _tab_through(page)


@pytest.mark.parametrize(("who", "path"), PAGES, ids=[f"{w}:{p}" for w, p in PAGES])
def test_page_is_accessible(hub, contexts, who: str, path: str) -> None:
    base = hub[0]
    page = contexts[who].new_page()
    try:
        answer = page.goto(f"{base}{path}", wait_until="load")
        assert answer is not None and answer.status == 200, f"{who} {path}: {answer and answer.status}"
        assert page.url == f"{base}{path}", f"{who} {path}: redirected to {page.url}"
        failures = _failures(page)
    finally:
        page.close()
    assert not failures, f"{len(failures)} accessibility failure(s) on {path} ({who}):\n" + "\n".join(
        f"  {path} [{f['rule']}] {f['selector']}: {f['detail']}" for f in failures)


BROKEN = """() => {
  const main = document.querySelector("main");
  const add = (html) => { const t = document.createElement("template"); t.innerHTML = html;
                          main.append(t.content); };
  add('<input id="no-label">');
  add('<img id="no-alt" src="/logo">');
  add('<h1 id="second-h1">Again</h1>');
  add('<p id="faint">faint text</p>');
  document.getElementById("faint").style.color = "#999999";
  add('<a id="no-ring" href="/registry">no focus ring</a>');
  document.getElementById("no-ring").style.outline = "none";
  add('<span id="jumps-ahead" tabindex="2">first in Tab order</span>');
  document.documentElement.removeAttribute("lang");
}"""


def test_the_checks_catch_each_rule_they_claim(hub, contexts) -> None:
    """A page broken on purpose (through the DOM): each rule names the broken element."""
    page = contexts["anonymous"].new_page()
    try:
        page.goto(f"{hub[0]}/login", wait_until="load")
        assert _failures(page) == []
        page.reload(wait_until="load")
        page.evaluate(BROKEN)
        found = {(f["rule"], f["selector"]) for f in _failures(page)}
    finally:
        page.close()
    assert {("html-lang", "html"), ("one-h1", "#second-h1"), ("control-name", "#no-label"),
            ("img-alt", "#no-alt"), ("contrast", "#faint"), ("focus-visible", "#no-ring"),
            ("tab-order", "#jumps-ahead")} <= found, found
