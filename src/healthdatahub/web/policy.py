"""The one place that decides permissions: every route has an entry here, routes ask it.

A route's rule says who may reach it (anyone, a session half-way through sign-in, any
signed-in account, or some roles) and whether a project-scoped API token is accepted.
Object-level questions (may this person see this project or this job?) are functions below.
A route missing from ``RULES`` is refused, and the route x role matrix test fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from healthdatahub.store.models_portal import ROLES

ANONYMOUS = "anonymous"
STAFF = frozenset({"reviewer", "operator"})
OPERATORS = frozenset({"operator"})
EVERY_ROLE = frozenset(ROLES)
CATALOGUE_EDITORS = frozenset({"data_holder", "operator"})
#: Project states shown in the public registry.
PUBLIC_PROJECT_STATUSES = ("approved", "active", "closed")


@dataclass(frozen=True)
class Principal:
    """Who is asking: an account (via a session or an API token) or nobody."""

    user_id: int | None = None
    role: str = ANONYMOUS
    email: str | None = None
    display_name: str | None = None
    two_factor: bool = False
    totp_enrolled: bool = False
    via: str | None = None  # "session" or "token"
    session_id: str | None = None
    csrf_secret: str | None = None
    token_project_id: int | None = None

    @property
    def signed_in(self) -> bool:
        """True for a session past both factors, or a valid API token."""
        return self.user_id is not None and (self.two_factor or self.via == "token")

    @property
    def pending(self) -> bool:
        """True for a session whose password is checked but second factor is not."""
        return self.user_id is not None and self.via == "session" and not self.two_factor


@dataclass(frozen=True)
class Rule:
    """Who may reach a route: ``level`` is public, second_factor or signed_in."""

    level: str
    roles: frozenset[str] = EVERY_ROLE
    token: bool = False


@dataclass(frozen=True)
class Decision:
    """The answer to a request: allowed, or the status (and where to send a browser)."""

    allowed: bool
    status: int = 200
    redirect: str | None = None


PUBLIC = Rule("public")
SECOND_FACTOR = Rule("second_factor")
SIGNED_IN = Rule("signed_in")
SIGNED_IN_OR_TOKEN = Rule("signed_in", token=True)

#: Every route of the portal, by route name.
RULES: dict[str, Rule] = {
    # public pages and assets
    "home": PUBLIC, "healthz": PUBLIC, "theme_css": PUBLIC, "logo": PUBLIC,
    "set_language": PUBLIC, "registry": PUBLIC, "static": PUBLIC, "openapi": PUBLIC,
    # sign-in
    "login_form": PUBLIC, "login": PUBLIC, "logout": PUBLIC,
    "invite_form": PUBLIC, "invite_accept": PUBLIC,
    "oidc_login": PUBLIC, "oidc_callback": PUBLIC,
    "totp_enrol_form": SECOND_FACTOR, "totp_enrol": SECOND_FACTOR,
    "totp_verify_form": SECOND_FACTOR, "totp_verify": SECOND_FACTOR,
    # signed-in pages
    "dashboard": SIGNED_IN, "project_detail": SIGNED_IN, "jobs": SIGNED_IN,
    "jobs_table": SIGNED_IN, "account": SIGNED_IN, "recovery_regenerate": SIGNED_IN,
    "token_create": SIGNED_IN, "token_revoke": SIGNED_IN,
    # operators
    "admin_users": Rule("signed_in", OPERATORS), "admin_invite": Rule("signed_in", OPERATORS),
    "admin_set_role": Rule("signed_in", OPERATORS),
    "admin_reset_2fa": Rule("signed_in", OPERATORS),
    "admin_set_active": Rule("signed_in", OPERATORS),
    "admin_projects": Rule("signed_in", OPERATORS),
    "admin_project_create": Rule("signed_in", OPERATORS),
    "admin_member_add": Rule("signed_in", OPERATORS),
    "admin_audit": Rule("signed_in", OPERATORS),
    # JSON API
    "api_health": PUBLIC, "api_registry": PUBLIC,
    "api_me": SIGNED_IN_OR_TOKEN, "api_jobs": SIGNED_IN_OR_TOKEN,
    "api_job": SIGNED_IN_OR_TOKEN, "api_project": SIGNED_IN_OR_TOKEN,
    "api_audit": Rule("signed_in", OPERATORS),
    # catalogue: public reading, editing by data holders and operators
    "catalogue_search": PUBLIC, "catalogue_mesh_suggest": PUBLIC,
    "catalogue_database": PUBLIC, "catalogue_collection": PUBLIC,
    "catalogue_dictionary": PUBLIC, "api_catalogue_search": PUBLIC,
    "catalogue_datacite": PUBLIC,
    "api_catalogue_databases": PUBLIC, "api_catalogue_database": PUBLIC,
    "api_catalogue_mesh": PUBLIC, "api_catalogue_dcat": PUBLIC,
    "catalogue_new_form": Rule("signed_in", CATALOGUE_EDITORS),
    "catalogue_create": Rule("signed_in", CATALOGUE_EDITORS),
    "catalogue_edit_form": Rule("signed_in", CATALOGUE_EDITORS),
    "catalogue_update": Rule("signed_in", CATALOGUE_EDITORS),
    "api_catalogue_import": Rule("signed_in", CATALOGUE_EDITORS),
    # indicators: public library and open data, requests by signed-in users, runs by operators
    "indicators_library": PUBLIC, "indicators_phenotype": PUBLIC,
    "indicators_phenotype_definition": PUBLIC, "indicators_phenotype_sql": PUBLIC,
    "indicators_published": PUBLIC, "indicators_published_file": PUBLIC,
    "indicators_request_form": SIGNED_IN, "indicators_request_submit": SIGNED_IN,
    "indicators_requests": Rule("signed_in", OPERATORS),
    "indicators_request_run": Rule("signed_in", OPERATORS),
}


def register(rules: Mapping[str, Rule]) -> None:
    """Add the rules of a new router's routes (a domain's router calls this once)."""
    clash = set(rules) & set(RULES)
    if any(RULES[name] != rules[name] for name in clash):
        raise ValueError(f"policy entries already defined differently: {sorted(clash)}")
    RULES.update(rules)


def decide(route_name: str | None, principal: Principal, api: bool) -> Decision:
    """May ``principal`` reach the route named ``route_name``?"""
    rule = RULES.get(route_name or "")
    if rule is None:
        return Decision(False, 403)
    if rule.level == "public":
        return Decision(True)
    if principal.via == "token" and not rule.token:
        return Decision(False, 403)
    if principal.user_id is None:
        return Decision(False, 401, None if api else "/login")
    if rule.level == "second_factor":
        return Decision(True) if principal.via == "session" else Decision(False, 403)
    if principal.pending:
        target = "/2fa" if principal.totp_enrolled else "/2fa/enrol"
        return Decision(False, 401, None if api else target)
    if principal.role not in rule.roles:
        return Decision(False, 403)
    return Decision(True)


def allowed(route_name: str, principal: Principal) -> bool:
    """True when ``principal`` may reach ``route_name`` (used to show or hide links)."""
    return decide(route_name, principal, api=False).allowed


def is_staff(principal: Principal) -> bool:
    """Reviewers and operators see every project and job."""
    return principal.signed_in and principal.via == "session" and principal.role in STAFF


def can_view_project(principal: Principal, project_id: int, member_role: str | None) -> bool:
    """Members, staff, and tokens scoped to this project see a project's page."""
    if principal.via == "token":
        return principal.token_project_id == project_id
    return principal.signed_in and (member_role is not None or is_staff(principal))


def can_hold_token(principal: Principal, member_role: str | None) -> bool:
    """Data holders of a project (by project role) may create API tokens for it."""
    return principal.via == "session" and principal.signed_in and member_role == "data_holder"


def can_view_job(principal: Principal, params: Mapping[str, Any],
                 member_projects: Iterable[int]) -> bool:
    """Staff see all jobs; others see the jobs they asked for or of their projects.

    Domains that start jobs for someone put ``requested_by`` (user id) and ``project_id``
    in the job's params.
    """
    if is_staff(principal):
        return True
    project = params.get("project_id")
    if principal.via == "token":
        return project is not None and project == principal.token_project_id
    return principal.signed_in and (params.get("requested_by") == principal.user_id
                                    or (project is not None and project in set(member_projects)))


def can_edit_record(principal: Principal, owner_id: int | None) -> bool:
    """Operators edit every catalogue record; data holders only the records they own."""
    if not principal.signed_in or principal.via != "session":
        return False
    if principal.role in OPERATORS:
        return True
    return (principal.role == "data_holder" and owner_id is not None
            and owner_id == principal.user_id)
