"""Every route x every role (and anonymous, and half-signed-in): the expected answer.

The table below is written by hand, apart from the policy: a new route without an entry
here (or in ``web.policy.RULES``) fails this test.
"""

from __future__ import annotations

import re

import pytest

from healthdatahub.web import policy
from healthdatahub.web.app import route_table
from healthdatahub.web.testing import add_project, add_user, client, csrf, sign_in

ROLES = ("public", "data_holder", "researcher", "reviewer", "operator")
PRINCIPALS = ("anonymous", "pending", *ROLES)
PUBLIC, PENDING, USER, OPERATOR = "public", "pending", "user", "operator"
EDITOR = "editor"  # data holders and operators (catalogue records)
EXPECTED = {
    "home": PUBLIC, "healthz": PUBLIC, "theme_css": PUBLIC, "logo": PUBLIC,
    "set_language": PUBLIC, "registry": PUBLIC, "static": PUBLIC, "openapi": PUBLIC,
    "login_form": PUBLIC, "login": PUBLIC, "logout": PUBLIC, "invite_form": PUBLIC,
    "invite_accept": PUBLIC, "oidc_login": PUBLIC, "oidc_callback": PUBLIC,
    "totp_enrol_form": PENDING, "totp_enrol": PENDING, "totp_verify_form": PENDING,
    "totp_verify": PENDING,
    "dashboard": USER, "project_detail": USER, "jobs": USER, "jobs_table": USER,
    "account": USER, "recovery_regenerate": USER, "token_create": USER, "token_revoke": USER,
    "api_health": PUBLIC, "api_registry": PUBLIC, "api_me": USER, "api_jobs": USER,
    "api_job": USER, "api_project": USER,
    "admin_users": OPERATOR, "admin_invite": OPERATOR, "admin_set_role": OPERATOR,
    "admin_reset_2fa": OPERATOR, "admin_set_active": OPERATOR, "admin_projects": OPERATOR,
    "admin_project_create": OPERATOR, "admin_member_add": OPERATOR, "admin_audit": OPERATOR,
    "api_audit": OPERATOR,
    "catalogue_search": PUBLIC, "catalogue_mesh_suggest": PUBLIC, "catalogue_database": PUBLIC,
    "catalogue_collection": PUBLIC, "catalogue_dictionary": PUBLIC,
    "catalogue_datacite": PUBLIC,
    "api_catalogue_search": PUBLIC, "api_catalogue_databases": PUBLIC,
    "api_catalogue_database": PUBLIC, "api_catalogue_mesh": PUBLIC, "api_catalogue_dcat": PUBLIC,
    "catalogue_new_form": EDITOR, "catalogue_create": EDITOR, "catalogue_edit_form": EDITOR,
    "catalogue_update": EDITOR, "api_catalogue_import": EDITOR,
    "linkage_home": EDITOR, "linkage_project": EDITOR, "linkage_upload_form": EDITOR,
    "linkage_report_page": EDITOR, "linkage_run": OPERATOR, "linkage_deliver": OPERATOR,
    "api_linkage_upload": EDITOR, "api_linkage_status": EDITOR, "api_linkage_report": EDITOR,
    "ingest_home": EDITOR, "ingest_upload": EDITOR, "ingest_report_page": EDITOR,
    "indicators_library": PUBLIC, "indicators_phenotype": PUBLIC,
    "indicators_phenotype_definition": PUBLIC, "indicators_phenotype_sql": PUBLIC,
    "indicators_published": PUBLIC, "indicators_published_file": PUBLIC,
    "indicators_request_form": USER, "indicators_request_submit": USER,
    "indicators_requests": OPERATOR, "indicators_request_run": OPERATOR,
}
FILL = {"project_id": "1", "job_id": "999999", "user_id": "999999", "token_id": "999999",
        "token": "not-a-real-invitation-token", "code": "en", "path": "portal.css",
        "slug": "no-such-db", "table": "NO_TABLE", "project": "no-such-linkage", "holder": "h"}
FILL.update({"name": "no_such_phenotype", "pid": "ind-none", "filename": "data.csv",
             "request_id": "999999", "ingestion_id": "999999"})


def _routes(app) -> list[tuple[str, str, str]]:
    return route_table(app)


def _allowed(category: str, who: str) -> bool:
    if category == PUBLIC:
        return True
    if who == "anonymous":
        return False
    if category == PENDING:
        return True
    if who == "pending":
        return False
    if category == EDITOR:
        return who in ("data_holder", "operator")
    return category == USER or who == "operator"


def test_every_route_has_a_policy_and_an_expectation(portal) -> None:
    with client(portal) as http:
        names = {name for name, _, _ in _routes(http.app)}
    assert names - set(EXPECTED) == set(), "routes without an expected row in this matrix"
    assert names - set(policy.RULES) == set(), "routes without a policy entry"
    assert set(EXPECTED) - names == set(), "expected rows for routes that do not exist"


@pytest.mark.parametrize("who", PRINCIPALS)
def test_route_role_matrix(portal, who: str) -> None:
    add_project(portal, "matrix", members={})
    with client(portal) as http:
        if who != "anonymous":
            user_id, _ = add_user(portal, "researcher" if who == "pending" else who)
            sign_in(portal, http, user_id, two_factor=who != "pending")
        token = csrf(http, "/")
        wrong = []
        for name, method, path in _routes(http.app):
            url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: FILL[m.group(1)], path)
            if method == "GET":
                response = http.get(url)
            else:
                response = http.post(url, data={"csrf_token": token})
            denied = response.headers.get("x-hdh-policy") == "denied"
            expected = _allowed(EXPECTED[name], who)
            if response.status_code >= 500 or denied == expected:
                wrong.append((name, method, url, response.status_code))
            if denied and method == "GET" and not url.startswith("/api/"):
                assert response.status_code in (303, 401, 403)
            elif denied:
                assert response.status_code in (401, 403)
            if name == "logout" and response.status_code == 303 and who != "anonymous":
                sign_in(portal, http, user_id, two_factor=who != "pending")
                token = csrf(http, "/")
        assert wrong == []


def test_api_tokens_reach_only_token_routes(portal) -> None:
    from healthdatahub.web import api_tokens

    user_id, _ = add_user(portal, "data_holder")
    project_id = add_project(portal, "tok", members={user_id: "data_holder"})
    _, secret = api_tokens.create(portal, user_id, project_id, "ci")
    with client(portal) as http:
        auth = {"Authorization": f"Bearer {secret}"}
        for name, method, path in _routes(http.app):
            if method != "GET" or "{" in path:
                continue
            response = http.get(path, headers=auth)
            rule = policy.RULES[name]
            denied = response.headers.get("x-hdh-policy") == "denied"
            assert denied == (rule.level != "public" and not rule.token), name
