"""Record ownership: data holders edit the records they created, operators edit every record."""

from __future__ import annotations

from healthdatahub.catalogue import export, service
from healthdatahub.config import Settings
from healthdatahub.web import policy
from healthdatahub.web.testing import add_user, client, csrf, fast, sign_in

FORM = {"acronym": "RX", "title_fr": "Registre X", "description_fr": "Un registre.",
        "theme": "REGISTRY",
        "access_rights": "NON_PUBLIC", "languages": "fr"}


def test_policy_rule() -> None:
    holder = policy.Principal(7, "data_holder", two_factor=True, via="session")
    assert policy.can_edit_record(holder, 7)
    assert not policy.can_edit_record(holder, 8) and not policy.can_edit_record(holder, None)
    operator = policy.Principal(1, "operator", two_factor=True, via="session")
    assert policy.can_edit_record(operator, None) and policy.can_edit_record(operator, 7)
    researcher = policy.Principal(7, "researcher", two_factor=True, via="session")
    assert not policy.can_edit_record(researcher, 7)
    half_signed = policy.Principal(7, "data_holder", two_factor=False, via="session")
    assert not policy.can_edit_record(half_signed, 7)


def test_a_data_holder_cannot_edit_another_holders_record(one: Settings) -> None:
    portal = fast(one)
    owner, _ = add_user(portal, "data_holder")
    other, _ = add_user(portal, "data_holder")
    with client(portal) as http:
        sign_in(portal, http, owner)
        token = csrf(http, "/catalogue/new")
        created = http.post("/catalogue/new", data={**FORM, "csrf_token": token,
                                                    "slug": "registre-x"})
        assert created.status_code == 303
        assert service.owner_of(portal, "registre-x") == owner
        assert "/catalogue/registre-x/edit" in http.get("/catalogue/registre-x").text
        own = export.export(portal, "registre-x").replace("Registre X", "Registre X bis")
        assert http.post("/api/v1/catalogue/rdf", content=own.encode(), headers={
            "Content-Type": "text/turtle", "X-CSRF-Token": token}).status_code == 200
        assert service.get_database(portal, "registre-x")["title"]["fr"] == "Registre X bis"
    before = service.get_database(portal, "registre-x")
    turtle = export.export(portal, "registre-x").replace("Registre X bis", "Registre volé")
    with client(portal) as http:
        sign_in(portal, http, other)
        token = csrf(http, "/catalogue/new")
        assert http.get("/catalogue/registre-x/edit").status_code == 403
        assert "/catalogue/registre-x/edit" not in http.get("/catalogue/registre-x").text
        refused = http.post("/catalogue/registre-x/edit", data={
            **FORM, "csrf_token": token, "title_fr": "Registre volé"})
        assert refused.status_code == 403
        # Nor through the RDF import (same identifier), nor on a record nobody owns.
        imported = http.post("/api/v1/catalogue/rdf", content=turtle.encode(), headers={
            "Content-Type": "text/turtle", "X-CSRF-Token": token})
        assert imported.status_code == 403 and "belongs to another" in imported.json()["detail"]
        assert http.get("/catalogue/demo-db/edit").status_code == 403
        assert http.post("/catalogue/demo-db/edit", data={
            **FORM, "csrf_token": token, "acronym": "DEMO"}).status_code == 403
    assert service.get_database(portal, "registre-x") == before
    assert service.get_database(portal, "demo-db")["acronym"] == "DEMO-DB"
    with client(portal) as http:
        operator, _ = add_user(portal, "operator")
        sign_in(portal, http, operator)
        token = csrf(http, "/catalogue/new")
        assert http.post("/catalogue/registre-x/edit", data={
            **FORM, "csrf_token": token, "title_fr": "Registre revu"}).status_code == 303
    assert service.get_database(portal, "registre-x")["title"]["fr"] == "Registre revu"
    assert service.owner_of(portal, "registre-x") == owner  # an operator's edit keeps the owner
