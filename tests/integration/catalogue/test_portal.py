"""Catalogue pages and API through the portal: search, facets, RDF negotiation, editing."""

from __future__ import annotations

import re

from healthdatahub.catalogue import service
from healthdatahub.config import Settings
from healthdatahub.web.testing import add_user, client, csrf, fast, sign_in


def test_public_pages_search_and_escape(one: Settings) -> None:
    portal = fast(one)
    with client(portal) as http:
        page = http.get("/catalogue?q=patient")
        assert page.status_code == 200 and "PATIENTS" in page.text
        menu = '<a href="/catalogue"{}>Catalogue de données</a>'
        assert menu.format("") in http.get("/").text
        assert menu.format(' aria-current="page"') in page.text
        assert "Spécialité médicale" in page.text
        db = http.get("/catalogue/demo-db")
        assert db.status_code == 200
        assert "<script>alert(1)</script>" not in db.text and "&lt;script&gt;" in db.text
        table = http.get("/catalogue/demo-db/PATIENTS")
        assert "AGE_ANN" in table.text and "0 – 99" in table.text and "A0001" not in table.text
        turtle = http.get("/catalogue/demo-db", headers={"Accept": "text/turtle"})
        assert turtle.headers["content-type"].startswith("text/turtle")
        assert "dcat:Dataset" in turtle.text
        jsonld = http.get("/catalogue/demo-db?format=json-ld")
        assert jsonld.headers["content-type"].startswith("application/ld+json")
        assert http.get("/catalogue/nope").status_code == 404
        api = http.get("/api/v1/catalogue/search", params={"q": "DGN_PAL"}).json()
        assert api["hits"][0]["variable"] == "DGN_PAL"
        assert api["hits"][0]["collection"] == "PATIENTS"
        assert api["databases"] == 1 and api["total"] == 2 and api["total_exact"]
        deep = http.get("/api/v1/catalogue/search", params={"q": "patient", "offset": 5000})
        assert deep.status_code == 422 and "offset" in deep.text  # the schema's bound
        cut = http.get("/api/v1/catalogue/search", params={"offset": 999, "limit": 20})
        assert cut.status_code == 200 and len(cut.json()["hits"]) <= 1
        assert "bases trouvées" in page.text
        mesh = http.get("/catalogue/mesh", params={"q": "breast neo"})
        assert "D001943" in mesh.text
        assert http.get("/api/v1/catalogue/mesh?q=covid").json()[0]["label"] == "COVID-19"
        english = http.get("/lang/en?next=/catalogue")
        assert english.status_code == 303
        assert "Medical speciality" in http.get("/catalogue").text


def test_editors_create_and_edit_records(one: Settings) -> None:
    portal = fast(one)
    with client(portal) as http:
        user_id, _ = add_user(portal, "data_holder")
        sign_in(portal, http, user_id)
        token = csrf(http, "/catalogue/new")
        created = http.post("/catalogue/new", data={
            "csrf_token": token, "slug": "registre-x", "acronym": "RX",
            "title_fr": "Registre X", "description_fr": "Un <b>registre</b>.",
            "speciality": "cardiology", "theme": "REGISTRY", "access_rights": "NON_PUBLIC",
            "languages": "fr", "keywords": "coeur, registre", "mesh": "D009203",
            "d_contact_email": "x@example.org", "d_number_of_records": "abc"})
        assert created.status_code == 400 and "whole number" in created.text
        created = http.post("/catalogue/new", data={
            "csrf_token": token, "slug": "registre-x", "acronym": "RX",
            "title_fr": "Registre X", "description_fr": "Un <b>registre</b>.",
            "speciality": "cardiology", "theme": "REGISTRY", "access_rights": "NON_PUBLIC",
            "languages": "fr", "keywords": "coeur, registre", "mesh": "D009203"})
        assert created.status_code == 303 and created.headers["location"] == "/catalogue/registre-x"
        record = service.get_database(portal, "registre-x")
        assert record["mesh"] == [{"id": "D009203", "label": "Myocardial Infarction"}]
        edited = http.post("/catalogue/registre-x/edit", data={
            "csrf_token": token, "acronym": "RX", "title_fr": "Registre renommé",
            "theme": "REGISTRY", "access_rights": "NON_PUBLIC"})
        assert edited.status_code == 303
        assert service.get_database(portal, "registre-x")["title"]["fr"] == "Registre renommé"
    with client(portal) as http:
        user_id, _ = add_user(portal, "operator")
        sign_in(portal, http, user_id)
        token = csrf(http, "/catalogue/new")
        edited = http.post("/catalogue/demo-db/edit", data={
            "csrf_token": token, "acronym": "DEMO", "title_fr": "Base renommée",
            "theme": "COHORT", "access_rights": "NON_PUBLIC"})
        assert edited.status_code == 303
        kept = service.get_database(portal, "demo-db")
        assert kept["title"]["fr"] == "Base renommée" and kept["collections"][0]["name"] == "PATIENTS"
    with client(portal) as http:
        user_id, _ = add_user(portal, "researcher")
        sign_in(portal, http, user_id)
        assert http.get("/catalogue/new").status_code == 403


def test_harvest_endpoint_pages(one: Settings) -> None:
    for i in range(3):
        service.save_record(one, {"slug": f"extra-{i}", "acronym": f"X{i}", "title": "Extra"})
    portal = fast(one, catalogue_page_size=2)
    with client(portal) as http:
        first = http.get("/api/v1/catalogue/dcat")
        assert first.status_code == 200 and "hydra:next" in first.text
        last = http.get("/api/v1/catalogue/dcat?page=2")
        assert "hydra:next" not in last.text
        assert len(re.findall(r"a dcat:Dataset", first.text)) == 2
        assert http.get("/api/v1/catalogue/dcat?page=9").status_code == 404
